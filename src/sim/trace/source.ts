// SPDX-License-Identifier: Apache-2.0
// Where a trace comes from: a file the loader reads, or a synthetic source (`synth:FAMILY?...`,
// src/sim/trace/synth/) generated in process. The one place that tells them apart, so the backtest
// CLI and the suite take either wherever they take a trace.
import { loadTrace, TraceError } from './load.js';
import { isSynthSource, parseSynthSource } from './synth/spec.js';
import { synthesize } from './synth/synthesize.js';
import type { Trace } from './types.js';

/** Reads `source`; throws TraceError for a bad file or a bad synthetic source. */
export async function readTraceSource(source: string): Promise<Trace> {
  if (!isSynthSource(source)) return loadTrace(source);
  const parsed = parseSynthSource(source);
  if (!parsed.ok) throw new TraceError(source, undefined, parsed.message);
  return synthesize(parsed.spec);
}
