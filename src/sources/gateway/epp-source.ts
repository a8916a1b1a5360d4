// SPDX-License-Identifier: Apache-2.0
// Scrapes the endpoint picker replicas a policy names (`spec.gateway.endpoints`) and turns their pages
// into the pool's gateway demand: queued requests summed over replicas, shed requests/s from the
// flow-control counters between two scrapes. The EPP's /metrics wants a bearer token by default
// (`--metrics-endpoint-auth`, docs/reference.md §E.1.2), so a 401/403 is reported as an
// auth problem, not as missing metrics. Any failed replica makes the reading unknown: a partial sum
// would understate the queue.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseExposition } from '../exposition/parse.js';
import {
  combineEppReadings,
  NoEndpointOutcomes,
  readEppPage,
  ShedOutcomes,
  type EppReading,
  type GatewayTarget,
} from './epp-metrics.js';
import type { GatewayReading, GatewaySource } from './gateway-reading.js';

/** Where a pod's projected service-account token lives. */
export const serviceAccountTokenPath = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface EppSourceOptions {
  readonly target: GatewayTarget;
  readonly endpoints: readonly string[];
  /** Token file; undefined uses the service-account token when that file exists. */
  readonly bearerTokenFile: string | undefined;
  readonly nowMs: () => number;
  /** Per-scrape deadline. @default 1000 */
  readonly timeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

type PageOutcome = { ok: true; reading: EppReading } | { ok: false; message: string };

interface CounterPoint {
  readonly atMs: number;
  readonly totals: Readonly<Record<string, number>>;
}

function authHint(url: string, status: number): string {
  return (
    `endpoint picker ${url} answered HTTP ${status}: its /metrics needs a bearer token allowed to get ` +
    'nonResourceURL /metrics (--metrics-endpoint-auth defaults to true); set spec.gateway.bearerTokenFile ' +
    'or grant the service account that ClusterRole'
  );
}

/** Per-second increase of the named outcomes between two counter readings (a reset counts from 0). */
function ratePerS(
  before: CounterPoint,
  after: CounterPoint,
  outcomes: readonly string[],
): number | undefined {
  const seconds = (after.atMs - before.atMs) / 1000;
  if (seconds <= 0) return undefined;
  let increase = 0;
  for (const outcome of outcomes) {
    const now = after.totals[outcome] ?? 0;
    const then = before.totals[outcome] ?? 0;
    increase += now >= then ? now - then : now;
  }
  return increase / seconds;
}

export class EppSource implements GatewaySource {
  private readonly options: EppSourceOptions;
  private readonly fetch: typeof fetch;
  private readonly previous = new Map<string, CounterPoint>();

  constructor(options: EppSourceOptions) {
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async read(signal?: AbortSignal): Promise<GatewayReading> {
    const atMs = this.options.nowMs();
    const token = await this.token();
    const pages = await Promise.all(this.options.endpoints.map((url) => this.scrape(url, token, signal)));
    const failures = pages.flatMap((p) => (p.ok ? [] : [p.message]));
    if (failures.length > 0) return { atMs, notes: failures.map((m) => `gateway unknown: ${m}`) };
    const readings = pages.flatMap((p) => (p.ok ? [p.reading] : []));
    const combined = combineEppReadings(readings);
    const rates = this.rates(readings, atMs);
    return {
      atMs,
      queuedRequests: combined.queuedRequests,
      shedPerS: rates.shed,
      noEndpointShedPerS: rates.noEndpoint,
      readyEndpoints: combined.readyEndpoints,
      saturation: combined.saturation,
      notes: combined.notes,
    };
  }

  /** Rates per replica, then summed, so one replica's restart does not read as a negative rate. */
  private rates(readings: readonly EppReading[], atMs: number): { shed?: number; noEndpoint?: number } {
    let shed: number | undefined;
    let noEndpoint: number | undefined;
    readings.forEach((reading, index) => {
      const url = this.options.endpoints[index] ?? String(index);
      if (reading.outcomeTotals === undefined) return;
      const point = { atMs, totals: reading.outcomeTotals };
      const before = this.previous.get(url);
      this.previous.set(url, point);
      if (before === undefined) return;
      const s = ratePerS(before, point, ShedOutcomes);
      const n = ratePerS(before, point, NoEndpointOutcomes);
      if (s !== undefined) shed = (shed ?? 0) + s;
      if (n !== undefined) noEndpoint = (noEndpoint ?? 0) + n;
    });
    return { ...(shed === undefined ? {} : { shed }), ...(noEndpoint === undefined ? {} : { noEndpoint }) };
  }

  private async token(): Promise<string | undefined> {
    const file = this.options.bearerTokenFile;
    const path = file ?? (existsSync(serviceAccountTokenPath) ? serviceAccountTokenPath : undefined);
    if (path === undefined) return undefined;
    // Read every time: projected tokens rotate under a running pod.
    return (await readFile(path, 'utf8')).trim();
  }

  private async scrape(url: string, token: string | undefined, signal?: AbortSignal): Promise<PageOutcome> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 1000);
    try {
      const response = await this.fetch(url, {
        headers: {
          accept: 'text/plain;version=0.0.4',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
      const body = await response.text();
      if (response.status === 401 || response.status === 403)
        return { ok: false, message: authHint(url, response.status) };
      if (!response.ok)
        return { ok: false, message: `endpoint picker ${url} answered HTTP ${response.status}` };
      const parsed = parseExposition(body);
      if (!parsed.ok)
        return {
          ok: false,
          message: `endpoint picker ${url}: line ${parsed.error.line}: ${parsed.error.message}`,
        };
      return { ok: true, reading: readEppPage(parsed.page, this.options.target) };
    } catch (error) {
      return {
        ok: false,
        message: `endpoint picker ${url}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
}
