// SPDX-License-Identifier: Apache-2.0
// The workload families `pdscaler trace synth` and the suite's `synth:` sources generate.
import { diurnalNoise } from './diurnal-noise.js';
import { fastDay } from './fast-day.js';
import type { WorkloadFamily } from './family.js';
import { flashCrowd } from './flash-crowd.js';
import { heavyTail } from './heavy-tail.js';
import { mmpp } from './mmpp.js';
import { promptShift } from './prompt-shift.js';

export const workloadFamilies: readonly WorkloadFamily[] = [
  mmpp,
  flashCrowd,
  fastDay,
  diurnalNoise,
  heavyTail,
  promptShift,
];

export const familyNames = workloadFamilies.map((f) => f.name);

export const findFamily = (name: string): WorkloadFamily | undefined =>
  workloadFamilies.find((f) => f.name === name);
