// SPDX-License-Identifier: Apache-2.0
// A fake cluster for integration tests: the fake apiserver plus every resource pdscaler touches, served
// with the real REST verbs so `@kubernetes/client-node` and `kubectl` work against it unchanged.
// Tests seed and inspect state through the `RestResource` stores and assert on `server.requests`.
import type { KubeConfig } from '@kubernetes/client-node';
import { FakeApiServer, type FakeApiServerOptions, type KubeObject } from './fake-apiserver.js';
import { FakeAuthn } from './fake-authn.js';
import { restDiscovery, serveDiscovery } from './fake-discovery.js';
import { FakeRbgController, type SeedRbgOptions, type SeededRbg } from './fake-rbg-controller.js';
import { serveRestResource, type RestHooks, type RestResource } from './fake-rest.js';
import { serveScaleSubresource, type ScaleWrite } from './fake-scale.js';
import { writeKubeconfig } from './kubeconfig.js';
import { RBG_GROUP, RBG_VERSION } from './rbg-objects.js';

export { FakeAuthn } from './fake-authn.js';
export type { AccessDecision, SubjectAccessReviewSpec, TokenUser } from './fake-authn.js';
export type { SeedRbgOptions, SeededRbg } from './fake-rbg-controller.js';
export type { ScaleWrite } from './fake-scale.js';

export interface FakeClusterOptions extends FakeApiServerOptions {
  /** Clock for timestamps (`lastScaleTime`, `ScaleWrite.atMs`). @default Date.now */
  readonly nowMs?: () => number;
}

/** The review APIs are create-only and cluster-scoped. */
const reviewDiscovery = [
  { group: 'authentication.k8s.io', plural: 'tokenreviews', kind: 'TokenReview' },
  { group: 'authorization.k8s.io', plural: 'subjectaccessreviews', kind: 'SubjectAccessReview' },
].map((review) => ({ ...review, version: 'v1', namespaced: false, verbs: ['create'] }));

export class FakeCluster {
  readonly server: FakeApiServer;
  /** Core v1 ConfigMaps; `kube-system/extension-apiserver-authentication` starts absent (docs/reference.md §B.4.2). */
  readonly configMaps: RestResource;
  /** `apiregistration.k8s.io/v1` APIServices (cluster-scoped). */
  readonly apiServices: RestResource;
  /** `coordination.k8s.io/v1` Leases. */
  readonly leases: RestResource;
  /** Core v1 Events. */
  readonly events: RestResource;
  /** `events.k8s.io/v1` Events: a separate store, the fields differ (`note`, `regarding`). */
  readonly eventsV1: RestResource;
  /** Core v1 Pods over the same store as `server.pods`, so list/watch tests keep working. */
  readonly pods: RestResource;
  readonly authn: FakeAuthn;
  /** `workloads.x-k8s.io/v1alpha2` RoleBasedGroups; updates pass the RBG validating webhook. */
  readonly rbgs: RestResource;
  /** `workloads.x-k8s.io/v1alpha2` RoleBasedGroupScalingAdapters, with the `scale` subresource. */
  readonly adapters: RestResource;
  /** `data.fluid.io/v1alpha1` Datasets (docs/reference.md §E.3.1); tests set their status. */
  readonly datasets: RestResource;
  /** `data.fluid.io/v1alpha1` DataLoads: stored as written, no controller runs them. */
  readonly dataLoads: RestResource;
  /** Every accepted write through an adapter's `/scale`, in order. */
  readonly scaleWrites: ScaleWrite[] = [];
  private readonly controller: FakeRbgController;

