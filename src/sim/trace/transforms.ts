// SPDX-License-Identifier: Apache-2.0
// Pure Trace -> Trace transforms that turn the hour-long public traces into backtest load: more or less
// rate, faster time, longer traces, a day-shaped rate, a window. Each appends a record with a one-line
// description, because a backtest result means nothing unless the report says what load it ran.
import { dayCurve, defaultDiurnalCurve, hourAtArea, type DayCurve } from './day-curve.js';
import { mulberry32 } from './prng.js';
import type { Trace, TraceRequest, TransformRecord } from './types.js';

const byArrival = (a: TraceRequest, b: TraceRequest): number => a.arrivalMs - b.arrivalMs;

/** Four significant digits, without trailing zeros: 3537 s, 0.25, 3.4 req/s. */
const show = (value: number): string => String(Number(value.toPrecision(4)));

function derived(
  trace: Trace,
  requests: readonly TraceRequest[],
  record: TransformRecord,
  name = trace.name,
): Trace {
  if (requests.length === 0) throw new RangeError(`${record.description}: no requests are left`);
  const sorted = [...requests].sort(byArrival);
  return {
    name,
    requests: sorted,
    durationS: (sorted.at(-1)?.arrivalMs ?? 0) / 1000,
    transforms: [...trace.transforms, record],
  };
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer >= 0, got ${seed}`);
}

/** Mean time between arrivals; also the pause placed where a trace wraps around or meets the next. */
function meanGapMs(trace: Trace): number {
  return trace.requests.length > 1 ? (trace.durationS * 1000) / (trace.requests.length - 1) : 0;
}

/** Median gap between consecutive distinct arrival times (0 when all requests arrive together). */
function medianDistinctGapMs(requests: readonly TraceRequest[]): number {
  const times = [...new Set(requests.map((r) => r.arrivalMs))].sort((a, b) => a - b);
  const gaps = times.slice(1).map((time, index) => time - (times[index] ?? time));
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  const middle = Math.floor(gaps.length / 2);
  return gaps.length % 2 === 1 ? (gaps[middle] ?? 0) : ((gaps[middle - 1] ?? 0) + (gaps[middle] ?? 0)) / 2;
}

/**
 * Multiplies the request rate by `factor` in (0, 100]. With factor = k + f, each request becomes k
 * copies plus one more with probability f (so 0.5 keeps about half); the draws come from a PRNG
 * seeded with `seed`. The first copy keeps its arrival; each further copy is moved later by a draw in
 * [0, median gap between distinct arrival times): stacked copies of a trace quantized to ticks
 * (Mooncake: ~3 s) would otherwise turn every tick into a k-fold burst that dominates peak sizing.
 */
export function scaleRate(trace: Trace, factor: number, seed: number): Trace {
  if (!(factor > 0 && factor <= 100)) throw new RangeError(`rate factor must be in (0, 100], got ${factor}`);
  checkSeed(seed);
  const whole = Math.floor(factor);
  const extra = factor - whole;
  const spreadMs = medianDistinctGapMs(trace.requests);
  const random = mulberry32(seed);
  const requests: TraceRequest[] = [];
  for (const request of trace.requests) {
    const copies = whole + (random() < extra ? 1 : 0);
    for (let copy = 0; copy < copies; copy += 1) {
      requests.push(
        copy === 0 ? request : { ...request, arrivalMs: request.arrivalMs + random() * spreadMs },
      );
    }
  }
  return derived(trace, requests, {
    kind: 'scale',
    params: { factor, seed },
    description: `rate x${show(factor)} (seed ${seed}: ${scaleMethod(whole, extra, spreadMs)})`,
  });
}

function scaleMethod(whole: number, extra: number, spreadMs: number): string {
  if (whole === 0) return `each request kept with probability ${show(extra)}`;
  const copies = `${whole} ${whole === 1 ? 'copy' : 'copies'} of each request`;
  const plus = extra > 0 ? ` plus one more with probability ${show(extra)}` : '';
  const spread = `copies after the first offset within ${show(spreadMs / 1000)} s, the median gap`;
  return whole === 1 && extra === 0 ? 'unchanged' : `${copies}${plus}, ${spread}`;
}

/** Divides every arrival time by `factor` (> 0): above 1 the trace gets shorter and its rate higher. */
export function compressTime(trace: Trace, factor: number): Trace {
  if (!(factor > 0 && Number.isFinite(factor))) {
    throw new RangeError(`time compression factor must be a number > 0, got ${factor}`);
  }
  const requests = trace.requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs / factor }));
  return derived(trace, requests, {
    kind: 'compress',
    params: { factor },
    description:
      `time compressed x${show(factor)} (arrival times divided by ${show(factor)}: ` +
      `${show(trace.durationS)} s become ${show(trace.durationS / factor)} s, rate x${show(factor)})`,
  });
}

export interface SpliceOptions {
  /** Seconds from one trace's last arrival to the next trace's first. @default the earlier trace's mean gap */
  readonly gapS?: number;
}

/**
 * Plays the traces one after another to make a longer load; the result is named after all of them.
 * Each trace starts one gap after the previous one's last arrival, so the seam looks like any other
 * arrival instead of a burst or a lull. The first trace's transform records are kept; the others'
 * are stated in the splice description.
 */
export function splice(traces: readonly Trace[], options: SpliceOptions = {}): Trace {
  const [first] = traces;
  if (first === undefined) throw new RangeError('splice needs at least one trace');
  if (options.gapS !== undefined && !(options.gapS >= 0)) {
    throw new RangeError(`splice gap must be >= 0 s, got ${options.gapS}`);
  }
  const requests: TraceRequest[] = [];
  let offsetMs = 0;
  for (const trace of traces) {
    requests.push(...trace.requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs + offsetMs })));
    offsetMs +=
      trace.durationS * 1000 + (options.gapS === undefined ? meanGapMs(trace) : options.gapS * 1000);
  }
  const parts = traces.map((trace, index) => {
    const history =
      index > 0 && trace.transforms.length > 0
        ? `; ${trace.transforms.map((t) => t.description).join('; ')}`
        : '';
    return `${trace.name} (${trace.requests.length} requests, ${show(trace.durationS)} s${history})`;
  });
  const gap = options.gapS === undefined ? 'one mean gap' : `${show(options.gapS)} s`;
  const name = traces.map((trace) => trace.name).join(' + ');
  return derived(
    first,
    requests,
    {
      kind: 'splice',
      params: { traces: name, gap: options.gapS ?? 'mean gap' },
      description: `spliced back to back: ${parts.join(', then ')}; each starts ${gap} after the previous one's last arrival`,
    },
    name,
  );
}

