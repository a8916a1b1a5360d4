// SPDX-License-Identifier: Apache-2.0
// queryRoleSignals against a real HTTP server on 127.0.0.1:0: one named case per hostile answer, each
// asserting the exact error and that only the affected signal stays unknown (never 0).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PromClientConfig } from '../../../src/sources/prometheus/client.js';
import { queryRoleSignals, toRoleObservation } from '../../../src/sources/prometheus/source.js';
import type { RoleSignals } from '../../../src/sources/prometheus/source.js';
import { PromSignals, renderRoleQueries } from '../../../src/sources/prometheus/templates.js';
import type { RoleQueryOptions } from '../../../src/sources/prometheus/templates.js';
import type { PromError } from '../../../src/sources/prometheus/types.js';
import { errorBody, startFakePrometheus, vectorBody } from '../../fakes/fake-prometheus.js';
import { freeLoopbackPort as closedPort } from '../../fakes/ports.js';
import type { CannedReply, FakePrometheus } from '../../fakes/fake-prometheus.js';

const t0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);
const clock = () => t0;
const role: RoleQueryOptions = { namespace: 'serving', rbg: 'llama', role: 'prefill' };
const queries = (() => {
  const rendered = renderRoleQueries('vllm', role);
  if (!rendered.ok) throw new Error(rendered.error.message);
  return rendered.value;
})();
// Generous for the answers that should arrive (a loaded CI machine), short for the one that hangs.
const timeoutMs = 5_000;
const hangTimeoutMs = 600;
const maxBodyBytes = 4096;

/** The reply for the request-rate query; every other signal answers 1.5. */
let hostile: CannedReply;
let fake: FakePrometheus;
let client: PromClientConfig;

beforeAll(async () => {
  fake = await startFakePrometheus((query, time) =>
    query === queries.requestRatePerS ? hostile : { kind: 'json', body: vectorBody(time, [[{}, '1.5']]) },
  );
  client = { baseUrl: fake.url, timeoutMs, maxBodyBytes };
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  hostile = { kind: 'json', body: vectorBody(t0 / 1000, [[{}, '12.5']]) };
});

function expectOnlyRequestRateUnknown(signals: RoleSignals, error: PromError): void {
  const reading = signals.requestRatePerS;
  expect(reading).toEqual({ error, query: queries.requestRatePerS });
  expect('value' in reading).toBe(false);
  const observation = toRoleObservation(signals, 'p90');
  expect(observation.requestRatePerS).toBeUndefined();
  // The other signals are unaffected.
  expect(observation.waitingRequests).toEqual({ value: 1.5, atMs: t0 });
  expect(observation.ttftMs).toEqual({ value: { quantilesMs: { p90: 1.5 } }, atMs: t0 });
}

