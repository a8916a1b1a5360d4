// SPDX-License-Identifier: Apache-2.0
// The shared retry rules: which failures are retried, how long each wait is, and when it stops.
import { ApiException } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, failureKind, withRetries, type RetryContext } from '../../src/kube/retry.js';

const fault = (code: number, headers: Record<string, string> = {}) =>
  new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ message: `fault ${code}` }), headers);

function context(overrides: Partial<RetryContext> = {}): { context: RetryContext; sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    context: {
      policy: defaultRetryPolicy,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
      retryConflicts: false,
      logger: pino({ level: 'silent' }),
      what: 'GET thing',
      ...overrides,
    },
  };
}

/** An operation failing with `errors` in turn, then answering 'done'. */
function failing(...errors: Error[]): () => Promise<string> {
  return () => {
    const error = errors.shift();
    return error === undefined ? Promise.resolve('done') : Promise.reject(error);
  };
}

describe('failureKind', () => {
  it.each([
    { error: fault(409), want: 'conflict' },
    { error: fault(429), want: 'transient' },
    { error: fault(500), want: 'transient' },
    { error: fault(503), want: 'transient' },
    { error: new Error('connect ECONNREFUSED 127.0.0.1:6443'), want: 'transient' },
    { error: fault(400), want: 'permanent' },
    { error: fault(403), want: 'permanent' },
    { error: fault(404), want: 'permanent' },
    { error: fault(422), want: 'permanent' },
  ])('$error.message is $want', ({ error, want }) => {
    expect(failureKind(error)).toBe(want);
  });
});

describe('withRetries', () => {
  it('does not retry a conflict when the operation does not re-read', async () => {
    const { context: ctx, sleeps } = context();
    expect(await withRetries(failing(fault(409)), ctx)).toMatchObject({
      ok: false,
      status: 409,
      attempts: 1,
      error: new Error('HTTP 409: fault 409'),
    });
    expect(sleeps).toEqual([]);
  });

  it('retries a network error with backoff like a 5xx', async () => {
    const { context: ctx, sleeps } = context();
    expect(await withRetries(failing(new Error('socket hang up'), fault(502)), ctx)).toEqual({
      ok: true,
      value: 'done',
      attempts: 3,
    });
    expect(sleeps).toEqual([100, 200]);
  });

  it('stops retrying once the caller aborts', async () => {
    const abort = new AbortController();
    const { context: ctx } = context({
      signal: abort.signal,
      sleep: () => {
        abort.abort();
        return Promise.resolve();
      },
    });
    expect(await withRetries(failing(fault(500), fault(500), fault(500)), ctx)).toMatchObject({
      ok: false,
      attempts: 2,
    });
  });
});
