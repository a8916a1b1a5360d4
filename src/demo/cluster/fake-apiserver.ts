// SPDX-License-Identifier: Apache-2.0
// An in-memory Kubernetes API server for tests and `pdscaler demo`: real HTTPS on 127.0.0.1 (a
// self-signed certificate made at start), bearer-token auth, and just enough of the API for `@kubernetes/client-node` to list and watch:
// `/version`, namespaced list with equality label selectors, and `?watch=1` streams of JSON lines with
// resourceVersions, replay from a resourceVersion and `410 Gone` once history is compacted.
//
// It is a small router over generic resource stores: fake-rest.ts and fake-cluster.ts add the REST verbs,
// RBG, `/scale`, auth reviews and discovery with `server.route(...)` and `server.resource(...)` without
// touching the pod code. Tests drive it directly:
// `server.pods.apply(pod)`, `server.pods.remove(ns, name)`, `server.dropWatches()`, `server.failNext(...)`.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { writeJson } from '../../serving/kube-status.js';
import { testCertificate } from './tls.js';

/** Any Kubernetes object: only `metadata` is interpreted. */
export interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEntry {
  readonly rv: number;
  readonly type: WatchEventType;
  readonly object: KubeObject;
  /** The object before a MODIFIED, so a filtered watch can turn "stopped matching" into DELETED. */
  readonly previous: KubeObject | undefined;
}

interface Watcher {
  readonly namespace: string;
  readonly selector: Selector;
  readonly res: ServerResponse;
}

// ---------------------------------------------------------------------------------------------------
// Label selectors: equality (`a=b`, `a==b`, `a!=b`) and existence (`a`, `!a`), comma-separated (AND).

type Requirement =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: string }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

type Selector = readonly Requirement[];

/** Parses a label selector; throws on set-based syntax, which this fake does not implement. */
export function parseSelector(text: string | null): Selector {
  if (text === null || text.trim() === '') return [];
  return text.split(',').map((part): Requirement => {
    const term = part.trim();
    const ne = /^([^=!\s]+)\s*!=\s*(\S*)$/.exec(term);
    if (ne) return { op: 'ne', key: ne[1] ?? '', value: ne[2] ?? '' };
    const eq = /^([^=!\s]+)\s*==?\s*(\S*)$/.exec(term);
    if (eq) return { op: 'eq', key: eq[1] ?? '', value: eq[2] ?? '' };
    if (/^![^=!\s(),]+$/.test(term)) return { op: 'absent', key: term.slice(1) };
    if (/^[^=!\s(),]+$/.test(term)) return { op: 'exists', key: term };
    throw new Error(`unable to parse requirement: ${JSON.stringify(term)}`);
  });
}

