// SPDX-License-Identifier: Apache-2.0
// loadTrace: the shared public traces load with the README's quick facts, the plain formats load,
// and every bad file is reported as FILE:LINE: message naming the field and what it must be.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TraceFormat } from '../../../src/sim/trace/formats.js';
import { loadTrace, TraceError } from '../../../src/sim/trace/load.js';
import type { Trace } from '../../../src/sim/trace/types.js';
import { dataDir } from '../../helpers/spec.js';

const traces = join(dataDir, 'traces');
const tmp = mkdtempSync(join(tmpdir(), 'pdscaler-trace-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TraceError);
    return (error as Error).message;
  }
  throw new Error('expected the load to fail');
}

const mean = (trace: Trace, pick: (r: Trace['requests'][number]) => number): number =>
  trace.requests.reduce((sum, r) => sum + pick(r), 0) / trace.requests.length;

describe('the shared traces load with the README quick facts', () => {
  it.each([
    {
      file: 'mooncake_conversation_trace.jsonl',
      rows: 12_031,
      lastArrivalMs: 3_536_999,
      minutes: '58.9',
      ratePerS: '3.40',
      isl: 12_035,
      osl: 343,
    },
    {
      file: 'AzureLLMInferenceTrace_code.csv',
      rows: 8_819,
      // 19:14:19.9280160 - 18:17:03.9799600, sub-millisecond digits kept
      lastArrivalMs: 3_435_948.056,
      minutes: '57.3',
      ratePerS: '2.57',
      isl: 2_048,
      osl: 28,
    },
  ])('$file: $rows requests over $minutes min', async (want) => {
    const trace = await loadTrace(join(traces, want.file));
    expect(trace.name).toBe(want.file);
    expect(trace.requests).toHaveLength(want.rows);
    expect(trace.requests[0]?.arrivalMs).toBe(0);
    expect(trace.requests.at(-1)?.arrivalMs).toBeCloseTo(want.lastArrivalMs, 2);
    expect(trace.durationS * 1000).toBe(trace.requests.at(-1)?.arrivalMs);
    expect((trace.durationS / 60).toFixed(1)).toBe(want.minutes);
    expect((trace.requests.length / trace.durationS).toFixed(2)).toBe(want.ratePerS);
    expect(Math.round(mean(trace, (r) => r.inputTokens))).toBe(want.isl);
    expect(Math.round(mean(trace, (r) => r.outputTokens))).toBe(want.osl);
    expect(trace.transforms).toEqual([]);
  });

  it('keeps the Azure timestamps to the sub-millisecond (18:17:04.0781490 is 98.189 ms after the first)', async () => {
    const trace = await loadTrace(join(traces, 'AzureLLMInferenceTrace_code.csv'));
    expect(trace.requests[2]?.arrivalMs).toBeCloseTo(98.189, 3);
  });
});

