// SPDX-License-Identifier: Apache-2.0
// Generated sections of docs/backtests.md live between `<!-- NAME:begin -->` and `<!-- NAME:end -->`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

/** Replaces the text between the markers of `name`; throws when they are missing. */
export function replaceBetween(doc: string, name: string, lines: readonly string[]): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${begin} ... ${end} markers`);
  return `${doc.slice(0, from + begin.length)}\n${lines.join('\n')}\n${doc.slice(to)}`;
}

/**
 * Rewrites several generated sections of one file at once, formatted as `npm run lint` checks it
 * (Prettier aligns the tables), so a regenerated doc is committed as is.
 */
export async function rewriteSections(
  file: URL,
  sections: Readonly<Record<string, readonly string[]>>,
): Promise<void> {
  let doc = readFileSync(file, 'utf8');
  for (const [name, lines] of Object.entries(sections)) doc = replaceBetween(doc, name, lines);
  const path = fileURLToPath(file);
  writeFileSync(file, await format(doc, { ...(await resolveConfig(path)), filepath: path }));
}
