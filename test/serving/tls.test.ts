// SPDX-License-Identifier: Apache-2.0
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServingTls, selfSignedServingTls } from '../../src/serving/tls.js';

describe('selfSignedServingTls', () => {
  it('names the Service and loopback, and is valid from a minute before now', async () => {
    const nowMs = Date.UTC(2026, 0, 5, 12, 0, 0);
    const { certPem, keyPem } = await selfSignedServingTls({
      hosts: ['pdscaler.pdscaler-system.svc'],
      nowMs,
      validDays: 30,
    });
    const cert = new X509Certificate(certPem);
    expect(cert.subjectAltName?.split(', ')).toEqual([
      'DNS:pdscaler.pdscaler-system.svc',
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
    ]);
    expect(new Date(cert.validFrom).getTime()).toBe(nowMs - 60_000);
    expect(new Date(cert.validTo).getTime()).toBe(nowMs + 30 * 86_400_000);
    expect(keyPem).toMatch(/-----BEGIN PRIVATE KEY-----/);
  });
});

describe('loadServingTls', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pdscaler-tls-'));
    const { certPem, keyPem } = await selfSignedServingTls({ hosts: [], nowMs: Date.now() });
    await writeFile(join(dir, 'tls.crt'), certPem);
    await writeFile(join(dir, 'tls.key'), keyPem);
    await writeFile(join(dir, 'empty'), '');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true });
  });

  it('reads a PEM certificate and key', async () => {
    const tls = await loadServingTls({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') });
    expect(tls.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(tls.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it.each([
    [
      { certFile: 'missing.crt', keyFile: 'tls.key' },
      /cannot read the TLS certificate .*missing\.crt: ENOENT/,
    ],
    [{ certFile: 'tls.crt', keyFile: 'empty' }, /the TLS key .*empty holds no PEM key/],
    [{ certFile: 'tls.key', keyFile: 'tls.key' }, /the TLS certificate .*tls\.key holds no PEM certificate/],
  ])('names the file that is wrong: %j', async (files, message) => {
    await expect(
      loadServingTls({ certFile: join(dir, files.certFile), keyFile: join(dir, files.keyFile) }),
    ).rejects.toThrow(message);
  });
});
