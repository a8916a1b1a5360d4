// SPDX-License-Identifier: Apache-2.0
// Fluid (`data.fluid.io/v1alpha1`, docs/reference.md §E.3): the cache state of the Dataset
// that holds a policy's model, which keys the cold-start estimate (a pod that loads from a full cache
// starts in ~80 s where a download takes ~9 min, §3.5), and an optional pre-warm: one `DataLoad` when
// a scale-out is coming and the Dataset is not fully cached. Never two at once: Fluid itself locks an
// operation type through `status.operationRef` (§3.4), and a DataLoad of ours still running counts too.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../telemetry/logger.js';
import { apiErrorStatus } from './api-error.js';
import { requestOptions } from './request-options.js';

const group = 'data.fluid.io';
const version = 'v1alpha1';

/** Where a Dataset's data is, for a cold start: all in the cache, part of it, or not known. */
export type CacheState = 'cached' | 'partial' | 'unknown';

export interface DatasetCache {
  /** `status.phase`: Pending, Bound, NotBound, Failed, Updating, DataMigrating or ''. */
  readonly phase: string;
  /** `status.cacheStates.cachedPercentage` as a number; undefined for "N/A" (ThinRuntime) or absent. */
  readonly cachedPercentage: number | undefined;
  /**
   * `cached` only when Bound at 100%. Fluid's percentage is cluster-wide: it does not say the new
   * pod lands on a cache node (§3.4), so "cached" is the best case, not a promise.
   */
  readonly cacheState: CacheState;
  /** The DataLoad Fluid reports running on this Dataset (`status.operationRef.DataLoad`), if any. */
  readonly dataLoadRunning: string | undefined;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** "100.0%" -> 100, "37.5%" -> 37.5; "N/A", "" and anything else -> undefined. */
export function parsePercentage(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The cache facts of a Dataset object as the API returns it. */
export function datasetCache(dataset: unknown): DatasetCache {
  const status = record(record(dataset).status);
  const phase = text(status.phase) ?? '';
  const cachedPercentage = parsePercentage(text(record(status.cacheStates).cachedPercentage));
  let cacheState: CacheState = 'unknown';
  if (cachedPercentage !== undefined)
    cacheState = phase === 'Bound' && cachedPercentage >= 100 ? 'cached' : 'partial';
  const running = text(record(status.operationRef).DataLoad);
  return { phase, cachedPercentage, cacheState, dataLoadRunning: running === '' ? undefined : running };
}

/** The calls the pre-warmer makes; each throws client-node's ApiException on an HTTP error. */
export interface FluidApi {
  /** The Dataset object, or undefined when it does not exist. */
  getDataset(namespace: string, name: string): Promise<unknown>;
  listDataLoads(namespace: string): Promise<readonly unknown[]>;
  createDataLoad(namespace: string, body: Readonly<Record<string, unknown>>): Promise<unknown>;
}

export function kubeFluidApi(
  config: KubeConfig,
  options: { readonly requestTimeoutMs?: number } = {},
): FluidApi {
  const api = config.makeApiClient(CustomObjectsApi);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return {
    async getDataset(namespace, name) {
      try {
        return (await api.getNamespacedCustomObject(
          { group, version, plural: 'datasets', namespace, name },
          requestOptions({ timeoutMs }),
        )) as unknown;
      } catch (error) {
        if (apiErrorStatus(error) === 404) return undefined;
        throw error;
      }
    },
    async listDataLoads(namespace) {
      const list = (await api.listNamespacedCustomObject(
        { group, version, plural: 'dataloads', namespace },
        requestOptions({ timeoutMs }),
      )) as unknown;
      const items = record(list).items;
      return Array.isArray(items) ? (items as unknown[]) : [];
    },
    async createDataLoad(namespace, body) {
      return (await api.createNamespacedCustomObject(
        { group, version, plural: 'dataloads', namespace, body },
        requestOptions({ timeoutMs }),
      )) as unknown;
    },
  };
}

/** A Dataset by namespace and name. */
export interface DatasetRef {
  readonly namespace: string;
  readonly name: string;
}

export type PrewarmOutcome =
  | { readonly outcome: 'cached' }
  | { readonly outcome: 'in-progress'; readonly dataLoad: string }
  | { readonly outcome: 'created'; readonly dataLoad: string }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'failed'; readonly message: string };

/** DataLoad phases after which another may start (§3.2; older docs say "Loading" for Executing). */
const finishedPhases = new Set(['Complete', 'Failed']);

/** The label our DataLoads carry, so a list tells ours from an operator's. */
export const managedByLabel = { 'app.kubernetes.io/managed-by': 'pdscaler' } as const;

/** A DataLoad of `ref` that has not finished (ours or anyone's: Fluid runs one at a time anyway). */
function runningDataLoad(items: readonly unknown[], ref: DatasetRef): string | undefined {
  for (const item of items) {
    const spec = record(record(item).spec);
    const dataset = record(spec.dataset);
    const namespace = text(dataset.namespace) ?? text(record(record(item).metadata).namespace);
    if (text(dataset.name) !== ref.name || (namespace !== undefined && namespace !== ref.namespace)) continue;
    if (!finishedPhases.has(text(record(record(item).status).phase) ?? '')) {
      return text(record(record(item).metadata).name) ?? '(unnamed)';
    }
  }
  return undefined;
}

/** `<dataset>-pdscaler-<base36 time>`: unique per second, readable, within 253 characters. */
export function dataLoadName(dataset: string, nowMs: number): string {
  const suffix = `-pdscaler-${Math.floor(nowMs / 1000).toString(36)}`;
  return `${dataset.slice(0, 253 - suffix.length)}${suffix}`;
}

/** The DataLoad body: load the whole Dataset once, metadata included, cleaned up an hour after it ends. */
export function dataLoadBody(ref: DatasetRef, nowMs: number): Record<string, unknown> {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'DataLoad',
    metadata: {
      name: dataLoadName(ref.name, nowMs),
      namespace: ref.namespace,
      labels: { ...managedByLabel },
    },
    spec: {
      dataset: { name: ref.name, namespace: ref.namespace },
      loadMetadata: true,
      target: [{ path: '/', replicas: 1 }],
      ttlSecondsAfterFinished: 3600,
    },
  };
}

