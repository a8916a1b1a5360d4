// SPDX-License-Identifier: Apache-2.0
// Runs one system under test against one fleet over a whole trace: advance the fleet a step, let the
// system decide at its own interval (reading metrics through the real collectors when it does),
// apply its numbers, sample the timeline. Then score every request against the SLO.
import { Roles, type Role } from '../decision/types.js';
import { Fleet, type FleetOptions } from './fleet/fleet.js';
import { FleetMetricsReader } from './metrics-reader.js';
import type { LoadStep } from './measures/load-steps.js';
import { ratioDeviation, type RatioBand } from './measures/ratio-deviation.js';
import { recoveryTimes, summarizeRecovery, type StepRecovery } from './measures/recovery.js';
import type { LatencyDistribution, SystemName, SystemResult, SystemTimeline } from './result.js';
import type { SimAutoscaler } from './systems/types.js';
import type { Trace } from './trace/types.js';

export interface RunSettings {
  readonly fleet: Omit<FleetOptions, 'initialReplicas'>;
  /** Fleet step and sample period, seconds; every system's interval is a multiple of it. */
  readonly stepS: number;
  readonly slo: { readonly ttftMs: number; readonly tpotMs: number };
  /** How long after the last arrival the run continues for requests still in flight. */
  readonly drainLimitS: number;
  /** What the run is measured against beyond the SLO (load steps, ratio band). */
  readonly measures: {
    readonly ratioBand: RatioBand | undefined;
    /** 1 per request an idle fleet could serve within both SLOs (trace order). */
    readonly attainable: Uint8Array;
    readonly loadSteps: readonly LoadStep[];
  };
}

export interface SystemRun {
  readonly result: SystemResult;
  readonly timeline: SystemTimeline;
  readonly latency: LatencyDistribution;
  /** Recovery after each of the trace's load steps, in the order of `measures.loadSteps`. */
  readonly recovery: readonly StepRecovery[];
  /** Simulated seconds the run covered (the trace plus its drain). */
  readonly simulatedS: number;
}

/** Quantile points of a latency sample: `points` values from the minimum to the maximum. */
export function quantilePoints(values: Float64Array, points: number): number[] {
  const sorted = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  if (sorted.length === 0) return [];
  return Array.from({ length: points }, (_, i) => {
    const at = Math.round((i / (points - 1)) * (sorted.length - 1));
    return sorted[at] ?? NaN;
  });
}

interface RoleCounters {
  scaleEvents: number;
  directionChanges: number;
  lastDirection: number;
  peak: number;
}

class TimelineRecorder {
  readonly tS: number[] = [];
  readonly replicas = {
    prefill: { desired: [] as number[], ready: [] as number[] },
    decode: { desired: [] as number[], ready: [] as number[] },
  };

  get ready(): Record<Role, readonly number[]> {
    return { prefill: this.replicas.prefill.ready, decode: this.replicas.decode.ready };
  }

  readonly decodeActive: number[] = [];

  sample(fleet: Fleet, tS: number): void {
    this.tS.push(tS);
    for (const role of Roles) {
      const view = fleet.view(role);
      this.replicas[role].desired.push(view.desired);
      this.replicas[role].ready.push(view.ready);
    }
    this.decodeActive.push(fleet.decodeActive());
  }
}

function apply(
  fleet: Fleet,
  desired: Readonly<Record<Role, number>>,
  counters: Record<Role, RoleCounters>,
): void {
  for (const role of Roles) {
    const next = Math.max(0, Math.round(desired[role]));
    const current = fleet.view(role).desired;
    if (next === current) continue;
    const c = counters[role];
    const direction = Math.sign(next - current);
    c.scaleEvents++;
    if (c.lastDirection !== 0 && direction !== c.lastDirection) c.directionChanges++;
    c.lastDirection = direction;
    c.peak = Math.max(c.peak, next);
    fleet.setDesired(role, next);
  }
}

interface Scored {
  readonly attainment: SystemResult['sloAttainment'];
  /** Requests that met both SLOs (the goodput). */
  readonly metBoth: number;
  /** 1 per request that met both SLOs, trace order. */
  readonly met: Uint8Array;
}

