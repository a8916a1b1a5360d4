// SPDX-License-Identifier: Apache-2.0
// A fake endpoint picker /metrics on 127.0.0.1: the flow-control queue of one pool, its outcome
// counters and ready endpoints, written under both the current `llm_d_epp_*` names and the older
// twins (dual emission, docs/reference.md §E.1.1). Tests set the values and may require a
// bearer token (the EPP's --metrics-endpoint-auth, §1.2).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEppState {
  /** Requests queued for the pool; undefined leaves the queue series out (flow control off). */
  queued: number | undefined;
  rejectedNoEndpoints: number;
  readyEndpoints: number;
}

export class FakeEpp {
  readonly url: string;
  readonly state: FakeEppState = { queued: 0, rejectedNoEndpoints: 0, readyEndpoints: 0 };
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token: string | undefined;
  scrapes = 0;
  private readonly server: Server;
  private readonly pool: string;
  private readonly model: string;

  private constructor(server: Server, pool: string, model: string) {
    this.server = server;
    this.pool = pool;
    this.model = model;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }

  static async start(pool: string, model: string): Promise<FakeEpp> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const epp = new FakeEpp(server, pool, model);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      epp.answer(req.headers.authorization, res);
    });
    return epp;
  }

  page(): string {
    const { queued, rejectedNoEndpoints, readyEndpoints } = this.state;
    const queue = `fairness_id="default",priority="0",inference_pool="${this.pool}",model_name="${this.model}",target_model_name="${this.model}"`;
    const lines = [
      '# TYPE llm_d_epp_ready_endpoints gauge',
      `llm_d_epp_ready_endpoints{name="${this.pool}"} ${readyEndpoints}`,
      '# TYPE inference_pool_ready_pods gauge',
      `inference_pool_ready_pods{name="${this.pool}"} ${readyEndpoints}`,
      '# TYPE llm_d_epp_flow_control_requests_total counter',
      `llm_d_epp_flow_control_requests_total{outcome="Dispatched",priority="0",inference_pool="${this.pool}"} 0`,
      `llm_d_epp_flow_control_requests_total{outcome="RejectedNoEndpoints",priority="0",inference_pool="${this.pool}"} ${rejectedNoEndpoints}`,
    ];
    if (queued !== undefined)
      lines.push(
        '# TYPE llm_d_epp_flow_control_queue_size gauge',
        `llm_d_epp_flow_control_queue_size{${queue}} ${queued}`,
        '# TYPE inference_extension_flow_control_queue_size gauge',
        `inference_extension_flow_control_queue_size{${queue}} ${queued}`,
      );
    return `${lines.join('\n')}\n`;
  }

  private answer(authorization: string | undefined, res: ServerResponse): void {
    this.scrapes += 1;
    if (this.token !== undefined && authorization !== `Bearer ${this.token}`) {
      res.writeHead(401).end('Unauthorized');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.page());
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
