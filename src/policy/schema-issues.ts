// SPDX-License-Identifier: Apache-2.0
// zod issues -> messages in the SRE's vocabulary: `spec.slo.ttftMs = -5, must be > 0`,
// `spec.roles.prefil: unknown key (allowed: prefill, decode)` (knative/serving pkg/autoscaler/config/config.go validate names the key, the value and the rule).
import type { z } from 'zod';
import { formatPath, type KeyPath } from './locate.js';
import { durationPattern, policySchema } from './schema.js';

/** A problem found against a key path, before it is placed in the file. */
export interface PathIssue {
  readonly path: KeyPath;
  /** Point at the key (unknown keys) or at the value. */
  readonly at: 'key' | 'value';
  readonly message: string;
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

type AnySchema = z.core.$ZodType;

/** The object schema at a path, unwrapping optionals and arrays, for "allowed keys" lists. */
function schemaAt(root: AnySchema, path: KeyPath): AnySchema | undefined {
  let schema: AnySchema | undefined = root;
  for (const segment of path) {
    schema = unwrap(schema);
    const def = (schema as { _zod: { def: Record<string, unknown> } } | undefined)?._zod.def;
    if (def === undefined) return undefined;
    if (def.type === 'object') schema = (def.shape as Record<string, AnySchema>)[String(segment)];
    else if (def.type === 'array') schema = def.element as AnySchema;
    else return undefined;
  }
  return unwrap(schema);
}

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
  let current = schema;
  for (;;) {
    const def = (current as { _zod: { def: { type: string; innerType?: AnySchema } } } | undefined)?._zod.def;
    if (def?.innerType === undefined || !['optional', 'default', 'nullable'].includes(def.type))
      return current;
    current = def.innerType;
  }
}

function allowedKeys(root: AnySchema, path: KeyPath): string[] {
  const def = (
    schemaAt(root, path) as { _zod: { def: { type: string; shape?: Record<string, unknown> } } } | undefined
  )?._zod.def;
  return def?.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : [];
}

function bound(inclusive: boolean | undefined, direction: 'min' | 'max', limit: unknown): string {
  const op = direction === 'min' ? (inclusive === false ? '>' : '>=') : inclusive === false ? '<' : '<=';
  return `${op} ${String(limit)}`;
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    int: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
  };
  return names[expected] ?? expected;
}

/** zod reports an integer field's type as `number`; the schema knows better. */
function expectedType(root: AnySchema, path: KeyPath, expected: string): string {
  const def = (schemaAt(root, path) as { _zod: { def: { format?: string } } } | undefined)?._zod.def;
  return expected === 'number' && (def?.format === 'safeint' || def?.format === 'int32') ? 'int' : expected;
}

function sizeMessage(
  issue: z.core.$ZodIssue & { code: 'too_small' | 'too_big' },
  where: string,
  got: string,
): string {
  const small = issue.code === 'too_small';
  const limit = String(small ? issue.minimum : issue.maximum);
  if (issue.origin === 'string')
    return small ? `${where} must not be empty` : `${where} is longer than ${limit} characters`;
  if (issue.origin === 'array')
    return small ? `${where} must have at least ${limit} items` : `${where} has more than ${limit} items`;
  return `${where} = ${got}, must be ${bound(issue.inclusive, small ? 'min' : 'max', small ? issue.minimum : issue.maximum)}`;
}

function allowedValues(values: readonly unknown[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map(String).join(', ')}`;
}

/** What each pattern in the schema means, by its source text (zod reports the pattern). */
const formatNames: Readonly<Record<string, string>> = {
  [durationPattern.toString()]: 'a duration such as 30s, 5m or 1h30m',
  ['/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/']: "a lowercase DNS-1123 label (a-z, 0-9, '-')",
  ['/^\\/[!-~]*$/']: 'an absolute URL path such as /metrics',
  ['/^https?:\\/\\/[^\\s]+$/']: 'an http:// or https:// URL',
};

function messageFor(root: AnySchema, issue: z.core.$ZodIssue, value: unknown): string {
  const where = formatPath(issue.path as KeyPath);
  const got = describeValue(value);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = typeName(expectedType(root, issue.path as KeyPath, issue.expected));
      return value === undefined
        ? `${where} is required (${expected})`
        : `${where} = ${got}, must be ${expected}`;
    }
    case 'too_small':
    case 'too_big':
      return sizeMessage(issue, where, got);
    case 'invalid_value':
      return value === undefined
        ? `${where} is required (must be ${allowedValues(issue.values)})`
        : `${where} = ${got}, must be ${allowedValues(issue.values)}`;
    case 'invalid_format':
      return `${where} = ${got}, must be ${formatNames[issue.pattern ?? ''] ?? `in the format ${issue.format}`}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** Every problem of `value` against `schema` (the policy schema by default), each as its own issue. */
export function schemaIssues<S extends z.ZodType = typeof policySchema>(
  value: unknown,
  schema: S = policySchema as unknown as S,
): {
  issues: PathIssue[];
  document: z.infer<S> | undefined;
} {
  const result = schema.safeParse(value);
  if (result.success) return { issues: [], document: result.data };
  const issues = result.error.issues.flatMap((issue): PathIssue[] => {
    const path = issue.path as KeyPath;
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, path).join(', ');
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key',
        message: `${formatPath([...path, key])}: unknown key (allowed: ${allowed})`,
      }));
    }
    return [{ path, at: 'value', message: messageFor(schema, issue, valueAt(value, path)) }];
  });
  return { issues, document: undefined };
}
