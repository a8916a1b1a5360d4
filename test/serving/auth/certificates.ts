// SPDX-License-Identifier: Apache-2.0
// Throwaway CAs and client certificates for the authentication tests: a front-proxy CA and its
// `front-proxy-client` certificate as kubeadm makes them, ordinary client CAs, and the wrong ones.
// EC P-256, so each takes milliseconds.
import { generate } from 'selfsigned';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

const validity = () => ({
  notBeforeDate: new Date(Date.now() - 60_000),
  notAfterDate: new Date(Date.now() + 86_400_000),
});

/** A self-signed CA that may sign client certificates. */
export async function makeCa(commonName: string): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...validity(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

export interface ClientCertOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  /** `clientAuth` (the default) or `serverAuth` only, to test the ExtKeyUsage rule. */
  readonly usage?: 'clientAuth' | 'serverAuth';
}

/** A leaf certificate signed by `ca`. */
export async function makeClientCert(ca: KeyPair, options: ClientCertOptions): Promise<KeyPair> {
  const pems = await generate(
    [
      { name: 'commonName', value: options.commonName },
      ...(options.organizations ?? []).map((value) => ({ name: 'organizationName', value })),
    ],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      ...validity(),
      ca: { key: ca.key, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        options.usage === 'serverAuth'
          ? { name: 'extKeyUsage', serverAuth: true }
          : { name: 'extKeyUsage', clientAuth: true },
      ],
    },
  );
  return { cert: pems.cert, key: pems.private };
}
