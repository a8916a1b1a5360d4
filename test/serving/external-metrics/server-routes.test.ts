// SPDX-License-Identifier: Apache-2.0
// The API server's routes over real HTTPS with authentication off: discovery documents, metric reads
// and their Status errors, content negotiation, health and readiness (docs/reference.md §B.3).
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DecisionBoard } from '../../../src/loop/board.js';
import type { Readiness } from '../../../src/serving/external-metrics/app.js';
import {
  startExternalMetricsApi,
  type ExternalMetricsApi,
} from '../../../src/serving/external-metrics/server.js';
import { SelfMetrics } from '../../../src/serving/self-metrics.js';
import { selfSignedServingTls, type ServingTls } from '../../../src/serving/tls.js';
import { seconds, t0 } from '../../helpers/spec.js';
import { get, type GetOptions } from './https-client.js';
import { publishedPolicy } from './published.js';

const metricBase = '/apis/external.metrics.k8s.io/v1beta1/namespaces/default';
const selectChat = `labelSelector=${encodeURIComponent('pdscaler.io/policy=chat')}`;

describe('external metrics API routes', () => {
  let api: ExternalMetricsApi;
  let tls: ServingTls;
  let now = t0 + seconds(5);
  let readiness: Readiness = { ok: true };
  const board = new DecisionBoard();
  const metrics = new SelfMetrics();

  const fetch = (path: string, options: Omit<GetOptions, 'ca'> = {}) =>
    get(`${api.url}${path}`, { ca: tls.certPem, ...options });

  beforeAll(async () => {
    tls = await selfSignedServingTls({ hosts: ['127.0.0.1'], nowMs: Date.now() });
    api = await startExternalMetricsApi({
      board,
      host: '127.0.0.1',
      port: 0,
      tls,
      auth: undefined,
      nowMs: () => now,
      logger: pino({ level: 'silent' }),
      metrics,
      ready: () => readiness,
      mountExtra: (app) => {
        app.get('/debug/policies', (_req, res) => {
          res.json(board.list().map((entry) => entry.name));
        });
      },
    });
  });

  afterAll(async () => {
    await api.close();
  });

  beforeEach(() => {
    now = t0 + seconds(5);
    readiness = { ok: true };
    board.publish(publishedPolicy());
  });

  it('serves the APIResourceList with the placeholder resource and verbs ["get"]', async () => {
    const reply = await fetch('/apis/external.metrics.k8s.io/v1beta1');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('application/json');
    expect(reply.json).toEqual({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'external.metrics.k8s.io/v1beta1',
      resources: [
        {
          name: 'externalmetrics',
          singularName: '',
          namespaced: true,
          kind: 'ExternalMetricValueList',
          verbs: ['get'],
        },
      ],
    });
  });

  it('serves the APIGroup and the legacy APIGroupList', async () => {
    const groupVersion = { groupVersion: 'external.metrics.k8s.io/v1beta1', version: 'v1beta1' };
    expect((await fetch('/apis/external.metrics.k8s.io')).json).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'external.metrics.k8s.io',
      versions: [groupVersion],
      preferredVersion: groupVersion,
    });
    expect((await fetch('/apis')).json).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'external.metrics.k8s.io', versions: [groupVersion], preferredVersion: groupVersion }],
    });
  });

  it('answers /apis with 200, never 503, while not ready and for the aggregated-discovery Accept', async () => {
    readiness = { ok: false, reason: 'no decision published yet' };
    const reply = await fetch('/apis', {
      headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ kind: 'APIGroupList' });
  });

  it('answers the HPA read with the value, ignoring unknown query parameters', async () => {
    const reply = await fetch(`${metricBase}/decode-desired-replicas?${selectChat}&timeout=32s&pretty=true`, {
      headers: { accept: 'application/vnd.kubernetes.protobuf, */*' },
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
      metadata: {},
      items: [
        {
          metricName: 'decode-desired-replicas',
          metricLabels: { 'pdscaler.io/policy': 'chat', 'pdscaler.io/role': 'decode' },
          timestamp: '2026-01-05T12:00:00Z',
          value: '4',
        },
      ],
    });
  });

  const failures: [string, string, number, string, string][] = [
    [
      'no labelSelector',
      `${metricBase}/prefill-desired-replicas`,
      400,
      'BadRequest',
      'does not pick a pdscaler policy',
    ],
    [
      'an unknown metric',
      `${metricBase}/gpu-temp?${selectChat}`,
      404,
      'NotFound',
      'pdscaler serves prefill-desired-replicas',
    ],
    [
      'a KEDA-shaped request',
      `${metricBase}/s0-rabbitmq-queue?labelSelector=${encodeURIComponent('scaledobject.keda.sh/name=worker')}`,
      404,
      'NotFound',
      'pdscaler took over v1beta1.external.metrics.k8s.io from KEDA',
    ],
    [
      'an unmeasured metric',
      `${metricBase}/decode-kv-usage?${selectChat}`,
      503,
      'ServiceUnavailable',
      'not measured',
    ],
  ];
  it.each(failures.map(([name, path, code, reason, message]) => ({ name, path, code, reason, message })))(
    'answers $name with a $code $reason Status',
    async ({ path, code, reason, message }) => {
      const reply = await fetch(path);
      expect(reply.status).toBe(code);
      expect(reply.contentType).toBe('application/json');
      expect(reply.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
      expect((reply.json as { message: string }).message).toContain(message);
    },
  );

  it('answers a stale reading with 503 so the HPA holds instead of scaling on an old value', async () => {
    now = t0 + seconds(90);
    const reply = await fetch(`${metricBase}/prefill-desired-replicas?${selectChat}`);
    expect(reply.status).toBe(503);
    expect(reply.json).toMatchObject({
      reason: 'ServiceUnavailable',
      message: 'the last decision for default/chat is 90 s old: the loop is not keeping up',
    });
  });

  it('refuses an Accept that admits neither JSON nor */* with 406', async () => {
    const reply = await fetch(`${metricBase}/prefill-desired-replicas?${selectChat}`, {
      headers: { accept: 'application/vnd.kubernetes.protobuf' },
    });
    expect(reply.status).toBe(406);
    expect(reply.json).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
  });

  it.each([
    ['application/json', 200],
    ['application/json;as=Table;v=v1;g=meta.k8s.io, application/json', 200],
    ['*/*', 200],
    ['application/*', 200],
    ['text/html, application/json;q=0', 406],
    ['text/plain', 406],
  ])('negotiates Accept %j to %d', async (accept, status) => {
    expect((await fetch('/apis/external.metrics.k8s.io/v1beta1', { headers: { accept } })).status).toBe(
      status,
    );
  });

  it('reports not ready with 503 and the reason until the first decision, and live all along', async () => {
    readiness = { ok: false, reason: 'no decision published yet' };
    expect(await fetch('/readyz')).toMatchObject({
      status: 503,
      text: 'not ready: no decision published yet',
    });
    expect(await fetch('/livez')).toMatchObject({ status: 200, text: 'ok' });
    readiness = { ok: true };
    expect(await fetch('/readyz')).toMatchObject({ status: 200, text: 'ok' });
  });

  it('answers unknown paths with 404 and other methods on API paths with 405, as Statuses', async () => {
    expect((await fetch('/apis/custom.metrics.k8s.io/v1beta1')).json).toMatchObject({
      code: 404,
      reason: 'NotFound',
    });
    expect((await fetch('/apis/external.metrics.k8s.io/v1beta1', { method: 'POST' })).json).toMatchObject({
      code: 405,
      reason: 'MethodNotAllowed',
    });
  });

  it('mounts extra routes', async () => {
    expect((await fetch('/debug/policies')).json).toEqual(['chat']);
  });

  it('observes every request into the duration histogram by route kind and code', async () => {
    await fetch(`${metricBase}/prefill-desired-replicas?${selectChat}`);
    await fetch('/livez');
    await fetch('/apis/external.metrics.k8s.io/v1beta1', { headers: { accept: 'text/plain' } });
    await fetch('/nowhere');
    const { body } = await metrics.exposition();
    for (const series of [
      'route="metric",code="200"',
      'route="health",code="200"',
      'route="discovery",code="406"',
      'route="other",code="404"',
    ])
      expect(body).toContain(`pdscaler_external_metrics_request_duration_seconds_count{${series}}`);
  });
});
