// SPDX-License-Identifier: Apache-2.0
// Loads the serve config once: YAML with positions -> schema -> cross-field rules -> every policy it
// names, loaded and compiled. Any problem anywhere is `FILE:LINE:COL: message` and nothing starts.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DecisionSpec } from '../decision/types.js';
import { parseDurationS } from '../policy/durations.js';
import { sortIssues, type PolicyIssue } from '../policy/issue.js';
import { loadPolicyFile } from '../policy/load.js';
import { locate } from '../policy/locate.js';
import type { MetricsSpec } from '../policy/metrics.js';
import type { ParsedPolicy } from '../policy/parse.js';
import { parseDocumentBytes, readDocumentBytes } from '../policy/read-document.js';
import { schemaIssues, type PathIssue } from '../policy/schema-issues.js';
import { serveConfigSchema, type ServeConfigDocument, type ServeMode } from './config-schema.js';

export interface LoadedPolicy {
  readonly file: string;
  readonly spec: DecisionSpec;
  readonly metrics: MetricsSpec;
}

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The serve config with every default applied and every path resolved. */
export interface ServeConfig {
  readonly file: string;
  readonly mode: ServeMode;
  readonly advisory: boolean;
  readonly policies: readonly LoadedPolicy[];
  readonly kubeconfig: string | undefined;
  readonly identity: string | undefined;
  readonly tickDeadlineS: number | undefined;
  readonly externalMetrics:
    | {
        readonly address: string;
        readonly port: number;
        readonly tls: TlsFiles | undefined;
        readonly authentication: 'delegated' | 'none';
        readonly apiService:
          | {
              readonly service: { namespace: string; name: string };
              readonly manage: boolean;
              readonly takeOver: boolean;
            }
          | undefined;
      }
    | undefined;
  readonly keda:
    | {
        readonly address: string;
        readonly port: number;
        readonly tls: (TlsFiles & { readonly clientCaFile: string | undefined }) | undefined;
        readonly keepaliveMs: number;
      }
    | undefined;
  readonly leaderElection:
    | {
        readonly namespace: string;
        readonly leaseName: string;
        readonly leaseDurationS: number;
        readonly renewDeadlineS: number;
        readonly retryPeriodS: number;
      }
    | undefined;
  readonly state: { readonly namespace: string; readonly name: string } | undefined;
  readonly statusPage: { readonly address: string; readonly port: number } | undefined;
}

export type ServeConfigResult =
  | { readonly ok: true; readonly config: ServeConfig }
  | { readonly ok: false; readonly issues: readonly PolicyIssue[] };

/** Client-go's leader election defaults (leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s). */
const leaseDefaults = { leaseDurationS: 15, renewDeadlineS: 10, retryPeriodS: 2 };

function seconds(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : parseDurationS(text);
}

function policyFiles(base: string, entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    const path = resolve(base, entry);
    try {
      if (!statSync(path).isDirectory()) return [path];
    } catch {
      return [path]; // loadPolicyFile reports the missing file with its path
    }
    return readdirSync(path)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(path, name));
  });
}

function crossFieldIssues(doc: ServeConfigDocument): PathIssue[] {
  const issues: PathIssue[] = [];
  const enabled = doc.externalMetrics?.enabled;
  if (doc.mode === 'keda' && enabled === true)
    issues.push({
      path: ['externalMetrics', 'enabled'],
      at: 'value',
      message:
        'externalMetrics.enabled = true in keda mode: KEDA owns v1beta1.external.metrics.k8s.io, so pdscaler must not serve it',
    });
  if (doc.mode === 'standalone' && enabled === false)
    issues.push({
      path: ['externalMetrics', 'enabled'],
      at: 'value',
      message:
        'externalMetrics.enabled = false in standalone mode: standalone serves the external metrics API',
    });
  if (doc.mode !== 'keda' && doc.keda !== undefined)
    issues.push({ path: ['keda'], at: 'key', message: `keda: only used in keda mode (mode is ${doc.mode})` });
  return issues;
}

function duplicateIssues(policies: readonly LoadedPolicy[], configFile: string): PolicyIssue[] {
  const seen = new Map<string, string>();
  const issues: PolicyIssue[] = [];
  for (const policy of policies) {
    for (const key of [
      `policy ${policy.spec.namespace}/${policy.spec.name}`,
      `RoleBasedGroup ${policy.spec.namespace}/${policy.spec.rbgName}`,
    ]) {
      const first = seen.get(key);
      if (first !== undefined)
        issues.push({
          file: configFile,
          line: 1,
          col: 1,
          message: `${key} appears in both ${first} and ${policy.file}: one writer per RoleBasedGroup`,
        });
      else seen.set(key, policy.file);
    }
  }
  return issues;
}

type Doc = ServeConfigDocument;

