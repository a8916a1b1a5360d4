// SPDX-License-Identifier: Apache-2.0
// The generated key table of docs/policy.md: current with the schema, complete for the shipped policies,
// and rendered so markdown and prettier read it as written.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  policyKeyRows,
  policyKeyTable,
  policyTableMarkers,
  withPolicyTable,
  type PolicyKeyRow,
} from '../../src/policy/docs-table.js';
import { PromSignals } from '../../src/sources/prometheus/templates.js';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const rows = policyKeyRows();
const row = (key: string): PolicyKeyRow | undefined => rows.find((r) => r.key === key);

/**
 * `spec.roles.prefill.coldStart` for every scalar of a parsed document, arrays of objects as `[]`; a
 * list of scalars (`spec.gateway.endpoints`) is documented by its own row.
 */
function keyPaths(value: unknown, path: string): string[] {
  if (Array.isArray(value))
    return value.flatMap((item) =>
      typeof item === 'object' && item !== null ? keyPaths(item, `${path}[]`) : [path],
    );
  if (typeof value !== 'object' || value === null) return [path];
  return Object.entries(value).flatMap(([key, child]) =>
    keyPaths(child, path === '' ? key : `${path}.${key}`),
  );
}

/** A row key as a regular expression: `{a,b}` is either name, `*` any name. */
function keyPattern(key: string): RegExp {
  const escaped = key
    .split(/(\{[^}]*\}|\*)/)
    .map((part) => {
      if (part === '*') return '[^.]+';
      if (part.startsWith('{')) return `(${part.slice(1, -1).split(',').join('|')})`;
      return part.replace(/[.[\]]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${escaped}$`);
}

describe('docs/policy.md key table', () => {
  it('is current with src/policy/schema.ts (run npm run gen:schema when this fails)', () => {
    const doc = read('docs/policy.md');
    expect(doc, 'docs/policy.md is stale: run `npm run gen:schema`').toBe(
      withPolicyTable(doc, policyKeyTable()),
    );
  });

  const policies = readdirSync(new URL('policies/', root)).filter((file) => file.endsWith('.yaml'));
  it.each(policies)('lists every key that policies/%s uses', (file) => {
    const patterns = rows.map((r) => keyPattern(r.key));
    const undocumented = keyPaths(parse(read(`policies/${file}`)), '').filter(
      (path) => !patterns.some((pattern) => pattern.test(path)),
    );
    expect(undocumented).toEqual([]);
  });

  it.each([
    ['apiVersion', '`pdscaler.io/v1alpha1`'],
    ['spec.slo.ttftMs', 'number in (0, 600,000] ms'],
    ['spec.roles.{prefill,decode}.gpusPerReplica', 'integer in [1, 64]'],
    ['spec.slo.maxActiveConversationsPerDecodeReplica', 'integer >= 1'],
    ['spec.slo.maxRequestRatePerPrefillReplica', 'number > 0'],
    ['spec.behavior.scaleDown.maxStepPercent', 'number in [0, 1,000] %'],
    ['spec.slo.quantile', 'one of `p50`, `p90`, `p95`, `p99`'],
    ['spec.roles.{prefill,decode}.coldStart', '`auto` or duration'],
    ['spec.scaleToZero', 'boolean'],
    ['spec.schedules', 'list of at most 32'],
  ])('renders the type of %s as %s', (key, type) => {
    expect(row(key)?.type).toBe(type);
  });

  it.each([
    ['spec.slo.ttftMs', 'required', 'Time to first token SLO in milliseconds (prefill).'],
    ['spec.roles.{prefill,decode}.gpusPerReplica', '`1`', 'GPUs one replica of this role uses.'],
    [
      'spec.roles.{prefill,decode}.coldStart',
      '`120s`',
      'Pod creation to Ready; the default forecast horizon.',
    ],
    ['spec.forecast.horizon', "each role's coldStart", 'How far ahead to forecast.'],
    ['spec.gpuBudget.max', 'none', 'Most GPUs across both roles.'],
    ['spec.behavior', '', ''],
  ])('gives %s the default %s and the description %s', (key, defaultValue, description) => {
    expect(row(key)).toMatchObject({ defaultValue, description });
  });

  it('lists the two roles once as {prefill,decode} and the PromQL overrides once as *', () => {
    expect(rows.filter((r) => r.key.startsWith('spec.roles.prefill'))).toEqual([]);
    expect(row('spec.roles.{prefill,decode}.minReplicas')).toBeDefined();
    const queries = row('spec.metrics.prometheus.queries.*');
    for (const signal of PromSignals) expect(queries?.description).toContain(`\`${signal}\``);
  });

  it('escapes pipes and tag-like text, and pads every line to one width', () => {
    const table = policyKeyTable([
      {
        key: 'a',
        type: 'one | two',
        defaultValue: 'none',
        description: 'placeholders <<selector>> and a <= b',
      },
    ]);
    expect(table).toContain('one \\| two');
    expect(table).toContain('<\\<selector>> and a <= b');
    const widths = new Set(table.split('\n').map((line) => line.length));
    expect(widths.size).toBe(1);
  });
});

describe('withPolicyTable', () => {
  const { begin, end } = policyTableMarkers;

  it('replaces only the text between the markers', () => {
    const doc = `# Title\n\n${begin}\nold\n${end}\n\nprose\n`;
    expect(withPolicyTable(doc, '| t |')).toBe(`# Title\n\n${begin}\n\n| t |\n\n${end}\n\nprose\n`);
  });

  it.each([
    ['no markers', '# Title\n'],
    ['the end marker first', `${end}\n${begin}\n`],
  ])('refuses a document with %s', (_case, doc) => {
    expect(() => withPolicyTable(doc, '| t |')).toThrow(begin);
  });
});
