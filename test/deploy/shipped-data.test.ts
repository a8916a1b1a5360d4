// SPDX-License-Identifier: Apache-2.0
// The npm package and the container image carry the data a user needs (data/README.md): every built-in
// profile's source files, the demo's trace, the folders' READMEs and the NOTICE; neither carries the
// test-only captures.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoTracePath } from '../../src/demo/demo-trace.js';
import { shippedProfilesDir } from '../../src/package-root.js';
import { profileRegistry } from '../../src/policy/profiles.js';
import { repoRoot } from './render.js';

const packageFiles = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] })
  .files;
const runtimeCopies = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')
  .split('FROM node:20-bookworm-slim AS runtime')[1]!
  .split('\n')
  .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
  .flatMap((line) => line.split(/\s+/).slice(1, -1));

/** Whether one of `entries` (files, or folders ending in /) covers the repository path `path`. */
const covers = (entries: readonly string[], path: string): boolean =>
  entries.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) : path === entry));

const builtInSources = [
  ...new Set(
    Object.values(profileRegistry).flatMap((entry) =>
      entry.format === 'distserve-json' ? [entry.path, entry.kvPath] : [entry.path],
    ),
  ),
].map((path) => `data/profiles/${path}`);
const demoTrace = 'data/traces/mooncake_conversation_trace.jsonl';
const notices = ['NOTICE', 'data/README.md', 'data/traces/README.md'];

describe.each([
  { name: 'the npm package (package.json files)', entries: packageFiles },
  { name: 'the container image (Dockerfile runtime stage)', entries: runtimeCopies },
])('$name', ({ entries }) => {
  it('carries every built-in profile source file, the demo trace and the notices', () => {
    const wanted = [...builtInSources, demoTrace, ...notices];
    expect(wanted.filter((path) => !covers(entries, path))).toEqual([]);
    expect(wanted.filter((path) => !existsSync(join(repoRoot, path)))).toEqual([]);
  });

  it('leaves out the test-only captures and the second trace', () => {
    for (const path of [
      'data/fixtures/engine-metrics/README.md',
      'data/traces/AzureLLMInferenceTrace_code.csv',
    ])
      expect(covers(entries, path)).toBe(false);
  });
});

describe('the paths the program reads them at', () => {
  it('are the repository data folder, resolved from the package root', () => {
    expect(shippedProfilesDir).toBe(join(repoRoot, 'data/profiles'));
    expect(demoTracePath).toBe(join(repoRoot, demoTrace));
  });
});
