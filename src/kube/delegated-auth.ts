// SPDX-License-Identifier: Apache-2.0
// AuthDelegate over `@kubernetes/client-node`: reads and watches the
// `kube-system/extension-apiserver-authentication` ConfigMap, and posts TokenReviews and
// SubjectAccessReviews (docs/reference.md §B.4.2, §B.4.3). Transport only: caching and
// every decision live in src/serving/auth.
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  V1NonResourceAttributes,
  V1ResourceAttributes,
  V1SubjectAccessReview,
  V1SubjectAccessReviewSpec,
  V1TokenReview,
  V1TokenReviewSpec,
  Watch,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import {
  authenticationConfigMap,
  authenticationReaderFix,
  parseAuthenticationConfig,
} from '../serving/auth/authentication-config.js';
import type {
  AccessDecision,
  AccessReview,
  AuthDelegate,
  AuthenticationConfig,
  TokenReviewResult,
} from '../serving/auth/delegate.js';
import {
  backoffDelayMs,
  resolveBackoff,
  type BackoffOptions,
  type ResolvedBackoff,
} from '../sources/discovery/backoff.js';
import { systemTimers, type Timers } from '../sources/discovery/pods.js';
import type { Logger } from '../telemetry/logger.js';
import { describeApiError } from './api-error.js';
import { model } from './models.js';
import { requestOptions } from './request-options.js';

export interface DelegatedAuthOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /**
   * Deadline of each review and read in ms. @default 5000: the aggregator gives up on a proxied
   * request after 5 s (docs/reference.md §B.3.11), so a slower review is useless.
   */
  readonly requestTimeoutMs?: number;
  /** Re-reading the ConfigMap after its watch ends. @default client-go's reflector schedule */
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** @default Date.now */
  readonly nowMs?: () => number;
}

export interface DelegatedAuth extends AuthDelegate {
  /** Stops watching the ConfigMap. */
  close(): void;
}

function reviewSpec(review: AccessReview): V1SubjectAccessReviewSpec {
  const { user, attributes } = review;
  const subject = {
    user: user.username,
    groups: [...user.groups],
    extra: Object.fromEntries(Object.entries(user.extra).map(([key, values]) => [key, [...values]])),
    ...(user.uid === undefined ? {} : { uid: user.uid }),
  };
  if (attributes.kind === 'nonResource')
    return model(V1SubjectAccessReviewSpec, {
      ...subject,
      nonResourceAttributes: model(V1NonResourceAttributes, { path: attributes.path, verb: attributes.verb }),
    });
  const { namespace, verb, group, version, resource } = attributes;
  return model(V1SubjectAccessReviewSpec, {
    ...subject,
    resourceAttributes: model(V1ResourceAttributes, { namespace, verb, group, version, resource }),
  });
}

interface FollowerSettings {
  readonly core: CoreV1Api;
  readonly watcher: Watch;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly backoff: ResolvedBackoff;
  readonly timers: Timers;
  readonly nowMs: () => number;
}

/** The ConfigMap watch: re-read and re-watch with backoff whenever the stream ends (client-go reflector). */
class ConfigMapFollower {
  private config: AuthenticationConfig;
  private readonly settings: FollowerSettings;
  private readonly listeners = new Set<(config: AuthenticationConfig) => void>();
  private stopWatch: (() => void) | undefined;
  private retryTimer: unknown;
  private attempt = 0;
  private closed = false;

  constructor(settings: FollowerSettings, initial: AuthenticationConfig) {
    this.settings = settings;
    this.config = initial;
  }

  current(): AuthenticationConfig {
    return this.config;
  }

  subscribe(listener: (config: AuthenticationConfig) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adopts the ConfigMap's data when it changed; a malformed update keeps the previous configuration. */
  apply(configMap: V1ConfigMap): void {
    let next: AuthenticationConfig;
    try {
      next = parseAuthenticationConfig(configMap.data ?? {});
    } catch (error) {
      this.settings.logger.error({ err: error }, 'ignoring a malformed authentication ConfigMap update');
      return;
    }
    if (JSON.stringify(next) === JSON.stringify(this.config)) return;
    this.config = next;
    this.settings.logger.info('authentication ConfigMap changed');
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (error) {
        // One failing consumer must not keep the others on the old CAs.
        this.settings.logger.error({ err: error }, 'an authentication config listener failed');
      }
    }
  }

