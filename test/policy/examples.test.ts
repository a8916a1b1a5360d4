// SPDX-License-Identifier: Apache-2.0
// What we ship is tested: example policies, the README's policy, the JSON Schema and the documented
// defaults (knative/serving pkg/autoscaler/config/config_test.go loads its example ConfigMap).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyDefaults } from '../../src/policy/defaults.js';
import { policyJsonSchema } from '../../src/policy/json-schema.js';
import { parse } from 'yaml';
import { parseDurationS } from '../../src/policy/durations.js';
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
    expect(spec.scaleDown).toEqual({
      smoothingS: 60,
      burstMemoryS: 1800,
      windowS: 300,
      maxStepReplicas: 1,
      maxStepPercent: 20,
      margin: 0.8,
    });
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
  const section = read('docs/policy.md')
    .split('<!-- policy-table:begin -->')[1]
    ?.split('<!-- policy-table:end -->')[0];
  const documented = new Map(
    (section ?? '')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => {
        const cells = line.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('`', ''));
        return [cells[1] ?? '', cells[3] ?? ''] as const;
      }),
  );
  // Every default the loader applies, by the key(s) that document it; a new default that is not listed
  // here does not compile.
  const keysOf: Record<keyof typeof policyDefaults, readonly string[]> = {
    namespace: ['metadata.namespace'],
    gpusPerReplica: ['spec.roles.{prefill,decode}.gpusPerReplica'],
    minReplicas: ['spec.roles.{prefill,decode}.minReplicas'],
    coldStartS: ['spec.roles.{prefill,decode}.coldStart'],
    quantile: ['spec.slo.quantile'],
    breachFactor: ['spec.slo.breachFactor'],
    excludeUnattainable: ['spec.slo.excludeUnattainable'],
    panicEnabled: ['spec.behavior.panic.enabled'],
    panicStableWindowS: ['spec.behavior.panic.stableWindow'],
    panicWindowPercentage: ['spec.behavior.panic.panicWindowPercentage'],
    panicThresholdPercentage: ['spec.behavior.panic.panicThresholdPercentage'],
    gatewayPollIntervalMs: ['spec.gateway.pollInterval'],
    ratioBasis: ['spec.ratio.basis'],
    scaleUpWindowS: ['spec.behavior.scaleUp.stabilizationWindow'],
    scaleUpStepReplicas: ['spec.behavior.scaleUp.maxStepReplicas'],
    scaleUpStepPercent: ['spec.behavior.scaleUp.maxStepPercent'],
    scaleDownWindowS: ['spec.behavior.scaleDown.stabilizationWindow'],
    scaleDownStepReplicas: ['spec.behavior.scaleDown.maxStepReplicas'],
    scaleDownStepPercent: ['spec.behavior.scaleDown.maxStepPercent'],
    scaleDownMargin: ['spec.behavior.scaleDown.margin'],
    scaleDownBurstMemoryS: ['spec.behavior.scaleDown.burstMemory'],
    scaleDownSmoothingS: ['spec.behavior.scaleDown.smoothing'],
    loopIntervalS: ['spec.metrics.interval'],
    staleAfterS: ['spec.behavior.staleAfter'],
    burnRateEnabled: ['spec.behavior.burnRate.enabled'],
    burnRateWindowS: ['spec.behavior.burnRate.window'],
    burnRateMaxHeadroom: ['spec.behavior.burnRate.maxHeadroom'],
    burnRateRaisePerMinute: ['spec.behavior.burnRate.raisePerMinute'],
    burnRateHalfLifeS: ['spec.behavior.burnRate.halfLife'],
    burnRateMinBudgetErrors: ['spec.behavior.burnRate.minBudgetErrors'],
    correctionMaxFactor: ['spec.behavior.correction.maxFactor'],
    correctionHalfLifeS: ['spec.behavior.correction.halfLife'],
    forecastMethod: ['spec.forecast.method'],
    forecastAlpha: ['spec.forecast.alpha'],
    forecastBeta: ['spec.forecast.beta'],
    forecastMaxGrowth: ['spec.forecast.maxGrowth'],
    forecastHeadroomSigmas: ['spec.forecast.headroomSigmas'],
    forecastMissResetSigmas: ['spec.forecast.missResetSigmas'],
    gpuBudgetSharing: ['spec.gpuBudget.sharing'],
    prefillSizingModel: ['spec.sizing.prefill.model'],
    decodeSizingModel: ['spec.sizing.decode.model'],
    decodeCrossCheckTolerance: ['spec.sizing.decode.crossCheckTolerance'],
    timeZone: ['spec.schedules[].timeZone'],
    scrapeTimeoutS: ['spec.metrics.scrape.timeout', 'spec.metrics.prometheus.timeout'],
    staleAfterMisses: ['spec.metrics.scrape.staleAfterMisses'],
    prometheusWindowS: ['spec.metrics.prometheus.window'],
  };
  const cases = Object.entries(keysOf).flatMap(([name, keys]) =>
    keys.map((key) => ({ key, name, value: policyDefaults[name as keyof typeof policyDefaults] })),
  );

  it.each(cases)('documents the default of $key as the loader applies it ($name)', ({ key, name, value }) => {
    const text = documented.get(key);
    expect(text, `${key} has no row in docs/policy.md`).toBeDefined();
    // Seconds (or ms) in defaults.ts are written as durations in the policy (`5m` for 300).
    if (name.endsWith('S')) expect(parseDurationS(text ?? '')).toBe(value);
    else if (name.endsWith('Ms')) expect(parseDurationS(text ?? '') * 1000).toBe(value);
    else expect(text).toBe(String(value));
  });
});
