// SPDX-License-Identifier: Apache-2.0
// Kubernetes label selector strings (`labelSelector=` of an external metric request): parse into
// requirements and match against labels. Standard syntax, comma = AND: `a=b`, `a==b`, `a!=b`,
// `a in (x,y)`, `a notin (x)`, `a`, `!a`, and the numeric `a>1`, `a<1`
// (docs/reference.md §B.3.6; apimachinery `labels.Parse`).

export type Requirement =
  | { readonly key: string; readonly op: 'exists' | 'absent' }
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'gt' | 'lt'; readonly bound: number };

export type ParsedSelector =
  | { readonly ok: true; readonly requirements: readonly Requirement[] }
  | { readonly ok: false; readonly message: string };

// A label name (and the name part of a key): at most 63 characters, alphanumerics at both ends.
const namePattern = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// A key prefix is a DNS subdomain of at most 253 characters.
const prefixPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Characters that end a key or a value.
const delimiters = new Set([' ', '\t', '\n', ',', '=', '!', '(', ')', '<', '>']);

function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !prefixPattern.test(prefix)))
    return `invalid label key ${JSON.stringify(key)}: the prefix must be a DNS subdomain`;
  if (!namePattern.test(name))
    return `invalid label key ${JSON.stringify(key)}: a name must be at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value === '' || namePattern.test(value)) return undefined;
  return `invalid label value ${JSON.stringify(value)}: at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
}

class SelectorSyntaxError extends Error {}

/** A cursor over the selector text. */
class Scanner {
  private position = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  skipSpace(): void {
    while (/\s/.test(this.text.charAt(this.position))) this.position++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.position >= this.text.length;
  }

  /** Consumes `token` (after spaces) if it comes next. */
  take(token: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(token, this.position)) return false;
    this.position += token.length;
    return true;
  }

  /** Consumes the keyword `word` when it stands alone (followed by a space or `(`). */
  takeWord(word: string): boolean {
    this.skipSpace();
    const next = this.text.charAt(this.position + word.length);
    if (!this.text.startsWith(word, this.position) || !(next === '(' || /\s/.test(next))) return false;
    this.position += word.length;
    return true;
  }

  expect(token: string): void {
    if (!this.take(token)) throw new SelectorSyntaxError(`expected '${token}' at position ${this.position}`);
  }

  /** The characters up to the next delimiter (may be empty). */
  word(): string {
    this.skipSpace();
    const start = this.position;
    while (this.position < this.text.length && !delimiters.has(this.text.charAt(this.position)))
      this.position++;
    return this.text.slice(start, this.position);
  }
}

function checked(problem: string | undefined): void {
  if (problem !== undefined) throw new SelectorSyntaxError(problem);
}

function parseKey(scanner: Scanner): string {
  const key = scanner.word();
  if (key === '') throw new SelectorSyntaxError('expected a label key');
  checked(keyProblem(key));
  return key;
}

function parseValue(scanner: Scanner): string {
  const value = scanner.word();
  checked(valueProblem(value));
  return value;
}

function parseSet(scanner: Scanner): string[] {
  scanner.expect('(');
  const values = [parseValue(scanner)];
  while (scanner.take(',')) values.push(parseValue(scanner));
  scanner.expect(')');
  if (values.length === 1 && values[0] === '')
    throw new SelectorSyntaxError("the values of 'in' and 'notin' can't be empty");
  return values;
}

function parseBound(scanner: Scanner, key: string): number {
  const text = scanner.word();
  const bound = Number(text);
  if (text === '' || !Number.isInteger(bound))
    throw new SelectorSyntaxError(
      `${JSON.stringify(key)} must be compared with an integer, not ${JSON.stringify(text)}`,
    );
  return bound;
}

function parseRequirement(scanner: Scanner): Requirement {
  if (scanner.take('!')) return { key: parseKey(scanner), op: 'absent' };
  const key = parseKey(scanner);
  if (scanner.take('!=')) return { key, op: 'notin', values: [parseValue(scanner)] };
  if (scanner.take('==') || scanner.take('=')) return { key, op: 'in', values: [parseValue(scanner)] };
  if (scanner.takeWord('notin')) return { key, op: 'notin', values: parseSet(scanner) };
  if (scanner.takeWord('in')) return { key, op: 'in', values: parseSet(scanner) };
  if (scanner.take('>')) return { key, op: 'gt', bound: parseBound(scanner, key) };
  if (scanner.take('<')) return { key, op: 'lt', bound: parseBound(scanner, key) };
  return { key, op: 'exists' };
}

/** Parses a selector; an absent or blank selector selects everything (§3.6). */
export function parseLabelSelector(text: string | undefined): ParsedSelector {
  const scanner = new Scanner(text ?? '');
  const requirements: Requirement[] = [];
  try {
    while (!scanner.atEnd()) {
      if (requirements.length > 0) scanner.expect(',');
      requirements.push(parseRequirement(scanner));
    }
  } catch (error) {
    if (!(error instanceof SelectorSyntaxError)) throw error;
    return { ok: false, message: `unable to parse label selector ${JSON.stringify(text)}: ${error.message}` };
  }
  return { ok: true, requirements };
}

function matches(requirement: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[requirement.key];
  switch (requirement.op) {
    case 'exists':
      return value !== undefined;
    case 'absent':
      return value === undefined;
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'gt':
      return value !== undefined && Number(value) > requirement.bound;
    case 'lt':
      return value !== undefined && Number(value) < requirement.bound;
  }
}

/** True when every requirement holds for `labels`. */
export function selectorMatches(
  requirements: readonly Requirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every((requirement) => matches(requirement, labels));
}

/** The single value `key` must equal (`key=v`, `key==v` or `key in (v)`), if the selector pins one. */
export function pinnedValue(requirements: readonly Requirement[], key: string): string | undefined {
  for (const requirement of requirements)
    if (requirement.key === key && requirement.op === 'in' && requirement.values.length === 1)
      return requirement.values[0];
  return undefined;
}
