// SPDX-License-Identifier: Apache-2.0
// A small SVG line/step chart builder for the backtest report: axes, ticks, a legend, dashed
// reference (SLO) lines and a log-scale x option for latency CDFs. Hand-written rather than a charting
// library because the report is one self-contained HTML file: it must open offline, with no scripts
// and no build step, so every chart has to be static SVG produced right here.
import { escapeHtml } from './escape.js';

export interface ChartSeries {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly color: string;
  readonly dashed?: boolean;
}

export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
}

/** A dashed reference line such as an SLO: vertical at x = value, or horizontal at y = value. */
export interface ReferenceLine {
  readonly axis: 'x' | 'y';
  readonly value: number;
  readonly label: string;
}

export interface ChartSpec {
  /** Unique in the document: it is the `data-chart` attribute and names the clip path. */
  readonly name: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Step lines hold each value until the next x (values sampled per interval); else straight lines. */
  readonly step: boolean;
  readonly xScale: 'linear' | 'log';
  /** A fixed top for the y axis (a CDF's 1); otherwise a round number at or above the data. */
  readonly yMax?: number;
  /** Ticks at whole numbers only: half a replica means nothing. */
  readonly integerY?: boolean;
  readonly series: readonly ChartSeries[];
  readonly legend: readonly LegendItem[];
  readonly referenceLines?: readonly ReferenceLine[];
}

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly log: boolean;
  readonly ticks: readonly number[];
}

interface Frame {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly x: Axis;
  readonly y: Axis;
}

interface Point {
  readonly x: number;
  readonly y: number;
}

const WIDTH = 640;
const PLOT_HEIGHT = 210;
const MARGIN = { left: 62, right: 14, bottom: 44 } as const;
const LEGEND_ROW = 18;
const FONT_SIZE = 12;
/** DejaVu Sans at 12 px averages about this many pixels per character; enough to wrap the legend. */
const CHAR_WIDTH = 7;
const REFERENCE_COLOR = '#b00020';

/** SVG coordinates to one decimal: finer detail is invisible and would only grow the file. */
const r = (v: number): string => String(Math.round(v * 10) / 10);

/** A short tick label: 12000 is "12k", 0.30000000000000004 is "0.3". */
export function formatTick(v: number): string {
  const trim = (n: number): string => String(Number(n.toFixed(2)));
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return m * power;
}

function ticksBetween(min: number, max: number, step: number): number[] {
  const ticks: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) {
    ticks.push(Number((i * step).toPrecision(12)));
  }
  return ticks;
}

/** By reduce, not Math.min(...values): a long latency distribution would overflow the call stack. */
function extent(values: readonly number[]): { min: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  return {
    min: values.reduce((a, b) => Math.min(a, b), Infinity),
    max: values.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}

function linearX(values: readonly number[]): Axis {
  const e = extent(values) ?? { min: 0, max: 1 };
  const max = e.max > e.min ? e.max : e.min + 1;
  return { min: e.min, max, log: false, ticks: ticksBetween(e.min, max, niceStep((max - e.min) / 6)) };
}

/** Decades; with two decades or fewer also 2x and 5x, so a narrow CDF still gets labels. */
function logX(values: readonly number[]): Axis {
  const e = extent(values.filter((v) => v > 0)) ?? { min: 1, max: 10 };
  const min = 10 ** Math.floor(Math.log10(e.min));
  const top = 10 ** Math.ceil(Math.log10(e.max));
  const max = top > min ? top : min * 10;
  const decades = Math.round(Math.log10(max / min));
  const multiples = decades <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let d = 0; d <= decades; d++) {
    const base = min * 10 ** d;
    ticks.push(...multiples.map((m) => Number((m * base).toPrecision(12))).filter((t) => t <= max));
  }
  return { min, max, log: true, ticks };
}

function linearY(values: readonly number[], spec: ChartSpec): Axis {
  const top = spec.yMax ?? Math.max(0, extent(values)?.max ?? 0);
  const raw = niceStep(top / 5);
  const step = spec.integerY === true ? Math.max(1, raw) : raw;
  const max = spec.yMax ?? Math.max(step, Math.ceil(top / step - 1e-9) * step);
  return { min: 0, max, log: false, ticks: ticksBetween(0, max, step) };
}

function finite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v));
}

function referenceValues(spec: ChartSpec, axis: 'x' | 'y'): number[] {
  return (spec.referenceLines ?? []).filter((l) => l.axis === axis).map((l) => l.value);
}

