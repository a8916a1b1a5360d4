// SPDX-License-Identifier: Apache-2.0
// Reading named series out of a parsed page for the engine adapters: samples are looked up by their
// own name (`vllm:prompt_tokens_total`, `..._bucket`), not by family, because exporters disagree on
// whether a counter's family is declared with or without `_total`. Selection applies the model
// filter, the adapter's label rules (Dynamo's endpoint, SGLang's ranks) and drops non-finite values;
// what is left is summed across label sets (vLLM's `engine`, SGLang's `dp_rank`, `finished_reason`).
import type { ExpositionPage, Labels, Sample } from '../exposition/types.js';
import { Histogram, sharedBounds } from './histogram.js';
import type {
  CounterName,
  Engine,
  GaugeName,
  HistogramName,
  PodCounters,
  PodHistograms,
} from './pod-sample.js';

/** How one gauge combines across the label sets that remain: queue lengths add up, fractions average. */
export interface GaugeRule {
  readonly names: readonly string[];
  readonly combine: 'sum' | 'mean';
}

/**
 * An engine's mapping: for each normalized field, the metric names to try, newest first (the first
 * name with a selected sample wins, so a page exporting both an old and a new name counts once).
 */
export interface EngineSpec {
  readonly engine: Engine;
  /** Sample-name prefixes that identify the engine's families on a page. */
  readonly prefixes: readonly string[];
  /** Other sample names the adapter reads (process start time, uptime). */
  readonly extraNames?: readonly string[];
  /** Labels that carry the model, in order of preference. */
  readonly modelLabels: readonly string[];
  /** Keeps a series (before the model filter). */
  readonly where?: (labels: Labels) => boolean;
  /** Removes duplicate series of one metric (e.g. SGLang's TP ranks reporting the same scheduler). */
  readonly dedupe?: (samples: readonly Sample[]) => Sample[];
  readonly counters: Readonly<Partial<Record<CounterName, readonly string[]>>>;
  readonly gauges: Readonly<Partial<Record<GaugeName, GaugeRule>>>;
  readonly histograms: Readonly<Partial<Record<HistogramName, readonly string[]>>>;
  /**
   * Other sample names the adapter reads itself (vLLM's `cache_config_info` and `*_created`, Dynamo's
   * KV and uptime gauges). Only a speed hint: the reader indexes these with the names above while it
   * walks the page once; any other name is found by a scan of the page when first asked for.
   */
  readonly alsoReads?: (name: string) => boolean;
}

/** The sample names of one histogram family. */
interface HistogramSeries {
  readonly bucket: string;
  readonly count: string;
  readonly sum: string;
}

/** What an adapter looks up on every page, derived once per spec (not once per page and field). */
interface SpecLookups {
  readonly extra: ReadonlySet<string>;
  /** Every name the spec lists: extra names, counters, gauges, histogram series. */
  readonly listed: ReadonlySet<string>;
  readonly counters: readonly (readonly [CounterName, readonly string[]])[];
  readonly gauges: readonly (readonly [GaugeName, GaugeRule])[];
  readonly histograms: readonly (readonly [HistogramName, readonly HistogramSeries[]])[];
}

const lookupsBySpec = new WeakMap<EngineSpec, SpecLookups>();

function lookupsOf(spec: EngineSpec): SpecLookups {
  let lookups = lookupsBySpec.get(spec);
  if (lookups === undefined) {
    const histograms = entries(spec.histograms).map(
      ([field, bases]) =>
        [
          field,
          bases.map((base) => ({ bucket: `${base}_bucket`, count: `${base}_count`, sum: `${base}_sum` })),
        ] as const,
    );
    const listed = [
      ...(spec.extraNames ?? []),
      ...Object.values(spec.counters).flat(),
      ...Object.values(spec.gauges).flatMap((rule) => rule.names),
      ...histograms.flatMap(([, series]) => series.flatMap((f) => [f.bucket, f.count, f.sum])),
    ];
    lookups = {
      extra: new Set(spec.extraNames ?? []),
      listed: new Set(listed),
      counters: entries(spec.counters),
      gauges: entries(spec.gauges),
      histograms,
    };
    lookupsBySpec.set(spec, lookups);
  }
  return lookups;
}