  private constructor(server: FakeApiServer, nowMs: () => number) {
    this.server = server;
    const core = (plural: string, kind: string) =>
      serveRestResource(server, { group: '', version: 'v1', plural, kind, namespaced: true });
    this.pods = core('pods', 'Pod');
    this.configMaps = core('configmaps', 'ConfigMap');
    this.events = core('events', 'Event');
    this.eventsV1 = serveRestResource(server, {
      group: 'events.k8s.io',
      version: 'v1',
      plural: 'events',
      kind: 'Event',
      namespaced: true,
    });
    this.leases = serveRestResource(server, {
      group: 'coordination.k8s.io',
      version: 'v1',
      plural: 'leases',
      kind: 'Lease',
      namespaced: true,
    });
    this.apiServices = serveRestResource(server, {
      group: 'apiregistration.k8s.io',
      version: 'v1',
      plural: 'apiservices',
      kind: 'APIService',
      namespaced: false,
    });
    const fluid = (plural: string, kind: string) =>
      serveRestResource(server, {
        group: 'data.fluid.io',
        version: 'v1alpha1',
        plural,
        kind,
        namespaced: true,
      });
    this.datasets = fluid('datasets', 'Dataset');
    this.dataLoads = fluid('dataloads', 'DataLoad');
    this.authn = new FakeAuthn(server);
    const rbg = (plural: string, kind: string, hooks: RestHooks) =>
      serveRestResource(
        server,
        { group: RBG_GROUP, version: RBG_VERSION, plural, kind, namespaced: true },
        hooks,
      );
    // The hooks call the controller lazily: it needs both resources, which need the hooks.
    this.rbgs = rbg('rolebasedgroups', 'RoleBasedGroup', {
      admit: (request) => this.controller.admitRbg(request),
      afterWrite: (stored) => {
        this.controller.reconcileRbg(stored);
      },
    });
    this.adapters = rbg('rolebasedgroupscalingadapters', 'RoleBasedGroupScalingAdapter', {
      afterWrite: (stored) => {
        this.controller.reconcileAdapter(stored);
      },
    });
    this.controller = new FakeRbgController({ rbgs: this.rbgs, adapters: this.adapters, nowMs });
    serveScaleSubresource(server, this.adapters, {
      nowMs,
      onWrite: (write, stored) => {
        this.scaleWrites.push(write);
        this.controller.reconcileAdapter(stored);
      },
    });
    serveDiscovery(server, [
      restDiscovery(this.pods, { shortNames: ['po'] }),
      restDiscovery(this.configMaps, { shortNames: ['cm'] }),
      restDiscovery(this.events, { shortNames: ['ev'] }),
      restDiscovery(this.eventsV1, { shortNames: ['ev'] }),
      restDiscovery(this.leases),
      restDiscovery(this.apiServices),
      restDiscovery(this.rbgs, { shortNames: ['rbg'] }),
      restDiscovery(this.adapters, { shortNames: ['rbgsa'], scale: true }),
      restDiscovery(this.datasets),
      restDiscovery(this.dataLoads),
      ...reviewDiscovery,
    ]);
  }

  static async start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
    const server = await FakeApiServer.start(options.token === undefined ? {} : { token: options.token });
    return new FakeCluster(server, options.nowMs ?? Date.now);
  }

  /**
   * Creates a PD RoleBasedGroup (roles `prefill`, `decode`, both with `scalingAdapter.enable`) and the two
   * adapters `<rbg>-<role>` the RBG controller would create (docs/reference.md §A.3).
   */
  seedRbg(options: SeedRbgOptions): SeededRbg {
    return this.controller.seed(options);
  }

  /** The role's workload now has `ready` ready replicas (RBG roleStatuses and adapter status). */
  setReady(namespace: string, rbg: string, role: string, ready: number): void {
    this.controller.setReady(namespace, rbg, role, ready);
  }

  /** Binds an adapter seeded with `bound: false`, as the controller's first reconcile does. */
  bind(namespace: string, rbg: string, role: string): KubeObject {
    return this.controller.bind(namespace, rbg, role);
  }

  kubeConfig(): KubeConfig {
    return this.server.kubeConfig();
  }

  /** Writes a kubeconfig for this cluster into `dir` (for `kubectl --kubeconfig`); returns its path. */
  async writeKubeconfig(dir: string): Promise<string> {
    return writeKubeconfig(this.server, dir);
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}
