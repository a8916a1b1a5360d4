// SPDX-License-Identifier: Apache-2.0
// A synthetic but plausible BacktestReportData for the report tests: seven systems over a day-shaped
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
  heteroscale: 1.3,
  'blitzscale-bands': 1.1,
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
  heteroscale: 0.8,
  'blitzscale-bands': 1.2,
  oracle: 0.9,
};

function latency(name: SystemName): LatencyDistribution {
  const k = latencyScale[name];
  return { name, ttftMs: quantiles(180 * k, 0.3), tpotMs: quantiles(22 * k, 0.2) };
}

/** The load-step, recovery and ratio measures, varied per system so a table mix-up shows. */
function measures(
  goodputPerGpuHour: number,
  ratioDeviation: number,
  meanS: number,
  unrecovered = 0,
): Pick<SystemResult, 'goodputPerGpuHour' | 'ratioDeviation' | 'timeToRecover'> {
  return {
    goodputPerGpuHour,
    ratioDeviation,
    timeToRecover: { loadSteps: 3, meanS, maxS: meanS * 2, unrecovered },
  };
}

export const sampleResults: readonly SystemResult[] = [
  {
    name: 'pdscaler',
    sloAttainment: { ttft: 0.9962, tpot: 0.9991, both: 0.9953 },
    gpuHours: 61.5,
    scaleEvents: 48,
    directionChanges: 6,
    peakReplicas: { prefill: 12, decode: 19 },
    ...measures(1987, 0, 40),
  },
  {
    name: 'static-peak',
    sloAttainment: { ttft: 1, tpot: 1, both: 1 },
    gpuHours: 112,
    scaleEvents: 0,
    directionChanges: 0,
    peakReplicas: { prefill: 8, decode: 13 },
    ...measures(1102, 0.25, 0),
  },
  {
    name: 'hpa-queue',
    sloAttainment: { ttft: 0.9412, tpot: 0.9935, both: 0.9387 },
    gpuHours: 50.5,
    scaleEvents: 131,
    directionChanges: 57,
    peakReplicas: { prefill: 10, decode: 15 },
    ...measures(2295, 0.5, 210, 1),
  },
  {
    name: 'dynamo-sla',
    sloAttainment: { ttft: 0.9899, tpot: 0.9978, both: 0.9877 },
    gpuHours: 57.8,
    scaleEvents: 77,
    directionChanges: 21,
    peakReplicas: { prefill: 11, decode: 17 },
    ...measures(2107, 0.1, 95),
  },
  {
    name: 'heteroscale',
    sloAttainment: { ttft: 0.9921, tpot: 0.9968, both: 0.9904 },
    gpuHours: 70.2,
    scaleEvents: 22,
    directionChanges: 4,
    peakReplicas: { prefill: 12, decode: 20 },
    ...measures(1741, 0, 65),
  },
  {
    name: 'blitzscale-bands',
    sloAttainment: { ttft: 0.9815, tpot: 0.9934, both: 0.9781 },
    gpuHours: 55.1,
    scaleEvents: 188,
    directionChanges: 71,
    peakReplicas: { prefill: 14, decode: 16 },
    ...measures(2215, 0.8, 120),
  },
  {
    name: 'oracle',
    sloAttainment: { ttft: 1, tpot: 1, both: 1 },
    gpuHours: 50,
    scaleEvents: 64,
    directionChanges: 12,
    peakReplicas: { prefill: 8, decode: 13 },
    ...measures(2469, 0, 20),
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
      ratioBand: { min: 0.5, max: 1.5, basis: 'replicas' },
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
    loadSteps: [
      { atS: 9000, fromPerS: 30, toPerS: 48 },
      { atS: 9600, fromPerS: 28, toPerS: 40 },
      { atS: 600, fromPerS: 10, toPerS: 14 },
    ],
    recovery: SystemNames.map((name, k) => ({
      name,
      steps: [
        name === 'hpa-queue'
          ? { recovered: false as const, censoredS: 5400 }
          : { recovered: true as const, seconds: 30 * k },
        { recovered: true as const, seconds: 15 * k },
        { recovered: true as const, seconds: 0 },
      ],
    })),
    systemNotes: { heteroscale: 'fixed P/D ratio 2:3 chosen offline' },
    generatedAt: '2026-01-05T12:00:00.000Z',
  };
}
