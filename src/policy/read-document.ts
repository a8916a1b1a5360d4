// SPDX-License-Identifier: Apache-2.0
// The first two steps every strict YAML file of ours takes (policies, the serve config): read the
// bytes, then decode and parse them with positions. Each failure is an issue at FILE:LINE:COL.
import { readFileSync } from 'node:fs';
import { sortIssues, type PolicyIssue } from './issue.js';
import { decodePolicyBytes, parsePolicyText, type ParsedPolicy } from './parse.js';

export type DocumentResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly PolicyIssue[] };

/** The file's bytes; a file that cannot be read is one issue at 1:1 naming `what` it should hold. */
export function readDocumentBytes(file: string, what: string): DocumentResult<Uint8Array> {
  try {
    return { ok: true, value: readFileSync(file) };
  } catch (error) {
    return {
      ok: false,
      issues: [{ file, line: 1, col: 1, message: `cannot read ${what}: ${(error as Error).message}` }],
    };
  }
}

/** Bytes -> UTF-8 text -> one YAML document with source positions. */
export function parseDocumentBytes(file: string, bytes: Uint8Array): DocumentResult<ParsedPolicy> {
  const decoded = decodePolicyBytes(bytes);
  if (!decoded.ok) return { ok: false, issues: decoded.issues.map((i) => ({ file, ...i })) };
  const parsed = parsePolicyText(decoded.text);
  if (!parsed.ok) return { ok: false, issues: sortIssues(parsed.issues.map((i) => ({ file, ...i }))) };
  return { ok: true, value: parsed.parsed };
}
