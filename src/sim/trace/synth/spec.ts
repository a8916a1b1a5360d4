// SPDX-License-Identifier: Apache-2.0
// A synthetic trace named as a source: `synth:FAMILY?seed=N&rate=R&duration=D&lengths=MIX`, what a
// suite case gives instead of a trace file and what `pdscaler trace synth` builds from its flags. Every
// option has a default (the family's), so `synth:fast-day` alone is a trace.
import { parseDurationS } from '../../../policy/durations.js';
import { durationPattern } from '../../../policy/schema.js';
import { familyNames, findFamily } from './families.js';
import type { FamilyOptions, WorkloadFamily } from './family.js';
import { lengthMixNames, type LengthMixName } from './lengths.js';

export const synthPrefix = 'synth:';

/** Default seed and peak rate (req/s) of every family: sized for the 8B H200 profile, long prompts. */
export const defaultSeed = 1;
export const defaultRatePerS = 20;
/** Most requests a spec may ask for: about 10 times the largest suite case, a few hundred MB. */
export const maxRequests = 5_000_000;

export interface SynthSpec extends FamilyOptions {
  readonly family: WorkloadFamily;
}

export type ParsedSynth =
  { readonly ok: true; readonly spec: SynthSpec } | { readonly ok: false; readonly message: string };

/** True when a case's trace names a synthetic source rather than a file. */
export const isSynthSource = (source: string): boolean => source.startsWith(synthPrefix);

/** The options given as text (a flag or a query value each), all optional. */
export interface SynthTexts {
  readonly seed?: string;
  readonly rate?: string;
  readonly duration?: string;
  readonly lengths?: string;
}

const optionNames = ['seed', 'rate', 'duration', 'lengths'] as const;

/** Checks a family name and the option texts; each message says what the value must be. */
export function synthSpecOf(familyName: string, texts: SynthTexts): ParsedSynth {
  const family = findFamily(familyName);
  if (family === undefined)
    return fail(`unknown family ${JSON.stringify(familyName)} (known: ${familyNames.join(', ')})`);
  const seed = texts.seed === undefined ? defaultSeed : integer(texts.seed);
  if (seed === undefined) return fail(`seed must be an integer >= 0, got ${JSON.stringify(texts.seed)}`);
  const ratePerS = texts.rate === undefined ? defaultRatePerS : positive(texts.rate);
  if (ratePerS === undefined || ratePerS > 10_000)
    return fail(`rate must be requests per second > 0 and <= 10000, got ${JSON.stringify(texts.rate)}`);
  const durationS = texts.duration === undefined ? family.defaults.durationS : duration(texts.duration);
  const [minS, maxS] = family.durationRangeS;
  if (durationS === undefined || durationS < minS || durationS > maxS)
    return fail(
      `duration of ${family.name} must be a duration from ${minS}s to ${maxS}s like ${family.defaults.durationS / 60}m, got ${JSON.stringify(texts.duration)}`,
    );
  if (ratePerS * durationS > maxRequests)
    return fail(
      `rate x duration must be at most ${maxRequests} requests (the trace is held in memory), got ${ratePerS} req/s over ${durationS} s`,
    );
  const lengths = texts.lengths === undefined ? family.defaults.lengths : lengthMix(texts.lengths);
  if (lengths === undefined)
    return fail(`lengths must be one of ${lengthMixNames.join(', ')}, got ${JSON.stringify(texts.lengths)}`);
  return { ok: true, spec: { family, seed, ratePerS, durationS, lengths } };
}

/** Parses `synth:FAMILY[?key=value&...]`; the caller names the source in a failure's message. */
export function parseSynthSource(source: string): ParsedSynth {
  if (!isSynthSource(source))
    return fail(`expected ${synthPrefix}FAMILY[?seed=N&rate=R&duration=D&lengths=MIX]`);
  const rest = source.slice(synthPrefix.length);
  const question = rest.indexOf('?');
  const familyName = question < 0 ? rest : rest.slice(0, question);
  const texts: Record<string, string> = {};
  for (const pair of question < 0 ? [] : rest.slice(question + 1).split('&')) {
    const [key = '', value] = pair.split('=', 2);
    if (!(optionNames as readonly string[]).includes(key) || value === undefined)
      return fail(
        `unknown option ${JSON.stringify(pair)}; takes ${optionNames.map((n) => `${n}=`).join(', ')}`,
      );
    if (Object.hasOwn(texts, key)) return fail(`option ${key} is given twice`);
    texts[key] = value;
  }
  return synthSpecOf(familyName, texts);
}

/** The canonical source of a spec, every option written out: the trace's name. */
export function synthSourceOf(spec: SynthSpec): string {
  return (
    `${synthPrefix}${spec.family.name}?seed=${spec.seed}&rate=${spec.ratePerS}` +
    `&duration=${spec.durationS}s&lengths=${spec.lengths}`
  );
}

const fail = (message: string): ParsedSynth => ({ ok: false, message });

function integer(text: string): number | undefined {
  return /^\d+$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : undefined;
}

function positive(text: string): number | undefined {
  return /^(\d+(\.\d*)?|\.\d+)$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

function duration(text: string): number | undefined {
  return durationPattern.test(text) ? parseDurationS(text) : undefined;
}

function lengthMix(text: string): LengthMixName | undefined {
  return (lengthMixNames as readonly string[]).includes(text) ? (text as LengthMixName) : undefined;
}