export function matchesSelector(selector: Selector, object: KubeObject): boolean {
  const labels = object.metadata?.labels ?? {};
  return selector.every((req) => {
    const value = labels[req.key];
    switch (req.op) {
      case 'eq':
        return value === req.value;
      case 'ne':
        return value !== req.value;
      case 'exists':
        return value !== undefined;
      case 'absent':
        return value === undefined;
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Resource stores. One global resourceVersion counter, like etcd's revision.

class Revision {
  current = 1;
  next(): number {
    return ++this.current;
  }
}

/** How a store stamps and scopes its objects; pods keep the defaults (namespaced, no stamping). */
export interface FakeResourceOptions {
  /** When set, stored objects get `apiVersion`/`kind` as the apiserver returns them, and lists this apiVersion. */
  readonly apiVersion?: string;
  /** Cluster-scoped objects have no `metadata.namespace`; their "namespace" is `''`. @default true */
  readonly namespaced?: boolean;
}

/** Objects of one kind, with an event history and live watchers. */
export class FakeResource {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  /** Oldest resourceVersion a watch may resume from; older ones get 410 Gone. */
  private minRv = 0;
  readonly kind: string;
  readonly listKind: string;
  readonly apiVersion: string | undefined;
  readonly namespaced: boolean;
  private readonly revision: Revision;

  constructor(kind: string, revision: Revision, options: FakeResourceOptions = {}) {
    this.kind = kind;
    this.listKind = `${kind}List`;
    this.revision = revision;
    this.apiVersion = options.apiVersion;
    this.namespaced = options.namespaced ?? true;
  }

  /** Creates or replaces an object (ADDED or MODIFIED); fills uid and resourceVersion. Returns the stored copy. */
  apply(input: KubeObject): KubeObject {
    const namespace = this.namespaced ? (input.metadata?.namespace ?? 'default') : '';
    const name = input.metadata?.name;
    if (name === undefined) throw new Error('apply: metadata.name is required');
    const key = `${namespace}/${name}`;
    const previous = this.objects.get(key);
    const rv = this.revision.next();
    const object: KubeObject =
      this.apiVersion === undefined
        ? structuredClone(input)
        : { apiVersion: this.apiVersion, kind: this.kind, ...structuredClone(input) };
    const meta = { ...object.metadata };
    delete meta.namespace;
    object.metadata = {
      ...meta,
      name,
      ...(this.namespaced ? { namespace } : {}),
      uid: previous?.metadata?.uid ?? input.metadata?.uid ?? randomUUID(),
      resourceVersion: String(rv),
    };
    this.objects.set(key, object);
    this.publish({ rv, type: previous === undefined ? 'ADDED' : 'MODIFIED', object, previous });
    return object;
  }

  /** Deletes an object (DELETED); returns false when it did not exist. */
  remove(namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    const existing = this.objects.get(key);
    if (existing === undefined) return false;
    this.objects.delete(key);
    const rv = this.revision.next();
    const object = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } };
    this.publish({ rv, type: 'DELETED', object, previous: existing });
    return true;
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  list(namespace: string, selector: Selector = []): KubeObject[] {
    return [...this.objects.values()].filter(
      (object) => namespaceOf(object) === namespace && matchesSelector(selector, object),
    );
  }

  /** Forgets the event history: a watch from any older resourceVersion now gets 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.minRv = this.revision.current;
  }

  activeWatches(): number {
    return this.watchers.size;
  }

  /** Ends every watch stream with `end` (clean close), `destroy` (dropped connection) or a 410 ERROR event. */
  endWatches(how: 'end' | 'destroy' | 'expire'): number {
    const count = this.watchers.size;
    for (const watcher of [...this.watchers]) {
      this.watchers.delete(watcher);
      if (how === 'destroy') {
        watcher.res.destroy();
        continue;
      }
      if (how === 'expire') writeEvent(watcher.res, 'ERROR', goneStatus(this.revision.current));
      watcher.res.end();
    }
    return count;
  }

  /** Handles GET list or watch for one namespace. */
  serveCollection(ctx: RouteContext, namespace: string): void {
    let selector: Selector;
    try {
      selector = parseSelector(ctx.query.get('labelSelector'));
    } catch (error) {
      sendStatus(ctx.res, 400, 'BadRequest', (error as Error).message);
      return;
    }
    const watch = ctx.query.get('watch');
    if (watch === '1' || watch === 'true') {
      this.serveWatch(ctx, namespace, selector);
      return;
    }
    sendJson(ctx.res, 200, {
      kind: this.listKind,
      apiVersion: this.apiVersion ?? 'v1',
      metadata: { resourceVersion: String(this.revision.current) },
      items: this.list(namespace, selector),
    });
  }

  private serveWatch(ctx: RouteContext, namespace: string, selector: Selector): void {
    const rvParam = ctx.query.get('resourceVersion');
    const from = rvParam === null || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    ctx.res.flushHeaders(); // the apiserver answers a watch at once; events follow as they happen
    if (from !== undefined && (!Number.isInteger(from) || from < this.minRv)) {
      writeEvent(ctx.res, 'ERROR', goneStatus(this.minRv, rvParam ?? ''));
      ctx.res.end();
      return;
    }
    const watcher: Watcher = { namespace, selector, res: ctx.res };
    if (from === undefined) {
      // No resourceVersion: the current state as synthetic ADDED events, then live changes.
      for (const object of this.list(namespace, selector)) writeEvent(ctx.res, 'ADDED', object);
    } else {
      for (const entry of this.history) if (entry.rv > from) deliver(watcher, entry);
    }
    this.watchers.add(watcher);
    ctx.res.on('close', () => this.watchers.delete(watcher));
  }

  private publish(entry: HistoryEntry): void {
    this.history.push(entry);
    for (const watcher of this.watchers) deliver(watcher, entry);
  }
}

/** `''` for cluster-scoped objects. */
function namespaceOf(object: KubeObject): string {
  return object.metadata?.namespace ?? '';
}

/** Sends one history entry to one filtered watcher, with the apiserver's selector-transition rules. */
function deliver(watcher: Watcher, entry: HistoryEntry): void {
  const inScope = (object: KubeObject | undefined) =>
    object !== undefined &&
    namespaceOf(object) === watcher.namespace &&
    matchesSelector(watcher.selector, object);
  const now = inScope(entry.object);
  if (entry.type === 'DELETED') {
    if (now) writeEvent(watcher.res, 'DELETED', entry.object);
    return;
  }
  const before = entry.type === 'MODIFIED' && inScope(entry.previous);
  if (now && before) writeEvent(watcher.res, 'MODIFIED', entry.object);
  else if (now) writeEvent(watcher.res, 'ADDED', entry.object);
  else if (before) writeEvent(watcher.res, 'DELETED', entry.object);
}

function writeEvent(res: ServerResponse, type: string, object: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
}

function goneStatus(current: number, requested = ''): KubeObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${requested === '' ? '?' : requested} (${current})`,
    reason: 'Expired',
    code: 410,
  };
}

// ---------------------------------------------------------------------------------------------------
// Router.

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** `:name` segments of the route pattern. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** A `:name` segment of the matched route; the router only calls a handler when every one is present. */
export function param(ctx: RouteContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route has no :${name} segment`);
  return value;
}

export type RouteHandler = (ctx: RouteContext) => void | Promise<void>;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

function matchRoute(
  route: Route,
  method: string,
  segments: readonly string[],
): Record<string, string> | undefined {
  if (route.method !== method || route.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, pattern] of route.segments.entries()) {
    const actual = segments[i] ?? '';
    if (pattern.startsWith(':')) params[pattern.slice(1)] = decodeURIComponent(actual);
    else if (pattern !== actual) return undefined;
  }
  return params;
}

