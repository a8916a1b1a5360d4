// SPDX-License-Identifier: Apache-2.0
// The charts of a policy change only when the loop publishes (their time axis ends at the newest
// decision), while every open page polls every 2 s: keeping the last rendering per policy makes a poll
// between two publishes cost string concatenation instead of redrawing every chart.
import type { DecisionSpec } from '../../decision/types.js';
import type { PolicyFigures } from './charts.js';

interface Cached {
  readonly version: number;
  readonly spec: DecisionSpec;
  readonly id: string;
  readonly figures: PolicyFigures;
}

export interface FigureKey {
  /** `namespace/name`. */
  readonly policy: string;
  /** The history's version of the policy: it moves on every recorded publish. */
  readonly version: number;
  /** A reloaded policy is a new spec object, and its lines (SLO, band, budget) may have moved. */
  readonly spec: DecisionSpec;
  /** The chart name prefix, which moves when a policy is added before this one. */
  readonly id: string;
}

export class FigureCache {
  private readonly entries = new Map<string, Cached>();

  /** The cached figures for `key`, or `render()`'s, which are kept for next time. */
  figures(key: FigureKey, render: () => PolicyFigures): PolicyFigures {
    const cached = this.entries.get(key.policy);
    if (cached?.version === key.version && cached.spec === key.spec && cached.id === key.id)
      return cached.figures;
    const figures = render();
    this.entries.set(key.policy, { version: key.version, spec: key.spec, id: key.id, figures });
    return figures;
  }

  /** Forgets every policy not in `policies`, so the cache never outgrows the board. */
  retainOnly(policies: ReadonlySet<string>): void {
    for (const policy of this.entries.keys()) if (!policies.has(policy)) this.entries.delete(policy);
  }
}
