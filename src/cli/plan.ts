// SPDX-License-Identifier: Apache-2.0
// `pdscaler plan --policy P --observation O.json [--state S.json] [--json]`: one decision and why.
import { readFileSync, writeFileSync } from 'node:fs';
import { decide } from '../decision/decide.js';
import { explain } from '../decision/explain.js';
import type { DecisionState } from '../decision/types.js';
import { formatIssue } from '../policy/issue.js';
import { loadPolicyFile, type LoadOptions } from '../policy/load.js';
import { ExitCode, type CliIo } from './io.js';
import { parseObservation } from './observation-json.js';
import { parseState, stateToJson } from './state-json.js';

export interface PlanOptions extends LoadOptions {
  readonly policy: string;
  readonly observation: string;
  readonly state?: string;
  readonly stateOut?: string;
  /** RFC 3339 time to decide at. @default the observation's observedAt, else now */
  readonly now?: string;
  readonly json?: boolean;
}

function readJsonFile(path: string, what: string, io: CliIo): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    io.stderr(`${path}: cannot read ${what}: ${(error as Error).message}\n`);
    return undefined;
  }
}

function reportIssues(path: string, issues: readonly string[], io: CliIo): ExitCode {
  for (const issue of issues) io.stderr(`${path}: ${issue}\n`);
  return ExitCode.invalid;
}

function loadState(path: string | undefined, io: CliIo): DecisionState | undefined {
  if (path === undefined) return { roles: {} };
  const json = readJsonFile(path, 'state', io);
  if (json === undefined) return undefined;
  const parsed = parseState(json);
  if (parsed.ok) return parsed.state;
  reportIssues(path, parsed.issues, io);
  return undefined;
}

export function runPlan(options: PlanOptions, io: CliIo): ExitCode {
  const policy = loadPolicyFile(options.policy, options);
  if (!policy.ok) {
    for (const issue of policy.issues) io.stderr(`${formatIssue(issue)}\n`);
    return ExitCode.invalid;
  }
  const nowOverride = options.now === undefined ? undefined : Date.parse(options.now);
  if (nowOverride !== undefined && Number.isNaN(nowOverride)) {
    io.stderr(`--now ${options.now}: not an RFC 3339 time\n`);
    return ExitCode.invalid;
  }
  const observationJson = readJsonFile(options.observation, 'observation', io);
  if (observationJson === undefined) return ExitCode.invalid;
  const observation = parseObservation(observationJson, nowOverride ?? io.nowMs());
  if (!observation.ok) return reportIssues(options.observation, observation.issues, io);
  const state = loadState(options.state, io);
  if (state === undefined) return ExitCode.invalid;
  const result = decide(policy.spec, observation.observation, state, nowOverride ?? observation.observedAtMs);
  if (options.stateOut !== undefined) writeFileSync(options.stateOut, `${stateToJson(result.state)}\n`);
  if (options.json === true) {
    io.stdout(
      `${JSON.stringify({ decision: { ...result.decision, at: new Date(result.decision.atMs).toISOString() }, state: result.state }, null, 2)}\n`,
    );
  } else {
    io.stdout(`${explain(result.decision)}\n`);
  }
  return ExitCode.ok;
}
