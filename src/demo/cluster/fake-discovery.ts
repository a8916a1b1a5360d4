// SPDX-License-Identifier: Apache-2.0
// Legacy (unaggregated) API discovery for the fake cluster, so `kubectl` can map `rbgsa` or
// `rolebasedgroupscalingadapter` to a path and find the `scale` subresource: `/api`, `/api/v1`, `/apis`,
// `/apis/{group}` and `/apis/{group}/{version}` (shapes: docs/reference.md §B.3.3).
// Clients asking for aggregated discovery (`as=APIGroupDiscoveryList`) get plain JSON and fall back, as
// they do against an extension server (§3.3). `/openapi/v2` and `/openapi/v3` stay 404 (§3.9).
import { sendJson, sendStatus, type FakeApiServer } from './fake-apiserver.js';
import type { RestResource } from './fake-rest.js';

/** One entry of an `APIResourceList`, plus the subresources served for it. */
export interface DiscoveredResource {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly subresources?: readonly ('status' | 'scale')[];
}

/** The verbs `serveRestResource` implements. */
const REST_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;

/** Discovery for a resource served by `serveRestResource` (which also serves `status`). */
export function restDiscovery(
  resource: RestResource,
  extra: { shortNames?: readonly string[]; scale?: boolean } = {},
): DiscoveredResource {
  const { group, version, plural, kind, namespaced } = resource.definition;
  return {
    group,
    version,
    plural,
    kind,
    namespaced,
    verbs: REST_VERBS,
    ...(extra.shortNames === undefined ? {} : { shortNames: extra.shortNames }),
    subresources: extra.scale === true ? ['status', 'scale'] : ['status'],
  };
}

function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The `APIResource` entries of one resource: itself, then its subresources. */
function apiResources(resource: DiscoveredResource): Record<string, unknown>[] {
  const main = {
    name: resource.plural,
    singularName: resource.kind.toLowerCase(),
    namespaced: resource.namespaced,
    kind: resource.kind,
    verbs: resource.verbs,
    ...(resource.shortNames === undefined ? {} : { shortNames: resource.shortNames }),
  };
  const subresources = (resource.subresources ?? []).map((sub) => ({
    name: `${resource.plural}/${sub}`,
    singularName: '',
    namespaced: resource.namespaced,
    // kubectl's scale client finds the Scale's group/version here.
    ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { kind: resource.kind }),
    verbs: ['get', 'patch', 'update'],
  }));
  return [main, ...subresources];
}

function apiGroup(group: string, versions: readonly string[]): Record<string, unknown> {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: entries, preferredVersion: entries[0] };
}

/** Registers the discovery endpoints for `resources`. */
export function serveDiscovery(server: FakeApiServer, resources: readonly DiscoveredResource[]): void {
  const versionsOf = new Map<string, string[]>();
  for (const { group, version } of resources) {
    const versions = versionsOf.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    versionsOf.set(group, versions);
  }
  const resourceList = (group: string, version: string) => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: resources.filter((r) => r.group === group && r.version === version).flatMap(apiResources),
  });
  const host = new URL(server.url).host;

  server.route('GET', '/api', ({ res }) => {
    sendJson(res, 200, {
      kind: 'APIVersions',
      versions: versionsOf.get('') ?? [],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
    });
  });
  server.route('GET', '/api/:version', ({ res, params }) => {
    if (versionsOf.get('')?.includes(params.version ?? '') === true)
      sendJson(res, 200, resourceList('', params.version ?? ''));
    else sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
  });
  server.route('GET', '/apis', ({ res }) => {
    const groups = [...versionsOf].filter(([group]) => group !== '');
    sendJson(res, 200, {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map(([group, versions]) => apiGroup(group, versions)),
    });
  });
  server.route('GET', '/apis/:group', ({ res, params }) => {
    const versions = versionsOf.get(params.group ?? '');
    if (params.group !== '' && versions !== undefined)
      sendJson(res, 200, apiGroup(params.group ?? '', versions));
    else sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
  });
  server.route('GET', '/apis/:group/:version', ({ res, params }) => {
    if (params.group !== '' && versionsOf.get(params.group ?? '')?.includes(params.version ?? '') === true)
      sendJson(res, 200, resourceList(params.group ?? '', params.version ?? ''));
    else sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
  });
}
