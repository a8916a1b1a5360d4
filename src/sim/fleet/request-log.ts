// SPDX-License-Identifier: Apache-2.0
// Per-request outcomes of one simulated run, in typed arrays indexed by trace position: a run of a
// 30x trace holds hundreds of thousands of requests, and two Float64Arrays cost 16 bytes each.

export class RequestLog {
  /** Arrival to first token at the client (prefill queue + compute + KV transfer + decode admission). */
  readonly ttftMs: Float64Array;
  /** Mean time per output token after the first; 0 for one-token outputs (nothing to wait for). */
  readonly tpotMs: Float64Array;
  private finishedCount = 0;

  constructor(requests: number) {
    this.ttftMs = new Float64Array(requests).fill(NaN);
    this.tpotMs = new Float64Array(requests).fill(NaN);
  }

  get size(): number {
    return this.ttftMs.length;
  }

  get finished(): number {
    return this.finishedCount;
  }

  firstToken(id: number, ttftMs: number): void {
    this.ttftMs[id] = ttftMs;
  }

  finish(id: number, tpotMs: number): void {
    this.tpotMs[id] = tpotMs;
    this.finishedCount++;
  }
}
