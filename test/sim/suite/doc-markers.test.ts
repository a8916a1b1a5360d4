// SPDX-License-Identifier: Apache-2.0
// Generated sections of a markdown file: replaced between their markers, the prose around them kept,
// a file lacking a section's markers named before any work is done.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceBetween, rewriteSections, sectionsProblem } from '../../../src/sim/suite/doc-markers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pdscaler-doc-markers-'));
const doc = [
  '# Title',
  '',
  'Prose before.',
  '',
  '<!-- t:begin -->',
  'old',
  '<!-- t:end -->',
  '',
  'Prose after.',
  '',
].join('\n');

describe('doc markers', () => {
  it('replaces only what lies between the markers', () => {
    expect(replaceBetween(doc, 't', ['new 1', 'new 2'])).toBe(
      doc.replace('<!-- t:begin -->\nold\n', '<!-- t:begin -->\nnew 1\nnew 2\n'),
    );
  });

  it('refuses a section without markers', () => {
    expect(() => replaceBetween(doc, 'other', ['x'])).toThrow(
      'no <!-- other:begin --> ... <!-- other:end --> markers',
    );
  });

  it('names the sections a file lacks, and a file it cannot read', () => {
    const path = join(tmp, 'check.md');
    writeFileSync(path, doc);
    expect(sectionsProblem(path, ['t'])).toBeUndefined();
    expect(sectionsProblem(path, ['t', 'eval'])).toBe(
      `${path}: no <!-- eval:begin --> ... <!-- eval:end --> markers`,
    );
    expect(sectionsProblem(join(tmp, 'missing.md'), ['t'])).toContain('missing.md');
  });

  it('rewrites a file formatted as the repository lints it (tables aligned)', async () => {
    const path = join(tmp, 'rewrite.md');
    writeFileSync(path, doc);
    await rewriteSections(path, { t: ['| a | bb |', '| --- | ---: |', '| 1 | 2 |'] });
    expect(readFileSync(path, 'utf8')).toBe(
      [
        '# Title',
        '',
        'Prose before.',
        '',
        '<!-- t:begin -->',
        '',
        '| a   |  bb |',
        '| --- | --: |',
        '| 1   |   2 |',
        '',
        '<!-- t:end -->',
        '',
        'Prose after.',
        '',
      ].join('\n'),
    );
  });
});
