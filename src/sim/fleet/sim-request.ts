// SPDX-License-Identifier: Apache-2.0
// A request in flight through the simulated fleet (times are epoch milliseconds of simulated time).

export interface SimRequest {
  /** Index in the trace: where its outcome goes in the RequestLog. */
  readonly id: number;
  readonly arrivalMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** When prefill finished and the KV transfer to decode began. */
  prefillDoneMs: number;
  /** When the KV cache landed on a decode replica (it then waits for KV room there). */
  kvArrivedMs: number;
  /** When decode admitted it: the first token reaches the client. */
  firstTokenMs: number;
  /** Decode progress (tokens per sequence since the replica started) at admission and at the end. */
  startProgress: number;
  endProgress: number;
}

export function newSimRequest(
  id: number,
  arrivalMs: number,
  tokens: { readonly inputTokens: number; readonly outputTokens: number },
): SimRequest {
  return {
    id,
    arrivalMs,
    inputTokens: tokens.inputTokens,
    outputTokens: Math.max(1, tokens.outputTokens),
    prefillDoneMs: NaN,
    kvArrivedMs: NaN,
    firstTokenMs: NaN,
    startProgress: 0,
    endProgress: 0,
  };
}
