// SPDX-License-Identifier: Apache-2.0
// The simulated P/D fleet in real time, wired to the demo's in-memory cluster the way a real RBG is:
// every Ready replica is a pod whose /metrics (a vLLM V1 page rendered by the simulator) is served on
// loopback, the scaling adapters' spec (written by pdscaler through /scale) drives the fleet, and the
// adapters' readyReplicas follow the replicas that finished their cold start.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Roles, type Role } from '../decision/types.js';
import type { Fleet } from '../sim/fleet/fleet.js';
import type { Timers } from '../sources/discovery/pods.js';
import type { FakeCluster } from './cluster/fake-cluster.js';
import type { KubeObject } from './cluster/fake-apiserver.js';
import { adapterName, GROUP_NAME_LABEL, ROLE_NAME_LABEL } from './cluster/rbg-objects.js';

export interface LiveFleetOptions {
  readonly fleet: Fleet;
  readonly cluster: FakeCluster;
  readonly namespace: string;
  readonly rbg: string;
  readonly nowMs: () => number;
  readonly timers: Timers;
  /** How often the simulation catches up with the clock. @default 250 */
  readonly stepMs?: number;
}

const pagePath = /^\/pods\/([\w.-]+)\/metrics$/;

export class LiveFleet {
  private readonly options: LiveFleetOptions;
  private readonly server: Server;
  private handle: unknown;
  private readonly pods = new Map<string, Role>();
  private port = 0;

  constructor(options: LiveFleetOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      const key = pagePath.exec(req.url ?? '')?.[1];
      this.options.fleet.runUntil(this.options.nowMs());
      const page = key === undefined ? undefined : this.options.fleet.renderPage(key);
      if (page === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(page);
    });
  }

  /** Starts serving the pages and stepping the simulation. */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.step();
  }

  async stop(): Promise<void> {
    if (this.handle !== undefined) this.options.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private step(): void {
    const { fleet, nowMs, timers } = this.options;
    fleet.runUntil(nowMs());
    for (const role of Roles) this.syncRole(role);
    this.handle = timers.setTimeout(() => {
      this.step();
    }, this.options.stepMs ?? 250);
  }

  private syncRole(role: Role): void {
    const { fleet, cluster, namespace, rbg } = this.options;
    const adapter = cluster.adapters.store.get(namespace, adapterName(rbg, role));
    const specReplicas = (adapter?.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof specReplicas === 'number' && specReplicas !== fleet.view(role).desired)
      fleet.setDesired(role, specReplicas);
    const ready = new Set(fleet.readyKeys(role));
    for (const key of ready) if (!this.pods.has(key)) this.addPod(role, key);
    for (const [key, podRole] of this.pods)
      if (podRole === role && !ready.has(key)) {
        cluster.pods.store.remove(namespace, `${rbg}-${key}`);
        this.pods.delete(key);
      }
    cluster.setReady(namespace, rbg, role, ready.size);
  }

  private addPod(role: Role, key: string): void {
    const { cluster, namespace, rbg } = this.options;
    this.pods.set(key, role);
    cluster.pods.store.apply(demoPod({ namespace, name: `${rbg}-${key}`, rbg, role, port: this.port, key }));
  }
}

/** A Running, Ready pod of the role whose metrics annotation points at the replica's page. */
function demoPod(pod: {
  namespace: string;
  name: string;
  rbg: string;
  role: Role;
  port: number;
  key: string;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: { [GROUP_NAME_LABEL]: pod.rbg, [ROLE_NAME_LABEL]: pod.role },
      annotations: {
        'prometheus.io/port': String(pod.port),
        'prometheus.io/path': `/pods/${pod.key}/metrics`,
      },
    },
    spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai (simulated)' }] },
    status: {
      phase: 'Running',
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}
