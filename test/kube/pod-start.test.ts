// SPDX-License-Identifier: Apache-2.0
// Cold start from a pod's timeline and image pull time from kubelet `Pulled` messages
// (docs/reference.md §E.2.1, §E.2.2).
import { describe, expect, it } from 'vitest';
import { goDurationS, podStart, pulledImageS, type PodTimelineLike } from '../../src/kube/pod-start.js';

const created = '2026-03-01T10:00:00Z';
const createdMs = Date.parse(created);

function pod(options: {
  ready?: string;
  readyAt?: string | Date;
  restarts?: number;
  conditions?: boolean;
  created?: string | Date;
}): PodTimelineLike {
  return {
    metadata: { uid: 'u1', creationTimestamp: options.created ?? created },
    status: {
      ...(options.conditions === false
        ? {}
        : {
            conditions: [
              { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-03-01T10:00:01Z' },
              {
                type: 'Ready',
                status: options.ready ?? 'True',
                lastTransitionTime: options.readyAt ?? '2026-03-01T10:03:07Z',
              },
            ],
          }),
      containerStatuses: [{ restartCount: options.restarts ?? 0 }],
    },
  };
}

describe('podStart', () => {
  it.each([
    { what: 'a Ready pod measures creation to Ready', pod: pod({}), coldStartS: 187 },
    {
      what: 'Date objects, as client-node deserializes a list, read like the JSON strings',
      pod: pod({ created: new Date(created), readyAt: new Date('2026-03-01T10:03:07Z') }),
      coldStartS: 187,
    },
    {
      what: 'a pod Ready in its creation second measures 0 s (the API keeps whole seconds)',
      pod: pod({ readyAt: created }),
      coldStartS: 0,
    },
    { what: 'a pod not Ready yet measures nothing', pod: pod({ ready: 'False' }), coldStartS: undefined },
    {
      what: 'a restarted container measures nothing: Ready dates from the restart',
      pod: pod({ restarts: 1 }),
      coldStartS: undefined,
    },
    {
      what: 'a pod without conditions measures nothing',
      pod: pod({ conditions: false }),
      coldStartS: undefined,
    },
    {
      what: 'Ready before creation (clock skew) measures nothing',
      pod: pod({ readyAt: '2026-03-01T09:59:59Z' }),
      coldStartS: undefined,
    },
    {
      what: 'a pod without a uid measures nothing',
      pod: { ...pod({}), metadata: { creationTimestamp: created } },
      coldStartS: undefined,
    },
  ])('$what', ({ pod: p, coldStartS }) => {
    expect(podStart(p)?.coldStartS).toBe(coldStartS);
  });

  it('gives the creation and Ready times in epoch ms along with the uid', () => {
    expect(podStart(pod({}))).toEqual({
      uid: 'u1',
      createdMs,
      readyMs: createdMs + 187_000,
      coldStartS: 187,
    });
  });
});

describe('pulledImageS', () => {
  it.each([
    {
      message:
        'Successfully pulled image "vllm/vllm-openai:v0.9.0" in 1.594s (2m3.5s including waiting). Image size: 9876543210 bytes.',
      pullS: 1.594,
    },
    {
      message: 'Successfully pulled image "vllm/vllm-openai:v0.9.0" in 2m3.5s (2m3.5s including waiting)',
      pullS: 123.5,
    },
    { message: 'Successfully pulled image "nginx" in 313ms', pullS: 0.313 },
    { message: 'Successfully pulled image "nginx" in 1h2m0.5s. Image size: 10 bytes.', pullS: 3720.5 },
    { message: 'spec.containers{engine}: Successfully pulled image "nginx" in 4.2s', pullS: 4.2 },
    { message: 'Container image "vllm/vllm-openai:v0.9.0" already present on machine', pullS: 0 },
    {
      message: 'Container image "nginx" already present on machine and can be accessed by the pod',
      pullS: 0,
    },
    { message: 'Successfully pulled image "nginx"', pullS: undefined },
    { message: 'Pulling image "nginx"', pullS: undefined },
    { message: 'Successfully pulled image "nginx" in soon', pullS: undefined },
    { message: '', pullS: undefined },
  ])('reads $pullS s from "$message"', ({ message, pullS }) => {
    const got = pulledImageS(message);
    if (pullS === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(pullS, 9);
  });
});

describe('goDurationS', () => {
  it.each([
    ['0s', 0],
    ['0', 0],
    ['500us', 0.0005],
    ['1.5µs', 1.5e-6],
    ['250ns', 2.5e-7],
    ['90m', 5400],
    ['1h0m30s', 3630],
  ])('reads %s as %f seconds', (text, seconds) => {
    expect(goDurationS(text)).toBeCloseTo(seconds, 12);
  });

  it.each(['', 's', '1', '1x', '1.5 s', '-1s', 'abc'])('rejects %j', (text) => {
    expect(goDurationS(text)).toBeUndefined();
  });
});
