// SPDX-License-Identifier: Apache-2.0
// Client certificates: the chain a TLS peer presented, and whether it verifies against one CA bundle
// for client authentication. Both the front proxy (`requestheader-client-ca-file`) and ordinary x509
// users (`client-ca-file`) go through here (docs/reference.md §B.4.2, mirroring
// apiserver's x509.go: chain to the bundle, ExtKeyUsage clientAuth).
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** What a TLS peer presented: the chain (leaf first) and the leaf's subject. */
export interface PresentedCertificate {
  readonly chain: readonly X509Certificate[];
  readonly commonName: string;
  readonly organizations: readonly string[];
  /** Whether the TLS stack verified the chain (dates, purpose, constraints) against the served CAs. */
  readonly tlsAuthorized: boolean;
  /** The TLS stack's reason when it did not. */
  readonly tlsError: string | undefined;
}

export type CertificateVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const clientAuthUsage = '1.3.6.1.5.5.7.3.2';
const anyExtendedKeyUsage = '2.5.29.37.0';
/** Longest chain walked; kube's front-proxy and client certs are signed by the CA directly. */
const maxChainLength = 8;

/** The certificates of a PEM bundle (a CA file may hold several during rotation). */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function subjectValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The client certificate of a TLS connection, or undefined when the peer sent none. */
export function presentedCertificate(socket: TLSSocket): PresentedCertificate | undefined {
  const leaf = socket.getPeerCertificate(true) as Partial<DetailedPeerCertificate>;
  if (leaf.raw === undefined) return undefined;
  const chain: X509Certificate[] = [];
  let current: Partial<DetailedPeerCertificate> | undefined = leaf;
  // Node completes the chain from the trust store and ends self-signed roots with a self-reference.
  while (current?.raw !== undefined && chain.length < maxChainLength) {
    chain.push(new X509Certificate(current.raw));
    current = current.issuerCertificate === current ? undefined : current.issuerCertificate;
  }
  const subject = leaf.subject as Record<string, string | string[] | undefined> | undefined;
  const authorizationError = socket.authorizationError as Error | string | null;
  return {
    chain,
    commonName: subjectValues(subject?.CN)[0] ?? '',
    organizations: subjectValues(subject?.O),
    tlsAuthorized: socket.authorized,
    tlsError: authorizationError === null ? undefined : String(authorizationError),
  };
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/** Go's rule: no ExtKeyUsage means any usage; otherwise clientAuth (or anyExtendedKeyUsage) must be listed. */
function allowsClientAuth(certificate: X509Certificate): boolean {
  const usages = certificate.keyUsage as readonly string[] | undefined;
  return usages === undefined || usages.includes(clientAuthUsage) || usages.includes(anyExtendedKeyUsage);
}

function usageProblem(path: readonly X509Certificate[]): CertificateVerdict {
  const refused = path.find((certificate) => !allowsClientAuth(certificate));
  return refused === undefined
    ? { ok: true }
    : {
        ok: false,
        reason: `x509: certificate specifies an incompatible key usage (${refused.subject.replaceAll('\n', ', ')})`,
      };
}

/**
 * Whether `presented` chains to a certificate of `roots` (directly or through CA certificates the peer
 * sent) with clientAuth usage along the way. Dates and constraints are the TLS stack's `tlsAuthorized`;
 * this pins the chain to one bundle, which the TLS stack (trusting several) cannot tell.
 */
export function verifyClientCertificate(
  presented: PresentedCertificate,
  roots: readonly X509Certificate[],
): CertificateVerdict {
  if (!presented.tlsAuthorized)
    return { ok: false, reason: `x509: ${presented.tlsError ?? 'unverified certificate'}` };
  const [leaf] = presented.chain;
  if (leaf === undefined) return { ok: false, reason: 'x509: no client certificate' };
  const path = [leaf];
  for (let current = leaf; path.length <= maxChainLength;) {
    const root = roots.find((candidate) => issuedBy(current, candidate));
    if (root !== undefined) return usageProblem([...path, root]);
    const next = presented.chain.find(
      (candidate) => candidate.ca && !path.includes(candidate) && issuedBy(current, candidate),
    );
    if (next === undefined) break;
    path.push(next);
    current = next;
  }
  return { ok: false, reason: 'x509: certificate signed by unknown authority' };
}
