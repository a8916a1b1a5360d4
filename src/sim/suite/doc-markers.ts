// SPDX-License-Identifier: Apache-2.0
// Generated sections of a markdown file (docs/backtests.md) live between `<!-- NAME:begin -->` and
// `<!-- NAME:end -->`; everything outside them is prose and is kept as it is. Used by `pdscaler
// backtest --suite NAME --docs FILE` and the bench scripts. Written as generated: the npm scripts run
// Prettier on the file afterwards (a devDependency the runtime image does not have).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const markers = (name: string): { begin: string; end: string } => ({
  begin: `<!-- ${name}:begin -->`,
  end: `<!-- ${name}:end -->`,
});

function hasSection(doc: string, name: string): boolean {
  const { begin, end } = markers(name);
  const from = doc.indexOf(begin);
  return from >= 0 && doc.indexOf(end) > from;
}

/**
 * Why `file` cannot take the sections `names` (it cannot be read, or lacks a section's markers), or
 * undefined: checked before minutes of work whose output it would receive.
 */
export function sectionsProblem(file: string, names: readonly string[]): string | undefined {
  let doc: string;
  try {
    doc = readFileSync(file, 'utf8');
  } catch (error) {
    return `${file}: ${(error as Error).message}`;
  }
  const missing = names.filter((name) => !hasSection(doc, name));
  return missing.length === 0
    ? undefined
    : `${file}: no ${missing.map((name) => `${markers(name).begin} ... ${markers(name).end}`).join(', ')} markers`;
}

/** Replaces the text between the markers of `name`; throws when they are missing. */
export function replaceBetween(doc: string, name: string, lines: readonly string[]): string {
  const { begin, end } = markers(name);
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${begin} ... ${end} markers`);
  return `${doc.slice(0, from + begin.length)}\n${lines.join('\n')}\n${doc.slice(to)}`;
}

/** Rewrites several generated sections of one file at once; throws when a section's markers are missing. */
export function rewriteSections(
  file: string | URL,
  sections: Readonly<Record<string, readonly string[]>>,
): void {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  let doc = readFileSync(path, 'utf8');
  for (const [name, lines] of Object.entries(sections)) doc = replaceBetween(doc, name, lines);
  writeFileSync(path, doc);
}
