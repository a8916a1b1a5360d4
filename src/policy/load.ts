// SPDX-License-Identifier: Apache-2.0
// Load a policy file once: bytes -> text -> YAML -> schema -> compiled, frozen DecisionSpec. Every
// problem comes back as `FILE:LINE:COL: message`; nothing is half-loaded.
import { dirname, resolve } from 'node:path';
import type { DecisionSpec } from '../decision/types.js';
import { parseJson, readNamedProfile, readText, type ProfileStoreOptions } from '../profiles/store.js';
import { compileMetrics, type MetricsSpec } from './metrics.js';
import { compilePolicy, type ProfileResolver } from './compile.js';
import { sortIssues, type PolicyIssue } from './issue.js';
import { locate } from './locate.js';
import type { ParsedPolicy } from './parse.js';
import { parseDocumentBytes, readDocumentBytes } from './read-document.js';
import { parseDynamoProfile } from './profiles.js';
import { schemaIssues, type PathIssue } from './schema-issues.js';

export { packageRoot } from '../package-root.js';
export { readNamedProfile } from '../profiles/store.js';

export type LoadResult =
  | { readonly ok: true; readonly spec: DecisionSpec; readonly metrics: MetricsSpec }
  | { readonly ok: false; readonly issues: readonly PolicyIssue[] };

/** `profilesDir`: the user's profiles, beside the built-in ones (src/profiles/store.ts). */
export type LoadOptions = ProfileStoreOptions;

function readJson(path: string): { ok: true; json: unknown } | { ok: false; message: string } {
  const read = readText(path);
  return read.ok ? parseJson(path, read.text) : read;
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
