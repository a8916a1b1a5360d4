// SPDX-License-Identifier: Apache-2.0
// pdscaler's ServiceAccount is granted exactly the API calls its code makes in the overlay's
// configuration, no more and no fewer. The table below lists every call, read from src/kube/*.ts and
// src/sources/discovery/kube-pod-api.ts, with the condition under which the code makes it; the test
// resolves every RoleBinding and ClusterRoleBinding of the rendered overlay (built-in roles by their
// reference definition, docs/reference.md §B.4.4) into grants and compares the two sets.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServeConfig } from '../../src/loop/config.js';
import { kubectlMissing, skipKubectl } from '../helpers/kubectl.js';
import { loadRenderedServeConfig } from './mounts.js';
import {
  describeObject,
  kustomize,
  overlays,
  pdscalerNamespace,
  type KubeObject,
  type Overlay,
} from './render.js';

/** Where a call goes: the namespaces of the policies, the lease's, the state's, kube-system, or cluster-wide. */
const scopes = ['policy', 'lease', 'state', 'kube-system', 'cluster'] as const;
type Scope = (typeof scopes)[number];

interface Call {
  readonly scope: Scope;
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  /** The object's name when the code always calls this one (resourceNames); `*` otherwise (create always). */
  readonly name: (config: ServeConfig) => string;
  readonly when: (config: ServeConfig) => boolean;
  readonly caller: string;
}

/** When the code makes a call, from the loaded serve config. */
const conditions: Readonly<Record<string, (c: ServeConfig) => boolean>> = {
  always: () => true,
  writes: (c) => !c.advisory,
  'direct-writes': (c) => c.mode === 'direct' && !c.advisory,
  elects: (c) => c.leaderElection !== undefined,
  'keeps-state': (c) => c.state !== undefined,
  'delegates-auth': (c) => c.externalMetrics?.authentication === 'delegated',
  'manages-apiservice': (c) =>
    c.mode === 'standalone' && !c.advisory && c.externalMetrics?.apiService?.manage === true,
};

/** Which object a call names, from the loaded serve config. */
const names: Readonly<Record<string, (c: ServeConfig) => string>> = {
  '*': () => '*',
  lease: (c) => c.leaderElection?.leaseName ?? '?',
  state: (c) => c.state?.name ?? '?',
  'auth-configmap': () => 'extension-apiserver-authentication',
  apiservice: () => 'v1beta1.external.metrics.k8s.io',
};

/** Every Kubernetes API call pdscaler makes; group `core` is the core API group (''). */
const callTable = `
policy       workloads.x-k8s.io      rolebasedgroupscalingadapters        get     *               always             adapters.ts getNamespacedCustomObject, every tick
policy       workloads.x-k8s.io      rolebasedgroupscalingadapters/scale  get     *               direct-writes      adapters.ts getNamespacedCustomObjectScale
policy       workloads.x-k8s.io      rolebasedgroupscalingadapters/scale  update  *               direct-writes      adapters.ts replaceNamespacedCustomObjectScale (PUT)
policy       core                    pods                                 list    *               always             kube-pod-api.ts listNamespacedPod
policy       core                    pods                                 watch   *               always             kube-pod-api.ts Watch /api/v1/namespaces/{ns}/pods
policy       core                    events                               create  *               writes             events.ts createNamespacedEvent
policy       core                    events                               patch   *               writes             events.ts patchNamespacedEvent (repeats fold into count)
policy       core                    events                               list    *               always             pulled-events.ts listNamespacedEvent reason=Pulled, every tick
lease        coordination.k8s.io     leases                               get     lease           elects             leader-election.ts readNamespacedLease
lease        coordination.k8s.io     leases                               create  *               elects             leader-election.ts createNamespacedLease
lease        coordination.k8s.io     leases                               update  lease           elects             leader-election.ts replaceNamespacedLease
state        core                    configmaps                           get     state           keeps-state        state-store.ts readNamespacedConfigMap
state        core                    configmaps                           patch   state           keeps-state        state-store.ts patchNamespacedConfigMap (merge patch)
state        core                    configmaps                           create  *               keeps-state        state-store.ts createNamespacedConfigMap (when absent)
kube-system  core                    configmaps                           get     auth-configmap  delegates-auth     delegated-auth.ts readNamespacedConfigMap
kube-system  core                    configmaps                           watch   auth-configmap  delegates-auth     delegated-auth.ts Watch, fieldSelector metadata.name
cluster      authentication.k8s.io   tokenreviews                         create  *               delegates-auth     delegated-auth.ts createTokenReview
cluster      authorization.k8s.io    subjectaccessreviews                 create  *               delegates-auth     delegated-auth.ts createSubjectAccessReview
cluster      apiregistration.k8s.io  apiservices                          get     apiservice      manages-apiservice apiservice.ts readAPIService
cluster      apiregistration.k8s.io  apiservices                          create  *               manages-apiservice apiservice.ts createAPIService
cluster      apiregistration.k8s.io  apiservices                          patch   apiservice      manages-apiservice apiservice.ts patchAPIService (merge patch)
`;

