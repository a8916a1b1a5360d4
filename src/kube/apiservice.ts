// SPDX-License-Identifier: Apache-2.0
// Ownership of the `v1beta1.external.metrics.k8s.io` APIService. There is one per cluster and it routes
// every external metric to one Service (docs/reference.md §B.6), so standalone mode
// registers it only when it is absent or already ours; taking it from another server (KEDA's metrics
// server in most clusters) needs an explicit opt-in, because it breaks every consumer of that server.
import {
  ApiregistrationV1Api,
  ApiregistrationV1ServiceReference,
  PatchStrategy,
  V1APIService,
  V1APIServiceSpec,
  V1ObjectMeta,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Logger } from '../telemetry/logger.js';
import { apiErrorStatus, describeApiError } from './api-error.js';
import { model } from './models.js';
import { requestOptions } from './request-options.js';
import { defaultRetryPolicy, realSleep, withRetries, type Sleep } from './retry.js';

/** The name must be `<version>.<group>` (docs/reference.md §B.4.1). */
export const externalMetricsApiService = {
  name: 'v1beta1.external.metrics.k8s.io',
  group: 'external.metrics.k8s.io',
  version: 'v1beta1',
} as const;

/** The Service in front of pdscaler's external metrics server. */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
  /** @default 443 */
  readonly port?: number;
}

export type ApiServiceOwner =
  | { readonly owner: 'absent' }
  | { readonly owner: 'ours' }
  /** `service` is `namespace/name`, or `local` when kube-apiserver serves the group itself. */
  | { readonly owner: 'foreign'; readonly service: string };

/** KEDA's metrics server: `keda/keda-operator-metrics-apiserver` in its chart (§6), or any name with "keda". */
export function isKedaService(service: string): boolean {
  return service.toLowerCase().includes('keda');
}

/** Why standalone mode refuses to take a foreign APIService, and the two ways out. */
export function foreignOwnerMessage(service: string): string {
  const keda = isKedaService(service);
  const owner = keda ? `KEDA (Service ${service})` : `Service ${service}`;
  const victims = keda
    ? 'every KEDA ScaledObject in the cluster (their HPAs read metrics through it)'
    : `every HPA and KEDA ScaledObject that reads external metrics from ${service}`;
  return (
    `APIService ${externalMetricsApiService.name} is owned by ${owner}; pdscaler in standalone mode ` +
    `would replace it and break ${victims}. Either set \`mode: keda\` in the pdscaler config ` +
    `(KEDA then calls pdscaler's gRPC external scaler), or set ` +
    '`externalMetrics.apiService.takeOver: true` to replace the APIService.'
  );
}

/** Thrown by ensureApiService when another server owns the APIService and takeOver is off. */
export class ApiServiceOwnedElsewhereError extends Error {
  readonly service: string;
  constructor(service: string) {
    super(foreignOwnerMessage(service));
    this.name = 'ApiServiceOwnedElsewhereError';
    this.service = service;
  }
}

function ownerOf(apiService: V1APIService | undefined, ours: ServiceRef): ApiServiceOwner {
  if (apiService === undefined) return { owner: 'absent' };
  const service = apiService.spec?.service;
  if (service === undefined) return { owner: 'foreign', service: 'local' };
  if (service.namespace === ours.namespace && service.name === ours.name) return { owner: 'ours' };
  return { owner: 'foreign', service: `${service.namespace ?? ''}/${service.name ?? ''}` };
}

export interface ApiServiceClientOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

/** How the aggregator verifies our serving certificate: a CA bundle, or (demo only) not at all. */
export type ApiServiceTls =
  | { readonly caBundlePem: string; readonly insecureSkipTLSVerify?: false }
  | { readonly insecureSkipTLSVerify: true; readonly caBundlePem?: undefined };

export type EnsureApiServiceOptions = ApiServiceTls & {
  readonly service: ServiceRef;
  /** Replace an APIService that points at another Service. */
  readonly takeOver: boolean;
};

export type EnsureApiServiceResult = { readonly action: 'created' | 'updated' | 'taken-over' };

type Step = EnsureApiServiceResult | { readonly action: 'refused'; readonly service: string };

