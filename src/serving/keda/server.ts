// SPDX-License-Identifier: Apache-2.0
// The KEDA external scaler gRPC server (`externalscaler.ExternalScaler`): KEDA-mode output of pdscaler,
// serving the published decisions to `external` and `external-push` triggers
// (docs/reference.md §B.1, §B.2, §B).
import { Server, ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import type { EpochMs } from '../../decision/types.js';
import type { DecisionBoard } from '../../loop/board.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../self-metrics.js';
import type { ScalerContext } from './call-outcome.js';
import { externalScalerService } from './proto.js';
import { OpenStreams, streamHandlers } from './stream-handlers.js';
import { unaryHandlers } from './unary-handlers.js';

export interface KedaTls {
  readonly certPem: string;
  readonly keyPem: string;
  /** When set, clients must present a certificate signed by this CA (TriggerAuthentication tlsClientCert, §2.1). */
  readonly clientCaPem?: string;
}

export interface KedaScalerOptions {
  readonly board: DecisionBoard;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly nowMs: () => EpochMs;
  readonly logger: Logger;
  readonly metrics?: SelfMetrics;
  /** Plaintext when absent; KEDA connects with TLS when the trigger sets enableTLS or a CA (§2.1). */
  readonly tls?: KedaTls;
  /** Interval between HTTP/2 pings on every connection. @default 30000 */
  readonly keepaliveTimeMs?: number;
  /** A ping unanswered this long drops the connection. @default 10000 */
  readonly keepaliveTimeoutMs?: number;
}

export interface KedaScaler {
  readonly port: number;
  /** `host:port` as a KEDA trigger's scalerAddress would name it. */
  readonly address: string;
  /** Ends the open streams (KEDA reopens them after 2 s, §2.8) and stops the server. */
  close(): Promise<void>;
}

/** How long close() waits for in-flight calls before dropping connections. */
const closeGraceMs = 5000;

/**
 * KEDA sets no keepalive on scaler connections and meshes or load balancers cut idle long-lived
 * StreamIsActive streams, so the server pings (§2.9). The grpc-js server pings every connection, busy
 * or not; permit_without_calls states the same intent for peers that read these settings.
 */
export function kedaServerOptions(options: {
  readonly keepaliveTimeMs?: number | undefined;
  readonly keepaliveTimeoutMs?: number | undefined;
}): ServerOptions {
  return {
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 10_000,
    'grpc.keepalive_permit_without_calls': 1,
  };
}

export function kedaServerCredentials(tls: KedaTls | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCaPem === undefined ? null : Buffer.from(tls.clientCaPem),
    [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }],
    tls.clientCaPem !== undefined,
  );
}

/** `host:port`, with IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Binds `server` and resolves with the port it got. */
export function bindServer(
  server: Server,
  options: { readonly host: string; readonly port: number; readonly credentials: ServerCredentials },
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort(options.host, options.port), options.credentials, (error, port) => {
      if (error === null) resolve(port);
      else
        reject(
          new Error(`KEDA scaler cannot listen on ${hostPort(options.host, options.port)}`, { cause: error }),
        );
    });
  });
}

function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, closeGraceMs);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

export async function startKedaScaler(options: KedaScalerOptions): Promise<KedaScaler> {
  const logger = options.logger.child({ component: 'keda' });
  const context: ScalerContext = {
    board: options.board,
    nowMs: options.nowMs,
    logger,
    metrics: options.metrics,
  };
  const streams = new OpenStreams();
  const server = new Server(kedaServerOptions(options));
  server.addService(externalScalerService(), {
    ...unaryHandlers(context),
    ...streamHandlers(context, streams),
  });
  const credentials = kedaServerCredentials(options.tls);
  const port = await bindServer(server, { host: options.host, port: options.port, credentials });
  const address = hostPort(options.host, port);
  logger.info({ address, tls: options.tls !== undefined }, 'KEDA external scaler listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    address,
    close: () => {
      closing ??= (async () => {
        streams.endAll();
        await shutdown(server);
        logger.info({ address }, 'KEDA external scaler stopped');
      })();
      return closing;
    },
  };
}
