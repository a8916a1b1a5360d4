// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import {
  parseLabelSelector,
  pinnedValue,
  selectorMatches,
  type Requirement,
} from '../../../src/serving/external-metrics/label-selector.js';

function requirements(text: string): readonly Requirement[] {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.requirements;
}

describe('parseLabelSelector', () => {
  it.each<[string, Requirement[]]>([
    ['', []],
    ['  ', []],
    ['pdscaler.io/policy=chat', [{ key: 'pdscaler.io/policy', op: 'in', values: ['chat'] }]],
    ['pdscaler.io/policy == chat', [{ key: 'pdscaler.io/policy', op: 'in', values: ['chat'] }]],
    ['tier!=gold', [{ key: 'tier', op: 'notin', values: ['gold'] }]],
    ['tier in (a, b)', [{ key: 'tier', op: 'in', values: ['a', 'b'] }]],
    ['tier notin (a)', [{ key: 'tier', op: 'notin', values: ['a'] }]],
    ['tier', [{ key: 'tier', op: 'exists' }]],
    ['!tier', [{ key: 'tier', op: 'absent' }]],
    ['gen>3', [{ key: 'gen', op: 'gt', bound: 3 }]],
    ['gen < 3', [{ key: 'gen', op: 'lt', bound: 3 }]],
    ['empty=', [{ key: 'empty', op: 'in', values: [''] }]],
    [
      'pdscaler.io/policy=chat,pdscaler.io/role in (prefill),!legacy',
      [
        { key: 'pdscaler.io/policy', op: 'in', values: ['chat'] },
        { key: 'pdscaler.io/role', op: 'in', values: ['prefill'] },
        { key: 'legacy', op: 'absent' },
      ],
    ],
  ])('parses %j', (text, expected) => {
    expect(requirements(text)).toEqual(expected);
  });

  it.each([
    ['a=b c', "expected ','"],
    ['a in (b', "expected ')'"],
    ['a in ()', "can't be empty"],
    ['a=b,', 'expected a label key'],
    ['a=b!', "expected ','"],
    ['Bad_Prefix/x=1', 'prefix must be a DNS subdomain'],
    ['a=-x-', 'invalid label value'],
    ['gen>x', 'must be compared with an integer'],
    [`k=${'v'.repeat(64)}`, 'invalid label value'],
  ])('rejects %j with a message that says why', (text, reason) => {
    const parsed = parseLabelSelector(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(reason);
  });
});

describe('selectorMatches', () => {
  const labels = { 'pdscaler.io/policy': 'chat', 'pdscaler.io/role': 'prefill', gen: '4' };
  it.each([
    ['', true],
    ['pdscaler.io/policy=chat', true],
    ['pdscaler.io/policy=other', false],
    ['pdscaler.io/role in (decode, prefill)', true],
    ['pdscaler.io/role notin (prefill)', false],
    ['pdscaler.io/role!=decode', true],
    ['missing!=x', true],
    ['missing', false],
    ['!missing', true],
    ['gen>3,gen<5', true],
    ['gen>4', false],
  ])('%j matches: %s', (text, expected) => {
    expect(selectorMatches(requirements(text), labels)).toBe(expected);
  });
});

describe('pinnedValue', () => {
  it.each([
    ['pdscaler.io/policy=chat', 'chat'],
    ['pdscaler.io/policy in (chat)', 'chat'],
    ['pdscaler.io/policy in (chat, code)', undefined],
    ['pdscaler.io/policy!=chat', undefined],
    ['pdscaler.io/policy', undefined],
    ['other=chat', undefined],
  ])('in %j is %s', (text, expected) => {
    expect(pinnedValue(requirements(text), 'pdscaler.io/policy')).toBe(expected);
  });
});
