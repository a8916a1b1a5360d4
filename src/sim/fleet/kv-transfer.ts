// SPDX-License-Identifier: Apache-2.0
// The KV-cache transfer from a prefill to a decode replica: its size grows with the prompt, its speed
// is the link's. One formula for the fleet, the oracle and the attainable-share bound.

/** Bytes of KV cache per prompt token and the prefill-to-decode link's bandwidth. */
export interface KvLink {
  readonly bytesPerToken: number;
  readonly gigabytesPerS: number;
}

/** Milliseconds to move the KV cache of `inputTokens` prompt tokens (1 GB/s = 1e6 bytes per ms). */
export function kvTransferMs(inputTokens: number, link: KvLink): number {
  return (inputTokens * link.bytesPerToken) / (link.gigabytesPerS * 1e6);
}