const noSamples: readonly Sample[] = Object.freeze([]);

/**
 * The selected samples of one page, memoized by name. Hot path: one page per pod per pass. Measured
 * with V8's sampling heap profiler on the 70 KB vLLM capture (adapter only, parse excluded): 248 KB
 * allocated per page before, 136 KB now. A sample's labels are built from the page text on first read
 * (exposition/parse.ts), ~0.9 KB each, so they are read only where a rule needs them: `le` of the
 * buckets, and every label only under a model filter or an adapter rule. Only the names the spec
 * reads are indexed (indexing every `vllm:` name cost 11 KB more per page), in one walk where the
 * samples of one name come in runs (buckets) and are decided once per run.
 */
export class PageReader {
  private readonly page: ExpositionPage;
  /** Samples by name, in page order, of every name looked for so far (absent: not on the page). */
  private readonly byName = new Map<string, Sample[]>();
  private readonly selected = new Map<string, readonly Sample[]>();
  private readonly spec: EngineSpec;
  private readonly lookups: SpecLookups;
  private readonly model: string | undefined;
  /** Whether `select` must read labels: a model filter or an adapter rule needs them. */
  private readonly readsLabels: boolean;
  private readonly modelsSeen = new Set<string>();
  private matchedModel = false;
  private engineSamples = false;

  constructor(page: ExpositionPage, spec: EngineSpec, model: string | undefined) {
    this.page = page;
    this.spec = spec;
    this.lookups = lookupsOf(spec);
    this.model = model?.toLowerCase();
    this.readsLabels = this.model !== undefined || spec.where !== undefined;
    let lastName: string | undefined;
    let list: Sample[] | undefined;
    for (const family of page.families.values()) {
      for (const sample of family.samples) {
        if (sample.name !== lastName) {
          lastName = sample.name;
          list = this.listFor(sample.name);
        }
        list?.push(sample);
      }
    }
  }

  /** Where samples of `name` go during the walk, or undefined when the adapter does not read it. */
  private listFor(name: string): Sample[] | undefined {
    const existing = this.byName.get(name);
    if (existing !== undefined) return existing;
    if (!this.lookups.extra.has(name)) {
      if (!this.hasPrefix(name)) return undefined;
      this.engineSamples = true;
    }
    if (!this.indexes(name)) return undefined;
    const list: Sample[] = [];
    this.byName.set(name, list);
    return list;
  }

  private hasPrefix(name: string): boolean {
    for (const prefix of this.spec.prefixes) if (name.startsWith(prefix)) return true;
    return false;
  }

  /** Names the walk indexes (when the page has them). */
  private indexes(name: string): boolean {
    return this.lookups.listed.has(name) || (this.spec.alsoReads?.(name) ?? false);
  }

  /** Samples of a name the walk did not index, found by a scan (then kept like the others). */
  private samplesNamed(name: string): readonly Sample[] {
    if (this.indexes(name) || !(this.lookups.extra.has(name) || this.hasPrefix(name))) return noSamples;
    const found: Sample[] = [];
    for (const family of this.page.families.values())
      for (const sample of family.samples) if (sample.name === name) found.push(sample);
    if (found.length > 0) this.byName.set(name, found);
    return found;
  }

  /** True when the page has at least one sample of the engine's families. */
  hasEngineSamples(): boolean {
    return this.engineSamples;
  }

