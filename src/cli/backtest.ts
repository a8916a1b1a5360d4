// SPDX-License-Identifier: Apache-2.0
// `pdscaler backtest --policy P --trace T [--transform ...] [--profile NAME] [--baselines LIST]
// [--cold-start S] [--json] [--report R.html]`: replay a trace through the simulated fleet with
// pdscaler and the baselines (docs/design.md contracts), print the comparison, optionally write the report.
// `pdscaler backtest --suite NAME [--workers N] [--report R.html] [--json] [--docs FILE]
// [--traces-dir DIR]`: run a named evaluation suite (src/sim/suite/) on worker threads, judge
// pdscaler against the suite's targets (src/sim/suite/targets.ts) and optionally rewrite the suite's sections of FILE.
import { isAbsolute, relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssue } from '../policy/issue.js';
import { parseDurationS } from '../policy/durations.js';
import { loadPolicyFile, packageRoot, readNamedProfile, type LoadOptions } from '../policy/load.js';
import { parseDocumentBytes, readDocumentBytes } from '../policy/read-document.js';
import { runBacktest } from '../sim/backtest.js';
import { dynamoFleetProfile } from '../sim/fleet/latency-model.js';
import { renderReportHtml } from '../sim/report/html.js';
import { SystemNames, type BacktestSummary, type SystemName, type SystemResult } from '../sim/result.js';
import { rewriteSections, sectionsProblem } from '../sim/suite/doc-markers.js';
import { evalSection, evalTargetsSection } from '../sim/suite/markdown.js';
import { suiteFraction, suiteLabel } from '../sim/suite/progress-label.js';
import { renderSuiteHtml } from '../sim/suite/report-html.js';
import { runSuite, SuiteError, type SuiteRun } from '../sim/suite/runner.js';
import { simParametersFor } from '../sim/suite/sim-parameters.js';
import { findSuite, suites } from '../sim/suite/suites.js';
import { formatSuiteText, suiteJson } from '../sim/suite/summary.js';
import { evaluateSuite } from '../sim/suite/targets.js';
import { resolveTracesDir } from '../sim/suite/traces-dir.js';
import type { Suite } from '../sim/suite/cases.js';
import { parseTransformSpec, readTransformedTrace, type TransformStep } from '../sim/trace/transform-spec.js';
import type { Trace } from '../sim/trace/types.js';
import type { ProfileData } from '../decision/profile-capacity.js';
import { Roles, type DecisionSpec, type Role } from '../decision/types.js';
import { ExitCode, type CliIo } from './io.js';

/**
 * A folder as a reader would type it in the report's commands: relative to the working directory when
 * it is inside it (`data/traces`), so a committed report names no machine's absolute path.
 */
function asTyped(dir: string): string {
  const inside = relative(process.cwd(), dir);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? dir : inside;
}
import { progressBar } from './progress.js';

export interface BacktestOptions extends LoadOptions {
  readonly policy?: string;
  readonly trace?: string;
  readonly transform?: readonly string[];
  readonly profile?: string;
  readonly baselines?: string;
  readonly coldStart?: string;
  readonly json?: boolean;
  readonly report?: string;
  readonly suite?: string;
  readonly workers?: string;
  readonly docs?: string;
  readonly tracesDir?: string;
}

/** The profile a policy without `spec.capacity.profile` is simulated on. */
const defaultProfile = 'dynamo-h200-llama3.1-8b-fp8';
const baselineNames = SystemNames.filter((n) => n !== 'pdscaler');

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** `--baselines all` (the default), `none`, or a comma list of baseline names; pdscaler always runs. */
export function parseBaselines(text: string | undefined): Parsed<SystemName[]> {
  if (text === undefined || text === 'all') return { ok: true, value: [...SystemNames] };
  if (text === 'none') return { ok: true, value: ['pdscaler'] };
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '' && n !== 'pdscaler');
  const unknown = names.filter((n) => !(baselineNames as readonly string[]).includes(n));
  if (unknown.length > 0)
    return {
      ok: false,
      message: `--baselines: unknown ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: all, none, ${baselineNames.join(', ')})`,
    };
  return { ok: true, value: SystemNames.filter((n) => n === 'pdscaler' || names.includes(n)) };
}

function durationS(text: string): number {
  try {
    return /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDurationS(text);
  } catch {
    return Number.NaN;
  }
}

