// SPDX-License-Identifier: Apache-2.0
// Reading named series out of a parsed page for the engine adapters: samples are looked up by their
// own name (`vllm:prompt_tokens_total`, `..._bucket`), not by family, because exporters disagree on
// whether a counter's family is declared with or without `_total`. Selection applies the model
// filter, the adapter's label rules (Dynamo's endpoint, SGLang's ranks) and drops non-finite values;
// what is left is summed across label sets (vLLM's `engine`, SGLang's `dp_rank`, `finished_reason`).
import type { ExpositionPage, Labels, Sample } from '../exposition/types.js';
import type {
  CounterName,
  CumulativeHistogram,
  Engine,
  GaugeName,
  HistogramBucket,
  HistogramName,
  PodCounters,
  PodGauges,
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
}

/** The selected samples of one page, memoized by name. */
export class PageReader {
  private readonly byName = new Map<string, Sample[]>();
  private readonly selected = new Map<string, Sample[]>();
  private readonly spec: EngineSpec;
  private readonly model: string | undefined;
  private readonly modelsSeen = new Set<string>();
  private matchedModel = false;

  constructor(page: ExpositionPage, spec: EngineSpec, model: string | undefined) {
    this.spec = spec;
    this.model = model?.toLowerCase();
    const extra = new Set(spec.extraNames ?? []);
    for (const family of page.families.values()) {
      for (const sample of family.samples) {
        if (!extra.has(sample.name) && !spec.prefixes.some((p) => sample.name.startsWith(p))) continue;
        const list = this.byName.get(sample.name);
        if (list === undefined) this.byName.set(sample.name, [sample]);
        else list.push(sample);
      }
    }
  }

  /** True when the page has at least one sample of the engine's families. */
  hasEngineSamples(): boolean {
    const extra = new Set(this.spec.extraNames ?? []);
    for (const name of this.byName.keys()) if (!extra.has(name)) return true;
    return false;
  }

  /** The sample names read from the page. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Samples of `name` that count: label rules, model filter, finite value, de-duplicated. */
  select(name: string): readonly Sample[] {
    const cached = this.selected.get(name);
    if (cached !== undefined) return cached;
    const kept = (this.byName.get(name) ?? []).filter(
      (sample) => Number.isFinite(sample.value) && this.keeps(sample.labels),
    );
    const result = this.spec.dedupe === undefined ? kept : this.spec.dedupe(kept);
    this.selected.set(name, result);
    return result;
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

  /** The histogram of the first base name that has a `_count` or `_bucket` series. */
  histogram(bases: readonly string[]): CumulativeHistogram | undefined {
    const base = bases.find((b) => this.select(`${b}_count`).length + this.select(`${b}_bucket`).length > 0);
    if (base === undefined) return undefined;
    const byLe = new Map<number, number>();
    for (const sample of this.select(`${base}_bucket`)) {
      const le = parseLe(sample.labels.le);
      if (le !== undefined) byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
    }
    const counts = this.select(`${base}_count`);
    const sums = this.select(`${base}_sum`);
    const count = counts.length > 0 ? sumValues(counts) : byLe.get(Infinity);
    if (count === undefined || sums.length === 0) return undefined;
    const buckets: HistogramBucket[] = [...byLe]
      .map(([le, c]) => ({ le, count: c }))
      .sort((a, b) => a.le - b.le);
    return { buckets, count, sum: sumValues(sums) };
  }

  /** Why nothing was read when a model filter excluded every model-labelled series, else undefined. */
  modelMismatch(): string | undefined {
    if (this.model === undefined || this.matchedModel || this.modelsSeen.size === 0) return undefined;
    const seen = [...this.modelsSeen].sort().join(', ');
    return `no ${this.spec.engine} series for model ${JSON.stringify(this.model)} (the page has: ${seen})`;
  }
}

/** Counters, gauges and histograms as the spec maps them; absent where no name is present. */
export function readFields(
  reader: PageReader,
  spec: EngineSpec,
): { counters: PodCounters; gauges: PodGauges; histograms: PodHistograms } {
  const counters: Partial<Record<CounterName, number>> = {};
  for (const [field, names] of entries(spec.counters)) setDefined(counters, field, reader.sum(names));
  const gauges: Partial<Record<GaugeName, number>> = {};
  for (const [field, rule] of entries(spec.gauges)) {
    setDefined(gauges, field, rule.combine === 'sum' ? reader.sum(rule.names) : reader.mean(rule.names));
  }
  const histograms: Partial<Record<HistogramName, CumulativeHistogram>> = {};
  for (const [field, bases] of entries(spec.histograms))
    setDefined(histograms, field, reader.histogram(bases));
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
