// SPDX-License-Identifier: Apache-2.0
// The `scale` subresource of a custom resource, as apiextensions-apiserver serves it for a CRD with
// `specReplicasPath: .spec.replicas`, `statusReplicasPath: .status.replicas`,
// `labelSelectorPath: .status.selector` (docs/reference.md §A.1): an `autoscaling/v1` Scale view of the object, and
// writes that change only `.spec.replicas`.
import type { KubeObject, RouteContext } from './fake-apiserver.js';
import { param, sendJson, sendStatus, type FakeApiServer } from './fake-apiserver.js';
import {
  applyPatch,
  notFound,
  readJson,
  replaceChecked,
  type AdmissionDenial,
  type RestResource,
} from './fake-rest.js';

/** One accepted write through `/scale`. */
export interface ScaleWrite {
  readonly namespace: string;
  readonly name: string;
  readonly method: 'PUT' | 'PATCH';
  readonly replicas: number;
  readonly atMs: number;
}

export interface ScaleOptions {
  /** Clock for `ScaleWrite.atMs`. */
  readonly nowMs: () => number;
  /** Called with every accepted write, after the client got its answer. */
  readonly onWrite: (write: ScaleWrite, stored: KubeObject) => void;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The Scale of an object; like the apiserver, a missing `.status.replicas` reads as 0. */
export function scaleOf(object: KubeObject): KubeObject {
  const meta = object.metadata ?? {};
  const spec = record(object.spec);
  const status = record(object.status);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: Object.fromEntries(
      ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']
        .filter((key) => meta[key] !== undefined)
        .map((key) => [key, meta[key]]),
    ),
    spec: typeof spec.replicas === 'number' ? { replicas: spec.replicas } : {},
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      ...(typeof status.selector === 'string' ? { selector: status.selector } : {}),
    },
  };
}

/** The `spec.replicas` a written Scale asks for, or the error the apiserver answers. */
function requestedReplicas(scale: KubeObject, name: string): number | AdmissionDenial {
  const replicas = record(scale.spec).replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas))
    return {
      code: 400,
      reason: 'BadRequest',
      message: 'Scale in version "v1" cannot be handled as a Scale: spec.replicas: expected an int32',
    };
  if (replicas < 0)
    return {
      code: 422,
      reason: 'Invalid',
      message: `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`,
    };
  return replicas;
}

/** Registers `GET|PUT|PATCH .../{plural}/{name}/scale` for a namespaced custom resource. */
export function serveScaleSubresource(
  server: FakeApiServer,
  resource: RestResource,
  options: ScaleOptions,
): void {
  const path = `${resource.prefix}/namespaces/:namespace/${resource.definition.plural}/:name/scale`;
  const current = (ctx: RouteContext): KubeObject | undefined => {
    const object = resource.store.get(param(ctx, 'namespace'), param(ctx, 'name'));
    if (object === undefined) notFound(ctx, resource, param(ctx, 'name'));
    return object;
  };
  /** Stores the Scale's replicas in the object, with the Scale's resourceVersion as precondition. */
  const write = (ctx: RouteContext, scale: KubeObject, method: 'PUT' | 'PATCH') => {
    const name = param(ctx, 'name');
    const object = current(ctx);
    if (object === undefined) return;
    const replicas = requestedReplicas(scale, name);
    if (typeof replicas !== 'number') {
      sendStatus(ctx.res, replicas.code, replicas.reason, replicas.message);
      return;
    }
    const rv = scale.metadata?.resourceVersion;
    const next: KubeObject = {
      ...object,
      metadata: { ...object.metadata, ...(rv === undefined || rv === '' ? {} : { resourceVersion: rv }) },
      spec: { ...record(object.spec), replicas },
    };
    const stored = replaceChecked(ctx, resource, name, next);
    if (stored === undefined) return;
    sendJson(ctx.res, 200, scaleOf(stored));
    const namespace = param(ctx, 'namespace');
    options.onWrite({ namespace, name, method, replicas, atMs: options.nowMs() }, stored);
  };

  server.route('GET', path, (ctx) => {
    const object = current(ctx);
    if (object !== undefined) sendJson(ctx.res, 200, scaleOf(object));
  });
  server.route('PUT', path, async (ctx) => {
    const body = (await readJson(ctx)) as KubeObject | undefined;
    if (body !== undefined) write(ctx, body, 'PUT');
  });
  server.route('PATCH', path, async (ctx) => {
    const object = current(ctx);
    if (object === undefined) return;
    const before = scaleOf(object);
    const patched = await applyPatch(ctx, before);
    if (patched === undefined) return;
    // Only a resourceVersion the patch itself sets is a precondition; otherwise the latest object wins.
    const rv = patched.metadata?.resourceVersion;
    const unconditional = rv === before.metadata?.resourceVersion;
    const scale = unconditional
      ? { ...patched, metadata: { ...patched.metadata, resourceVersion: '' } }
      : patched;
    write(ctx, scale, 'PATCH');
  });
}
