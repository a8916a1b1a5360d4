// SPDX-License-Identifier: Apache-2.0
// The key table of docs/policy.md, generated so the reference cannot drift from what validates. It walks
// the zod schema in its JSON Schema form (the same document editors get from json-schema.ts, where zod
// has already resolved optional wrappers, integer formats and checks): every key path with its type,
// its `@default` note and its `.describe()` text. `npm run gen:schema` splices it between the markers.
import { policyJsonSchema } from './json-schema.js';
import { durationPattern } from './schema.js';

/** One key of a policy document as docs/policy.md lists it. */
export interface PolicyKeyRow {
  /** `spec.roles.{prefill,decode}.minReplicas`, `spec.schedules[].cron`. */
  readonly key: string;
  readonly type: string;
  /** `required`, the `@default` note, `none` for an optional key without one, or blank for a group. */
  readonly defaultValue: string;
  readonly description: string;
}

/** The part of a draft 2020-12 JSON Schema that z.toJSONSchema emits for the policy schema. */
interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly maxItems?: number;
  readonly enum?: readonly (string | number | boolean)[];
  readonly const?: string | number | boolean;
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly maximum?: number;
  readonly exclusiveMaximum?: number;
  /** A union (`coldStart: auto | duration`): its alternatives' types joined with "or". */
  readonly anyOf?: readonly SchemaNode[];
}

export const policyTableMarkers = {
  begin: '<!-- policy-table:begin -->',
  end: '<!-- policy-table:end -->',
} as const;

const defaultNote = /\s*@default\s+(.*)$/s;
/** The schema's example sentence for durations; the type column already says `duration`. */
const durationHint = /\s*Duration such as [^.]*\./;

/** zod gives `z.int()` the safe-integer range; a bound that large is no bound to a reader. */
function isBound(value: number | undefined): value is number {
  return value !== undefined && Math.abs(value) < Number.MAX_SAFE_INTEGER;
}

function numberText(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 20 });
}

interface Bound {
  readonly open: boolean;
  readonly value: number;
}

function bound(exclusive: number | undefined, inclusive: number | undefined): Bound | undefined {
  if (isBound(exclusive)) return { open: true, value: exclusive };
  if (isBound(inclusive)) return { open: false, value: inclusive };
  return undefined;
}

/** ` in [1, 64]`, ` in (0, 600,000]`, ` >= 1`, ` > 0`, or nothing. */
function range(node: SchemaNode): string {
  const low = bound(node.exclusiveMinimum, node.minimum);
  const high = bound(node.exclusiveMaximum, node.maximum);
  if (low !== undefined && high !== undefined)
    return ` in ${low.open ? '(' : '['}${numberText(low.value)}, ${numberText(high.value)}${high.open ? ')' : ']'}`;
  if (low !== undefined) return ` ${low.open ? '>' : '>='} ${numberText(low.value)}`;
  if (high !== undefined) return ` ${high.open ? '<' : '<='} ${numberText(high.value)}`;
  return '';
}

/** Units the key names carry by convention (`ttftMs`, `maxStepPercent`); the rest are in the text. */
function unitOf(name: string): string {
  if (name.endsWith('Ms')) return ' ms';
  if (name.endsWith('Percent')) return ' %';
  return '';
}

function stringType(node: SchemaNode): string {
  if (node.pattern === durationPattern.source) return 'duration';
  const length = node.maxLength === undefined ? '' : `, at most ${numberText(node.maxLength)} chars`;
  return node.pattern === undefined ? `string${length}` : `string matching \`${node.pattern}\`${length}`;
}

function typeOf(node: SchemaNode, name: string): string {
  if (node.anyOf !== undefined)
    return node.anyOf.map((alternative) => typeOf(alternative, name)).join(' or ');
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (node.enum !== undefined) return `one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  switch (node.type) {
    case 'string':
      return stringType(node);
    case 'number':
    case 'integer':
      return `${node.type}${range(node)}${unitOf(name)}`;
    case 'array':
      return node.maxItems === undefined ? 'list' : `list of at most ${numberText(node.maxItems)}`;
    default:
      return node.type ?? 'any';
  }
}

function isGroup(node: SchemaNode): boolean {
  return node.type === 'object' || node.type === 'array';
}

function describeNode(node: SchemaNode, required: boolean): { defaultValue: string; description: string } {
  const text = (node.description ?? '').replace(durationHint, '');
  const note = defaultNote.exec(text)?.[1]?.trim().replace(/\.$/, '');
  const description = text.replace(defaultNote, '').trim();
  if (required) return { defaultValue: 'required', description };
  if (note !== undefined) return { defaultValue: /\s/.test(note) ? note : `\`${note}\``, description };
  return { defaultValue: isGroup(node) ? '' : 'none', description };
}

