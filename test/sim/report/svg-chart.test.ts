// SPDX-License-Identifier: Apache-2.0
// The hand-written SVG chart builder: tick choice, compact step paths, gaps for missing values, and
// escaping of every label.
import { describe, expect, it } from 'vitest';
import { formatTick, renderChart } from '../../../src/sim/report/svg-chart.js';
import type { ChartSpec } from '../../../src/sim/report/svg-chart.js';

const base: ChartSpec = {
  name: 'test',
  title: 'Test chart',
  xLabel: 'x',
  yLabel: 'y',
  step: true,
  xScale: 'linear',
  series: [],
  legend: [],
};

const tickLabels = (svg: string, anchor: 'middle' | 'end'): string[] =>
  [...svg.matchAll(new RegExp(`text-anchor="${anchor}" stroke="none">([^<]+)<`, 'g'))].map((m) => m[1]!);
const paths = (svg: string): string[] => [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!);

describe('renderChart', () => {
  it('labels ticks briefly', () => {
    expect([0, 0.1 + 0.2, 2.5, 1500, 12_000, 2_500_000].map(formatTick)).toEqual([
      '0',
      '0.3',
      '2.5',
      '1500',
      '12k',
      '2.5M',
    ]);
  });

  it('puts y ticks at round numbers above the data, whole numbers only for integer axes', () => {
    const series = [{ xs: [0, 1], ys: [0.5, 1.8], color: '#000' }];
    expect(tickLabels(renderChart({ ...base, series }), 'end')).toEqual(['0', '0.5', '1', '1.5', '2']);
    expect(tickLabels(renderChart({ ...base, series, integerY: true }), 'end')).toEqual(['0', '1', '2']);
  });

  it('spans whole decades on a log axis, with 2x and 5x ticks when the span is narrow', () => {
    const narrow = renderChart({
      ...base,
      xScale: 'log',
      series: [{ xs: [30, 400], ys: [0, 1], color: '#000' }],
    });
    expect(tickLabels(narrow, 'middle')).toEqual(['10', '20', '50', '100', '200', '500', '1000']);
    const wide = renderChart({
      ...base,
      xScale: 'log',
      series: [{ xs: [3, 40_000], ys: [0, 1], color: '#000' }],
    });
    expect(tickLabels(wide, 'middle')).toEqual(['1', '10', '100', '1000', '10k', '100k']);
  });

  it('draws a step line only where the value changes, then runs on to the last x', () => {
    const svg = renderChart({
      ...base,
      series: [{ xs: [0, 1, 2, 3, 4], ys: [2, 2, 4, 4, 4], color: '#000' }],
    });
    expect(paths(svg)).toHaveLength(1);
    expect(paths(svg)[0]).toMatch(/^M[\d.]+ [\d.]+H[\d.]+V[\d.]+H[\d.]+$/);
  });

  it('breaks the line at a missing value instead of drawing it as 0', () => {
    const svg = renderChart({
      ...base,
      step: false,
      series: [{ xs: [0, 1, 2, 3, 4], ys: [1, 2, NaN, 2, 1], color: '#000' }],
    });
    expect(paths(svg)[0]!.match(/M/g)).toHaveLength(2);
  });

  it('escapes titles, labels and legend entries', () => {
    const svg = renderChart({
      ...base,
      title: 'a<b',
      xLabel: 'x&y',
      legend: [{ label: '<i>', color: '#000' }],
      referenceLines: [{ axis: 'x', value: 0.5, label: '"q"' }],
    });
    expect(svg).toContain('aria-label="a&lt;b"');
    expect(svg).toContain('<title>a&lt;b</title>');
    expect(svg).toContain('>x&amp;y</text>');
    expect(svg).toContain('>&lt;i&gt;</text>');
    expect(svg).toContain('>&quot;q&quot;</text>');
  });

  it('wraps a legend that does not fit on one row, and makes room for it', () => {
    const item = (i: number) => ({ label: `a rather long legend entry ${i}`, color: '#000' });
    const oneRow = renderChart({ ...base, legend: [item(1)] });
    const wrapped = renderChart({ ...base, legend: [1, 2, 3, 4].map(item) });
    const height = (svg: string): number => Number(/ height="([\d.]+)"/.exec(svg)![1]);
    expect(height(wrapped)).toBeGreaterThan(height(oneRow));
  });
});
