// SPDX-License-Identifier: Apache-2.0
// The backtest report's figures: what each chart plots from BacktestReportData, in which colours.
// Drawing is svg-chart.ts's job; this file only chooses series, axes and labels.
import type { Role } from '../../decision/types.js';
import type { BacktestReportData, LatencyDistribution, SystemName, SystemTimeline } from '../result.js';
import { escapeHtml } from './escape.js';
import { renderChart } from './svg-chart.js';
import type { ChartSeries, ChartSpec, LegendItem } from './svg-chart.js';

/** Fixed per system so a system has the same colour in every chart and every report (Okabe-Ito). */
export const systemColors: Readonly<Record<SystemName, string>> = {
  pdscaler: '#0072b2',
  'static-peak': '#e69f00',
  'hpa-queue': '#009e73',
  'dynamo-sla': '#cc79a7',
  heteroscale: '#d55e00',
  'blitzscale-bands': '#56b4e9',
  oracle: '#000000',
};
/** The offered load is the same for every system, so it gets a colour no system uses. */
const DEMAND_COLOR = '#6a3d9a';
const KEY_COLOR = '#666666';

interface TimeUnit {
  readonly divisor: number;
  readonly label: string;
}

/** Minutes or hours for long traces, so tick labels stay short. */
function timeUnit(data: BacktestReportData): TimeUnit {
  const durationS = data.summary.trace.durationS;
  if (durationS >= 6 * 3600) return { divisor: 3600, label: 'time since trace start (h)' };
  if (durationS >= 600) return { divisor: 60, label: 'time since trace start (min)' };
  return { divisor: 1, label: 'time since trace start (s)' };
}

const systemLegend = (names: readonly SystemName[]): LegendItem[] =>
  names.map((name) => ({ label: name, color: systemColors[name] }));

function figure(spec: ChartSpec, caption: string): string {
  return `<figure>${renderChart(spec)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function demandFigures(data: BacktestReportData, unit: TimeUnit): string[] {
  const xs = data.demand.tS.map((t) => t / unit.divisor);
  const chart = (name: string, what: string, ys: readonly number[]): string =>
    figure(
      {
        name,
        title: `Offered ${what} over time`,
        xLabel: unit.label,
        yLabel: what,
        step: true,
        xScale: 'linear',
        series: [{ xs, ys, color: DEMAND_COLOR }],
        legend: [{ label: `offered ${what}`, color: DEMAND_COLOR }],
      },
      `Offered load from the trace (the same for every system): ${what} per sample interval.`,
    );
  return [
    chart('load-requests', 'requests/s', data.demand.requestsPerS),
    chart('load-prompt-tokens', 'prompt tokens/s', data.demand.promptTokensPerS),
  ];
}

function replicaFigure(data: BacktestReportData, unit: TimeUnit, role: Role): string {
  const series = data.timelines.flatMap((t: SystemTimeline): ChartSeries[] => {
    const xs = t.tS.map((s) => s / unit.divisor);
    const color = systemColors[t.name];
    const { desired, ready } = t.replicas[role];
    return [
      { xs, ys: desired, color, dashed: true },
      { xs, ys: ready, color },
    ];
  });
  return figure(
    {
      name: `replicas-${role}`,
      title: `${role} replicas over time`,
      xLabel: unit.label,
      yLabel: `${role} replicas`,
      step: true,
      xScale: 'linear',
      integerY: true,
      series,
      legend: [
        ...systemLegend(data.timelines.map((t) => t.name)),
        { label: 'ready', color: KEY_COLOR },
        { label: 'desired', color: KEY_COLOR, dashed: true },
      ],
    },
    `${role}: desired replicas (dashed) and ready replicas (solid) per system.`,
  );
}

function decodeActiveFigure(data: BacktestReportData, unit: TimeUnit): string {
  return figure(
    {
      name: 'decode-active',
      title: 'Decode active requests over time',
      xLabel: unit.label,
      yLabel: 'decode requests (running + waiting)',
      step: true,
      xScale: 'linear',
      series: data.timelines.map((t) => ({
        xs: t.tS.map((s) => s / unit.divisor),
        ys: t.decodeActive,
        color: systemColors[t.name],
      })),
      legend: systemLegend(data.timelines.map((t) => t.name)),
    },
    'Requests in the decode role (running + waiting) per system: the decode demand each fleet saw.',
  );
}

/** `valuesMs[i]` is the i / (n - 1) quantile, so it plots directly as an empirical CDF. */
function cdf(values: readonly number[]): readonly number[] {
  return values.map((_, i) => (values.length > 1 ? i / (values.length - 1) : 1));
}

function latencyFigure(data: BacktestReportData, metric: 'ttft' | 'tpot'): string {
  const { slo } = data.summary;
  const sloMs = metric === 'ttft' ? slo.ttftMs : slo.tpotMs;
  const name = metric.toUpperCase();
  const valuesOf = (d: LatencyDistribution): readonly number[] => (metric === 'ttft' ? d.ttftMs : d.tpotMs);
  return figure(
    {
      name: `${metric}-cdf`,
      title: `${name} distribution per system`,
      xLabel: `${name} (ms, log scale)`,
      yLabel: 'fraction of requests',
      step: false,
      xScale: 'log',
      yMax: 1,
      series: data.latency.map((d) => ({
        xs: valuesOf(d),
        ys: cdf(valuesOf(d)),
        color: systemColors[d.name],
      })),
      legend: systemLegend(data.latency.map((d) => d.name)),
      referenceLines: [
        { axis: 'x', value: sloMs, label: `SLO ${sloMs} ms` },
        { axis: 'y', value: Number(slo.quantile.slice(1)) / 100, label: slo.quantile },
      ],
    },
    `${name} CDF per system over the whole trace: a system's ${slo.quantile} ${name} is within the SLO ` +
      `when its curve crosses the ${slo.quantile} line left of the ${sloMs} ms line.`,
  );
}

/** Every figure of the report, in reading order. */
export function reportFigures(data: BacktestReportData): string {
  const unit = timeUnit(data);
  return [
    ...demandFigures(data, unit),
    replicaFigure(data, unit, 'prefill'),
    replicaFigure(data, unit, 'decode'),
    decodeActiveFigure(data, unit),
    latencyFigure(data, 'ttft'),
    latencyFigure(data, 'tpot'),
  ].join('\n');
}