/** JSON with its status code: the same writer pdscaler's external metrics API answers with. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  writeJson(res, status, body);
}

/** A `metav1.Status` failure, the body every apiserver error has. */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

/** How an injected fault answers, beyond its status code. */
export interface FaultOptions {
  /** Only requests whose path matches. */
  readonly path?: RegExp;
  /** Only requests with this method (`PUT`, `PATCH`, ...). */
  readonly method?: string;
  /** Sent as `Retry-After` (seconds), as the apiserver does with 429. */
  readonly retryAfterS?: number;
}

interface Fault extends FaultOptions {
  remaining: number;
  readonly status: number;
}

interface Delay {
  remaining: number;
  readonly ms: number;
  readonly path: RegExp | undefined;
}

const faultReasons: Readonly<Record<number, string>> = {
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export interface FakeApiServerOptions {
  /** Bearer token clients must send. @default a random UUID */
  readonly token?: string;
}

/** A running fake apiserver. */
export class FakeApiServer {
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  /** `/api/v1/namespaces/:namespace/pods`. */
  readonly pods: FakeResource;
  /** Every request as `METHOD /path?query`, in arrival order. */
  readonly requests: string[] = [];
  private readonly revision = new Revision();
  private readonly resources = new Map<string, FakeResource>();
  private readonly routes: Route[] = [];
  private readonly faults: Fault[] = [];
  private readonly delays: Delay[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server, url: string, token: string, caPem: string) {
    this.server = server;
    this.url = url;
    this.token = token;
    this.caPem = caPem;
    this.pods = this.resource('pods', 'Pod');
    this.route('GET', '/version', ({ res }) => {
      sendJson(res, 200, {
        major: '1',
        minor: '33',
        gitVersion: 'v1.33.0-fake',
        platform: 'linux/amd64',
      });
    });
    this.route('GET', '/api/v1/namespaces/:namespace/pods', (ctx) => {
      this.pods.serveCollection(ctx, param(ctx, 'namespace'));
    });
    server.on('request', (req, res) => {
      void this.dispatch(req, res);
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts a fake on `127.0.0.1` and a free port. */
  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const { cert, key } = await testCertificate();
    const server = createServer({ cert, key });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new FakeApiServer(server, `https://127.0.0.1:${port}`, options.token ?? randomUUID(), cert);
  }

  /**
   * The store for a resource key (the plural, or `plural.group` outside the core group), created on
   * first use; `options` only apply when this call creates it.
   */
  resource(key: string, kind = key, options: FakeResourceOptions = {}): FakeResource {
    let store = this.resources.get(key);
    if (store === undefined) {
      store = new FakeResource(kind, this.revision, options);
      this.resources.set(key, store);
    }
    return store;
  }

  /** Adds a route; `:name` segments become `ctx.params.name`. Earlier routes win. */
  route(method: string, pattern: string, handler: RouteHandler): void {
    this.routes.push({ method, segments: pattern.split('/').filter((s) => s !== ''), handler });
  }

  /**
   * The next `count` requests that match (all when no filter) fail with `status`; a `RegExp` third
   * argument is the path filter.
   */
  failNext(count: number, status = 500, filter?: RegExp | FaultOptions): void {
    const options = filter instanceof RegExp ? { path: filter } : (filter ?? {});
    this.faults.push({ ...options, remaining: count, status });
  }

  /** The next `count` requests whose path matches wait `ms` before they are served. */
  delayNext(count: number, ms: number, path?: RegExp): void {
    this.delays.push({ remaining: count, ms, path });
  }

  /** Abruptly destroys every open watch connection (network drop); returns how many. */
  dropWatches(): number {
    return this.eachResource((store) => store.endWatches('destroy'));
  }

  /** Ends every watch stream cleanly, as the apiserver does when a watch times out. */
  closeWatches(): number {
    return this.eachResource((store) => store.endWatches('end'));
  }

  /** Sends `410 Gone` (reason Expired) on every watch and ends it. */
  expireWatches(): number {
    return this.eachResource((store) => store.endWatches('expire'));
  }

  activeWatches(): number {
    return this.eachResource((store) => store.activeWatches());
  }

  /** A KubeConfig for this server: its URL, its certificate as the CA, and the token. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'fake',
          server: this.url,
          caData: Buffer.from(this.caPem).toString('base64'),
          skipTLSVerify: false,
        },
      ],
      users: [{ name: 'tester', token: this.token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace: 'default' }],
      currentContext: 'fake',
    });
    return kc;
  }

  async close(): Promise<void> {
    this.dropWatches();
    const closed = new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private eachResource(fn: (store: FakeResource) => number): number {
    let total = 0;
    for (const store of this.resources.values()) total += fn(store);
    return total;
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.path === undefined || f.path.test(path)) &&
        (f.method === undefined || f.method === method),
    );
    if (fault !== undefined) fault.remaining--;
    return fault;
  }

  private takeDelay(path: string): number {
    const delay = this.delays.find((d) => d.remaining > 0 && (d.path === undefined || d.path.test(path)));
    if (delay === undefined) return 0;
    delay.remaining--;
    return delay.ms;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://fake');
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const delayMs = this.takeDelay(url.pathname);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const fault = this.takeFault(method, url.pathname);
    if (fault !== undefined) {
      if (fault.retryAfterS !== undefined) res.setHeader('retry-after', String(fault.retryAfterS));
      sendStatus(
        res,
        fault.status,
        faultReasons[fault.status] ?? 'InternalError',
        `injected fault ${fault.status}`,
      );
      return;
    }
    const segments = url.pathname.split('/').filter((s) => s !== '');
    for (const route of this.routes) {
      const params = matchRoute(route, method, segments);
      if (params === undefined) continue;
      try {
        await route.handler({ req, res, params, query: url.searchParams });
      } catch (error) {
        if (!res.headersSent) sendStatus(res, 500, 'InternalError', (error as Error).message);
        else res.destroy();
      }
      return;
    }
    sendStatus(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
  }
}
