// SPDX-License-Identifier: Apache-2.0
// Fetches engine `/metrics` pages from many pods: bounded concurrency, one deadline per request covering
// connect + headers + body, a body size cap enforced while streaming, keep-alive sockets with a cap on
// idle ones. Never throws and never rejects: every outcome is a value with a named code, and parsing
// the page is someone else's job (../exposition/parse.ts).
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** Why a scrape failed. Stable strings: logs, metrics and tests key on them. */
export type ScrapeErrorCode =
  /** The engine answered with a status other than 2xx. */
  | 'SCRAPE_HTTP_STATUS'
  /** No complete answer within the per-request timeout (connect, headers and body together). */
  | 'SCRAPE_TIMEOUT'
  /** The body (or its declared Content-Length) exceeded the cap; reading stopped there. */
  | 'SCRAPE_TOO_LARGE'
  /** No response: refused, reset, unreachable, DNS. */
  | 'SCRAPE_CONNECTION'
  /** The connection broke after the headers, before the body was complete. */
  | 'SCRAPE_ABORTED_BODY'
  /** The URL is not a valid `http:` URL. */
  | 'SCRAPE_BAD_URL'
  /** The caller's signal aborted the scrape (e.g. the tick deadline passed). */
  | 'SCRAPE_CANCELLED';

export interface ScrapeFailure {
  readonly code: ScrapeErrorCode;
  /** One line naming the URL, e.g. `HTTP 500 Internal Server Error from http://10.0.0.7:8000/metrics`. */
  readonly message: string;
  /** The HTTP status, for SCRAPE_HTTP_STATUS. */
  readonly status?: number;
}

export type ScrapeResult =
  | {
      readonly ok: true;
      /** The page as UTF-8 text (invalid sequences become U+FFFD; the parser judges the content). */
      readonly body: string;
      /** Wall-clock time (ms since epoch) the body was complete. */
      readonly fetchedAtMs: number;
      readonly bytes: number;
      readonly durationMs: number;
    }
  | {
      readonly ok: false;
      readonly reason: ScrapeFailure;
      /** Wall-clock time (ms since epoch) the scrape was given up. */
      readonly fetchedAtMs: number;
      readonly durationMs: number;
    };

export interface ScraperOptions {
  /** Requests in flight at once, across all endpoints. @default 64 */
  readonly concurrency?: number;
  /** Per-request deadline in ms, from getting a socket to the last body byte. @default 2000 */
  readonly timeoutMs?: number;
  /** Largest body accepted, in bytes; more fails the scrape with SCRAPE_TOO_LARGE. @default 16 MiB */
  readonly maxBodyBytes?: number;
  /** Open sockets per `host:port`. One pod gets one request per pass, so this matters only when many
   * targets share an address. @default 4 */
  readonly maxSocketsPerHost?: number;
  /** Idle keep-alive sockets kept across all hosts; the least recently used beyond it are closed. @default 256 */
  readonly maxIdleSockets?: number;
  /**
   * An idle socket is closed after this many ms. Below uvicorn's 5 s keep-alive timeout (vLLM and
   * SGLang serve through uvicorn), so we close first and rarely race a server-side close. @default 4000
   */
  readonly idleSocketTimeoutMs?: number;
  /** Wall clock for `fetchedAtMs`. @default Date.now */
  readonly now?: () => number;
}

export interface ScrapeTarget {
  readonly url: string;
}

interface ResolvedOptions {
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxIdleSockets: number;
  readonly now: () => number;
}

/**
 * Prometheus text 0.0.4 first (what the parser reads); no Accept-Encoding, so pages come uncompressed
 * and the size cap counts real bytes.
 */
const ACCEPT = 'text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1';

type Outcome = { readonly ok: true; readonly body: string; readonly bytes: number } | ScrapeFailure;

function failure(code: ScrapeErrorCode, message: string, status?: number): ScrapeFailure {
  return status === undefined ? { code, message } : { code, message, status };
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code)
    ? `${code}: ${error.message}`
    : error.message;
}

