// SPDX-License-Identifier: Apache-2.0
// `npm run bench`: speed figures printed with ratios against a baseline run in the same process.
// 1. decide() throughput on 1,000 policies x 2 roles (target >= 100,000 role-decisions/s), against a
//    bare HPA formula (ceil(load / target)) over the same observations as the baseline.
// 2. Policy load + validate + compile time for every shipped example.
// 3. Exposition parser throughput against a published parser (bench/exposition.ts).
// 4. One metrics collection pass over 3,200 loopback endpoints (bench/collection.ts).
// 5. Backtest of one hour of the Mooncake trace with all five systems (target <= 10 s wall), against
//    the same trace through the fleet alone (static-peak, no metrics) (bench/backtest-speed.ts).
// 6. External metrics API GETs at 64 concurrent for 10 s, next to a bare express handler returning
//    the same bytes (target ratio >= 0.7) (bench/external-metrics.ts).
// 7. KEDA gRPC GetMetrics at 1,000 req/s (target p99 <= 5 ms), next to a constant handler (bench/keda.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decide } from '../src/decision/decide.js';
import type { DecisionSpec, DecisionState, Observation } from '../src/decision/types.js';
import { loadPolicyBytes, loadPolicyFile } from '../src/policy/load.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchBacktestSpeed } from './backtest-speed.js';
import { benchExposition } from './exposition.js';
import { benchExternalMetrics } from './external-metrics.js';
import { benchKeda } from './keda.js';

const root = new URL('../../', import.meta.url);
const policyCount = 1000;
const ticks = 200;
const targetRoleDecisionsPerS = 100_000;

function buildPolicies(): DecisionSpec[] {
  const base = readFileSync(new URL('policies/chat-h200.yaml', root), 'utf8');
  return Array.from({ length: policyCount }, (_, i) => {
    const text = base
      .replace('name: llama-8b-chat', `name: chat-${i}`)
      .replace('maxReplicas: 16', `maxReplicas: ${8 + (i % 24)}`);
    const loaded = loadPolicyBytes(`chat-${i}.yaml`, Buffer.from(text));
    if (!loaded.ok) throw new Error(`bench policy ${i} invalid: ${loaded.issues[0]?.message ?? ''}`);
    return loaded.spec;
  });
}

/** Deterministic load: a daily-ish wave per policy, so decisions move up and down. */
function observationAt(i: number, tick: number, nowMs: number): Observation {
  const wave = 1 + 0.8 * Math.sin((tick + i) / 7);
  const at = <T>(value: T) => ({ value, atMs: nowMs });
  return {
    roles: {
      prefill: {
        requestRatePerS: at(20 * wave),
        inputTokensMean: at(3000),
        outputTokensMean: at(150),
        waitingRequests: at(tick % 5),
        ttftMs: at({ quantilesMs: { p90: 300 * wave } }),
        readyReplicas: at(2),
      },
      decode: {
        activeConversations: at(150 * wave),
        inputTokensMean: at(3000),
        outputTokensMean: at(150),
        tpotMs: at({ quantilesMs: { p90: 15 * wave } }),
        readyReplicas: at(3),
      },
    },
  };
}

/** Observations for one tick: a pool of distinct loads reused across policies (a small live set). */
const poolSize = 64;
function observationPool(tick: number): Observation[] {
  const nowMs = Date.UTC(2026, 0, 5) + tick * 15_000;
  return Array.from({ length: poolSize }, (_, i) => observationAt(i, tick, nowMs));
}

function timeDecide(specs: readonly DecisionSpec[]): { seconds: number; checksum: number } {
  const states: DecisionState[] = specs.map(() => ({ roles: {} }));
  let checksum = 0;
  const start = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    const nowMs = Date.UTC(2026, 0, 5) + tick * 15_000;
    const pool = observationPool(tick);
    for (let i = 0; i < specs.length; i++) {
      const result = decide(specs[i]!, pool[i % poolSize]!, states[i]!, nowMs);
      states[i] = result.state;
      checksum +=
        result.decision.roles.prefill.desiredReplicas + result.decision.roles.decode.desiredReplicas;
    }
  }
  return { seconds: (performance.now() - start) / 1000, checksum };
}

/** Baseline: the HPA AverageValue formula on the same inputs, no state, no limits. */
function timeHpaFormula(): { seconds: number; checksum: number } {
  let checksum = 0;
  const start = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    const pool = observationPool(tick);
    for (let i = 0; i < policyCount; i++) {
      const o = pool[i % poolSize]!;
      const prefill = Math.ceil(
        ((o.roles.prefill.requestRatePerS?.value ?? 0) * (o.roles.prefill.inputTokensMean?.value ?? 0)) /
          40_000,
      );
      const decode = Math.ceil((o.roles.decode.activeConversations?.value ?? 0) / 64);
      checksum += Math.min(16, Math.max(1, prefill)) + Math.min(32, Math.max(1, decode));
    }
  }
  return { seconds: (performance.now() - start) / 1000, checksum };
}

function benchDecide(): void {
  const specs = buildPolicies();
  timeDecide(specs.slice(0, 100)); // warm-up (JIT)
  const ours = timeDecide(specs);
  const baseline = timeHpaFormula();
  const roleDecisions = specs.length * ticks * 2;
  const rate = roleDecisions / ours.seconds;
  const baselineRate = roleDecisions / baseline.seconds;
  console.log(
    `decide: ${policyCount} policies x 2 roles x ${ticks} ticks = ${roleDecisions.toLocaleString('en-US')} role-decisions`,
  );
  console.log(
    `  pdscaler decide     ${Math.round(rate).toLocaleString('en-US').padStart(12)} role-decisions/s  (${((ours.seconds * 1e6) / (roleDecisions / 2)).toFixed(1)} us per policy tick)`,
  );
  console.log(
    `  baseline HPA ceil() ${Math.round(baselineRate).toLocaleString('en-US').padStart(12)} role-decisions/s  (pdscaler is ${(baselineRate / rate).toFixed(0)}x slower than a bare formula)`,
  );
  console.log(
    `  target >= ${targetRoleDecisionsPerS.toLocaleString('en-US')}/s: ${rate >= targetRoleDecisionsPerS ? 'met' : 'MISSED'} (${(rate / targetRoleDecisionsPerS).toFixed(2)}x target)`,
  );
}

function benchPolicyLoad(): void {
  const files = readdirSync(new URL('policies/', root)).filter((f) => f.endsWith('.yaml'));
  const runs = 50;
  console.log(`policy load + validate + compile (${runs} runs each, first run separately):`);
  for (const file of files) {
    const path = new URL(`policies/${file}`, root).pathname;
    const firstStart = performance.now();
    const first = loadPolicyFile(path);
    const firstMs = performance.now() - firstStart;
    if (!first.ok) throw new Error(`${file} invalid`);
    const start = performance.now();
    for (let i = 0; i < runs; i++) loadPolicyFile(path);
    const meanMs = (performance.now() - start) / runs;
    console.log(
      `  ${file.padEnd(28)} first ${firstMs.toFixed(1).padStart(7)} ms, then ${meanMs.toFixed(2).padStart(6)} ms per load`,
    );
  }
}

benchDecide();
benchPolicyLoad();
benchExposition();
// A fresh process, as an adapter would be: see collection-main.ts.
process.stdout.write(
  execFileSync(process.execPath, [fileURLToPath(new URL('./collection-main.js', import.meta.url))], {
    encoding: 'utf8',
  }),
);
await benchBacktestSpeed();
for (const line of await benchExternalMetrics()) console.log(line);
for (const line of await benchKeda()) console.log(line);
