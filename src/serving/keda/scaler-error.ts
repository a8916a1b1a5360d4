// SPDX-License-Identifier: Apache-2.0
// The error a KEDA scaler call ends with: a gRPC status code and a message for the ScaledObject's
// owner. KEDA shows the message in its KEDAScalerFailed event and the HPA keeps its replicas (§2.7).
import { status } from '@grpc/grpc-js';

export class ScalerError extends Error {
  readonly code: status;

  constructor(code: status, message: string) {
    super(message);
    this.name = 'ScalerError';
    this.code = code;
  }
}

/** A bad trigger `metadata` value: the owner must fix the ScaledObject. */
export function invalidArgument(message: string): ScalerError {
  return new ScalerError(status.INVALID_ARGUMENT, message);
}
