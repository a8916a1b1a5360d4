// SPDX-License-Identifier: Apache-2.0
// A KEDA scaler on 127.0.0.1:0 with a real gRPC client from the same .proto, a board the test publishes
// real decisions into, and a clock the test moves.
import { pino } from 'pino';
import type { ClientReadableStream, ServiceError, StatusObject } from '@grpc/grpc-js';
import { decide } from '../../../src/decision/decide.js';
import type { EpochMs, Observation, Role, RoleObservation } from '../../../src/decision/types.js';
import { DecisionBoard, type BoardListener, type PublishedPolicy } from '../../../src/loop/board.js';
import { connectExternalScaler, type ExternalScalerClient } from '../../../src/serving/keda/client.js';
import type { ScaledObjectRef } from '../../../src/serving/keda/proto.js';
import {
  startKedaScaler,
  type KedaScaler,
  type KedaScalerOptions,
} from '../../../src/serving/keda/server.js';
import { SelfMetrics } from '../../../src/serving/self-metrics.js';
import { makeObservation, makeSpec, t0, type LoadShape } from '../../helpers/spec.js';

/** A board that counts live subscriptions, to prove streams release theirs. */
export class CountingBoard extends DecisionBoard {
  liveSubscriptions = 0;

  override subscribe(listener: BoardListener): () => void {
    const unsubscribe = super.subscribe(listener);
    this.liveSubscriptions++;
    let released = false;
    return () => {
      if (!released) this.liveSubscriptions--;
      released = true;
      unsubscribe();
    };
  }
}

export interface PolicyShape {
  readonly name?: string;
  readonly namespace?: string;
  /** Demand in replicas' worth of load per role (see makeObservation). */
  readonly load?: LoadShape;
  /** Extra decode fields, e.g. kvCacheUsage. */
  readonly decode?: Partial<RoleObservation>;
  readonly currentReplicas?: Partial<Record<Role, number>>;
  /** Publish the spec only: no tick has finished yet. */
  readonly noDecision?: boolean;
  readonly atMs?: EpochMs;
  /** Changes the observation before the decision is made from it (drop or age fields). */
  readonly observe?: (observation: Observation) => Observation;
}

/** Publishes a policy whose decision is a real decide() of `load` at `atMs`, scale to zero allowed. */
export function publishPolicy(board: DecisionBoard, shape: PolicyShape = {}): PublishedPolicy {
  const atMs = shape.atMs ?? t0;
  const spec = makeSpec({
    name: shape.name ?? 'chat',
    namespace: shape.namespace ?? 'default',
    scaleToZero: true,
    roles: { prefill: { minReplicas: 0 }, decode: { minReplicas: 0 } },
  });
  const base = makeObservation(atMs, { ready: { prefill: 0, decode: 0 }, ...shape.load });
  const built: Observation = {
    roles: { prefill: base.roles.prefill, decode: { ...base.roles.decode, ...shape.decode } },
  };
  const observation = shape.observe?.(built) ?? built;
  const entry: PublishedPolicy = {
    namespace: spec.namespace,
    name: spec.name,
    spec,
    intervalS: 15,
    publishedAtMs: atMs,
    ...(shape.noDecision === true
      ? {}
      : { decision: decide(spec, observation, { roles: {} }, atMs).decision, observation }),
    ...(shape.currentReplicas === undefined ? {} : { currentReplicas: shape.currentReplicas }),
  };
  board.publish(entry);
  return entry;
}

/** A ScaledObject's ref as KEDA sends it, including the keys KEDA forwards for itself (§2.2). */
export function triggerRef(
  metadata: Record<string, string>,
  scaledObject: { readonly namespace?: string; readonly name?: string } = {},
): ScaledObjectRef {
  return {
    name: scaledObject.name ?? 'chat-prefill',
    namespace: scaledObject.namespace ?? 'default',
    scalerMetadata: { scalerAddress: 'pdscaler.pdscaler.svc:9090', enableTLS: 'false', ...metadata },
  };
}

export interface Harness {
  readonly board: CountingBoard;
  readonly scaler: KedaScaler;
  readonly client: ExternalScalerClient;
  readonly metrics: SelfMetrics;
  /** The scaler's clock; tests move it. */
  readonly clock: { nowMs: EpochMs };
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<Pick<KedaScalerOptions, 'logger' | 'tls' | 'keepaliveTimeMs' | 'keepaliveTimeoutMs'>> = {},
): Promise<Harness> {
  const board = new CountingBoard();
  const metrics = new SelfMetrics();
  const clock = { nowMs: t0 };
  const scaler = await startKedaScaler({
    board,
    host: '127.0.0.1',
    port: 0,
    nowMs: () => clock.nowMs,
    logger: pino({ level: 'silent' }),
    metrics,
    ...options,
  });
  const client = connectExternalScaler({ address: scaler.address });
  return {
    board,
    scaler,
    client,
    metrics,
    clock,
    close: async () => {
      client.close();
      await scaler.close();
    },
  };
}

/** The gRPC error a call failed with (fails the test if it succeeded). */
export async function callError(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded; an error was expected');
}

/** Everything a server stream delivers, and how it ended. */
export interface Collected<T> {
  readonly messages: T[];
  /** The stream's final status (OK when the server ended it). */
  readonly status: Promise<StatusObject>;
  /** Resolves once `count` messages have arrived. */
  received(count: number): Promise<T[]>;
}

export function collect<T>(stream: ClientReadableStream<T>): Collected<T> {
  const messages: T[] = [];
  const waiters: { count: number; resolve: (messages: T[]) => void; reject: (error: Error) => void }[] = [];
  stream.on('data', (message: T) => {
    messages.push(message);
    for (const waiter of waiters.filter((w) => messages.length >= w.count)) waiter.resolve([...messages]);
  });
  // A stream that ended with an error emits 'error' and then 'status'; the status carries the code.
  stream.on('error', () => undefined);
  const status = new Promise<StatusObject>((resolve) => stream.on('status', resolve));
  void status.then((ended) => {
    for (const waiter of waiters.filter((w) => messages.length < w.count))
      waiter.reject(
        new Error(`stream ended (${ended.details}) after ${messages.length} of ${waiter.count} messages`),
      );
  });
  return {
    messages,
    status,
    received: (count) =>
      messages.length >= count
        ? Promise.resolve([...messages])
        : new Promise((resolve, reject) => waiters.push({ count, resolve, reject })),
  };
}
