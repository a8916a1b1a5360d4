// SPDX-License-Identifier: Apache-2.0
// The trace file formats the simulator reads, one line at a time: where each format keeps the arrival
// time and the token counts, how to recognise it from its first line, and what a bad value must be
// instead. Messages name the file's own field; the loader prefixes them with FILE:LINE.
import { extname } from 'node:path';
import type { TraceRequest } from './types.js';

/** The formats `loadTrace` reads. */
export const traceFormats = ['mooncake', 'azure', 'plain-csv', 'plain-jsonl'] as const;
export type TraceFormat = (typeof traceFormats)[number];

/** A value, or what is wrong with the input it came from. */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** One data line to a request; its `arrivalMs` is still on the file's own clock (the loader re-bases). */
export type RowParser = (line: string) => Parsed<TraceRequest>;

/** How to read the data lines of a file, and whether its first line was a header to skip. */
export interface RowReader {
  readonly parse: RowParser;
  readonly firstLineIsHeader: boolean;
}

type FieldNames = readonly [time: string, input: string, output: string];

const fieldNames: Readonly<Record<TraceFormat, FieldNames>> = {
  mooncake: ['timestamp', 'input_length', 'output_length'],
  azure: ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'],
  'plain-csv': ['timestamp_ms', 'input_tokens', 'output_tokens'],
  'plain-jsonl': ['timestamp_ms', 'input_tokens', 'output_tokens'],
};

const isCsv = (format: TraceFormat): boolean => format === 'azure' || format === 'plain-csv';
const jsonExtensions = new Set(['.jsonl', '.ndjson', '.json']);
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** What each format looks like, for the message when a file is none of them. */
export const formatHints =
  'Mooncake JSONL {"timestamp","input_length","output_length"}, Azure CSV header ' +
  '"TIMESTAMP,ContextTokens,GeneratedTokens", plain CSV header "timestamp_ms,input_tokens,output_tokens" ' +
  'or plain JSONL {"timestamp_ms","input_tokens","output_tokens"}';

/**
 * The format of a file from its extension (.csv holds a header, .jsonl/.ndjson/.json objects; any
 * other extension is judged by the line) and its first non-blank line; undefined when it is none.
 * One field name of a format is enough to recognise it (no two formats share one), so that a row or
 * header lacking the others is reported as such rather than as an unknown format.
 */
export function detectFormat(fileName: string, firstLine: string): TraceFormat | undefined {
  const extension = extname(fileName).toLowerCase();
  const looksJson = firstLine.startsWith('{');
  if ((extension === '.csv' && looksJson) || (jsonExtensions.has(extension) && !looksJson)) return undefined;
  const keys = looksJson ? jsonKeys(firstLine) : csvCells(firstLine);
  return traceFormats.find(
    (format) => isCsv(format) !== looksJson && fieldNames[format].some((name) => keys.includes(name)),
  );
}

/** The reader for `format`, given the file's first non-blank line (the header of a CSV format). */
export function rowReader(format: TraceFormat, firstLine: string): Parsed<RowReader> {
  if (!isCsv(format))
    return { ok: true, value: { parse: jsonRows(fieldNames[format]), firstLineIsHeader: false } };
  const header = csvCells(firstLine);
  const columns = fieldNames[format].map((name) => header.indexOf(name));
  const [time, input, output] = columns;
  if (time === undefined || input === undefined || output === undefined || columns.includes(-1)) {
    return fail(
      `the ${format} header must name the columns ${fieldNames[format].join(', ')}, got ${JSON.stringify(firstLine)}`,
    );
  }
  const parse = csvRows(format, [time, input, output], header.length);
  return { ok: true, value: { parse, firstLineIsHeader: true } };
}

function csvCells(line: string): string[] {
  return line.split(',').map((cell) => cell.trim());
}

function jsonKeys(line: string): string[] {
  const row = jsonObject(line);
  return row.ok ? Object.keys(row.value) : [];
}

