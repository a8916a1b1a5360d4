// SPDX-License-Identifier: Apache-2.0
// The Dockerfile, read statically (no Docker daemon here): a build stage that compiles, a runtime stage
// on the same base with production dependencies only, the files the program reads at run time, a
// non-root user and the entry point deploy/ relies on. Also: everything the compiled program imports is
// installed by `npm ci --omit=dev`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './render.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly image: string;
  readonly name: string;
  readonly instructions: readonly Instruction[];
}

/** Instructions in order: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

function stages(all: readonly Instruction[]): Stage[] {
  const found: Stage[] = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const [image = '', , name = ''] = instruction.args.split(/\s+/);
      found.push({ image, name, instructions: [] });
    } else (found.at(-1)?.instructions as Instruction[] | undefined)?.push(instruction);
  }
  return found;
}

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const all = instructions(dockerfile);
const [build, runtime, ...more] = stages(all);
const runs = (stage: Stage | undefined) =>
  stage?.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args) ?? [];
const copies = (stage: Stage | undefined) =>
  stage?.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args.split(/\s+/)) ?? [];
const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage, both on node:20-bookworm-slim', () => {
    expect(more).toEqual([]);
    expect([build?.image, build?.name, runtime?.image, runtime?.name]).toEqual([
      'node:20-bookworm-slim',
      'build',
      'node:20-bookworm-slim',
      'runtime',
    ]);
  });

  it('builds with npm ci and npm run build, from the lockfile', () => {
    expect(runs(build).some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(runs(build)).toContain('npm run build');
    expect(copies(build).some((c) => c.includes('package-lock.json'))).toBe(true);
  });

  it('installs only production dependencies at run time, without the prepare script that needs TypeScript', () => {
    const install = runs(runtime).find((r) => /^npm ci\b/.test(r)) ?? '';
    expect(install).toContain('--omit=dev');
    // `prepare` runs `npm run build` (tsc, a devDependency) on every npm ci unless scripts are off.
    expect(packageJson.scripts.prepare).toContain('build');
    expect(packageJson.devDependencies).toHaveProperty('typescript');
    expect(install).toContain('--ignore-scripts');
  });

  it('copies the compiled program and what it reads at run time into the runtime stage', () => {
    const copied = copies(runtime).map((c) =>
      c
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1)
        .join(' '),
    );
    expect(copied).toEqual(
      expect.arrayContaining(['package.json package-lock.json', '/app/dist/', 'bin/', 'proto/', 'policies/']),
    );
    expect(copies(runtime).find((c) => c.includes('/app/dist/'))).toContain('--from=build');
    // bin/pdscaler.js imports ../dist/src/main.js: tsc's outDir dist with rootDir . puts src/main.ts there.
    expect(readFileSync(join(repoRoot, 'bin/pdscaler.js'), 'utf8')).toContain("'../dist/src/main.js'");
    expect(existsSync(join(repoRoot, 'src/main.ts'))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore keeps in the context', () => {
    const sources = [build, runtime].flatMap((stage) =>
      copies(stage)
        .filter((c) => !c.some((a) => a.startsWith('--from=')))
        .flatMap((c) => c.slice(0, -1)),
    );
    expect(sources.filter((s) => !existsSync(join(repoRoot, s)))).toEqual([]);
    expect(sources.filter((s) => dockerignore.includes(s.replace(/\/$/, '').split('/')[0] ?? ''))).toEqual(
      [],
    );
    expect(dockerignore).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });

  it('runs as the non-root user 65532 with the serve command deploy/ mounts a config for', () => {
    const last = runtime?.instructions ?? [];
    expect(last.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['65532:65532']);
    const userAt = last.findIndex((i) => i.keyword === 'USER');
    expect(last.slice(userAt).filter((i) => i.keyword === 'RUN')).toEqual([]);
    expect(last.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe('["node", "bin/pdscaler.js"]');
    expect(last.find((i) => i.keyword === 'CMD')?.args).toBe(
      '["serve", "--config", "/etc/pdscaler/serve.yaml"]',
    );
  });
});

/** Every .ts file under src/ (what the build stage compiles), relative to the repository root. */
function sourceFiles(dir = join(repoRoot, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(repoRoot, path)] : [];
  });
}

/** Packages a module loads at run time: value imports and re-exports, side-effect and dynamic imports. */
function runtimePackages(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^'.][^']*)'/gms),
    ...text.matchAll(/^\s*import\s+'([^'.][^']*)'/gm),
    ...text.matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g),
  ].map((m) => m[1] ?? '');
  return specifiers
    .filter((s) => !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)));
}

describe('the runtime image', () => {
  it('has every package the compiled program imports, since npm ci --omit=dev skips devDependencies', () => {
    const missing = sourceFiles().flatMap((file) =>
      runtimePackages(readFileSync(join(repoRoot, file), 'utf8'))
        .filter((pkg) => !(pkg in packageJson.dependencies))
        .map((pkg) => `${file} imports ${pkg}, which is not in dependencies`),
    );
    expect(missing).toEqual([]);
  });
});
