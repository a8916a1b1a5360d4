// SPDX-License-Identifier: Apache-2.0
// A parsed Prometheus text exposition page (format 0.0.4, plus the OpenMetrics bits engines emit).

export const MetricTypes = [
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'info',
  'stateset',
  'gaugehistogram',
] as const;
export type MetricType = (typeof MetricTypes)[number];

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** The sample's own name, e.g. `vllm:e2e_request_latency_seconds_bucket`. */
  readonly name: string;
  readonly labels: Labels;
  /** May be NaN or +-Infinity: the page said so. */
  readonly value: number;
  readonly timestampMs: number | undefined;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string | undefined;
  readonly samples: readonly Sample[];
}

export interface ExpositionPage {
  /** Families by name, in page order; families declared with no samples are kept (empty). */
  readonly families: ReadonlyMap<string, MetricFamily>;
  readonly sampleCount: number;
}

export interface ExpositionError {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export type ExpositionResult =
  | { readonly ok: true; readonly page: ExpositionPage }
  | { readonly ok: false; readonly error: ExpositionError };
