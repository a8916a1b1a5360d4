// SPDX-License-Identifier: Apache-2.0
// Generated files committed to the repository (docs/backtests.md's tables, docs/eval-report.html) are
// written as `npm run lint` checks them (`prettier --check .`), so regenerating one leaves the tree
// clean. Prettier is a devDependency: an installation without it (the container image) writes the
// text as generated, which is still valid markdown and HTML.

/** `text` formatted by Prettier with the repository's config for `path`, or unchanged without Prettier. */
export async function formatForLint(text: string, path: string): Promise<string> {
  const prettier = await import('prettier').catch(() => undefined);
  if (prettier === undefined) return text;
  return prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
}
