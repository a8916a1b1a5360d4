// SPDX-License-Identifier: Apache-2.0
// The scaler server itself: TLS and client certificates, keepalive pings on idle connections
// (docs/reference.md §B.2.1, §B.2.9), call metrics and logs, and closing.
import { connect } from 'node:http2';
import { Writable } from 'node:stream';
import { credentials, status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { connectExternalScaler } from '../../../src/serving/keda/client.js';
import { testCertificate } from '../../../src/demo/cluster/tls.js';
import { callError, publishPolicy, startHarness, triggerRef, type Harness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ref = triggerRef({ policy: 'chat', role: 'prefill' });
/** The test certificate names localhost; TLS server names cannot be IP addresses (RFC 6066). */
const channelOptions = { 'grpc.ssl_target_name_override': 'localhost' };

async function clientCertificate(): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: 'keda-operator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

describe('TLS', () => {
  it('serves a client that trusts the server certificate', async () => {
    const server = await testCertificate();
    harness = await startHarness({ tls: { certPem: server.cert, keyPem: server.key } });
    publishPolicy(harness.board, { load: { prefillLoad: 2 } });
    const client = connectExternalScaler({
      address: harness.scaler.address,
      credentials: credentials.createSsl(Buffer.from(server.cert)),
      channelOptions,
    });
    expect(await client.isActive(ref)).toEqual({ result: true });
    client.close();
  });

  it('requires a client certificate signed by clientCaPem when one is set', async () => {
    const server = await testCertificate();
    const keda = await clientCertificate();
    harness = await startHarness({
      tls: { certPem: server.cert, keyPem: server.key, clientCaPem: keda.cert },
    });
    publishPolicy(harness.board);
    const withCert = connectExternalScaler({
      address: harness.scaler.address,
      credentials: credentials.createSsl(
        Buffer.from(server.cert),
        Buffer.from(keda.key),
        Buffer.from(keda.cert),
      ),
      channelOptions,
    });
    const withoutCert = connectExternalScaler({
      address: harness.scaler.address,
      credentials: credentials.createSsl(Buffer.from(server.cert)),
      channelOptions,
      deadlineMs: 2000,
    });
    expect((await withCert.getMetricSpec(ref)).metricSpecs).toHaveLength(1);
    expect((await callError(withoutCert.getMetricSpec(ref))).code).toBe(status.UNAVAILABLE);
    withCert.close();
    withoutCert.close();
  });
});

describe('keepalive', () => {
  it('pings an idle connection every keepaliveTimeMs', async () => {
    harness = await startHarness({ keepaliveTimeMs: 50, keepaliveTimeoutMs: 1000 });
    const session = connect(`http://${harness.scaler.address}`);
    try {
      let pings = 0;
      await new Promise<void>((resolve) =>
        session.on('ping', () => {
          if (++pings === 2) resolve();
        }),
      );
      expect(pings).toBe(2);
    } finally {
      session.destroy();
    }
  });
});

describe('call metrics and logs', () => {
  it('observes each call in pdscaler_keda_grpc_request_duration_seconds by method and code', async () => {
    harness = await startHarness();
    publishPolicy(harness.board, { load: { prefillLoad: 2 } });
    const { metricName } = (await harness.client.getMetricSpec(ref)).metricSpecs[0]!;
    await harness.client.getMetrics({ scaledObjectRef: ref, metricName });
    await harness.client.getMetrics({ scaledObjectRef: ref, metricName });
    await callError(harness.client.isActive(triggerRef({ policy: 'nope', role: 'prefill' })));
    const counts = (await harness.metrics.grpcRequestDuration.get()).values
      .filter((v) => v.metricName === 'pdscaler_keda_grpc_request_duration_seconds_count')
      .map((v) => ({ ...v.labels, count: v.value }));
    expect(counts).toEqual(
      expect.arrayContaining([
        { method: 'GetMetricSpec', code: 'OK', count: 1 },
        { method: 'GetMetrics', code: 'OK', count: 2 },
        { method: 'IsActive', code: 'NOT_FOUND', count: 1 },
      ]),
    );
    expect(counts).toHaveLength(3);
  });

  it('warns about a broken trigger with the keda component and the policy bound', async () => {
    const records: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    harness = await startHarness({ logger: pino({ level: 'info' }, sink) });
    await callError(harness.client.getMetricSpec(triggerRef({ policy: 'nope', role: 'prefill' })));
    expect(records.filter((r) => r.level === 40)).toEqual([
      expect.objectContaining({
        component: 'keda',
        policy: 'nope',
        scaledObject: 'default/chat-prefill',
        method: 'GetMetricSpec',
        code: 'NOT_FOUND',
        msg: expect.stringContaining(
          'KEDA cannot scale this ScaledObject until its trigger is fixed',
        ) as unknown,
      }),
    ]);
  });
});

describe('close', () => {
  it('can be called twice and frees the port', async () => {
    harness = await startHarness();
    const { address } = harness.scaler;
    await Promise.all([harness.scaler.close(), harness.scaler.close()]);
    const client = connectExternalScaler({ address, deadlineMs: 500 });
    expect((await callError(client.getMetricSpec(ref))).code).toBe(status.UNAVAILABLE);
    client.close();
  });
});
