// SPDX-License-Identifier: Apache-2.0
// A synthetic trace from its spec, in process and deterministic: the same spec gives the same requests
// on every machine (one mulberry32 stream, seeded by the spec's seed, drives every draw).
import { mulberry32 } from '../prng.js';
import type { Trace } from '../types.js';
import { synthSourceOf, type SynthSpec } from './spec.js';

export function synthesize(spec: SynthSpec): Trace {
  const output = spec.family.generate(spec, mulberry32(spec.seed));
  if (output.requests.length === 0)
    throw new RangeError(`${synthSourceOf(spec)}: the rate and duration give no requests`);
  const requests = [...output.requests].sort((a, b) => a.arrivalMs - b.arrivalMs);
  return {
    name: synthSourceOf(spec),
    requests,
    durationS: (requests.at(-1)?.arrivalMs ?? 0) / 1000,
    transforms: [
      {
        kind: 'synth',
        params: {
          family: spec.family.name,
          seed: spec.seed,
          ratePerS: spec.ratePerS,
          durationS: spec.durationS,
          lengths: spec.lengths,
        },
        description: output.description,
      },
    ],
  };
}
