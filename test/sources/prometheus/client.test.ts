// SPDX-License-Identifier: Apache-2.0
// The instant-query client: what goes on the wire (path, query, time, token, extra parameters) and the
// strict parsing of the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildQueryUrl,
  parseQueryResponse,
  queryInstant,
  queryValue,
  singleValue,
} from '../../../src/sources/prometheus/client.js';
import type { InstantQueryData } from '../../../src/sources/prometheus/client.js';
import { startFakePrometheus, vectorBody } from '../../fakes/fake-prometheus.js';
import type { FakePrometheus } from '../../fakes/fake-prometheus.js';

const t0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

let fake: FakePrometheus;
beforeAll(async () => {
  fake = await startFakePrometheus((query, time) => {
    if (query === 'scalar(1)')
      return {
        kind: 'json',
        body: { status: 'success', data: { resultType: 'scalar', result: [time, '42'] } },
      };
    if (query === 'redirect') return { kind: 'raw', status: 302, body: '' };
    return {
      kind: 'json',
      body: { ...(vectorBody(time, [[{ pod: 'p-0' }, '7.25']]) as object), warnings: ['partial response'] },
    };
  });
});
afterAll(async () => {
  await fake.close();
});

describe('queryInstant on the wire', () => {
  it('sends GET /api/v1/query with query, time in seconds, bearer token and extra params', async () => {
    const result = await queryInstant(
      {
        baseUrl: fake.url,
        bearerToken: 's3cret',
        extraParams: { dedup: 'true', query: 'vector(1)', time: '0' },
      },
      'up{job="x"}',
      { timeMs: t0 },
    );
    expect(result).toEqual({
      ok: true,
      value: {
        resultType: 'vector',
        samples: [{ labels: { pod: 'p-0' }, value: 7.25, atMs: t0 }],
        warnings: ['partial response'],
      },
    });
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/api/v1/query');
    // Extra parameters cannot replace query or time.
    expect(request.params.getAll('query')).toEqual(['up{job="x"}']);
    expect(request.params.getAll('time')).toEqual(['1767268800.123']);
    expect(request.params.get('dedup')).toBe('true');
    expect(request.headers.authorization).toBe('Bearer s3cret');
    expect(request.headers.accept).toBe('application/json');
  });

  it('sends no Authorization header without a token', async () => {
    await queryInstant({ baseUrl: fake.url }, 'up', { timeMs: t0 });
    expect(fake.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('keeps a base URL path prefix (the fake answers 404 for it: PROM_HTTP)', async () => {
    const result = await queryInstant({ baseUrl: `${fake.url}/prometheus/` }, 'up', { timeMs: t0 });
    expect(fake.requests.at(-1)!.path).toBe('/prometheus/api/v1/query');
    expect(result).toEqual({
      ok: false,
      error: { code: 'PROM_HTTP', message: 'HTTP 404: "404 page not found\\n"' },
    });
  });

  it('reads a scalar result', async () => {
    expect(await queryValue({ baseUrl: fake.url }, 'scalar(1)', { timeMs: t0 })).toEqual({
      ok: true,
      value: { value: 42, atMs: t0 },
    });
  });

  it('does not follow redirects (a token must not travel elsewhere)', async () => {
    expect(await queryInstant({ baseUrl: fake.url }, 'redirect', { timeMs: t0 })).toEqual({
      ok: false,
      error: { code: 'PROM_HTTP', message: 'HTTP 302: ""' },
    });
  });

  it.each([
    {
      name: 'invalid base URL',
      config: { baseUrl: 'not a url' },
      message: 'invalid Prometheus base URL "not a url"',
    },
    {
      name: 'non-HTTP base URL',
      config: { baseUrl: 'file:///etc' },
      message: 'Prometheus base URL must be http or https, got file:',
    },
    {
      name: 'zero timeout',
      config: { baseUrl: 'http://x', timeoutMs: 0 },
      message: 'timeoutMs 0 must be > 0',
    },
    {
      name: 'negative body cap',
      config: { baseUrl: 'http://x', maxBodyBytes: -1 },
      message: 'maxBodyBytes -1 must be > 0',
    },
  ])('rejects $name before sending (PROM_BAD_QUERY)', async ({ config, message }) => {
    expect(await queryInstant(config, 'up', { timeMs: t0 })).toEqual({
      ok: false,
      error: { code: 'PROM_BAD_QUERY', message },
    });
  });

  it('rejects a non-finite time (PROM_BAD_QUERY)', () => {
    expect(buildQueryUrl({ baseUrl: 'http://x' }, 'up', NaN)).toEqual({
      ok: false,
      error: { code: 'PROM_BAD_QUERY', message: 'time NaN is not a finite number of ms' },
    });
  });
});

describe('parseQueryResponse reads Prometheus float strings strictly', () => {
  const vector = (value: string) =>
    parseQueryResponse(200, JSON.stringify(vectorBody(1767268800.5, [[{}, value]])));
  it.each([
    { text: '1', want: 1 },
    { text: '-0.25', want: -0.25 },
    { text: '.5', want: 0.5 },
    { text: '1e3', want: 1000 },
    { text: '8.128902e+06', want: 8128902 },
    { text: 'NaN', want: NaN },
    { text: '+Inf', want: Infinity },
    { text: '-Inf', want: -Infinity },
  ])('parses $text', ({ text, want }) => {
    const result = vector(text);
    expect(result.ok && result.value.resultType === 'vector' && result.value.samples[0]?.value).toBe(want);
  });

  it.each(['', ' 1', '0x10', '1,5', 'inf', 'true'])('rejects %j (PROM_BAD_RESPONSE, never 0)', (text) => {
    expect(vector(text)).toEqual({
      ok: false,
      error: {
        code: 'PROM_BAD_RESPONSE',
        message: `vector sample 0: value ${JSON.stringify(text)} is not a number string`,
      },
    });
  });

  it('rejects labels that are not strings', () => {
    const body = {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { a: 1 }, value: [1, '1'] }] },
    };
    expect(parseQueryResponse(200, JSON.stringify(body))).toEqual({
      ok: false,
      error: { code: 'PROM_BAD_RESPONSE', message: 'vector sample 0 has no string-valued metric labels' },
    });
  });

  it('rejects a success without data', () => {
    expect(parseQueryResponse(200, '{"status":"success"}')).toEqual({
      ok: false,
      error: { code: 'PROM_BAD_RESPONSE', message: 'success response without a data object' },
    });
  });

  it('rejects a sample pair of the wrong arity', () => {
    const body = { status: 'success', data: { resultType: 'scalar', result: [1] } };
    expect(parseQueryResponse(200, JSON.stringify(body))).toEqual({
      ok: false,
      error: { code: 'PROM_BAD_RESPONSE', message: 'scalar result: expected [time, "value"], got "[1]"' },
    });
  });
});

describe('singleValue', () => {
  const scalar = (value: number): InstantQueryData => ({
    resultType: 'scalar',
    sample: { value, atMs: t0 },
    warnings: [],
  });

  it('rejects a NaN scalar', () => {
    expect(singleValue(scalar(NaN))).toEqual({
      ok: false,
      error: { code: 'PROM_NAN', message: 'value is NaN: unknown (e.g. no observations in the window)' },
    });
  });

  it('lists at most three of many series', () => {
    const samples = [0, 1, 2, 3, 4].map((i) => ({ labels: { pod: `p-${i}` }, value: i, atMs: t0 }));
    expect(singleValue({ resultType: 'vector', samples, warnings: [] })).toEqual({
      ok: false,
      error: {
        code: 'PROM_MULTIPLE_SERIES',
        message: 'expected one series, got 5: {pod="p-0"}, {pod="p-1"}, {pod="p-2"}, ... (5 in all)',
      },
    });
  });
});
