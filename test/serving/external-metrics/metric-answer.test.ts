// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { DecisionBoard } from '../../../src/loop/board.js';
import {
  answerMetricRequest,
  externalMetricValue,
  rfc3339Seconds,
  type MetricRequest,
} from '../../../src/serving/external-metrics/metric-answer.js';
import type { Observation } from '../../../src/decision/types.js';
import { observedAt, seconds, t0 } from '../../helpers/spec.js';
import { publishedPolicy } from './published.js';

function boardWith(...entries: ReturnType<typeof publishedPolicy>[]): DecisionBoard {
  const board = new DecisionBoard();
  for (const entry of entries) board.publish(entry);
  return board;
}

const request = (overrides: Partial<MetricRequest> = {}): MetricRequest => ({
  namespace: 'default',
  metric: 'prefill-desired-replicas',
  labelSelector: 'pdscaler.io/policy=chat',
  nowMs: t0 + seconds(5),
  ...overrides,
});

describe('answerMetricRequest', () => {
  it('answers a selected policy with one item: canonical value, labels, second-precision timestamp', () => {
    const answer = answerMetricRequest(boardWith(publishedPolicy()), request());
    expect(answer).toEqual({
      ok: true,
      list: {
        kind: 'ExternalMetricValueList',
        apiVersion: 'external.metrics.k8s.io/v1beta1',
        metadata: {},
        items: [
          {
            metricName: 'prefill-desired-replicas',
            metricLabels: { 'pdscaler.io/policy': 'chat', 'pdscaler.io/role': 'prefill' },
            timestamp: '2026-01-05T12:00:00Z',
            value: '3',
          },
        ],
      },
    });
  });

  it.each([
    ['decode-desired-replicas', '4'],
    ['prefill-request-rate', '25'],
    ['prefill-ttft-ms', '300'],
    ['prefill-queue-tokens', '0'],
    ['decode-tpot-ms', '40'],
    ['decode-active-conversations', '400'],
  ])('serves %s as %s', (metric, value) => {
    const answer = answerMetricRequest(boardWith(publishedPolicy()), request({ metric }));
    expect(answer.ok && answer.list.items[0]?.value).toBe(value);
  });

  it('finds a policy published in another namespace when its name is unique', () => {
    const answer = answerMetricRequest(boardWith(publishedPolicy({ namespace: 'llm' })), request());
    expect(answer.ok).toBe(true);
  });

  it('accepts the other selector forms that pin one policy and a matching role requirement', () => {
    const board = boardWith(publishedPolicy());
    for (const labelSelector of [
      'pdscaler.io/policy==chat',
      'pdscaler.io/policy in (chat)',
      'pdscaler.io/policy=chat,pdscaler.io/role=prefill',
    ])
      expect(answerMetricRequest(board, request({ labelSelector })).ok).toBe(true);
  });

  const failures: [string, Partial<MetricRequest>, number, string, string][] = [
    [
      'no selector',
      { labelSelector: undefined },
      400,
      'BadRequest',
      'no labelSelector does not pick a pdscaler policy',
    ],
    [
      'a selector without the policy label',
      { labelSelector: 'app=chat' },
      400,
      'BadRequest',
      '"pdscaler.io/policy"',
    ],
    [
      'a set of policies',
      { labelSelector: 'pdscaler.io/policy in (a,b)' },
      400,
      'BadRequest',
      'does not pick',
    ],
    [
      'an invalid selector',
      { labelSelector: 'pdscaler.io/policy=(' },
      400,
      'BadRequest',
      'unable to parse label selector',
    ],
    [
      'an unknown metric',
      { metric: 'gpu-temperature' },
      404,
      'NotFound',
      'could not find the metric "gpu-temperature": pdscaler serves prefill-desired-replicas, decode-desired-replicas',
    ],
    [
      'an unknown policy',
      { labelSelector: 'pdscaler.io/policy=code' },
      404,
      'NotFound',
      'no pdscaler policy "code" is published for namespace "default" (policies here: chat)',
    ],
    [
      'a role requirement the metric does not have',
      { labelSelector: 'pdscaler.io/policy=chat,pdscaler.io/role=decode' },
      404,
      'NotFound',
      'which the labelSelector does not match',
    ],
    [
      'a metric that is not measured',
      { metric: 'decode-kv-usage' },
      503,
      'ServiceUnavailable',
      'decode KV cache usage is not measured right now',
    ],
    [
      'a decision older than the loop can explain',
      { nowMs: t0 + seconds(600) },
      503,
      'ServiceUnavailable',
      'the last decision for default/chat is 600 s old',
    ],
    [
      'a stale observation',
      { metric: 'prefill-request-rate', nowMs: t0 + seconds(61) },
      503,
      'ServiceUnavailable',
      'prefill request rate is stale',
    ],
  ];
  it.each(
    failures.map(([name, overrides, code, reason, message]) => ({ name, overrides, code, reason, message })),
  )('answers $name with a $code $reason Status', ({ overrides, code, reason, message }) => {
    const answer = answerMetricRequest(boardWith(publishedPolicy()), request(overrides));
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code,
      reason,
    });
    expect(answer.status.message).toContain(message);
  });

  describe('a held role: a hold decided on fresh data is a decision', () => {
    // Prefill has 5 Ready replicas; each case takes away or ages what the decision needs.
    const load = { prefillLoad: 2.5, decodeLoad: 4, ready: { prefill: 5 } };
    const withoutRate = (o: Observation): Observation => {
      const { requestRatePerS: _dropped, ...prefill } = o.roles.prefill;
      return { roles: { ...o.roles, prefill } };
    };
    const measuredNothing = (o: Observation): Observation => {
      const { readyReplicas } = o.roles.prefill;
      return { roles: { ...o.roles, prefill: readyReplicas === undefined ? {} : { readyReplicas } } };
    };
    const aged = (o: Observation): Observation => {
      const old = observedAt(o, t0 - seconds(61));
      return { roles: { ...o.roles, prefill: old.roles.prefill } };
    };
    const agedWithoutRate = (o: Observation): Observation => withoutRate(aged(o));
    it.each([
      {
        name: 'held on a missing rate beside fresh gauges (no pod has a window yet): the held count',
        observe: withoutRate,
        boundBy: 'missing-metrics',
        want: { ok: true, value: '5' },
      },
      {
        name: 'held on stale data: 503',
        observe: aged,
        boundBy: 'stale-metrics',
        want: { ok: false, message: 'prefill holds at 5 replicas on stale data: ' },
      },
      {
        name: 'held on stale data with a field also missing: 503, stale names the hold',
        observe: agedWithoutRate,
        boundBy: 'stale-metrics',
        want: { ok: false, message: 'prefill holds at 5 replicas on stale data: ' },
      },
      {
        name: 'held with nothing measured (the source did not answer): 503',
        observe: measuredNothing,
        boundBy: 'missing-metrics',
        want: { ok: false, message: 'prefill holds at 5 replicas with nothing measured: ' },
      },
    ])('$name', ({ observe, boundBy, want }) => {
      const entry = publishedPolicy({ load, observe });
      expect(entry.decision?.roles.prefill.boundBy).toBe(boundBy);
      const answer = answerMetricRequest(boardWith(entry), request());
      if (want.ok) {
        expect(answer.ok && answer.list.items[0]?.value).toBe(want.value);
        // The other role decided as usual.
        const decode = answerMetricRequest(boardWith(entry), request({ metric: 'decode-desired-replicas' }));
        expect(decode.ok && decode.list.items[0]?.value).toBe('4');
      } else {
        expect(!answer.ok && answer.status).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
        expect(!answer.ok && answer.status.message).toContain(want.message);
      }
    });

    it('serves the held count only while the decision is fresh: 503 once the loop stops refreshing it', () => {
      const entry = publishedPolicy({ load, observe: withoutRate });
      const answer = answerMetricRequest(boardWith(entry), request({ nowMs: t0 + seconds(600) }));
      expect(!answer.ok && answer.status).toMatchObject({ code: 503 });
      expect(!answer.ok && answer.status.message).toContain(
        'the last decision for default/chat is 600 s old',
      );
    });
  });

  it("answers a policy without a decision yet with 503 and readMetric's message", () => {
    const answer = answerMetricRequest(boardWith(publishedPolicy({ withoutDecision: true })), request());
    expect(!answer.ok && answer.status).toMatchObject({
      code: 503,
      message: 'policy default/chat has no decision yet',
    });
  });

  it('lists no policies of other namespaces when the policy is missing', () => {
    const answer = answerMetricRequest(
      boardWith(
        publishedPolicy({ name: 'a', namespace: 'x' }),
        publishedPolicy({ name: 'b', namespace: 'x' }),
      ),
      request(),
    );
    expect(!answer.ok && answer.status.message).toContain('(no policies are published in this namespace)');
  });

  it.each([
    [
      'a KEDA metric name',
      { metric: 's0-rabbitmq-queue', labelSelector: 'scaledobject.keda.sh/name=worker' },
    ],
    ['a KEDA metric name without selector', { metric: 's12-prometheus', labelSelector: undefined }],
    ['a ScaledObject selector', { labelSelector: 'scaledobject.keda.sh/name=worker' }],
  ])('explains the KEDA mode conflict for %s', (_case, overrides) => {
    const answer = answerMetricRequest(boardWith(publishedPolicy()), request(overrides));
    expect(!answer.ok && answer.status).toMatchObject({ code: 404, reason: 'NotFound' });
    const message = answer.ok ? '' : answer.status.message;
    expect(message).toContain("KEDA's HPAs are querying pdscaler's APIService");
    expect(message).toContain('pdscaler took over v1beta1.external.metrics.k8s.io from KEDA');
    expect(message).toContain('"mode: keda"');
  });
});

describe('externalMetricValue', () => {
  it('carries window as integer seconds when the reading is a rate over one', () => {
    const item = externalMetricValue('prefill-request-rate', 'chat', {
      ok: true,
      value: 12.5,
      atMs: t0 + 999,
      windowS: 30,
    });
    expect(item).toEqual({
      metricName: 'prefill-request-rate',
      metricLabels: { 'pdscaler.io/policy': 'chat', 'pdscaler.io/role': 'prefill' },
      timestamp: '2026-01-05T12:00:00Z',
      window: 30,
      value: '12500m',
    });
  });
});

describe('rfc3339Seconds', () => {
  it.each([
    [Date.UTC(2026, 7, 20, 10, 48, 17, 0), '2026-08-20T10:48:17Z'],
    [Date.UTC(2026, 7, 20, 10, 48, 17, 999), '2026-08-20T10:48:17Z'],
  ])('formats %d as %s', (atMs, expected) => {
    expect(rfc3339Seconds(atMs)).toBe(expected);
  });
});
