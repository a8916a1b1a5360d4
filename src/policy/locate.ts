// SPDX-License-Identifier: Apache-2.0
// Maps a key path (`spec.roles.decode.maxReplicas`) back to its place in the YAML source.
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { SourcePosition } from './issue.js';
import type { ParsedPolicy } from './parse.js';

export type KeyPath = readonly (string | number)[];

function childOf(node: unknown, segment: string | number): { pair: Pair | undefined; node: unknown } {
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
    return { pair, node: pair?.value };
  }
  if (isSeq(node) && typeof segment === 'number') return { pair: undefined, node: node.items[segment] };
  return { pair: undefined, node: undefined };
}

function offsetOf(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

/**
 * Position of the value at `path`, or of its key when `at` is 'key'. A path that does not exist (a
 * missing required key) resolves to the key of the deepest mapping that exists, the one that should
 * hold it (`slo:` for a missing `spec.slo.ttftMs`), or 1:1 at the top level.
 */
export function locate(parsed: ParsedPolicy, path: KeyPath, at: 'value' | 'key' = 'value'): SourcePosition {
  let node: unknown = parsed.document.contents;
  let offset = offsetOf(node) ?? 0;
  let parentKeyOffset = 0;
  for (const [index, segment] of path.entries()) {
    const child = childOf(node, segment);
    const last = index === path.length - 1;
    if (child.pair === undefined && child.node === undefined)
      return parsed.lineCounter.linePos(parentKeyOffset);
    const keyOffset = child.pair === undefined ? offsetOf(child.node) : offsetOf(child.pair.key);
    // `key:` with no value, or the key itself was asked for: point at the key.
    if ((last && at === 'key') || child.node === undefined || child.node === null) {
      return parsed.lineCounter.linePos(keyOffset ?? offset);
    }
    parentKeyOffset = keyOffset ?? offset;
    node = child.node;
    offset = offsetOf(node) ?? offset;
  }
  return parsed.lineCounter.linePos(offset);
}

/** `spec.schedules[0].cron` for messages. */
export function formatPath(path: KeyPath): string {
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}
