// SPDX-License-Identifier: Apache-2.0
// `--transform` values: what each one parses to, the exact message for each mistake, and applying
// several in order (splice loads its file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyTransforms,
  parseTransformSpec,
  type TransformStep,
} from '../../../src/sim/trace/transform-spec.js';
import type { Trace } from '../../../src/sim/trace/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'pdscaler-transform-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('parseTransformSpec reads each transform with its defaults', () => {
  it.each<{ text: string; step: TransformStep }>([
    { text: 'scale:10', step: { kind: 'scale', factor: 10, seed: 1 } },
    { text: 'scale:0.5:seed=42', step: { kind: 'scale', factor: 0.5, seed: 42 } },
    { text: 'compress:2.5', step: { kind: 'compress', factor: 2.5 } },
    {
      text: 'day:1h',
      step: { kind: 'day', durationS: 3600, peakRateFactor: 1, troughHour: 4, peakToTrough: 4, seed: 1 },
    },
    {
      text: 'day:90m:peak=3:trough=2:ratio=6:seed=9',
      step: { kind: 'day', durationS: 5400, peakRateFactor: 3, troughHour: 2, peakToTrough: 6, seed: 9 },
    },
    {
      text: 'day:3600s:seed=2',
      step: { kind: 'day', durationS: 3600, peakRateFactor: 1, troughHour: 4, peakToTrough: 4, seed: 2 },
    },
    { text: 'slice:10m-1h30m', step: { kind: 'slice', fromS: 600, toS: 5400 } },
    { text: 'splice:traces/b.csv', step: { kind: 'splice', path: 'traces/b.csv' } },
    { text: 'splice:C:/traces/b.csv', step: { kind: 'splice', path: 'C:/traces/b.csv' } },
  ])('$text', ({ text, step }) => {
    expect(parseTransformSpec(text)).toEqual({ ok: true, step });
  });
});

describe('parseTransformSpec says what is wrong and what was expected', () => {
  it.each([
    {
      text: 'scale:x',
      message: 'FACTOR must be a number > 0 and <= 100, got "x"; expected scale:FACTOR[:seed=N]',
    },
    {
      text: 'scale:0',
      message: 'FACTOR must be a number > 0 and <= 100, got "0"; expected scale:FACTOR[:seed=N]',
    },
    {
      text: 'scale:101',
      message: 'FACTOR must be a number > 0 and <= 100, got "101"; expected scale:FACTOR[:seed=N]',
    },
    {
      text: 'scale',
      message: 'FACTOR must be a number > 0 and <= 100, got ""; expected scale:FACTOR[:seed=N]',
    },
    { text: 'scale:2:seed=-1', message: 'seed must be an integer >= 0, got "-1"' },
    { text: 'scale:2:seed=1:seed=2', message: 'option seed is given twice' },
    { text: 'scale:2:jitter=1', message: 'unknown option "jitter=1"; scale takes seed=N' },
    { text: 'compress:-2', message: 'FACTOR must be a number > 0, got "-2"; expected compress:FACTOR' },
    { text: 'compress:2:seed=1', message: 'compress takes no options; expected compress:FACTOR' },
    {
      text: 'day:3600',
      message:
        'DURATION must be a duration > 0 like 3600s, 60m or 1h, got "3600"; expected day:DURATION[:peak=X][:trough=H][:ratio=R][:seed=N]',
    },
    { text: 'day:1h:peak=0', message: 'peak must be a number > 0 and <= 100, got "0"' },
    { text: 'day:1h:trough=24', message: 'trough must be an hour, an integer 0-23, got "24"' },
    { text: 'day:1h:ratio=0.5', message: 'ratio must be a number >= 1, got "0.5"' },
    { text: 'day:1h:peak', message: 'unknown option "peak"; day takes peak=X, trough=H, ratio=R and seed=N' },
    {
      text: 'slice:10m',
      message: 'FROM and TO must be durations like 10m or 1h30m, got "10m"; expected slice:FROM-TO',
    },
    {
      text: 'slice:0-1h',
      message: 'FROM and TO must be durations like 10m or 1h30m, got "0-1h"; expected slice:FROM-TO',
    },
    { text: 'slice:1h-10m', message: 'TO must be later than FROM, got "1h-10m"' },
    { text: 'splice:', message: 'PATH is missing; expected splice:PATH' },
    {
      text: 'stretch:2',
      message:
        'unknown transform "stretch"; expected scale:FACTOR[:seed=N], compress:FACTOR, ' +
        'day:DURATION[:peak=X][:trough=H][:ratio=R][:seed=N], slice:FROM-TO or splice:PATH',
    },
  ])('$text', ({ text, message }) => {
    expect(parseTransformSpec(text)).toEqual({
      ok: false,
      message: `--transform ${JSON.stringify(text)}: ${message}`,
    });
  });
});

describe('applyTransforms', () => {
  const base: Trace = {
    name: 'base.csv',
    requests: [0, 1000, 2000, 3000].map((arrivalMs) => ({ arrivalMs, inputTokens: 100, outputTokens: 10 })),
    durationS: 3,
    transforms: [],
  };
  const steps = (...texts: string[]): TransformStep[] =>
    texts.map((text) => {
      const parsed = parseTransformSpec(text);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.step;
    });

  it('applies the steps in the order given', async () => {
    const result = await applyTransforms(base, steps('compress:2', 'slice:500ms-2s', 'scale:2'));
    expect(result.transforms.map((t) => t.kind)).toEqual(['compress', 'slice', 'scale']);
    expect(result.requests).toHaveLength(6);
  });

  it('loads the file named by splice and appends it', async () => {
    const path = join(tmp, 'more.csv');
    writeFileSync(path, 'timestamp_ms,input_tokens,output_tokens\n0,7,7\n500,7,7\n');
    const result = await applyTransforms(base, steps(`splice:${path}`));
    expect(result.name).toBe('base.csv + more.csv');
    expect(result.requests.slice(4).map((r) => [r.arrivalMs, r.inputTokens])).toEqual([
      [4000, 7],
      [4500, 7],
    ]);
  });

  it('uses the loader it is given for splice', async () => {
    const loaded: string[] = [];
    const loader = (path: string): Promise<Trace> => {
      loaded.push(path);
      return Promise.resolve({ ...base, name: path });
    };
    const result = await applyTransforms(base, steps('splice:x.jsonl', 'splice:y.jsonl'), loader);
    expect(loaded).toEqual(['x.jsonl', 'y.jsonl']);
    expect(result.name).toBe('base.csv + x.jsonl + y.jsonl');
  });
});
