// SPDX-License-Identifier: Apache-2.0
// Fuzzing and complexity tests of the exposition parser: whatever a scrape returns (random text,
// random bytes, damaged real captures), parseExposition returns a page or an error inside the input
// and never throws; large pages parse whole.
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxLabelsPerSample, parseExposition } from '../../../src/sources/exposition/parse.js';
import type { ExpositionPage } from '../../../src/sources/exposition/types.js';

/** PROPERTY_RUNS=20000 npx vitest run test/sources/exposition/fuzz.test.ts explores further. */
const numRuns = Number(process.env.PROPERTY_RUNS ?? 300);

const fixtureDir = new URL('../../../data/fixtures/engine-metrics/', import.meta.url);
const fixtures = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.prom'))
  .sort()
  .map((file) => ({ file, text: readFileSync(new URL(file, fixtureDir), 'utf8') }));
const vllmCapture = fixtures.find((f) => f.file === 'vllm-dynamo-metrics-examples.prom')!.text;

/** Reads every label set (labels are built lazily) and serializes every sample. */
function touchPage(page: ExpositionPage): void {
  let samples = 0;
  const problems: string[] = [];
  for (const family of page.families.values()) {
    for (const sample of family.samples) {
      const labels = sample.labels;
      if (!Object.isFrozen(labels) || sample.labels !== labels) problems.push(`labels of ${sample.name}`);
      JSON.stringify(sample);
      samples++;
    }
  }
  expect(problems).toEqual([]);
  expect(page.sampleCount).toBe(samples);
}

/** The parser's contract on any input: no throw; a page, or an error whose position is in the text. */
function checkContract(text: string): void {
  const result = parseExposition(text);
  if (result.ok) {
    touchPage(result.page);
    return;
  }
  const { line, col, message } = result.error;
  const lines = text.split('\n');
  expect(Number.isInteger(line)).toBe(true);
  expect(Number.isInteger(col)).toBe(true);
  expect(line).toBeGreaterThanOrEqual(1);
  expect(line).toBeLessThanOrEqual(lines.length);
  expect(col).toBeGreaterThanOrEqual(1);
  // At most one past the line's last character (an error at the end of the line).
  expect(col).toBeLessThanOrEqual(lines[line - 1]!.length + 1);
  expect(typeof message).toBe('string');
  expect(message.length).toBeGreaterThan(0);
}

/** Pieces of exposition syntax, so random pages reach deep into the grammar. */
const syntaxPieces = [
  'foo',
  'vllm:x',
  '_bucket',
  '_total',
  '_created',
  '_count',
  '_sum',
  '{',
  '}',
  '=',
  '"',
  ',',
  '\\',
  '\\"',
  '\\n',
  '\\\\',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '#',
  '# ',
  'HELP ',
  'TYPE ',
  '# HELP foo ',
  '# TYPE foo histogram\n',
  '# TYPE foo counter\n',
  '# EOF',
  'le="+Inf"',
  'le',
  '1',
  '0.5',
  '-',
  '+Inf',
  'NaN',
  '8.128902e+06',
  '1395066363000',
  '1.5',
  'e',
  '.',
  '_',
  'é',
  '😀',
  '\u0000',
];

describe('parseExposition never throws and errors stay inside the input', () => {
  it('arbitrary Unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), checkContract), { numRuns });
  });

  it('arbitrary bytes decoded as UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        checkContract(new TextDecoder().decode(bytes));
      }),
      { numRuns },
    );
  });

  it('random sequences of exposition syntax', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...syntaxPieces), { maxLength: 80 }), (pieces) => {
        checkContract(pieces.join(''));
      }),
      { numRuns: numRuns * 3 },
    );
  });

  type Mutation =
    | { readonly kind: 'insert'; readonly at: number; readonly text: string }
    | { readonly kind: 'replace'; readonly at: number; readonly text: string }
    | { readonly kind: 'delete'; readonly at: number; readonly length: number }
    | { readonly kind: 'duplicateLine'; readonly at: number }
    | { readonly kind: 'truncate'; readonly at: number };

  const fragment = fc.oneof(fc.constantFrom(...syntaxPieces), fc.string({ unit: 'binary', maxLength: 3 }));
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fragment }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fragment }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 40 }),
    }),
    fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );

  function mutate(text: string, m: Mutation): string {
    const at = m.at % (text.length + 1);
    switch (m.kind) {
      case 'insert':
        return text.slice(0, at) + m.text + text.slice(at);
      case 'replace':
        return text.slice(0, at) + m.text + text.slice(at + m.text.length);
      case 'delete':
        return text.slice(0, at) + text.slice(at + m.length);
      case 'duplicateLine': {
        const start = text.lastIndexOf('\n', at - 1) + 1;
        const newline = text.indexOf('\n', at);
        const end = newline === -1 ? text.length : newline + 1;
        const line = text.slice(start, end);
        return text.slice(0, end) + (line.endsWith('\n') ? line : `\n${line}`) + text.slice(end);
      }
      case 'truncate':
        return text.slice(0, at);
    }
  }

  it('real captures with random inserts, deletes, replacements, duplicated lines and truncation', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        ({ text }, mutations) => {
          checkContract(mutations.reduce(mutate, text));
        },
      ),
      { numRuns },
    );
  });

  it('the unmutated captures satisfy the contract too (and parse)', () => {
    for (const { file, text } of fixtures) {
      expect(parseExposition(text).ok, file).toBe(true);
      checkContract(text);
    }
  });
});

