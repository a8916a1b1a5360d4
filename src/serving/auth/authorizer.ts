// SPDX-License-Identifier: Apache-2.0
// May this user do this? Delegated to kube-apiserver with a SubjectAccessReview, answers cached 10 s,
// `system:masters` allowed without asking (docs/reference.md §B.4.3). Also the request
// attributes (§3.2) and the Forbidden message kube-apiserver itself would write (§3.7).
import type { AccessAttributes, AccessDecision, AuthDelegate, UserInfo } from './delegate.js';
import { TtlCache } from './ttl-cache.js';

/** apiserver's AlwaysAllowGroups (§4.3). */
export const mastersGroup = 'system:masters';
/** Allow and deny answers are both reused this long (§4.3: "allow/deny cache TTL 10 s/10 s"). */
const accessCacheTtlMs = 10_000;
const accessCacheEntries = 4096;

export interface AuthorizerOptions {
  readonly delegate: AuthDelegate;
  readonly nowMs: () => number;
}

export class Authorizer {
  private readonly decisions: TtlCache<AccessDecision>;
  private readonly delegate: AuthDelegate;

  constructor(options: AuthorizerOptions) {
    this.delegate = options.delegate;
    this.decisions = new TtlCache({
      ttlMs: accessCacheTtlMs,
      maxEntries: accessCacheEntries,
      nowMs: options.nowMs,
    });
  }

  /** The decision for `user` doing `attributes`; rejects when the review itself failed. */
  async authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision> {
    if (user.groups.includes(mastersGroup)) return { allowed: true };
    // The whole identity is the key: the same name with other groups is another subject.
    const key = JSON.stringify([user.username, user.uid ?? '', user.groups, user.extra, attributes]);
    const cached = this.decisions.get(key);
    if (cached !== undefined) return cached;
    const decision = await this.delegate.reviewAccess({ user, attributes });
    this.decisions.set(key, decision);
    return decision;
  }
}

const metricPath = /^\/apis\/external\.metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/([^/]+)$/;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The attributes apiserver's RequestInfo gives a request: a metric read is a resource request with
 * verb `list` (a GET without a name), the metric as resource; everything else is a non-resource path
 * with the lower-cased HTTP method as verb (§3.2).
 */
export function accessAttributes(method: string, path: string): AccessAttributes {
  const match = metricPath.exec(path);
  const verb = method.toLowerCase();
  if (match === null) return { kind: 'nonResource', path, verb };
  return {
    kind: 'resource',
    namespace: decodeSegment(match[1] ?? ''),
    verb: verb === 'get' || verb === 'head' ? 'list' : verb,
    group: 'external.metrics.k8s.io',
    version: 'v1beta1',
    resource: decodeSegment(match[2] ?? ''),
  };
}

/** kube-apiserver's wording (apiserver responsewriters `forbiddenMessage` + `NewForbidden`, §3.7). */
export function forbiddenMessage(
  user: UserInfo,
  attributes: AccessAttributes,
  reason: string | undefined,
): string {
  const who = `User ${JSON.stringify(user.username)}`;
  const suffix = reason === undefined || reason === '' ? '' : `: ${reason}`;
  if (attributes.kind === 'nonResource')
    return `forbidden: ${who} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}${suffix}`;
  const { resource, group, namespace, verb } = attributes;
  return (
    `${resource}.${group} is forbidden: ${who} cannot ${verb} resource ${JSON.stringify(resource)} ` +
    `in API group ${JSON.stringify(group)} in the namespace ${JSON.stringify(namespace)}${suffix}`
  );
}
