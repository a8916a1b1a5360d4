// SPDX-License-Identifier: Apache-2.0
// pdscaler's live status page over plain HTTP on its own port: the page, the fragment its script
// polls, the same state as JSON, and a liveness probe. Handlers only read the board and the history
// (docs/design.md: everything that serves answers from the last Decision in memory).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DecisionBoard } from '../../loop/board.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../self-metrics.js';
import { FigureCache } from './figure-cache.js';
import { renderStatusFragment, type StatusView } from './fragment.js';
import { DecisionHistory } from './history.js';
import { renderStatusPage, STATUS_PAGE_CSP } from './page.js';
import { statusJson } from './status-json.js';

export interface StatusPageOptions {
  readonly board: DecisionBoard;
  /** A history already following the board; without one the page keeps its own from start-up on. */
  readonly history?: DecisionHistory;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly nowMs: () => number;
  readonly logger: Logger;
  /** @default 'pdscaler status' */
  readonly title?: string;
  /** How often the page's script fetches a fresh fragment. @default 2000 */
  readonly pollIntervalMs?: number;
  /** Also serve `/metrics` (pdscaler's own metrics): the only HTTP port keda mode has. */
  readonly metrics?: SelfMetrics;
  /** Also serve `/readyz`: 503 with the reason until `ready()` says ok. */
  readonly ready?: () => { readonly ok: boolean; readonly reason?: string };
}

export interface StatusPage {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';

function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

interface Routes {
  readonly view: () => StatusView;
  readonly title: string;
  readonly pollIntervalMs: number;
  readonly metrics: SelfMetrics | undefined;
  readonly ready: StatusPageOptions['ready'];
}

function answer(path: string, routes: Routes): Answer {
  switch (path) {
    case '/':
    case '/status': {
      const view = routes.view();
      const fragment = renderStatusFragment(view);
      const page = {
        title: routes.title,
        fragment,
        nowMs: view.nowMs,
        pollIntervalMs: routes.pollIntervalMs,
      };
      return { status: 200, contentType: HTML, body: renderStatusPage(page) };
    }
    case '/status/fragment':
      return { status: 200, contentType: HTML, body: renderStatusFragment(routes.view()) };
    case '/status.json':
      return {
        status: 200,
        contentType: 'application/json; charset=utf-8',
        body: `${JSON.stringify(statusJson(routes.view()))}\n`,
      };
    case '/livez':
      return { status: 200, contentType: TEXT, body: 'ok\n' };
    case '/readyz': {
      const readiness = routes.ready?.();
      if (readiness === undefined) return { status: 404, contentType: TEXT, body: 'not found\n' };
      return readiness.ok
        ? { status: 200, contentType: TEXT, body: 'ok\n' }
        : { status: 503, contentType: TEXT, body: `not ready: ${readiness.reason ?? 'starting'}\n` };
    }
    default:
      return { status: 404, contentType: TEXT, body: 'not found\n' };
  }
}

function send(res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, {
    'Content-Type': a.contentType,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': STATUS_PAGE_CSP,
    ...a.headers,
  });
  // Node drops the body of a HEAD answer by itself.
  res.end(a.body);
}

async function metricsAnswer(metrics: SelfMetrics): Promise<Answer> {
  const { contentType, body } = await metrics.exposition();
  return { status: 200, contentType, body };
}

function handle(req: IncomingMessage, res: ServerResponse, routes: Routes, logger: Logger): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, {
      status: 405,
      contentType: TEXT,
      body: 'method not allowed\n',
      headers: { Allow: 'GET, HEAD' },
    });
    return;
  }
  const path = new URL(req.url ?? '/', 'http://status.invalid').pathname;
  if (path === '/metrics' && routes.metrics !== undefined) {
    metricsAnswer(routes.metrics).then(
      (a) => {
        send(res, a);
      },
      (error: unknown) => {
        logger.error({ err: error, path }, 'metrics exposition failed');
        send(res, { status: 500, contentType: TEXT, body: 'internal error\n' });
      },
    );
    return;
  }
  try {
    send(res, answer(path, routes));
  } catch (error) {
    // The detail goes to the log; the browser gets a plain 500 and its script retries.
    logger.error({ err: error, path }, 'status page request failed');
    send(res, { status: 500, contentType: TEXT, body: 'internal error\n' });
  }
}

/** Starts the status page; with no `history` given it follows the board until `close()`. */
export async function startStatusPage(options: StatusPageOptions): Promise<StatusPage> {
  const logger = options.logger.child({ component: 'status-page' });
  const history = options.history ?? new DecisionHistory();
  const unfollow = options.history === undefined ? history.follow(options.board) : undefined;
  const figureCache = new FigureCache();
  const routes: Routes = {
    view: () => ({ board: options.board, history, nowMs: options.nowMs(), figureCache }),
    title: options.title ?? 'pdscaler status',
    pollIntervalMs: options.pollIntervalMs ?? 2000,
    metrics: options.metrics,
    ready: options.ready,
  };
  const server = createServer((req, res) => {
    handle(req, res, routes, logger);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    unfollow?.();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = urlFor(options.host, port);
  logger.info({ url }, 'status page serving');
  return {
    url,
    port,
    close: async () => {
      unfollow?.();
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeAllConnections();
      await closed;
    },
  };
}
