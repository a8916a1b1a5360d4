// SPDX-License-Identifier: Apache-2.0
// The alerts and the Grafana dashboard in deploy/observability/ query only what pdscaler exports: metric
// names from `new SelfMetrics().registry` (histograms add _bucket, _sum and _count), labels those metrics
// carry (plus the target labels Prometheus adds), and `rule` values the decider can produce.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BoundRules } from '../../src/decision/types.js';
import { Histogram } from 'prom-client';
import { SelfMetrics } from '../../src/serving/self-metrics.js';
import { queryReferences, type QueryReferences } from './promql.js';
import { readManifests, repoRoot } from './render.js';

interface Exported {
  readonly labels: ReadonlySet<string>;
  readonly help: string;
}

/** Every series name the registry exposes, with the labels it carries. */
function exportedSeries(): ReadonlyMap<string, Exported> {
  const series = new Map<string, Exported>();
  for (const metric of new SelfMetrics().registry.getMetricsAsArray()) {
    const labelNames = (metric as unknown as { labelNames?: string[] }).labelNames ?? [];
    const entry = { labels: new Set(labelNames), help: metric.help };
    series.set(metric.name, entry);
    if (metric instanceof Histogram) {
      series.set(`${metric.name}_bucket`, { ...entry, labels: new Set([...labelNames, 'le']) });
      series.set(`${metric.name}_sum`, entry);
      series.set(`${metric.name}_count`, entry);
    }
  }
  return series;
}

/** Labels Prometheus attaches to every scraped series through the ServiceMonitor. */
const targetLabels = new Set(['namespace', 'pod', 'service', 'endpoint', 'instance', 'job', 'container']);
const promqlFunctions = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'rate',
  'increase',
  'histogram_quantile',
  'absent',
]);
const exported = exportedSeries();

interface Query {
  readonly where: string;
  readonly expr: string;
}

interface RuleGroup {
  readonly name: string;
  readonly rules: readonly { alert: string; expr: string; for?: string }[];
}

const alertRules = readManifests('deploy/observability/prometheus-rule.yaml').flatMap((o) =>
  (o.spec as { groups: RuleGroup[] }).groups.flatMap((g) => g.rules),
);
const dashboard = JSON.parse(
  readFileSync(`${repoRoot}deploy/observability/grafana-dashboard.json`, 'utf8'),
) as {
  panels: { id: number; title: string; targets: { expr: string; refId: string }[] }[];
  templating: { list: { name: string; query?: unknown }[] };
};
const queries: readonly Query[] = [
  ...alertRules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ...dashboard.panels.flatMap((p) =>
    p.targets.map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })),
  ),
];

/** The choices a label value may take, from the help text's parenthesised list (`by outcome (a, b, c)`). */
function helpChoices(help: string): string[] {
  return (/\(([^)]*)\)\.?$/.exec(help)?.[1] ?? '').split(',').map((s) => s.trim());
}

/** What a matcher value may be for labels with a closed set of values; undefined when open. */
function allowedValues(metric: string, label: string): readonly string[] | undefined {
  if (label === 'rule') return BoundRules;
  if (label === 'outcome') return helpChoices(exported.get(metric)?.help ?? '');
  return undefined;
}

function problems(refs: QueryReferences): string[] {
  const found: string[] = [];
  for (const selector of refs.selectors) {
    const series = exported.get(selector.metric);
    if (series === undefined) {
      found.push(`${selector.metric} is not exported`);
      continue;
    }
    for (const m of selector.matchers) {
      if (!series.labels.has(m.label) && !targetLabels.has(m.label))
        found.push(`${selector.metric} has no label ${m.label}`);
      const allowed = allowedValues(selector.metric, m.label);
      const values = m.op.endsWith('~') ? m.value.split('|') : [m.value];
      if (allowed !== undefined)
        found.push(
          ...values.filter((v) => !allowed.includes(v)).map((v) => `${m.label}="${v}" never happens`),
        );
    }
  }
  const labels = new Set([
    ...targetLabels,
    ...refs.selectors.flatMap((s) => [...(exported.get(s.metric)?.labels ?? [])]),
  ]);
  found.push(
    ...refs.groupingLabels
      .filter((l) => !labels.has(l))
      .map((l) => `grouping by ${l}, which no selected metric has`),
  );
  found.push(...refs.functions.filter((f) => !promqlFunctions.has(f)).map((f) => `unexpected function ${f}`));
  return found;
}

describe('deploy/observability queries', () => {
  it('reads the registry: counters, gauges and histogram series', () => {
    expect(exported.has('pdscaler_decisions_total')).toBe(true);
    expect(exported.get('pdscaler_tick_duration_seconds_bucket')?.labels.has('le')).toBe(true);
  });

  it.each(queries)('$where selects only exported pdscaler metrics, labels and values', ({ expr }) => {
    const refs = queryReferences(expr);
    expect(refs.selectors.length).toBeGreaterThan(0);
    expect(problems(refs)).toEqual([]);
  });

  it.each([
    ['an unknown metric', 'rate(pdscaler_decisions[5m])', 'pdscaler_decisions is not exported'],
    ['a foreign metric', 'up{job="pdscaler"} == 0', 'up is not exported'],
    ['a label the metric lacks', 'pdscaler_leader{role="decode"}', 'pdscaler_leader has no label role'],
    [
      'a rule the decider never reports',
      'pdscaler_decisions_total{rule=~"slo-breach|slo"}',
      'rule="slo" never happens',
    ],
    [
      'an outcome never written',
      'pdscaler_scale_writes_total{outcome="error"}',
      'outcome="error" never happens',
    ],
    ['grouping by a missing label', 'sum by (method) (pdscaler_leader)', 'grouping by method'],
  ])('flags %s', (_what, expr, problem) => {
    expect(problems(queryReferences(expr)).join('\n')).toContain(problem);
  });
});

describe('alerts', () => {
  it('cover a breached SLO, stale metrics, the GPU budget, a missing leader and tick deadline overruns', () => {
    const covered = (fragment: string) => alertRules.some((r) => r.expr.includes(fragment));
    expect(covered('rule="slo-breach"')).toBe(true);
    expect(covered('rule=~"stale-metrics|missing-metrics"')).toBe(true);
    expect(covered('rule="gpu-budget"')).toBe(true);
    expect(covered('max by (namespace) (pdscaler_leader) == 0')).toBe(true);
    expect(covered('pdscaler_tick_deadline_exceeded_total')).toBe(true);
  });

  it('wait before firing and say what to check', () => {
    const incomplete = alertRules.filter(
      (r) =>
        r.for === undefined ||
        !('annotations' in r) ||
        !('severity' in ((r as { labels?: object }).labels ?? {})),
    );
    expect(incomplete.map((r) => r.alert)).toEqual([]);
  });
});

describe('the Grafana dashboard', () => {
  it('has unique panel ids and a Prometheus data source variable every panel uses', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((v) => v.name)).toContain('datasource');
    expect(JSON.stringify(dashboard.panels)).not.toMatch(/"uid":"(?!\$\{datasource\})/);
  });

  it('shows every metric pdscaler exports', () => {
    const shown = new Set(
      queries
        .filter((q) => q.where.startsWith('panel'))
        .flatMap((q) => queryReferences(q.expr).selectors.map((s) => s.metric)),
    );
    const metrics = new SelfMetrics().registry.getMetricsAsArray().map((m) => m.name);
    expect(metrics.filter((name) => ![...shown].some((s) => s === name || s.startsWith(`${name}_`)))).toEqual(
      [],
    );
  });
});