function tlsOf(base: string, t: { certFile: string; keyFile: string } | undefined): TlsFiles | undefined {
  return t === undefined
    ? undefined
    : { certFile: resolve(base, t.certFile), keyFile: resolve(base, t.keyFile) };
}

function externalMetricsOf(base: string, doc: Doc): ServeConfig['externalMetrics'] {
  const em = doc.externalMetrics;
  if (!(em?.enabled ?? doc.mode === 'standalone')) return undefined;
  const apiService = em?.apiService;
  return {
    address: em?.address ?? '0.0.0.0',
    port: em?.port ?? 6443,
    tls: tlsOf(base, em?.tls),
    authentication: em?.authentication ?? 'delegated',
    apiService:
      apiService === undefined
        ? undefined
        : {
            service: apiService.service,
            manage: apiService.manage ?? true,
            takeOver: apiService.takeOver ?? false,
          },
  };
}

function kedaOf(base: string, doc: Doc): ServeConfig['keda'] {
  if (doc.mode !== 'keda') return undefined;
  const keda = doc.keda;
  const tls = keda?.tls;
  return {
    address: keda?.address ?? '0.0.0.0',
    port: keda?.port ?? 9090,
    tls:
      tls === undefined
        ? undefined
        : {
            certFile: resolve(base, tls.certFile),
            keyFile: resolve(base, tls.keyFile),
            clientCaFile: tls.clientCaFile === undefined ? undefined : resolve(base, tls.clientCaFile),
          },
    keepaliveMs: seconds(keda?.keepalive, 30) * 1000,
  };
}

function leaderElectionOf(doc: Doc, firstNamespace: string): ServeConfig['leaderElection'] {
  const election = doc.leaderElection;
  if (election?.enabled === false) return undefined;
  return {
    namespace: election?.namespace ?? firstNamespace,
    leaseName: election?.leaseName ?? 'pdscaler',
    leaseDurationS: seconds(election?.leaseDuration, leaseDefaults.leaseDurationS),
    renewDeadlineS: seconds(election?.renewDeadline, leaseDefaults.renewDeadlineS),
    retryPeriodS: seconds(election?.retryPeriod, leaseDefaults.retryPeriodS),
  };
}

function resolveConfig(file: string, doc: Doc, policies: readonly LoadedPolicy[]): ServeConfig {
  const base = dirname(file);
  return {
    file,
    mode: doc.mode,
    advisory: doc.advisory ?? false,
    policies,
    kubeconfig: doc.kubeconfig === undefined ? undefined : resolve(base, doc.kubeconfig),
    identity: doc.identity,
    tickDeadlineS: doc.tickDeadline === undefined ? undefined : parseDurationS(doc.tickDeadline),
    externalMetrics: externalMetricsOf(base, doc),
    keda: kedaOf(base, doc),
    leaderElection: leaderElectionOf(doc, policies[0]?.spec.namespace ?? 'default'),
    state: doc.state?.configMap,
    statusPage:
      doc.statusPage === undefined
        ? undefined
        : { address: doc.statusPage.address ?? '127.0.0.1', port: doc.statusPage.port ?? 8080 },
  };
}

function place(file: string, parsed: ParsedPolicy, issues: readonly PathIssue[]): PolicyIssue[] {
  return sortIssues(
    issues.map((issue) => ({
      file,
      ...locate(parsed, issue.path, issue.at),
      message: issue.message,
    })),
  );
}

/** Reads the serve config and every policy it names. */
export function loadServeConfig(file: string, options: { profilesDir?: string } = {}): ServeConfigResult {
  const bytes = readDocumentBytes(file, 'config');
  if (!bytes.ok) return bytes;
  const parsed = parseDocumentBytes(file, bytes.value);
  if (!parsed.ok) return parsed;
  const checked = schemaIssues(parsed.value.value, serveConfigSchema);
  const doc = checked.document;
  if (doc === undefined) return { ok: false, issues: place(file, parsed.value, checked.issues) };
  const cross = crossFieldIssues(doc);
  if (cross.length > 0) return { ok: false, issues: place(file, parsed.value, cross) };
  const profilesDir =
    options.profilesDir ??
    (doc.profilesDir === undefined ? undefined : resolve(dirname(file), doc.profilesDir));
  const loadOptions = profilesDir === undefined ? {} : { profilesDir };
  const policies: LoadedPolicy[] = [];
  const issues: PolicyIssue[] = [];
  for (const policyFile of policyFiles(dirname(file), doc.policies)) {
    const loaded = loadPolicyFile(policyFile, loadOptions);
    if (loaded.ok) policies.push({ file: policyFile, spec: loaded.spec, metrics: loaded.metrics });
    else issues.push(...loaded.issues);
  }
  issues.push(...duplicateIssues(policies, file));
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, config: resolveConfig(file, doc, policies) };
}
