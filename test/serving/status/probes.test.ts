// SPDX-License-Identifier: Apache-2.0
// The status page as keda mode's only HTTP port: `/readyz` follows the runtime's readiness and
// `/metrics` serves pdscaler's own metrics, when the runtime hands them over (404 otherwise).
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionBoard } from '../../../src/loop/board.js';
import { SelfMetrics } from '../../../src/serving/self-metrics.js';
import { startStatusPage, type StatusPage } from '../../../src/serving/status/server.js';

let page: StatusPage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});

async function start(extra: { metrics?: SelfMetrics; ready?: () => { ok: boolean; reason?: string } }) {
  page = await startStatusPage({
    board: new DecisionBoard(),
    host: '127.0.0.1',
    port: 0,
    nowMs: Date.now,
    logger: pino({ level: 'silent' }),
    ...extra,
  });
  return page;
}

describe('status page probes and metrics', () => {
  it('answers /readyz 503 with the reason until the runtime is ready, then 200', async () => {
    let ready = { ok: false, reason: 'no decision yet for demo/chat' };
    const { url } = await start({ ready: () => ready });
    const before = await fetch(`${url}/readyz`);
    expect([before.status, await before.text()]).toEqual([503, 'not ready: no decision yet for demo/chat\n']);
    ready = { ok: true, reason: '' };
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('serves pdscaler metrics in the Prometheus text format on /metrics', async () => {
    const metrics = new SelfMetrics();
    metrics.leader.set(1);
    const { url } = await start({ metrics });
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(/^pdscaler_leader 1$/m);
  });

  it('has neither route when the runtime hands nothing over', async () => {
    const { url } = await start({});
    expect((await fetch(`${url}/readyz`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
  });
});
