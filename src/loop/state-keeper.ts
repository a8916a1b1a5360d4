// SPDX-License-Identifier: Apache-2.0
// A policy's decider state between ticks: in memory, and in the state ConfigMap when one is set, so a
// restart or a failover keeps the stabilization windows and the last scale times. The leader saves
// after every tick; a standby re-reads before each of its ticks so its published numbers follow the
// leader's windows rather than its own cold start.
import type { DecisionState } from '../decision/types.js';
import type { Logger } from '../telemetry/logger.js';

/** Where state survives the process (src/kube/state-store.ts in a cluster). */
export interface StatePersistence {
  load(policyKey: string): Promise<DecisionState | undefined>;
  save(policyKey: string, state: DecisionState): Promise<void>;
}

export class StateKeeper {
  private state: DecisionState = { roles: {} };
  private loaded = false;
  private readonly key: string;
  private readonly persistence: StatePersistence | undefined;
  private readonly logger: Logger;

  constructor(options: { key: string; persistence: StatePersistence | undefined; logger: Logger }) {
    this.key = options.key;
    this.persistence = options.persistence;
    this.logger = options.logger;
  }

  /** The state to decide from. A standby, or a new leader's first tick, reads the persisted copy. */
  async current(options: { readonly leader: boolean }): Promise<DecisionState> {
    if (this.persistence === undefined || (options.leader && this.loaded)) return this.state;
    try {
      const stored = await this.persistence.load(this.key);
      if (stored !== undefined) this.state = stored;
      this.loaded = options.leader;
    } catch (error) {
      // Keep deciding from memory: losing the ConfigMap must not stop scaling.
      this.logger.warn({ err: (error as Error).message }, 'decision state not readable; using memory');
    }
    return this.state;
  }

  /** Keeps the next state; the leader also persists it. */
  async commit(state: DecisionState, options: { readonly leader: boolean }): Promise<void> {
    this.state = state;
    if (!options.leader || this.persistence === undefined) return;
    try {
      await this.persistence.save(this.key, state);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'decision state not saved; will retry next tick');
    }
  }

  /** Lost leadership: the next leader term starts by re-reading what was persisted. */
  forgetLoaded(): void {
    this.loaded = false;
  }
}