function parseCall(line: string): Call {
  const [scope, group, resource, verb, name, when, ...caller] = line.trim().split(/\s+/);
  const nameOf = names[name ?? ''];
  const whenOf = conditions[when ?? ''];
  const where = scopes.find((s) => s === scope);
  if (
    where === undefined ||
    nameOf === undefined ||
    whenOf === undefined ||
    resource === undefined ||
    verb === undefined
  )
    throw new Error(`bad call table row: ${line}`);
  return {
    scope: where,
    group: group === 'core' ? '' : (group ?? ''),
    resource,
    verb,
    name: nameOf,
    when: whenOf,
    caller: caller.join(' '),
  };
}

const calls: readonly Call[] = callTable
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map(parseCall);

interface Rule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs: readonly string[];
}

/** Built-in roles pdscaler binds, as docs/reference.md §B.4.4 defines them. */
const builtInRoles: Readonly<Record<string, readonly Rule[]>> = {
  'ClusterRole system:auth-delegator': [
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ],
  'Role kube-system/extension-apiserver-authentication-reader': [
    {
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ['extension-apiserver-authentication'],
      verbs: ['get', 'list', 'watch'],
    },
  ],
};

/** Granted by a built-in role beyond what the code calls: the role cannot be narrowed, only copied. */
const builtInExtras = new Set([
  grantKey({
    namespace: 'kube-system',
    group: '',
    resource: 'configmaps',
    verb: 'list',
    name: 'extension-apiserver-authentication',
  }),
]);

interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

interface Binding {
  readonly object: KubeObject;
  readonly roleRef: { kind: string; name: string };
  readonly subjects: readonly Subject[];
}

function bindings(objects: readonly KubeObject[]): Binding[] {
  return objects
    .filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')
    .map((o) => ({ object: o, ...(o as unknown as Omit<Binding, 'object'>) }));
}

const isSubject = (account: string, namespace: string) => (s: Subject) =>
  s.kind === 'ServiceAccount' && s.name === account && s.namespace === namespace;

/** The rules a binding grants: a rendered Role or ClusterRole, or a built-in one. */
function rulesOf(binding: Binding, objects: readonly KubeObject[]): readonly Rule[] {
  const { kind, name } = binding.roleRef;
  const namespace = kind === 'Role' ? binding.object.metadata.namespace : undefined;
  const rendered = objects.find(
    (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
  );
  if (rendered !== undefined) return (rendered as unknown as { rules?: Rule[] }).rules ?? [];
  const builtIn = builtInRoles[`${kind} ${namespace === undefined ? '' : `${namespace}/`}${name}`];
  if (builtIn === undefined)
    throw new Error(`${describeObject(binding.object)} binds unknown ${kind} ${name}`);
  return builtIn;
}

interface Grant {
  /** `*` for every namespace (a ClusterRoleBinding). */
  readonly namespace: string;
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  /** `*` for every name (no resourceNames). */
  readonly name: string;
}

/** `namespace group resource verb name`: grants compare as strings. */
function grantKey(grant: Grant): string {
  return `${grant.namespace} ${grant.group} ${grant.resource} ${grant.verb} ${grant.name}`;
}

/** Every grant the account holds, one key per (namespace, group, resource, verb, name). */
function grantsOf(objects: readonly KubeObject[], account: string, namespace: string): Set<string> {
  const grants = new Set<string>();
  for (const binding of bindings(objects).filter((b) => b.subjects.some(isSubject(account, namespace)))) {
    const scope = binding.object.kind === 'RoleBinding' ? (binding.object.metadata.namespace ?? '?') : '*';
    for (const rule of rulesOf(binding, objects))
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs)
            for (const name of rule.resourceNames ?? ['*'])
              grants.add(grantKey({ namespace: scope, group, resource, verb, name }));
  }
  return grants;
}

function namespacesOf(scope: Scope, config: ServeConfig): readonly string[] {
  switch (scope) {
    case 'policy':
      return [...new Set(config.policies.map((p) => p.spec.namespace))];
    case 'lease':
      return [config.leaderElection?.namespace ?? '?'];
    case 'state':
      return [config.state?.namespace ?? '?'];
    case 'kube-system':
      return ['kube-system'];
    case 'cluster':
      return ['*'];
  }
}

