// SPDX-License-Identifier: Apache-2.0
// deploy/ renders with `kubectl kustomize`, with kubectl 1.20's built-in kustomize (v2.0.3, Debian's
// kubernetes-client, which CI installs on a fresh machine) as with a current one: the kustomizations use
// only what v2.0.3 knows, checked statically here so a newer kubectl cannot hide a regression.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectlMissing, skipKubectl } from '../helpers/kubectl.js';
import {
  describeObject,
  kustomize,
  overlays,
  pdscalerNamespace,
  repoRoot,
  type KubeObject,
} from './render.js';

/** Every kustomization.yaml under deploy/, relative to the repository root. */
function kustomizations(dir = join(repoRoot, 'deploy')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return kustomizations(path);
    return entry.name === 'kustomization.yaml' ? [relative(repoRoot, path)] : [];
  });
}

/** The fields kustomize v2.0.3 (kubectl 1.20) understands and deploy/ uses. */
const v203Fields = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'bases',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'generatorOptions',
  'images',
]);

interface Kustomization {
  readonly resources?: string[];
  readonly bases?: string[];
  readonly patchesStrategicMerge?: string[];
  readonly patchesJson6902?: { path: string }[];
  readonly configMapGenerator?: { files?: string[] }[];
}

const files = kustomizations();
const read = (path: string): Kustomization =>
  parse(readFileSync(join(repoRoot, path), 'utf8')) as Kustomization;

describe('kustomizations under deploy/ (kustomize v2.0.3 compatible)', () => {
  it('finds every overlay, the shared parts and observability', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'deploy/base/kustomization.yaml',
        'deploy/observability/kustomization.yaml',
        ...overlays.map((o) => `deploy/overlays/${o}/kustomization.yaml`),
      ]),
    );
  });

  it.each(files)('%s uses only fields kustomize v2.0.3 knows', (file) => {
    const unknown = Object.keys(read(file)).filter((key) => !v203Fields.has(key));
    expect(unknown).toEqual([]);
  });

  it.each(files)(
    '%s lists files in resources and folders in bases (v2.0.3 loads no folder as a resource)',
    (file) => {
      const k = read(file);
      const dir = join(repoRoot, dirname(file));
      for (const resource of k.resources ?? [])
        expect(statSync(join(dir, resource)).isFile(), resource).toBe(true);
      for (const base of k.bases ?? [])
        expect(existsSync(join(dir, base, 'kustomization.yaml')), base).toBe(true);
    },
  );

  it.each(files)('%s refers only to files inside its own folder (the v2.0.3 load restrictor)', (file) => {
    const k = read(file);
    const referenced = [
      ...(k.resources ?? []),
      ...(k.patchesStrategicMerge ?? []),
      ...(k.patchesJson6902 ?? []).map((p) => p.path),
      ...(k.configMapGenerator ?? []).flatMap((g) => g.files ?? []),
    ];
    expect(referenced.filter((path) => path.startsWith('..') || path.startsWith('/'))).toEqual([]);
  });
});

const rendered = new Map<string, { objects: readonly KubeObject[]; stderr: string }>();
const dirs = [...overlays.map((o) => `deploy/overlays/${o}`), 'deploy/observability'];
if (skipKubectl) console.warn(`kustomize.test.ts rendering skipped: ${kubectlMissing}`);

describe.skipIf(skipKubectl)('kubectl kustomize', () => {
  beforeAll(async () => {
    for (const dir of dirs) rendered.set(dir, await kustomize(dir));
  });

  it.each(dirs)('%s renders with nothing on stderr but deprecation warnings', (dir) => {
    const warnings = rendered
      .get(dir)!
      .stderr.split('\n')
      .filter((line) => line.trim() !== '' && !/deprecated/i.test(line));
    expect(warnings).toEqual([]);
  });

  it.each(dirs)('%s renders no object twice', (dir) => {
    const names = rendered.get(dir)!.objects.map(describeObject);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it.each(overlays)('%s puts pdscaler and its config in pdscaler-system', (overlay) => {
    const objects = rendered.get(`deploy/overlays/${overlay}`)!.objects;
    const own = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'pdscaler');
    const misplaced = own
      .filter((o) =>
        ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap', 'PodDisruptionBudget'].includes(o.kind),
      )
      .filter((o) => o.metadata.namespace !== pdscalerNamespace)
      .map(describeObject);
    expect(misplaced).toEqual([]);
    expect(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === pdscalerNamespace)).toBe(true);
  });

  it.each(overlays)('%s names the generated serve config in the Deployment by its hashed name', (overlay) => {
    const objects = rendered.get(`deploy/overlays/${overlay}`)!.objects;
    const config = objects.find(
      (o) => o.kind === 'ConfigMap' && /^pdscaler-config-[a-z0-9]+$/.test(o.metadata.name),
    );
    expect(config).toBeDefined();
    const deployment = JSON.stringify(objects.find((o) => o.kind === 'Deployment'));
    expect(deployment).toContain(`"name":"${config?.metadata.name ?? ''}"`);
  });

  it('renders every overlay with the same base: only the mode-specific objects differ', () => {
    const kinds = (overlay: string) =>
      new Set(rendered.get(`deploy/overlays/${overlay}`)!.objects.map((o) => `${o.kind} ${o.metadata.name}`));
    const shared = [...kinds('keda')].filter((k) => overlays.every((o) => kinds(o).has(k)));
    expect(shared).toEqual(
      expect.arrayContaining([
        'Deployment pdscaler',
        'Service pdscaler',
        'ServiceAccount pdscaler',
        'PodDisruptionBudget pdscaler',
        'ConfigMap pdscaler-policies',
        'Role pdscaler',
        'ClusterRole pdscaler-workloads',
      ]),
    );
  });
});
