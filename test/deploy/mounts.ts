// SPDX-License-Identifier: Apache-2.0
// Lays out the files pdscaler's container sees, under a temporary root, from the rendered Deployment's
// volume mounts and the ConfigMaps they name, so `loadServeConfig` reads the serve config, policies and
// profiles exactly where the container would. ConfigMap volumes are written the way the kubelet writes
// them (a timestamped folder, a `..data` link to it and one link per key), hidden entries included.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadServeConfig, type ServeConfig } from '../../src/loop/config.js';
import { formatIssue } from '../../src/policy/issue.js';
import { findObject, type KubeObject } from './render.js';

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
}

export interface Volume {
  readonly name: string;
  readonly configMap?: {
    readonly name: string;
    readonly items?: readonly KeyToPath[];
    readonly optional?: boolean;
  };
  readonly secret?: { readonly secretName: string };
  readonly emptyDir?: Readonly<Record<string, unknown>>;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
  readonly readOnly?: boolean;
}

export interface Container {
  readonly name: string;
  readonly args?: readonly string[];
  readonly env?: readonly { name: string; value?: string; valueFrom?: unknown }[];
  readonly ports?: readonly { name?: string; containerPort: number }[];
  readonly volumeMounts?: readonly VolumeMount[];
  readonly [field: string]: unknown;
}

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly [field: string]: unknown;
}

/** The pod spec and the one container of the pdscaler Deployment. */
export function pdscalerPod(objects: readonly KubeObject[]): { pod: PodSpec; container: Container } {
  const deployment = findObject(objects, 'Deployment', 'pdscaler');
  const pod = (deployment.spec as { template: { spec: PodSpec } }).template.spec;
  const container = pod.containers.find((c) => c.name === 'pdscaler');
  if (container === undefined) throw new Error('Deployment pdscaler has no container pdscaler');
  return { pod, container };
}

/** The file `--config` names in the container's arguments (the image's CMD says the same). */
export function configPath(container: Container): string {
  const args = container.args ?? [];
  const at = args.indexOf('--config');
  const path = args[at + 1];
  if (at < 0 || path === undefined) throw new Error(`no --config in ${JSON.stringify(args)}`);
  return path;
}

/** The content of a ConfigMap the overlays do not render (the operator creates it), by key. */
export type ExternalConfigMap = (name: string, item: KeyToPath) => string;

function configMapData(
  objects: readonly KubeObject[],
  name: string,
  external: ExternalConfigMap,
): (item: KeyToPath) => string {
  const rendered = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (rendered === undefined) return (item) => external(name, item);
  const data = (rendered as { data?: Record<string, string> }).data ?? {};
  return (item) => {
    const value = data[item.key];
    if (value === undefined) throw new Error(`ConfigMap ${name} has no key ${item.key}`);
    return value;
  };
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** The kubelet's atomic writer: `..<timestamp>/` holds the files, `..data` points at it, keys link through it. */
function writeVolume(mountDir: string, files: readonly KeyToPath[], read: (item: KeyToPath) => string): void {
  const stamp = '..2025_01_01_00_00_00.000000001';
  for (const item of files) writeFile(join(mountDir, stamp, item.path), read(item));
  symlinkSync(stamp, join(mountDir, '..data'));
  const tops = new Set(files.map((item) => item.path.split('/')[0]!));
  for (const top of tops) symlinkSync(join('..data', top), join(mountDir, top));
}

/**
 * Writes every ConfigMap the container mounts under a new temporary root and returns that root:
 * the container's `/etc/pdscaler/serve.yaml` is `<root>/etc/pdscaler/serve.yaml`.
 */
export function materializeConfigMounts(objects: readonly KubeObject[], external: ExternalConfigMap): string {
  const root = mkdtempSync(join(tmpdir(), 'pdscaler-mounts-'));
  const { pod, container } = pdscalerPod(objects);
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume === undefined) throw new Error(`volumeMount ${mount.name} has no volume`);
    if (volume.configMap === undefined) continue;
    const read = configMapData(objects, volume.configMap.name, external);
    const target = join(root, mount.mountPath);
    if (mount.subPath !== undefined) {
      writeFile(target, read({ key: mount.subPath, path: mount.subPath }));
      continue;
    }
    const items = volume.configMap.items;
    const renders = objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap?.name);
    if (!renders && volume.configMap.optional === true) {
      // The kubelet mounts an optional ConfigMap that does not exist as an empty directory.
      mkdirSync(target, { recursive: true });
      continue;
    }
    if (items === undefined) {
      const rendered = findObject(objects, 'ConfigMap', volume.configMap.name);
      const keys = Object.keys((rendered as { data?: Record<string, string> }).data ?? {});
      writeVolume(
        target,
        keys.map((key) => ({ key, path: key })),
        read,
      );
    } else writeVolume(target, items, read);
  }
  return root;
}

/** The optional ConfigMap of the operator's own profiles (deploy/README.md); the overlays work without it. */
export const profilesConfigMap = 'pdscaler-profiles';

/** No ConfigMap is expected from the operator: every one mounted is rendered or optional. */
const noExternalConfigMap: ExternalConfigMap = (name) => {
  throw new Error(`ConfigMap ${name} is mounted but neither rendered nor optional`);
};

/** The overlay's serve config as pdscaler loads it in the container; throws with every issue when it does not load. */
export function loadRenderedServeConfig(objects: readonly KubeObject[]): ServeConfig {
  const root = materializeConfigMounts(objects, noExternalConfigMap);
  const result = loadServeConfig(join(root, configPath(pdscalerPod(objects).container)));
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.config;
}