/** What the code calls with this config: grant key -> the call that needs it. */
function neededGrants(config: ServeConfig): Map<string, string> {
  return new Map(
    calls
      .filter((call) => call.when(config))
      .flatMap((call) =>
        namespacesOf(call.scope, config).map((ns) => {
          const grant = { namespace: ns, group: call.group, resource: call.resource, verb: call.verb };
          return [grantKey({ ...grant, name: call.name(config) }), call.caller] as const;
        }),
      ),
  );
}

if (skipKubectl) console.warn(`rbac.test.ts skipped: ${kubectlMissing}`);

describe.skipIf(skipKubectl)('RBAC', () => {
  const rendered = new Map<Overlay, readonly KubeObject[]>();
  const configs = new Map<Overlay, ServeConfig>();
  let observability: readonly KubeObject[] = [];
  beforeAll(async () => {
    for (const overlay of overlays) {
      const { objects } = await kustomize(`deploy/overlays/${overlay}`);
      rendered.set(overlay, objects);
      configs.set(overlay, loadRenderedServeConfig(objects));
    }
    observability = (await kustomize('deploy/observability')).objects;
  });

  it.each(overlays)(
    '%s: grants pdscaler exactly the calls its code makes in this configuration',
    (overlay) => {
      const granted = grantsOf(rendered.get(overlay)!, 'pdscaler', pdscalerNamespace);
      const needed = neededGrants(configs.get(overlay)!);
      const extra = [...granted].filter((g) => !needed.has(g) && !builtInExtras.has(g));
      // A grant for all names also covers a named call, but is then an extra: names are scoped where the code allows.
      const covered = (g: string) => granted.has(g) || granted.has(g.replace(/ [^ ]+$/, ' *'));
      const missing = [...needed].filter(([g]) => !covered(g)).map(([g, caller]) => `${g} (${caller})`);
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    },
  );

  it.each(overlays)('%s: grants nothing through non-resource URLs or wildcards', (overlay) => {
    const objects = rendered.get(overlay)!;
    const rules = bindings(objects)
      .filter((b) => b.subjects.some(isSubject('pdscaler', pdscalerNamespace)))
      .flatMap((b) => rulesOf(b, objects));
    expect(rules.filter((r) => r.nonResourceURLs !== undefined)).toEqual([]);
    expect(JSON.stringify(rules)).not.toContain('"*"');
  });

  it.each(overlays)(
    '%s: binds every rendered Role and ClusterRole, and only to known subjects',
    (overlay) => {
      const objects = [...rendered.get(overlay)!];
      const bound = new Set(bindings(objects).map((b) => `${b.roleRef.kind} ${b.roleRef.name}`));
      const roles = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
      expect(roles.map((r) => `${r.kind} ${r.metadata.name}`).filter((r) => !bound.has(r))).toEqual([]);
      const subjects = new Set(
        bindings(objects).flatMap((b) => b.subjects.map((s) => `${s.namespace ?? ''}/${s.name}`)),
      );
      const hpa = overlay.startsWith('standalone') ? ['kube-system/horizontal-pod-autoscaler'] : [];
      expect([...subjects].sort()).toEqual([`${pdscalerNamespace}/pdscaler`, ...hpa].sort());
    },
  );

  it.each(overlays)(
    '%s: lets the HPA controller read external metrics only where pdscaler serves them to it',
    (overlay) => {
      const granted = grantsOf(rendered.get(overlay)!, 'horizontal-pod-autoscaler', 'kube-system');
      const servesHpa = configs.get(overlay)!.mode === 'standalone';
      const expected = servesHpa
        ? ['get', 'list', 'watch'].map((verb) =>
            grantKey({ namespace: '*', group: 'external.metrics.k8s.io', resource: '*', verb, name: '*' }),
          )
        : [];
      expect([...granted].sort()).toEqual(expected.sort());
    },
  );

  it('observability lets Prometheus get /metrics and nothing else', () => {
    const [binding, ...others] = bindings(observability);
    expect(others).toEqual([]);
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' },
    ]);
    expect(binding === undefined ? [] : rulesOf(binding, observability)).toEqual([
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
  });

  it('lists every call of the table under some overlay, so no row is dead', () => {
    const used = calls.filter((call) => overlays.some((overlay) => call.when(configs.get(overlay)!)));
    expect(used).toEqual(calls);
  });
});
