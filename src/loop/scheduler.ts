// SPDX-License-Identifier: Apache-2.0
// Runs a task once per interval, never two at a time. A run that overruns its interval makes the next
// one start as soon as it ends (missed slots are skipped and counted, not queued), so a slow tick
// delays the next decision but never piles work up.
import type { Timers } from '../sources/discovery/pods.js';

export interface IntervalOptions {
  readonly intervalMs: number;
  readonly run: () => Promise<void>;
  readonly timers: Timers;
  readonly nowMs: () => number;
  /** Called with the number of interval slots a run overran. */
  readonly onSkipped?: (slots: number) => void;
}

export class IntervalScheduler {
  private readonly options: IntervalOptions;
  private handle: unknown;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(options: IntervalOptions) {
    if (!(options.intervalMs > 0)) throw new Error(`interval = ${options.intervalMs} ms, must be > 0`);
    this.options = options;
  }

  /** Starts with an immediate run. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== undefined) this.options.timers.clearTimeout(this.handle);
    this.handle = undefined;
    await this.running;
  }

  private isActive(): boolean {
    return !this.stopped;
  }

  private schedule(delayMs: number): void {
    this.handle = this.options.timers.setTimeout(() => {
      this.handle = undefined;
      void this.fire();
    }, delayMs);
  }

  private async fire(): Promise<void> {
    if (this.stopped) return;
    const { intervalMs, run, nowMs, onSkipped } = this.options;
    const startedMs = nowMs();
    this.running = run().catch(() => undefined); // run() reports its own errors; the schedule survives them
    await this.running;
    this.running = undefined;
    if (!this.isActive()) return; // stop() may have been called while the run was in flight
    const elapsedMs = nowMs() - startedMs;
    const overrun = Math.floor(elapsedMs / intervalMs);
    if (overrun > 0) onSkipped?.(overrun);
    this.schedule(Math.max(0, intervalMs - (elapsedMs % intervalMs)));
  }
}
