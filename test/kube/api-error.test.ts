// SPDX-License-Identifier: Apache-2.0
// Reading client-node's ApiException: the one-line description, the status and Retry-After.
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apiErrorStatus, describeApiError, retryAfterMs } from '../../src/kube/api-error.js';

const status = (code: number, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });

describe('describeApiError', () => {
  it.each([
    {
      name: 'a Status body gives its message',
      error: new ApiException(403, 'Unknown API Status Code!', status(403, 'leases is forbidden'), {}),
      want: 'HTTP 403: leases is forbidden',
    },
    {
      name: 'a non-JSON body is cut to 200 characters',
      error: new ApiException(502, 'Unknown API Status Code!', `<html>${'x'.repeat(300)}`, {}),
      want: `HTTP 502: <html>${'x'.repeat(194)}`,
    },
    {
      name: 'no body gives the code alone',
      error: new ApiException(401, 'Unauthorized', undefined, {}),
      want: 'HTTP 401',
    },
    {
      name: 'another Error passes through',
      error: new Error('connect ECONNREFUSED'),
      want: 'connect ECONNREFUSED',
    },
    { name: 'a thrown string becomes an Error', error: 'boom', want: 'boom' },
  ])('$name', ({ error, want }) => {
    expect(describeApiError(error).message).toBe(want);
  });
});

describe('apiErrorStatus and retryAfterMs', () => {
  it.each([
    { name: 'seconds become ms', headers: { 'retry-after': '2' }, want: 2000 },
    { name: 'surrounding spaces are fine', headers: { 'retry-after': ' 1 ' }, want: 1000 },
    {
      name: 'an HTTP-date is ignored',
      headers: { 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' },
      want: undefined,
    },
    { name: 'no header', headers: {}, want: undefined },
  ])('Retry-After: $name', ({ headers, want }) => {
    expect(retryAfterMs(new ApiException(429, 'Too Many Requests', '', headers))).toBe(want);
  });

  it('has no status and no Retry-After for an error without a response', () => {
    expect(apiErrorStatus(new Error('socket hang up'))).toBeUndefined();
    expect(retryAfterMs(new Error('socket hang up'))).toBeUndefined();
    expect(apiErrorStatus(new ApiException(409, 'Conflict', '', {}))).toBe(409);
  });
});
