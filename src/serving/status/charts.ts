// SPDX-License-Identifier: Apache-2.0
// The status page's figures for one policy: what each live chart plots from the decision history and
// in which colours. Drawing is the backtest report's svg-chart.ts, reused as is.
import type { DecisionSpec, Role } from '../../decision/types.js';
import { escapeHtml } from '../../sim/report/escape.js';
import {
  renderChart,
  type ChartSeries,
  type ChartSpec,
  type LegendItem,
  type ReferenceLine,
} from '../../sim/report/svg-chart.js';
import { downsamplePeaks } from './downsample.js';
import type { HistorySample, RoleSample } from './history.js';

/** Okabe-Ito colours (as in the backtest report), fixed per meaning so every chart reads the same way. */
export const statusColors = {
  /** What pdscaler decided or measured: the report's pdscaler blue. */
  primary: '#0072b2',
  forecast: '#e69f00',
  ready: '#009e73',
  current: '#cc79a7',
} as const;

/** Points per series: about one per 4 px of plot, finer than the eye can use at 640 px wide. */
const MAX_POINTS = 140;

/** One policy's history, placed on a shared time axis. */
export interface PolicyChartData {
  /** Unique in the document among policies: prefixes the chart names (and so the SVG clip path ids). */
  readonly id: string;
  readonly spec: DecisionSpec;
  readonly samples: readonly HistorySample[];
  /** The latest decision's demand unit per role. */
  readonly demandUnits: Readonly<Record<Role, string>>;
}

interface TimeAxis {
  readonly xs: readonly number[];
  readonly label: string;
}

/**
 * Time before the newest decision (not before now, so a chart changes only when a decision is
 * published; the decision's age is in the text): seconds, or minutes once the history spans ten.
 */
function timeAxis(data: PolicyChartData): TimeAxis {
  const newest = data.samples.at(-1)?.atMs ?? 0;
  const minutes = newest - (data.samples[0]?.atMs ?? newest) >= 600_000;
  const divisor = minutes ? 60_000 : 1000;
  return {
    xs: data.samples.map((s) => (s.atMs - newest) / divisor),
    label: minutes ? 'minutes before the latest decision' : 'seconds before the latest decision',
  };
}

/** `undefined` becomes NaN, which svg-chart draws as a gap: unknown is not zero. */
const values = (ys: readonly (number | undefined)[]): number[] => ys.map((y) => y ?? Number.NaN);

function figure(spec: ChartSpec): string {
  return `<figure><figcaption>${escapeHtml(spec.title)}</figcaption>${renderChart(spec)}</figure>`;
}

interface ChartParts {
  readonly name: string;
  readonly title: string;
  readonly yLabel: string;
  readonly integerY: boolean;
  readonly series: readonly (ChartSeries & { readonly label: string; readonly dashed: boolean })[];
  readonly referenceLines: readonly ReferenceLine[];
}

function timeChart(data: PolicyChartData, axis: TimeAxis, parts: ChartParts): string {
  return figure({
    name: `${data.id}-${parts.name}`,
    title: parts.title,
    xLabel: axis.label,
    yLabel: parts.yLabel,
    step: true,
    xScale: 'linear',
    integerY: parts.integerY,
    series: parts.series.map(({ xs, ys, color, dashed }) => ({
      ...downsamplePeaks(xs, ys, MAX_POINTS),
      color,
      dashed,
    })),
    legend: parts.series.map(({ label, color, dashed }): LegendItem => ({ label, color, dashed })),
    referenceLines: parts.referenceLines,
  });
}

function roleSeries(
  data: PolicyChartData,
  role: Role,
  pick: (s: RoleSample) => number | undefined,
): number[] {
  return values(data.samples.map((s) => pick(s.roles[role])));
}

function demandChart(data: PolicyChartData, axis: TimeAxis, role: Role): string {
  const unit = data.demandUnits[role];
  return timeChart(data, axis, {
    name: `${role}-demand`,
    title: `${role} demand (${unit})`,
    yLabel: unit,
    integerY: false,
    series: [
      {
        label: 'measured',
        xs: axis.xs,
        ys: roleSeries(data, role, (s) => s.measuredDemand),
        color: statusColors.primary,
        dashed: false,
      },
      {
        label: 'forecast',
        xs: axis.xs,
        ys: roleSeries(data, role, (s) => s.forecastDemand),
        color: statusColors.forecast,
        dashed: true,
      },
    ],
    referenceLines: [],
  });
}

