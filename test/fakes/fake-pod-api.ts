// SPDX-License-Identifier: Apache-2.0
// A data-driven PodApi for unit tests of discovery (as kubernetes-sigs/prometheus-adapter pkg/client/fake/client.go maps queries to results): scripted list answers, and every
// opened watch kept so the test can push events into it or end it. Pair it with ManualTimers.
import type {
  PodApi,
  PodList,
  PodWatchQuery,
  PodWatchSink,
  Timers,
} from '../../src/sources/discovery/pods.js';

export interface OpenWatch {
  readonly query: PodWatchQuery;
  readonly sink: PodWatchSink;
  stopped: boolean;
}

/** Answers `list` from `lists[selector]` (a queue: the last answer repeats); an Error entry rejects. */
export class FakePodApi implements PodApi {
  readonly lists = new Map<string, (PodList | Error)[]>();
  readonly watches: OpenWatch[] = [];
  readonly listCalls: string[] = [];

  /** Queues answers for one selector. */
  answer(selector: string, ...answers: (PodList | Error)[]): void {
    this.lists.set(selector, [...(this.lists.get(selector) ?? []), ...answers]);
  }

  list(_namespace: string, labelSelector: string): Promise<PodList> {
    this.listCalls.push(labelSelector);
    const queue = this.lists.get(labelSelector) ?? [];
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (next === undefined) return Promise.resolve({ items: [], resourceVersion: '1' });
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  watch(query: PodWatchQuery, sink: PodWatchSink): Promise<{ stop(): void }> {
    const open: OpenWatch = { query, sink, stopped: false };
    this.watches.push(open);
    return Promise.resolve({
      stop: () => {
        open.stopped = true;
      },
    });
  }

  /** The live (not stopped) watch for a selector. */
  liveWatch(selector: string): OpenWatch {
    const open = this.watches.filter((w) => !w.stopped && w.query.labelSelector === selector).at(-1);
    if (open === undefined) throw new Error(`no live watch for ${selector}`);
    return open;
  }
}

/** Timers that fire only when the test says so, with a clock the test advances. */
export class ManualTimers implements Timers {
  nowMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { atMs: number; callback: () => void; delayMs: number }>();

  readonly now = (): number => this.nowMs;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.nowMs + ms, callback, delayMs: ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Delays of the timers still pending, in scheduling order. */
  pendingDelays(): number[] {
    return [...this.pending.values()].map((t) => t.delayMs);
  }

  /** Moves the clock forward and fires every timer due by then, in due order. */
  advance(ms: number): void {
    this.nowMs += ms;
    const due = [...this.pending.entries()]
      .filter(([, t]) => t.atMs <= this.nowMs)
      .sort((a, b) => a[1].atMs - b[1].atMs);
    for (const [id, timer] of due) {
      this.pending.delete(id);
      timer.callback();
    }
  }
}
