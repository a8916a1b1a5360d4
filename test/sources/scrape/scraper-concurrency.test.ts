// SPDX-License-Identifier: Apache-2.0
// Many endpoints on a few loopback engines: the in-flight limit holds, keep-alive sockets are reused
// across requests and passes, and idle sockets beyond the cap are closed.
import { afterEach, describe, expect, it } from 'vitest';
import { Scraper } from '../../../src/sources/scrape/scraper.js';
import { TargetStats, HttpTarget, type TargetHandler } from '../../fakes/http-target.js';
import { eventually } from '../discovery/eventually.js';

const engines: HttpTarget[] = [];
const scrapers: Scraper[] = [];

afterEach(async () => {
  for (const scraper of scrapers.splice(0)) scraper.close();
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

async function fleet(
  count: number,
  handler: TargetHandler,
  stats = new TargetStats(),
): Promise<HttpTarget[]> {
  const started = await Promise.all(Array.from({ length: count }, () => HttpTarget.start(handler, stats)));
  engines.push(...started);
  return started;
}

describe('scraper concurrency and keep-alive', () => {
  it('scrapes 200 endpoints on 4 engines with at most 12 in flight and at most 12 connections, reused next pass', async () => {
    const stats = new TargetStats();
    const scraper = new Scraper({ concurrency: 12, maxSocketsPerHost: 8 });
    scrapers.push(scraper);
    let scraperPeak = 0;
    // Each engine answers after a few ms, like a real one under load, so requests overlap.
    const servers = await fleet(
      4,
      (req, res) => {
        scraperPeak = Math.max(scraperPeak, scraper.inFlight());
        setTimeout(() => res.end(`page ${req.url ?? ''}\n`), 3);
      },
      stats,
    );
    const targets = Array.from({ length: 200 }, (_, i) => ({
      url: servers[i % 4]!.url(`/metrics?pod=${i}`),
    }));

    const first = await scraper.scrapeAll(targets);
    expect(first.every((r) => r.ok)).toBe(true);
    expect(first.map((r) => (r.ok ? r.body : '')).slice(0, 2)).toEqual([
      'page /metrics?pod=0\n',
      'page /metrics?pod=1\n',
    ]);
    expect(stats.requests).toBe(200);
    expect(stats.maxInFlight).toBeLessThanOrEqual(12);
    expect(stats.maxInFlight).toBe(12); // and the limit was actually used
    expect(scraperPeak).toBeLessThanOrEqual(12);
    expect(stats.connections).toBeLessThanOrEqual(12); // 200 requests over at most 12 sockets

    const connectionsAfterFirstPass = stats.connections;
    const second = await scraper.scrapeAll(targets);
    expect(second.every((r) => r.ok)).toBe(true);
    expect(stats.requests).toBe(400);
    expect(stats.connections).toBe(connectionsAfterFirstPass); // the next pass opens no new connection
    expect(scraper.inFlight()).toBe(0);
  });

  it('closes the least recently used idle sockets beyond maxIdleSockets', async () => {
    const stats = new TargetStats();
    const servers = await fleet(6, (_req, res) => res.end('ok\n'), stats);
    const scraper = new Scraper({ maxIdleSockets: 2 });
    scrapers.push(scraper);
    for (const server of servers) expect((await scraper.scrape(server.url())).ok).toBe(true);
    expect(stats.connections).toBe(6);
    await eventually(() => {
      expect(stats.openConnections).toBe(2);
    });
    // The two kept are the most recent: scraping them again reuses them.
    await scraper.scrapeAll(servers.slice(4).map((server) => ({ url: server.url() })));
    expect(stats.connections).toBe(6);
  });
});
