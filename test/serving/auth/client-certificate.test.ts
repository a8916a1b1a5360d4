// SPDX-License-Identifier: Apache-2.0
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  parseCertificates,
  verifyClientCertificate,
  type PresentedCertificate,
} from '../../../src/serving/auth/client-certificate.js';
import { makeCa, makeClientCert, type KeyPair } from './certificates.js';

/** What TLS hands over for `pems` (leaf first) when its own verification passed. */
function presented(...pems: string[]): PresentedCertificate {
  return {
    chain: pems.map((pem) => new X509Certificate(pem)),
    commonName: 'front-proxy-client',
    organizations: [],
    tlsAuthorized: true,
    tlsError: undefined,
  };
}

/** An intermediate CA signed by `ca`. */
async function makeIntermediate(ca: KeyPair): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: 'intermediate' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

describe('verifyClientCertificate', () => {
  let root: KeyPair;
  let other: KeyPair;
  let intermediate: KeyPair;
  let roots: X509Certificate[];

  beforeAll(async () => {
    [root, other] = await Promise.all([makeCa('root'), makeCa('other')]);
    intermediate = await makeIntermediate(root);
    roots = parseCertificates(root.cert);
  });

  it('accepts a clientAuth certificate signed by a CA of the bundle', async () => {
    const leaf = await makeClientCert(root, { commonName: 'front-proxy-client' });
    expect(verifyClientCertificate(presented(leaf.cert), roots)).toEqual({ ok: true });
  });

  it('accepts a chain through an intermediate CA the client sent', async () => {
    const leaf = await makeClientCert(intermediate, { commonName: 'front-proxy-client' });
    expect(verifyClientCertificate(presented(leaf.cert, intermediate.cert), roots)).toEqual({ ok: true });
    expect(verifyClientCertificate(presented(leaf.cert), roots)).toMatchObject({ ok: false });
  });

  it('refuses a certificate of another CA, even one TLS trusted', async () => {
    const leaf = await makeClientCert(other, { commonName: 'front-proxy-client' });
    expect(verifyClientCertificate(presented(leaf.cert, other.cert), roots)).toEqual({
      ok: false,
      reason: 'x509: certificate signed by unknown authority',
    });
  });

  it('refuses a certificate whose extended key usage does not allow client authentication', async () => {
    const leaf = await makeClientCert(root, { commonName: 'front-proxy-client', usage: 'serverAuth' });
    const verdict = verifyClientCertificate(presented(leaf.cert), roots);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain('incompatible key usage');
  });

  it('refuses what the TLS stack could not verify, with its reason', async () => {
    const leaf = await makeClientCert(root, { commonName: 'front-proxy-client' });
    const verdict = verifyClientCertificate(
      { ...presented(leaf.cert), tlsAuthorized: false, tlsError: 'CERT_HAS_EXPIRED' },
      roots,
    );
    expect(verdict).toEqual({ ok: false, reason: 'x509: CERT_HAS_EXPIRED' });
  });
});

describe('parseCertificates', () => {
  it('reads every certificate of a bundle and nothing else', async () => {
    const [a, b] = await Promise.all([makeCa('a'), makeCa('b')]);
    const bundle = `# rotated\n${a.cert}\n${b.cert}\n${a.key}`;
    expect(parseCertificates(bundle).map((cert) => cert.subject)).toEqual(['CN=a', 'CN=b']);
    expect(parseCertificates('')).toEqual([]);
  });
});
