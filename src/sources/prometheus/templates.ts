// SPDX-License-Identifier: Apache-2.0
// PromQL templates for the per-role signals of vLLM, SGLang and Dynamo, and their rendering with the
// role's namespace, RoleBasedGroup and role filled in as escaped label matchers.
//
// Selector model: label matchers. Prometheus' kubernetes_sd relabelling (`labelmap` on
// `__meta_kubernetes_pod_label_(.+)`) turns the RBG pod labels into Prometheus labels with every
// character outside [a-zA-Z0-9_] replaced by `_`, so `rbg.workloads.x-k8s.io/role-name` becomes
// `rbg_workloads_x_k8s_io_role_name` (docs/reference.md §A.4). The label names are configurable for
// setups that relabel differently, and a role can instead be selected by pod names (`pods`, e.g.
// from pod discovery) where only the `pod` label is kept, as with a default PodMonitor.
//
// Templates use placeholders: `<<selector>>` (the role's pods), `<<frontend>>` (the Dynamo frontend's
// pods), `<<window>>` (the rate window, e.g. `1m`) and `<<quantile>>` (e.g. `0.9`). Rendering is one
// pass, so a value filled in is never scanned for placeholders again, and every label value is a
// PromQL string literal with `\`, `"` and control characters escaped: a name cannot inject PromQL.
import type { Engine } from '../engines/pod-sample.js';
import { fail, ok } from './types.js';
import type { PromResult } from './types.js';

/** The serving engines whose metric names the templates know: the same set the adapters read. */
export { Engines, type Engine } from '../engines/pod-sample.js';

/** Per-role signals, named after the `RoleObservation` fields they fill. */
export const PromSignals = [
  'requestRatePerS',
  'inputTokensMean',
  'outputTokensMean',
  'ttftMs',
  'tpotMs',
  'waitingRequests',
  'runningRequests',
  'kvCacheUsage',
] as const;
export type PromSignal = (typeof PromSignals)[number];

/** The unit each signal's query must return (a template override must return the same unit). */
export const SignalUnits: Readonly<Record<PromSignal, string>> = {
  requestRatePerS: 'requests/s',
  inputTokensMean: 'tokens',
  outputTokensMean: 'tokens',
  ttftMs: 'ms',
  tpotMs: 'ms',
  waitingRequests: 'requests',
  runningRequests: 'requests',
  kvCacheUsage: 'fraction 0..1',
};

/** Prometheus label names for the RBG pod labels after kubernetes_sd `labelmap` relabelling. */
export const RbgLabelSchemes = {
  /** RBG v0.7+ (`rbg.workloads.x-k8s.io/group-name`, `rbg.workloads.x-k8s.io/role-name`). */
  current: { group: 'rbg_workloads_x_k8s_io_group_name', role: 'rbg_workloads_x_k8s_io_role_name' },
  /** RBG up to v0.6 (`rolebasedgroup.workloads.x-k8s.io/name`, `rolebasedgroup.workloads.x-k8s.io/role`). */
  legacy: { group: 'rolebasedgroup_workloads_x_k8s_io_name', role: 'rolebasedgroup_workloads_x_k8s_io_role' },
} as const;

export const MatchOps = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MatchOps)[number];

/** One PromQL label matcher; `value` is escaped when rendered (and is an RE2 regex for `=~`/`!~`). */
export interface LabelMatcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** Prometheus label names that identify a role's pods. */
export interface SelectorLabels {
  /** @default 'namespace' */
  readonly namespace?: string;
  /** @default RbgLabelSchemes.current.group */
  readonly group?: string;
  /** @default RbgLabelSchemes.current.role */
  readonly role?: string;
  /** Used with `pods`. @default 'pod' */
  readonly pod?: string;
}

