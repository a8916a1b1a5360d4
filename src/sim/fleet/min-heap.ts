// SPDX-License-Identifier: Apache-2.0
// A binary min-heap of keyed entries: the simulator's agenda (key = time) and each decode replica's
// running batch (key = the progress at which a sequence ends). Ties break by insertion order, so a
// run is deterministic for a given input.

export interface HeapEntry<T> {
  readonly key: number;
  readonly seq: number;
  readonly value: T;
}

export class MinHeap<T> {
  private readonly heap: HeapEntry<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(key: number, value: T): void {
    const heap = this.heap;
    heap.push({ key, seq: this.nextSeq++, value });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  /** The smallest key, or Infinity when empty. */
  peekKey(): number {
    return this.heap[0]?.key ?? Infinity;
  }

  pop(): HeapEntry<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return top;
      swap(heap, i, smallest);
      i = smallest;
    }
  }
}

function before<T>(a: HeapEntry<T> | undefined, b: HeapEntry<T> | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}

function swap(heap: unknown[], i: number, j: number): void {
  const a = heap[i];
  heap[i] = heap[j];
  heap[j] = a;
}
