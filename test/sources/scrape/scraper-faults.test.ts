// SPDX-License-Identifier: Apache-2.0
// Engine faults over real loopback HTTP: every one ends as a value with a named code, quickly, and the
// scraper keeps working afterwards. One engine per case, each with the misbehaviour it is named after.
import { afterEach, describe, expect, it } from 'vitest';
import { Scraper, type ScrapeResult } from '../../../src/sources/scrape/scraper.js';
import { TargetHealth } from '../../../src/sources/scrape/target-health.js';
import { HttpTarget, type TargetHandler } from '../../fakes/http-target.js';
import { freeLoopbackPort as closedPort } from '../../fakes/ports.js';

const PAGE = '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="m"} 3\n';

const engines: HttpTarget[] = [];
const scrapers: Scraper[] = [];

afterEach(async () => {
  for (const scraper of scrapers.splice(0)) scraper.close();
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

async function engine(handler: TargetHandler): Promise<HttpTarget> {
  const started = await HttpTarget.start(handler);
  engines.push(started);
  return started;
}

function scraper(options: ConstructorParameters<typeof Scraper>[0] = {}): Scraper {
  const created = new Scraper(options);
  scrapers.push(created);
  return created;
}

/** The failure of a result, or a test failure if it was ok. */
function failed(result: ScrapeResult) {
  if (result.ok) throw new Error(`expected a failure, got ${result.bytes} bytes`);
  return result.reason;
}

const healthy: TargetHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(PAGE);
};

describe('scraper', () => {
  it('returns the page with its size and fetch time', async () => {
    const up = await engine(healthy);
    const result = await scraper({ now: () => 1_700_000_000_000 }).scrape(up.url());
    expect(result).toMatchObject({
      ok: true,
      body: PAGE,
      bytes: PAGE.length,
      fetchedAtMs: 1_700_000_000_000,
    });
  });

  it.each([
    { status: 500, text: 'Internal Server Error' },
    { status: 404, text: 'Not Found' },
    { status: 503, text: 'Service Unavailable' },
  ])('engine returns $status: SCRAPE_HTTP_STATUS', async ({ status, text }) => {
    const broken = await engine((_req, res) => {
      res.writeHead(status);
      res.end('engine error');
    });
    expect(failed(await scraper().scrape(broken.url()))).toEqual({
      code: 'SCRAPE_HTTP_STATUS',
      status,
      message: `HTTP ${status} ${text} from ${broken.url()}`,
    });
  });

  it('engine never answers: SCRAPE_TIMEOUT at the deadline', async () => {
    const hung = await engine(() => undefined);
    const started = performance.now();
    const reason = failed(await scraper({ timeoutMs: 300 }).scrape(hung.url()));
    const elapsed = performance.now() - started;
    expect(reason).toEqual({
      code: 'SCRAPE_TIMEOUT',
      message: `no complete answer within 300 ms from ${hung.url()}`,
    });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('engine sends headers and part of the body, then stalls: the deadline covers the body', async () => {
    const stalls = await engine((_req, res) => {
      res.writeHead(200, { 'content-length': 10_000 });
      res.write('# TYPE x gauge\n');
    });
    const started = performance.now();
    expect(failed(await scraper({ timeoutMs: 300 }).scrape(stalls.url())).code).toBe('SCRAPE_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it.each([
    { name: 'with Content-Length', headers: { 'content-length': '10000' } },
    { name: 'chunked', headers: {} },
  ])('engine closes mid-body ($name): SCRAPE_ABORTED_BODY', async ({ headers }) => {
    const closes = await engine((_req, res) => {
      res.writeHead(200, headers);
      res.write(PAGE, () => {
        setImmediate(() => res.socket?.destroy());
      });
    });
    const reason = failed(await scraper().scrape(closes.url()));
    expect(reason.code).toBe('SCRAPE_ABORTED_BODY');
    expect(reason.message).toContain(closes.url());
  });

  it('engine closes the connection before answering: SCRAPE_CONNECTION', async () => {
    const hangsUp = await engine((req) => {
      req.socket.destroy();
    });
    const reason = failed(await scraper().scrape(hangsUp.url()));
    expect(reason.code).toBe('SCRAPE_CONNECTION');
    expect(reason.message).toBe(`ECONNRESET: socket hang up (${hangsUp.url()})`);
  });

  it('engine sends garbage: ok, the bytes are returned as text (parsing is not the scraper’s job)', async () => {
    // Deterministic bytes covering NULs, control characters and invalid UTF-8.
    const garbage = Buffer.alloc(70_000);
    let x = 12345;
    for (let i = 0; i < garbage.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      garbage[i] = x >>> 24;
    }
    const noisy = await engine((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(garbage);
    });
    const result = await scraper().scrape(noisy.url());
    expect(result.ok).toBe(true);
    expect(result.ok && result.body).toBe(garbage.toString('utf8'));
    expect(result.ok && result.bytes).toBe(70_000);
  });

  it('engine streams 100 MB: SCRAPE_TOO_LARGE at the 16 MiB cap, quickly, with bounded memory', async () => {
    const chunk = Buffer.alloc(1_048_576, 'a'); // one buffer, written 100 times: the server allocates nothing
    let written = 0;
    const flood = await engine((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no Content-Length to reject early
      const pump = (): void => {
        while (written < 100 * 1_048_576 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const result = await scraper().scrape(flood.url());
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    expect(failed(result)).toEqual({
      code: 'SCRAPE_TOO_LARGE',
      message: `body passed the 16 MiB cap from ${flood.url()}`,
    });
    expect(elapsed).toBeLessThan(2_000);
    expect(peak - baseline).toBeLessThan(64 * 1_048_576);
    expect(written).toBeLessThan(50 * 1_048_576); // reading stopped: the server could not push the rest
  });

  it('engine declares a Content-Length over the cap: SCRAPE_TOO_LARGE before reading the body', async () => {
    const big = await engine((_req, res) => {
      res.writeHead(200, { 'content-length': String(100 * 1_000_000) });
      res.write('x');
    });
    expect(failed(await scraper({ maxBodyBytes: 1_048_576 }).scrape(big.url()))).toEqual({
      code: 'SCRAPE_TOO_LARGE',
      message: `Content-Length 100000000 bytes is over the 1 MiB cap from ${big.url()}`,
    });
  });

  it('nothing listens: SCRAPE_CONNECTION naming ECONNREFUSED', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/metrics`;
    const reason = failed(await scraper().scrape(url));
    expect(reason.code).toBe('SCRAPE_CONNECTION');
    expect(reason.message).toMatch(/^connect ECONNREFUSED 127\.0\.0\.1:\d+ \(http:/);
  });

  it.each([
    { url: 'not a url', message: 'not a URL: "not a url"' },
    {
      url: 'https://10.0.0.1/metrics',
      message: 'only http: URLs are scraped, got "https://10.0.0.1/metrics"',
    },
  ])('bad URL $url: SCRAPE_BAD_URL', async ({ url, message }) => {
    expect(failed(await scraper().scrape(url))).toEqual({ code: 'SCRAPE_BAD_URL', message });
  });

  it.each([
    { url: 'http://[::1/metrics', code: 'SCRAPE_BAD_URL' },
    { url: 'http://127.0.0.1:99999/metrics', code: 'SCRAPE_BAD_URL' },
    { url: 'ftp://127.0.0.1/metrics', code: 'SCRAPE_BAD_URL' },
    { url: 'http://127.0.0.1:0/metrics', code: 'SCRAPE_CONNECTION' },
  ])('hostile URL $url resolves to $code, never a rejection', async ({ url, code }) => {
    const result = await scraper({ timeoutMs: 1_000 }).scrape(url);
    expect(result.ok ? 'ok' : result.reason.code).toBe(code);
  });

  it('the caller aborts (tick deadline): in-flight and queued scrapes end as SCRAPE_CANCELLED', async () => {
    let arrived!: () => void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    const hung = await engine(() => {
      arrived();
    });
    const controller = new AbortController();
    const pass = scraper({ concurrency: 1 }).scrapeAll(
      [{ url: hung.url() }, { url: hung.url('/other') }],
      controller.signal,
    );
    await firstArrived;
    controller.abort();
    const results = await pass;
    expect(results.map((r) => (r.ok ? 'ok' : r.reason.code))).toEqual([
      'SCRAPE_CANCELLED',
      'SCRAPE_CANCELLED',
    ]);
    expect(hung.stats.requests).toBe(1); // the queued one never went out
  });

  it('keeps working after every kind of fault, and survives the engine closing idle keep-alive sockets', async () => {
    const up = await engine(healthy);
    const shared = scraper({ timeoutMs: 200 });
    const hung = await engine(() => undefined);
    const refused = `http://127.0.0.1:${await closedPort()}/metrics`;
    const results = await shared.scrapeAll([{ url: hung.url() }, { url: refused }, { url: up.url() }]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason.code))).toEqual([
      'SCRAPE_TIMEOUT',
      'SCRAPE_CONNECTION',
      'ok',
    ]);
    up.closeIdleConnections(); // the keep-alive socket to `up` is now closed by the server
    expect((await shared.scrape(up.url())).ok).toBe(true);
    expect(shared.inFlight()).toBe(0);
  });

  it('an engine failing ten scrapes then recovering is logged three times: failing, stale, recovered', async () => {
    let failing = true;
    const flaky = await engine((_req, res) => {
      res.writeHead(failing ? 500 : 200);
      res.end(failing ? 'boom' : PAGE);
    });
    const shared = scraper();
    const health = new TargetHealth({ staleAfterMisses: 3 });
    const log: string[] = [];
    const pass = async () => {
      const change = health.record('pod-a', await shared.scrape(flaky.url()));
      if (change !== undefined)
        log.push(`${change.from}->${change.to}${change.reason ? ` (${change.reason.code})` : ''}`);
    };
    await pass();
    for (let i = 0; i < 10; i++) await pass();
    failing = false;
    await pass();
    await pass();
    expect(log).toEqual([
      'unknown->failing (SCRAPE_HTTP_STATUS)',
      'failing->stale (SCRAPE_HTTP_STATUS)',
      'stale->healthy',
    ]);
  });
});
