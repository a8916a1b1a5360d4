// SPDX-License-Identifier: Apache-2.0
// The generic REST verbs of the fake apiserver for one resource: list/watch, get, create, update (PUT with
// resourceVersion preconditions -> 409 Conflict), patch (merge, strategic-as-merge, JSON patch), delete,
// and the `status` subresource. Messages follow kube-apiserver's wording, so clients (client-node,
// kubectl) print what they would print against a real cluster.
import type { IncomingMessage } from 'node:http';
import {
  param,
  sendJson,
  sendStatus,
  type FakeApiServer,
  type FakeResource,
  type KubeObject,
  type RouteContext,
} from './fake-apiserver.js';

export interface RestResourceDefinition {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** What a validating admission webhook sees (main-resource CREATE and UPDATE, not subresources). */
export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE';
  readonly object: KubeObject;
  readonly oldObject: KubeObject | undefined;
}

/** The `metav1.Status` fields an admission denial answers with. */
export interface AdmissionDenial {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

/** Behaviour a fake cluster plugs into a resource: webhooks and controllers, run synchronously. */
export interface RestHooks {
  /** A validating webhook: a denial is returned to the client and nothing is stored. */
  readonly admit?: (request: AdmissionRequest) => AdmissionDenial | undefined;
  /** A controller reacting to every write through the API, after the client got its answer. */
  readonly afterWrite?: (stored: KubeObject) => void;
}

/** A registered resource: its store plus the names clients see in messages. */
export interface RestResource {
  readonly definition: RestResourceDefinition;
  readonly store: FakeResource;
  readonly hooks: RestHooks;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  readonly prefix: string;
  /** `rolebasedgroupscalingadapters.workloads.x-k8s.io`, `configmaps`. */
  readonly qualifiedName: string;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(ctx: RouteContext): Promise<unknown> {
  const text = await readBody(ctx.req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    sendStatus(ctx.res, 400, 'BadRequest', `the body of the request was in an unknown format`);
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386 JSON merge patch (strategic merge patch is treated the same: enough for this fake). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOp {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
}

/** RFC 6902 `add`, `replace`, `remove` and `test` on object and array paths. Throws on a bad path. */
export function jsonPatch(target: unknown, ops: readonly JsonPatchOp[]): unknown {
  const document = structuredClone(target);
  for (const op of ops) {
    const keys = op.path
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop();
    if (last === undefined) throw new Error(`invalid JSON patch path ${JSON.stringify(op.path)}`);
    let parent: unknown = document;
    for (const key of keys) {
      parent = (parent as Record<string, unknown> | undefined)?.[key];
      if (parent === undefined) throw new Error(`JSON patch path ${op.path} does not exist`);
    }
    const container = parent as Record<string, unknown>;
    if (op.op === 'test') {
      if (JSON.stringify(container[last]) !== JSON.stringify(op.value))
        throw new Error(`JSON patch test failed at ${op.path}`);
    } else if (op.op === 'remove') {
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else Reflect.deleteProperty(container, last);
    } else if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(container) && op.op === 'add')
        container.splice(last === '-' ? container.length : Number(last), 0, op.value);
      else container[last] = op.value;
    } else {
      throw new Error(`unsupported JSON patch op ${op.op}`);
    }
  }
  return document;
}

/** Applies a PATCH body by its content type; returns undefined after answering 4xx itself. */
export async function applyPatch(ctx: RouteContext, current: KubeObject): Promise<KubeObject | undefined> {
  const body = await readJson(ctx);
  if (body === undefined) return undefined;
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  try {
    if (type === 'application/json-patch+json') {
      if (!Array.isArray(body)) throw new Error('a JSON patch must be an array of operations');
      return jsonPatch(current, body as JsonPatchOp[]) as KubeObject;
    }
    if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json')
      return mergePatch(current, body) as KubeObject;
    sendStatus(
      ctx.res,
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format: ${type}`,
    );
    return undefined;
  } catch (error) {
    sendStatus(ctx.res, 422, 'Invalid', (error as Error).message);
    return undefined;
  }
}

export function notFound(ctx: RouteContext, resource: RestResource, name: string): void {
  sendJson(ctx.res, 404, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${resource.qualifiedName} "${name}" not found`,
    reason: 'NotFound',
    details: { name, group: resource.definition.group, kind: resource.definition.plural },
    code: 404,
  });
}

export function conflict(ctx: RouteContext, resource: RestResource, name: string): void {
  sendJson(ctx.res, 409, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Operation cannot be fulfilled on ${resource.qualifiedName} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    reason: 'Conflict',
    details: { name, group: resource.definition.group, kind: resource.definition.plural },
    code: 409,
  });
}

/** The namespace of a request: the path parameter, or `''` for cluster-scoped resources. */
function namespaceOf(ctx: RouteContext): string {
  return ctx.params.namespace ?? '';
}

function stamped(resource: RestResource, object: KubeObject): KubeObject {
  const { group, version, kind } = resource.definition;
  return { ...object, apiVersion: group === '' ? version : `${group}/${version}`, kind };
}

/**
 * Replaces `name` with `next` after checking the resourceVersion precondition `next` carries (if any);
 * returns the stored object, or undefined after answering 404/409.
 */
export function replaceChecked(
  ctx: RouteContext,
  resource: RestResource,
  name: string,
  next: KubeObject,
): KubeObject | undefined {
  return replace(ctx, { resource, name, next, admit: false });
}

interface Replacement {
  readonly resource: RestResource;
  readonly name: string;
  readonly next: KubeObject;
  /** Main-resource writes go through validating admission; subresource writes do not. */
  readonly admit: boolean;
}

function deny(ctx: RouteContext, denial: AdmissionDenial): void {
  sendStatus(ctx.res, denial.code, denial.reason, denial.message);
}

/** The precondition is checked before admission, as the apiserver's update loop does. */
function replace(ctx: RouteContext, { resource, name, next, admit }: Replacement): KubeObject | undefined {
  const namespace = namespaceOf(ctx);
  const current = resource.store.get(namespace, name);
  if (current === undefined) {
    notFound(ctx, resource, name);
    return undefined;
  }
  const precondition = next.metadata?.resourceVersion;
  if (precondition !== undefined && precondition !== current.metadata?.resourceVersion) {
    conflict(ctx, resource, name);
    return undefined;
  }
  const denial = admit
    ? resource.hooks.admit?.({ operation: 'UPDATE', object: next, oldObject: current })
    : undefined;
  if (denial !== undefined) {
    deny(ctx, denial);
    return undefined;
  }
  return resource.store.apply({
    ...next,
    metadata: {
      ...next.metadata,
      name,
      namespace,
      ...(current.metadata?.uid === undefined ? {} : { uid: current.metadata.uid }),
    },
  });
}

/** Registers list/watch/get/create/update/patch/delete and `status` for one resource. */
export function serveRestResource(
  server: FakeApiServer,
  definition: RestResourceDefinition,
  hooks: RestHooks = {},
): RestResource {
  const { group, version, plural, kind, namespaced } = definition;
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const resource: RestResource = {
    definition,
    // Keyed by group too: core `events` and `events.k8s.io` events are different representations.
    store: server.resource(group === '' ? plural : `${plural}.${group}`, kind, {
      apiVersion: group === '' ? version : `${group}/${version}`,
      namespaced,
    }),
    hooks,
    prefix,
    qualifiedName: group === '' ? plural : `${plural}.${group}`,
  };
  const collection = namespaced ? `${prefix}/namespaces/:namespace/${plural}` : `${prefix}/${plural}`;
  const item = `${collection}/:name`;
  const send = (ctx: RouteContext, status: number, object: KubeObject) => {
    sendJson(ctx.res, status, stamped(resource, object));
  };
  const written = (ctx: RouteContext, status: number, stored: KubeObject | undefined) => {
    if (stored === undefined) return;
    send(ctx, status, stored);
    hooks.afterWrite?.(stored);
  };

  server.route('GET', collection, (ctx) => {
    resource.store.serveCollection(ctx, namespaceOf(ctx));
  });
  server.route('POST', collection, async (ctx) => {
    const body = (await readJson(ctx)) as KubeObject | undefined;
    if (body === undefined) return;
    const name = body.metadata?.name;
    if (name === undefined || name === '') {
      sendStatus(
        ctx.res,
        422,
        'Invalid',
        `${kind} is invalid: metadata.name: Required value: name is required`,
      );
      return;
    }
    const namespace = namespaceOf(ctx);
    if (resource.store.get(namespace, name) !== undefined) {
      sendStatus(ctx.res, 409, 'AlreadyExists', `${resource.qualifiedName} "${name}" already exists`);
      return;
    }
    // The apiserver stamps creation time (RFC 3339, seconds) whatever the client sent.
    const creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const object = { ...body, metadata: { ...body.metadata, namespace, creationTimestamp } };
    const denial = hooks.admit?.({ operation: 'CREATE', object, oldObject: undefined });
    if (denial === undefined) written(ctx, 201, resource.store.apply(object));
    else deny(ctx, denial);
  });
  server.route('GET', item, (ctx) => {
    const object = resource.store.get(namespaceOf(ctx), param(ctx, 'name'));
    if (object === undefined) notFound(ctx, resource, param(ctx, 'name'));
    else send(ctx, 200, object);
  });
  const update = (subresource: 'status' | undefined) => async (ctx: RouteContext) => {
    const body = (await readJson(ctx)) as KubeObject | undefined;
    if (body === undefined) return;
    const current = resource.store.get(namespaceOf(ctx), param(ctx, 'name'));
    // A status write keeps the spec; a main-resource write keeps the status (the apiserver's rule
    // for resources with a status subresource).
    const merged =
      current === undefined
        ? body
        : subresource === 'status'
          ? { ...current, status: body.status, metadata: { ...current.metadata, ...pickRv(body) } }
          : { ...body, status: current.status };
    const next = { resource, name: param(ctx, 'name'), next: merged, admit: subresource === undefined };
    written(ctx, 200, replace(ctx, next));
  };
  const patch = (subresource: 'status' | undefined) => async (ctx: RouteContext) => {
    const current = resource.store.get(namespaceOf(ctx), param(ctx, 'name'));
    if (current === undefined) {
      notFound(ctx, resource, param(ctx, 'name'));
      return;
    }
    const patched = await applyPatch(ctx, current);
    if (patched === undefined) return;
    const merged =
      subresource === 'status'
        ? { ...current, status: patched.status }
        : { ...patched, status: current.status };
    const next = { resource, name: param(ctx, 'name'), next: merged, admit: subresource === undefined };
    written(ctx, 200, replace(ctx, next));
  };
  server.route('PUT', item, update(undefined));
  server.route('PATCH', item, patch(undefined));
  server.route('PUT', `${item}/status`, update('status'));
  server.route('PATCH', `${item}/status`, patch('status'));
  server.route('GET', `${item}/status`, (ctx) => {
    const object = resource.store.get(namespaceOf(ctx), param(ctx, 'name'));
    if (object === undefined) notFound(ctx, resource, param(ctx, 'name'));
    else send(ctx, 200, object);
  });
  server.route('DELETE', item, (ctx) => {
    const namespace = namespaceOf(ctx);
    const object = resource.store.get(namespace, param(ctx, 'name'));
    if (object === undefined || !resource.store.remove(namespace, param(ctx, 'name'))) {
      notFound(ctx, resource, param(ctx, 'name'));
      return;
    }
    sendJson(ctx.res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
  });
  return resource;
}

function pickRv(body: KubeObject): { resourceVersion?: string } {
  const rv = body.metadata?.resourceVersion;
  return rv === undefined ? {} : { resourceVersion: rv };
}
