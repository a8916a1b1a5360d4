// SPDX-License-Identifier: Apache-2.0
// Reads the inference gateway's endpoint picker (EPP) /metrics page for one InferencePool: queued
// requests, flow-control outcome counters, ready endpoints and per-stage pool saturation
// (docs/reference.md §E.1.3-§1.5). Current `llm_d_epp_*` names first, the older
// `inference_extension_*` / `inference_pool_*` twins when the new ones are absent; since llm-d-router
// v0.9.0 both are written at once ("dual emission", §1.1), so a page never adds the two. A series that
// is absent is unknown (flow control is opt-in, §1.5), never 0.
import type { ExpositionPage, Labels, Sample } from '../exposition/types.js';

/** The pool (and optionally the model) whose gateway demand a policy counts. */
export interface GatewayTarget {
  readonly pool: string;
  /** Only queues of this `target_model_name`; undefined counts every model of the pool. */
  readonly model: string | undefined;
}

/** Flow-control outcomes that mean a request was turned away or dropped for lack of capacity or endpoints (§1.3). */
export const ShedOutcomes = [
  'RejectedCapacity',
  'RejectedNoEndpoints',
  'EvictedTTL',
  'EvictedNoEndpoints',
] as const;
/** The outcomes that show a pool with no endpoint to serve it: the scale-from-zero signal (§1.5). */
export const NoEndpointOutcomes = ['RejectedNoEndpoints', 'EvictedNoEndpoints'] as const;

export const SaturationStages = ['prefill', 'decode', 'effective'] as const;
export type SaturationStage = (typeof SaturationStages)[number];

/** What one EPP page (or the sum of several replicas' pages) says about the pool. */
export interface EppReading {
  /** Requests in the flow-control queues of the pool; undefined when no series names it. */
  readonly queuedRequests: number | undefined;
  /** `flow_control_requests_total` per outcome (a counter: rates come from two readings). */
  readonly outcomeTotals: Readonly<Record<string, number>> | undefined;
  readonly readyEndpoints: number | undefined;
  /** Pool saturation per stage, 0..1 (§1.4: main reads 1.0 for an empty pool). */
  readonly saturation: Readonly<Partial<Record<SaturationStage, number>>>;
  /** Why a field is unknown when the page had a reason, for the decision's explanation. */
  readonly notes: readonly string[];
}

const current = 'llm_d_epp_';

const names = {
  queue: [`${current}flow_control_queue_size`, 'inference_extension_flow_control_queue_size'],
  outcomes: [`${current}flow_control_requests_total`],
  ready: [`${current}ready_endpoints`, 'inference_pool_ready_pods'],
  saturation: [`${current}flow_control_pool_saturation`, 'inference_extension_flow_control_pool_saturation'],
} as const;

/** Every sample with this exact name, whatever family it was filed under (text 0.0.4 or OpenMetrics). */
function samplesNamed(page: ExpositionPage, name: string): Sample[] {
  const out: Sample[] = [];
  for (const family of page.families.values())
    if (name.startsWith(family.name)) out.push(...family.samples.filter((s) => s.name === name));
  return out;
}

/** The samples of the first name in `candidates` that the page has at all: the newest generation wins. */
function firstGeneration(
  page: ExpositionPage,
  candidates: readonly string[],
): { name: string; samples: Sample[] } | undefined {
  for (const name of candidates) {
    const samples = samplesNamed(page, name);
    if (samples.length > 0) return { name, samples };
  }
  return undefined;
}

function sumOf(samples: readonly Sample[]): number | undefined {
  const finite = samples.filter((s) => Number.isFinite(s.value));
  return finite.length === 0 ? undefined : finite.reduce((total, s) => total + s.value, 0);
}

function ofPool(labels: Labels, target: GatewayTarget): boolean {
  return (
    labels.inference_pool === target.pool &&
    (target.model === undefined || labels.target_model_name === target.model)
  );
}

