// SPDX-License-Identifier: Apache-2.0
// A bounded cache whose entries expire after a fixed time on an injected clock: the TokenReview and
// SubjectAccessReview caches (10 s each, docs/reference.md §B.4.2, §B.4.3).

export interface TtlCacheOptions {
  readonly ttlMs: number;
  /** Oldest entries go first beyond this. */
  readonly maxEntries: number;
  readonly nowMs: () => number;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly expiresAtMs: number }>();

  private readonly options: TtlCacheOptions;

  constructor(options: TtlCacheOptions) {
    this.options = options;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > this.options.nowMs()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    // Map iteration is insertion order, so the first key is the oldest.
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAtMs: this.options.nowMs() + this.options.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
