// SPDX-License-Identifier: Apache-2.0
// What a failed Kubernetes API call means, read from client-node's ApiException: the HTTP status, the
// Status message and the `Retry-After` header, so callers log one line and decide whether to retry.
import { ApiException } from '@kubernetes/client-node';

/** `HTTP 403: pods is forbidden: …`, not client-node's whole response dump. */
export function describeApiError(error: unknown): Error {
  if (!(error instanceof ApiException)) return error instanceof Error ? error : new Error(String(error));
  const body: unknown = error.body;
  let detail = '';
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      detail = typeof parsed.message === 'string' ? parsed.message : body.slice(0, 200);
    } catch {
      detail = body.slice(0, 200);
    }
  }
  return new Error(`HTTP ${error.code}${detail === '' ? '' : `: ${detail}`}`, { cause: error });
}

/** The HTTP status of a failed call; undefined when no response arrived (network error, timeout). */
export function apiErrorStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/**
 * The server's `Retry-After` in ms, when it sent one in seconds (the apiserver's form: priority and
 * fairness and max-in-flight answer 429 with `Retry-After: 1`). An HTTP-date is ignored.
 */
export function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  // client-node copies fetch's headers, whose names are lower case.
  const headers = error.headers as Record<string, string | undefined> | undefined;
  const value = headers?.['retry-after']?.trim();
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value) * 1000;
}
