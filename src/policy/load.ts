// SPDX-License-Identifier: Apache-2.0
// Load a policy file once: bytes -> text -> YAML -> schema -> compiled, frozen DecisionSpec. Every
// problem comes back as `FILE:LINE:COL: message`; nothing is half-loaded.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecisionSpec } from '../decision/types.js';
import type { ProfileData } from '../decision/profile-capacity.js';
import { compileMetrics, type MetricsSpec } from './metrics.js';
import { compilePolicy, type ProfileResolver } from './compile.js';
import { sortIssues, type PolicyIssue } from './issue.js';
import { locate } from './locate.js';
import type { ParsedPolicy } from './parse.js';
import { parseDocumentBytes, readDocumentBytes } from './read-document.js';
import { parseDynamoProfile, profileNames, profileRegistry, type ProfileEntry } from './profiles.js';
import { parseSplitwiseCsv, splitwiseProfile } from './splitwise-profile.js';
import { schemaIssues, type PathIssue } from './schema-issues.js';

export type LoadResult =
  | { readonly ok: true; readonly spec: DecisionSpec; readonly metrics: MetricsSpec }
  | { readonly ok: false; readonly issues: readonly PolicyIssue[] };

export interface LoadOptions {
  /** Directory holding named profiles. @default ../shared/profiles beside this checkout */
  readonly profilesDir?: string;
}

/** The repository root: the nearest folder above this module with a package.json (src/ or dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The shared data folder sits beside the repository (DEVELOPERS.md); named profiles are read there. */
export const defaultProfilesDir = resolve(packageRoot(), '../shared/profiles');

function readText(path: string): { ok: true; text: string } | { ok: false; message: string } {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message:
        code === 'ENOENT'
          ? `file ${path} does not exist`
          : `file ${path} cannot be read: ${(error as Error).message}`,
    };
  }
}

function parseJson(path: string, text: string): { ok: true; json: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `file ${path} cannot be read: ${(error as Error).message}` };
  }
}

function readJson(path: string): { ok: true; json: unknown } | { ok: false; message: string } {
  const read = readText(path);
  return read.ok ? parseJson(path, read.text) : read;
}

type ProfileResult = { ok: true; profile: ProfileData } | { ok: false; message: string };

/** Parses a registered profile's file text; a message starts with the file (and LINE:COL for a CSV). */
function parseRegistered(name: string, entry: ProfileEntry, path: string, text: string): ProfileResult {
  if (entry.format === 'dynamo-json') {
    const json = parseJson(path, text);
    if (!json.ok) return json;
    const parsed = parseDynamoProfile(name, json.json);
    return parsed.ok ? parsed : { ok: false, message: `${path} ${parsed.message}` };
  }
  const csv = parseSplitwiseCsv(text);
  if (!csv.ok) return { ok: false, message: `${path}:${csv.message}` };
  const built = splitwiseProfile(name, csv.rows, entry.selector);
  return built.ok ? built : { ok: false, message: `${path} ${built.message}` };
}

/** Reads a named profile (e.g. for the simulator) from the profiles directory. */
export function readNamedProfile(name: string, options: LoadOptions = {}): ProfileResult {
  const entry = profileRegistry[name];
  if (entry === undefined)
    return {
      ok: false,
      message: `${JSON.stringify(name)} is not a known profile (known: ${profileNames.join(', ')})`,
    };
  const path = resolve(options.profilesDir ?? defaultProfilesDir, entry.path);
  const read = readText(path);
  if (!read.ok)
    return {
      ok: false,
      message: `${JSON.stringify(name)}: ${read.message} (set --profiles-dir or PDSCALER_PROFILES_DIR)`,
    };
  const parsed = parseRegistered(name, entry, path, read.text);
  return parsed.ok ? parsed : { ok: false, message: `${JSON.stringify(name)}: ${parsed.message}` };
}

function profileResolver(policyFile: string, options: LoadOptions): ProfileResolver {
  return (ref) => {
    if (ref.name !== undefined) {
      const named = readNamedProfile(ref.name, options);
      return named.ok ? named : { ok: false, message: `= ${named.message}` };
    }
    const file = resolve(dirname(policyFile), ref.file ?? '');
    const read = readJson(file);
    if (!read.ok) return { ok: false, message: `= ${JSON.stringify(ref.file)}: ${read.message}` };
    return withPrefix(parseDynamoProfile(ref.file ?? file, read.json), ref.file ?? file);
  };
}

function withPrefix(
  result: ReturnType<typeof parseDynamoProfile>,
  label: string,
): ReturnType<ProfileResolver> {
  return result.ok ? result : { ok: false, message: `= ${JSON.stringify(label)} ${result.message}` };
}

function place(file: string, parsed: ParsedPolicy, issues: readonly PathIssue[]): PolicyIssue[] {
  return sortIssues(
    issues.map((issue) => ({ file, ...locate(parsed, issue.path, issue.at), message: issue.message })),
  );
}

/** Validates and compiles policy bytes; `file` names them in messages and anchors relative paths. */
export function loadPolicyBytes(file: string, bytes: Uint8Array, options: LoadOptions = {}): LoadResult {
  const parsed = parseDocumentBytes(file, bytes);
  if (!parsed.ok) return parsed;
  const checked = schemaIssues(parsed.value.value);
  if (checked.document === undefined) return { ok: false, issues: place(file, parsed.value, checked.issues) };
  const compiled = compilePolicy(checked.document, profileResolver(file, options));
  const metrics = compileMetrics(checked.document.spec.metrics, {
    gateway: checked.document.spec.gateway,
    fluid: checked.document.spec.fluid,
  });
  if (compiled.spec === undefined || metrics.metrics === undefined) {
    return { ok: false, issues: place(file, parsed.value, [...compiled.issues, ...metrics.issues]) };
  }
  return { ok: true, spec: compiled.spec, metrics: Object.freeze(metrics.metrics) };
}

/** Reads and loads one policy file. A file that cannot be read is an issue at 1:1. */
export function loadPolicyFile(file: string, options: LoadOptions = {}): LoadResult {
  const bytes = readDocumentBytes(file, 'policy');
  return bytes.ok ? loadPolicyBytes(file, bytes.value, options) : bytes;
}