/** What to query for one role. Policies fill this in; everything but the names has a default. */
export interface RoleQueryOptions {
  readonly namespace: string;
  /** The RoleBasedGroup name. */
  readonly rbg: string;
  /** The role name inside the RoleBasedGroup, e.g. `prefill`. */
  readonly role: string;
  /** Latency quantile, strictly between 0 and 1. @default 0.9 */
  readonly quantile?: number;
  /** Rate window in seconds (whole milliseconds), rendered as e.g. `1m`. @default 60 */
  readonly windowS?: number;
  readonly labels?: SelectorLabels;
  /** Select the role by these pod names (`pod=~"a|b"`) instead of the group and role labels. */
  readonly pods?: readonly string[];
  /** Matchers added to the role selector, e.g. `{ label: 'model_name', op: '=', value: 'llama' }`. */
  readonly extraMatchers?: readonly LabelMatcher[];
  /** Dynamo: role name of the frontend pods in the same RBG. @default 'frontend' */
  readonly frontendRole?: string;
  /** Dynamo: select the frontend by these pod names instead of group and role labels. */
  readonly frontendPods?: readonly string[];
  /** Matchers added to the frontend selector, e.g. `model="qwen/qwen3-0.6b"` (Dynamo lower-cases it). */
  readonly frontendMatchers?: readonly LabelMatcher[];
  /** Per-signal template overrides (same placeholders, same unit as `SignalUnits`). */
  readonly templates?: Readonly<Partial<Record<PromSignal, string>>>;
}

export const DEFAULT_QUANTILE = 0.9;
export const DEFAULT_WINDOW_S = 60;
export const DEFAULT_FRONTEND_ROLE = 'frontend';

type Templates = Readonly<Record<PromSignal, string>>;

const S = '{<<selector>>}';
const F = '{<<frontend>>}';
const W = '[<<window>>]';

function meanOf(sum: string, count: string, selector: string): string {
  return `sum(rate(${sum}${selector}${W})) / sum(rate(${count}${selector}${W}))`;
}

/** `1000 x` the quantile of the first histogram that exists (`or`: old names only where new ones are absent). */
function quantileMs(bucketMetrics: readonly string[], selector: string): string {
  const sums = bucketMetrics.map((m) => `sum by (le) (rate(${m}${selector}${W}))`);
  return `1000 * histogram_quantile(<<quantile>>, ${sums.join(' or ')})`;
}

// SGLang scheduler gauges repeat per TP/PP/EP rank: take one value per engine, then sum engines.
// `priority=""` keeps only the totals when priority scheduling adds per-priority series (and matches
// series without the label).
const sglangPerEngine = (metric: string): string =>
  `max without (tp_rank, pp_rank, moe_ep_rank) (${metric}{<<selector>>,priority=""})`;

/**
 * Default templates. vLLM sums over its `engine` (data-parallel) label and falls back to the names
 * renamed in 0.9/0.11; SGLang de-duplicates TP ranks; Dynamo reads request, length and latency signals
 * from the frontend (as its SLA planner does, reference §3.4) and load signals from the role's workers.
 */
