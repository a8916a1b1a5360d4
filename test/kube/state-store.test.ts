// SPDX-License-Identifier: Apache-2.0
// Decision state in a ConfigMap against the fake cluster: round trip of real decider states, one key
// per policy written without touching the others, and keys that do not parse left out with a warning.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type { DecisionState } from '../../src/decision/types.js';
import { DecisionStateStore, stateDataKey } from '../../src/kube/state-store.js';
import { FakeCluster } from '../../src/demo/cluster/fake-cluster.js';
import { makeObservation, makeSpec, t0 } from '../helpers/spec.js';

let cluster: FakeCluster;
let stores = 0;

beforeAll(async () => {
  cluster = await FakeCluster.start();
});
afterAll(async () => {
  await cluster.close();
});

/** A store on a fresh ConfigMap; `lines` collects warnings as parsed pino records. */
function store(nowMs = t0): { states: DecisionStateStore; name: string; lines: Record<string, unknown>[] } {
  const name = `pdscaler-state-${++stores}`;
  const lines: Record<string, unknown>[] = [];
  const states = new DecisionStateStore({
    kubeConfig: cluster.kubeConfig(),
    namespace: 'pdscaler-system',
    name,
    logger: pino(
      { level: 'warn' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    ),
    nowMs: () => nowMs,
    sleep: () => Promise.resolve(),
    random: () => 0,
  });
  return { states, name, lines };
}

/**
 * The state a policy with the default windows (30 s up, 300 s down, Holt forecast) carries after
 * ten minutes of 15 s ticks under a varying load: the size a real deployment stores.
 */
function typicalState(): DecisionState {
  const spec = makeSpec({
    scaleUp: { windowS: 30 },
    scaleDown: { windowS: 300 },
    forecast: { method: 'holt', headroomSigmas: 0.5 },
  });
  let state: DecisionState = { roles: {} };
  for (let tick = 0; tick < 40; tick++) {
    const nowMs = t0 + tick * 15_000;
    const load = 3 + 2 * Math.sin(tick / 6);
    state = decide(
      spec,
      makeObservation(nowMs, { prefillLoad: load, decodeLoad: load * 1.5, ttftMs: 420 }),
      state,
      nowMs,
    ).state;
  }
  return state;
}

describe('DecisionStateStore', () => {
  it('creates the ConfigMap on first save and reads every policy back as saved', async () => {
    const { states, name } = store();
    const llama = typicalState();
    const mistral: DecisionState = {
      roles: {
        prefill: {
          desiredReplicas: 3,
          lastScaleUpAtMs: t0 - 60_000,
          lastScaleDownAtMs: undefined,
          samples: [{ atMs: t0, up: 3, down: 2 }],
          forecast: undefined,
          correction: { factor: 1.2, atMs: t0 },
        },
      },
    };
    const from = cluster.server.requests.length;

    expect(await states.save({ namespace: 'serving', name: 'llama' }, llama)).toMatchObject({ saved: true });
    expect(await states.save({ namespace: 'serving', name: 'mistral.v2' }, mistral)).toMatchObject({
      saved: true,
    });

    expect(cluster.server.requests.slice(from).map((r) => r.split(' ')[0])).toEqual([
      'PATCH',
      'POST',
      'PATCH',
    ]);
    expect(Object.keys(cluster.configMaps.store.get('pdscaler-system', name)!.data as object)).toEqual([
      'serving.llama.json',
      'serving.mistral.v2.json',
    ]);
    expect(await states.load()).toEqual([
      { namespace: 'serving', name: 'llama', state: llama, savedAtMs: t0 },
      { namespace: 'serving', name: 'mistral.v2', state: mistral, savedAtMs: t0 },
    ]);
  });

  it('replaces only the saved policy key and leaves the other keys as they were', async () => {
    const { states, name } = store();
    await states.save({ namespace: 'serving', name: 'llama' }, typicalState());
    await states.save({ namespace: 'serving', name: 'mistral' }, { roles: {} });
    const before = cluster.configMaps.store.get('pdscaler-system', name)!.data as Record<string, string>;

    await states.save({ namespace: 'serving', name: 'mistral' }, { roles: {} });

    const after = cluster.configMaps.store.get('pdscaler-system', name)!.data as Record<string, string>;
    expect(after['serving.llama.json']).toBe(before['serving.llama.json']);
  });

  it('skips keys that do not parse, logs why, and still loads the others', async () => {
    const { states, name, lines } = store();
    await states.save({ namespace: 'serving', name: 'good' }, { roles: {} });
    const configMap = cluster.configMaps.store.get('pdscaler-system', name)!;
    cluster.configMaps.store.apply({
      ...configMap,
      data: {
        ...(configMap.data as object),
        'serving.truncated.json': '{"savedAt":"2026-01-05T12:00:00.000Z","state":{"roles":{',
        'serving.wrong-shape.json':
          '{"savedAt":"2026-01-05T12:00:00.000Z","state":{"roles":{"prefill":{"desiredReplicas":-1}}}}',
        'serving.no-time.json': '{"state":{"roles":{}}}',
        README: 'written by hand',
      },
    });

    expect((await states.load()).map((s) => s.name)).toEqual(['good']);
    expect(lines.map((l) => [l.key, l.msg])).toEqual([
      [
        'serving.truncated.json',
        expect.stringMatching(
          /^ignoring saved state serving\.truncated\.json: invalid JSON: .*; that policy starts fresh$/,
        ),
      ],
      [
        'serving.wrong-shape.json',
        expect.stringMatching(
          /^ignoring saved state serving\.wrong-shape\.json: state: roles\.prefill\.desiredReplicas: /,
        ),
      ],
      [
        'serving.no-time.json',
        'ignoring saved state serving.no-time.json: savedAt: expected an RFC 3339 time; that policy starts fresh',
      ],
      ['README', 'ignoring saved state README: not a <namespace>.<name>.json key; that policy starts fresh'],
    ]);
  });

  it('loads nothing when the ConfigMap does not exist yet', async () => {
    const { states } = store();
    expect(await states.load()).toEqual([]);
  });

  it('reports a save it could not make instead of throwing', async () => {
    const { states, name } = store();
    cluster.server.failNext(1, 403, { path: new RegExp(`/configmaps/${name}$`), method: 'PATCH' });

    expect(await states.save({ namespace: 'serving', name: 'llama' }, { roles: {} })).toEqual({
      saved: false,
      message: `saving state of serving/llama to ConfigMap pdscaler-system/${name}: HTTP 403: injected fault 403`,
    });
  });

  it('keeps a typical policy state small: ten minutes of 15 s ticks stay under 4 KiB', async () => {
    const { states } = store();
    const result = await states.save({ namespace: 'serving', name: 'llama' }, typicalState());
    expect(result.saved).toBe(true);
    // Measured 2,252 bytes: the 21 down-window samples per role dominate; 1 MiB holds ~450 policies.
    expect(result.saved && result.bytes).toBeLessThan(4096);
  });

  it.each([
    { namespace: 'serving', name: 'llama', want: 'serving.llama.json' },
    { namespace: 'team-a', name: 'mistral.v2', want: 'team-a.mistral.v2.json' },
  ])('names the data key of $namespace/$name $want', ({ namespace, name, want }) => {
    expect(stateDataKey({ namespace, name })).toBe(want);
  });
});
