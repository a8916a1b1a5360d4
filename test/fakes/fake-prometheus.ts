// SPDX-License-Identifier: Apache-2.0
// A fake Prometheus HTTP API on 127.0.0.1:0 that answers `/api/v1/query` with canned replies chosen
// per query, so each hostile answer (empty vector, NaN, error JSON, a hang, a cut body...) is a real
// HTTP exchange for the client under test.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake sends back for one query. */
export type CannedReply =
  | { readonly kind: 'json'; readonly status?: number; readonly body: unknown }
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly body: string;
      readonly contentType?: string;
      /** Send a Content-Length header (otherwise the body is chunked). */
      readonly declareLength?: boolean;
    }
  /** Accept the request and never answer (until the server closes). */
  | { readonly kind: 'hang' }
  /** Promise a long body, send part of it, then destroy the socket. */
  | { readonly kind: 'cut'; readonly sent: string; readonly promisedBytes: number };

export interface RecordedRequest {
  readonly path: string;
  readonly params: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** Chooses the reply for a request; `time` is the `time=` parameter in seconds. */
export type Responder = (query: string, time: number) => CannedReply;

export interface FakePrometheus {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakePrometheus(respond: Responder): Promise<FakePrometheus> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ path: url.pathname, params: url.searchParams, headers: req.headers });
    if (url.pathname !== '/api/v1/query') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const reply = respond(url.searchParams.get('query') ?? '', Number(url.searchParams.get('time')));
    switch (reply.kind) {
      case 'json':
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
        return;
      case 'raw':
        res.writeHead(reply.status, {
          'content-type': reply.contentType ?? 'text/plain',
          ...(reply.declareLength === true ? { 'content-length': Buffer.byteLength(reply.body) } : {}),
        });
        res.end(reply.body);
        return;
      case 'hang':
        return;
      case 'cut':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.promisedBytes });
        res.write(reply.sent, () => res.destroy());
        return;
    }
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A successful vector answer with one series per `[labels, value]` pair; values are strings as on the wire. */
export function vectorBody(
  time: number,
  series: readonly (readonly [Record<string, string>, string])[],
): unknown {
  return {
    status: 'success',
    data: {
      resultType: 'vector',
      result: series.map(([metric, value]) => ({ metric, value: [time, value] })),
    },
  };
}

/** A Prometheus error envelope as sent with HTTP 400/422/503. */
export function errorBody(errorType: string, error: string): unknown {
  return { status: 'error', errorType, error };
}
