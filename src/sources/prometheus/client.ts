// SPDX-License-Identifier: Apache-2.0
// Prometheus HTTP API client for instant queries (`GET /api/v1/query`). The response is parsed
// strictly into a tagged union and every hostile answer becomes a named error value, as KEDA's
// `ExecutePromQuery` decides explicitly (kedacore/keda pkg/scalers/prometheus_scaler.go), except that an empty result or a
// NaN is never turned into 0: unknown is not zero.
import { fail, ok } from './types.js';
import type { PromResult } from './types.js';

/** Default timeout for one query, connect to last body byte. */
export const DEFAULT_TIMEOUT_MS = 2_000;
/** Default cap on the response body; an instant query for one role's signal is a few hundred bytes. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Where and how to reach Prometheus. */
export interface PromClientConfig {
  /**
   * Base URL of the Prometheus HTTP API, without `/api/v1`, e.g. `http://prometheus.monitoring:9090`
   * or, behind a path prefix, `https://gateway.example/prometheus`.
   */
  readonly baseUrl: string;
  /** Timeout for a whole query (connect, headers and body), in ms. @default 2000 */
  readonly timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>` when set (e.g. a service account token behind kube-rbac-proxy). */
  readonly bearerToken?: string;
  /**
   * Extra query parameters sent with every query, e.g. `{ namespace: 'serving' }` for a tenancy proxy
   * or `{ dedup: 'true' }` for Thanos. They cannot replace `query` or `time`.
   */
  readonly extraParams?: Readonly<Record<string, string>>;
  /** Largest response body read, in bytes; a larger body is `PROM_TOO_LARGE`. @default 8 MiB */
  readonly maxBodyBytes?: number;
}

/** Per-query options. */
export interface InstantQueryOptions {
  /** Evaluation time, ms since the epoch (sent as `time=` in seconds with ms precision). */
  readonly timeMs: number;
  /** Aborts the query early, e.g. at the tick deadline (`PROM_ABORTED`). */
  readonly signal?: AbortSignal;
}

/** One float value and the evaluation time Prometheus reported for it. */
export interface SampleValue {
  readonly value: number;
  readonly atMs: number;
}

/** One series of an instant vector. */
export interface VectorSample extends SampleValue {
  readonly labels: Readonly<Record<string, string>>;
}

/** The `data` of a successful instant query; matrix and string results are rejected. */
export type InstantQueryData =
  | {
      readonly resultType: 'vector';
      readonly samples: readonly VectorSample[];
      readonly warnings: readonly string[];
    }
  | { readonly resultType: 'scalar'; readonly sample: SampleValue; readonly warnings: readonly string[] };

type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Builds the instant-query URL. `extraParams` go first and `query`/`time` are set last, so an extra
 * parameter cannot replace them. Fails with `PROM_BAD_QUERY` on an invalid base URL or time.
 */
export function buildQueryUrl(config: PromClientConfig, query: string, timeMs: number): PromResult<URL> {
  if (!Number.isFinite(timeMs)) return fail('PROM_BAD_QUERY', `time ${timeMs} is not a finite number of ms`);
  let url: URL;
  try {
    const base = config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`;
    url = new URL('api/v1/query', base);
  } catch {
    return fail('PROM_BAD_QUERY', `invalid Prometheus base URL ${JSON.stringify(config.baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail('PROM_BAD_QUERY', `Prometheus base URL must be http or https, got ${url.protocol}`);
  }
  for (const [name, value] of Object.entries(config.extraParams ?? {})) url.searchParams.append(name, value);
  url.searchParams.set('query', query);
  url.searchParams.set('time', (timeMs / 1000).toFixed(3));
  return ok(url);
}

/**
 * Runs one instant query. Never throws: every failure (HTTP, body, JSON shape, result type, timeout,
 * connection) is a `PromResult` error with a code from `PromErrorCodes`.
 */
export async function queryInstant(
  config: PromClientConfig,
  query: string,
  options: InstantQueryOptions,
): Promise<PromResult<InstantQueryData>> {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!isPositiveInteger(timeoutMs)) return fail('PROM_BAD_QUERY', `timeoutMs ${timeoutMs} must be > 0`);
  if (!isPositiveInteger(maxBodyBytes))
    return fail('PROM_BAD_QUERY', `maxBodyBytes ${maxBodyBytes} must be > 0`);
  const url = buildQueryUrl(config, query, options.timeMs);
  if (!url.ok) return url;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  try {
    const response = await fetch(url.value, { headers: requestHeaders(config), signal, redirect: 'manual' });
    const body = await readBody(response, maxBodyBytes);
    if (!body.ok) return body;
    return parseQueryResponse(response.status, body.value);
  } catch (error) {
    if (timeout.aborted)
      return fail('PROM_TIMEOUT', `no complete answer from Prometheus within ${timeoutMs} ms`);
    if (options.signal?.aborted === true) return fail('PROM_ABORTED', 'query aborted by the caller');
    return fail('PROM_UNREACHABLE', `Prometheus at ${url.value.origin} unreachable: ${describeError(error)}`);
  }
}

/**
 * Parses an `/api/v1/query` answer. A Prometheus error envelope is `PROM_ERROR` whatever the HTTP
 * status (Prometheus sends them with 400, 422 or 503); any other non-2xx answer is `PROM_HTTP`.
 */
export function parseQueryResponse(httpStatus: number, body: string): PromResult<InstantQueryData> {
  const success = httpStatus >= 200 && httpStatus < 300;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    if (!success) return fail('PROM_HTTP', `HTTP ${httpStatus}: ${snippet(body)}`);
    return fail('PROM_NOT_JSON', `HTTP ${httpStatus} body is not JSON: ${snippet(body)}`);
  }
  if (isObject(json) && json.status === 'error') return promError(httpStatus, json);
  if (!success) return fail('PROM_HTTP', `HTTP ${httpStatus}: ${snippet(body)}`);
  if (!isObject(json) || json.status !== 'success') {
    return fail('PROM_BAD_RESPONSE', `expected {"status":"success",...}, got ${snippet(body)}`);
  }
  return parseData(json);
}

/**
 * The one value a query is expected to yield: an empty vector is `PROM_EMPTY` (unknown, not 0), more
 * than one series is `PROM_MULTIPLE_SERIES`, NaN and ±Inf are `PROM_NAN`.
 */
export function singleValue(data: InstantQueryData): PromResult<SampleValue> {
  if (data.resultType === 'scalar') return finiteValue(data.sample);
  const [first, second] = data.samples;
  if (first === undefined) return fail('PROM_EMPTY', 'query returned no series: the value is unknown, not 0');
  if (second !== undefined) {
    const shown = data.samples.slice(0, 3).map((s) => formatLabels(s.labels));
    const more = data.samples.length > 3 ? `, ... (${data.samples.length} in all)` : '';
    return fail(
      'PROM_MULTIPLE_SERIES',
      `expected one series, got ${data.samples.length}: ${shown.join(', ')}${more}`,
    );
  }
  return finiteValue(first);
}

/** `queryInstant` then `singleValue`: the one finite value of a query, or why there is none. */
export async function queryValue(
  config: PromClientConfig,
  query: string,
  options: InstantQueryOptions,
): Promise<PromResult<SampleValue>> {
  const data = await queryInstant(config, query, options);
  return data.ok ? singleValue(data.value) : data;
}

function isPositiveInteger(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

function requestHeaders(config: PromClientConfig): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.bearerToken !== undefined) headers.authorization = `Bearer ${config.bearerToken}`;
  return headers;
}

/** Reads (drains) the body up to `maxBytes`; a larger body is cancelled and reported. */
async function readBody(response: Response, maxBytes: number): Promise<PromResult<string>> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    return fail('PROM_TOO_LARGE', `response of ${declared} bytes exceeds the ${maxBytes}-byte cap`);
  }
  if (response.body === null) return ok('');
  // @types/node types web streams as `any` chunks; fetch bodies are byte streams.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return fail('PROM_TOO_LARGE', `response exceeds the ${maxBytes}-byte cap`);
    }
    chunks.push(value);
  }
  return ok(Buffer.concat(chunks).toString('utf8'));
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

function promError(httpStatus: number, json: JsonObject): PromResult<InstantQueryData> {
  const errorType = typeof json.errorType === 'string' ? json.errorType : 'unknown';
  const message = typeof json.error === 'string' ? json.error : snippet(JSON.stringify(json));
  return fail('PROM_ERROR', `Prometheus error (HTTP ${httpStatus}, ${errorType}): ${message}`);
}

function parseData(json: JsonObject): PromResult<InstantQueryData> {
  const data = json.data;
  if (!isObject(data)) return fail('PROM_BAD_RESPONSE', 'success response without a data object');
  const warnings = stringArray(json.warnings);
  switch (data.resultType) {
    case 'vector':
      return parseVector(data.result, warnings);
    case 'scalar': {
      const sample = parseSampleValue(data.result, 'scalar result');
      return sample.ok ? ok({ resultType: 'scalar', sample: sample.value, warnings }) : sample;
    }
    default: {
      const shown = data.resultType === undefined ? 'missing' : JSON.stringify(data.resultType);
      return fail('PROM_BAD_RESULT_TYPE', `result type ${shown}, expected vector or scalar`);
    }
  }
}

function parseVector(result: unknown, warnings: readonly string[]): PromResult<InstantQueryData> {
  if (!Array.isArray(result)) return fail('PROM_BAD_RESPONSE', 'vector result is not an array');
  const samples: VectorSample[] = [];
  for (const [index, item] of (result as readonly unknown[]).entries()) {
    const sample = parseVectorSample(item, index);
    if (!sample.ok) return sample;
    samples.push(sample.value);
  }
  return ok({ resultType: 'vector', samples, warnings });
}

function parseVectorSample(item: unknown, index: number): PromResult<VectorSample> {
  const where = `vector sample ${index}`;
  if (!isObject(item)) return fail('PROM_BAD_RESPONSE', `${where} is not an object`);
  if (item.value === undefined && item.histogram !== undefined) {
    return fail('PROM_BAD_RESULT_TYPE', `${where} is a native histogram, expected a float sample`);
  }
  const labels = parseLabels(item.metric);
  if (labels === undefined) return fail('PROM_BAD_RESPONSE', `${where} has no string-valued metric labels`);
  const value = parseSampleValue(item.value, where);
  return value.ok ? ok({ labels, ...value.value }) : value;
}

function parseLabels(metric: unknown): Readonly<Record<string, string>> | undefined {
  if (!isObject(metric)) return undefined;
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(metric)) {
    if (typeof value !== 'string') return undefined;
    labels[name] = value;
  }
  return labels;
}

/** A `[<unix seconds>, "<float>"]` pair; the float string may be NaN or ±Inf (checked later). */
function parseSampleValue(pair: unknown, where: string): PromResult<SampleValue> {
  if (!Array.isArray(pair) || pair.length !== 2) {
    return fail(
      'PROM_BAD_RESPONSE',
      `${where}: expected [time, "value"], got ${snippet(JSON.stringify(pair))}`,
    );
  }
  const [time, text] = pair as readonly unknown[];
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    return fail('PROM_BAD_RESPONSE', `${where}: time ${JSON.stringify(time)} is not a number`);
  }
  const value = typeof text === 'string' ? parsePromFloat(text) : undefined;
  if (value === undefined) {
    return fail('PROM_BAD_RESPONSE', `${where}: value ${JSON.stringify(text)} is not a number string`);
  }
  return ok({ value, atMs: Math.round(time * 1000) });
}

const floatPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Go's float formatting as Prometheus emits it. `Number('')` is 0, so the syntax is checked first. */
function parsePromFloat(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return floatPattern.test(text) ? Number(text) : undefined;
  }
}

function finiteValue(sample: SampleValue): PromResult<SampleValue> {
  if (Number.isFinite(sample.value)) return ok(sample);
  const shown = Number.isNaN(sample.value) ? 'NaN' : sample.value > 0 ? '+Inf' : '-Inf';
  return fail('PROM_NAN', `value is ${shown}: unknown (e.g. no observations in the window)`);
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `{${parts.join(',')}}`;
}

function stringArray(value: unknown): readonly string[] {
  return Array.isArray(value) ? (value as readonly unknown[]).filter((w) => typeof w === 'string') : [];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** At most 200 characters of a body, JSON-quoted so control characters cannot reach a log line raw. */
function snippet(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}
