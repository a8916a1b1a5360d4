// SPDX-License-Identifier: Apache-2.0
// A prefill replica: a FIFO queue, batches of whole prompts up to a token budget (a prompt longer
// than the budget runs alone, as chunked prefill would spread it over steps of the same total time),
// and a batch time from the profile (latency-model.ts). When a batch ends, every request in it
// starts its KV transfer to decode.
import { engineMetricsFor } from './replica.js';
import type {
  ReplicaHost,
  ReplicaIdentity,
  ReplicaLifecycle,
  ReplicaState,
  TimedReplica,
} from './replica.js';
import type { SimRequest } from './sim-request.js';
import type { EngineMetrics } from './vllm-page.js';

export class PrefillReplica implements ReplicaLifecycle, TimedReplica {
  readonly role = 'prefill' as const;
  readonly key: string;
  state: ReplicaState;
  readonly createdMs: number;
  readyMs = NaN;
  stoppedMs = NaN;
  readonly metrics: EngineMetrics;
  private readonly host: ReplicaHost;
  private readonly batchTokenBudget: number;
  private queue: SimRequest[] = [];
  private head = 0;
  private queuedTokens = 0;
  private batch: SimRequest[] = [];
  private batchTokens = 0;

  constructor(
    host: ReplicaHost,
    identity: ReplicaIdentity,
    options: { readonly modelName: string; readonly batchTokenBudget: number },
  ) {
    this.host = host;
    this.key = identity.key;
    this.createdMs = identity.createdMs;
    this.state = identity.state;
    this.batchTokenBudget = options.batchTokenBudget;
    this.metrics = engineMetricsFor(host, identity, options.modelName);
  }

  /** Prompt tokens queued or being prefilled: the router's load measure. */
  outstandingTokens(): number {
    return this.queuedTokens + this.batchTokens;
  }

  /** Prompt tokens queued and not yet in the running batch. */
  queuedPromptTokens(): number {
    return this.queuedTokens;
  }

  isIdle(): boolean {
    return this.batch.length === 0 && this.head === this.queue.length;
  }

  enqueue(request: SimRequest, nowMs: number): void {
    this.queue.push(request);
    this.queuedTokens += request.inputTokens;
    this.metrics.waiting++;
    if (this.batch.length === 0) this.startBatch(nowMs);
  }

  onTimer(nowMs: number): void {
    const metrics = this.metrics;
    for (const request of this.batch) {
      metrics.requestSuccess++;
      metrics.promptTokens += request.inputTokens;
      // A disaggregated prefill instance generates exactly one token (max_tokens=1).
      metrics.generationTokens += 1;
      metrics.ttftSeconds.observe((nowMs - request.arrivalMs) / 1000);
      metrics.e2eSeconds.observe((nowMs - request.arrivalMs) / 1000);
      metrics.promptLength.observe(request.inputTokens);
      metrics.generationLength.observe(1);
      this.host.prefillDone(request, nowMs);
    }
    this.batch = [];
    this.batchTokens = 0;
    metrics.running = 0;
    metrics.kvUsage = 0;
    this.startBatch(nowMs);
  }

  private startBatch(nowMs: number): void {
    if (this.head === this.queue.length) return;
    const batch: SimRequest[] = [];
    let tokens = 0;
    while (this.head < this.queue.length) {
      const next = this.queue[this.head];
      if (next === undefined || (batch.length > 0 && tokens + next.inputTokens > this.batchTokenBudget))
        break;
      batch.push(next);
      tokens += next.inputTokens;
      this.head++;
      this.metrics.queueSeconds.observe((nowMs - next.arrivalMs) / 1000);
    }
    this.compactQueue();
    this.batch = batch;
    this.batchTokens = tokens;
    this.queuedTokens -= tokens;
    this.metrics.waiting -= batch.length;
    this.metrics.running = batch.length;
    this.metrics.kvUsage = Math.min(1, tokens / this.host.profile.kvCapacityTokens);
    this.host.schedule(nowMs + this.host.profile.prefillMs(tokens), this, 0);
  }

  /** Drops the consumed head of the queue once it is most of the array (amortized O(1) per request). */
  private compactQueue(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
