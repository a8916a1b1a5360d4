// SPDX-License-Identifier: Apache-2.0
// The express app of the external metrics API: health (anonymous), OpenAPI (404, anonymous), then
// authentication + authorization for everything else: discovery, metric reads and /metrics
// (docs/reference.md §B.3.2, §B.3.9, §B.3.10, §B.4.3). Handlers only read the board.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { DecisionBoard } from '../../loop/board.js';
import type { Logger } from '../../telemetry/logger.js';
import type { AuthMiddleware } from '../auth/middleware.js';
import { kubeStatus, writeJson, writeStatus } from '../kube-status.js';
import type { SelfMetrics } from '../self-metrics.js';
import { acceptsJson } from './content-negotiation.js';
import { apiGroup, apiGroupList, apiResourceList, metricsGroupVersion } from './discovery.js';
import { answerMetricRequest } from './metric-answer.js';
import { routeKind } from './route-kind.js';

/** Readiness as the loop reports it: not ready until the first decision is published. */
export interface Readiness {
  readonly ok: boolean;
  readonly reason?: string;
}

export interface ExternalMetricsAppOptions {
  readonly board: DecisionBoard;
  readonly nowMs: () => number;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  readonly ready: () => Readiness;
  /** Undefined: no authentication at all (local demo only). */
  readonly auth: AuthMiddleware | undefined;
  /** More routes, mounted behind authentication and authorization (a SAR on their path). */
  readonly mountExtra?: (app: express.Express) => void;
}

function sendText(res: Response, code: number, text: string): void {
  res.writeHead(code, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function firstValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function observeDuration(metrics: SelfMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startedNs = process.hrtime.bigint();
    // Classified now: mounted middleware rewrites req.url while it runs.
    const route = routeKind(req.path);
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
      metrics.apiRequestDuration.observe({ route, code: String(res.statusCode) }, seconds);
    });
    next();
  };
}

function mountHealth(app: express.Express, ready: () => Readiness): void {
  const ok = (_req: Request, res: Response): void => {
    sendText(res, 200, 'ok');
  };
  app.get('/livez', ok);
  app.get('/healthz', ok);
  app.get('/readyz', (_req, res) => {
    const readiness = ready();
    if (readiness.ok) sendText(res, 200, 'ok');
    else sendText(res, 503, `not ready: ${readiness.reason ?? 'starting'}`);
  });
  // No spec is served; the aggregator's downloaders skip a 404, and only a 404 (§3.9).
  app.get(['/openapi/v2', '/openapi/v3'], (_req, res) => {
    writeStatus(res, kubeStatus('NotFound', 'the server could not find the requested resource'));
  });
}

function negotiateJson(req: Request, res: Response, next: NextFunction): void {
  if (acceptsJson(req.headers.accept)) {
    next();
    return;
  }
  writeStatus(
    res,
    kubeStatus('NotAcceptable', 'only the following media types are accepted: application/json'),
  );
}

function mountApi(app: express.Express, options: ExternalMetricsAppOptions): void {
  const { board, nowMs, metrics } = options;
  app.use('/apis', negotiateJson);
  app.get('/apis', (_req, res) => {
    writeJson(res, 200, apiGroupList);
  });
  app.get('/apis/external.metrics.k8s.io', (_req, res) => {
    writeJson(res, 200, apiGroup);
  });
  app.get(`/apis/${metricsGroupVersion}`, (_req, res) => {
    writeJson(res, 200, apiResourceList);
  });
  app.get(`/apis/${metricsGroupVersion}/namespaces/:namespace/:metric`, (req, res) => {
    const { namespace, metric } = req.params;
    const answer = answerMetricRequest(board, {
      namespace,
      metric,
      labelSelector: firstValue(req.query.labelSelector),
      nowMs: nowMs(),
    });
    if (answer.ok) writeJson(res, 200, answer.list);
    else writeStatus(res, answer.status);
  });
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.exposition();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

function mountFallbacks(app: express.Express, logger: Logger): void {
  app.use((req: Request, res: Response) => {
    if (routeKind(req.path) === 'other')
      writeStatus(res, kubeStatus('NotFound', 'the server could not find the requested resource'));
    else
      writeStatus(
        res,
        kubeStatus('MethodNotAllowed', `the server does not allow this method on the requested resource`),
      );
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err: error, path: req.path }, 'request failed');
    if (res.headersSent) res.destroy();
    else
      writeStatus(res, kubeStatus('InternalError', `Internal error occurred: ${(error as Error).message}`));
  });
}

/** The app; `startExternalMetricsApi` serves it over HTTPS. */
export function externalMetricsApp(options: ExternalMetricsAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observeDuration(options.metrics));
  mountHealth(app, options.ready);
  if (options.auth !== undefined) app.use(options.auth);
  mountApi(app, options);
  options.mountExtra?.(app);
  mountFallbacks(app, options.logger);
  return app;
}