const coldStartUsage = 'a duration from 0s to 1h (e.g. 120s or 2m), or per role: prefill=60s,decode=3m';

/** `--cold-start 120s` for both roles, or `prefill=60s,decode=3m` (a role left out keeps the default). */
export function parseColdStart(text: string | undefined): Parsed<Partial<Record<Role, number>> | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  const parts = text.includes('=') ? text.split(',').map((p) => p.trim().split('=')) : [['both', text]];
  const value: Partial<Record<Role, number>> = {};
  for (const [role, duration] of parts) {
    const seconds = durationS(duration ?? '');
    const roles: readonly Role[] = role === 'both' ? Roles : Roles.filter((r) => r === role);
    if (roles.length === 0 || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
      return { ok: false, message: `--cold-start ${JSON.stringify(text)}: ${coldStartUsage}` };
    for (const r of roles) value[r] = seconds;
  }
  return { ok: true, value };
}

function parseTransforms(texts: readonly string[]): Parsed<TransformStep[]> {
  const steps: TransformStep[] = [];
  for (const text of texts) {
    const parsed = parseTransformSpec(text);
    if (!parsed.ok) return { ok: false, message: parsed.message };
    steps.push(parsed.step);
  }
  return { ok: true, value: steps };
}

async function readTrace(path: string, steps: readonly TransformStep[]): Promise<Parsed<Trace>> {
  const read = await readTransformedTrace(path, steps);
  return read.ok ? { ok: true, value: read.trace } : read;
}

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** "12/45 (1 unrecovered)": mean and max seconds to recover over the trace's load steps. */
export function recoveryCell(r: SystemResult['timeToRecover']): string {
  if (r.loadSteps === 0) return 'no steps';
  const base = `${Math.round(r.meanS)}/${Math.round(r.maxS)}`;
  return r.unrecovered === 0 ? base : `${base} (${r.unrecovered} unrecovered)`;
}

