// SPDX-License-Identifier: Apache-2.0
// Everything one suite case reads, loaded and checked: the policy (relative to the repository root),
// the named profile, the trace with its transforms, the simulator settings and the overrides. The
// worker runs a case from this; the runner checks every case's files before any worker starts, so a
// missing policy or profile is reported at once and by name rather than after minutes of work.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProfileData } from '../../decision/profile-capacity.js';
import type { DecisionSpec } from '../../decision/types.js';
import { formatIssue } from '../../policy/issue.js';
import { loadPolicyFile, readNamedProfile } from '../../policy/load.js';
import type { BacktestInput } from '../backtest.js';
import { dynamoFleetProfile } from '../fleet/latency-model.js';
import { isSynthSource, parseSynthSource } from '../trace/synth/spec.js';
import { parseTransformSpec, readTransformedTrace, type TransformStep } from '../trace/transform-spec.js';
import type { Trace } from '../trace/types.js';
import type { SuiteCase } from './cases.js';
import { adjustmentFor } from './overrides.js';
import { simParametersFor } from './sim-parameters.js';

/** Where a case's files are. */
export interface CaseFiles {
  /** Repository root: policy paths are relative to it. */
  readonly root: string;
  readonly tracesDir: string;
  /** The user's profiles directory; only the built-in profiles when absent. */
  readonly profilesDir?: string;
}

/** A case that cannot run, with a message naming the file or profile at fault. */
export class CaseInputError extends Error {
  override readonly name = 'CaseInputError';
}

type Loaded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

interface LoadedPolicy {
  readonly file: string;
  readonly spec: DecisionSpec;
  readonly modelName: string | undefined;
}

const profileOptions = (files: CaseFiles): { profilesDir?: string } =>
  files.profilesDir === undefined ? {} : { profilesDir: files.profilesDir };

export function loadCasePolicy(c: SuiteCase, files: CaseFiles): Loaded<LoadedPolicy> {
  const file = resolve(files.root, c.policy);
  const loaded = loadPolicyFile(file, profileOptions(files));
  if (!loaded.ok)
    return { ok: false, message: `policy ${c.policy}: ${loaded.issues.map(formatIssue).join('; ')}` };
  return { ok: true, value: { file, spec: loaded.spec, modelName: loaded.metrics.model } };
}

export function loadCaseProfile(c: SuiteCase, files: CaseFiles): Loaded<ProfileData> {
  const read = readNamedProfile(c.profile, profileOptions(files));
  return read.ok ? { ok: true, value: read.profile } : { ok: false, message: `profile ${read.message}` };
}

function transformSteps(c: SuiteCase): TransformStep[] {
  return c.transforms.map((text) => {
    const parsed = parseTransformSpec(text);
    if (!parsed.ok) throw new CaseInputError(`case ${c.id}: ${parsed.message}`);
    return parsed.step;
  });
}

/** The trace file of a case, before any transform, or its synthetic source as it is. */
export const caseTracePath = (c: SuiteCase, files: CaseFiles): string =>
  isSynthSource(c.trace) ? c.trace : resolve(files.tracesDir, c.trace);

/** What is wrong with a case's trace source (a missing file, a bad synthetic source), if anything. */
function traceProblem(c: SuiteCase, files: CaseFiles): string | undefined {
  const path = caseTracePath(c, files);
  if (!isSynthSource(path)) return existsSync(path) ? undefined : `trace ${path} does not exist`;
  const parsed = parseSynthSource(path);
  return parsed.ok ? undefined : `case ${c.id}: trace ${path}: ${parsed.message}`;
}

/** The case's trace with its transforms applied; a bad file or transform throws CaseInputError. */
export async function loadCaseTrace(c: SuiteCase, files: CaseFiles): Promise<Trace> {
  const read = await readTransformedTrace(caseTracePath(c, files), transformSteps(c));
  if (!read.ok) throw new CaseInputError(`case ${c.id}: ${read.message}`);
  return read.trace;
}

/** One case per distinct value of `key`: each file is checked once however many cases use it. */
function firstBy(cases: readonly SuiteCase[], key: (c: SuiteCase) => string): SuiteCase[] {
  return [...new Map(cases.map((c) => [key(c), c] as const)).values()];
}

/** Every problem with the cases' profiles, trace files and policies, each named once. */
export function caseProblems(cases: readonly SuiteCase[], files: CaseFiles): string[] {
  const problems: string[] = [];
  for (const c of firstBy(cases, (x) => x.profile)) {
    const profile = loadCaseProfile(c, files);
    if (!profile.ok) problems.push(profile.message);
  }
  for (const c of firstBy(cases, (x) => x.trace)) {
    const problem = traceProblem(c, files);
    if (problem !== undefined) problems.push(problem);
  }
  for (const c of firstBy(cases, (x) => x.policy)) {
    const policy = loadCasePolicy(c, files);
    if (!policy.ok) problems.push(policy.message);
  }
  return problems;
}

/** The backtest input of a case, every system still to be chosen; throws CaseInputError. */
export async function loadCaseInput(c: SuiteCase, files: CaseFiles): Promise<Omit<BacktestInput, 'systems'>> {
  const policy = loadCasePolicy(c, files);
  if (!policy.ok) throw new CaseInputError(policy.message);
  const profile = loadCaseProfile(c, files);
  if (!profile.ok) throw new CaseInputError(profile.message);
  const trace = await loadCaseTrace(c, files);
  const sim = simParametersFor({
    profile: profile.value,
    modelName: policy.value.modelName,
    coldStartS: c.coldStartS,
  });
  const { spec } = policy.value;
  return {
    policy: { name: `${spec.namespace}/${spec.name}`, file: c.policy, spec },
    profile: dynamoFleetProfile(profile.value),
    trace,
    sim,
    adjustSpec: (plan, policySpec) =>
      adjustmentFor(c.overrides, { plan, spec: policySpec, durationS: trace.durationS, stepS: sim.stepS }),
  };
}
