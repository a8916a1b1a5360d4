// SPDX-License-Identifier: Apache-2.0
// A fixed-capacity ring buffer for the status page's history: the loop publishes forever, so what the
// page keeps must stay bounded, and each publish must cost O(1) however long the history is.

export class Ring<T> {
  readonly capacity: number;
  private readonly slots: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity ${capacity} < 1`);
    this.capacity = capacity;
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Appends `item`, overwriting the oldest when full. */
  push(item: T): void {
    this.slots[(this.start + this.count) % this.capacity] = item;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.slots[(this.start + this.count - 1) % this.capacity];
  }

  /** Replaces the newest item (a republish of the same tick); pushes when empty. */
  replaceLast(item: T): void {
    if (this.count === 0) this.push(item);
    else this.slots[(this.start + this.count - 1) % this.capacity] = item;
  }

  /** Drops from the oldest end while `expired` holds: amortized O(1), each item leaves once. */
  dropOldestWhile(expired: (item: T) => boolean): void {
    while (this.count > 0) {
      const oldest = this.slots[this.start] as T;
      if (!expired(oldest)) return;
      this.slots[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.count -= 1;
    }
  }

  /** Oldest first; a copy, O(n), for rendering. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.slots[(this.start + i) % this.capacity] as T);
    return out;
  }
}
