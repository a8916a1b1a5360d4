// SPDX-License-Identifier: Apache-2.0
// Decode concurrency by Little's law (docs/reference.md §G.3-4): conversations in decode = arrivals
// into decode x how long one conversation decodes at the batch that meets the TPOT SLO. The active
// count is not the driver: it depends on the replica count (fewer replicas decode more slowly, so more
// conversations are in flight), and scaling on it flapped to 36 replicas at 69% TPOT in the measured
// evaluation. It stays a cross-check for when the model is wrong.

export interface DecodeFlow {
  /** Requests/s leaving prefill for decode: the prefill request rate (its arrivals, not decode's intake). */
  readonly arrivalsPerS: number;
  /** Requests queued at prefill: they reach decode as fast as prefill drains them. */
  readonly prefillBacklog: number;
  /**
   * Requests/s the prefill replicas Ready or arriving within the horizon can finish at most (their
   * throughput at the mean prompt length); undefined when not known, as if unbounded.
   */
  readonly prefillCapacityPerS?: number | undefined;
  /** Requests prefilled and waiting for KV room on a decode replica. */
  readonly decodeBacklog: number;
  readonly outputTokensMean: number;
  /** ITL at the batch that meets the (corrected) TPOT target, ms. */
  readonly itlAtTargetBatchMs: number;
  readonly ttftSloMs: number;
}

export interface DecodeConcurrency {
  /** Expected conversations in decode (running or waiting for admission). */
  readonly conversations: number;
  /** Seconds one conversation decodes at the target batch. */
  readonly decodeDurationS: number;
}

/**
 * Little's law L = lambda x W with W the decode duration at the target batch. Example: 100 req/s of
 * 343 output tokens at 20 ms ITL is 100 x 6.86 s = 686 conversations. Decode receives what prefill
 * finishes, never more than prefill's capacity: the arrivals up to that capacity, and the prefill
 * backlog at the spare capacity left (within one TTFT SLO at best, so all of it is in decode at once
 * only when a conversation outlasts the drain). Counting the whole backlog at once sized decode for
 * work a short prefill fleet could not hand over for minutes, and under a GPU budget those decode
 * replicas were taken from prefill, which grew the backlog further. Requests waiting for KV room
 * are in addition to the flow.
 */
export function decodeConcurrency(flow: DecodeFlow): DecodeConcurrency {
  const decodeDurationS = (Math.max(1, flow.outputTokensMean) * flow.itlAtTargetBatchMs) / 1000;
  const capacityPerS = Math.max(0, flow.prefillCapacityPerS ?? Infinity);
  const arrivalsPerS = Math.min(Math.max(0, flow.arrivalsPerS), capacityPerS);
  const backlog = Math.max(0, flow.prefillBacklog);
  const drainPerS = Math.min(backlog / Math.max(1e-3, flow.ttftSloMs / 1000), capacityPerS - arrivalsPerS);
  return {
    conversations:
      arrivalsPerS * decodeDurationS +
      Math.min(backlog, drainPerS * decodeDurationS) +
      Math.max(0, flow.decodeBacklog),
    decodeDurationS,
  };
}

/**
 * The active-conversation cross-check: the measured count drives only when it exceeds the model's
 * prediction by more than `tolerance` (e.g. 0.5 = 50%), and then at that discount, so a model that
 * under-predicts (wrong OSL, slower engine) still scales while the count's own feedback loop (slow
 * decode inflating it) cannot flap the fleet.
 */
export function crossCheckedConversations(
  predicted: number,
  active: number | undefined,
  tolerance: number,
): { conversations: number; byActive: boolean } {
  if (active === undefined) return { conversations: predicted, byActive: false };
  const discounted = active / (1 + tolerance);
  return discounted > predicted
    ? { conversations: discounted, byActive: true }
    : { conversations: predicted, byActive: false };
}

/**
 * Expected share of conversations decoded within the TPOT SLO with `replicas` replicas of `batch`
 * conversations each: all of them while the fleet holds the concurrency, the served fraction beyond.
 */
export function decodeSloShare(conversations: number, batch: number, replicas: number): number {
  if (conversations <= 0) return 1;
  return Math.min(1, (Math.max(0, replicas) * batch) / conversations);
}

/**
 * z of the normal quantile 1 - (1 - q) / 10 for each SLO quantile q: a KV overflow may take only a
 * tenth of the SLO's error budget, because requests bind to a decode replica on arrival and wait
 * there in order, so one overflow holds up every request behind it on that replica. Measured on
 * Mooncake 30x (tuning trace): z at q itself (2.33 for p99) left 1.8% of requests waiting for KV
 * room; 3.09 left 0.8%.
 */
const kvOverflowZ: Readonly<Record<'p50' | 'p90' | 'p95' | 'p99', number>> = {
  p50: 1.6449,
  p90: 2.3263,
  p95: 2.5758,
  p99: 3.0902,
};

export function kvOverflowZFor(quantile: 'p50' | 'p90' | 'p95' | 'p99'): number {
  return kvOverflowZ[quantile];
}

/**
 * The most conversations one replica can be given while its KV cache overflows with probability
 * about `1 - q`: each conversation reserves its prompt and answer, whose sizes vary, and a replica
 * cannot borrow another's cache (requests are bound to a replica on arrival). With n conversations
 * of mean size m and second moment s2 the reserved tokens have mean n m and variance n s2 (compound
 * Poisson), so n m + z sqrt(n s2) <= capacity; solved for sqrt(n) as a quadratic. Mooncake (mean
 * 12,378 tokens, cs^2 1.63) on 945,029 tokens at p99: 51 conversations where the mean says 76.
 */
export function kvBoundBatch(input: {
  readonly kvCapacityTokens: number;
  readonly meanTokens: number;
  readonly secondMomentTokens: number;
  readonly z: number;
}): number {
  const m = Math.max(1, input.meanTokens);
  const s = Math.sqrt(Math.max(input.secondMomentTokens, m * m));
  const b = input.z * s;
  const root = (-b + Math.sqrt(b * b + 4 * m * input.kvCapacityTokens)) / (2 * m);
  return Math.max(1, Math.floor(root * root));
}
