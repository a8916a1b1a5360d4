// SPDX-License-Identifier: Apache-2.0
// A typed client for the ExternalScaler service built from the same .proto, calling it as KEDA does
// (docs/reference.md §B.2.3): for the benchmark, the wire tests and probing a running scaler.
import {
  Client,
  credentials as channelCredentials,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  type MethodDefinition,
} from '@grpc/grpc-js';
import {
  externalScalerService,
  type GetMetricSpecResponse,
  type GetMetricsRequest,
  type GetMetricsResponse,
  type IsActiveResponse,
  type ScaledObjectRef,
} from './proto.js';

export interface ExternalScalerClient {
  isActive(ref: ScaledObjectRef): Promise<IsActiveResponse>;
  getMetricSpec(ref: ScaledObjectRef): Promise<GetMetricSpecResponse>;
  getMetrics(request: GetMetricsRequest): Promise<GetMetricsResponse>;
  streamIsActive(ref: ScaledObjectRef): ClientReadableStream<IsActiveResponse>;
  streamMetricSpec(ref: ScaledObjectRef): ClientReadableStream<GetMetricSpecResponse>;
  close(): void;
}

export function connectExternalScaler(options: {
  /** `host:port`, like a trigger's scalerAddress. */
  readonly address: string;
  /** @default plaintext */
  readonly credentials?: ChannelCredentials;
  /** e.g. `grpc.ssl_target_name_override` to check the certificate against a DNS name. */
  readonly channelOptions?: ChannelOptions;
  /** Per unary call; KEDA's HPA path allows ~3 s for all calls together (§2.3). @default 3000 */
  readonly deadlineMs?: number;
}): ExternalScalerClient {
  const service = externalScalerService();
  const client = new Client(
    options.address,
    options.credentials ?? channelCredentials.createInsecure(),
    options.channelOptions,
  );
  const deadlineMs = options.deadlineMs ?? 3000;
  const unary = <Req, Res>(method: MethodDefinition<Req, Res>, request: Req): Promise<Res> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        { deadline: Date.now() + deadlineMs },
        (error, response) => {
          if (error !== null) reject(error);
          else if (response === undefined) reject(new Error(`${method.path} returned no message`));
          else resolve(response);
        },
      );
    });
  const stream = <Res>(
    method: MethodDefinition<ScaledObjectRef, Res>,
    ref: ScaledObjectRef,
  ): ClientReadableStream<Res> =>
    client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, ref);
  return {
    isActive: (ref) => unary(service.IsActive, ref),
    getMetricSpec: (ref) => unary(service.GetMetricSpec, ref),
    getMetrics: (request) => unary(service.GetMetrics, request),
    streamIsActive: (ref) => stream(service.StreamIsActive, ref),
    streamMetricSpec: (ref) => stream(service.StreamMetricSpec, ref),
    close: () => {
      client.close();
    },
  };
}
