// SPDX-License-Identifier: Apache-2.0
// A synthetic but plausible BacktestReportData for the report tests: five systems over a day-shaped
// load, deterministic (no randomness) so failures reproduce, with the size of a real 4-hour backtest.
import type { Role } from '../../../src/decision/types.js';
import type {
  BacktestReportData,
  LatencyDistribution,
  SystemName,
  SystemResult,
  SystemTimeline,
} from '../../../src/sim/result.js';
import { SystemNames } from '../../../src/sim/result.js';

export const SAMPLES = 240;
export const SAMPLE_INTERVAL_S = 60;
export const QUANTILE_POINTS = 101;

/** Requests/s per sample: a smooth day shape between 10 and 40 with a short burst. */
function demandAt(i: number): number {
  const day = 25 - 15 * Math.cos((2 * Math.PI * i) / SAMPLES);
  return i >= 150 && i < 160 ? day * 1.6 : day;
}

/** How closely each system follows demand: static-peak never moves, the oracle is exact. */
const headroom: Readonly<Record<SystemName, number>> = {
  pdscaler: 1.15,
  'static-peak': 0,
  'hpa-queue': 0.95,
  'dynamo-sla': 1.05,
  oracle: 1,
};

function replicas(name: SystemName, role: Role): { desired: number[]; ready: number[] } {
  const perReplica = role === 'prefill' ? 8 : 5;
  const peak = Math.ceil((40 * 1.6) / perReplica);
  const desired = Array.from({ length: SAMPLES }, (_, i) =>
    name === 'static-peak' ? peak : Math.max(1, Math.ceil((demandAt(i) * headroom[name]) / perReplica)),
  );
  // Replicas take two samples to become ready; the oracle's are ready at once.
  const lag = name === 'oracle' ? 0 : 2;
  const ready = desired.map((_, i) => desired[Math.max(0, i - lag)]!);
  return { desired, ready };
}

function timeline(name: SystemName): SystemTimeline {
  const tS = Array.from({ length: SAMPLES }, (_, i) => i * SAMPLE_INTERVAL_S);
  const decode = replicas(name, 'decode');
  return {
    name,
    tS,
    replicas: { prefill: replicas(name, 'prefill'), decode },
    decodeActive: tS.map((_, i) => Math.round(demandAt(i) * 6 * (1 + 0.3 / decode.ready[i]!))),
  };
}

/** Quantile points of a log-logistic distribution around `medianMs`: an S-shaped CDF on a log axis. */
function quantiles(medianMs: number, spread: number): number[] {
  return Array.from({ length: QUANTILE_POINTS }, (_, i) => {
    const p = Math.min(0.995, Math.max(0.005, i / (QUANTILE_POINTS - 1)));
    const z = Math.log(p / (1 - p));
    return Math.round(medianMs * Math.exp(spread * z) * 100) / 100;
  });
}

const latencyScale: Readonly<Record<SystemName, number>> = {
  pdscaler: 1,
  'static-peak': 0.7,
  'hpa-queue': 1.8,
  'dynamo-sla': 1.3,
  oracle: 0.9,
};

function latency(name: SystemName): LatencyDistribution {
  const k = latencyScale[name];
  return { name, ttftMs: quantiles(180 * k, 0.3), tpotMs: quantiles(22 * k, 0.2) };
}

export const sampleResults: readonly SystemResult[] = [
  {
    name: 'pdscaler',
    sloAttainment: { ttft: 0.9962, tpot: 0.9991, both: 0.9953 },
    gpuHours: 61.5,
    scaleEvents: 48,
    directionChanges: 6,
    peakReplicas: { prefill: 12, decode: 19 },
  },
  {
    name: 'static-peak',
    sloAttainment: { ttft: 1, tpot: 1, both: 1 },
    gpuHours: 112,
    scaleEvents: 0,
    directionChanges: 0,
    peakReplicas: { prefill: 8, decode: 13 },
  },
  {
    name: 'hpa-queue',
    sloAttainment: { ttft: 0.9412, tpot: 0.9935, both: 0.9387 },
    gpuHours: 50.5,
    scaleEvents: 131,
    directionChanges: 57,
    peakReplicas: { prefill: 10, decode: 15 },
  },
  {
    name: 'dynamo-sla',
    sloAttainment: { ttft: 0.9899, tpot: 0.9978, both: 0.9877 },
    gpuHours: 57.8,
    scaleEvents: 77,
    directionChanges: 21,
    peakReplicas: { prefill: 11, decode: 17 },
  },
  {
    name: 'oracle',
    sloAttainment: { ttft: 1, tpot: 1, both: 1 },
    gpuHours: 50,
    scaleEvents: 64,
    directionChanges: 12,
    peakReplicas: { prefill: 8, decode: 13 },
  },
];

/** The full data set; `traceName` lets a test try a hostile name. */
export function sampleReportData(traceName = 'chat-2024-05-01.jsonl'): BacktestReportData {
  const tS = Array.from({ length: SAMPLES }, (_, i) => i * SAMPLE_INTERVAL_S);
  const requestsPerS = tS.map((_, i) => Math.round(demandAt(i) * 10) / 10);
  return {
    summary: {
      trace: {
        name: traceName,
        requests: 123_456,
        durationS: SAMPLES * SAMPLE_INTERVAL_S,
        transform: 'rate x2 (seed 1)',
      },
      slo: { ttftMs: 500, tpotMs: 40, quantile: 'p90' },
      results: sampleResults,
    },
    policy: { name: 'chat-h200', file: 'policies/chat-h200.yaml' },
    profile: 'llama-3.1-8b-h200',
    simulation: {
      'sample interval': `${SAMPLE_INTERVAL_S} s`,
      'tick interval': '15 s',
      'replica startup': '120 s',
      seed: '1',
    },
    oracleDefinition:
      'The oracle knows the future load exactly and provisions, per interval,\nthe fewest replicas that meet the SLO.',
    transforms: [{ kind: 'scale', params: { factor: 2, seed: 1 }, description: 'rate x2 (seed 1)' }],
    demand: { tS, requestsPerS, promptTokensPerS: requestsPerS.map((r) => Math.round(r * 700)) },
    timelines: SystemNames.map(timeline),
    latency: SystemNames.map(latency),
    generatedAt: '2026-01-05T12:00:00.000Z',
  };
}