/** 0..1 along the axis; values outside (and <= 0 on a log axis) fall outside and are clipped. */
function fraction(axis: Axis, v: number): number {
  if (!axis.log) return (v - axis.min) / (axis.max - axis.min);
  const lo = Math.log10(axis.min);
  return ((v > 0 ? Math.log10(v) : lo - 1) - lo) / (Math.log10(axis.max) - lo);
}

const px = (f: Frame, x: number): number => f.left + fraction(f.x, x) * (f.right - f.left);
const py = (f: Frame, y: number): number => f.bottom - fraction(f.y, y) * (f.bottom - f.top);

interface PlacedLegendItem {
  readonly item: LegendItem;
  readonly x: number;
  readonly row: number;
}

/** Legend items left to right, wrapping to a new row when the next one would not fit. */
function placeLegend(items: readonly LegendItem[]): PlacedLegendItem[] {
  const placed: PlacedLegendItem[] = [];
  let x: number = MARGIN.left;
  let row = 0;
  for (const item of items) {
    const width = 28 + item.label.length * CHAR_WIDTH + 14;
    if (x + width > WIDTH - MARGIN.right && x > MARGIN.left) {
      row += 1;
      x = MARGIN.left;
    }
    placed.push({ item, x, row });
    x += width;
  }
  return placed;
}

function dash(dashed: boolean | undefined): string {
  return dashed === true ? ' stroke-dasharray="6 4"' : '';
}

function legendSvg(placed: readonly PlacedLegendItem[]): string {
  return placed
    .map(({ item, x, row }) => {
      const y = 14 + row * LEGEND_ROW;
      return (
        `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${item.color}" stroke-width="3"${dash(item.dashed)}/>` +
        `<text x="${x + 28}" y="${y}">${escapeHtml(item.label)}</text>`
      );
    })
    .join('');
}

function gridSvg(f: Frame): string {
  const xs = f.x.ticks.map((t) => {
    const x = r(px(f, t));
    return (
      `<line x1="${x}" y1="${r(f.top)}" x2="${x}" y2="${r(f.bottom)}"/>` +
      `<text x="${x}" y="${r(f.bottom + 16)}" text-anchor="middle" stroke="none">${formatTick(t)}</text>`
    );
  });
  const ys = f.y.ticks.map((t) => {
    const y = r(py(f, t));
    return (
      `<line x1="${r(f.left)}" y1="${y}" x2="${r(f.right)}" y2="${y}"/>` +
      `<text x="${r(f.left - 6)}" y="${r(py(f, t) + 4)}" text-anchor="end" stroke="none">${formatTick(t)}</text>`
    );
  });
  return `<g stroke="#e3e3e3" fill="#444">${[...xs, ...ys].join('')}</g>`;
}

function axisLabelsSvg(f: Frame, spec: ChartSpec): string {
  const midY = r((f.top + f.bottom) / 2);
  return (
    `<rect x="${r(f.left)}" y="${r(f.top)}" width="${r(f.right - f.left)}" height="${r(f.bottom - f.top)}" fill="none" stroke="#888"/>` +
    `<text x="${r((f.left + f.right) / 2)}" y="${r(f.bottom + 36)}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>` +
    `<text transform="rotate(-90)" x="-${midY}" y="14" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`
  );
}

/** Runs of finite points in pixels: a non-finite value breaks the line rather than drawing to 0. */
function runs(f: Frame, series: ChartSeries): Point[][] {
  const out: Point[][] = [];
  let current: Point[] = [];
  series.xs.forEach((x, i) => {
    const y = series.ys[i];
    if (y !== undefined && Number.isFinite(x) && Number.isFinite(y)) {
      current.push({ x: px(f, x), y: py(f, y) });
      return;
    }
    if (current.length > 0) out.push(current);
    current = [];
  });
  if (current.length > 0) out.push(current);
  return out;
}

/** Horizontal then vertical moves, emitted only where the value changes, which keeps long flat runs short. */
function stepPath([first, ...rest]: readonly Point[]): string {
  if (first === undefined) return '';
  let d = `M${r(first.x)} ${r(first.y)}`;
  let y = r(first.y);
  let drawnX = r(first.x);
  let lastX = drawnX;
  for (const p of rest) {
    lastX = r(p.x);
    if (r(p.y) === y) continue;
    y = r(p.y);
    d += `H${lastX}V${y}`;
    drawnX = lastX;
  }
  return drawnX === lastX ? d : `${d}H${lastX}`;
}

