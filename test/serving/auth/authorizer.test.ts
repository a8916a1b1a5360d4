// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { accessAttributes, Authorizer } from '../../../src/serving/auth/authorizer.js';
import type { AccessReview, AuthDelegate } from '../../../src/serving/auth/delegate.js';

describe('accessAttributes', () => {
  it.each([
    [
      'GET',
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/decode-kv-usage',
      {
        kind: 'resource',
        namespace: 'llm',
        verb: 'list',
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        resource: 'decode-kv-usage',
      },
    ],
    [
      'DELETE',
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/x',
      {
        kind: 'resource',
        namespace: 'llm',
        verb: 'delete',
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        resource: 'x',
      },
    ],
    [
      'GET',
      '/apis/external.metrics.k8s.io/v1beta1',
      { kind: 'nonResource', path: '/apis/external.metrics.k8s.io/v1beta1', verb: 'get' },
    ],
    ['GET', '/apis', { kind: 'nonResource', path: '/apis', verb: 'get' }],
    ['POST', '/metrics', { kind: 'nonResource', path: '/metrics', verb: 'post' }],
  ])('%s %s is %j', (method, path, expected) => {
    expect(accessAttributes(method, path)).toEqual(expected);
  });
});

describe('Authorizer', () => {
  it('asks again once the 10 s cache entry has expired, and keys on the groups too', async () => {
    const reviews: AccessReview[] = [];
    const delegate: AuthDelegate = {
      authenticationConfig: () => ({}),
      onAuthenticationConfigChange: () => () => undefined,
      reviewToken: () => Promise.reject(new Error('unused')),
      reviewAccess: (review) => {
        reviews.push(review);
        return Promise.resolve({ allowed: true });
      },
    };
    let now = 0;
    const authorizer = new Authorizer({ delegate, nowMs: () => now });
    const attributes = accessAttributes('GET', '/apis');
    const alice = { username: 'alice', groups: ['a'], extra: {} };
    await authorizer.authorize(alice, attributes);
    now = 9_999;
    await authorizer.authorize(alice, attributes);
    expect(reviews).toHaveLength(1);
    await authorizer.authorize({ ...alice, groups: ['b'] }, attributes);
    expect(reviews).toHaveLength(2);
    now = 10_000;
    await authorizer.authorize(alice, attributes);
    expect(reviews).toHaveLength(3);
  });
});
