// SPDX-License-Identifier: Apache-2.0
// A clone is the whole product: no source, test, script, doc or manifest reads or cites the data
// folder that once sat beside the repository, nor its research notes by name (docs/reference.md holds
// their facts with the public sources). The needles are built at run time so this file does not match
// itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const outside = ['..', 'shared'].join('/');
/** The research notes that sat there: their facts and sources now live in docs/reference.md. */
const notes = [
  'autoscaler-algorithms',
  'engine-metrics-and-profiles',
  'evaluation-lessons',
  'gateway-coldstart-fluid-kpa',
  'k8s-external-metrics-and-keda',
  'research-autoscalers',
  'style-anchors',
  'rbg',
  'DESIGN',
  'DEVELOPERS',
].map((name) => [name, 'md'].join('.'));
const needles = [
  `${outside}/`,
  ...['reference', 'profiles', 'traces', 'fixtures'].map((folder) => `${['shared', folder].join('/')}/`),
  ...notes,
];
/** Not ours to scan: installed or generated trees, and the verbatim data (data/README.md). */
const skipped = new Set(['node_modules', 'dist', 'coverage', '.git', '.tmp', 'data']);
const binary = /\.(png|npz|gz|ico)$/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return entry.isFile() && !binary.test(entry.name) ? [path] : [];
  });
}

describe('the repository', () => {
  const all = files(root);

  it('scans src/ and test/, including this file', () => {
    const names = all.map((path) => relative(root, path));
    expect(names).toContain('test/repository/self-contained.test.ts');
    expect(names.some((name) => name.startsWith('src/'))).toBe(true);
  });

  it('refers nowhere to the data folder beside the checkout or to its notes', () => {
    const hits = all.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          needles.some((needle) => line.includes(needle))
            ? [`${relative(root, path)}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(hits).toEqual([]);
  });
});
