// SPDX-License-Identifier: Apache-2.0
// Simulator settings from the policy and the profile: the KV bytes per token a profile states, the
// model the policy's metrics name, the cold start asked for.
import { describe, expect, it } from 'vitest';
import type { ProfileData } from '../../../src/decision/profile-capacity.js';
import { defaultSimParameters } from '../../../src/sim/backtest.js';
import { simParametersFor } from '../../../src/sim/suite/sim-parameters.js';

const profile: ProfileData = {
  name: 'p',
  prefillTp: 1,
  decodeTp: 1,
  prefill: { inputTokens: [1, 2], ttftMs: [1, 2], tokensPerSecondPerGpu: [1, 1] },
  decode: { kvUsage: [0, 1], contextTokens: [1, 1], itlMs: [1, 1], maxKvTokens: 100 },
};

describe('simParametersFor', () => {
  it('takes the KV bytes per token from the profile when it states them', () => {
    const sim = simParametersFor({
      profile: { ...profile, kvBytesPerToken: 327_680 },
      modelName: undefined,
      coldStartS: undefined,
    });
    expect(sim.kvBytesPerToken).toBe(327_680);
  });

  it('keeps the 8B default without one, and the defaults the run does not set', () => {
    expect(simParametersFor({ profile, modelName: undefined, coldStartS: undefined })).toEqual(
      defaultSimParameters,
    );
  });

  it('names the engines after the policy’s model and sets the cold start per role', () => {
    const sim = simParametersFor({ profile, modelName: 'meta/llama', coldStartS: { decode: 300 } });
    expect(sim.modelName).toBe('meta/llama');
    expect(sim.coldStartS).toEqual({ prefill: 120, decode: 300 });
  });
});
