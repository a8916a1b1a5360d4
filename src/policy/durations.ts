// SPDX-License-Identifier: Apache-2.0
import { durationPattern } from './schema.js';

const unitSeconds: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** `1h30m` -> 5400. pre: `text` matches durationPattern (the schema checked it). */
export function parseDurationS(text: string): number {
  if (!durationPattern.test(text)) throw new Error(`not a duration: ${text}`);
  let seconds = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    seconds += Number(match[1]) * (unitSeconds[match[2] ?? 's'] ?? 1);
  }
  return seconds;
}
