// SPDX-License-Identifier: Apache-2.0
// Result values of the Prometheus source. Every failure is a value with a stable code, never a thrown
// exception and never a silent 0: a signal whose query fails stays unknown, with the reason attached.

export const PromErrorCodes = [
  /** The query matched no series: the signal is unknown (not 0). */
  'PROM_EMPTY',
  /** Several series where the template promises one (a missing aggregation, or a label collision). */
  'PROM_MULTIPLE_SERIES',
  /** The value is NaN, +Inf or -Inf (e.g. a quantile or a mean over a window with no requests). */
  'PROM_NAN',
  /** Non-2xx status without a Prometheus error body (a proxy, a crash, an overload). */
  'PROM_HTTP',
  /** The body is not JSON. */
  'PROM_NOT_JSON',
  /** Prometheus answered `status: "error"`; the message carries its errorType and error. */
  'PROM_ERROR',
  /** No complete answer within the timeout. */
  'PROM_TIMEOUT',
  /** Connection refused, reset, DNS failure or a connection closed mid-body. */
  'PROM_UNREACHABLE',
  /** A result type other than vector or scalar (matrix, string, native histogram samples). */
  'PROM_BAD_RESULT_TYPE',
  /** JSON of the wrong shape: missing fields, a value that is not a number string. */
  'PROM_BAD_RESPONSE',
  /** The body is larger than the configured cap. */
  'PROM_TOO_LARGE',
  /** The caller's AbortSignal fired (e.g. the tick deadline). */
  'PROM_ABORTED',
  /** The query could not be built: invalid options or template; nothing was sent. */
  'PROM_BAD_QUERY',
] as const;
export type PromErrorCode = (typeof PromErrorCodes)[number];

/** Why a Prometheus query gave no usable value. */
export interface PromError {
  readonly code: PromErrorCode;
  readonly message: string;
}

/** A value or the reason there is none. */
export type PromResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PromError };

/** Wraps a value as a successful result. */
export function ok<T>(value: T): PromResult<T> {
  return { ok: true, value };
}

/** Wraps a code and message as a failed result. */
export function fail<T>(code: PromErrorCode, message: string): PromResult<T> {
  return { ok: false, error: { code, message } };
}
