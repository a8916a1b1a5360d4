// SPDX-License-Identifier: Apache-2.0
// Serves the external metrics API over HTTPS like an aggregated API server: client certificates are
// requested, not required (probes have none), and the client CAs follow the published authentication
// ConfigMap, so a CA rotation takes effect without a restart (docs/reference.md §B.4.2).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { DecisionBoard } from '../../loop/board.js';
import type { Logger } from '../../telemetry/logger.js';
import { Authenticator, clientCaPems } from '../auth/authenticator.js';
import { Authorizer } from '../auth/authorizer.js';
import type { AuthDelegate } from '../auth/delegate.js';
import { authMiddleware } from '../auth/middleware.js';
import type { SelfMetrics } from '../self-metrics.js';
import type { ServingTls } from '../tls.js';
import { externalMetricsApp, type Readiness } from './app.js';

export interface ExternalMetricsApiOptions {
  readonly board: DecisionBoard;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: ServingTls;
  /** Delegated authentication and authorization; undefined turns both off (local demo only). */
  readonly auth: AuthDelegate | undefined;
  readonly nowMs: () => number;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  readonly ready: () => Readiness;
  /** More routes, behind authentication and authorization. */
  readonly mountExtra?: (app: express.Express) => void;
}

export interface ExternalMetricsApi {
  readonly port: number;
  /** `https://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

function urlFor(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The authenticator (kept for CA updates) and the middleware that uses it. */
function wireAuth(options: ExternalMetricsApiOptions, delegate: AuthDelegate, logger: Logger) {
  const authenticator = new Authenticator({ delegate, nowMs: options.nowMs });
  const authorizer = new Authorizer({ delegate, nowMs: options.nowMs });
  return { authenticator, middleware: authMiddleware({ authenticator, authorizer, logger }) };
}

export async function startExternalMetricsApi(
  options: ExternalMetricsApiOptions,
): Promise<ExternalMetricsApi> {
  const logger = options.logger.child({ component: 'external-metrics' });
  const auth = options.auth === undefined ? undefined : wireAuth(options, options.auth, logger);
  const app = externalMetricsApp({
    board: options.board,
    nowMs: options.nowMs,
    logger,
    metrics: options.metrics,
    ready: options.ready,
    auth: auth?.middleware,
    ...(options.mountExtra === undefined ? {} : { mountExtra: options.mountExtra }),
  });
  const { certPem, keyPem } = options.tls;
  // The client CAs are both verified and announced in the CertificateRequest: Go clients (the
  // aggregator) send their certificate only when it chains to an announced CA.
  const caPems = options.auth === undefined ? [] : clientCaPems(options.auth.authenticationConfig());
  const server: Server = createServer(
    {
      cert: certPem,
      key: keyPem,
      ...(caPems.length === 0 ? {} : { ca: caPems }),
      requestCert: auth !== undefined,
      rejectUnauthorized: false,
    },
    app,
  );
  const unsubscribe = options.auth?.onAuthenticationConfigChange((config) => {
    try {
      // TLS first: it throws on a CA it cannot load before anything has changed.
      const pems = clientCaPems(config);
      server.setSecureContext({ cert: certPem, key: keyPem, ...(pems.length === 0 ? {} : { ca: pems }) });
      auth?.authenticator.updateConfig(config);
      logger.info({ clientCas: pems.length }, 'client CAs reloaded from the authentication ConfigMap');
    } catch (error) {
      // A CA that does not parse must not take the server down; the previous CAs stay in force.
      logger.error({ err: error }, 'cannot use the client CAs of the authentication ConfigMap');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = urlFor(options.host, port);
  logger.info(
    { url, authentication: options.auth === undefined ? 'none' : 'delegated' },
    'external metrics API serving',
  );
  return {
    port,
    url,
    close: async () => {
      unsubscribe?.();
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
