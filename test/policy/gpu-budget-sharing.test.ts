// SPDX-License-Identifier: Apache-2.0
// `spec.gpuBudget.sharing`: compiled into the spec with its default, and documented as applied.
import { describe, expect, it } from 'vitest';
import { policyKeyRows } from '../../src/policy/docs-table.js';
import { loadPolicyBytes } from '../../src/policy/load.js';

function policyWithBudget(budget: string): string {
  return [
    'apiVersion: pdscaler.io/v1alpha1',
    'kind: ScalingPolicy',
    'metadata:',
    '  name: budgeted',
    'spec:',
    '  target:',
    '    rbg: budgeted',
    '  roles:',
    '    prefill:',
    '      maxReplicas: 8',
    '    decode:',
    '      maxReplicas: 8',
    '  slo:',
    '    ttftMs: 500',
    '    tpotMs: 25',
    '  capacity:',
    '    explicit:',
    '      prefillTokensPerSecondPerReplica: 10000',
    '      decodeMaxBatchPerReplica: 100',
    '      decodeItlAtMaxBatchMs: 25',
    '  gpuBudget:',
    '    max: 10',
    ...budget.split('\n').filter((line) => line !== ''),
    '',
  ].join('\n');
}

function compiledSharing(budget: string): unknown {
  const result = loadPolicyBytes('budgeted.yaml', Buffer.from(policyWithBudget(budget)));
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return result.spec.gpuBudget;
}

describe('spec.gpuBudget.sharing', () => {
  it.each([
    ['', 'marginal-slo'],
    ['    sharing: marginal-slo', 'marginal-slo'],
    ['    sharing: proportional', 'proportional'],
  ])('compiles %j to sharing %s', (budget, sharing) => {
    expect(compiledSharing(budget)).toEqual({ min: undefined, max: 10, sharing });
  });

  it('documents the default the compiler applies', () => {
    const row = policyKeyRows().find((r) => r.key === 'spec.gpuBudget.sharing');
    expect(row).toMatchObject({
      type: 'one of `marginal-slo`, `proportional`',
      defaultValue: '`marginal-slo`',
    });
    expect(compiledSharing('')).toMatchObject({ sharing: row?.defaultValue.replaceAll('`', '') });
  });
});