  /** The names indexed so far that the page has: every name the spec reads, and any scanned for. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Samples of `name` that count: label rules, model filter, finite value, de-duplicated. */
  select(name: string): readonly Sample[] {
    const cached = this.selected.get(name);
    if (cached !== undefined) return cached;
    const all = this.byName.get(name) ?? this.samplesNamed(name);
    let result = noSamples;
    if (all.length > 0) {
      const kept = all.every((sample) => this.counts(sample))
        ? all // the usual case: no copy
        : all.filter((sample) => this.counts(sample));
      result = this.spec.dedupe === undefined ? kept : this.spec.dedupe(kept);
    }
    this.selected.set(name, result);
    return result;
  }

  private counts(sample: Sample): boolean {
    return Number.isFinite(sample.value) && (!this.readsLabels || this.keeps(sample.labels));
  }

  private keeps(labels: Labels): boolean {
    if (this.spec.where !== undefined && !this.spec.where(labels)) return false;
    const label = this.spec.modelLabels.find((l) => labels[l] !== undefined);
    if (label === undefined) return true; // a pod-level series: not attributable to one model
    const value = labels[label] ?? '';
    this.modelsSeen.add(value);
    if (this.model === undefined || value.toLowerCase() === this.model) {
      this.matchedModel = true;
      return true;
    }
    return false;
  }

  /** The first name (newest first) that has selected samples. */
  firstPresent(names: readonly string[]): string | undefined {
    return names.find((name) => this.select(name).length > 0);
  }

  /** Sum over the selected series of the first present name. */
  sum(names: readonly string[]): number | undefined {
    const name = this.firstPresent(names);
    return name === undefined ? undefined : sumValues(this.select(name));
  }

  /** Mean over the selected series of the first present name. */
  mean(names: readonly string[]): number | undefined {
    const name = this.firstPresent(names);
    if (name === undefined) return undefined;
    const samples = this.select(name);
    return sumValues(samples) / samples.length;
  }

  /** The histogram of the first family (newest first) that has a `_count` or `_bucket` series. */
  histogram(families: readonly HistogramSeries[]): Histogram | undefined {
    const names = families.find((f) => this.select(f.count).length + this.select(f.bucket).length > 0);
    if (names === undefined) return undefined;
    const buckets = bucketsOf(this.select(names.bucket));
    const counts = this.select(names.count);
    const sums = this.select(names.sum);
    const count = counts.length > 0 ? sumValues(counts) : buckets.infCount;
    if (count === undefined || sums.length === 0) return undefined;
    return new Histogram(sharedBounds(buckets.bounds), buckets.counts, count, sumValues(sums));
  }

  /** Why nothing was read when a model filter excluded every model-labelled series, else undefined. */
  modelMismatch(): string | undefined {
    if (this.model === undefined || this.matchedModel || this.modelsSeen.size === 0) return undefined;
    const seen = [...this.modelsSeen].sort().join(', ');
    return `no ${this.spec.engine} series for model ${JSON.stringify(this.model)} (the page has: ${seen})`;
  }
}

/**
 * Bucket series summed by bound (`sum by (le)`), ascending; series without a readable `le` are
 * skipped. One series per bound in ascending order (one engine, one endpoint) is the common case and
 * needs no map and no sort. Per bound, values add up from 0 in page order on both paths, so the
 * floats are the ones a plain `Map` by bound gives.
 */
function bucketsOf(samples: readonly Sample[]): {
  bounds: number[];
  counts: number[];
  infCount: number | undefined;
} {
  const bounds = new Array<number>(samples.length);
  const counts = new Array<number>(samples.length);
  let n = 0;
  let ascending = true;
  for (const sample of samples) {
    const le = parseLe(sample.labels.le);
    if (le === undefined) continue;
    const bound = le + 0; // -0 -> 0, as a Map key (below) would make it
    if (n > 0 && !(bound > (bounds[n - 1] ?? NaN))) ascending = false;
    bounds[n] = bound;
    counts[n] = 0 + sample.value; // from 0, like the merged path: a -0 count reads as 0
    n++;
  }
  if (!ascending) return mergedByBound(bounds.slice(0, n), counts.slice(0, n));
  const exact = n === samples.length;
  const last = n > 0 && bounds[n - 1] === Infinity ? counts[n - 1] : undefined;
  return {
    bounds: exact ? bounds : bounds.slice(0, n),
    counts: exact ? counts : counts.slice(0, n),
    infCount: last,
  };
}

