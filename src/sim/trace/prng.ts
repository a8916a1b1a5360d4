// SPDX-License-Identifier: Apache-2.0
// A tiny seeded PRNG, so that trace transforms which thin, copy or pick requests give the same trace
// for the same seed on every machine (Math.random cannot be seeded).

/**
 * mulberry32 by Tommy Ettinger (public domain), as collected in bryc/code, jshash/PRNGs.md: a 32-bit
 * state generator, fast and well distributed enough to pick requests, not for cryptography.
 * Returns a function giving the next number in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
