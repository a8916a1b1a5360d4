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

  it('rewrites only the section, leaving the prose as it was (Prettier runs after, in the npm scripts)', () => {
    const path = join(tmp, 'rewrite.md');
    writeFileSync(path, doc);
    rewriteSections(path, { t: ['| a | bb |', '| --- | ---: |', '| 1 | 2 |'] });
    const written = readFileSync(path, 'utf8');
    expect(written).toContain('<!-- t:begin -->\n| a | bb |\n| --- | ---: |\n| 1 | 2 |\n<!-- t:end -->');
    expect(written.startsWith('# Title\n\nProse before.\n')).toBe(true);
    expect(written.endsWith('Prose after.\n')).toBe(true);
  });
});
