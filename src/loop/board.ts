// SPDX-License-Identifier: Apache-2.0
// The decisions the loop publishes, held in memory for every output: the external metrics API, the
// KEDA scaler, the /scale writer and the status page read the board; only the loop writes it. Handlers
// never compute a decision (docs/design.md: "answers from the last Decision in memory").
import type { Decision, DecisionSpec, EpochMs, Observation, Role } from '../decision/types.js';

/** One policy as the outputs see it: its spec and, after the first tick, its last decision. */
export interface PublishedPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly spec: DecisionSpec;
  /** Loop interval; a decision older than a few intervals means the loop is stuck. */
  readonly intervalS: number;
  /** Seconds a rate is averaged over: the scrape interval, or the PromQL window. */
  readonly rateWindowS?: number;
  /** Absent until the first tick has finished. */
  readonly decision?: Decision;
  /** The observation the decision was made from. */
  readonly observation?: Observation;
  /** Replicas the roles have now (the scaling adapters' spec), when known. */
  readonly currentReplicas?: Readonly<Partial<Record<Role, number>>>;
  /** When the loop last published this entry. */
  readonly publishedAtMs: EpochMs;
}

export type BoardListener = (entry: PublishedPolicy, previous: PublishedPolicy | undefined) => void;

/** `namespace/name` of a policy. */
export function policyKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class DecisionBoard {
  private readonly entries = new Map<string, PublishedPolicy>();
  private readonly listeners = new Set<BoardListener>();

  /** Replaces a policy's entry and tells every listener (listeners must not throw; errors are dropped). */
  publish(entry: PublishedPolicy): void {
    const key = policyKey(entry.namespace, entry.name);
    const previous = this.entries.get(key);
    this.entries.set(key, entry);
    for (const listener of this.listeners) {
      try {
        listener(entry, previous);
      } catch {
        // A failing output must not stop the loop or the other outputs; each logs its own errors.
      }
    }
  }

  get(namespace: string, name: string): PublishedPolicy | undefined {
    return this.entries.get(policyKey(namespace, name));
  }

  /**
   * A policy by `name` or `namespace/name`. A bare name resolves in `defaultNamespace` first, then
   * anywhere if exactly one policy has that name.
   */
  find(ref: string, defaultNamespace: string): PublishedPolicy | undefined {
    const slash = ref.indexOf('/');
    if (slash >= 0) return this.get(ref.slice(0, slash), ref.slice(slash + 1));
    const local = this.get(defaultNamespace, ref);
    if (local !== undefined) return local;
    const matches = this.list().filter((entry) => entry.name === ref);
    return matches.length === 1 ? matches[0] : undefined;
  }

  list(): readonly PublishedPolicy[] {
    return [...this.entries.values()];
  }

  /** Calls `listener` on every publish; returns the unsubscribe function. */
  subscribe(listener: BoardListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