describe('queryRoleSignals', () => {
  it('reads every signal at the clock time, with the exact queries', async () => {
    const signals = await queryRoleSignals({ client, engine: 'vllm', role }, clock);
    expect(signals.requestRatePerS).toEqual({ value: 12.5, atMs: t0, query: queries.requestRatePerS });
    for (const signal of PromSignals.filter((s) => s !== 'requestRatePerS')) {
      expect(signals[signal]).toEqual({ value: 1.5, atMs: t0, query: queries[signal] });
    }
    const times = fake.requests.slice(-PromSignals.length).map((r) => r.params.get('time'));
    expect(new Set(times)).toEqual(new Set(['1767268800.123']));
    expect(toRoleObservation(signals, 'p90')).toEqual({
      requestRatePerS: { value: 12.5, atMs: t0 },
      inputTokensMean: { value: 1.5, atMs: t0 },
      outputTokensMean: { value: 1.5, atMs: t0 },
      ttftMs: { value: { quantilesMs: { p90: 1.5 } }, atMs: t0 },
      tpotMs: { value: { quantilesMs: { p90: 1.5 } }, atMs: t0 },
      waitingRequests: { value: 1.5, atMs: t0 },
      runningRequests: { value: 1.5, atMs: t0 },
      kvCacheUsage: { value: 1.5, atMs: t0 },
    });
  });

  it('keeps a true 0 as a known 0', async () => {
    hostile = { kind: 'json', body: vectorBody(t0 / 1000, [[{}, '0']]) };
    const signals = await queryRoleSignals({ client, engine: 'vllm', role }, clock);
    expect(toRoleObservation(signals, 'p90').requestRatePerS).toEqual({ value: 0, atMs: t0 });
  });

  const t = t0 / 1000;
  it.each<{ name: string; reply: CannedReply; error: PromError }>([
    {
      name: 'empty vector is unknown, not 0',
      reply: { kind: 'json', body: vectorBody(t, []) },
      error: { code: 'PROM_EMPTY', message: 'query returned no series: the value is unknown, not 0' },
    },
    {
      name: 'several series where one was expected',
      reply: {
        kind: 'json',
        body: vectorBody(t, [
          [{ pod: 'llama-prefill-0' }, '1'],
          [{ pod: 'llama-prefill-1' }, '2'],
        ]),
      },
      error: {
        code: 'PROM_MULTIPLE_SERIES',
        message: 'expected one series, got 2: {pod="llama-prefill-0"}, {pod="llama-prefill-1"}',
      },
    },
    {
      name: 'NaN value',
      reply: { kind: 'json', body: vectorBody(t, [[{}, 'NaN']]) },
      error: { code: 'PROM_NAN', message: 'value is NaN: unknown (e.g. no observations in the window)' },
    },
    {
      name: '+Inf value',
      reply: { kind: 'json', body: vectorBody(t, [[{}, '+Inf']]) },
      error: { code: 'PROM_NAN', message: 'value is +Inf: unknown (e.g. no observations in the window)' },
    },
    {
      name: '-Inf value',
      reply: { kind: 'json', body: vectorBody(t, [[{}, '-Inf']]) },
      error: { code: 'PROM_NAN', message: 'value is -Inf: unknown (e.g. no observations in the window)' },
    },
    {
      name: 'error JSON with HTTP 400 (bad_data)',
      reply: { kind: 'json', status: 400, body: errorBody('bad_data', '1:5: parse error: unexpected "}"') },
      error: {
        code: 'PROM_ERROR',
        message: 'Prometheus error (HTTP 400, bad_data): 1:5: parse error: unexpected "}"',
      },
    },
    {
      name: 'error JSON with HTTP 503 (timeout)',
      reply: { kind: 'json', status: 503, body: errorBody('timeout', 'query timed out in query execution') },
      error: {
        code: 'PROM_ERROR',
        message: 'Prometheus error (HTTP 503, timeout): query timed out in query execution',
      },
    },
    {
      name: 'error JSON with HTTP 200',
      reply: { kind: 'json', body: errorBody('execution', 'many-to-many matching not allowed') },
      error: {
        code: 'PROM_ERROR',
        message: 'Prometheus error (HTTP 200, execution): many-to-many matching not allowed',
      },
    },
    {
      name: 'non-JSON body',
      reply: { kind: 'raw', status: 200, body: '<html>Sign in</html>', contentType: 'text/html' },
      error: { code: 'PROM_NOT_JSON', message: 'HTTP 200 body is not JSON: "<html>Sign in</html>"' },
    },
    {
      name: 'HTTP 500',
      reply: { kind: 'raw', status: 500, body: 'internal server error\n' },
      error: { code: 'PROM_HTTP', message: 'HTTP 500: "internal server error\\n"' },
    },
    {
      name: 'HTTP 502 with JSON that is not a Prometheus envelope',
      reply: { kind: 'json', status: 502, body: { message: 'upstream down' } },
      error: { code: 'PROM_HTTP', message: 'HTTP 502: "{\\"message\\":\\"upstream down\\"}"' },
    },
    {
      name: 'wrong resultType (matrix)',
      reply: {
        kind: 'json',
        body: {
          status: 'success',
          data: { resultType: 'matrix', result: [{ metric: {}, values: [[t, '1']] }] },
        },
      },
      error: { code: 'PROM_BAD_RESULT_TYPE', message: 'result type "matrix", expected vector or scalar' },
    },
    {
      name: 'wrong resultType (string)',
      reply: { kind: 'json', body: { status: 'success', data: { resultType: 'string', result: [t, 'x'] } } },
      error: { code: 'PROM_BAD_RESULT_TYPE', message: 'result type "string", expected vector or scalar' },
    },
    {
      name: 'native histogram sample',
      reply: {
        kind: 'json',
        body: {
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, histogram: [t, { count: '1' }] }] },
        },
      },
      error: {
        code: 'PROM_BAD_RESULT_TYPE',
        message: 'vector sample 0 is a native histogram, expected a float sample',
      },
    },
    {
      name: 'empty value string is malformed, not 0',
      reply: { kind: 'json', body: vectorBody(t, [[{}, '']]) },
      error: { code: 'PROM_BAD_RESPONSE', message: 'vector sample 0: value "" is not a number string' },
    },
    {
      name: 'value as a JSON number instead of a string',
      reply: {
        kind: 'json',
        body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [t, 3] }] } },
      },
      error: { code: 'PROM_BAD_RESPONSE', message: 'vector sample 0: value 3 is not a number string' },
    },
    {
      name: 'JSON without a status',
      reply: { kind: 'json', body: { data: { resultType: 'vector', result: [] } } },
      error: {
        code: 'PROM_BAD_RESPONSE',
        message:
          'expected {"status":"success",...}, got "{\\"data\\":{\\"resultType\\":\\"vector\\",\\"result\\":[]}}"',
      },
    },
    {
      name: 'body larger than the cap (declared length)',
      reply: {
        kind: 'raw',
        status: 200,
        body: 'x'.repeat(maxBodyBytes + 1),
        contentType: 'application/json',
        declareLength: true,
      },
      error: { code: 'PROM_TOO_LARGE', message: 'response of 4097 bytes exceeds the 4096-byte cap' },
    },
    {
      name: 'body larger than the cap (chunked)',
      reply: {
        kind: 'raw',
        status: 200,
        body: 'x'.repeat(maxBodyBytes + 1),
        contentType: 'application/json',
      },
      error: { code: 'PROM_TOO_LARGE', message: 'response exceeds the 4096-byte cap' },
    },
  ])('$name', async ({ reply, error }) => {
    hostile = reply;
    const signals = await queryRoleSignals({ client, engine: 'vllm', role }, clock);
    expectOnlyRequestRateUnknown(signals, error);
  });

  it('slow beyond the timeout is PROM_TIMEOUT after the configured timeout', async () => {
    hostile = { kind: 'hang' };
    const started = performance.now();
    const signals = await queryRoleSignals(
      { client: { ...client, timeoutMs: hangTimeoutMs }, engine: 'vllm', role },
      clock,
    );
    const elapsed = performance.now() - started;
    expectOnlyRequestRateUnknown(signals, {
      code: 'PROM_TIMEOUT',
      message: `no complete answer from Prometheus within ${hangTimeoutMs} ms`,
    });
    expect(elapsed).toBeGreaterThanOrEqual(hangTimeoutMs - 5);
    expect(elapsed).toBeLessThan(timeoutMs);
  });

  it('a body cut mid-way is PROM_UNREACHABLE', async () => {
    hostile = { kind: 'cut', sent: '{"status":"success","data":{"resultT', promisedBytes: 1000 };
    const signals = await queryRoleSignals({ client, engine: 'vllm', role }, clock);
    const reading = signals.requestRatePerS;
    expect('error' in reading && reading.error.code).toBe('PROM_UNREACHABLE');
    expect('error' in reading && reading.error.message).toMatch(
      new RegExp(`^Prometheus at ${fake.url} unreachable: `),
    );
    expect(toRoleObservation(signals, 'p90').requestRatePerS).toBeUndefined();
    expect(toRoleObservation(signals, 'p90').waitingRequests).toEqual({ value: 1.5, atMs: t0 });
  });

  it('connection refused on a closed port leaves every signal unknown (PROM_UNREACHABLE)', async () => {
    const port = await closedPort();
    const signals = await queryRoleSignals(
      { client: { baseUrl: `http://127.0.0.1:${port}`, timeoutMs }, engine: 'vllm', role },
      clock,
    );
    for (const signal of PromSignals) {
      expect(signals[signal]).toEqual({
        error: {
          code: 'PROM_UNREACHABLE',
          message: `Prometheus at http://127.0.0.1:${port} unreachable: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port})`,
        },
        query: queries[signal],
      });
    }
    expect(toRoleObservation(signals, 'p90')).toEqual({});
  });

  it("the caller's abort signal leaves every signal unknown (PROM_ABORTED)", async () => {
    const controller = new AbortController();
    controller.abort();
    const signals = await queryRoleSignals(
      { client, engine: 'vllm', role, signal: controller.signal },
      clock,
    );
    for (const signal of PromSignals) {
      expect(signals[signal]).toEqual({
        error: { code: 'PROM_ABORTED', message: 'query aborted by the caller' },
        query: queries[signal],
      });
    }
  });

  it('invalid options send nothing and leave every signal unknown (PROM_BAD_QUERY)', async () => {
    const before = fake.requests.length;
    const signals = await queryRoleSignals(
      { client, engine: 'vllm', role: { ...role, quantile: 1.5, rbg: '' } },
      clock,
    );
    const error: PromError = {
      code: 'PROM_BAD_QUERY',
      message: 'quantile 1.5 must be strictly between 0 and 1; rbg is empty',
    };
    for (const signal of PromSignals) expect(signals[signal]).toEqual({ error, query: undefined });
    expect(fake.requests.length).toBe(before);
  });
});
