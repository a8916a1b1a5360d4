// SPDX-License-Identifier: Apache-2.0
// How a system under test reads the simulated fleet: one RoleCollector per role, exactly as the
// adapter runs it against pods, with the page fetch swapped for the simulated engine's rendered page
// (the `PageFetcher` port). Parsing, the vLLM adapter, windowing and role aggregation are the real
// code, so a backtest exercises the whole metrics path on every tick.
import { Roles, type Role } from '../decision/types.js';
import { RoleCollector, type PageFetcher } from '../sources/collect/role-collector.js';
import type { ScrapeResult } from '../sources/scrape/scraper.js';
import { TargetHealth } from '../sources/scrape/target-health.js';
import { createLogger } from '../telemetry/logger.js';
import type { Fleet } from './fleet/fleet.js';
import type { RoleMetrics } from './systems/types.js';

const urlPrefix = 'sim://';

/** Serves each replica's page at `sim://<key>/metrics`, stamped with the simulated time. */
class SimulatedPages implements PageFetcher {
  private readonly fleet: Fleet;

  constructor(fleet: Fleet) {
    this.fleet = fleet;
  }

  scrape(url: string): Promise<ScrapeResult> {
    const key = url.slice(urlPrefix.length, url.indexOf('/', urlPrefix.length));
    const body = this.fleet.renderPage(key);
    const fetchedAtMs = this.fleet.nowMs;
    return Promise.resolve(
      body === undefined
        ? {
            ok: false,
            reason: { code: 'SCRAPE_CONNECTION', message: `connection refused: ${url}` },
            fetchedAtMs,
            durationMs: 0,
          }
        : { ok: true, body, fetchedAtMs, bytes: body.length, durationMs: 0 },
    );
  }
}

export class FleetMetricsReader {
  private readonly fleet: Fleet;
  private readonly collectors: Record<Role, RoleCollector>;

  constructor(fleet: Fleet, modelName: string) {
    this.fleet = fleet;
    const fetcher = new SimulatedPages(fleet);
    const logger = createLogger({ level: 'silent' });
    const collector = (role: Role): RoleCollector =>
      new RoleCollector({
        engine: 'vllm',
        model: modelName,
        fetcher,
        health: new TargetHealth(),
        logger: logger.child({ role }),
      });
    this.collectors = { prefill: collector('prefill'), decode: collector('decode') };
  }

  /** One collection pass over both roles' Ready replicas at the fleet's current time. */
  async read(): Promise<Record<Role, RoleMetrics>> {
    const nowMs = this.fleet.nowMs;
    const out = {} as Record<Role, RoleMetrics>;
    for (const role of Roles) {
      const endpoints = this.fleet.readyKeys(role).map((key) => ({ key, url: `${urlPrefix}${key}/metrics` }));
      const collected = await this.collectors[role].collect(endpoints, nowMs);
      out[role] = { observation: collected.observation, extras: collected.aggregate.extra };
    }
    return out;
  }
}
