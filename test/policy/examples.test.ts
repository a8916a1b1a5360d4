// SPDX-License-Identifier: Apache-2.0
// What we ship is tested: example policies, the README's policy, the JSON Schema and the documented
// defaults (style-anchors.md P8).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyDefaults } from '../../src/policy/defaults.js';
import { policyJsonSchema } from '../../src/policy/json-schema.js';
import { parse } from 'yaml';
import { loadPolicyBytes, loadPolicyFile } from '../../src/policy/load.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const examples = readdirSync(new URL('policies/', root)).filter((f) => f.endsWith('.yaml'));

describe('shipped policies', () => {
  it('ships at least three example policies', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples)('policies/%s validates and compiles', (file) => {
    const result = loadPolicyFile(new URL(`policies/${file}`, root).pathname);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it("the README's policy example validates", () => {
    const readme = read('README.md');
    const block = /<!-- readme-policy:start -->\s*```yaml\n([\s\S]*?)```\s*<!-- readme-policy:end -->/.exec(
      readme,
    )?.[1];
    expect(block).toBeDefined();
    const result = loadPolicyBytes('README.md', Buffer.from(block ?? ''));
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it('every policy embedded in deploy/ ConfigMaps validates and matches its file in policies/', () => {
    const configMap = parse(read('deploy/base/policy-configmap.yaml')) as {
      kind: string;
      data: Record<string, string>;
    };
    expect(configMap.kind).toBe('ConfigMap');
    for (const [key, text] of Object.entries(configMap.data)) {
      const result = loadPolicyBytes(`deploy/base/policy-configmap.yaml#${key}`, Buffer.from(text));
      expect(result.ok ? [] : result.issues).toEqual([]);
      expect(text).toBe(read(`policies/${key}`));
    }
  });

  it('compiles defaults into the spec the decider sees', () => {
    const result = loadPolicyFile(new URL('policies/chat-h200.yaml', root).pathname);
    if (!result.ok) throw new Error('chat-h200 must validate');
    const spec = result.spec;
    expect(spec.scaleDown).toEqual({ windowS: 300, maxStepReplicas: 1, maxStepPercent: 20, margin: 0.8 });
    expect(spec.forecast.horizonS).toEqual({ prefill: 120, decode: 120 });
    expect(spec.stalenessS).toBe(60);
    expect(spec.namespace).toBe('serving');
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.roles.prefill)).toBe(true);
  });
});

describe('policy JSON Schema', () => {
  it('policies/pdscaler-policy.schema.json is current (run npm run gen:schema)', () => {
    expect(read('policies/pdscaler-policy.schema.json')).toBe(policyJsonSchema());
  });

  it('rejects unknown keys at every level, like the loader', () => {
    const schema = JSON.parse(policyJsonSchema()) as {
      additionalProperties: boolean;
      properties: { spec: { additionalProperties: boolean } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.spec.additionalProperties).toBe(false);
  });
});

describe('docs/policy.md', () => {
  const table = new Map(
    read('docs/policy.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => {
        const cells = line.split('|').map((c) => c.trim());
        return [cells[1]?.replaceAll('`', '') ?? '', cells[3]?.replaceAll('`', '') ?? ''] as const;
      }),
  );

  it.each([
    ['metadata.namespace', policyDefaults.namespace],
    ['spec.roles.*.gpusPerReplica', policyDefaults.gpusPerReplica],
    ['spec.roles.*.minReplicas', policyDefaults.minReplicas],
    ['spec.roles.*.coldStart', `${policyDefaults.coldStartS}s`],
    ['spec.slo.quantile', policyDefaults.quantile],
    ['spec.slo.breachFactor', policyDefaults.breachFactor],
    ['spec.ratio.basis', policyDefaults.ratioBasis],
    ['spec.behavior.scaleUp.stabilizationWindow', `${policyDefaults.scaleUpWindowS}s`],
    ['spec.behavior.scaleUp.maxStepReplicas', policyDefaults.scaleUpStepReplicas],
    ['spec.behavior.scaleUp.maxStepPercent', policyDefaults.scaleUpStepPercent],
    ['spec.behavior.scaleDown.stabilizationWindow', `${policyDefaults.scaleDownWindowS / 60}m`],
    ['spec.behavior.scaleDown.maxStepReplicas', policyDefaults.scaleDownStepReplicas],
    ['spec.behavior.scaleDown.maxStepPercent', policyDefaults.scaleDownStepPercent],
    ['spec.behavior.scaleDown.margin', policyDefaults.scaleDownMargin],
    ['spec.behavior.staleAfter', `${policyDefaults.staleAfterS}s`],
    ['spec.metrics.interval', `${policyDefaults.loopIntervalS}s`],
    ['spec.behavior.correction.maxFactor', policyDefaults.correctionMaxFactor],
    ['spec.behavior.correction.halfLife', `${policyDefaults.correctionHalfLifeS / 60}m`],
    ['spec.forecast.method', policyDefaults.forecastMethod],
    ['spec.forecast.alpha', policyDefaults.forecastAlpha],
    ['spec.forecast.beta', policyDefaults.forecastBeta],
    ['spec.forecast.maxGrowth', policyDefaults.forecastMaxGrowth],
    ['spec.schedules[].timeZone', policyDefaults.timeZone],
  ])('documents the default of %s as the loader applies it', (key, value) => {
    expect(table.get(key)).toBe(String(value));
  });
});
