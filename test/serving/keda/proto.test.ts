// SPDX-License-Identifier: Apache-2.0
// proto/externalscaler.proto against KEDA's wire contract: method paths, streaming shapes and the
// field numbers and types of the message table in docs/reference.md §B.1, checked on the
// encoded bytes (KEDA's Go client decodes by field number, not by name).
import { describe, expect, it } from 'vitest';
import { externalScalerService } from '../../../src/serving/keda/proto.js';

const service = externalScalerService();

/** A length-delimited field (wire type 2). */
const bytesField = (field: number, payload: number[]): number[] => [
  (field << 3) | 2,
  payload.length,
  ...payload,
];
const stringField = (field: number, text: string): number[] => bytesField(field, [...Buffer.from(text)]);
/** A varint field (wire type 0), small values only. */
const varintField = (field: number, value: number): number[] => [field << 3, value];
/** A double field (wire type 1), little-endian IEEE 754. */
const doubleField = (field: number, value: number): number[] => {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleLE(value);
  return [(field << 3) | 1, ...buffer];
};

describe('externalscaler.ExternalScaler', () => {
  it.each([
    { method: 'IsActive', requestStream: false, responseStream: false },
    { method: 'StreamIsActive', requestStream: false, responseStream: true },
    { method: 'GetMetricSpec', requestStream: false, responseStream: false },
    { method: 'GetMetrics', requestStream: false, responseStream: false },
    { method: 'StreamMetricSpec', requestStream: false, responseStream: true },
  ] as const)('serves $method at its KEDA path', ({ method, requestStream, responseStream }) => {
    expect(service[method]).toMatchObject({
      path: `/externalscaler.ExternalScaler/${method}`,
      requestStream,
      responseStream,
    });
  });

  it('encodes ScaledObjectRef as name = 1, namespace = 2, map scalerMetadata = 3', () => {
    const encoded = service.IsActive.requestSerialize({
      name: 'so',
      namespace: 'ns',
      scalerMetadata: { k: 'v' },
    });
    const entry = [...stringField(1, 'k'), ...stringField(2, 'v')];
    expect([...encoded]).toEqual([...stringField(1, 'so'), ...stringField(2, 'ns'), ...bytesField(3, entry)]);
  });

  it('encodes IsActiveResponse as bool result = 1', () => {
    expect([...service.IsActive.responseSerialize({ result: true })]).toEqual(varintField(1, 1));
  });

  it('encodes MetricSpec as metricName = 1, int64 targetSize = 2, double targetSizeFloat = 3', () => {
    const encoded = service.GetMetricSpec.responseSerialize({
      metricSpecs: [{ metricName: 'm', targetSize: 2, targetSizeFloat: 1.5 }],
    });
    const spec = [...stringField(1, 'm'), ...varintField(2, 2), ...doubleField(3, 1.5)];
    expect([...encoded]).toEqual(bytesField(1, spec));
  });

  it('encodes GetMetricsRequest as scaledObjectRef = 1, metricName = 2', () => {
    const encoded = service.GetMetrics.requestSerialize({
      scaledObjectRef: { name: 'so', namespace: 'ns', scalerMetadata: {} },
      metricName: 'm',
    });
    const ref = [...stringField(1, 'so'), ...stringField(2, 'ns')];
    expect([...encoded]).toEqual([...bytesField(1, ref), ...stringField(2, 'm')]);
  });

  it('encodes MetricValue as metricName = 1, int64 metricValue = 2, double metricValueFloat = 3', () => {
    const encoded = service.GetMetrics.responseSerialize({
      metricValues: [{ metricName: 'm', metricValue: 3, metricValueFloat: 0.42 }],
    });
    const value = [...stringField(1, 'm'), ...varintField(2, 3), ...doubleField(3, 0.42)];
    expect([...encoded]).toEqual(bytesField(1, value));
  });

  it('decodes int64 fields as JS numbers and absent fields as defaults', () => {
    const decoded = service.GetMetrics.responseDeserialize(
      Buffer.from(bytesField(1, [...stringField(1, 'm'), ...varintField(2, 7)])),
    );
    expect(decoded).toEqual({ metricValues: [{ metricName: 'm', metricValue: 7, metricValueFloat: 0 }] });
    expect(service.GetMetrics.requestDeserialize(Buffer.from(stringField(2, 'm')))).toEqual({
      scaledObjectRef: null,
      metricName: 'm',
    });
  });
});