/** Several series per bound (vLLM data-parallel engines, SGLang dp ranks) or bounds out of order. */
function mergedByBound(
  bounds: readonly number[],
  values: readonly number[],
): { bounds: number[]; counts: number[]; infCount: number | undefined } {
  const byLe = new Map<number, number>();
  bounds.forEach((le, i) => byLe.set(le, (byLe.get(le) ?? 0) + (values[i] ?? NaN)));
  const sorted = [...byLe.keys()].sort((a, b) => a - b);
  return { bounds: sorted, counts: sorted.map((le) => byLe.get(le) ?? NaN), infCount: byLe.get(Infinity) };
}

/**
 * Counters, gauges and histograms as the spec maps them; absent where no name is present. The gauges
 * come back writable so an adapter adds its own gauges to the same object: a spread copy gets a V8
 * map of its own, and the collector keeps one gauges object per pod.
 */
export function readFields(
  reader: PageReader,
  spec: EngineSpec,
): { counters: PodCounters; gauges: Partial<Record<GaugeName, number>>; histograms: PodHistograms } {
  const lookups = lookupsOf(spec);
  const counters: Partial<Record<CounterName, number>> = {};
  for (const [field, names] of lookups.counters) setDefined(counters, field, reader.sum(names));
  const gauges: Partial<Record<GaugeName, number>> = {};
  for (const [field, rule] of lookups.gauges) {
    setDefined(gauges, field, rule.combine === 'sum' ? reader.sum(rule.names) : reader.mean(rule.names));
  }
  const histograms: Partial<Record<HistogramName, Histogram>> = {};
  for (const [field, families] of lookups.histograms)
    setDefined(histograms, field, reader.histogram(families));
  return { counters, gauges, histograms };
}

/** Sets `target[key]` only when `value` is defined (fields stay absent, never `undefined`). */
export function setDefined<K extends string, V>(
  target: Partial<Record<K, V>>,
  key: K,
  value: V | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

function entries<K extends string, V>(record: Readonly<Partial<Record<K, V>>>): [K, V][] {
  return Object.entries(record) as [K, V][];
}

function sumValues(samples: readonly Sample[]): number {
  let total = 0;
  for (const sample of samples) total += sample.value;
  return total;
}

/** A bucket bound: `+Inf` or a decimal (float noise such as `0.07500000000000001` kept as is). */
export function parseLe(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === '+Inf' || text === 'Inf' || text === '+inf') return Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/**
 * Keeps one series per group of series that differ only in `rankLabels`: the lowest ranks (the
 * leader, e.g. `tp_rank="0"`); a series without the labels ranks as 0. Series that differ in any
 * other label (`dp_rank`, `le`, `engine_type`) stay separate and are summed by the caller.
 */
export function leaderSeries(samples: readonly Sample[], rankLabels: readonly string[]): Sample[] {
  const best = new Map<string, { sample: Sample; ranks: number[] }>();
  for (const sample of samples) {
    const labels = sample.labels;
    const key = Object.keys(labels)
      .filter((name) => !rankLabels.includes(name))
      .sort()
      .map((name) => `${name}=${JSON.stringify(labels[name])}`)
      .join(',');
    const ranks = rankLabels.map((name) => rankOf(labels[name]));
    const current = best.get(key);
    if (current === undefined || lowerRanks(ranks, current.ranks)) best.set(key, { sample, ranks });
  }
  return [...best.values()].map((entry) => entry.sample);
}

function rankOf(text: string | undefined): number {
  const value = Number(text ?? '0');
  return Number.isFinite(value) ? value : Infinity;
}

function lowerRanks(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}
