// SPDX-License-Identifier: Apache-2.0
// `metav1.Status` failure bodies, the error shape every Kubernetes API client expects: client-go turns
// `message` into the error the HPA shows in its events (docs/reference.md §B.3.7).
import type { ServerResponse } from 'node:http';

/** The `reason` values this server answers with, by the HTTP code each one goes with (§3.7). */
export const StatusReasons = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const;
export type StatusReason = keyof typeof StatusReasons;

/** `details` of a Status: which object the failure is about. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
}

export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** A failure Status; the HTTP code follows from `reason`. */
export function kubeStatus(reason: StatusReason, message: string, details?: StatusDetails): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code: StatusReasons[reason],
  };
}

/** Writes `body` as JSON with its status code (Status bodies and API objects alike). */
export function writeJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers with a Status and its code. */
export function writeStatus(res: ServerResponse, status: KubeStatus): void {
  writeJson(res, status.code, status);
}