describe('the plain formats', () => {
  const rows = [
    { arrivalMs: 0, inputTokens: 100, outputTokens: 10 },
    { arrivalMs: 250.5, inputTokens: 200, outputTokens: 20 },
  ];

  it.each([
    { name: 'plain.csv', text: 'timestamp_ms,input_tokens,output_tokens\n1000,100,10\n1250.5,200,20\n' },
    {
      name: 'plain.jsonl',
      text:
        '{"timestamp_ms": 1000, "input_tokens": 100, "output_tokens": 10}\n' +
        '{"timestamp_ms": 1250.5, "input_tokens": 200, "output_tokens": 20}\n',
    },
  ])('$name loads, re-based so that the first arrival is 0', async ({ name, text }) => {
    const trace = await loadTrace(file(name, text));
    expect(trace).toEqual({ name, requests: rows, durationS: 0.2505, transforms: [] });
  });

  it('accepts a BOM, CRLF line ends, blank lines, extra columns and no final newline', async () => {
    const path = file(
      'windows.csv',
      '\uFEFFtimestamp_ms,input_tokens,output_tokens,user\r\n\r\n0,100,10,a\r\n\r\n250.5,200,20,b',
    );
    expect((await loadTrace(path)).requests).toEqual(rows);
  });

  it('sorts out-of-order arrivals, keeping file order among equal times', async () => {
    const path = file(
      'unordered.csv',
      'timestamp_ms,input_tokens,output_tokens\n500,1,1\n100,2,1\n500,3,1\n100,4,1\n',
    );
    const trace = await loadTrace(path);
    expect(trace.requests.map((r) => [r.arrivalMs, r.inputTokens])).toEqual([
      [0, 2],
      [0, 4],
      [400, 1],
      [400, 3],
    ]);
  });

  it('replays a request with 0 output tokens as 1 (every request produces its first token)', async () => {
    const path = file('zero.csv', 'timestamp_ms,input_tokens,output_tokens\n0,100,0\n');
    expect((await loadTrace(path)).requests[0]?.outputTokens).toBe(1);
  });

  it.each<{ name: string; text: string; format: TraceFormat }>([
    { name: 'plain.txt', text: 'timestamp_ms,input_tokens,output_tokens\n0,5,6\n', format: 'plain-csv' },
    {
      name: 'mooncake.log',
      text: '{"timestamp": 0, "input_length": 5, "output_length": 6}\n',
      format: 'mooncake',
    },
  ])('reads $name as $format, named or recognised from its first line', async ({ name, text, format }) => {
    const path = file(name, text);
    const want = [{ arrivalMs: 0, inputTokens: 5, outputTokens: 6 }];
    expect((await loadTrace(path, { format })).requests).toEqual(want);
    expect((await loadTrace(path)).requests).toEqual(want);
  });
});

