// SPDX-License-Identifier: Apache-2.0
// The decider's memory (stabilization windows, last scale times, forecast, correction) kept in one
// ConfigMap, one data key per policy, so a restart or a failover to a standby continues the windows
// instead of starting cold. Each save merge-patches only its own key; a key that does not parse is
// logged and skipped, and that policy starts fresh.
import {
  CoreV1Api,
  PatchStrategy,
  V1ConfigMap,
  V1ObjectMeta,
  type KubeConfig,
} from '@kubernetes/client-node';
import { parseState } from '../cli/state-json.js';
import type { DecisionState } from '../decision/types.js';
import type { Logger } from '../telemetry/logger.js';
import { apiErrorStatus } from './api-error.js';
import { model } from './models.js';
import { requestOptions } from './request-options.js';
import { defaultRetryPolicy, realSleep, withRetries, type RetryPolicy, type Sleep } from './retry.js';

export interface PolicyName {
  readonly namespace: string;
  readonly name: string;
}

/** A policy's state as last saved. */
export interface StoredState extends PolicyName {
  readonly state: DecisionState;
  readonly savedAtMs: number;
}

export type SaveResult =
  | { readonly saved: true; /** Size of the value written, in bytes. */ readonly bytes: number }
  | { readonly saved: false; readonly message: string };

export interface StateStoreOptions {
  readonly kubeConfig: KubeConfig;
  /** Where the ConfigMap lives (serve config `state.configMap`). */
  readonly namespace: string;
  readonly name: string;
  readonly logger: Logger;
  readonly nowMs?: () => number;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

/**
 * `<namespace>.<name>.json`. ConfigMap keys allow `[-._a-zA-Z0-9]`; a namespace is a DNS label (no
 * dots), so the first dot always ends the namespace and the key reads back unambiguously.
 */
export function stateDataKey(policy: PolicyName): string {
  return `${policy.namespace}.${policy.name}.json`;
}

function policyOfKey(key: string): PolicyName | undefined {
  const [, namespace, name] = /^([a-z0-9-]+)\.(.+)\.json$/.exec(key) ?? [];
  return namespace === undefined || name === undefined ? undefined : { namespace, name };
}

/** The stored value: the state as `pdscaler plan --state` reads it, plus when it was saved. */
interface Envelope {
  readonly savedAt: string;
  readonly state: DecisionState;
}

/** The state under one data key, or why it cannot be used. */
function readKey(key: string, text: string): StoredState | { why: string } {
  const policy = policyOfKey(key);
  if (policy === undefined) return { why: 'not a <namespace>.<name>.json key' };
  const parsed = parseEnvelope(text);
  return parsed.ok ? { ...policy, ...parsed.stored } : { why: parsed.why };
}

function parseEnvelope(
  text: string,
): { ok: true; stored: Omit<StoredState, keyof PolicyName> } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, why: `invalid JSON: ${(error as Error).message}` };
  }
  const envelope = (typeof json === 'object' && json !== null ? json : {}) as Partial<
    Record<keyof Envelope, unknown>
  >;
  const savedAtMs = typeof envelope.savedAt === 'string' ? Date.parse(envelope.savedAt) : Number.NaN;
  if (Number.isNaN(savedAtMs)) return { ok: false, why: 'savedAt: expected an RFC 3339 time' };
  const parsed = parseState(envelope.state);
  if (!parsed.ok) return { ok: false, why: `state: ${parsed.issues.join('; ')}` };
  return { ok: true, stored: { state: parsed.state, savedAtMs } };
}

export class DecisionStateStore {
  private readonly core: CoreV1Api;
  private readonly options: StateStoreOptions;
  private readonly policy: RetryPolicy;
  private readonly nowMs: () => number;
  private readonly timeoutMs: number;

  constructor(options: StateStoreOptions) {
    this.options = options;
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.nowMs = options.nowMs ?? Date.now;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /**
   * Every policy's saved state (at start and on becoming leader). An absent ConfigMap is no state;
   * a key that does not parse is logged and left out. Throws when the ConfigMap cannot be read.
   */
  async load(): Promise<StoredState[]> {
    const { namespace, name } = this.options;
    const read = await withRetries(async () => {
      try {
        return await this.core.readNamespacedConfigMap(
          { namespace, name },
          requestOptions({ timeoutMs: this.timeoutMs }),
        );
      } catch (error) {
        if (apiErrorStatus(error) === 404) return undefined;
        throw error;
      }
    }, this.context('GET'));
    if (!read.ok)
      throw new Error(`reading ConfigMap ${namespace}/${name}: ${read.error.message}`, { cause: read.error });
    const loaded: StoredState[] = [];
    for (const [key, text] of Object.entries(read.value?.data ?? {})) {
      const stored = readKey(key, text);
      if ('state' in stored) loaded.push(stored);
      else
        this.options.logger.warn(
          { configMap: `${namespace}/${name}`, key, why: stored.why },
          `ignoring saved state ${key}: ${stored.why}; that policy starts fresh`,
        );
    }
    return loaded;
  }

  /** Writes one policy's state (merge patch of its key; creates the ConfigMap when absent). Never throws. */
  async save(policy: PolicyName, state: DecisionState): Promise<SaveResult> {
    const { namespace, name } = this.options;
    const envelope: Envelope = { savedAt: new Date(this.nowMs()).toISOString(), state };
    const value = JSON.stringify(envelope);
    const data = { [stateDataKey(policy)]: value };
    const written = await withRetries(() => this.patchOrCreate(data), this.context('PATCH'));
    if (written.ok) return { saved: true, bytes: Buffer.byteLength(value) };
    const message = `saving state of ${policy.namespace}/${policy.name} to ConfigMap ${namespace}/${name}: ${written.error.message}`;
    this.options.logger.warn({ attempts: written.attempts }, message);
    return { saved: false, message };
  }

  private async patchOrCreate(data: Record<string, string>): Promise<void> {
    const { namespace, name } = this.options;
    try {
      await this.core.patchNamespacedConfigMap(
        { namespace, name, body: { data } },
        requestOptions({ timeoutMs: this.timeoutMs, patch: PatchStrategy.MergePatch }),
      );
      return;
    } catch (error) {
      if (apiErrorStatus(error) !== 404) throw error;
    }
    // Absent: create it. A 409 AlreadyExists (another writer created it meanwhile) is retried as a patch.
    await this.core.createNamespacedConfigMap(
      {
        namespace,
        body: model(V1ConfigMap, {
          metadata: model(V1ObjectMeta, {
            name,
            namespace,
            labels: { 'app.kubernetes.io/managed-by': 'pdscaler' },
          }),
          data,
        }),
      },
      requestOptions({ timeoutMs: this.timeoutMs }),
    );
  }

  private context(verb: string) {
    const { namespace, name } = this.options;
    return {
      policy: this.policy,
      sleep: this.options.sleep ?? realSleep,
      random: this.options.random ?? Math.random,
      retryConflicts: true,
      logger: this.options.logger,
      what: `${verb} configmaps/${name} in ${namespace}`,
    };
  }
}
