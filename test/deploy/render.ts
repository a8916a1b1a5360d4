// SPDX-License-Identifier: Apache-2.0
// Renders the deploy/ kustomizations with a real `kubectl kustomize`, as `kubectl apply -k` would, and
// reads the manifests kept outside kustomizations (deploy/examples/). kubectl is found like the other
// integration tests find it (test/helpers/kubectl.ts): outside CI a missing binary skips, in CI it fails.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { kubectlBinary, kubectlMissing } from '../helpers/kubectl.js';

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every overlay, one per way to run pdscaler (deploy/README.md). */
export const overlays = ['standalone', 'standalone-secret', 'keda', 'direct'] as const;
export type Overlay = (typeof overlays)[number];

/** The namespace deploy/base/kustomization.yaml puts pdscaler in. */
export const pdscalerNamespace = 'pdscaler-system';

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** Parses a multi-document YAML stream; an empty document (a trailing `---`) is skipped. */
export function parseManifests(text: string, source: string): KubeObject[] {
  return parseAllDocuments(text).flatMap<KubeObject>((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as KubeObject | null;
    return value === null ? [] : [value];
  });
}

/** The objects of a manifest file in the repository, e.g. `deploy/examples/hpa.yaml`. */
export function readManifests(path: string): KubeObject[] {
  return parseManifests(readFileSync(`${repoRoot}${path}`, 'utf8'), path);
}

export interface Rendered {
  readonly objects: readonly KubeObject[];
  /** kubectl's warnings (kustomize v5 flags `bases` and `patchesStrategicMerge` as deprecated). */
  readonly stderr: string;
}

/** `kubectl kustomize <dir>`, dir relative to the repository root. */
export async function kustomize(dir: string): Promise<Rendered> {
  if (kubectlBinary === undefined) throw new Error(`CI=true but ${kubectlMissing}`);
  const { stdout, stderr } = await run(kubectlBinary, ['kustomize', `${repoRoot}${dir}`], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { objects: parseManifests(stdout, dir), stderr };
}

/** `Kind namespace/name`, to name an object in a failure. */
export function describeObject(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return `${object.kind} ${namespace === undefined ? '' : `${namespace}/`}${name}`;
}

/** The one object of this kind and name; throws when there is none or several. */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
}

/** The one object of this kind whose name starts with `prefix` (generated ConfigMaps carry a hash suffix). */
export function findGenerated(objects: readonly KubeObject[], kind: string, prefix: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.startsWith(`${prefix}-`));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${prefix}-<hash>, found ${found.length}`);
  return found[0]!;
}