describe('a bad file is reported as FILE:LINE: message', () => {
  const plainHeader = 'timestamp_ms,input_tokens,output_tokens\n';
  const azureHeader = 'TIMESTAMP,ContextTokens,GeneratedTokens\n';
  const cannotTell =
    '1: cannot tell the trace format from this line; expected Mooncake JSONL {"timestamp","input_length",' +
    '"output_length"}, Azure CSV header "TIMESTAMP,ContextTokens,GeneratedTokens", plain CSV header ' +
    '"timestamp_ms,input_tokens,output_tokens" or plain JSONL {"timestamp_ms","input_tokens","output_tokens"} ' +
    '(or name the format explicitly)';
  it.each([
    {
      case: 'a non-numeric token count (blank lines count in line numbers)',
      name: 'abc.csv',
      text: `${plainHeader}0,10,5\n\n100,abc,5\n`,
      want: '4: input_tokens must be an integer >= 0, got "abc"',
    },
    {
      case: 'a fractional token count',
      name: 'fraction.csv',
      text: `${plainHeader}0,10,2.5\n`,
      want: '2: output_tokens must be an integer >= 0, got "2.5"',
    },
    {
      case: 'a negative timestamp',
      name: 'negative.csv',
      text: `${plainHeader}-5,10,5\n`,
      want: '2: timestamp_ms must be a number of milliseconds >= 0, got "-5"',
    },
    {
      case: 'a NaN timestamp',
      name: 'nan.csv',
      text: `${plainHeader}NaN,10,5\n`,
      want: '2: timestamp_ms must be a number of milliseconds >= 0, got "NaN"',
    },
    {
      case: 'a missing column',
      name: 'short.csv',
      text: `${plainHeader}0,10,5\n1,10\n`,
      want: '3: expected 3 comma-separated values as in the header, got 2',
    },
    {
      case: 'a missing JSON key',
      name: 'missing.jsonl',
      text: '{"timestamp_ms": 0, "input_tokens": 3}\n',
      want: '1: output_tokens is missing (it must be an integer >= 0)',
    },
    {
      case: 'JSON in a .csv file',
      name: 'json.csv',
      text: '{"timestamp_ms": 0, "input_tokens": 3, "output_tokens": 1}\n',
      want: cannotTell,
    },
    {
      case: 'a JSON line that is not an object',
      name: 'array.jsonl',
      text: '{"timestamp_ms": 0, "input_tokens": 3, "output_tokens": 1}\n[0, 3, 1]\n',
      want: '2: each line must be a JSON object, got [0, 3, 1]',
    },
    {
      case: 'a Mooncake null length',
      name: 'null.jsonl',
      text: '{"timestamp": 0, "input_length": null, "output_length": 1, "hash_ids": []}\n',
      want: '1: input_length must be an integer >= 0, got null',
    },
    {
      case: 'an Azure timestamp in ISO form',
      name: 'iso.csv',
      text: `${azureHeader}2023-11-16T18:17:03.97,10,5\n`,
      want: '2: TIMESTAMP must be a UTC time like 2023-11-16 18:17:03.9799600, got "2023-11-16T18:17:03.97"',
    },
    {
      case: 'an Azure timestamp on a day that does not exist',
      name: 'feb30.csv',
      text: `${azureHeader}2023-11-16 18:17:03.9799600,10,5\n2023-02-30 00:00:00.0000000,10,5\n`,
      want: '3: TIMESTAMP must be a UTC time like 2023-11-16 18:17:03.9799600, got "2023-02-30 00:00:00.0000000"',
    },
    {
      case: 'a header missing a column',
      name: 'two-columns.csv',
      text: 'timestamp_ms,input_tokens\n0,1\n',
      want:
        '1: the plain-csv header must name the columns timestamp_ms, input_tokens, output_tokens, ' +
        'got "timestamp_ms,input_tokens"',
    },
    {
      case: 'an unknown header',
      name: 'unknown.csv',
      text: 'time,prompt,completion\n0,1,1\n',
      want: cannotTell,
    },
  ])('$case', async ({ name, text, want }) => {
    const path = file(name, text);
    expect(await messageOf(loadTrace(path))).toBe(`${path}:${want}`);
  });

  it('quotes the JSON parser on a line that is not JSON', async () => {
    const path = file(
      'broken.jsonl',
      '{"timestamp_ms": 0, "input_tokens": 3, "output_tokens": 1}\n{"timestamp_ms": 1,\n',
    );
    expect(await messageOf(loadTrace(path))).toMatch(
      /^.*broken\.jsonl:2: the line is not valid JSON \(.+\)$/,
    );
  });

  it('names the columns a header lacks when the format is given', async () => {
    const path = file('wrong-header.csv', 'timestamp_ms,input_tokens,output_tokens\n0,1,1\n');
    expect(await messageOf(loadTrace(path, { format: 'azure' }))).toBe(
      `${path}:1: the azure header must name the columns TIMESTAMP, ContextTokens, GeneratedTokens, ` +
        'got "timestamp_ms,input_tokens,output_tokens"',
    );
  });

  it.each([
    { case: 'an empty file', name: 'empty.jsonl', text: '' },
    {
      case: 'a header and blank lines only',
      name: 'header-only.csv',
      text: '\n\ntimestamp_ms,input_tokens,output_tokens\n\n',
    },
  ])('$case is a trace with no requests', async ({ name, text }) => {
    const path = file(name, text);
    expect(await messageOf(loadTrace(path))).toBe(`${path}: the trace has no requests`);
  });

  it('names the path of a file that does not exist', async () => {
    const path = join(tmp, 'nowhere.jsonl');
    expect(await messageOf(loadTrace(path))).toBe(`${path}: trace file does not exist`);
  });

  it('refuses a directory', async () => {
    const path = join(tmp, 'folder.csv');
    mkdirSync(path);
    expect(await messageOf(loadTrace(path))).toBe(`${path}: the trace is not a file`);
  });
});