/** Keeps the arrivals in [fromS, toS) and re-bases them so that fromS becomes 0. */
export function slice(trace: Trace, fromS: number, toS: number): Trace {
  if (!(fromS >= 0 && toS > fromS)) throw new RangeError(`slice needs 0 <= from < to, got ${fromS}-${toS} s`);
  const fromMs = fromS * 1000;
  const toMs = toS * 1000;
  const requests = trace.requests
    .filter((r) => r.arrivalMs >= fromMs && r.arrivalMs < toMs)
    .map((r) => ({ ...r, arrivalMs: r.arrivalMs - fromMs }));
  return derived(trace, requests, {
    kind: 'slice',
    params: { fromS, toS },
    description:
      `slice ${show(fromS)}-${show(toS)} s, re-based to start at 0 ` +
      `(${requests.length} of ${trace.requests.length} requests; the trace spans 0-${show(trace.durationS)} s)`,
  });
}

const defaultPeakToTrough = 4;

export interface DayShapeOptions {
  /** Seconds the output spans: the whole 24 h curve is compressed into them. */
  readonly durationS: number;
  /** Picks the source request the replay starts from (integer >= 0). */
  readonly seed: number;
  /** The day's form as 24 hourly values of any scale (00:00..23:00). @default defaultDiurnalCurve */
  readonly curve?: readonly number[];
  /** Rate at the peak divided by the rate at the trough (>= 1). @default 4 */
  readonly peakToTrough?: number;
  /** Hour (integer 0-23) where the curve's lowest value is placed. @default the curve's own (04:00) */
  readonly troughHour?: number;
  /** Output rate at the curve's peak, as a multiple of the source's mean rate, in (0, 100]. @default 1 */
  readonly peakRateFactor?: number;
}

/**
 * Makes the source trace's rate follow a day. The output spans `durationS`, into which a 24 h curve
 * (peak 1, trough 1 / peakToTrough) is compressed, starting at 00:00. The source is replayed in its
 * own order from a request picked by `seed`, wrapping around (one mean gap after its last arrival) as
 * often as needed, and its clock is warped: output time t is where the source has advanced by
 * peakRateFactor x the area under the curve up to t. So the local output rate is the source's local
 * rate x peakRateFactor x shape(t): the peak hours run at peakRateFactor x the source mean rate, the
 * trough at 1 / peakToTrough of that. Request sizes and the source's burst pattern are kept; only the
 * spacing changes, slower (scale-down) in the night and, with peakRateFactor > 1, faster at the peak.
 */
