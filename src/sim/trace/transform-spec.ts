// SPDX-License-Identifier: Apache-2.0
// The `--transform` option of the backtest CLI: one transform per option, applied in the order given.
//
//   scale:FACTOR[:seed=N]          rate x FACTOR, 0 < FACTOR <= 100 (copies and seeded thinning; seed 1)
//   compress:FACTOR                arrival times divided by FACTOR > 0
//   day:DURATION[:peak=X][:trough=H][:ratio=R][:seed=N]
//                                  a 24 h day compressed into DURATION; peak hours at X (0 < X <= 100,
//                                  default 1) x the source mean rate; lowest rate at hour H (integer 0-23,
//                                  default 4); peak/trough rate ratio R >= 1 (default 4); seed N (default 1)
//   slice:FROM-TO                  arrivals in [FROM, TO), re-based to 0
//   splice:PATH                    append the trace in PATH (any format loadTrace reads)
//
// DURATION, FROM and TO are durations such as 90s, 60m, 1h or 1h30m (units ms, s, m, h); N is an
// integer >= 0. Example: --transform day:1h --transform scale:10:seed=7.
import { parseDurationS } from '../../policy/durations.js';
import { durationPattern } from '../../policy/schema.js';
import { loadTrace, TraceError } from './load.js';
import { readTraceSource } from './source.js';
import { compressTime, dayShape, scaleRate, slice, splice } from './transforms.js';
import type { Trace } from './types.js';

/** One parsed `--transform`, with every default filled in. */
export type TransformStep =
  | { readonly kind: 'scale'; readonly factor: number; readonly seed: number }
  | { readonly kind: 'compress'; readonly factor: number }
  | {
      readonly kind: 'day';
      readonly durationS: number;
      readonly peakRateFactor: number;
      readonly troughHour: number;
      readonly peakToTrough: number;
      readonly seed: number;
    }
  | { readonly kind: 'slice'; readonly fromS: number; readonly toS: number }
  | { readonly kind: 'splice'; readonly path: string };

export type ParsedTransform =
  { readonly ok: true; readonly step: TransformStep } | { readonly ok: false; readonly message: string };

/** Reads a trace file for `splice:PATH`. */
export type TraceLoader = (path: string) => Promise<Trace>;

const grammar =
  'scale:FACTOR[:seed=N], compress:FACTOR, day:DURATION[:peak=X][:trough=H][:ratio=R][:seed=N], ' +
  'slice:FROM-TO or splice:PATH';

/** Parses one `--transform` value; the message of a failure quotes it and says what was expected. */
export function parseTransformSpec(text: string): ParsedTransform {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const argument = colon < 0 ? '' : text.slice(colon + 1);
  const parsed = parseStep(kind, argument);
  return typeof parsed === 'string'
    ? { ok: false, message: `--transform ${JSON.stringify(text)}: ${parsed}` }
    : { ok: true, step: parsed };
}

function parseStep(kind: string, argument: string): TransformStep | string {
  const [first = '', ...options] = argument.split(':');
  switch (kind) {
    case 'scale':
      return parseScale(first, options);
    case 'compress': {
      const factor = positiveNumber(first);
      if (factor === undefined)
        return `FACTOR must be a number > 0, got ${JSON.stringify(first)}; expected compress:FACTOR`;
      return options.length > 0 ? 'compress takes no options; expected compress:FACTOR' : { kind, factor };
    }
    case 'day':
      return parseDay(first, options);
    case 'slice':
      return options.length > 0 ? 'expected slice:FROM-TO' : parseSlice(first);
    case 'splice':
      return argument === '' ? 'PATH is missing; expected splice:PATH' : { kind, path: argument };
    default:
      return `unknown transform ${JSON.stringify(kind)}; expected ${grammar}`;
  }
}

function parseScale(text: string, options: readonly string[]): TransformStep | string {
  const factor = positiveNumber(text);
  if (factor === undefined || factor > 100) {
    return `FACTOR must be a number > 0 and <= 100, got ${JSON.stringify(text)}; expected scale:FACTOR[:seed=N]`;
  }
  const parsed = parseOptions(options, { seed: seedRule }, 'scale takes seed=N');
  return typeof parsed === 'string' ? parsed : { kind: 'scale', factor, seed: parsed.get('seed') ?? 1 };
}

