// SPDX-License-Identifier: Apache-2.0
// Every object deploy/ renders or ships as an example is valid against its schema: built-in kinds
// against Kubernetes' OpenAPI (unknown fields included), custom resources against test/deploy/schemas/.
// The validator itself is shown to reject the mistakes it is there to catch.
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectlMissing, skipKubectl } from '../helpers/kubectl.js';
import { describeObject, kustomize, overlays, readManifests, type KubeObject } from './render.js';
import { validationErrors } from './validate.js';

const examples = ['deploy/examples/rbg-vllm-pd.yaml', 'deploy/examples/hpa.yaml'];

describe('deploy/examples', () => {
  it.each(examples)('%s: every object is valid', (file) => {
    const objects = readManifests(file);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.map((o) => ({ object: describeObject(o), errors: validationErrors(o) }))).toEqual(
      objects.map((o) => ({ object: describeObject(o), errors: [] })),
    );
  });
});

const dirs = [...overlays.map((o) => `deploy/overlays/${o}`), 'deploy/observability'];
if (skipKubectl) console.warn(`schemas.test.ts rendered objects skipped: ${kubectlMissing}`);

describe.skipIf(skipKubectl)('rendered objects', () => {
  const rendered = new Map<string, readonly KubeObject[]>();
  beforeAll(async () => {
    for (const dir of dirs) rendered.set(dir, (await kustomize(dir)).objects);
  });

  it.each(dirs)('%s: every object is valid', (dir) => {
    const objects = rendered.get(dir)!;
    const invalid = objects
      .map((o) => ({ object: describeObject(o), errors: validationErrors(o) }))
      .filter((r) => r.errors.length > 0);
    expect(invalid).toEqual([]);
  });
});

const meta = { name: 'x', namespace: 'serving' };
const deployment = (container: Record<string, unknown>, replicas: unknown = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta,
  spec: {
    replicas,
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: { containers: [{ name: 'c', image: 'i', ...container }] },
    },
  },
});
const rbg = (role: Record<string, unknown>): KubeObject => ({
  apiVersion: 'workloads.x-k8s.io/v1alpha2',
  kind: 'RoleBasedGroup',
  metadata: meta,
  spec: { roles: [{ name: 'prefill', ...role }] },
});
const template = { spec: { containers: [{ name: 'c', image: 'i' }] } };
const scaledObject = (trigger: Record<string, unknown>): KubeObject => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: meta,
  spec: { scaleTargetRef: { name: 'x-prefill' }, triggers: [trigger] },
});

describe('the validator', () => {
  it.each([
    ['a misspelled built-in field', deployment({ readinessProb: {} }), 'readinessProb: unknown field'],
    ['a built-in field of the wrong type', deployment({}, 'two'), 'replicas must be integer'],
    [
      'a RoleBasedGroup role with two patterns',
      rbg({ standalonePattern: { template }, leaderWorkerPattern: { template } }),
      'oneOf',
    ],
    [
      'a RoleBasedGroup role with an unknown field',
      rbg({ standalonePattern: { template }, scalingAdaptor: { enable: true } }),
      'additional properties',
    ],
    [
      'a bad pod template inside a RoleBasedGroup',
      rbg({
        standalonePattern: { template: { spec: { containers: [{ name: 'c', image: 'i', port: 1 }] } } },
      }),
      'port: unknown field',
    ],
    [
      'an external trigger without scalerAddress',
      scaledObject({ type: 'external', metadata: { role: 'prefill' } }),
      'scalerAddress',
    ],
    [
      'a trigger metadata value that is not a string',
      scaledObject({ type: 'external-push', metadata: { scalerAddress: 'a:1', replicas: 2 } }),
      'must be string',
    ],
    [
      'a kind without a schema',
      { apiVersion: 'v1', kind: 'Secret', metadata: meta },
      'no schema for v1/Secret',
    ],
  ])('rejects %s', (_what, object, message) => {
    expect(validationErrors(object).join('\n')).toContain(message);
  });
});
