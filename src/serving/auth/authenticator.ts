// SPDX-License-Identifier: Apache-2.0
// Who a request is, in the generic apiserver's order: front proxy (request-header) → x509 client cert
// → bearer token via TokenReview; no anonymous user (docs/reference.md §B.4.2). Every
// authenticated user also gets `system:authenticated` (§4.2 rule 5).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import {
  parseCertificates,
  presentedCertificate,
  verifyClientCertificate,
  type PresentedCertificate,
} from './client-certificate.js';
import type { AuthDelegate, AuthenticationConfig, TokenReviewResult, UserInfo } from './delegate.js';
import { stripRemoteHeaders, userFromHeaders } from './request-header.js';
import { TtlCache } from './ttl-cache.js';

export const authenticatedGroup = 'system:authenticated';

/** TokenReview results are reused this long (§4.2: "cached 10 s"). */
const tokenCacheTtlMs = 10_000;
const tokenCacheEntries = 4096;

export type AuthenticationResult =
  | { readonly ok: true; readonly user: UserInfo; readonly method: 'front-proxy' | 'x509' | 'token' }
  | { readonly ok: false; readonly reasons: readonly string[] };

/** The configuration with its CA bundles parsed once. */
interface Trust {
  readonly config: AuthenticationConfig;
  readonly frontProxyRoots: readonly X509Certificate[];
  readonly clientRoots: readonly X509Certificate[];
  /** Bumped on every change, so per-connection verdicts made under an old CA are not reused. */
  readonly generation: number;
}

/** What a connection's certificate proves; computed once per TLS connection and configuration. */
interface ConnectionVerdict {
  readonly generation: number;
  /** Undefined when the certificate may assert identities in headers, else why not. */
  readonly frontProxyProblem: string | undefined;
  readonly x509User: UserInfo | undefined;
  readonly x509Problem: string | undefined;
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  return user.groups.includes(authenticatedGroup)
    ? user
    : { ...user, groups: [...user.groups, authenticatedGroup] };
}

/** `Authorization: Bearer <token>` (scheme case-insensitive, as apiserver's bearertoken.go). */
function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function frontProxyProblem(trust: Trust, presented: PresentedCertificate | undefined): string | undefined {
  const requestHeader = trust.config.requestHeader;
  if (requestHeader === undefined) return 'no requestheader-client-ca-file is published';
  if (presented === undefined) return 'no client certificate';
  const verdict = verifyClientCertificate(presented, trust.frontProxyRoots);
  if (!verdict.ok) return verdict.reason;
  const names = requestHeader.allowedNames;
  if (names.length > 0 && !names.includes(presented.commonName))
    return `x509: subject with cn=${presented.commonName} is not in the allowed list`;
  return undefined;
}

function x509Verdict(
  trust: Trust,
  presented: PresentedCertificate | undefined,
): Pick<ConnectionVerdict, 'x509User' | 'x509Problem'> {
  if (trust.config.clientCaPem === undefined || presented === undefined)
    return { x509User: undefined, x509Problem: undefined };
  const verdict = verifyClientCertificate(presented, trust.clientRoots);
  if (!verdict.ok) return { x509User: undefined, x509Problem: verdict.reason };
  if (presented.commonName === '')
    return { x509User: undefined, x509Problem: 'x509: certificate has no common name' };
  // x509 users are CN, groups O (§4.2).
  return {
    x509User: { username: presented.commonName, groups: presented.organizations, extra: {} },
    x509Problem: undefined,
  };
}

/** The client CAs TLS should accept and announce, so the front proxy picks its certificate (§4.2 rule 1). */
export function clientCaPems(config: AuthenticationConfig): string[] {
  return [config.clientCaPem, config.requestHeader?.clientCaPem].filter(
    (pem): pem is string => pem !== undefined,
  );
}

export interface AuthenticatorOptions {
  readonly delegate: AuthDelegate;
  readonly nowMs: () => number;
}

export class Authenticator {
  private trust: Trust;
  private readonly verdicts = new WeakMap<object, ConnectionVerdict>();
  private readonly tokens: TtlCache<TokenReviewResult>;
  private readonly delegate: AuthDelegate;

  constructor(options: AuthenticatorOptions) {
    this.delegate = options.delegate;
    this.tokens = new TtlCache({
      ttlMs: tokenCacheTtlMs,
      maxEntries: tokenCacheEntries,
      nowMs: options.nowMs,
    });
    this.trust = Authenticator.trustFor(options.delegate.authenticationConfig(), 0);
  }

  private static trustFor(config: AuthenticationConfig, generation: number): Trust {
    return {
      config,
      frontProxyRoots: parseCertificates(config.requestHeader?.clientCaPem ?? ''),
      clientRoots: parseCertificates(config.clientCaPem ?? ''),
      generation,
    };
  }

  /** Adopts a new configuration (CA rotation); connections are re-verified on their next request. */
  updateConfig(config: AuthenticationConfig): void {
    this.trust = Authenticator.trustFor(config, this.trust.generation + 1);
  }

  /** Who sent `req`; strips untrusted identity headers as a side effect. */
  async authenticate(req: IncomingMessage): Promise<AuthenticationResult> {
    const trust = this.trust;
    const verdict = this.connectionVerdict(req.socket, trust);
    const requestHeader = trust.config.requestHeader;
    const reasons: string[] = [];
    if (verdict.frontProxyProblem === undefined && requestHeader !== undefined) {
      const user = userFromHeaders(req, requestHeader);
      stripRemoteHeaders(req, requestHeader);
      if (user !== undefined) return { ok: true, user: withAuthenticatedGroup(user), method: 'front-proxy' };
      reasons.push('front proxy sent no user header');
    } else {
      stripRemoteHeaders(req, requestHeader);
      reasons.push(`request-header: ${verdict.frontProxyProblem ?? 'not configured'}`);
    }
    if (verdict.x509User !== undefined)
      return { ok: true, user: withAuthenticatedGroup(verdict.x509User), method: 'x509' };
    if (verdict.x509Problem !== undefined) reasons.push(verdict.x509Problem);
    return this.authenticateToken(req, reasons);
  }

  private async authenticateToken(req: IncomingMessage, reasons: string[]): Promise<AuthenticationResult> {
    const token = bearerToken(req);
    if (token === undefined) return { ok: false, reasons: [...reasons, 'no bearer token'] };
    const key = createHash('sha256').update(token).digest('hex');
    let review = this.tokens.get(key);
    if (review === undefined) {
      try {
        review = await this.delegate.reviewToken(token);
      } catch (error) {
        // A failed review is not an answer: it is not cached, the next request asks again.
        return { ok: false, reasons: [...reasons, `TokenReview failed: ${(error as Error).message}`] };
      }
      this.tokens.set(key, review);
    }
    if (!review.authenticated)
      return {
        ok: false,
        reasons: [
          ...reasons,
          `token not authenticated${review.error === undefined ? '' : `: ${review.error}`}`,
        ],
      };
    return { ok: true, user: withAuthenticatedGroup(review.user), method: 'token' };
  }

  private connectionVerdict(socket: object, trust: Trust): ConnectionVerdict {
    const cached = this.verdicts.get(socket);
    if (cached?.generation === trust.generation) return cached;
    const presented = socket instanceof TLSSocket ? presentedCertificate(socket) : undefined;
    const verdict: ConnectionVerdict = {
      generation: trust.generation,
      frontProxyProblem: frontProxyProblem(trust, presented),
      ...x509Verdict(trust, presented),
    };
    this.verdicts.set(socket, verdict);
    return verdict;
  }
}
