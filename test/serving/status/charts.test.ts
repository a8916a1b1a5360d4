// SPDX-License-Identifier: Apache-2.0
// What the status charts plot from the history: gaps for unknowns, the time axis unit, thinning of
// long histories.
import { describe, expect, it } from 'vitest';
import { policyFigures, type PolicyChartData } from '../../../src/serving/status/charts.js';
import { DecisionHistory } from '../../../src/serving/status/history.js';
import { seconds, t0 } from '../../helpers/spec.js';
import { boundedSpec, PolicyTicker } from './published.js';

function chartData(count: number, stepS: number, ttftAt: (i: number) => number | undefined): PolicyChartData {
  const ticker = new PolicyTicker(boundedSpec());
  const history = new DecisionHistory({ maxPoints: 10_000, maxAgeMs: Infinity });
  for (let i = 0; i < count; i++) {
    const ttftMs = ttftAt(i);
    const load = { prefillLoad: 2 + (i % 3), decodeLoad: 3, ...(ttftMs === undefined ? {} : { ttftMs }) };
    const entry = ticker.tick(t0 + seconds(stepS * i), load);
    const decision = entry.decision!;
    // makeObservation has no "no TTFT" switch once the ticker defaults it, so clear it in the inputs.
    const prefill =
      ttftMs === undefined
        ? {
            ...decision.roles.prefill,
            inputs: { ...decision.roles.prefill.inputs, observedLatencyMs: undefined },
          }
        : decision.roles.prefill;
    history.record({ ...entry, decision: { ...decision, roles: { ...decision.roles, prefill } } });
  }
  return {
    id: 'p0',
    spec: boundedSpec(),
    samples: history.samples('default', 'chat'),
    demandUnits: { prefill: 'prompt tokens/s', decode: 'active conversations' },
  };
}

const svgOf = (html: string, name: string): string =>
  new RegExp(`<svg class="chart" data-chart="${name}"[\\s\\S]*?</svg>`).exec(html)![0];
const seriesPaths = (svg: string): string[] =>
  [...svg.matchAll(/<path d="([^"]*)" stroke=/g)].map((m) => m[1]!);

describe('status charts', () => {
  it('breaks the latency line where the latency is unknown instead of drawing it at 0', () => {
    const data = chartData(9, 15, (i) => (i >= 3 && i < 6 ? undefined : 300 + i));
    const [latency] = seriesPaths(svgOf(policyFigures(data).roles.prefill, 'p0-prefill-latency'));
    expect(latency!.match(/M/g)).toHaveLength(2);
  });

  it.each([
    { count: 30, stepS: 15, label: 'seconds before the latest decision', first: '-400' },
    { count: 60, stepS: 15, label: 'minutes before the latest decision', first: '-10' },
  ])('labels time as $label for $count ticks of $stepS s, ending at 0', ({ count, stepS, label, first }) => {
    const svg = svgOf(policyFigures(chartData(count, stepS, () => 300)).joint, 'p0-gpus');
    expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain(`>${first}</text>`);
    expect(svg).toMatch(/H626(V[\d.]+)?" stroke=/);
  });

  it('thins an hour of 5 s ticks to at most 141 points per line', () => {
    const data = chartData(720, 5, (i) => 200 + (i % 50));
    const [latency] = seriesPaths(svgOf(policyFigures(data).roles.prefill, 'p0-prefill-latency'));
    const points = latency!.match(/[MHV]/g)!.length;
    expect(points).toBeLessThanOrEqual(2 * 141);
    expect(points).toBeGreaterThan(100);
  });
});
