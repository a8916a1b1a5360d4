// SPDX-License-Identifier: Apache-2.0
// A trace as Mooncake JSONL (`{"timestamp","input_length","output_length"}` per line, timestamp in ms;
// github.com/kvcache-ai/Mooncake FAST25-release/traces), the format the trace loader reads back. No
// `hash_ids`: synthetic prompts share no prefixes, and the simulator models no prefix cache.
import type { Trace } from '../types.js';

export function traceAsMooncakeJsonl(trace: Trace): string {
  return trace.requests
    .map(
      (r) =>
        `{"timestamp":${r.arrivalMs},"input_length":${r.inputTokens},"output_length":${r.outputTokens}}\n`,
    )
    .join('');
}
