// SPDX-License-Identifier: Apache-2.0
// Bounded polling for watch tests: the watch is asynchronous, so a test waits for a condition with a
// deadline instead of sleeping for a guessed time.

/** Resolves once `check` returns without throwing; rethrows its last error after `timeoutMs`. */
export async function eventually(check: () => void, timeoutMs = 5_000, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
