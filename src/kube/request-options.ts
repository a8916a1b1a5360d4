// SPDX-License-Identifier: Apache-2.0
// Per-call options for client-node's generated APIs: a deadline (and an optional caller signal) and,
// for PATCH, the content type. The generated client takes both only through request middleware.
import { Observable, type ConfigurationOptions, type PatchStrategy } from '@kubernetes/client-node';

export interface RequestOptions {
  /** Deadline of this one request in ms. */
  readonly timeoutMs: number;
  /**
   * Aborts the request early, e.g. when the caller's tick is cancelled. Pass a short-lived signal:
   * every request registers on it, so a process-long signal would accumulate registrations.
   */
  readonly signal?: AbortSignal | undefined;
  /** PATCH body format; the generated client would otherwise send a JSON patch content type. */
  readonly patch?: PatchStrategy;
}

/** ConfigurationOptions that abort the request after `timeoutMs` and set the patch content type. */
export function requestOptions(options: RequestOptions): ConfigurationOptions {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const { patch } = options;
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          if (patch !== undefined) context.setHeaderParam('Content-Type', patch);
          return new Observable(Promise.resolve(context));
        },
        post: (context) => new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}
