// SPDX-License-Identifier: Apache-2.0
// A published policy with a real decision, so metric reads go through `readMetric` as in production.
import { decide } from '../../../src/decision/decide.js';
import type { EpochMs, Observation } from '../../../src/decision/types.js';
import type { PublishedPolicy } from '../../../src/loop/board.js';
import { makeObservation, makeSpec, t0, type LoadShape } from '../../helpers/spec.js';

export interface PublishedOptions {
  readonly name?: string;
  readonly namespace?: string;
  /** When the observation was made and the decision taken. @default t0 */
  readonly atMs?: EpochMs;
  readonly load?: LoadShape;
  /** Publish the spec only, as before the first tick. */
  readonly withoutDecision?: boolean;
  /** Changes the observation before the decision is made from it (drop or age fields). */
  readonly observe?: (observation: Observation) => Observation;
}

/**
 * Policy `chat` in `default` with prefill load 2.5 (3 replicas, 25 req/s, TTFT 300 ms) and decode load 4
 * (4 replicas, 400 conversations, TPOT 40 ms); KV cache usage is not measured.
 */
export function publishedPolicy(options: PublishedOptions = {}): PublishedPolicy {
  const name = options.name ?? 'chat';
  const namespace = options.namespace ?? 'default';
  const atMs = options.atMs ?? t0;
  const spec = makeSpec({ name, namespace });
  const measured = makeObservation(
    atMs,
    options.load ?? { prefillLoad: 2.5, decodeLoad: 4, ttftMs: 300, tpotMs: 40 },
  );
  const observation = options.observe?.(measured) ?? measured;
  const base = { namespace, name, spec, intervalS: 15, publishedAtMs: atMs };
  if (options.withoutDecision === true) return base;
  return { ...base, observation, decision: decide(spec, observation, { roles: {} }, atMs).decision };
}