export function dayShape(trace: Trace, options: DayShapeOptions): Trace {
  const peakRate = checkDayShape(trace, options);
  const peakToTrough = options.peakToTrough ?? defaultPeakToTrough;
  const curve = dayCurve(options.curve ?? defaultDiurnalCurve, peakToTrough, options.troughHour);
  const count = trace.requests.length;
  const cycleMs = trace.durationS * 1000 + meanGapMs(trace);
  const start = Math.floor(mulberry32(options.seed)() * count);
  const msPerHour = (options.durationS * 1000) / 24;
  const requests: TraceRequest[] = [];
  for (const request of replay(trace.requests, start, cycleMs)) {
    const hour = hourAtArea(curve, request.arrivalMs / (msPerHour * peakRate));
    if (hour === undefined) break;
    requests.push({ ...request, arrivalMs: hour * msPerHour });
  }
  const sourceRate = (count / cycleMs) * 1000;
  const peak = peakRate === 1 ? 'the source mean rate' : `${show(peakRate)}x the source mean rate`;
  return derived(trace, requests, {
    kind: 'day-shape',
    params: {
      durationS: options.durationS,
      peakToTrough,
      troughHour: curve.levels.indexOf(Math.min(...curve.levels)),
      peakRateFactor: peakRate,
      seed: options.seed,
      start,
    },
    description:
      `day shape: ${describeCurve(curve, options.curve === undefined)} compressed into ${show(options.durationS)} s, ` +
      `peak at ${peak} (${show(peakRate * sourceRate)} req/s); source replayed in order from request ${start} ` +
      `(seed ${options.seed}), ${show(requests.length / count)} passes`,
  });
}

/** Validates the options; returns the peak rate factor. */
function checkDayShape(trace: Trace, options: DayShapeOptions): number {
  if (trace.requests.length < 2 || trace.durationS <= 0) {
    throw new RangeError('day shape needs a source trace with at least two distinct arrival times');
  }
  if (!(options.durationS > 0 && Number.isFinite(options.durationS))) {
    throw new RangeError(`day shape duration must be > 0 s, got ${options.durationS}`);
  }
  if (
    options.peakToTrough !== undefined &&
    !(options.peakToTrough >= 1 && Number.isFinite(options.peakToTrough))
  ) {
    throw new RangeError(`peak-to-trough ratio must be a number >= 1, got ${options.peakToTrough}`);
  }
  const hour = options.troughHour;
  if (hour !== undefined && !(Number.isInteger(hour) && hour >= 0 && hour <= 23)) {
    throw new RangeError(`trough hour must be an integer 0-23, got ${hour}`);
  }
  checkSeed(options.seed);
  const peakRate = options.peakRateFactor ?? 1;
  if (!(peakRate > 0 && peakRate <= 100))
    throw new RangeError(`peak rate factor must be in (0, 100], got ${peakRate}`);
  return peakRate;
}

/** The source from request `start` on, wrapping around forever, on one clock that starts at 0. */
function* replay(requests: readonly TraceRequest[], start: number, cycleMs: number): Generator<TraceRequest> {
  const startMs = requests[start]?.arrivalMs ?? 0;
  for (let pass = 0; ; pass += 1) {
    for (const [index, request] of requests.entries()) {
      if (pass > 0 || index >= start)
        yield { ...request, arrivalMs: request.arrivalMs + pass * cycleMs - startMs };
    }
  }
}

/** E.g. "24 h diurnal curve (trough 04:00 x0.25, peak 14:00-20:00 x1)". */
function describeCurve(curve: DayCurve, isDefault: boolean): string {
  const low = Math.min(...curve.levels);
  // Levels are floor + (1 - floor) x normalized value; the peak's may round to just below 1.
  const peakHours = curve.levels.flatMap((level, hour) => (level > 1 - 1e-9 ? [hour] : []));
  return (
    `${isDefault ? '24 h diurnal curve' : 'custom 24 h curve'} ` +
    `(trough ${clock(curve.levels.indexOf(low))} x${show(low)}, peak ${describeHours(peakHours)} x1)`
  );
}

const clock = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;

/** "14:00-20:00" for one run of hours (also across midnight), else the hours listed. */
function describeHours(hours: readonly number[]): string {
  const starts = hours.filter((hour) => !hours.includes((hour + 23) % 24));
  const [first] = starts;
  if (starts.length !== 1 || first === undefined) return hours.map(clock).join(', ');
  return hours.length === 1 ? clock(first) : `${clock(first)}-${clock((first + hours.length - 1) % 24)}`;
}
