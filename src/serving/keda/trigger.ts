// SPDX-License-Identifier: Apache-2.0
// A KEDA trigger's `metadata` (forwarded as ScaledObjectRef.scalerMetadata, docs/reference.md §B
// §2.2) parsed into what pdscaler serves for it, and resolved against the published policies. Every
// bad value names its key, so the owner can fix the ScaledObject from KEDA's KEDAScalerFailed event.
import { status } from '@grpc/grpc-js';
import { Roles, type Role } from '../../decision/types.js';
import type { DecisionBoard, PublishedPolicy } from '../../loop/board.js';
import {
  desiredReplicasMetric,
  isServedMetric,
  roleOfMetric,
  ServedMetrics,
  type ServedMetric,
} from '../metric-values.js';
import { kedaMetricName } from './metric-name.js';
import type { ScaledObjectRef } from './proto.js';
import { invalidArgument, ScalerError } from './scaler-error.js';

export interface TriggerMetadata {
  /** `name` or `namespace/name` as written. */
  readonly policy: string;
  readonly role: Role;
  readonly metric: ServedMetric;
  /** Per-replica target the HPA divides by (AverageValue, §2.5). */
  readonly target: number;
  /** Active when the value is above this (§2.6: KEDA leaves activation to the scaler). */
  readonly activationThreshold: number;
}

export interface ResolvedTrigger extends TriggerMetadata {
  readonly entry: PublishedPolicy;
  readonly metricName: string;
}

const ownKeys = ['policy', 'role', 'metric', 'target', 'activationThreshold'];
/** Keys KEDA itself reads and forwards with every call (§2.1, §2.2; tlsCertFile before v2.17). */
const kedaKeys = ['scalerAddress', 'enableTLS', 'unsafeSsl', 'tlsCertFile'];

const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(key: string, text: string, rule: (n: number) => boolean, expected: string): number {
  const value = decimal.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || !rule(value))
    throw invalidArgument(`scalerMetadata.${key} must be ${expected}, got ${JSON.stringify(text)}`);
  return value;
}

function parsePolicy(text: string | undefined): string {
  if (text === undefined || text === '')
    throw invalidArgument('scalerMetadata.policy is required: the pdscaler policy as name or namespace/name');
  const parts = text.split('/');
  if (parts.length > 2 || parts.some((part) => part === ''))
    throw invalidArgument(
      `scalerMetadata.policy must be name or namespace/name, got ${JSON.stringify(text)}`,
    );
  return text;
}

function parseRole(text: string | undefined): Role {
  const role = Roles.find((r) => r === text);
  if (role === undefined)
    throw invalidArgument(
      `scalerMetadata.role must be prefill or decode, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`,
    );
  return role;
}

function parseMetric(text: string | undefined, role: Role): ServedMetric {
  if (text === undefined) return desiredReplicasMetric(role);
  if (!isServedMetric(text))
    throw invalidArgument(
      `scalerMetadata.metric must be one of ${ServedMetrics.join(', ')}, got ${JSON.stringify(text)}`,
    );
  if (roleOfMetric(text) !== role)
    throw invalidArgument(
      `scalerMetadata.metric ${text} belongs to role ${roleOfMetric(text)}, not to scalerMetadata.role ${role}`,
    );
  return text;
}

function parseTarget(text: string | undefined, role: Role, metric: ServedMetric): number {
  if (text !== undefined) return parseNumber('target', text, (n) => n > 0, 'a positive number');
  // Desired replicas divided by a target of 1 is the replica count itself (AverageValue, §2.5); any
  // other metric's per-replica target is the owner's choice.
  if (metric === desiredReplicasMetric(role)) return 1;
  throw invalidArgument(
    `scalerMetadata.target is required for metric ${metric}: the value one replica should carry`,
  );
}

function rejectUnknownKeys(metadata: Readonly<Record<string, string>>): void {
  const unknown = Object.keys(metadata).filter((key) => !ownKeys.includes(key) && !kedaKeys.includes(key));
  const first = unknown.sort()[0];
  if (first !== undefined)
    throw invalidArgument(
      `scalerMetadata.${first} is not a pdscaler key (a typo would silently use a default); known keys: ${ownKeys.join(', ')}`,
    );
}

/** The trigger `metadata`, validated; throws an INVALID_ARGUMENT ScalerError naming the bad key. */
export function parseTriggerMetadata(metadata: Readonly<Record<string, string>>): TriggerMetadata {
  const policy = parsePolicy(metadata.policy);
  const role = parseRole(metadata.role);
  const metric = parseMetric(metadata.metric, role);
  const target = parseTarget(metadata.target, role, metric);
  const threshold = metadata.activationThreshold;
  const activationThreshold =
    threshold === undefined
      ? 0
      : parseNumber('activationThreshold', threshold, (n) => n >= 0, 'a number >= 0');
  rejectUnknownKeys(metadata);
  return { policy, role, metric, target, activationThreshold };
}

/** Enough of the published policies to spot a typo, without a kilobyte-long KEDA event. */
const listedPolicies = 20;

function knownPolicies(board: DecisionBoard): string {
  const known = board
    .list()
    .map((e) => `${e.namespace}/${e.name}`)
    .sort();
  if (known.length === 0) return 'none yet';
  const more = known.length - listedPolicies;
  return known.slice(0, listedPolicies).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/** The published policy a parsed trigger names; a bare name looks in the ScaledObject's namespace first. */
export function findPolicy(
  board: DecisionBoard,
  metadata: TriggerMetadata,
  namespace: string,
): ResolvedTrigger {
  const entry = board.find(metadata.policy, namespace);
  if (entry === undefined) {
    const where = metadata.policy.includes('/')
      ? ''
      : ` in namespace ${JSON.stringify(namespace)} or uniquely elsewhere`;
    throw new ScalerError(
      status.NOT_FOUND,
      `policy ${JSON.stringify(metadata.policy)} not found${where}; published policies: ${knownPolicies(board)}`,
    );
  }
  return { ...metadata, entry, metricName: kedaMetricName(entry.namespace, entry.name, metadata.metric) };
}

/** Parses and resolves a ScaledObjectRef in one go (every unary call does this; it is cheap). */
export function resolveTrigger(board: DecisionBoard, ref: ScaledObjectRef | null): ResolvedTrigger {
  const metadata = parseTriggerMetadata(ref?.scalerMetadata ?? {});
  return findPolicy(board, metadata, ref?.namespace ?? '');
}
