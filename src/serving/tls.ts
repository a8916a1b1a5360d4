// SPDX-License-Identifier: Apache-2.0
// The serving certificate of the external metrics API: PEM files (cert-manager, a Secret) or, for local
// use, a generated self-signed pair. The certificate must name the Service `<svc>.<ns>.svc` the
// APIService points at (docs/reference.md §B.4.1, KEDA #5946).
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface ServingTls {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

async function readPem(path: string, what: string, marker: RegExp): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!marker.test(text)) throw new Error(`the TLS ${what} ${path} holds no PEM ${what}`);
  return text;
}

/** The pair in `files`; throws naming the file that is missing or not PEM. */
export async function loadServingTls(files: TlsFiles): Promise<ServingTls> {
  const [certPem, keyPem] = await Promise.all([
    readPem(files.certFile, 'certificate', /-----BEGIN CERTIFICATE-----/),
    readPem(files.keyFile, 'key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  ]);
  return { certPem, keyPem };
}

export interface SelfSignedOptions {
  /** DNS names and IP addresses to cover, e.g. `pdscaler.pdscaler-system.svc`; loopback is always added. */
  readonly hosts: readonly string[];
  readonly nowMs: number;
  /** @default 365 */
  readonly validDays?: number;
}

const loopback = ['localhost', '127.0.0.1', '::1'];
const dayMs = 86_400_000;

/**
 * A self-signed pair for local use: its own CA (so it can be an APIService `caBundle`), EC P-256 so it
 * is made in milliseconds. Not rotated: a deployment should mount real files.
 */
export async function selfSignedServingTls(options: SelfSignedOptions): Promise<ServingTls> {
  const hosts = [...new Set([...options.hosts, ...loopback])];
  const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    // A minute of slack for clocks a little behind ours.
    notBeforeDate: new Date(options.nowMs - 60_000),
    notAfterDate: new Date(options.nowMs + (options.validDays ?? 365) * dayMs),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((host) => (isIP(host) === 0 ? { type: 2, value: host } : { type: 7, ip: host })),
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