/** Reads Dataset cache states and starts at most one DataLoad per Dataset at a time. */
export class FluidPrewarmer {
  private readonly api: FluidApi;
  private readonly logger: Logger;
  private readonly nowMs: () => number;

  constructor(options: { readonly api: FluidApi; readonly logger: Logger; readonly nowMs: () => number }) {
    this.api = options.api;
    this.logger = options.logger;
    this.nowMs = options.nowMs;
  }

  /** The Dataset's cache facts, or undefined when it does not exist or cannot be read (logged). */
  async readCache(ref: DatasetRef): Promise<DatasetCache | undefined> {
    try {
      const dataset = await this.api.getDataset(ref.namespace, ref.name);
      return dataset === undefined ? undefined : datasetCache(dataset);
    } catch (error) {
      this.logger.warn(
        { dataset: `${ref.namespace}/${ref.name}`, err: error },
        'cannot read the Fluid Dataset',
      );
      return undefined;
    }
  }

  /** Starts a DataLoad unless the Dataset is fully cached or one is already running. */
  async prewarm(ref: DatasetRef): Promise<PrewarmOutcome> {
    try {
      const dataset = await this.api.getDataset(ref.namespace, ref.name);
      if (dataset === undefined) return { outcome: 'not-found' };
      const cache = datasetCache(dataset);
      if (cache.cacheState === 'cached') return { outcome: 'cached' };
      if (cache.dataLoadRunning !== undefined)
        return { outcome: 'in-progress', dataLoad: cache.dataLoadRunning };
      const running = runningDataLoad(await this.api.listDataLoads(ref.namespace), ref);
      if (running !== undefined) return { outcome: 'in-progress', dataLoad: running };
      const body = dataLoadBody(ref, this.nowMs());
      await this.api.createDataLoad(ref.namespace, body);
      const name = text(record(body.metadata).name) ?? '';
      this.logger.info(
        { dataset: `${ref.namespace}/${ref.name}`, dataLoad: name },
        'started a Fluid DataLoad',
      );
      return { outcome: 'created', dataLoad: name };
    } catch (error) {
      // 409: a DataLoad of this name exists (a second writer this second): it is running.
      if (apiErrorStatus(error) === 409)
        return { outcome: 'in-progress', dataLoad: dataLoadName(ref.name, this.nowMs()) };
      return { outcome: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  }
}
