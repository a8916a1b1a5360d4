// SPDX-License-Identifier: Apache-2.0
// PodApi over `@kubernetes/client-node`: CoreV1Api for lists (paged), Watch for the event stream.
import { CoreV1Api, Observable, Watch, type KubeConfig, type V1PodList } from '@kubernetes/client-node';
import { describeApiError } from '../../kube/api-error.js';
import type { PodApi, PodList, PodWatchQuery, PodWatchSink } from './pods.js';

export interface KubePodApiOptions {
  /** Page size of a list; a role has tens of pods, so one page is the norm. @default 500 */
  readonly pageSize?: number;
  /** Deadline of each list request in ms. @default 30000 */
  readonly listTimeoutMs?: number;
}

/** A PodApi for the cluster `config` points at. */
export function kubePodApi(config: KubeConfig, options: KubePodApiOptions = {}): PodApi {
  const core = config.makeApiClient(CoreV1Api);
  const watcher = new Watch(config);
  const pageSize = options.pageSize ?? 500;
  const listTimeoutMs = options.listTimeoutMs ?? 30_000;

  async function listPage(
    namespace: string,
    labelSelector: string,
    cont: string | undefined,
  ): Promise<V1PodList> {
    const signal = AbortSignal.timeout(listTimeoutMs);
    try {
      return await core.listNamespacedPod(
        { namespace, labelSelector, limit: pageSize, ...(cont === undefined ? {} : { _continue: cont }) },
        {
          middleware: [
            {
              // The generated client takes an abort signal only through request middleware.
              pre: (context) => {
                context.setSignal(signal);
                return new Observable(Promise.resolve(context));
              },
              post: (context) => new Observable(Promise.resolve(context)),
            },
          ],
          middlewareMergeStrategy: 'append',
        },
      );
    } catch (error) {
      throw describeApiError(error);
    }
  }

  return {
    async list(namespace: string, labelSelector: string): Promise<PodList> {
      const items: V1PodList['items'] = [];
      let cont: string | undefined;
      let resourceVersion = '';
      do {
        const page = await listPage(namespace, labelSelector, cont);
        items.push(...page.items);
        // Every page of one paged list shares the snapshot's resourceVersion.
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        cont = page.metadata?._continue === '' ? undefined : page.metadata?._continue;
      } while (cont !== undefined);
      return { items, resourceVersion };
    },

    async watch(query: PodWatchQuery, sink: PodWatchSink): Promise<{ stop(): void }> {
      const path = `/api/v1/namespaces/${encodeURIComponent(query.namespace)}/pods`;
      const controller = await watcher.watch(
        path,
        {
          labelSelector: query.labelSelector,
          resourceVersion: query.resourceVersion,
          allowWatchBookmarks: true,
        },
        (type: string, object: unknown) => {
          sink.event(type, object);
        },
        (error: unknown) => {
          sink.done(error);
        },
      );
      return {
        stop: () => {
          controller.abort();
        },
      };
    },
  };
}