function score(fleet: Fleet, slo: RunSettings['slo']): Scored {
  const { ttftMs, tpotMs } = fleet.log;
  const met = new Uint8Array(ttftMs.length);
  let ttft = 0;
  let tpot = 0;
  let both = 0;
  for (let i = 0; i < ttftMs.length; i++) {
    const okTtft = (ttftMs[i] ?? NaN) <= slo.ttftMs;
    const okTpot = (tpotMs[i] ?? NaN) <= slo.tpotMs;
    if (okTtft) ttft++;
    if (okTpot) tpot++;
    if (okTtft && okTpot) {
      both++;
      met[i] = 1;
    }
  }
  const n = Math.max(1, ttftMs.length);
  return { attainment: { ttft: ttft / n, tpot: tpot / n, both: both / n }, metBoth: both, met };
}

/**
 * Replays `trace` through a fleet that starts with `initial` Ready replicas, scaled by `system`.
 * `onStep` reports simulated seconds done (for a progress bar).
 */
export async function runSystem(
  system: SimAutoscaler,
  trace: Trace,
  settings: RunSettings & { readonly initial: Readonly<Record<Role, number>> },
  onStep?: (simulatedS: number) => void,
): Promise<SystemRun> {
  const fleet = new Fleet({ ...settings.fleet, initialReplicas: settings.initial }, trace.requests);
  const reader = system.readsMetrics ? new FleetMetricsReader(fleet, settings.fleet.modelName) : undefined;
  const ticksEvery = Math.max(1, Math.round(system.intervalS / settings.stepS));
  const counters: Record<Role, RoleCounters> = {
    prefill: { scaleEvents: 0, directionChanges: 0, lastDirection: 0, peak: settings.initial.prefill },
    decode: { scaleEvents: 0, directionChanges: 0, lastDirection: 0, peak: settings.initial.decode },
  };
  const timeline = new TimelineRecorder();
  const startMs = settings.fleet.startMs;
  const traceEndMs = startMs + trace.durationS * 1000;
  const limitMs = traceEndMs + settings.drainLimitS * 1000;
  let step = 0;
  for (;;) {
    const nowMs = startMs + step * settings.stepS * 1000;
    fleet.runUntil(nowMs);
    if (nowMs > traceEndMs && (fleet.allDone() || nowMs >= limitMs)) break;
    if (step % ticksEvery === 0) {
      const metrics = reader === undefined ? undefined : await reader.read();
      const view = { prefill: fleet.view('prefill'), decode: fleet.view('decode') };
      const router = system.readsRouter === true ? fleet.routerView() : undefined;
      const replicaStarts =
        metrics === undefined
          ? undefined
          : { prefill: fleet.replicaStarts('prefill'), decode: fleet.replicaStarts('decode') };
      apply(fleet, system.tick({ nowMs, fleet: view, metrics, router, replicaStarts }), counters);
    }
    timeline.sample(fleet, (nowMs - startMs) / 1000);
    onStep?.((nowMs - startMs) / 1000);
    step++;
  }
  const name = system.name as SystemName;
  const scored = score(fleet, settings.slo);
  const gpuHours = fleet.gpuSeconds(traceEndMs) / 3600;
  const { measures } = settings;
  const recovery = recoveryTimes(
    { arrivalMs: trace.requests.map((r) => r.arrivalMs), met: scored.met, attainable: measures.attainable },
    measures.loadSteps,
    trace.durationS,
  );
  return {
    result: {
      name,
      sloAttainment: scored.attainment,
      gpuHours,
      scaleEvents: counters.prefill.scaleEvents + counters.decode.scaleEvents,
      directionChanges: counters.prefill.directionChanges + counters.decode.directionChanges,
      peakReplicas: { prefill: counters.prefill.peak, decode: counters.decode.peak },
      goodputPerGpuHour: gpuHours > 0 ? scored.metBoth / gpuHours : 0,
      ratioDeviation: ratioDeviation(
        timeline,
        measures.ratioBand,
        settings.fleet.profile.gpusPerReplica,
        trace.durationS,
      ),
      timeToRecover: summarizeRecovery(recovery),
    },
    recovery,
    timeline: { name, tS: timeline.tS, replicas: timeline.replicas, decodeActive: timeline.decodeActive },
    latency: {
      name,
      ttftMs: quantilePoints(fleet.log.ttftMs, 201),
      tpotMs: quantilePoints(fleet.log.tpotMs, 201),
    },
    simulatedS: (fleet.nowMs - startMs) / 1000,
  };
}