/** The comparison as a plain table (the JSON has the same numbers). */
export function formatSummary(summary: BacktestSummary): string {
  const oracle = summary.results.find((r) => r.name === 'oracle')?.gpuHours;
  const header = [
    'system',
    'both SLOs',
    'TTFT',
    'TPOT',
    'GPU-h',
    'x oracle',
    'scale events',
    'dir. changes',
    'peak P/D',
    'goodput/GPU-h',
    'ratio dev.',
    'recover mean/max s',
  ];
  const rows = summary.results.map((r) => [
    r.name,
    percent(r.sloAttainment.both),
    percent(r.sloAttainment.ttft),
    percent(r.sloAttainment.tpot),
    r.gpuHours.toFixed(2),
    oracle === undefined || oracle <= 0 ? '-' : `${(r.gpuHours / oracle).toFixed(2)}x`,
    String(r.scaleEvents),
    String(r.directionChanges),
    `${r.peakReplicas.prefill}/${r.peakReplicas.decode}`,
    Math.round(r.goodputPerGpuHour).toString(),
    r.ratioDeviation.toFixed(2),
    recoveryCell(r.timeToRecover),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const { trace, slo, ratioBand } = summary;
  const steps = summary.results[0]?.timeToRecover.loadSteps ?? 0;
  return [
    `trace ${trace.name}: ${trace.requests} requests over ${trace.durationS} s; transform: ${trace.transform}`,
    `SLO: TTFT ${slo.ttftMs} ms, TPOT ${slo.tpotMs} ms (policy quantile ${slo.quantile}); attainment = share of requests meeting it`,
    `goodput/GPU-h = requests meeting both SLOs per GPU-hour; ratio dev. = mean distance of the Ready P/D ratio from ${ratioBand === null ? 'the band (the policy has none, so 0)' : `the band [${ratioBand.min}, ${ratioBand.max}] (${ratioBand.basis})`}`,
    `recover = seconds after each of the ${steps} load steps (>30% rise minute over minute) until 60 s attainment is back at 99%`,
    '',
    line(header),
    ...rows.map(line),
    '',
  ].join('\n');
}

const capacityProfile = z.object({ spec: z.object({ capacity: z.object({ profile: z.string() }) }) });

/** `spec.capacity.profile` of a policy file that loads, when it names a profile. */
function policyProfileName(file: string): string | undefined {
  const bytes = readDocumentBytes(file, 'policy');
  const parsed = bytes.ok ? parseDocumentBytes(file, bytes.value) : bytes;
  if (!parsed.ok) return undefined;
  const named = capacityProfile.safeParse(parsed.value.value);
  return named.success ? named.data.spec.capacity.profile : undefined;
}

interface Inputs {
  readonly spec: DecisionSpec;
  readonly modelName: string | undefined;
  readonly systems: SystemName[];
  readonly coldStartS: Partial<Record<Role, number>> | undefined;
  readonly profile: ProfileData;
  readonly trace: Trace;
}

type SingleOptions = BacktestOptions & { readonly policy: string; readonly trace: string };

/** Everything the command reads, checked; the first problem is printed and ends the command. */
async function readInputs(options: SingleOptions, io: CliIo): Promise<Inputs | undefined> {
  const policy = loadPolicyFile(options.policy, options);
  if (!policy.ok) {
    for (const issue of policy.issues) io.stderr(`${formatIssue(issue)}\n`);
    return undefined;
  }
  const systems = parseBaselines(options.baselines);
  const coldStart = parseColdStart(options.coldStart);
  const transforms = parseTransforms(options.transform ?? []);
  const profile = readNamedProfile(
    options.profile ?? policyProfileName(options.policy) ?? defaultProfile,
    options,
  );
  for (const parsed of [systems, coldStart, transforms]) {
    if (parsed.ok) continue;
    io.stderr(`${parsed.message}\n`);
    return undefined;
  }
  if (!profile.ok) {
    io.stderr(`--profile ${profile.message}\n`);
    return undefined;
  }
  const trace = await readTrace(options.trace, transforms.ok ? transforms.value : []);
  if (!trace.ok) {
    io.stderr(`${trace.message}\n`);
    return undefined;
  }
  return {
    spec: policy.spec,
    modelName: policy.metrics.model,
    systems: systems.ok ? systems.value : [],
    coldStartS: coldStart.ok ? coldStart.value : undefined,
    profile: profile.profile,
    trace: trace.value,
  };
}

async function runSingle(options: SingleOptions, io: CliIo): Promise<ExitCode> {
  const inputs = await readInputs(options, io);
  if (inputs === undefined) return ExitCode.invalid;
  const { spec } = inputs;
  const progress = progressBar(io.stderr, io.stderrIsTty === true);
  const data = await runBacktest({
    policy: { name: `${spec.namespace}/${spec.name}`, file: options.policy, spec },
    profile: dynamoFleetProfile(inputs.profile),
    trace: inputs.trace,
    systems: inputs.systems,
    sim: simParametersFor({
      profile: inputs.profile,
      modelName: inputs.modelName,
      coldStartS: inputs.coldStartS,
    }),
    onProgress: (fraction) => {
      progress.update(fraction, 'simulating');
    },
    now: () => new Date(io.nowMs()),
  });
  progress.done();
  if (options.report !== undefined) writeFileSync(options.report, renderReportHtml(data));
  io.stdout(
    options.json === true ? `${JSON.stringify(data.summary, null, 2)}\n` : formatSummary(data.summary),
  );
  if (options.report !== undefined && options.json !== true) io.stdout(`report: ${options.report}\n`);
  return ExitCode.ok;
}

/** Options of one backtest and of a suite, by flag, for the messages when they are mixed. */
const singleFlags = [
  ['policy', '--policy'],
  ['trace', '--trace'],
  ['transform', '--transform'],
  ['profile', '--profile'],
  ['baselines', '--baselines'],
  ['coldStart', '--cold-start'],
] as const;
const suiteFlags = [
  ['workers', '--workers'],
  ['docs', '--docs'],
  ['tracesDir', '--traces-dir'],
] as const;

const given = (
  options: BacktestOptions,
  flags: readonly (readonly [keyof BacktestOptions, string])[],
): string[] => flags.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);

/** The flags' combination, checked: a suite or one policy on one trace, never a mix. */
function usageProblem(options: BacktestOptions): string | undefined {
  if (options.suite !== undefined) {
    const mixed = given(options, singleFlags);
    return mixed.length === 0
      ? undefined
      : `--suite runs its own policies, traces, transforms, profiles and cold starts: drop ${mixed.join(', ')}`;
  }
  const suiteOnly = given(options, suiteFlags);
  if (suiteOnly.length > 0) return `${suiteOnly.join(', ')} only apply with --suite NAME`;
  return options.policy === undefined || options.trace === undefined
    ? '--policy and --trace are required (or --suite NAME to run an evaluation suite)'
    : undefined;
}

export async function runBacktestCommand(options: BacktestOptions, io: CliIo): Promise<ExitCode> {
  const problem = usageProblem(options);
  if (problem !== undefined) {
    io.stderr(`${problem}\n`);
    return ExitCode.invalid;
  }
  const { policy, trace } = options;
  if (options.suite !== undefined) return runSuiteCommand({ ...options, suite: options.suite }, io);
  if (policy === undefined || trace === undefined) return ExitCode.invalid;
  return runSingle({ ...options, policy, trace }, io);
}

/** `--workers N`: an integer from 1 to 64; the machine's available parallelism when not given. */
export function parseWorkers(text: string | undefined): Parsed<number> {
  if (text === undefined) return { ok: true, value: availableParallelism() };
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return n >= 1 && n <= 64
    ? { ok: true, value: n }
    : { ok: false, message: `--workers ${JSON.stringify(text)}: an integer from 1 to 64` };
}

/** The sections `--docs` rewrites. */
const docSections = ['eval', 'eval-targets'] as const;

interface SuiteSetup {
  readonly suite: Suite;
  readonly workers: number;
  readonly tracesDir: string;
}

function suiteSetup(options: BacktestOptions & { readonly suite: string }, io: CliIo): Parsed<SuiteSetup> {
  const suite = findSuite(options.suite);
  if (suite === undefined)
    return {
      ok: false,
      message: `--suite ${JSON.stringify(options.suite)}: unknown suite (known: ${suites.map((s) => s.name).join(', ')})`,
    };
  const workers = parseWorkers(options.workers);
  if (!workers.ok) return workers;
  const traces = resolveTracesDir(options.tracesDir, io.env);
  if (!traces.ok) return traces;
  const docs = options.docs === undefined ? undefined : sectionsProblem(options.docs, docSections);
  if (docs !== undefined) return { ok: false, message: `--docs ${docs}` };
  return { ok: true, value: { suite, workers: workers.value, tracesDir: traces.dir } };
}

async function runSuiteWithProgress(
  setup: SuiteSetup,
  options: BacktestOptions,
  io: CliIo,
): Promise<SuiteRun> {
  const progress = progressBar(io.stderr, io.stderrIsTty === true);
  try {
    return await runSuite({
      cases: setup.suite.cases,
      files: {
        root: packageRoot(),
        tracesDir: setup.tracesDir,
        ...(options.profilesDir === undefined ? {} : { profilesDir: options.profilesDir }),
      },
      workers: setup.workers,
      generatedAtMs: io.nowMs(),
      onProgress: (p) => {
        progress.update(suiteFraction(p), suiteLabel(p));
      },
    });
  } finally {
    progress.done();
  }
}

async function runSuiteCommand(
  options: BacktestOptions & { readonly suite: string },
  io: CliIo,
): Promise<ExitCode> {
  const setup = suiteSetup(options, io);
  if (!setup.ok) {
    io.stderr(`${setup.message}\n`);
    return ExitCode.invalid;
  }
  const { suite } = setup.value;
  let run: SuiteRun;
  try {
    run = await runSuiteWithProgress(setup.value, options, io);
  } catch (error) {
    if (!(error instanceof SuiteError)) throw error;
    io.stderr(`${error.message}\n`);
    return error.reason === 'inputs' ? ExitCode.invalid : ExitCode.internal;
  }
  const targets = evaluateSuite(run.cases.map((c) => ({ ...c.case, data: c.data })));
  const generatedAt = new Date(io.nowMs()).toISOString();
  if (options.report !== undefined)
    writeFileSync(
      options.report,
      renderSuiteHtml({ suite, run, targets, tracesDir: asTyped(setup.value.tracesDir), generatedAt }),
    );
  if (options.docs !== undefined)
    rewriteSections(options.docs, {
      eval: evalSection(run, targets),
      'eval-targets': evalTargetsSection(suite.name, run, targets),
    });
  io.stdout(
    options.json === true
      ? `${JSON.stringify(suiteJson(suite.name, run, targets), null, 2)}\n`
      : formatSuiteText(suite.name, run, targets),
  );
  return ExitCode.ok;
}
