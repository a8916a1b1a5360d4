// SPDX-License-Identifier: Apache-2.0
// The demo's load: the Mooncake conversation trace the package ships (data/traces/README.md),
// day-shaped so a whole day's wave passes in `dayS` seconds and repeated to cover `totalS`. A package
// trimmed of its data (or a `tracePath` that does not exist) gets a seeded synthetic trace with the
// same day shape instead, so `npm start` always has load.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { shippedTracesDir } from '../package-root.js';
import { loadTrace } from '../sim/trace/load.js';
import { mulberry32 } from '../sim/trace/prng.js';
import { applyTransforms, parseTransformSpec, type TransformStep } from '../sim/trace/transform-spec.js';
import type { Trace, TraceRequest } from '../sim/trace/types.js';

export const demoTracePath = resolve(shippedTracesDir, 'mooncake_conversation_trace.jsonl');

/**
 * Starts the day `offsetS` in: the requests before it move to the end. The demo opens on the morning
 * ramp, so scaling shows within its first minutes instead of after the night's trough.
 */
function rotate(trace: Trace, offsetS: number, dayS: number): Trace {
  const offsetMs = offsetS * 1000;
  const shifted = trace.requests.map((r) => ({
    ...r,
    arrivalMs: r.arrivalMs >= offsetMs ? r.arrivalMs - offsetMs : r.arrivalMs + dayS * 1000 - offsetMs,
  }));
  shifted.sort((a, b) => a.arrivalMs - b.arrivalMs);
  return { ...trace, requests: shifted, durationS: dayS };
}

/** Appends copies of the trace, each `periodS` after the previous one, until `totalS`. */
function repeat(trace: Trace, periodS: number, totalS: number): Trace {
  const requests: TraceRequest[] = [];
  for (let offsetS = 0; offsetS < totalS; offsetS += periodS)
    for (const r of trace.requests) requests.push({ ...r, arrivalMs: r.arrivalMs + offsetS * 1000 });
  return {
    name: trace.name,
    requests,
    durationS: (requests.at(-1)?.arrivalMs ?? 0) / 1000,
    transforms: [
      ...trace.transforms,
      {
        kind: 'splice',
        params: { periodS, totalS },
        description: `repeated every ${periodS} s for ${totalS} s`,
      },
    ],
  };
}

/** Poisson arrivals whose rate rises and falls once per day (a raised cosine); chat-like lengths. */
function syntheticTrace(dayS: number, peakPerS: number, seed: number): Trace {
  const random = mulberry32(seed);
  const shape = (tS: number): number => 0.55 - 0.45 * Math.cos((2 * Math.PI * tS) / dayS);
  const requests: TraceRequest[] = [];
  for (let t = 0; t < dayS;) {
    t += -Math.log(1 - random()) / peakPerS;
    if (random() > shape(t)) continue; // thinning: keep with probability rate(t) / peak
    requests.push({
      arrivalMs: t * 1000,
      inputTokens: Math.round(800 + random() * 3200),
      outputTokens: Math.round(100 + random() * 300),
    });
  }
  return { name: 'synthetic-day', requests, durationS: dayS, transforms: [] };
}

/** Where the demo's day opens: a third in, on the rise towards the day's peak. */
const morningShare = 1 / 3;

export interface DemoTraceOptions {
  /** Seconds one simulated day takes. */
  readonly dayS: number;
  /** Seconds of load to prepare (the day repeats). */
  readonly totalS: number;
  /** Multiply the trace's rate (the 8B profile needs several replicas per role to be interesting). */
  readonly scale: number;
  readonly tracePath?: string;
}

function step(text: string): TransformStep {
  const parsed = parseTransformSpec(text);
  if (!parsed.ok) throw new Error(`demo transform ${text}: ${parsed.message}`);
  return parsed.step;
}

export async function demoTrace(options: DemoTraceOptions): Promise<Trace> {
  const path = options.tracePath ?? demoTracePath;
  const day = existsSync(path)
    ? await applyTransforms(await loadTrace(path), [
        step(`day:${options.dayS}s:seed=7`),
        step(`scale:${options.scale}:seed=7`),
      ])
    : syntheticTrace(options.dayS, 4 * options.scale, 7);
  return repeat(rotate(day, options.dayS * morningShare, options.dayS), options.dayS, options.totalS);
}