interface ChildGroup {
  readonly name: string;
  readonly child: SchemaNode;
  readonly required: boolean;
  /** For a `*` group: the keys it stands for. */
  readonly names?: readonly string[];
}

/** More alike siblings than this read better as `*` with the names in the description. */
const maxBracedNames = 3;

/**
 * Siblings with one shape share rows: the two roles as `{prefill,decode}`, the eight PromQL overrides
 * as `*`.
 */
function childGroups(node: SchemaNode): ChildGroup[] {
  const entries = Object.entries(node.properties ?? {});
  const required = (name: string): boolean => node.required?.includes(name) ?? false;
  const [first] = entries;
  const alike =
    first !== undefined &&
    entries.length > 1 &&
    entries.every(
      ([name, child]) =>
        JSON.stringify(child) === JSON.stringify(first[1]) && required(name) === required(first[0]),
    );
  if (!alike) return entries.map(([name, child]) => ({ name, child, required: required(name) }));
  const names = entries.map(([name]) => name);
  const shared = { child: first[1], required: required(first[0]) };
  return names.length > maxBracedNames
    ? [{ ...shared, name: '*', names }]
    : [{ ...shared, name: `{${names.join(',')}}` }];
}

function rowOf(group: ChildGroup, key: string): PolicyKeyRow {
  const { defaultValue, description } = describeNode(group.child, group.required);
  const keys = group.names === undefined ? '' : `Any of ${group.names.map((n) => `\`${n}\``).join(', ')}.`;
  return {
    key,
    type: typeOf(group.child, group.name),
    defaultValue,
    description: [keys, description].filter((text) => text !== '').join(' '),
  };
}

function rowsOf(node: SchemaNode, path: string): PolicyKeyRow[] {
  const below = node.type === 'array' && node.items !== undefined ? node.items : node;
  const prefix = node.type === 'array' ? `${path}[]` : path;
  return childGroups(below).flatMap((group) => {
    const key = prefix === '' ? group.name : `${prefix}.${group.name}`;
    return [rowOf(group, key), ...(isGroup(group.child) ? rowsOf(group.child, key) : [])];
  });
}

/** Every key path of a policy, in schema order, parents before their keys. */
export function policyKeyRows(): PolicyKeyRow[] {
  return rowsOf(JSON.parse(policyJsonSchema()) as SchemaNode, '');
}

/** Pipes would end the cell; `<` before a letter would open an HTML tag (`<<selector>>`). */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/<(?=[A-Za-z/!?])/g, '\\<');
}

/** The rows as a markdown table, padded the way prettier pads it so `prettier --check` agrees. */
export function policyKeyTable(rows: readonly PolicyKeyRow[] = policyKeyRows()): string {
  const header = ['key', 'type', 'default', 'description'];
  const body = rows.map((row) => [`\`${row.key}\``, row.type, row.defaultValue, row.description].map(cell));
  // Prettier never draws a delimiter cell shorter than `---`.
  const widths = header.map((title, i) =>
    Math.max(3, title.length, ...body.map((cells) => cells[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((text, i) => text.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** `markdown` with the text between the policy-table markers replaced by `table`. */
export function withPolicyTable(markdown: string, table: string): string {
  const start = markdown.indexOf(policyTableMarkers.begin);
  const end = markdown.indexOf(policyTableMarkers.end);
  if (start < 0 || end < start)
    throw new Error(`docs/policy.md needs ${policyTableMarkers.begin} before ${policyTableMarkers.end}`);
  const head = markdown.slice(0, start + policyTableMarkers.begin.length);
  return `${head}\n\n${table}\n\n${markdown.slice(end)}`;
}
