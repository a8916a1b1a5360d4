// SPDX-License-Identifier: Apache-2.0
// Just enough PromQL reading to check alert and dashboard queries against the metrics pdscaler exports:
// which metric names a query selects, with which label matchers, which labels it groups by and which
// functions it calls. Range selectors (`[5m]`, `[$__rate_interval]`) and numbers are skipped.

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Selector {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
}

export interface QueryReferences {
  readonly selectors: readonly Selector[];
  readonly groupingLabels: readonly string[];
  readonly functions: readonly string[];
}

const tokenPattern =
  /"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[a-zA-Z_:][a-zA-Z0-9_:]*|=~|!=|!~|[{}(),=]|[0-9.]+[a-z]*|\S/g;
const groupingWords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const operatorWords = new Set(['and', 'or', 'unless', 'bool', 'offset']);
const identifier = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Reads `label op "value", ...` up to the closing brace; returns the matchers and the index after `}`. */
function readMatchers(tokens: readonly string[], start: number): { matchers: Matcher[]; next: number } {
  const matchers: Matcher[] = [];
  let i = start;
  while (i < tokens.length && tokens[i] !== '}') {
    const [label, op, value] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (label === ',') {
      i += 1;
      continue;
    }
    if (label === undefined || value === undefined || !['=', '!=', '=~', '!~'].includes(op ?? ''))
      throw new Error(`cannot read label matcher at ${tokens.slice(i, i + 3).join(' ')}`);
    matchers.push({ label, op: op as Matcher['op'], value: JSON.parse(value) as string });
    i += 3;
  }
  return { matchers, next: i + 1 };
}

/** Reads `(label, label)` after a grouping word; returns the labels and the index after `)`. */
function readLabelList(tokens: readonly string[], start: number): { labels: string[]; next: number } {
  const end = tokens.indexOf(')', start);
  const labels = tokens.slice(start + 1, end).filter((t) => t !== ',');
  return { labels, next: end + 1 };
}

export function queryReferences(expr: string): QueryReferences {
  const tokens = expr.match(tokenPattern) ?? [];
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  const functions: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    const following = tokens[i + 1];
    if (!identifier.test(token) || operatorWords.has(token)) {
      i += 1;
    } else if (groupingWords.has(token)) {
      const list = following === '(' ? readLabelList(tokens, i + 1) : { labels: [], next: i + 1 };
      groupingLabels.push(...list.labels);
      i = list.next;
    } else if (following === '(' || groupingWords.has(following ?? '')) {
      // `rate(...)`, or an aggregation with its grouping first: `sum by (role) (...)`.
      functions.push(token);
      i += 1;
    } else if (following === '{') {
      const read = readMatchers(tokens, i + 2);
      selectors.push({ metric: token, matchers: read.matchers });
      i = read.next;
    } else {
      selectors.push({ metric: token, matchers: [] });
      i += 1;
    }
  }
  return { selectors, groupingLabels, functions };
}