describe('generated valid pages round-trip', () => {
  interface GenSample {
    readonly labels: readonly (readonly [string, string])[];
    readonly value: number;
    readonly timestampMs: number | undefined;
  }
  interface GenFamily {
    readonly stem: string;
    readonly type: 'gauge' | 'counter' | 'untyped' | 'unknown';
    readonly help: string | undefined;
    readonly samples: readonly GenSample[];
  }
  interface Style {
    readonly sep: string;
    readonly labelSpace: string;
    readonly eol: string;
    readonly trailingComma: boolean;
    readonly eof: boolean;
  }

  // `__proto__` is left out here: it has its own test in parse.test.ts.
  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => n !== '__proto__');
  const sampleArb: fc.Arbitrary<GenSample> = fc.record({
    labels: fc.uniqueArray(fc.tuple(labelName, fc.string({ unit: 'binary', maxLength: 12 })), {
      selector: ([name]) => name,
      maxLength: 5,
    }),
    value: fc.double(),
    timestampMs: fc.option(fc.integer({ min: -1e12, max: 4e12 }), { nil: undefined }),
  });
  // A HELP text's leading blanks separate it from the name; CR is the CRLF line end: neither is content.
  const helpArb = fc
    .string({ unit: 'binary', maxLength: 24 })
    .map((h) => h.replace(/\r/g, '').replace(/^[ \t]+/, ''));
  const familyArb: fc.Arbitrary<GenFamily> = fc.record({
    stem: fc.stringMatching(/^[a-zA-Z0-9_:]{0,10}$/),
    type: fc.constantFrom('gauge' as const, 'counter' as const, 'untyped' as const, 'unknown' as const),
    help: fc.option(helpArb, { nil: undefined }),
    samples: fc.array(sampleArb, { maxLength: 4 }),
  });
  const styleArb: fc.Arbitrary<Style> = fc.record({
    sep: fc.constantFrom(' ', '\t', '  ', ' \t '),
    labelSpace: fc.constantFrom('', ' ', '\t'),
    eol: fc.constantFrom('\n', '\r\n'),
    trailingComma: fc.boolean(),
    eof: fc.boolean(),
  });

  const escapeHelp = (h: string) => h.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
  const escapeLabel = (v: string) =>
    v.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
  const formatValue = (v: number): string => {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return '+Inf';
    if (v === -Infinity) return '-Inf';
    return Object.is(v, -0) ? '-0' : String(v);
  };
  // Family i is named f<i>_<stem>: no family name is a prefix-plus-suffix of another.
  const familyName = (i: number, f: GenFamily) => `f${i}_${f.stem}`;
  const sampleName = (i: number, f: GenFamily) => familyName(i, f) + (f.type === 'counter' ? '_total' : '');

  function render(families: readonly GenFamily[], style: Style): string {
    const { sep, labelSpace: ls, eol } = style;
    const lines: string[] = [];
    families.forEach((f, i) => {
      const name = familyName(i, f);
      if (f.help !== undefined) lines.push(`# HELP${sep}${name}${sep}${escapeHelp(f.help)}`);
      lines.push(`# TYPE${sep}${name}${sep}${f.type}`);
      for (const s of f.samples) {
        const labels = s.labels.map(([k, v]) => `${k}${ls}=${ls}"${escapeLabel(v)}"`).join(`${ls},${ls}`);
        const block =
          s.labels.length === 0 ? '' : `{${ls}${labels}${style.trailingComma ? `${ls},` : ''}${ls}}`;
        const ts = s.timestampMs === undefined ? '' : `${sep}${String(s.timestampMs)}`;
        lines.push(`${sampleName(i, f)}${block}${sep}${formatValue(s.value)}${ts}`);
      }
    });
    if (style.eof) lines.push('# EOF');
    return lines.map((l) => l + eol).join('');
  }

  it('every family, help, label, value and timestamp comes back exactly', () => {
    fc.assert(
      fc.property(fc.array(familyArb, { maxLength: 6 }), styleArb, (families, style) => {
        const text = render(families, style);
        const result = parseExposition(text);
        if (!result.ok) throw new Error(`${JSON.stringify(result.error)} in ${JSON.stringify(text)}`);
        const got = [...result.page.families.values()].map((f) => ({
          name: f.name,
          type: f.type,
          help: f.help,
          samples: f.samples.map((s) => ({
            name: s.name,
            labels: Object.entries(s.labels),
            value: s.value,
            timestampMs: s.timestampMs,
          })),
        }));
        const want = families.map((f, i) => ({
          name: familyName(i, f),
          type: f.type,
          help: f.help,
          samples: f.samples.map((s) => ({
            name: sampleName(i, f),
            labels: s.labels.map(([k, v]) => [k, v]),
            value: s.value,
            timestampMs: s.timestampMs,
          })),
        }));
        expect(got).toEqual(want);
      }),
      { numRuns },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Time. Medians of a few runs after a warm-up; bounds are generous so a busy machine does not flake.

const renamedCopy = (body: string, copy: number) =>
  body.replace(/^(# (?:HELP|TYPE) )?(?=[a-zA-Z_:])/gm, `$1c${copy}_`);
const copies = (body: string, k: number) =>
  Array.from({ length: k }, (_, i) => renamedCopy(body.endsWith('\n') ? body : `${body}\n`, i)).join('');

// The time side of linearity (8x the input in < 16x the time) is a benchmark figure, printed by
// `npm run bench` (bench/exposition.ts): a timed assertion here failed under CI load.
describe('large inputs', () => {
  const k = 4;
  const large = copies(vllmCapture, 8 * k);

  it('k copies of the vLLM capture with renamed families parse into k times its families', () => {
    const result = parseExposition(large);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.page.families.size).toBe(8 * k * 119);
      expect(result.page.sampleCount).toBe(8 * k * 474);
    }
  });

  it('one sample with more labels than maxLabelsPerSample is rejected at the first label over the cap', () => {
    const withLabels = (n: number) =>
      `wide{${Array.from({ length: n }, (_, i) => `l${i}="v${i}"`).join(',')}} 1\n`;
    expect(parseExposition(withLabels(maxLabelsPerSample)).ok).toBe(true);
    const over = withLabels(10_000);
    const col = over.indexOf(`l${maxLabelsPerSample}=`) + 1;
    expect(parseExposition(over)).toEqual({
      ok: false,
      error: { line: 1, col, message: `more than ${maxLabelsPerSample} labels on one sample` },
    });
  });
});

describe('pathological inputs fail (or parse) fast', () => {
  const MB = 1 << 20;
  it.each([
    { name: '1 MB label value without a closing quote', text: `foo{a="${'x'.repeat(MB)}` },
    { name: '1 MB label value of escaped quotes, unterminated', text: `foo{a="${'\\"'.repeat(MB / 2)}` },
    {
      name: '1 MB label value of escaped backslashes, unterminated',
      text: `foo{a="${'\\\\'.repeat(MB / 2)}`,
    },
    { name: '1 MB line of {', text: '{'.repeat(MB) },
    { name: '100k a{', text: 'a{'.repeat(100_000) },
    { name: '100k lines of a{b=" (each unterminated)', text: 'a{b="\n'.repeat(100_000) },
    { name: '1 MB metric name with no value', text: 'a'.repeat(MB) },
    { name: '1 MB of blanks after a name', text: `foo${' '.repeat(MB)}` },
    { name: '1 MB of blanks inside a label block', text: `foo{${' '.repeat(MB)}` },
    { name: '1 MB of commas after a label', text: `foo{a="b"${','.repeat(MB)}` },
    { name: '1 MB comment line', text: `# ${'x'.repeat(MB)}\nfoo 1\n` },
    { name: '1 MB HELP text full of escapes', text: `# HELP foo ${'\\\\\\n'.repeat(MB / 4)}\nfoo 1\n` },
    { name: '1 MB of #', text: '#'.repeat(MB) },
    { name: '1 M newlines', text: '\n'.repeat(MB) },
    { name: '1 M CRLF', text: '\r\n'.repeat(MB / 2) },
    { name: '# EOF then 1 M blank lines then content', text: `# EOF${'\n'.repeat(MB)}x` },
    { name: '1 MB value token', text: `foo ${'9'.repeat(MB)}.x` },
    { name: '1 MB timestamp token', text: `foo 1 ${'1'.repeat(MB)}x` },
    { name: '100k samples of one name (one family)', text: 'foo{a="1"} 1\n'.repeat(100_000) },
    {
      name: '50k HELP/TYPE pairs with no samples',
      text: Array.from({ length: 50_000 }, (_, i) => `# HELP m${i} h\n# TYPE m${i} gauge\n`).join(''),
    },
  ])('$name: < 2 s', ({ text }) => {
    const start = performance.now();
    checkContract(text);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