export const DefaultTemplates: Readonly<Record<Engine, Templates>> = {
  vllm: {
    requestRatePerS: `sum(rate(vllm:request_success_total${S}${W}))`,
    inputTokensMean: meanOf('vllm:request_prompt_tokens_sum', 'vllm:request_prompt_tokens_count', S),
    outputTokensMean: meanOf('vllm:request_generation_tokens_sum', 'vllm:request_generation_tokens_count', S),
    ttftMs: quantileMs(['vllm:time_to_first_token_seconds_bucket'], S),
    tpotMs: quantileMs(
      ['vllm:inter_token_latency_seconds_bucket', 'vllm:time_per_output_token_seconds_bucket'],
      S,
    ),
    waitingRequests: `sum(vllm:num_requests_waiting${S})`,
    runningRequests: `sum(vllm:num_requests_running${S})`,
    kvCacheUsage: `avg(vllm:kv_cache_usage_perc${S}) or avg(vllm:gpu_cache_usage_perc${S})`,
  },
  sglang: {
    requestRatePerS: `sum(rate(sglang:num_requests_total${S}${W}))`,
    inputTokensMean: meanOf('sglang:prompt_tokens_total', 'sglang:num_requests_total', S),
    outputTokensMean: meanOf('sglang:generation_tokens_total', 'sglang:num_requests_total', S),
    ttftMs: quantileMs(['sglang:time_to_first_token_seconds_bucket'], S),
    tpotMs: quantileMs(
      ['sglang:inter_token_latency_seconds_bucket', 'sglang:time_per_output_token_seconds_bucket'],
      S,
    ),
    waitingRequests: `sum(${sglangPerEngine('sglang:num_queue_reqs')})`,
    runningRequests: `sum(${sglangPerEngine('sglang:num_running_reqs')})`,
    kvCacheUsage: `avg(${sglangPerEngine('sglang:token_usage')})`,
  },
  dynamo: {
    requestRatePerS: `sum(rate(dynamo_frontend_requests_total${F}${W}))`,
    inputTokensMean: meanOf(
      'dynamo_frontend_input_sequence_tokens_sum',
      'dynamo_frontend_input_sequence_tokens_count',
      F,
    ),
    outputTokensMean: meanOf(
      'dynamo_frontend_output_sequence_tokens_sum',
      'dynamo_frontend_output_sequence_tokens_count',
      F,
    ),
    ttftMs: quantileMs(['dynamo_frontend_time_to_first_token_seconds_bucket'], F),
    tpotMs: quantileMs(['dynamo_frontend_inter_token_latency_seconds_bucket'], F),
    waitingRequests: `sum(dynamo_frontend_queued_requests${F})`,
    runningRequests: `sum(dynamo_component_inflight_requests{<<selector>>,dynamo_endpoint="generate"})`,
    kvCacheUsage:
      `avg(dynamo_component_gpu_cache_usage_percent${S})` +
      ` or avg(dynamo_component_kvstats_gpu_cache_usage_percent${S})`,
  },
};

/**
 * A PromQL double-quoted string literal holding exactly `value`. Escapes `\`, `"` and every control
 * character (newline as `\n`), so no value can end the literal. E.g. `a"} or vector(1) #` becomes
 * `"a\"} or vector(1) #"`.
 */
export function promqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Escapes RE2 metacharacters so `value` matches itself literally inside a `=~` matcher. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Renders matchers as `a="x",b=~"y"`; label names must already be valid Prometheus label names. */
export function renderMatchers(matchers: readonly LabelMatcher[]): string {
  return matchers.map((m) => `${m.label}${m.op}${promqlString(m.value)}`).join(',');
}

