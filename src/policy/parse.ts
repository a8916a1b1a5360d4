// SPDX-License-Identifier: Apache-2.0
// Policy text -> YAML document with source positions. Every syntax problem becomes an issue with its
// line and column; duplicate keys, tab indentation, several documents, unresolved aliases and alias
// bombs are all errors (prometheus-adapter's UnmarshalStrict posture: kubernetes-sigs/prometheus-adapter pkg/config/loader.go).
import { isMap, LineCounter, parseDocument, visit, type Document, type Node, type YAMLError } from 'yaml';
import type { SourcePosition } from './issue.js';

/** Policies are small; anything larger is a mistake or an attack. */
export const maxPolicyBytes = 1024 * 1024;
const maxAliasCount = 100;

export interface ParsedPolicy {
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
  readonly value: unknown;
}

export interface TextIssue extends SourcePosition {
  readonly message: string;
}

export type ParseResult =
  { readonly ok: true; readonly parsed: ParsedPolicy } | { readonly ok: false; readonly issues: TextIssue[] };

function positionOf(text: string, index: number): SourcePosition {
  const before = text.slice(0, index);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: index - lastNewline };
}

/** Decodes UTF-8 strictly; the first invalid byte is reported where it sits. */
export function decodePolicyBytes(
  bytes: Uint8Array,
): { ok: true; text: string } | { ok: false; issues: TextIssue[] } {
  if (bytes.length > maxPolicyBytes) {
    const message = `policy file is ${bytes.length.toLocaleString('en-US')} bytes, larger than the 1 MiB (${maxPolicyBytes.toLocaleString('en-US')} bytes) limit`;
    return { ok: false, issues: [{ line: 1, col: 1, message }] };
  }
  const invalidAt = firstInvalidUtf8(bytes);
  if (invalidAt !== undefined) {
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, invalidAt));
    const byte = (bytes[invalidAt] ?? 0).toString(16).padStart(2, '0');
    return {
      ok: false,
      issues: [{ ...positionOf(before, before.length), message: `file is not valid UTF-8 (byte 0x${byte})` }],
    };
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  return { ok: true, text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}

/** Length of a UTF-8 sequence from its lead byte, or 0 for a byte that cannot lead one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Overlong 3/4-byte forms, UTF-16 surrogates and code points above U+10FFFF (RFC 3629 §4). */
function badSecondByte(lead: number, second: number): boolean {
  return (
    (lead === 0xe0 && second < 0xa0) ||
    (lead === 0xed && second > 0x9f) ||
    (lead === 0xf0 && second < 0x90) ||
    (lead === 0xf4 && second > 0x8f)
  );
}

/**
 * Offset of the first byte that is not well-formed UTF-8 (RFC 3629), or undefined. TextDecoder only
 * says yes or no, and a lossy decode's U+FFFD cannot be told from a real U+FFFD in the file.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i] ?? 0;
    const length = sequenceLength(lead);
    if (length === 0 || i + length > bytes.length || badSecondByte(lead, bytes[i + 1] ?? 0)) return i;
    for (let k = 1; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += length;
  }
  return undefined;
}

function stripPosition(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function aliasIssues(document: Document.Parsed, lineCounter: LineCounter): TextIssue[] {
  const issues: TextIssue[] = [];
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) === undefined) {
        const at = lineCounter.linePos(alias.range?.[0] ?? 0);
        issues.push({ line: at.line, col: at.col, message: `alias *${alias.source} refers to no anchor` });
      }
    },
  });
  return issues;
}

/**
 * An unclosed quote is reported by the parser where the file ends; the useful place is where the
 * quote opened, which is the start of the quoted scalar that runs into the error.
 */
function openingQuote(
  document: Document.Parsed,
  lineCounter: LineCounter,
  error: YAMLError,
): SourcePosition | undefined {
  if (error.code !== 'MISSING_CHAR' || !error.message.includes('quote')) return undefined;
  let start: number | undefined;
  visit(document, {
    Scalar(_key, scalar) {
      const quoted = scalar.type === 'QUOTE_SINGLE' || scalar.type === 'QUOTE_DOUBLE';
      const range = scalar.range;
      if (quoted && range && range[1] >= error.pos[0]) start ??= range[0];
    },
  });
  return start === undefined ? undefined : lineCounter.linePos(start);
}

/** Parses one policy document, or returns every syntax issue with its position. */
export function parsePolicyText(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  const syntax = [...document.errors].map((error) => {
    const at = openingQuote(document, lineCounter, error) ?? error.linePos?.[0] ?? { line: 1, col: 1 };
    return { line: at.line, col: at.col, message: `YAML ${error.code}: ${stripPosition(error.message)}` };
  });
  if (syntax.length > 0) return { ok: false, issues: syntax };
  const unresolved = aliasIssues(document, lineCounter);
  if (unresolved.length > 0) return { ok: false, issues: unresolved };
  if (!isMap(document.contents)) {
    const at = lineCounter.linePos((document.contents as Node | null)?.range?.[0] ?? 0);
    return {
      ok: false,
      issues: [
        {
          line: at.line,
          col: at.col,
          message: 'policy must be a YAML mapping (apiVersion, kind, metadata, spec)',
        },
      ],
    };
  }
  try {
    return {
      ok: true,
      parsed: { document, lineCounter, value: document.toJS({ maxAliasCount }) as unknown },
    };
  } catch (error) {
    let first: SourcePosition = { line: 1, col: 1 };
    visit(document, {
      Alias(_key, alias) {
        first = lineCounter.linePos(alias.range?.[0] ?? 0);
        return visit.BREAK;
      },
    });
    return {
      ok: false,
      issues: [{ ...first, message: `YAML aliases expand too far: ${(error as Error).message}` }],
    };
  }
}
