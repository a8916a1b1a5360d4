// SPDX-License-Identifier: Apache-2.0
// A decode replica with continuous batching, simulated per batch change rather than per iteration:
// every running sequence gains one token per iteration, so the replica keeps one `progress` counter
// (tokens per sequence since it started) and each sequence stores where it began and ends. Between
// events the iteration time (ITL) is constant; it is re-read from the profile whenever the batch
// changes and at every fleet step (the batch's context grows as it decodes). This makes a run cost
// O(requests log batch) instead of O(tokens): an hour of Mooncake is ~4 M decode iterations.
//
// Admission is limited by KV capacity (`max_kv_tokens`): a sequence reserves its prompt plus its
// whole output when admitted, so there is no preemption (vLLM would preempt and recompute instead;
// reserving up front is the conservative reading). A sequence larger than the whole pool is admitted
// alone into an empty replica rather than waiting forever.
import { MinHeap } from './min-heap.js';
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

/** Progress tolerance: a sequence within this many tokens of its end is done (float dust). */
const progressEpsilon = 1e-6;

export class DecodeReplica implements ReplicaLifecycle, TimedReplica {
  readonly role = 'decode' as const;
  readonly key: string;
  state: ReplicaState;
  readonly createdMs: number;
  readyMs = NaN;
  stoppedMs = NaN;
  readonly metrics: EngineMetrics;
  private readonly host: ReplicaHost;
  private readonly running = new MinHeap<SimRequest>();
  private waiting: SimRequest[] = [];
  private waitingHead = 0;
  private progress = 0;
  private lastMs: number;
  private itlMs = 0;
  private sumInputTokens = 0;
  private sumStartProgress = 0;
  private reservedKvTokens = 0;
  /** Prompt tokens of the sequences waiting for KV room (their KV is still on the prefill side). */
  private waitingPromptTokens = 0;
  private version = 0;

  constructor(host: ReplicaHost, identity: ReplicaIdentity, options: { readonly modelName: string }) {
    this.host = host;
    this.key = identity.key;
    this.createdMs = identity.createdMs;
    this.state = identity.state;
    this.lastMs = identity.createdMs;
    this.metrics = engineMetricsFor(host, identity, options.modelName);
  }

  /** Sequences running or waiting for KV room: the router's load, decode's active conversations. */
  load(): number {
    return this.running.size + this.waiting.length - this.waitingHead;
  }

  isIdle(): boolean {
    return this.load() === 0;
  }

  /** KV tokens in use: the running sequences' prompts plus what they have generated so far. */
  kvTokensInUse(): number {
    // With nothing running the running sums are float dust (1e-14), not a token.
    return this.running.size === 0 ? 0 : Math.max(0, this.contextTokens());
  }

  /** Prompt tokens of the sequences waiting for admission. */
  waitingKvTokens(): number {
    return this.waitingPromptTokens;
  }

  enqueue(request: SimRequest, nowMs: number): void {
    this.advance(nowMs);
    this.waiting.push(request);
    this.waitingPromptTokens += request.inputTokens;
    this.metrics.waiting++;
    this.admit(nowMs);
    this.reschedule(nowMs);
  }

  /** Brings progress and metrics up to `nowMs` and re-reads the ITL (the context has grown). */
  step(nowMs: number): void {
    this.advance(nowMs);
    this.reschedule(nowMs);
  }

  onTimer(nowMs: number, version: number): void {
    if (version !== this.version) return; // superseded by a later batch change
    this.advance(nowMs);
    // This timer was set for the head sequence's last token: it is done even if float rounding of
    // the elapsed time left it a hair short (otherwise the timer would re-fire at the same instant).
    this.progress = Math.max(this.progress, this.running.peekKey());
    while (this.running.size > 0 && this.running.peekKey() <= this.progress + progressEpsilon) {
      const entry = this.running.pop();
      if (entry !== undefined) this.finish(entry.value, nowMs);
    }
    this.admit(nowMs);
    this.reschedule(nowMs);
  }

  private advance(nowMs: number): void {
    const batch = this.running.size;
    if (batch > 0 && nowMs > this.lastMs && this.itlMs > 0) {
      const steps = (nowMs - this.lastMs) / this.itlMs;
      this.progress += steps;
      const tokens = steps * batch;
      this.metrics.generationTokens += tokens;
      this.metrics.itlSeconds.observe(this.itlMs / 1000, tokens);
    }
    this.lastMs = nowMs;
  }

  private contextTokens(): number {
    return this.sumInputTokens + this.running.size * this.progress - this.sumStartProgress;
  }

  private admit(nowMs: number): void {
    const capacity = this.host.profile.kvCapacityTokens;
    while (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead];
      if (next === undefined) break;
      const need = next.inputTokens + next.outputTokens;
      if (this.running.size > 0 && this.reservedKvTokens + need > capacity) break;
      this.waitingHead++;
      this.waitingPromptTokens -= next.inputTokens;
      this.metrics.waiting--;
      this.metrics.queueSeconds.observe((nowMs - next.kvArrivedMs) / 1000);
      this.metrics.promptTokens += next.inputTokens;
      this.host.firstToken(next, nowMs);
      if (next.outputTokens <= 1) {
        this.finish(next, nowMs);
        continue;
      }
      next.startProgress = this.progress;
      next.endProgress = this.progress + next.outputTokens - 1;
      this.reservedKvTokens += need;
      this.sumInputTokens += next.inputTokens;
      this.sumStartProgress += this.progress;
      this.running.push(next.endProgress, next);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private finish(request: SimRequest, nowMs: number): void {
    if (request.outputTokens > 1) {
      this.reservedKvTokens -= request.inputTokens + request.outputTokens;
      this.sumInputTokens -= request.inputTokens;
      this.sumStartProgress -= request.startProgress;
    }
    const metrics = this.metrics;
    metrics.requestSuccess++;
    metrics.e2eSeconds.observe((nowMs - request.arrivalMs) / 1000);
    metrics.ttftSeconds.observe((request.firstTokenMs - request.arrivalMs) / 1000);
    metrics.promptLength.observe(request.inputTokens);
    metrics.generationLength.observe(request.outputTokens);
    this.host.finished(request, nowMs);
  }

  /** Re-reads the ITL for the current batch and schedules the next sequence end. */
  private reschedule(nowMs: number): void {
    this.version++;
    const batch = this.running.size;
    const capacity = this.host.profile.kvCapacityTokens;
    const context = this.contextTokens();
    this.metrics.running = batch;
    this.metrics.kvUsage = Math.min(1, Math.max(0, context / capacity));
    if (batch === 0) {
      this.itlMs = 0;
      return;
    }
    this.itlMs = this.host.profile.decodeItlMs(context / batch, context / capacity);
    const remaining = Math.max(0, this.running.peekKey() - this.progress);
    this.host.schedule(nowMs + remaining * this.itlMs, this, this.version);
  }
}
