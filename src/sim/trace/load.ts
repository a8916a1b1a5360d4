// SPDX-License-Identifier: Apache-2.0
// Load a request trace file into the simulator's Trace: streamed line by line (the public traces are
// megabytes, and some users will bring bigger ones), every bad row reported as FILE:LINE: message,
// arrivals sorted and re-based so that the trace starts at 0.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import {
  detectFormat,
  formatHints,
  rowReader,
  type RowParser,
  type RowReader,
  type TraceFormat,
} from './formats.js';
import type { Trace, TraceRequest } from './types.js';

/** A trace file that cannot be used, with the place and the reason: `FILE:LINE: message` or `FILE: message`. */
export class TraceError extends Error {
  override readonly name = 'TraceError';
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, message: string) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.file = file;
    this.line = line;
  }
}

export interface LoadTraceOptions {
  /** The file's format. @default detected from the extension and the first non-blank line */
  readonly format?: TraceFormat;
}

/**
 * Reads a Mooncake JSONL, Azure CSV or plain CSV/JSONL trace. Blank lines, CRLF line ends, a UTF-8 BOM
 * and a missing final newline are accepted; arrivals may be out of order (they are sorted stably).
 * Throws TraceError for a missing file, a bad row or a file with no requests.
 */
export async function loadTrace(path: string, options: LoadTraceOptions = {}): Promise<Trace> {
  await checkIsFile(path);
  const rows = await readRows(path, options.format);
  rows.sort((a, b) => a.arrivalMs - b.arrivalMs);
  const startMs = rows[0]?.arrivalMs;
  if (startMs === undefined) throw new TraceError(path, undefined, 'the trace has no requests');
  const requests = rows.map((row) => ({ ...row, arrivalMs: row.arrivalMs - startMs }));
  return {
    name: basename(path),
    requests,
    durationS: (requests.at(-1)?.arrivalMs ?? 0) / 1000,
    transforms: [],
  };
}

async function checkIsFile(path: string): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) throw new TraceError(path, undefined, 'the trace is not a file');
  } catch (error) {
    if (error instanceof TraceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new TraceError(
      path,
      undefined,
      code === 'ENOENT'
        ? 'trace file does not exist'
        : `trace file cannot be read (${(error as Error).message})`,
    );
  }
}

async function readRows(path: string, format: TraceFormat | undefined): Promise<TraceRequest[]> {
  const rows: TraceRequest[] = [];
  let parse: RowParser | undefined;
  for await (const line of nonBlankLines(path)) {
    if (parse === undefined) {
      const reader = openRows(path, line.number, line.text, format);
      parse = reader.parse;
      if (reader.firstLineIsHeader) continue;
    }
    const row = parse(line.text);
    if (!row.ok) throw new TraceError(path, line.number, row.message);
    rows.push(row.value);
  }
  return rows;
}

/** The file's non-blank lines, trimmed (which drops a CR left by CRLF), without a BOM, with 1-based numbers. */
async function* nonBlankLines(path: string): AsyncGenerator<{ text: string; number: number }> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of lines) {
      number += 1;
      const text = (number === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (text !== '') yield { text, number };
    }
  } finally {
    // Also reached when the reader stops at a bad row: release the file now, not at garbage collection.
    lines.close();
    input.destroy();
  }
}

function openRows(
  path: string,
  lineNumber: number,
  firstLine: string,
  format: TraceFormat | undefined,
): RowReader {
  const known = format ?? detectFormat(path, firstLine);
  if (known === undefined) {
    throw new TraceError(
      path,
      lineNumber,
      `cannot tell the trace format from this line; expected ${formatHints} (or name the format explicitly)`,
    );
  }
  const reader = rowReader(known, firstLine);
  if (!reader.ok) throw new TraceError(path, lineNumber, reader.message);
  return reader.value;
}
