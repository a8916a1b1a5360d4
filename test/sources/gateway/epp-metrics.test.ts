// SPDX-License-Identifier: Apache-2.0
// Reading the endpoint picker's page for one pool: new names over old ones (never both), absent series
// unknown rather than 0, pool/model filtering and replicas summed (docs/reference.md §E.1).
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../src/sources/exposition/parse.js';
import type { ExpositionPage } from '../../../src/sources/exposition/types.js';
import { combineEppReadings, readEppPage } from '../../../src/sources/gateway/epp-metrics.js';

function page(text: string): ExpositionPage {
  const parsed = parseExposition(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.page;
}

const target = { pool: 'pool-a', model: undefined };
const q = (name: string, labels: string, value: number) =>
  `# TYPE ${name} gauge\n${name}{${labels}} ${value}\n`;
const v13 = (pool: string, model: string) =>
  `fairness_id="f",priority="0",inference_pool="${pool}",model_name="${model}",target_model_name="${model}"`;

describe('queued requests', () => {
  it.each([
    ['the current name alone', q('llm_d_epp_flow_control_queue_size', v13('pool-a', 'm'), 3), 3],
    [
      'the older name alone (GIE v1.3+ labels)',
      q('inference_extension_flow_control_queue_size', v13('pool-a', 'm'), 4),
      4,
    ],
    [
      'both names (dual emission) counted once, from the current name',
      q('llm_d_epp_flow_control_queue_size', v13('pool-a', 'm'), 3) +
        q('inference_extension_flow_control_queue_size', v13('pool-a', 'm'), 3),
      3,
    ],
    ['no flow-control series: unknown, not 0', q('llm_d_epp_ready_endpoints', 'name="pool-a"', 2), undefined],
    ['another pool only: unknown', q('llm_d_epp_flow_control_queue_size', v13('pool-b', 'm'), 3), undefined],
    [
      'GIE v1.1-v1.2 series without inference_pool cannot be attributed: unknown',
      q('inference_extension_flow_control_queue_size', 'fairness_id="f",priority="0"', 9),
      undefined,
    ],
  ] as const)('%s', (_name, text, expected) => {
    expect(readEppPage(page(text), target).queuedRequests).toBe(expected);
  });

  it('sums the pool series of every priority and keeps only the named model', () => {
    const text =
      '# TYPE llm_d_epp_flow_control_queue_size gauge\n' +
      `llm_d_epp_flow_control_queue_size{${v13('pool-a', 'm1')}} 2\n` +
      `llm_d_epp_flow_control_queue_size{${v13('pool-a', 'm1').replace('priority="0"', 'priority="1"')}} 5\n` +
      `llm_d_epp_flow_control_queue_size{${v13('pool-a', 'm2')}} 7\n`;
    expect(readEppPage(page(text), target).queuedRequests).toBe(14);
    expect(readEppPage(page(text), { pool: 'pool-a', model: 'm1' }).queuedRequests).toBe(7);
  });

  it('says why an unattributable queue is unknown', () => {
    const text = q('inference_extension_flow_control_queue_size', 'fairness_id="f",priority="0"', 9);
    expect(readEppPage(page(text), target).notes).toEqual([
      'inference_extension_flow_control_queue_size has no inference_pool label (GIE v1.1-v1.2): the gateway queue cannot be attributed to pool pool-a',
    ]);
  });
});

describe('other pool signals', () => {
  it('reads outcome counters, ready endpoints (new name first) and per-stage saturation', () => {
    const text =
      '# TYPE llm_d_epp_flow_control_requests_total counter\n' +
      'llm_d_epp_flow_control_requests_total{outcome="RejectedNoEndpoints",priority="0",inference_pool="pool-a"} 4\n' +
      'llm_d_epp_flow_control_requests_total{outcome="RejectedNoEndpoints",priority="1",inference_pool="pool-a"} 1\n' +
      'llm_d_epp_flow_control_requests_total{outcome="Dispatched",priority="0",inference_pool="pool-b"} 9\n' +
      q('llm_d_epp_ready_endpoints', 'name="pool-a"', 2) +
      q('inference_pool_ready_pods', 'name="pool-a"', 2) +
      '# TYPE llm_d_epp_flow_control_pool_saturation gauge\n' +
      'llm_d_epp_flow_control_pool_saturation{inference_pool="pool-a",stage="prefill"} 0.5\n' +
      'llm_d_epp_flow_control_pool_saturation{inference_pool="pool-a",stage="decode"} 0.25\n';
    expect(readEppPage(page(text), target)).toEqual({
      queuedRequests: undefined,
      outcomeTotals: { RejectedNoEndpoints: 5 },
      readyEndpoints: 2,
      saturation: { prefill: 0.5, decode: 0.25 },
      notes: [],
    });
  });

  it('files the pre-stage saturation series (GIE v1.5) as the effective stage', () => {
    const text = q('inference_extension_flow_control_pool_saturation', 'inference_pool="pool-a"', 0.75);
    expect(readEppPage(page(text), target).saturation).toEqual({ effective: 0.75 });
  });
});

describe('several EPP replicas (Active-Active)', () => {
  it('adds queues and counters, and takes the most ready endpoints and the worst saturation', () => {
    const replica = (queued: number | undefined, rejected: number, ready: number, saturation: number) => ({
      queuedRequests: queued,
      outcomeTotals: { RejectedCapacity: rejected },
      readyEndpoints: ready,
      saturation: { effective: saturation },
      notes: [],
    });
    expect(
      combineEppReadings([replica(2, 1, 3, 0.2), replica(5, 2, 3, 0.6), replica(undefined, 0, 2, 0.1)]),
    ).toEqual({
      queuedRequests: 7,
      outcomeTotals: { RejectedCapacity: 3 },
      readyEndpoints: 3,
      saturation: { effective: 0.6 },
      notes: [],
    });
  });
});
