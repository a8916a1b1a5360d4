// SPDX-License-Identifier: Apache-2.0
// Delegated authentication and authorization of the fake cluster: the TokenReview and
// SubjectAccessReview endpoints an aggregated API server calls (docs/reference.md §B.4.2,
// §4.3). Tests say which tokens are valid and what the authorizer answers, then assert on the reviews
// that arrived, in order.
import { sendJson, sendStatus, type FakeApiServer, type RouteContext } from './fake-apiserver.js';
import { readJson } from './fake-rest.js';

/** `status.user` of a TokenReview (`authentication.k8s.io/v1` UserInfo). */
export interface TokenUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: string[];
  readonly extra?: Record<string, string[]>;
}

/** `spec.resourceAttributes` of a SubjectAccessReview. */
export interface ResourceAttributes {
  readonly namespace?: string;
  readonly verb?: string;
  readonly group?: string;
  readonly version?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly name?: string;
}

/** `spec.nonResourceAttributes` of a SubjectAccessReview (discovery, `/metrics`). */
export interface NonResourceAttributes {
  readonly path?: string;
  readonly verb?: string;
}

/** `authorization.k8s.io/v1` SubjectAccessReviewSpec, as it arrives on the wire. */
export interface SubjectAccessReviewSpec {
  readonly resourceAttributes?: ResourceAttributes;
  readonly nonResourceAttributes?: NonResourceAttributes;
  readonly user?: string;
  readonly groups?: string[];
  readonly uid?: string;
  readonly extra?: Record<string, string[]>;
}

/** `status` of a SubjectAccessReview; `denied` is only set by authorizers that deny explicitly. */
export interface AccessDecision {
  readonly allowed: boolean;
  readonly denied?: boolean;
  readonly reason?: string;
}

const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const SUBJECT_ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The spec problems kube-apiserver's `ValidateSubjectAccessReviewSpec` (pkg/apis/authorization/validation)
 * reports with 422, as `field: Invalid value: ...: detail` strings (field paths of releases before declarative
 * validation); empty when valid.
 */
function sarProblems(spec: SubjectAccessReviewSpec): string[] {
  const problems: string[] = [];
  const hasResource = spec.resourceAttributes !== undefined;
  const hasNonResource = spec.nonResourceAttributes !== undefined;
  if (hasResource && hasNonResource)
    problems.push(
      `spec.nonResourceAttributes: Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: cannot be specified in combination with resourceAttributes`,
    );
  if (!hasResource && !hasNonResource)
    problems.push(
      'spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  if ((spec.user ?? '') === '' && (spec.groups ?? []).length === 0)
    problems.push('spec.user: Invalid value: "": at least one of user or group must be specified');
  return problems;
}

/** TokenReview and SubjectAccessReview routes on a fake apiserver. */
export class FakeAuthn {
  /** Valid bearer tokens and who they are; any other token is not authenticated. */
  readonly tokens = new Map<string, TokenUser>();
  /** The authorizer's answer to a SubjectAccessReview. @default allow everything */
  authorize: (spec: SubjectAccessReviewSpec) => AccessDecision = () => ({ allowed: true });
  /** Every SubjectAccessReview spec received, in order (including ones that failed validation). */
  readonly subjectAccessReviews: SubjectAccessReviewSpec[] = [];
  /** Every token reviewed, in order. */
  readonly tokenReviews: string[] = [];

  constructor(server: FakeApiServer) {
    server.route('POST', TOKEN_REVIEWS, (ctx) => this.reviewToken(ctx));
    server.route('POST', SUBJECT_ACCESS_REVIEWS, (ctx) => this.reviewAccess(ctx));
  }

  private async reviewToken(ctx: RouteContext): Promise<void> {
    const body = await readJson(ctx);
    if (body === undefined) return;
    const spec = isRecord(body) && isRecord(body.spec) ? body.spec : {};
    const token = typeof spec.token === 'string' ? spec.token : '';
    this.tokenReviews.push(token);
    const user = this.tokens.get(token);
    const audiences = Array.isArray(spec.audiences) ? { audiences: spec.audiences } : {};
    // Created reviews answer 201 like every create; an unknown token is `authenticated: false` with an
    // empty user, not an HTTP error (docs/reference.md §B.4.2).
    sendJson(ctx.res, 201, {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      spec,
      status:
        user === undefined
          ? { authenticated: false, user: {} }
          : { authenticated: true, user: structuredClone(user), ...audiences },
    });
  }

  private async reviewAccess(ctx: RouteContext): Promise<void> {
    const body = await readJson(ctx);
    if (body === undefined) return;
    const spec = (isRecord(body) && isRecord(body.spec) ? body.spec : {}) as SubjectAccessReviewSpec;
    this.subjectAccessReviews.push(spec);
    const problems = sarProblems(spec);
    if (problems.length > 0) {
      const detail = problems.length === 1 ? (problems[0] ?? '') : `[${problems.join(', ')}]`;
      sendStatus(
        ctx.res,
        422,
        'Invalid',
        `SubjectAccessReview.authorization.k8s.io "" is invalid: ${detail}`,
      );
      return;
    }
    sendJson(ctx.res, 201, {
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec,
      status: this.authorize(spec),
    });
  }
}
