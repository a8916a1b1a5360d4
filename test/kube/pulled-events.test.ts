// SPDX-License-Identifier: Apache-2.0
// Image pull seconds per pod from kubelet Pulled events (docs/reference.md §E.2.2).
import { describe, expect, it } from 'vitest';
import { pullSecondsByPod } from '../../src/kube/pulled-events.js';

describe('pullSecondsByPod', () => {
  it('adds up the pulls of a pod’s containers and counts a cached image as 0', () => {
    const byPod = pullSecondsByPod([
      {
        podUid: 'a',
        message:
          'Successfully pulled image "engine:v1" in 1m2.5s (1m3s including waiting). Image size: 1 bytes.',
      },
      { podUid: 'a', message: 'Successfully pulled image "sidecar:v1" in 500ms' },
      {
        podUid: 'b',
        message: 'Container image "engine:v1" already present on machine and can be accessed by the pod',
      },
    ]);
    expect(byPod.get('a')).toBeCloseTo(63, 9);
    expect(byPod.get('b')).toBe(0);
  });

  it('ignores messages it cannot read, so a pod without a readable pull has no pull time', () => {
    expect(pullSecondsByPod([{ podUid: 'c', message: 'Back-off pulling image "x"' }]).has('c')).toBe(false);
  });
});