function queuedRequests(page: ExpositionPage, target: GatewayTarget, notes: string[]): number | undefined {
  const found = firstGeneration(page, names.queue);
  if (found === undefined) return undefined;
  if (found.samples.every((s) => s.labels.inference_pool === undefined)) {
    // GIE v1.1-v1.2 labelled queues with {fairness_id, priority} only (§1.4): summing them would count
    // other pools' requests as this pool's demand, so the queue stays unknown instead.
    notes.push(
      `${found.name} has no inference_pool label (GIE v1.1-v1.2): the gateway queue cannot be attributed to pool ${target.pool}`,
    );
    return undefined;
  }
  return sumOf(found.samples.filter((s) => ofPool(s.labels, target)));
}

function outcomeTotals(page: ExpositionPage, target: GatewayTarget): Record<string, number> | undefined {
  const found = firstGeneration(page, names.outcomes);
  const samples = found?.samples.filter((s) => s.labels.inference_pool === target.pool) ?? [];
  if (samples.length === 0) return undefined;
  const totals: Record<string, number> = {};
  for (const sample of samples) {
    const outcome = sample.labels.outcome;
    if (outcome === undefined || !Number.isFinite(sample.value)) continue;
    totals[outcome] = (totals[outcome] ?? 0) + sample.value;
  }
  return totals;
}

function saturation(page: ExpositionPage, target: GatewayTarget): Partial<Record<SaturationStage, number>> {
  const found = firstGeneration(page, names.saturation);
  const out: Partial<Record<SaturationStage, number>> = {};
  for (const sample of found?.samples ?? []) {
    if (sample.labels.inference_pool !== target.pool || !Number.isFinite(sample.value)) continue;
    // Before the `stage` label (GIE v1.5) the one series was the whole pool's.
    const stage = sample.labels.stage ?? 'effective';
    if ((SaturationStages as readonly string[]).includes(stage))
      out[stage as SaturationStage] = Math.max(out[stage as SaturationStage] ?? 0, sample.value);
  }
  return out;
}

/** The pool's gateway signals on one EPP replica's page. */
export function readEppPage(page: ExpositionPage, target: GatewayTarget): EppReading {
  const notes: string[] = [];
  const ready = firstGeneration(page, names.ready);
  return {
    queuedRequests: queuedRequests(page, target, notes),
    outcomeTotals: outcomeTotals(page, target),
    readyEndpoints: sumOf(ready?.samples.filter((s) => s.labels.name === target.pool) ?? []),
    saturation: saturation(page, target),
    notes,
  };
}

function addKnown(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}

function addTotals(
  a: Readonly<Record<string, number>> | undefined,
  b: Readonly<Record<string, number>> | undefined,
): Readonly<Record<string, number>> | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const sum: Record<string, number> = { ...a };
  for (const [outcome, value] of Object.entries(b)) sum[outcome] = (sum[outcome] ?? 0) + value;
  return sum;
}

/**
 * Several EPP replicas as one gateway: in Active-Active mode each replica queues its own requests, so
 * queues and counters add up (§1.2); ready endpoints are the same pool seen by each replica (the most
 * any replica sees), and saturation is the worst replica's.
 */
export function combineEppReadings(readings: readonly EppReading[]): EppReading {
  const saturationOut: Partial<Record<SaturationStage, number>> = {};
  let queued: number | undefined;
  let totals: Readonly<Record<string, number>> | undefined;
  let ready: number | undefined;
  for (const reading of readings) {
    queued = addKnown(queued, reading.queuedRequests);
    totals = addTotals(totals, reading.outcomeTotals);
    if (reading.readyEndpoints !== undefined) ready = Math.max(ready ?? 0, reading.readyEndpoints);
    for (const stage of SaturationStages) {
      const value = reading.saturation[stage];
      if (value !== undefined) saturationOut[stage] = Math.max(saturationOut[stage] ?? 0, value);
    }
  }
  return {
    queuedRequests: queued,
    outcomeTotals: totals,
    readyEndpoints: ready,
    saturation: saturationOut,
    notes: [...new Set(readings.flatMap((r) => r.notes))],
  };
}