/** Formats a window in seconds as a PromQL duration in its largest exact unit: 60 -> `1m`, 90 -> `90s`. */
export function formatWindow(windowS: number): string {
  const ms = Math.round(windowS * 1000);
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The rendered query for every signal of one role, or `PROM_BAD_QUERY` listing every problem. */
export function renderRoleQueries(
  engine: Engine,
  options: RoleQueryOptions,
): PromResult<Readonly<Record<PromSignal, string>>> {
  const issues: string[] = [];
  const quantile = options.quantile ?? DEFAULT_QUANTILE;
  const windowS = options.windowS ?? DEFAULT_WINDOW_S;
  if (!(quantile > 0 && quantile < 1)) issues.push(`quantile ${quantile} must be strictly between 0 and 1`);
  if (!isWholeMs(windowS)) issues.push(`windowS ${windowS} must be a positive number of seconds in whole ms`);
  const frontendIssues: string[] = [];
  const values: Readonly<Record<Placeholder, string>> = {
    selector: roleSelector(options, issues),
    frontend: frontendSelector(options, frontendIssues),
    window: formatWindow(windowS),
    quantile: String(quantile),
  };
  const used = new Set<Placeholder>();
  const queries = {} as Record<PromSignal, string>;
  for (const signal of PromSignals) {
    const template = options.templates?.[signal] ?? DefaultTemplates[engine][signal];
    queries[signal] = fillTemplate({ signal, template, values, issues, used });
  }
  // The frontend selector only matters to templates that use it (Dynamo's).
  if (used.has('frontend')) issues.push(...frontendIssues);
  if (issues.length > 0) return fail('PROM_BAD_QUERY', [...new Set(issues)].join('; '));
  return ok(queries);
}

/** Problems with a template override (unknown placeholder, no selector), for validation at load. */
export function templateIssues(signal: PromSignal, template: string): readonly string[] {
  const issues: string[] = [];
  const values = { selector: '', frontend: '', window: '', quantile: '' };
  fillTemplate({ signal, template, values, issues, used: new Set() });
  return issues;
}

const Placeholders = ['selector', 'frontend', 'window', 'quantile'] as const;
type Placeholder = (typeof Placeholders)[number];

function isPlaceholder(name: string): name is Placeholder {
  return (Placeholders as readonly string[]).includes(name);
}

function isWholeMs(windowS: number): boolean {
  const ms = windowS * 1000;
  return Number.isFinite(ms) && ms >= 1 && Math.abs(ms - Math.round(ms)) < 1e-6;
}

function fillTemplate(args: {
  readonly signal: PromSignal;
  readonly template: string;
  readonly values: Readonly<Record<Placeholder, string>>;
  readonly issues: string[];
  readonly used: Set<Placeholder>;
}): string {
  const { signal, template, values, issues, used } = args;
  if (!template.includes('<<selector>>') && !template.includes('<<frontend>>')) {
    issues.push(`template for ${signal} uses neither <<selector>> nor <<frontend>>: it would read every pod`);
  }
  // One pass over the template: a filled-in value is never scanned for placeholders.
  return template.replace(/<<([^<>]*)>>/g, (whole, name: string) => {
    if (isPlaceholder(name)) {
      used.add(name);
      return values[name];
    }
    issues.push(`template for ${signal} has unknown placeholder ${whole}`);
    return whole;
  });
}

function checkLabelName(name: string, what: string, issues: string[]): void {
  if (labelNamePattern.test(name)) return;
  const hint = name.replace(/[^a-zA-Z0-9_]/g, '_');
  issues.push(
    `${what} label name ${JSON.stringify(name)} is not a Prometheus label name` +
      ` (kubernetes_sd relabelling would expose it as ${JSON.stringify(hint)})`,
  );
}

function checkMatchers(matchers: readonly LabelMatcher[], what: string, issues: string[]): void {
  for (const m of matchers) {
    checkLabelName(m.label, `${what} matcher`, issues);
    if (!(MatchOps as readonly string[]).includes(m.op)) {
      issues.push(`${what} matcher op ${JSON.stringify(m.op)} must be one of ${MatchOps.join(' ')}`);
    }
  }
}

// `label=""` matches every series without that label, so an empty name must never reach PromQL.
function exactMatcher(label: string, value: string, what: string, issues: string[]): LabelMatcher {
  if (value === '') issues.push(`${what} is empty`);
  return { label, op: '=', value };
}

function podMatcher(label: string, pods: readonly string[], what: string, issues: string[]): LabelMatcher {
  if (pods.length === 0 || pods.includes('')) issues.push(`${what} pod list is empty or has an empty name`);
  return { label, op: '=~', value: pods.map(escapeRegex).join('|') };
}

function labelNames(options: RoleQueryOptions, issues: string[]): Required<SelectorLabels> {
  const names = {
    namespace: options.labels?.namespace ?? 'namespace',
    group: options.labels?.group ?? RbgLabelSchemes.current.group,
    role: options.labels?.role ?? RbgLabelSchemes.current.role,
    pod: options.labels?.pod ?? 'pod',
  };
  for (const [what, name] of Object.entries(names)) checkLabelName(name, what, issues);
  return names;
}

function podsOrGroup(args: {
  readonly options: RoleQueryOptions;
  readonly what: 'role' | 'frontend';
  readonly roleName: string;
  readonly pods: readonly string[] | undefined;
  readonly issues: string[];
}): LabelMatcher[] {
  const { options, what, roleName, pods, issues } = args;
  const names = labelNames(options, what === 'role' ? issues : []);
  const namespace = exactMatcher(names.namespace, options.namespace, 'namespace', issues);
  if (pods !== undefined) return [namespace, podMatcher(names.pod, pods, what, issues)];
  return [
    namespace,
    exactMatcher(names.group, options.rbg, 'rbg', issues),
    exactMatcher(names.role, roleName, what === 'role' ? 'role' : 'frontendRole', issues),
  ];
}

function roleSelector(options: RoleQueryOptions, issues: string[]): string {
  const { role, pods } = options;
  const matchers = podsOrGroup({ options, what: 'role', roleName: role, pods, issues });
  const extra = options.extraMatchers ?? [];
  checkMatchers(extra, 'extra', issues);
  return renderMatchers([...matchers, ...extra]);
}

function frontendSelector(options: RoleQueryOptions, issues: string[]): string {
  const roleName = options.frontendRole ?? DEFAULT_FRONTEND_ROLE;
  const pods = options.frontendPods;
  const matchers = podsOrGroup({ options, what: 'frontend', roleName, pods, issues });
  const extra = options.frontendMatchers ?? [];
  checkMatchers(extra, 'frontend', issues);
  return renderMatchers([...matchers, ...extra]);
}

/**
 * Gateway signals of one InferencePool from the endpoint picker's metrics (docs/reference.md §E
 * §1.3-§1.5). Each query tries the current `llm_d_epp_*` name and falls back to the older twin with
 * `or`: `sum()` of an absent metric is an empty vector, so during dual emission only the new name is
 * counted and with flow control off the result is empty (unknown), never 0.
 */
export const GatewaySignals = [
  'queuedRequests',
  'shedPerS',
  'noEndpointShedPerS',
  'readyEndpoints',
  'queueDurationP90S',
  'saturationPrefill',
  'saturationDecode',
  'saturationEffective',
] as const;
export type GatewaySignal = (typeof GatewaySignals)[number];

export interface GatewayQueryOptions {
  readonly pool: string;
  /** Only this `target_model_name`; undefined counts every model of the pool. */
  readonly model: string | undefined;
  /** Rate window in seconds. */
  readonly windowS: number;
}

/** Shed outcomes of `flow_control_requests_total` (§1.3): capacity or endpoints missing. */
const shedOutcomes = 'RejectedCapacity|RejectedNoEndpoints|EvictedTTL|EvictedNoEndpoints';
const noEndpointOutcomes = 'RejectedNoEndpoints|EvictedNoEndpoints';

/** The rendered gateway queries for one pool. Queues sum over EPP replicas (Active-Active, §1.2). */
export function renderGatewayQueries(options: GatewayQueryOptions): Readonly<Record<GatewaySignal, string>> {
  const pool = `inference_pool=${promqlString(options.pool)}`;
  const queue =
    options.model === undefined ? pool : `${pool},target_model_name=${promqlString(options.model)}`;
  const window = formatWindow(options.windowS);
  const outcomes = (regex: string): string =>
    `sum(rate(llm_d_epp_flow_control_requests_total{${pool},outcome=~"${regex}"}[${window}]))`;
  const name = `name=${promqlString(options.pool)}`;
  return {
    queuedRequests: `sum(llm_d_epp_flow_control_queue_size{${queue}}) or sum(inference_extension_flow_control_queue_size{${queue}})`,
    shedPerS: outcomes(shedOutcomes),
    noEndpointShedPerS: outcomes(noEndpointOutcomes),
    // Every EPP replica reports the same pool, so the replicas' gauges are not added up.
    readyEndpoints: `max(llm_d_epp_ready_endpoints{${name}}) or max(inference_pool_ready_pods{${name}})`,
    // p90 wait in the flow-control queues over the window, merged over replicas by bucket (§1.5).
    queueDurationP90S:
      `histogram_quantile(0.9, sum by (le) (rate(llm_d_epp_flow_control_request_queue_duration_seconds_bucket{${queue}}[${window}])))` +
      ` or histogram_quantile(0.9, sum by (le) (rate(inference_extension_flow_control_request_queue_duration_seconds_bucket{${queue}}[${window}])))`,
    // Per-stage saturation exists in llm-d-router main only; v1.5's unlabelled gauge is the effective one.
    // The worst replica counts (saturation is a ratio, not additive).
    saturationPrefill: `max(llm_d_epp_flow_control_pool_saturation{${pool},stage="prefill"})`,
    saturationDecode: `max(llm_d_epp_flow_control_pool_saturation{${pool},stage="decode"})`,
    saturationEffective:
      `max(llm_d_epp_flow_control_pool_saturation{${pool},stage="effective"})` +
      ` or max(inference_extension_flow_control_pool_saturation{${pool}})`,
  };
}
