// SPDX-License-Identifier: Apache-2.0
// A one-shot HTTPS client for the API server tests: a fresh connection per request (so each request
// presents exactly the certificate it is given), the server's certificate as the CA.
import { request } from 'node:https';
import type { KeyPair } from '../auth/certificates.js';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown;
}

export interface GetOptions {
  /** The server's certificate, trusted as CA. */
  readonly ca: string;
  readonly clientCert?: KeyPair;
  /** Header values; an array sends the header once per value. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly method?: string;
}

export async function get(url: string, options: GetOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        agent: false,
        headers: options.headers as Record<string, string | string[]> | undefined,
        ...(options.clientCert === undefined
          ? {}
          : { cert: options.clientCert.cert, key: options.clientCert.key }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            text,
            json,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
