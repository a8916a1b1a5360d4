// SPDX-License-Identifier: Apache-2.0
// The gateway read through Prometheus: the queries name both EPP metric generations with `or`, escape
// the pool, and an empty answer (flow control off) is unknown, never 0.
import { afterEach, describe, expect, it } from 'vitest';
import { renderGatewayQueries } from '../../../src/sources/prometheus/templates.js';
import { PrometheusGatewaySource } from '../../../src/sources/gateway/prometheus-gateway.js';
import { startFakePrometheus, vectorBody, type FakePrometheus } from '../../fakes/fake-prometheus.js';

let prometheus: FakePrometheus | undefined;

afterEach(async () => {
  await prometheus?.close();
});

describe('gateway PromQL templates', () => {
  it('renders the queue with the current name first and the older twin after `or`', () => {
    expect(renderGatewayQueries({ pool: 'pool-a', model: 'llama', windowS: 60 })).toEqual({
      queuedRequests:
        'sum(llm_d_epp_flow_control_queue_size{inference_pool="pool-a",target_model_name="llama"}) or sum(inference_extension_flow_control_queue_size{inference_pool="pool-a",target_model_name="llama"})',
      shedPerS:
        'sum(rate(llm_d_epp_flow_control_requests_total{inference_pool="pool-a",outcome=~"RejectedCapacity|RejectedNoEndpoints|EvictedTTL|EvictedNoEndpoints"}[1m]))',
      noEndpointShedPerS:
        'sum(rate(llm_d_epp_flow_control_requests_total{inference_pool="pool-a",outcome=~"RejectedNoEndpoints|EvictedNoEndpoints"}[1m]))',
      readyEndpoints:
        'max(llm_d_epp_ready_endpoints{name="pool-a"}) or max(inference_pool_ready_pods{name="pool-a"})',
      queueDurationP90S:
        'histogram_quantile(0.9, sum by (le) (rate(llm_d_epp_flow_control_request_queue_duration_seconds_bucket{inference_pool="pool-a",target_model_name="llama"}[1m])))' +
        ' or histogram_quantile(0.9, sum by (le) (rate(inference_extension_flow_control_request_queue_duration_seconds_bucket{inference_pool="pool-a",target_model_name="llama"}[1m])))',
      saturationPrefill:
        'max(llm_d_epp_flow_control_pool_saturation{inference_pool="pool-a",stage="prefill"})',
      saturationDecode: 'max(llm_d_epp_flow_control_pool_saturation{inference_pool="pool-a",stage="decode"})',
      saturationEffective:
        'max(llm_d_epp_flow_control_pool_saturation{inference_pool="pool-a",stage="effective"})' +
        ' or max(inference_extension_flow_control_pool_saturation{inference_pool="pool-a"})',
    });
  });

  it('escapes a pool name so it cannot inject PromQL', () => {
    const { queuedRequests } = renderGatewayQueries({
      pool: 'a"} or vector(1) #',
      model: undefined,
      windowS: 60,
    });
    expect(queuedRequests).toContain('inference_pool="a\\"} or vector(1) #"');
  });
});

describe('PrometheusGatewaySource', () => {
  it('reads each signal and leaves the empty ones unknown without a note', async () => {
    prometheus = await startFakePrometheus((query, time) => ({
      kind: 'json',
      body: vectorBody(
        time,
        query.includes('queue_size') ? [[{}, '6']] : query.includes('stage="decode"') ? [[{}, '0.75']] : [],
      ),
    }));
    const gateway = new PrometheusGatewaySource({
      client: { baseUrl: prometheus.url },
      query: { pool: 'pool-a', model: undefined, windowS: 60 },
      nowMs: () => 1_700_000_000_000,
    });
    expect(await gateway.read()).toEqual({
      atMs: 1_700_000_000_000,
      queuedRequests: 6,
      shedPerS: undefined,
      noEndpointShedPerS: undefined,
      readyEndpoints: undefined,
      queueDurationP90S: undefined,
      saturation: { decode: 0.75 },
      notes: [],
    });
  });
});
