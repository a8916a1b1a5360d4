// SPDX-License-Identifier: Apache-2.0
// The answer to `GET .../namespaces/{ns}/{metric}?labelSelector=...`: an ExternalMetricValueList read
// from the board, or the Status that says why not. Reads only: values come from `readMetric`, never
// recomputed here (docs/design.md "answers from the last Decision in memory").
import type { DecisionBoard, PublishedPolicy } from '../../loop/board.js';
import { kubeStatus, type KubeStatus } from '../kube-status.js';
import {
  isServedMetric,
  readMetric,
  roleOfMetric,
  ServedMetrics,
  type MetricReading,
  type ServedMetric,
} from '../metric-values.js';
import { formatQuantity } from '../quantity.js';
import { metricsGroup, metricsGroupVersion } from './discovery.js';
import { isKedaRequest, kedaConflictMessage } from './keda-requests.js';
import { parseLabelSelector, pinnedValue, selectorMatches, type Requirement } from './label-selector.js';

/** The label that picks a policy in `labelSelector`; also on every item. */
export const policyLabel = 'pdscaler.io/policy';
/** The role a metric belongs to, on every item so one HPA selector can tell prefill from decode. */
export const roleLabel = 'pdscaler.io/role';

/** One item (docs/reference.md §B.3.4). */
export interface ExternalMetricValue {
  readonly metricName: string;
  readonly metricLabels: Readonly<Record<string, string>>;
  /** RFC 3339, second precision, UTC. */
  readonly timestamp: string;
  /** Integer seconds a rate is averaged over (not a duration string, unlike metrics.k8s.io). */
  readonly window?: number;
  /** A canonical Quantity string. */
  readonly value: string;
}

export interface ExternalMetricValueList {
  readonly kind: 'ExternalMetricValueList';
  readonly apiVersion: typeof metricsGroupVersion;
  readonly metadata: Record<string, never>;
  readonly items: readonly ExternalMetricValue[];
}

export type MetricAnswer =
  | { readonly ok: true; readonly list: ExternalMetricValueList }
  | { readonly ok: false; readonly status: KubeStatus };

export interface MetricRequest {
  readonly namespace: string;
  readonly metric: string;
  /** The raw `labelSelector` query parameter; absent when the HPA metric has no selector (§3.6). */
  readonly labelSelector: string | undefined;
  readonly nowMs: number;
}

/** `2026-08-20T10:48:17Z`: metav1.Time drops sub-second digits (§3.4). */
export function rfc3339Seconds(atMs: number): string {
  return new Date(Math.floor(atMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function failure(status: KubeStatus): MetricAnswer {
  return { ok: false, status };
}

function notFound(metric: string, message: string): MetricAnswer {
  return failure(kubeStatus('NotFound', message, { name: metric, group: metricsGroup }));
}

function policiesIn(board: DecisionBoard, namespace: string): string {
  const names = board
    .list()
    .filter((entry) => entry.namespace === namespace)
    .map((entry) => entry.name)
    .sort();
  return names.length === 0
    ? 'no policies are published in this namespace'
    : `policies here: ${names.join(', ')}`;
}

function missingPolicyLabel(selector: string | undefined): MetricAnswer {
  const shown =
    selector === undefined || selector.trim() === ''
      ? 'no labelSelector'
      : `labelSelector ${JSON.stringify(selector)}`;
  return failure(
    kubeStatus(
      'BadRequest',
      `${shown} does not pick a pdscaler policy: the HPA metric's selector must have matchLabels ` +
        `{${JSON.stringify(policyLabel)}: <policy name>}`,
    ),
  );
}

/** The item for a good reading; `window` only when the reading is a rate over one (§3.4). */
export function externalMetricValue(
  metric: ServedMetric,
  policyName: string,
  reading: Extract<MetricReading, { ok: true }>,
): ExternalMetricValue {
  return {
    metricName: metric,
    metricLabels: { [policyLabel]: policyName, [roleLabel]: roleOfMetric(metric) },
    timestamp: rfc3339Seconds(reading.atMs),
    ...(reading.windowS === undefined ? {} : { window: Math.round(reading.windowS) }),
    value: formatQuantity(reading.value),
  };
}

/** The list for one reading, or the Status when the value is not fit to scale on (§3.4: stale → error). */
function item(entry: PublishedPolicy, metric: ServedMetric, nowMs: number): MetricAnswer {
  const reading = readMetric(entry, metric, nowMs);
  if (!reading.ok) return failure(kubeStatus('ServiceUnavailable', reading.message));
  if (!Number.isFinite(reading.value))
    return failure(
      kubeStatus('ServiceUnavailable', `${metric} of ${entry.namespace}/${entry.name} is ${reading.value}`),
    );
  return {
    ok: true,
    list: {
      kind: 'ExternalMetricValueList',
      apiVersion: metricsGroupVersion,
      metadata: {},
      items: [externalMetricValue(metric, entry.name, reading)],
    },
  };
}

function answerForPolicy(
  entry: PublishedPolicy,
  metric: ServedMetric,
  requirements: readonly Requirement[],
  nowMs: number,
): MetricAnswer {
  const labels = { [policyLabel]: entry.name, [roleLabel]: roleOfMetric(metric) };
  // The rest of the selector must hold for the item's labels: an HPA that asks for the decode role of a
  // prefill metric has a mistake worth a clear message, not a silently ignored requirement.
  if (!selectorMatches(requirements, labels))
    return notFound(
      metric,
      `metric ${metric} of policy ${entry.namespace}/${entry.name} has labels ${JSON.stringify(labels)}, ` +
        `which the labelSelector does not match`,
    );
  return item(entry, metric, nowMs);
}

/** Answers one metric request from the board. */
export function answerMetricRequest(board: DecisionBoard, request: MetricRequest): MetricAnswer {
  const { namespace, metric, labelSelector, nowMs } = request;
  const selector = parseLabelSelector(labelSelector);
  // 404 like any metric this server does not have (custom-metrics-apiserver's NewMetricNotFoundError,
  // §3.7), not 400: the request is well formed, the metric just lives on KEDA's server (§6 item 4).
  if (isKedaRequest(metric, selector.ok ? selector.requirements : []))
    return notFound(metric, kedaConflictMessage(metric, namespace));
  if (!isServedMetric(metric))
    return notFound(
      metric,
      `the server could not find the metric ${JSON.stringify(metric)}: pdscaler serves ${ServedMetrics.join(', ')}`,
    );
  if (!selector.ok) return failure(kubeStatus('BadRequest', selector.message));
  const policyName = pinnedValue(selector.requirements, policyLabel);
  if (policyName === undefined) return missingPolicyLabel(labelSelector);
  // A label value cannot hold `/`, so `find` resolves the bare name here first, then a unique name anywhere.
  const entry = board.find(policyName, namespace);
  if (entry === undefined)
    return notFound(
      metric,
      `no pdscaler policy ${JSON.stringify(policyName)} is published for namespace ${JSON.stringify(namespace)} ` +
        `(${policiesIn(board, namespace)})`,
    );
  return answerForPolicy(entry, metric, selector.requirements, nowMs);
}