function jsonObject(line: string): Parsed<Readonly<Record<string, unknown>>> {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (error) {
    return fail(`the line is not valid JSON (${(error as Error).message})`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return fail(
      `each line must be a JSON object, got ${line.length > 40 ? `${line.slice(0, 40)}...` : line}`,
    );
  }
  return { ok: true, value: row as Record<string, unknown> };
}

function jsonRows(names: FieldNames): RowParser {
  return (line) => {
    const row = jsonObject(line);
    if (!row.ok) return row;
    return toRequest(
      names,
      names.map((name) => row.value[name]),
      nonNegativeMs,
    );
  };
}

function csvRows(format: TraceFormat, columns: readonly number[], width: number): RowParser {
  const names = fieldNames[format];
  const time = format === 'azure' ? azureTimeMs : nonNegativeMs;
  return (line) => {
    const cells = csvCells(line);
    if (cells.length !== width) {
      return fail(`expected ${width} comma-separated values as in the header, got ${cells.length}`);
    }
    return toRequest(
      names,
      columns.map((column) => cells[column]),
      time,
    );
  };
}

/** How a format writes arrival times: a parser to epoch or relative ms, and the rule for messages. */
interface TimeField {
  readonly parse: (value: unknown) => number | undefined;
  readonly rule: string;
}

function toRequest(names: FieldNames, values: readonly unknown[], time: TimeField): Parsed<TraceRequest> {
  const [timeName, inputName, outputName] = names;
  const [timeValue, inputValue, outputValue] = values;
  const arrivalMs = time.parse(timeValue);
  if (arrivalMs === undefined) return fail(fieldIssue(timeName, time.rule, timeValue));
  const inputTokens = tokenCount(inputValue);
  if (inputTokens === undefined) return fail(fieldIssue(inputName, tokenRule, inputValue));
  const outputTokens = tokenCount(outputValue);
  if (outputTokens === undefined) return fail(fieldIssue(outputName, tokenRule, outputValue));
  // Every request produces at least its first token (that is what TTFT times), so a row with 0 output
  // tokens (an aborted or prefill-only request in the source) is replayed as 1; the trace keeps its name.
  return { ok: true, value: { arrivalMs, inputTokens, outputTokens: Math.max(1, outputTokens) } };
}

function fieldIssue(name: string, rule: string, value: unknown): string {
  return value === undefined
    ? `${name} is missing (it must be ${rule})`
    : `${name} must be ${rule}, got ${JSON.stringify(value)}`;
}

const tokenRule = 'an integer >= 0';
const numberText = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A JSON number, or a CSV cell holding one (Number('') is 0 and Number(' 1') is 1, so check first). */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && numberText.test(value) ? Number(value) : undefined;
}

function tokenCount(value: unknown): number | undefined {
  const count = numeric(value);
  return count !== undefined && Number.isInteger(count) && count >= 0 ? count : undefined;
}

const nonNegativeMs: TimeField = {
  parse: (value) => {
    const ms = numeric(value);
    return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  },
  rule: 'a number of milliseconds >= 0',
};

const azureTime = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * `2023-11-16 18:17:03.9799600` as UTC epoch ms, fraction kept below the millisecond. Built from its
 * parts with Date.UTC because Date's string parsing of this non-ISO form is implementation-defined;
 * the ISO round trip rejects out-of-range parts (month 13, 25:00, 30 February).
 */
const azureTimeMs: TimeField = {
  parse: (value) => {
    const match = typeof value === 'string' ? azureTime.exec(value) : null;
    if (match === null) return undefined;
    const [, year = '', month = '', day = '', hour = '', minute = '', second = '', fraction = ''] = match;
    const wholeMs = Date.UTC(
      Number(year),
      Number(month) - 1,
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
    );
    const iso = new Date(wholeMs).toISOString().slice(0, 19);
    if (iso !== `${year}-${month}-${day}T${hour}:${minute}:${second}`) return undefined;
    return wholeMs + Number(fraction.padEnd(9, '0')) / 1e6;
  },
  rule: 'a UTC time like 2023-11-16 18:17:03.9799600',
};