function linePath([first, ...rest]: readonly Point[]): string {
  if (first === undefined) return '';
  let d = `M${r(first.x)} ${r(first.y)}`;
  let previous = `${r(first.x)} ${r(first.y)}`;
  for (const p of rest) {
    const here = `${r(p.x)} ${r(p.y)}`;
    if (here !== previous) d += `L${here}`;
    previous = here;
  }
  return d;
}

const clipId = (spec: ChartSpec): string => escapeHtml(`clip-${spec.name}`);

function seriesSvg(f: Frame, spec: ChartSpec): string {
  const paths = spec.series.map((s) => {
    const d = runs(f, s)
      .map((run) => (spec.step ? stepPath(run) : linePath(run)))
      .join('');
    return `<path d="${d}" stroke="${s.color}"${dash(s.dashed)}/>`;
  });
  return (
    `<g clip-path="url(#${clipId(spec)})" fill="none" stroke-width="1.8" stroke-linejoin="round">` +
    `${paths.join('')}</g>`
  );
}

/** Labels go top-right of a vertical line and left above a horizontal one, so the two never collide. */
function referenceSvg(f: Frame, line: ReferenceLine): string {
  const label = escapeHtml(line.label);
  const stroke = `stroke="${REFERENCE_COLOR}" stroke-width="1.5" stroke-dasharray="5 4"`;
  // A white halo keeps the label readable where a curve runs through it.
  const text = `fill="${REFERENCE_COLOR}" stroke="#fff" stroke-width="3" paint-order="stroke"`;
  if (line.axis === 'x') {
    const x = r(px(f, line.value));
    return (
      `<line class="reference" x1="${x}" y1="${r(f.top)}" x2="${x}" y2="${r(f.bottom)}" ${stroke}/>` +
      `<text x="${r(px(f, line.value) + 4)}" y="${r(f.top + 14)}" ${text}>${label}</text>`
    );
  }
  const y = r(py(f, line.value));
  return (
    `<line class="reference" x1="${r(f.left)}" y1="${y}" x2="${r(f.right)}" y2="${y}" ${stroke}/>` +
    `<text x="${r(f.left + 4)}" y="${r(py(f, line.value) - 4)}" ${text}>${label}</text>`
  );
}

function frameFor(spec: ChartSpec, legendRows: number): Frame {
  const xs = [...spec.series.flatMap((s) => finite(s.xs)), ...referenceValues(spec, 'x')];
  const ys = [...spec.series.flatMap((s) => finite(s.ys)), ...referenceValues(spec, 'y')];
  const top = 12 + legendRows * LEGEND_ROW;
  return {
    left: MARGIN.left,
    right: WIDTH - MARGIN.right,
    top,
    bottom: top + PLOT_HEIGHT,
    x: spec.xScale === 'log' ? logX(xs) : linearX(xs),
    y: linearY(ys, spec),
  };
}

/** One chart as an inline `<svg class="chart">`, labelled for screen readers by its title. */
export function renderChart(spec: ChartSpec): string {
  const legend = placeLegend(spec.legend);
  const rows = legend.reduce((n, p) => Math.max(n, p.row + 1), 0);
  const f = frameFor(spec, rows);
  const height = f.bottom + MARGIN.bottom;
  const title = escapeHtml(spec.title);
  return (
    `<svg class="chart" data-chart="${escapeHtml(spec.name)}" role="img" aria-label="${title}"` +
    ` viewBox="0 0 ${WIDTH} ${r(height)}" width="${WIDTH}" height="${r(height)}"` +
    ` font-family="DejaVu Sans, system-ui, sans-serif" font-size="${FONT_SIZE}" fill="#222">` +
    `<title>${title}</title>` +
    `<defs><clipPath id="${clipId(spec)}"><rect x="${r(f.left)}" y="${r(f.top)}"` +
    ` width="${r(f.right - f.left)}" height="${r(f.bottom - f.top)}"/></clipPath></defs>` +
    gridSvg(f) +
    axisLabelsSvg(f, spec) +
    seriesSvg(f, spec) +
    (spec.referenceLines ?? []).map((line) => referenceSvg(f, line)).join('') +
    legendSvg(legend) +
    '</svg>'
  );
}
