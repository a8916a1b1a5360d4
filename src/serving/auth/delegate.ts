// SPDX-License-Identifier: Apache-2.0
// The port between the API server's authentication/authorization and kube-apiserver: the published
// front-proxy configuration, TokenReview and SubjectAccessReview (docs/reference.md §B
// §4.2, §4.3). src/kube/delegated-auth.ts implements it with `@kubernetes/client-node`; caching and
// every decision stay on this side, so the HTTP layer is tested against the real implementation.

/** An authenticated user, as Kubernetes `UserInfo`. */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** `requestheader-*` settings: who may assert identities in headers, and which headers (§4.2). */
export interface RequestHeaderConfig {
  /** `requestheader-client-ca-file`: signs the front-proxy client certificate. */
  readonly clientCaPem: string;
  /** `requestheader-allowed-names`: allowed certificate CNs; empty = any cert from the CA. */
  readonly allowedNames: readonly string[];
  readonly usernameHeaders: readonly string[];
  readonly uidHeaders: readonly string[];
  readonly groupHeaders: readonly string[];
  readonly extraHeaderPrefixes: readonly string[];
}

/** The `kube-system/extension-apiserver-authentication` ConfigMap, parsed (§4.2). */
export interface AuthenticationConfig {
  /** `client-ca-file`: signs ordinary x509 client certificates (user = CN, groups = O). */
  readonly clientCaPem?: string;
  /** Absent when the cluster publishes no front proxy. */
  readonly requestHeader?: RequestHeaderConfig;
}

export type TokenReviewResult =
  | { readonly authenticated: true; readonly user: UserInfo }
  | { readonly authenticated: false; readonly error?: string };

/** What a request does, in SubjectAccessReview terms (§3.2, §4.3). */
export type AccessAttributes =
  | {
      readonly kind: 'resource';
      readonly namespace: string;
      readonly verb: string;
      readonly group: string;
      readonly version: string;
      readonly resource: string;
    }
  | { readonly kind: 'nonResource'; readonly path: string; readonly verb: string };

export interface AccessReview {
  readonly user: UserInfo;
  readonly attributes: AccessAttributes;
}

/** `status` of a SubjectAccessReview. */
export interface AccessDecision {
  readonly allowed: boolean;
  readonly reason?: string;
}

export interface AuthDelegate {
  /** The current configuration; changes when the ConfigMap does. */
  authenticationConfig(): AuthenticationConfig;
  /** Calls `listener` after every configuration change; returns the unsubscribe function. */
  onAuthenticationConfigChange(listener: (config: AuthenticationConfig) => void): () => void;
  /** POSTs a TokenReview; rejects only when the review itself failed (network, HTTP error). */
  reviewToken(token: string): Promise<TokenReviewResult>;
  /** POSTs a SubjectAccessReview; rejects only when the review itself failed. */
  reviewAccess(review: AccessReview): Promise<AccessDecision>;
}