function mib(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(bytes % 1_048_576 === 0 ? 0 : 1)} MiB`;
}

/**
 * A scraper owns one keep-alive agent; create one per process and `close()` it on shutdown.
 * `scrape` and `scrapeAll` may be called concurrently; the concurrency limit is shared.
 */
export class Scraper {
  private readonly options: ResolvedOptions;
  private readonly agent: Agent;
  /** Idle sockets, least recently used first (a Set iterates in insertion order). */
  private readonly idle = new Set<Socket>();
  private readonly tracked = new WeakSet<Socket>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: ScraperOptions = {}) {
    this.options = {
      concurrency: Math.max(1, options.concurrency ?? 64),
      timeoutMs: options.timeoutMs ?? 2_000,
      maxBodyBytes: options.maxBodyBytes ?? 16 * 1_048_576,
      maxIdleSockets: options.maxIdleSockets ?? 256,
      now: options.now ?? Date.now,
    };
    // No maxTotalSockets: with keep-alive, Node's agent then parks requests for a new host until some
    // other host's idle socket times out (seconds). The total is bounded by `concurrency` for active
    // sockets and by `maxIdleSockets` for idle ones instead.
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSocketsPerHost ?? 4,
      maxFreeSockets: options.maxSocketsPerHost ?? 4,
      timeout: options.idleSocketTimeoutMs ?? 4_000,
      scheduling: 'lifo',
    });
    this.agent.on('free', (socket: Socket) => {
      this.onFree(socket);
    });
  }

  /** Requests in flight right now. */
  inFlight(): number {
    return this.active;
  }

  /** Scrapes every target with the shared concurrency limit; results in target order. */
  async scrapeAll(targets: readonly ScrapeTarget[], signal?: AbortSignal): Promise<ScrapeResult[]> {
    return Promise.all(targets.map((target) => this.scrape(target.url, signal)));
  }

  /** Scrapes one URL once the concurrency limit allows. Never rejects. */
  async scrape(url: string, signal?: AbortSignal): Promise<ScrapeResult> {
    const started = performance.now();
    const done = (outcome: Outcome): ScrapeResult => {
      const fetchedAtMs = this.options.now();
      const durationMs = performance.now() - started;
      return 'ok' in outcome
        ? { ok: true, body: outcome.body, bytes: outcome.bytes, fetchedAtMs, durationMs }
        : { ok: false, reason: outcome, fetchedAtMs, durationMs };
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return done(failure('SCRAPE_BAD_URL', `not a URL: ${JSON.stringify(url)}`));
    }
    if (target.protocol !== 'http:') {
      return done(failure('SCRAPE_BAD_URL', `only http: URLs are scraped, got ${JSON.stringify(url)}`));
    }
    if (!(await this.acquire(signal))) return done(failure('SCRAPE_CANCELLED', `cancelled before ${url}`));
    try {
      let outcome = await this.fetchOnce(target, signal);
      // Node's documented retry: a reused keep-alive socket the server closed at the same moment fails
      // with ECONNRESET before any response; one fresh attempt is safe for an idempotent GET.
      if (outcome === 'retry') outcome = await this.fetchOnce(target, signal);
      return done(outcome === 'retry' ? failure('SCRAPE_CONNECTION', `ECONNRESET from ${url}`) : outcome);
    } finally {
      this.release();
    }
  }

  /** Closes idle sockets and stops keeping new ones; in-flight requests finish or fail. */
  close(): void {
    this.agent.destroy();
    this.idle.clear();
  }

  private acquire(signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted === true) return Promise.resolve(false);
    if (this.active < this.options.concurrency) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(false);
      };
      // `release` hands its slot over directly, so `active` stays counted.
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }

  /** Keeps at most `maxIdleSockets` idle sockets, closing the least recently used. */
  private onFree(socket: Socket): void {
    if (socket.destroyed) return;
    if (!this.tracked.has(socket)) {
      this.tracked.add(socket);
      socket.once('close', () => this.idle.delete(socket));
    }
    this.idle.delete(socket);
    this.idle.add(socket);
    while (this.idle.size > this.options.maxIdleSockets) {
      const oldest = this.idle.values().next().value;
      if (oldest === undefined) break;
      this.idle.delete(oldest);
      oldest.destroy();
    }
  }

  private fetchOnce(url: URL, signal: AbortSignal | undefined): Promise<Outcome | 'retry'> {
    return new Promise((resolve) => {
      new Fetch(url, this.options, resolve, signal).start(this.agent, (socket) => this.idle.delete(socket));
    });
  }
}

/** One GET: a small state machine that settles exactly once and always cleans up its timer and listener. */
class Fetch {
  private readonly url: URL;
  private readonly href: string;
  private readonly options: ResolvedOptions;
  private readonly resolve: (outcome: Outcome | 'retry') => void;
  private readonly signal: AbortSignal | undefined;
  private settled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private req: ClientRequest | undefined;
  private gotResponse = false;

  constructor(
    url: URL,
    options: ResolvedOptions,
    resolve: (outcome: Outcome | 'retry') => void,
    signal: AbortSignal | undefined,
  ) {
    this.url = url;
    this.href = url.href;
    this.options = options;
    this.resolve = resolve;
    this.signal = signal;
  }

  private readonly onAbort = (): void => {
    this.settle(failure('SCRAPE_CANCELLED', `cancelled while scraping ${this.href}`));
  };

  start(agent: Agent, onSocket: (socket: Socket) => void): void {
    if (this.signal?.aborted === true) {
      this.onAbort();
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    let req: ClientRequest;
    try {
      req = request(this.url, {
        method: 'GET',
        agent,
        headers: { accept: ACCEPT, 'user-agent': 'pdscaler' },
      });
    } catch (error) {
      // node:http validates synchronously what URL parsing let through; never let that escape.
      this.settle(failure('SCRAPE_BAD_URL', `${errorText(error)} (${this.href})`));
      return;
    }
    this.req = req;
    req.on('socket', (socket: Socket) => {
      onSocket(socket);
      // The deadline starts when a socket is assigned, so waiting for a per-host slot is not counted.
      this.timer = setTimeout(() => {
        this.settle(
          failure(
            'SCRAPE_TIMEOUT',
            `no complete answer within ${this.options.timeoutMs} ms from ${this.href}`,
          ),
        );
      }, this.options.timeoutMs);
    });
    req.on('response', (res) => {
      this.onResponse(res);
    });
    req.on('error', (error) => {
      if (this.gotResponse) return; // the response handlers report body failures
      if (req.reusedSocket && (error as { code?: unknown }).code === 'ECONNRESET') {
        this.settle('retry');
        return;
      }
      this.settle(failure('SCRAPE_CONNECTION', `${errorText(error)} (${this.href})`));
    });
    req.end();
  }

  private onResponse(res: IncomingMessage): void {
    this.gotResponse = true;
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const text = `HTTP ${status}${res.statusMessage === undefined ? '' : ` ${res.statusMessage}`}`;
      this.settle(failure('SCRAPE_HTTP_STATUS', `${text} from ${this.href}`, status));
      return;
    }
    const cap = this.options.maxBodyBytes;
    const declared = Number(res.headers['content-length']);
    if (declared > cap) {
      this.settle(tooLarge(`Content-Length ${declared} bytes is over the ${mib(cap)} cap`, this.href));
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      // Count first, keep second: the chunk that crosses the cap is never stored.
      if (bytes > cap) this.settle(tooLarge(`body passed the ${mib(cap)} cap`, this.href));
      else chunks.push(chunk);
    });
    res.on('end', () => {
      this.settle({ ok: true, body: Buffer.concat(chunks, bytes).toString('utf8'), bytes });
    });
    res.on('error', (error) => {
      this.settle(
        failure('SCRAPE_ABORTED_BODY', `${errorText(error)} after ${bytes} body bytes from ${this.href}`),
      );
    });
    res.on('close', () => {
      if (!res.complete) {
        this.settle(
          failure('SCRAPE_ABORTED_BODY', `connection closed after ${bytes} body bytes from ${this.href}`),
        );
      }
    });
  }

  /** Settles once; a failure destroys the request so its socket is never reused half-read. */
  private settle(outcome: Outcome | 'retry'): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    if (outcome === 'retry' || !('ok' in outcome)) this.req?.destroy();
    this.resolve(outcome);
  }
}

function tooLarge(what: string, href: string): ScrapeFailure {
  return failure('SCRAPE_TOO_LARGE', `${what} from ${href}`);
}
