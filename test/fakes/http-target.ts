// SPDX-License-Identifier: Apache-2.0
// A loopback HTTP server standing in for a pod's /metrics endpoint, with its misbehaviour given as a
// handler, and the counters the scrape tests assert on: connections opened and still open, requests,
// requests in flight (and their peak). For realistic engine pages see fake-engine.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type TargetHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Counters, shareable by several targets, e.g. requests in flight across all of them. */
export class TargetStats {
  connections = 0;
  openConnections = 0;
  requests = 0;
  inFlight = 0;
  maxInFlight = 0;
}

export class HttpTarget {
  readonly stats: TargetStats;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server, stats: TargetStats) {
    this.server = server;
    this.stats = stats;
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  static async start(handler: TargetHandler, stats = new TargetStats()): Promise<HttpTarget> {
    const server = createServer((req, res) => {
      stats.requests++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      let counted = true;
      const finish = () => {
        if (!counted) return;
        counted = false;
        stats.inFlight--;
      };
      res.on('finish', finish);
      res.on('close', finish);
      handler(req, res);
    });
    const target = new HttpTarget(server, stats);
    server.on('connection', (socket: Socket) => {
      stats.connections++;
      stats.openConnections++;
      target.sockets.add(socket);
      socket.on('close', () => {
        stats.openConnections--;
        target.sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/metrics'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Closes keep-alive connections that are idle right now (as a server's keep-alive timeout does). */
  closeIdleConnections(): void {
    this.server.closeIdleConnections();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
