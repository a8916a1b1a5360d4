// SPDX-License-Identifier: Apache-2.0
// The documented backtest matrix (docs/backtests.md): both shared traces as recorded and day-shaped
// at a rate needing several replicas. `npm run backtests` and the HeteroScale sensitivity report run it.
import { fileURLToPath } from 'node:url';

export const root = new URL('../../', import.meta.url);
export const traces = fileURLToPath(new URL('data/traces/', root));

export interface Case {
  readonly policy: string;
  readonly trace: string;
  readonly transforms: readonly string[];
}

export const cases: readonly Case[] = [
  { policy: 'policies/long-context-h200.yaml', trace: 'mooncake_conversation_trace.jsonl', transforms: [] },
  {
    policy: 'policies/long-context-h200.yaml',
    trace: 'mooncake_conversation_trace.jsonl',
    transforms: ['day:1h', 'scale:10'],
  },
  { policy: 'policies/code-assistant-h200.yaml', trace: 'AzureLLMInferenceTrace_code.csv', transforms: [] },
  {
    policy: 'policies/code-assistant-h200.yaml',
    trace: 'AzureLLMInferenceTrace_code.csv',
    transforms: ['day:1h', 'scale:10'],
  },
];

/** "mooncake_conversation_trace day:1h scale:10": the row label in the docs. */
export const caseLabel = (c: Case): string =>
  `${c.trace.replace(/\..*$/, '')} ${c.transforms.length === 0 ? '1x' : c.transforms.join(' ')}`;
