// SPDX-License-Identifier: Apache-2.0
// The simulator settings of one backtest from what the policy and the profile say: the engines' model
// name from the policy's metrics (so the collectors find their series), the KV bytes a token moves
// between prefill and decode from the profile when it states them (a 70B model moves 2.5x the 8B's),
// and the cold start the run asks for.
import type { ProfileData } from '../../decision/profile-capacity.js';
import type { Role } from '../../decision/types.js';
import { defaultSimParameters, type SimParameters } from '../backtest.js';

export interface SimParameterSources {
  readonly profile: ProfileData;
  /** `spec.metrics.model` of the policy, when it names one. */
  readonly modelName: string | undefined;
  /** Per role; a role left out keeps the default. */
  readonly coldStartS: Readonly<Partial<Record<Role, number>>> | undefined;
}

export function simParametersFor(sources: SimParameterSources): SimParameters {
  return {
    ...defaultSimParameters,
    modelName: sources.modelName ?? defaultSimParameters.modelName,
    kvBytesPerToken: sources.profile.kvBytesPerToken ?? defaultSimParameters.kvBytesPerToken,
    coldStartS: { ...defaultSimParameters.coldStartS, ...sources.coldStartS },
  };
}