function parseDay(text: string, options: readonly string[]): TransformStep | string {
  const durationS = duration(text);
  if (durationS === undefined || durationS <= 0) {
    return `DURATION must be a duration > 0 like 3600s, 60m or 1h, got ${JSON.stringify(text)}; expected ${dayGrammar}`;
  }
  const parsed = parseOptions(options, dayRules, `day takes peak=X, trough=H, ratio=R and seed=N`);
  if (typeof parsed === 'string') return parsed;
  return {
    kind: 'day',
    durationS,
    peakRateFactor: parsed.get('peak') ?? 1,
    troughHour: parsed.get('trough') ?? 4,
    peakToTrough: parsed.get('ratio') ?? 4,
    seed: parsed.get('seed') ?? 1,
  };
}

const dayGrammar = 'day:DURATION[:peak=X][:trough=H][:ratio=R][:seed=N]';

function parseSlice(text: string): TransformStep | string {
  const [from = '', to, ...more] = text.split('-');
  const fromS = duration(from);
  const toS = to === undefined ? undefined : duration(to);
  if (fromS === undefined || toS === undefined || more.length > 0) {
    return `FROM and TO must be durations like 10m or 1h30m, got ${JSON.stringify(text)}; expected slice:FROM-TO`;
  }
  return toS > fromS
    ? { kind: 'slice', fromS, toS }
    : `TO must be later than FROM, got ${JSON.stringify(text)}`;
}

interface OptionRule {
  readonly parse: (text: string) => number | undefined;
  /** What the value must be, completing "seed must be ...". */
  readonly must: string;
}

const seedRule: OptionRule = { parse: integer, must: 'an integer >= 0' };

const dayRules: Readonly<Record<string, OptionRule>> = {
  peak: { parse: (text) => between(positiveNumber(text), 0, 100), must: 'a number > 0 and <= 100' },
  trough: { parse: (text) => between(integer(text), 0, 23), must: 'an hour, an integer 0-23' },
  ratio: { parse: (text) => between(positiveNumber(text), 1, Infinity), must: 'a number >= 1' },
  seed: seedRule,
};

/** `key=value` options, each at most once, each checked by its rule. */
function parseOptions(
  options: readonly string[],
  rules: Readonly<Record<string, OptionRule>>,
  takes: string,
): Map<string, number> | string {
  const values = new Map<string, number>();
  for (const option of options) {
    const [key = '', value = ''] = option.split('=', 2);
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (rule === undefined || !option.includes('='))
      return `unknown option ${JSON.stringify(option)}; ${takes}`;
    if (values.has(key)) return `option ${key} is given twice`;
    const parsed = rule.parse(value);
    if (parsed === undefined) return `${key} must be ${rule.must}, got ${JSON.stringify(value)}`;
    values.set(key, parsed);
  }
  return values;
}

function positiveNumber(text: string): number | undefined {
  return /^(\d+(\.\d*)?|\.\d+)$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

function integer(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

const between = (value: number | undefined, min: number, max: number): number | undefined =>
  value !== undefined && value >= min && value <= max ? value : undefined;

function duration(text: string): number | undefined {
  return durationPattern.test(text) ? parseDurationS(text) : undefined;
}

/**
 * Applies the steps in order. `splice:PATH` reads PATH with `loader` (relative paths resolve against
 * the working directory) and appends it. Transforms throw RangeError when nothing is left (a slice
 * past the end, say).
 */
export async function applyTransforms(
  trace: Trace,
  steps: readonly TransformStep[],
  loader: TraceLoader = loadTrace,
): Promise<Trace> {
  let result = trace;
  for (const step of steps) result = await applyStep(result, step, loader);
  return result;
}

/**
 * Reads a trace file or synthetic source (source.ts) and applies the steps; a bad file or a transform that leaves nothing is a
 * message (the file and line, or what emptied it), anything else still throws.
 */
export async function readTransformedTrace(
  path: string,
  steps: readonly TransformStep[],
): Promise<{ readonly ok: true; readonly trace: Trace } | { readonly ok: false; readonly message: string }> {
  try {
    return { ok: true, trace: await applyTransforms(await readTraceSource(path), steps) };
  } catch (error) {
    if (error instanceof TraceError || error instanceof RangeError)
      return { ok: false, message: error.message };
    throw error;
  }
}

async function applyStep(trace: Trace, step: TransformStep, loader: TraceLoader): Promise<Trace> {
  switch (step.kind) {
    case 'scale':
      return scaleRate(trace, step.factor, step.seed);
    case 'compress':
      return compressTime(trace, step.factor);
    case 'day':
      return dayShape(trace, step);
    case 'slice':
      return slice(trace, step.fromS, step.toS);
    case 'splice':
      return splice([trace, await loader(step.path)]);
  }
}