  async watchFrom(resourceVersion: string): Promise<void> {
    const { namespace, name } = authenticationConfigMap;
    const startedMs = this.settings.nowMs();
    const controller = await this.settings.watcher.watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      // The reader Role grants list/watch only for this name, which RBAC checks via the field selector (§4.4).
      { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true },
      (type: string, object: V1ConfigMap) => {
        if ((type === 'ADDED' || type === 'MODIFIED') && object.metadata?.name === name) this.apply(object);
        if (type === 'DELETED' && object.metadata?.name === name)
          this.settings.logger.warn(
            'the authentication ConfigMap was deleted; keeping the last configuration',
          );
      },
      (error: unknown) => {
        this.onWatchEnd(error, startedMs);
      },
    );
    if (this.closed) controller.abort();
    else
      this.stopWatch = () => {
        controller.abort();
      };
  }

  private onWatchEnd(error: unknown, startedMs: number): void {
    this.stopWatch = undefined;
    if (this.closed) return;
    if (this.settings.nowMs() - startedMs >= this.settings.backoff.resetAfterMs) this.attempt = 0;
    const delayMs = backoffDelayMs(this.settings.backoff, this.attempt++);
    if (error !== null && error !== undefined)
      this.settings.logger.debug({ err: error, delayMs }, 'authentication ConfigMap watch ended');
    this.retryTimer = this.settings.timers.setTimeout(() => {
      void this.resync();
    }, delayMs);
  }

  private async resync(): Promise<void> {
    const { namespace, name } = authenticationConfigMap;
    try {
      const configMap = await this.settings.core.readNamespacedConfigMap(
        { namespace, name },
        requestOptions({ timeoutMs: this.settings.timeoutMs }),
      );
      if (this.closed) return;
      this.apply(configMap);
      await this.watchFrom(configMap.metadata?.resourceVersion ?? '');
    } catch (error) {
      this.settings.logger.warn(
        { err: describeApiError(error).message },
        'cannot re-read the authentication ConfigMap',
      );
      this.onWatchEnd(null, this.settings.nowMs());
    }
  }

  close(): void {
    this.closed = true;
    this.stopWatch?.();
    if (this.retryTimer !== undefined) this.settings.timers.clearTimeout(this.retryTimer);
  }
}

async function readInitial(core: CoreV1Api, timeoutMs: number): Promise<V1ConfigMap> {
  const { namespace, name } = authenticationConfigMap;
  try {
    return await core.readNamespacedConfigMap({ namespace, name }, requestOptions({ timeoutMs }));
  } catch (error) {
    throw new Error(
      `Unable to get configmap/${name} in ${namespace} (${describeApiError(error).message}). ${authenticationReaderFix}`,
      { cause: error },
    );
  }
}

/**
 * Reads the authentication ConfigMap (rejects, naming the RoleBinding fix, when it cannot: §4.4), starts
 * watching it and returns the delegate.
 */
export async function startDelegatedAuth(options: DelegatedAuthOptions): Promise<DelegatedAuth> {
  const { kubeConfig } = options;
  const logger = options.logger.child({ component: 'delegated-auth' });
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const authentication = kubeConfig.makeApiClient(AuthenticationV1Api);
  const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  const initial = await readInitial(core, timeoutMs);
  const follower = new ConfigMapFollower(
    {
      core,
      watcher: new Watch(kubeConfig),
      logger,
      timeoutMs,
      backoff: resolveBackoff(options.backoff),
      timers: options.timers ?? systemTimers,
      nowMs: options.nowMs ?? Date.now,
    },
    parseAuthenticationConfig(initial.data ?? {}),
  );
  await follower.watchFrom(initial.metadata?.resourceVersion ?? '');

  return {
    authenticationConfig: () => follower.current(),
    onAuthenticationConfigChange: (listener) => follower.subscribe(listener),

    async reviewToken(token: string): Promise<TokenReviewResult> {
      let review;
      try {
        review = await authentication.createTokenReview(
          {
            body: model(V1TokenReview, {
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenReview',
              spec: model(V1TokenReviewSpec, { token }),
            }),
          },
          requestOptions({ timeoutMs }),
        );
      } catch (error) {
        throw describeApiError(error);
      }
      const status = review.status;
      if (status?.authenticated !== true || status.user?.username === undefined)
        return { authenticated: false, ...(status?.error === undefined ? {} : { error: status.error }) };
      const { username, uid, groups, extra } = status.user;
      return {
        authenticated: true,
        user: { username, ...(uid === undefined ? {} : { uid }), groups: groups ?? [], extra: extra ?? {} },
      };
    },

    async reviewAccess(review: AccessReview): Promise<AccessDecision> {
      let answer;
      try {
        answer = await authorization.createSubjectAccessReview(
          {
            body: model(V1SubjectAccessReview, {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SubjectAccessReview',
              spec: reviewSpec(review),
            }),
          },
          requestOptions({ timeoutMs }),
        );
      } catch (error) {
        throw describeApiError(error);
      }
      const reason = answer.status?.reason;
      return {
        allowed: answer.status?.allowed === true,
        ...(reason === undefined || reason === '' ? {} : { reason }),
      };
    },

    close: () => {
      follower.close();
    },
  };
}
