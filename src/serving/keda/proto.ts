// SPDX-License-Identifier: Apache-2.0
// Loads the KEDA external scaler service from proto/externalscaler.proto and types its messages as
// @grpc/proto-loader decodes them (keepCase, defaults, int64 as JS numbers: docs/reference.md §B.1).
// The server, the benchmark and the tests all build on this one definition.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** Identifies the ScaledObject and carries its trigger's `metadata` map (§2.2). */
export interface ScaledObjectRef {
  readonly name: string;
  readonly namespace: string;
  readonly scalerMetadata: Readonly<Record<string, string>>;
}

export interface IsActiveResponse {
  readonly result: boolean;
}

export interface MetricSpec {
  readonly metricName: string;
  /** Deprecated int64 target, still read by KEDA < 2.17 (§1). */
  readonly targetSize: number;
  readonly targetSizeFloat: number;
}

export interface GetMetricSpecResponse {
  readonly metricSpecs: readonly MetricSpec[];
}

export interface GetMetricsRequest {
  /** `null` when the client left it out (proto-loader `defaults` decodes absent messages as null). */
  readonly scaledObjectRef: ScaledObjectRef | null;
  readonly metricName: string;
}

export interface MetricValue {
  readonly metricName: string;
  /** Deprecated int64 value, still read by KEDA < 2.17 (§1). */
  readonly metricValue: number;
  readonly metricValueFloat: number;
}

export interface GetMetricsResponse {
  readonly metricValues: readonly MetricValue[];
}

/** The `externalscaler.ExternalScaler` service with each method's message types (§1, RPC table). */
// A type alias, not an interface, so it is assignable to grpc-js's index-signature ServiceDefinition.
export type ExternalScalerService = {
  readonly IsActive: MethodDefinition<ScaledObjectRef, IsActiveResponse>;
  readonly StreamIsActive: MethodDefinition<ScaledObjectRef, IsActiveResponse>;
  readonly GetMetricSpec: MethodDefinition<ScaledObjectRef, GetMetricSpecResponse>;
  readonly GetMetrics: MethodDefinition<GetMetricsRequest, GetMetricsResponse>;
  readonly StreamMetricSpec: MethodDefinition<ScaledObjectRef, GetMetricSpecResponse>;
};

export type ExternalScalerMethod = keyof ExternalScalerService;

const methods: readonly ExternalScalerMethod[] = [
  'IsActive',
  'StreamIsActive',
  'GetMetricSpec',
  'GetMetrics',
  'StreamMetricSpec',
];
const serviceName = 'externalscaler.ExternalScaler';
const protoFile = 'proto/externalscaler.proto';

/**
 * The .proto stays at the package root while this module runs from src/serving/keda (tsx, vitest) or
 * dist/src/serving/keda (tsconfig.build.json: outDir dist, rootDir .), so walk up to the nearest
 * folder with a package.json, as policy/load.ts does.
 */
function protoPath(): string {
  let folder = new URL('./', import.meta.url);
  while (!existsSync(new URL('package.json', folder))) {
    const parent = new URL('../', folder);
    if (parent.href === folder.href)
      throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
  const path = fileURLToPath(new URL(protoFile, folder));
  if (!existsSync(path)) throw new Error(`${path} is missing: the package ships ${protoFile}`);
  return path;
}

function loadService(): ExternalScalerService {
  const definition = loadSync(protoPath(), { keepCase: true, longs: Number, defaults: true });
  const service = definition[serviceName];
  if (service === undefined) throw new Error(`${protoFile} does not define ${serviceName}`);
  for (const method of methods) {
    const path = (service as Record<string, { path?: unknown } | undefined>)[method]?.path;
    if (path !== `/${serviceName}/${method}`)
      throw new Error(`${protoFile}: ${serviceName} has no method ${method}`);
  }
  // proto-loader types messages as `object`; the interfaces above mirror the .proto field for field.
  return service as unknown as ExternalScalerService;
}

let loaded: ExternalScalerService | undefined;

/** The service definition, loaded once per process. */
export function externalScalerService(): ExternalScalerService {
  loaded ??= loadService();
  return loaded;
}