function replicaChart(data: PolicyChartData, axis: TimeAxis, role: Role): string {
  return timeChart(data, axis, {
    name: `${role}-replicas`,
    title: `${role} replicas: desired, ready and current`,
    yLabel: 'replicas',
    integerY: true,
    series: [
      {
        label: 'desired',
        xs: axis.xs,
        ys: roleSeries(data, role, (s) => s.desired),
        color: statusColors.primary,
        dashed: false,
      },
      {
        label: 'ready',
        xs: axis.xs,
        ys: roleSeries(data, role, (s) => s.ready),
        color: statusColors.ready,
        dashed: false,
      },
      {
        label: 'current',
        xs: axis.xs,
        ys: roleSeries(data, role, (s) => s.current),
        color: statusColors.current,
        dashed: true,
      },
    ],
    referenceLines: [],
  });
}

function latencyChart(data: PolicyChartData, axis: TimeAxis, role: Role): string {
  const { slo } = data.spec;
  const metric = role === 'prefill' ? 'TTFT' : 'TPOT';
  const sloMs = role === 'prefill' ? slo.ttftMs : slo.tpotMs;
  return timeChart(data, axis, {
    name: `${role}-latency`,
    title: `${role} ${metric} ${slo.quantile} against the SLO`,
    yLabel: `${metric} ${slo.quantile} (ms)`,
    integerY: false,
    series: [
      {
        label: `observed ${metric} ${slo.quantile}`,
        xs: axis.xs,
        ys: roleSeries(data, role, (s) => s.observedLatencyMs),
        color: statusColors.primary,
        dashed: false,
      },
    ],
    referenceLines: [{ axis: 'y', value: sloMs, label: `SLO ${sloMs} ms` }],
  });
}

function gpuChart(data: PolicyChartData, axis: TimeAxis): string {
  const { min, max } = data.spec.gpuBudget;
  const lines: ReferenceLine[] = [];
  if (max !== undefined) lines.push({ axis: 'y', value: max, label: `budget max ${max} GPUs` });
  if (min !== undefined) lines.push({ axis: 'y', value: min, label: `budget min ${min} GPUs` });
  return timeChart(data, axis, {
    name: 'gpus',
    title: max === undefined ? 'GPUs (no budget maximum)' : 'GPUs against the budget',
    yLabel: 'GPUs',
    integerY: true,
    series: [
      {
        label: 'in use',
        xs: axis.xs,
        ys: data.samples.map((s) => s.gpusInUse),
        color: statusColors.ready,
        dashed: false,
      },
      {
        label: 'desired',
        xs: axis.xs,
        ys: data.samples.map((s) => s.gpusDesired),
        color: statusColors.primary,
        dashed: true,
      },
    ],
    referenceLines: lines,
  });
}

function ratioChart(data: PolicyChartData, axis: TimeAxis): string {
  const band = data.spec.ratio;
  const basis = band?.basis ?? 'replicas';
  return timeChart(data, axis, {
    name: 'ratio',
    title: band === undefined ? 'P/D ratio (no band)' : `P/D ratio (${basis}) against its band`,
    yLabel: `prefill / decode (${basis})`,
    integerY: false,
    series: [
      {
        label: 'desired P/D',
        xs: axis.xs,
        ys: values(data.samples.map((s) => s.ratio)),
        color: statusColors.primary,
        dashed: false,
      },
    ],
    referenceLines:
      band === undefined
        ? []
        : [
            { axis: 'y', value: band.max, label: `band max ${band.max}` },
            { axis: 'y', value: band.min, label: `band min ${band.min}` },
          ],
  });
}

export interface PolicyFigures {
  /** Demand, replicas and latency against the SLO, per role. */
  readonly roles: Readonly<Record<Role, string>>;
  /** What binds both roles: GPUs against the budget, the P/D ratio against its band. */
  readonly joint: string;
}

/**
 * Every chart of one policy as `<figure>`s holding inline SVG. Joined with Array#join, which copies
 * into one flat string: a chart built by `+=` is a rope of thousands of pieces, and every later
 * concatenation of a cached rope would walk them all again (1.4 ms a poll for three policies).
 */
export function policyFigures(data: PolicyChartData): PolicyFigures {
  const axis = timeAxis(data);
  const role = (r: Role): string =>
    [demandChart(data, axis, r), replicaChart(data, axis, r), latencyChart(data, axis, r)].join('');
  return {
    roles: { prefill: role('prefill'), decode: role('decode') },
    joint: [gpuChart(data, axis), ratioChart(data, axis)].join(''),
  };
}
