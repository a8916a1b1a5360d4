// SPDX-License-Identifier: Apache-2.0
// PromQL templates: the default queries per engine, the selector model, escaping of names (no PromQL
// injection), parameter validation and per-signal overrides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DefaultTemplates,
  Engines,
  PromSignals,
  RbgLabelSchemes,
  escapeRegex,
  formatWindow,
  promqlString,
  renderRoleQueries,
  templateIssues,
} from '../../../src/sources/prometheus/templates.js';
import type { Engine, PromSignal, RoleQueryOptions } from '../../../src/sources/prometheus/templates.js';

const role: RoleQueryOptions = { namespace: 'serving', rbg: 'llama', role: 'prefill' };
const sel =
  'namespace="serving",rbg_workloads_x_k8s_io_group_name="llama",rbg_workloads_x_k8s_io_role_name="prefill"';

function render(engine: Engine, options: RoleQueryOptions): Readonly<Record<PromSignal, string>> {
  const result = renderRoleQueries(engine, options);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function renderError(engine: Engine, options: RoleQueryOptions): string {
  const result = renderRoleQueries(engine, options);
  if (result.ok) throw new Error('expected PROM_BAD_QUERY');
  expect(result.error.code).toBe('PROM_BAD_QUERY');
  return result.error.message;
}

describe('default templates', () => {
  it('renders the vLLM queries for one role with label matchers', () => {
    expect(render('vllm', role)).toEqual({
      requestRatePerS: `sum(rate(vllm:request_success_total{${sel}}[1m]))`,
      inputTokensMean:
        `sum(rate(vllm:request_prompt_tokens_sum{${sel}}[1m]))` +
        ` / sum(rate(vllm:request_prompt_tokens_count{${sel}}[1m]))`,
      outputTokensMean:
        `sum(rate(vllm:request_generation_tokens_sum{${sel}}[1m]))` +
        ` / sum(rate(vllm:request_generation_tokens_count{${sel}}[1m]))`,
      ttftMs: `1000 * histogram_quantile(0.9, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${sel}}[1m])))`,
      tpotMs:
        `1000 * histogram_quantile(0.9, sum by (le) (rate(vllm:inter_token_latency_seconds_bucket{${sel}}[1m]))` +
        ` or sum by (le) (rate(vllm:time_per_output_token_seconds_bucket{${sel}}[1m])))`,
      waitingRequests: `sum(vllm:num_requests_waiting{${sel}})`,
      runningRequests: `sum(vllm:num_requests_running{${sel}})`,
      kvCacheUsage: `avg(vllm:kv_cache_usage_perc{${sel}}) or avg(vllm:gpu_cache_usage_perc{${sel}})`,
    });
  });

  it('de-duplicates SGLang TP ranks and keeps priority totals only', () => {
    const q = render('sglang', { ...role, role: 'decode', quantile: 0.5, windowS: 30 });
    const decode = sel.replace('"prefill"', '"decode"');
    expect(q.waitingRequests).toBe(
      `sum(max without (tp_rank, pp_rank, moe_ep_rank) (sglang:num_queue_reqs{${decode},priority=""}))`,
    );
    expect(q.tpotMs).toBe(
      `1000 * histogram_quantile(0.5, sum by (le) (rate(sglang:inter_token_latency_seconds_bucket{${decode}}[30s]))` +
        ` or sum by (le) (rate(sglang:time_per_output_token_seconds_bucket{${decode}}[30s])))`,
    );
  });

  it('reads Dynamo request signals from the frontend role and load signals from the role', () => {
    const q = render('dynamo', {
      ...role,
      frontendMatchers: [{ label: 'model', op: '=', value: 'qwen/qwen3-0.6b' }],
    });
    const frontend = `${sel.replace('"prefill"', '"frontend"')},model="qwen/qwen3-0.6b"`;
    expect(q.requestRatePerS).toBe(`sum(rate(dynamo_frontend_requests_total{${frontend}}[1m]))`);
    expect(q.ttftMs).toBe(
      `1000 * histogram_quantile(0.9, sum by (le) (rate(dynamo_frontend_time_to_first_token_seconds_bucket{${frontend}}[1m])))`,
    );
    expect(q.runningRequests).toBe(
      `sum(dynamo_component_inflight_requests{${sel},dynamo_endpoint="generate"})`,
    );
    expect(render('dynamo', { ...role, frontendRole: 'router' }).waitingRequests).toBe(
      `sum(dynamo_frontend_queued_requests{${sel.replace('"prefill"', '"router"')}})`,
    );
  });

  it.each(Engines)('%s: every signal is scoped by a selector and fully rendered', (engine) => {
    const q = render(engine, role);
    for (const signal of PromSignals) {
      expect(q[signal]).not.toMatch(/<<|>>/);
      expect(q[signal]).toContain('namespace="serving",rbg_workloads_x_k8s_io_group_name="llama"');
      expect(templateIssues(signal, DefaultTemplates[engine][signal])).toEqual([]);
    }
  });
});

describe('selector model', () => {
  it('uses the legacy RBG label names when configured', () => {
    const q = render('vllm', {
      ...role,
      labels: { ...RbgLabelSchemes.legacy, namespace: 'kubernetes_namespace' },
    });
    expect(q.waitingRequests).toBe(
      'sum(vllm:num_requests_waiting{kubernetes_namespace="serving",rolebasedgroup_workloads_x_k8s_io_name="llama",' +
        'rolebasedgroup_workloads_x_k8s_io_role="prefill"})',
    );
  });

  it('selects by pod names with regex metacharacters escaped', () => {
    const q = render('vllm', {
      ...role,
      pods: ['llama-prefill-0', 'odd.name+(1)'],
      labels: { pod: 'kubernetes_pod_name' },
    });
    expect(q.waitingRequests).toBe(
      'sum(vllm:num_requests_waiting{namespace="serving",kubernetes_pod_name=~"llama-prefill-0|odd\\\\.name\\\\+\\\\(1\\\\)"})',
    );
  });

  it('adds extra matchers, escaping their values', () => {
    const q = render('vllm', { ...role, extraMatchers: [{ label: 'model_name', op: '!=', value: 'x"y' }] });
    expect(q.runningRequests).toBe(`sum(vllm:num_requests_running{${sel},model_name!="x\\"y"})`);
  });
});

describe('escaping: names cannot inject PromQL', () => {
  it.each([
    { value: 'llama', want: '"llama"' },
    { value: 'a"} or vector(1) #', want: '"a\\"} or vector(1) #"' },
    { value: 'back\\slash', want: '"back\\\\slash"' },
    { value: 'two\nlines', want: '"two\\nlines"' },
    { value: 'cr\rtab\t', want: '"cr\\rtab\\t"' },
    { value: 'nul\u0000del\u007f', want: '"nul\\x00del\\x7f"' },
    { value: 'ünïcødé ✓', want: '"ünïcødé ✓"' },
  ])('promqlString($value)', ({ value, want }) => {
    expect(promqlString(value)).toBe(want);
  });

  it('renders the hostile name inside one string literal', () => {
    const q = render('vllm', { ...role, rbg: 'a"} or vector(1) #' });
    expect(q.waitingRequests).toBe(
      'sum(vllm:num_requests_waiting{namespace="serving",rbg_workloads_x_k8s_io_group_name="a\\"} or vector(1) #",' +
        'rbg_workloads_x_k8s_io_role_name="prefill"})',
    );
  });

  it('escapes RE2 metacharacters', () => {
    expect(escapeRegex('a.b|c*(d)[e]{f}^$?+\\')).toBe('a\\.b\\|c\\*\\(d\\)\\[e\\]\\{f\\}\\^\\$\\?\\+\\\\');
  });

  // PromQL string literals, and Go-style unquoting of the escapes promqlString emits.
  const literal = /"(?:[^"\\]|\\.)*"/g;
  const unquote = (text: string): string =>
    text
      .slice(1, -1)
      .replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) =>
        e.startsWith('x') && e.length === 3
          ? String.fromCharCode(parseInt(e.slice(1), 16))
          : (({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e),
      );
  const hostileName = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.constantFrom(
          '"',
          '\\',
          '\n',
          '\r',
          '}',
          '{',
          '"}',
          ' or vector(1)',
          '#',
          '<<selector>>',
          '\\"',
          '`',
        ),
      ),
    )
    .map((parts) => parts.join(''))
    .filter((s) => s !== '');

  it('keeps the query structure for any name and round-trips it (fast-check)', () => {
    const skeleton = (q: string) => q.replace(literal, '""');
    const reference = render('dynamo', role);
    fc.assert(
      fc.property(hostileName, hostileName, (rbg, roleName) => {
        const q = render('dynamo', { ...role, rbg, role: roleName });
        for (const signal of PromSignals) {
          expect(skeleton(q[signal])).toBe(skeleton(reference[signal]));
          const literals = q.runningRequests.match(literal) ?? [];
          expect(literals.map(unquote)).toEqual(['serving', rbg, roleName, 'generate']);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parameters and overrides', () => {
  it.each([
    { windowS: 60, want: '1m' },
    { windowS: 90, want: '90s' },
    { windowS: 7200, want: '2h' },
    { windowS: 0.25, want: '250ms' },
    { windowS: 300, want: '5m' },
  ])('formatWindow($windowS) = $want', ({ windowS, want }) => {
    expect(formatWindow(windowS)).toBe(want);
  });

  it.each([0, 1, -0.1, 1.5, NaN])('rejects quantile %s', (quantile) => {
    expect(renderError('vllm', { ...role, quantile })).toBe(
      `quantile ${quantile} must be strictly between 0 and 1`,
    );
  });

  it.each([0, -60, 0.0001, Infinity, NaN])('rejects windowS %s', (windowS) => {
    expect(renderError('vllm', { ...role, windowS })).toBe(
      `windowS ${windowS} must be a positive number of seconds in whole ms`,
    );
  });

  it('reports every problem at once', () => {
    expect(
      renderError('vllm', {
        namespace: '',
        rbg: 'llama',
        role: '',
        labels: { group: 'rbg.workloads.x-k8s.io/group-name' },
        extraMatchers: [{ label: 'model-name', op: '==' as '=', value: 'x' }],
      }),
    ).toBe(
      'group label name "rbg.workloads.x-k8s.io/group-name" is not a Prometheus label name' +
        ' (kubernetes_sd relabelling would expose it as "rbg_workloads_x_k8s_io_group_name"); namespace is empty;' +
        ' role is empty; extra matcher label name "model-name" is not a Prometheus label name' +
        ' (kubernetes_sd relabelling would expose it as "model_name"); extra matcher op "==" must be one of = != =~ !~',
    );
  });

  it('refuses an empty pod list (pod=~"" would match series without a pod label)', () => {
    expect(renderError('vllm', { ...role, pods: [] })).toBe('role pod list is empty or has an empty name');
  });

  it('checks the frontend selector only where a template uses it', () => {
    expect(renderRoleQueries('vllm', { ...role, frontendPods: [] }).ok).toBe(true);
    expect(renderError('dynamo', { ...role, frontendPods: [] })).toBe(
      'frontend pod list is empty or has an empty name',
    );
  });

  it('applies a per-signal override with the same placeholders', () => {
    const q = render('vllm', {
      ...role,
      windowS: 120,
      templates: {
        requestRatePerS: 'sum(rate(vllm:e2e_request_latency_seconds_count{<<selector>>}[<<window>>]))',
      },
    });
    expect(q.requestRatePerS).toBe(`sum(rate(vllm:e2e_request_latency_seconds_count{${sel}}[2m]))`);
    expect(q.waitingRequests).toBe(`sum(vllm:num_requests_waiting{${sel}})`);
  });

  it('rejects an override with an unknown placeholder or no selector', () => {
    expect(
      renderError('vllm', {
        ...role,
        templates: { ttftMs: 'x{<<selector>>,a="<<rbg>>"}', kvCacheUsage: 'avg(vllm:kv_cache_usage_perc)' },
      }),
    ).toBe(
      'template for ttftMs has unknown placeholder <<rbg>>; template for kvCacheUsage uses neither' +
        ' <<selector>> nor <<frontend>>: it would read every pod',
    );
    expect(templateIssues('ttftMs', 'up{<<selector>>}[<<Window>>]')).toEqual([
      'template for ttftMs has unknown placeholder <<Window>>',
    ]);
  });

  it('does not expand placeholders that arrive inside a value', () => {
    const q = render('vllm', { ...role, rbg: '<<quantile>>' });
    expect(q.waitingRequests).toContain('rbg_workloads_x_k8s_io_group_name="<<quantile>>"');
  });
});
