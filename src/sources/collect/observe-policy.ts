// SPDX-License-Identifier: Apache-2.0
// One metrics pass for a policy: both roles' discovered pods, collected concurrently, into the
// Observation the decider takes. Discovery supplies the endpoints (ready pods only); the collectors
// own scraping, parsing, windows and staleness.
import type { Observation, Role } from '../../decision/types.js';
import type { PodEndpoint } from '../discovery/endpoint.js';
import type { RoleCollector } from './role-collector.js';

export interface RoleSource {
  readonly discovery: { endpoints(): readonly Pick<PodEndpoint, 'uid' | 'url'>[] };
  readonly collector: Pick<RoleCollector, 'collect'>;
}

export interface PolicyObservation {
  readonly observation: Observation;
  readonly notes: Readonly<Record<Role, readonly string[]>>;
}

/** Collects both roles at `nowMs`; never throws (a failing source leaves its fields stale or absent). */
export async function observePolicy(
  roles: Readonly<Record<Role, RoleSource>>,
  nowMs: number,
  signal?: AbortSignal,
): Promise<PolicyObservation> {
  const collect = (role: Role) =>
    roles[role].collector.collect(
      roles[role].discovery.endpoints().map((endpoint) => ({ key: endpoint.uid, url: endpoint.url })),
      nowMs,
      signal,
    );
  const [prefill, decode] = await Promise.all([collect('prefill'), collect('decode')]);
  return {
    observation: { roles: { prefill: prefill.observation, decode: decode.observation } },
    notes: { prefill: prefill.notes, decode: decode.notes },
  };
}
