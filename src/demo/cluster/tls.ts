// SPDX-License-Identifier: Apache-2.0
// A throwaway certificate for loopback HTTPS fakes, generated at test time (nothing checked in).
import { generate } from 'selfsigned';

export interface TestCertificate {
  /** PEM certificate; also the CA a client must trust. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

let cached: Promise<TestCertificate> | undefined;

/**
 * A self-signed certificate for `127.0.0.1`, `::1` and `localhost`, valid for one day. It is its own CA
 * (basicConstraints cA), so a client trusts it by putting it in `ca`. Generated once per test process:
 * EC P-256 keeps that to a few milliseconds.
 */
export function testCertificate(): Promise<TestCertificate> {
  cached ??= generate([{ name: 'commonName', value: 'pdscaler-test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  }).then((pems) => ({ cert: pems.cert, key: pems.private }));
  return cached;
}