export class ApiServiceRegistration {
  private readonly api: ApiregistrationV1Api;
  private readonly options: ApiServiceClientOptions;
  private readonly timeoutMs: number;

  constructor(options: ApiServiceClientOptions) {
    this.options = options;
    this.api = options.kubeConfig.makeApiClient(ApiregistrationV1Api);
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Who serves external metrics now, compared with `ours`. */
  async owner(ours: ServiceRef): Promise<ApiServiceOwner> {
    try {
      return ownerOf(await this.read(), ours);
    } catch (error) {
      throw describeApiError(error);
    }
  }

  /**
   * Creates the APIService when absent, patches it when ours (or when taking over), and throws
   * ApiServiceOwnedElsewhereError when another Service owns it and `takeOver` is false.
   */
  async ensure(options: EnsureApiServiceOptions): Promise<EnsureApiServiceResult> {
    const done = await withRetries(() => this.step(options), {
      policy: defaultRetryPolicy,
      sleep: this.options.sleep ?? realSleep,
      random: this.options.random ?? Math.random,
      // A 409 on create means someone registered it meanwhile: read again and decide again.
      retryConflicts: true,
      logger: this.options.logger,
      what: `apiservices/${externalMetricsApiService.name}`,
    });
    if (!done.ok)
      throw new Error(`registering APIService ${externalMetricsApiService.name}: ${done.error.message}`, {
        cause: done.error,
      });
    const result = done.value;
    if (result.action === 'refused') throw new ApiServiceOwnedElsewhereError(result.service);
    const log = { apiService: externalMetricsApiService.name, action: result.action };
    if (result.action === 'taken-over')
      this.options.logger.warn(
        log,
        `took over APIService ${externalMetricsApiService.name} (externalMetrics.apiService.takeOver)`,
      );
    else this.options.logger.info(log, `${result.action} APIService ${externalMetricsApiService.name}`);
    return result;
  }

  private async step(options: EnsureApiServiceOptions): Promise<Step> {
    const current = ownerOf(await this.read(), options.service);
    if (current.owner === 'foreign' && !options.takeOver)
      return { action: 'refused', service: current.service };
    const spec = {
      group: externalMetricsApiService.group,
      version: externalMetricsApiService.version,
      service: {
        namespace: options.service.namespace,
        name: options.service.name,
        port: options.service.port ?? 443,
      },
      // §4.1: both required; 100 is what prometheus-adapter and KEDA register with.
      groupPriorityMinimum: 100,
      versionPriority: 100,
    };
    const caBundle =
      options.caBundlePem === undefined ? undefined : Buffer.from(options.caBundlePem).toString('base64');
    const metadata = {
      name: externalMetricsApiService.name,
      labels: { 'app.kubernetes.io/managed-by': 'pdscaler' },
    };
    if (current.owner === 'absent') {
      const body = model(V1APIService, {
        metadata: model(V1ObjectMeta, metadata),
        spec: model(V1APIServiceSpec, {
          ...spec,
          service: model(ApiregistrationV1ServiceReference, spec.service),
          ...(caBundle === undefined ? { insecureSkipTLSVerify: true } : { caBundle }),
        }),
      });
      await this.api.createAPIService({ body }, requestOptions({ timeoutMs: this.timeoutMs }));
      return { action: 'created' };
    }
    // Merge patch: null removes caBundle, because insecureSkipTLSVerify "may not be true if caBundle is present" (§4.1).
    const tls =
      caBundle === undefined
        ? { insecureSkipTLSVerify: true, caBundle: null }
        : { insecureSkipTLSVerify: false, caBundle };
    await this.api.patchAPIService(
      {
        name: externalMetricsApiService.name,
        body: { metadata: { labels: metadata.labels }, spec: { ...spec, ...tls } },
      },
      requestOptions({ timeoutMs: this.timeoutMs, patch: PatchStrategy.MergePatch }),
    );
    return { action: current.owner === 'ours' ? 'updated' : 'taken-over' };
  }

  private async read(): Promise<V1APIService | undefined> {
    try {
      return await this.api.readAPIService(
        { name: externalMetricsApiService.name },
        requestOptions({ timeoutMs: this.timeoutMs }),
      );
    } catch (error) {
      if (apiErrorStatus(error) === 404) return undefined;
      throw error;
    }
  }
}
