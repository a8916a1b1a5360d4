// SPDX-License-Identifier: Apache-2.0
// The gateway of one pool read through Prometheus, for policies that name no endpoint picker URLs
// (`spec.gateway.endpoints` absent): one instant query per signal, each unknown on its own failure.
import type { PromClientConfig } from '../prometheus/client.js';
import { queryValue } from '../prometheus/client.js';
import { GatewaySignals, renderGatewayQueries, type GatewayQueryOptions } from '../prometheus/templates.js';
import { SaturationStages, type SaturationStage } from './epp-metrics.js';
import type { GatewayReading, GatewaySource } from './gateway-reading.js';

export interface PrometheusGatewayOptions {
  readonly client: PromClientConfig;
  readonly query: GatewayQueryOptions;
  readonly nowMs: () => number;
}

/** Drops the stages Prometheus had no series for: unknown stays absent. */
function definedOnly(
  stages: Readonly<Record<SaturationStage, number | undefined>>,
): Partial<Record<SaturationStage, number>> {
  const out: Partial<Record<SaturationStage, number>> = {};
  for (const stage of SaturationStages) {
    const value = stages[stage];
    if (value !== undefined) out[stage] = value;
  }
  return out;
}

export class PrometheusGatewaySource implements GatewaySource {
  private readonly options: PrometheusGatewayOptions;
  private readonly queries: ReturnType<typeof renderGatewayQueries>;

  constructor(options: PrometheusGatewayOptions) {
    this.options = options;
    this.queries = renderGatewayQueries(options.query);
  }

  async read(signal?: AbortSignal): Promise<GatewayReading> {
    const timeMs = this.options.nowMs();
    const notes: string[] = [];
    const values = await Promise.all(
      GatewaySignals.map(async (name) => {
        const result = await queryValue(this.options.client, this.queries[name], {
          timeMs,
          ...(signal === undefined ? {} : { signal }),
        });
        if (result.ok) return [name, result.value.value] as const;
        // PROM_EMPTY is the normal answer with flow control off; other errors say why.
        if (result.error.code !== 'PROM_EMPTY')
          notes.push(`gateway ${name} unknown: ${result.error.message}`);
        return [name, undefined] as const;
      }),
    );
    const byName = Object.fromEntries(values) as Partial<Record<(typeof GatewaySignals)[number], number>>;
    return {
      atMs: timeMs,
      queuedRequests: byName.queuedRequests,
      shedPerS: byName.shedPerS,
      noEndpointShedPerS: byName.noEndpointShedPerS,
      readyEndpoints: byName.readyEndpoints,
      queueDurationP90S: byName.queueDurationP90S,
      saturation: definedOnly({
        prefill: byName.saturationPrefill,
        decode: byName.saturationDecode,
        effective: byName.saturationEffective,
      }),
      notes,
    };
  }
}
