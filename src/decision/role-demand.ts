// SPDX-License-Identifier: Apache-2.0
// Per-role demand and the replicas it needs at the SLO, from one observation. Prefill is sized in
// prompt tokens/s, decode in concurrent conversations (docs/reference.md §D.1.3-1.4).
import { updateCorrection, type CorrectionState } from './correction.js';
import {
  crossCheckedConversations,
  decodeConcurrency,
  kvBoundBatch,
  kvOverflowZFor,
} from './decode-sizing.js';
import { forecastHeadroom, predictDemand, updateForecast } from './forecast.js';
import { moments, promptClasses, replicasForTtftQuantile, ttftSloShare } from './prefill-queue.js';
import { quantileFraction, quantileLowerBound } from './histogram-quantile.js';
import { latencyQuantileMs, signalScope } from './signals.js';
import { attainableTtftQuantile, shareAtOrAbove, unattainablePromptTokens } from './unattainable.js';
import { arrivalScv, updateArrivals } from './arrival-dispersion.js';
import { shareWithin, updateBurnRate, type WindowShare } from './slo-burn.js';
import type {
  ArrivalStats,
  BurnRateState,
  CumulativeBucket,
  DecisionSpec,
  EpochMs,
  ForecastState,
  LatencyObservation,
  Observation,
  Observed,
  Role,
  RoleObservation,
  RoleState,
} from './types.js';

export interface DemandEstimate {
  /** Fields that were required and absent (`missing`) or too old (`stale`); empty when usable. */
  readonly missing: readonly string[];
  readonly stale: readonly string[];
  readonly measured: number | undefined;
  readonly forecast: number | undefined;
  readonly horizonS: number;
  readonly unit: string;
  readonly capacityPerReplica: number | undefined;
  /** Fractional replicas needed at full SLO capacity. */
  readonly needed: number | undefined;

  readonly observedLatencyMs: number | undefined;
  readonly sloMs: number;
  readonly breach: boolean;
  readonly notes: readonly string[];
  readonly nextForecast: ForecastState | undefined;
  readonly nextCorrection: CorrectionState;
  /** The SLO feedback loop's next state (slo-burn.ts); undefined when it is off. */
  readonly nextBurnRate: BurnRateState | undefined;
  /** Prefill's arrival dispersion to remember (arrival-dispersion.ts). */
  readonly nextArrivals?: ArrivalStats | undefined;
  /** Its demand headroom factor (1: none) and the rolling burn rate behind it. */
  readonly sloHeadroom: number;
  readonly burnRate: number | undefined;
  /**
   * The expected share (0..1) of the role's requests meeting its SLO with `replicas` replicas at the
   * forecast demand, non-decreasing in `replicas`; absent when demand is unknown. The GPU budget is
   * shared by it (joint-limits.ts).
   */
  readonly sloShareAt?: (replicas: number) => number;
}

export interface DemandContext {
  readonly spec: DecisionSpec;
  readonly observation: Observation;
  readonly previous: RoleState | undefined;
  readonly nowMs: EpochMs;
  /**
   * Prefill replicas Ready or arriving within the horizon (decode only): what prefill can hand over
   * bounds decode's arrivals. Undefined when not known, as if unbounded.
   */
  readonly prefillReplicas?: number | undefined;
}

/** True when a field is known and no older than the policy's staleness limit. */
export function isFresh(spec: DecisionSpec, nowMs: EpochMs, field: Observed<unknown> | undefined): boolean {
  return field !== undefined && nowMs - field.atMs <= spec.stalenessS * 1000;
}

interface Requirement {
  readonly name: string;
  readonly field: Observed<unknown> | undefined;
}

function classify(
  spec: DecisionSpec,
  nowMs: EpochMs,
  required: readonly Requirement[],
): { missing: string[]; stale: string[] } {
  const missing = required.filter((r) => r.field === undefined || !isFiniteValue(r.field)).map((r) => r.name);
  const stale = required
    .filter((r) => r.field !== undefined && isFiniteValue(r.field) && !isFresh(spec, nowMs, r.field))
    .map((r) => r.name);
  return { missing, stale };
}

function isFiniteValue(field: Observed<unknown>): boolean {
  return typeof field.value !== 'number' || Number.isFinite(field.value);
}

interface ObservedLatency {
  readonly ms: number | undefined;
  /** The least the quantile can be given bucket resolution (histogram-quantile.ts); `ms` otherwise. */
  readonly certainMs: number | undefined;
  /** Says so when the TTFT quantile was judged over attainable requests only (unattainable.ts). */
  readonly notes: readonly string[];
}

/** The SLO quantile over the requests capacity can help: prefill's unattainable prompts left out. */
function attainableLatency(ctx: DemandContext, role: Role, latency: LatencyObservation): ObservedLatency {
  const overAll = latencyQuantileMs(latency, ctx.spec.slo.quantile);
  const q = quantileFraction(ctx.spec.slo.quantile);
  // Collectors send the buckets with the quantiles computed from them: the buckets say how sure.
  const certain = (quantile: number, ms: number | undefined): number | undefined =>
    (role === 'prefill' || ctx.spec.sizing.decode.model === 'littles-law') && latency.buckets !== undefined
      ? Math.min(ms ?? Infinity, quantileLowerBound(quantile, latency.buckets) ?? Infinity)
      : ms;
  const prompts = ctx.observation.roles[role].inputTokensBuckets;
  if (role !== 'prefill' || !ctx.spec.slo.excludeUnattainable || !isFresh(ctx.spec, ctx.nowMs, prompts))
    return { ms: overAll, certainMs: certain(q, overAll), notes: [] };
  const attainable = attainableTtftQuantile({
    capacity: ctx.spec.capacity,
    ttftSloMs: ctx.spec.slo.ttftMs,
    q,
    ttftBuckets: latency.buckets,
    promptBuckets: prompts?.value,
  });
  if (attainable === undefined) return { ms: overAll, certainMs: certain(q, overAll), notes: [] };
  const share = (attainable.unattainableShare * 100).toFixed(1);
  return {
    ms: attainable.valueMs,
    certainMs: certain(attainable.effectiveQuantile, attainable.valueMs),
    notes: [
      `TTFT judged over attainable requests: ${share}% of prompts (>= ${attainable.thresholdTokens} tokens) miss ${ctx.spec.slo.ttftMs} ms even on an idle replica, so ${ctx.spec.slo.quantile} of the rest is the p${(attainable.effectiveQuantile * 100).toFixed(1)} of all`,
    ],
  };
}

function latencyFor(ctx: DemandContext, role: Role): ObservedLatency {
  const observation = ctx.observation.roles[role];
  const latency = role === 'prefill' ? observation.ttftMs : observation.tpotMs;
  if (latency === undefined || !isFresh(ctx.spec, ctx.nowMs, latency))
    return { ms: undefined, certainMs: undefined, notes: [] };
  return attainableLatency(ctx, role, latency.value);
}

/** Decode needs a context length; it uses its own ISL/OSL and falls back to what prefill saw. */
function decodeLengths(observation: Observation): {
  input: Observed<number> | undefined;
  output: Observed<number> | undefined;
} {
  const decode = observation.roles.decode;
  const prefill = observation.roles.prefill;
  return {
    input: decode.inputTokensMean ?? prefill.inputTokensMean,
    output: decode.outputTokensMean ?? prefill.outputTokensMean,
  };
}

function activeConversations(o: RoleObservation): Observed<number> | undefined {
  if (o.activeConversations !== undefined) return o.activeConversations;
  if (o.runningRequests === undefined) return undefined;
  const waiting = o.waitingRequests;
  if (waiting === undefined) return o.runningRequests;
  return {
    value: o.runningRequests.value + waiting.value,
    atMs: Math.min(o.runningRequests.atMs, waiting.atMs),
  };
}

/** True when a demand field is fresh and exactly zero: nothing to size, whatever else is unknown. */
function knownZero(ctx: DemandContext, field: Observed<number> | undefined): boolean {
  return field !== undefined && field.value === 0 && isFresh(ctx.spec, ctx.nowMs, field);
}

/**
 * The fields a role's sizing needs. Mean lengths come from the requests that finished in the window,
 * so a window with none has no ISL/OSL; when the demand itself is a fresh, known zero they are not
 * needed (zero times any length is zero) and the role is idle rather than missing data. On bursty
 * traffic with idle gaps (Azure code: p50 of 0 req/s per 10 s) holding on those windows kept stale
 * replicas for the whole trace.
 */
function requirements(ctx: DemandContext, role: Role): Requirement[] {
  const observation = ctx.observation.roles[role];
  if (role === 'prefill') {
    const rate = { name: 'requestRatePerS', field: observation.requestRatePerS };
    if (knownZero(ctx, observation.requestRatePerS)) return [rate];
    return [rate, { name: 'inputTokensMean', field: observation.inputTokensMean }];
  }
  const active = activeConversations(observation);
  const activeField = { name: 'activeConversations', field: active };
  const lengths = decodeLengths(ctx.observation);
  const lengthFields = [
    { name: 'inputTokensMean', field: lengths.input },
    { name: 'outputTokensMean', field: lengths.output },
  ];
  if (ctx.spec.sizing.decode.model === 'littles-law') {
    // Decode's arrivals are prefill's: the request rate leaving prefill, not decode's own intake.
    const arrivals = ctx.observation.roles.prefill.requestRatePerS;
    const rate = { name: 'prefill requestRatePerS', field: arrivals };
    if (knownZero(ctx, arrivals) && (active === undefined || knownZero(ctx, active))) return [rate];
    return [rate, ...lengthFields];
  }
  if (knownZero(ctx, active)) return [activeField];
  return [activeField, ...lengthFields];
}

interface Sizing {
  readonly measured: number;
  /**
   * Replicas for a demand (in `unit`) by a queueing model, and the SLO share they give at other
   * counts; absent where replicas are demand over per-replica capacity.
   */
  readonly queue:
    ((demand: number) => { replicas: number; sloShareAt: (replicas: number) => number }) | undefined;
  readonly capacityPerReplica: number;
  /** Extra fractional replicas on top of `demand / capacity` (the queue to drain). */
  readonly extraReplicas: number;
  /** Fractional replicas required by a per-replica cap, before the forecast. */
  readonly capReplicas: (demand: number) => number;
  readonly unit: string;
  readonly notes: string[];
}

/** A field's value when it is known and fresh, else undefined (unknown is not zero). */
function freshValue(ctx: DemandContext, field: Observed<number> | undefined): number | undefined {
  return field !== undefined && isFresh(ctx.spec, ctx.nowMs, field) ? field.value : undefined;
}

/**
 * Requests held at the inference gateway are prefill demand no engine has seen yet
 * (docs/reference.md §E.1.5): queued ones drain within one TTFT SLO like the engine queue,
 * rejected or evicted ones add to the request rate. Unknown (flow control off) adds nothing.
 */
function gatewayDemand(
  ctx: DemandContext,
  at: { readonly isl: number; readonly perReplica: number },
): { extraReplicas: number; rejectedPerS: number; notes: string[] } {
  const o = ctx.observation.roles.prefill;
  const queued = freshValue(ctx, o.gatewayQueuedRequests) ?? 0;
  const rejectedPerS = freshValue(ctx, o.gatewayRejectedPerS) ?? 0;
  const notes: string[] = [];
  if (queued > 0)
    notes.push(
      `${queued} requests queued at the gateway pool, not yet seen by the engines: drained within ${ctx.spec.slo.ttftMs} ms`,
    );
  if (rejectedPerS > 0)
    notes.push(`${rejectedPerS.toFixed(2)} requests/s rejected or evicted at the gateway count as demand`);
  return {
    extraReplicas: (queued * at.isl) / (ctx.spec.slo.ttftMs / 1000) / at.perReplica,
    rejectedPerS,
    notes,
  };
}

/**
 * The TTFT quantile of the prefill queue at a demand of prompt tokens/s (prefill-queue.ts): prompt
 * classes from the window's prompt-length histogram when fresh, else all at the mean ISL. A latency
 * correction slows every prompt by its factor.
 */
function prefillQueue(
  ctx: DemandContext,
  at: { readonly isl: number; readonly factor: number; readonly arrivalScv: number },
): NonNullable<Sizing['queue']> {
  const { spec } = ctx;
  const serviceMsAt = (tokens: number): number => {
    const capacity = spec.capacity.prefill(tokens);
    return (capacity.unloadedTtftMs ?? (tokens / capacity.tokensPerSecond) * 1000) * at.factor;
  };
  const prompts = ctx.observation.roles.prefill.inputTokensBuckets;
  const fromHistogram =
    prompts !== undefined && isFresh(spec, ctx.nowMs, prompts)
      ? promptClasses(prompts.value, serviceMsAt)
      : [];
  const classes = fromHistogram.length > 0 ? fromHistogram : [{ share: 1, serviceMs: serviceMsAt(at.isl) }];
  const q = quantileFraction(spec.slo.quantile);
  return (demand) => {
    const load = {
      arrivalsPerS: demand / at.isl,
      classes,
      ttftSloMs: spec.slo.ttftMs,
      arrivalScv: at.arrivalScv,
    };
    return {
      replicas: replicasForTtftQuantile(load, q),
      sloShareAt: (replicas: number) => ttftSloShare(load, replicas),
    };
  };
}

function sizePrefill(
  ctx: DemandContext,
  at: { readonly factor: number; readonly arrivals: ArrivalStats | undefined },
): Sizing {
  const { factor } = at;
  const o = ctx.observation.roles.prefill;
  const rate = o.requestRatePerS?.value ?? 0;
  const isl = Math.max(1, o.inputTokensMean?.value ?? 1);
  const capacity = ctx.spec.capacity.prefill(isl);
  const perReplica = capacity.tokensPerSecond / factor;
  const notes: string[] = [];
  if (capacity.unloadedTtftMs !== undefined && capacity.unloadedTtftMs > ctx.spec.slo.ttftMs) {
    notes.push(
      `TTFT SLO ${ctx.spec.slo.ttftMs} ms is below the unloaded TTFT ${capacity.unloadedTtftMs.toFixed(0)} ms at ISL ${isl.toFixed(0)}: unreachable by scaling`,
    );
  }
  const waiting = o.waitingRequests;
  let extraReplicas = 0;
  if (waiting === undefined || !isFresh(ctx.spec, ctx.nowMs, waiting)) {
    notes.push('prefill queue unknown: no drain term');
  } else if (waiting.value > 0) {
    // Drain the backlog within one TTFT SLO: E.g. 12 queued x 3,000 tokens within 0.5 s is 72,000 tok/s.
    extraReplicas = (waiting.value * isl) / (ctx.spec.slo.ttftMs / 1000) / perReplica;
    notes.push(`${waiting.value} queued requests drained within ${ctx.spec.slo.ttftMs} ms`);
  }
  const gateway = gatewayDemand(ctx, { isl, perReplica });
  const cap = ctx.spec.slo.maxRequestRatePerPrefillReplica;
  const dispersion = arrivalScv(at.arrivals);
  if (dispersion > 1.05)
    notes.push(
      `arrivals burstier than Poisson: index of dispersion ${dispersion.toFixed(2)} over ${(at.arrivals?.windowS ?? 0).toFixed(0)} s windows, queued for it`,
    );
  return {
    // Without a known prompt length (an idle window) there is no request rate to queue.
    queue:
      ctx.spec.sizing.prefill.model === 'queueing' && isFresh(ctx.spec, ctx.nowMs, o.inputTokensMean)
        ? prefillQueue(ctx, { isl, factor, arrivalScv: dispersion })
        : undefined,
    measured: (rate + gateway.rejectedPerS) * isl,
    capacityPerReplica: perReplica,
    extraReplicas: extraReplicas + gateway.extraReplicas,
    capReplicas: (demand) => (cap === undefined ? 0 : demand / isl / cap),
    unit: 'prompt tokens/s',
    notes: notes.concat(gateway.notes),
  };
}

/**
 * Requests/s the prefill replicas Ready or arriving within the horizon finish at most: their
 * throughput at the window's mean prompt length. Undefined without a count or a prompt length.
 */
function prefillCapacityPerS(ctx: DemandContext): number | undefined {
  const isl = freshValue(ctx, ctx.observation.roles.prefill.inputTokensMean);
  if (ctx.prefillReplicas === undefined || isl === undefined) return undefined;
  const tokens = Math.max(1, isl);
  return (ctx.prefillReplicas * ctx.spec.capacity.prefill(tokens).tokensPerSecond) / tokens;
}

/** Conversations decode must hold: Little's law on prefill's arrivals, or the active count itself. */
function decodeConversations(
  ctx: DemandContext,
  at: { readonly batch: number; readonly context: number; readonly itlTargetMs: number },
): { conversations: number; notes: string[] } {
  const active = freshValue(ctx, activeConversations(ctx.observation.roles.decode));
  const sizing = ctx.spec.sizing.decode;
  if (sizing.model === 'active-conversations') return { conversations: active ?? 0, notes: [] };
  const prefill = ctx.observation.roles.prefill;
  const arrivalsPerS = freshValue(ctx, prefill.requestRatePerS) ?? 0;
  const itlAtBatch = Math.min(at.itlTargetMs, ctx.spec.capacity.decodeItlMs(at.context, at.batch));
  const flow = decodeConcurrency({
    arrivalsPerS,
    prefillBacklog: freshValue(ctx, prefill.waitingRequests) ?? 0,
    prefillCapacityPerS: prefillCapacityPerS(ctx),
    decodeBacklog: freshValue(ctx, ctx.observation.roles.decode.waitingRequests) ?? 0,
    outputTokensMean: decodeLengths(ctx.observation).output?.value ?? 1,
    itlAtTargetBatchMs: Number.isFinite(itlAtBatch) ? itlAtBatch : at.itlTargetMs,
    ttftSloMs: ctx.spec.slo.ttftMs,
  });
  const checked = crossCheckedConversations(flow.conversations, active, sizing.crossCheckTolerance);
  const notes = [
    `Little's law: ${arrivalsPerS.toFixed(2)} req/s from prefill x ${flow.decodeDurationS.toFixed(1)} s of decode at batch ${at.batch} = ${flow.conversations.toFixed(0)} conversations`,
  ];
  if (checked.byActive)
    notes.push(
      `${String(active)} active conversations exceed that by more than ${(sizing.crossCheckTolerance * 100).toFixed(0)}%: sized from the active count`,
    );
  return { conversations: checked.conversations, notes };
}

/**
 * Squared coefficient of variation of prompt lengths from the window's prompt histogram; 1 (as if
 * exponential) when it is not known, which errs towards a smaller KV-bound batch.
 */
function promptLengthScv(ctx: DemandContext): number {
  const prompts = ctx.observation.roles.prefill.inputTokensBuckets;
  if (prompts === undefined || !isFresh(ctx.spec, ctx.nowMs, prompts)) return 1;
  // Classes weighted by tokens rather than prefill time: the moments are of the prompt lengths.
  const spread = moments(promptClasses(prompts.value, (tokens) => tokens));
  return spread.meanServiceMs > 0 ? spread.scv : 1;
}

/**
 * The batch one decode replica is given under Little's law: the ITL-bound batch, and no more than
 * its KV cache holds at the SLO quantile for the prompt-length spread (decode-sizing.ts).
 */
function littlesLawBatch(ctx: DemandContext, itlBatch: number): { batch: number; notes: string[] } {
  const kvCapacityTokens = ctx.spec.capacity.kvCapacityTokens;
  const lengths = decodeLengths(ctx.observation);
  if (kvCapacityTokens === undefined) return { batch: itlBatch, notes: [] };
  const isl = Math.max(1, lengths.input?.value ?? 1);
  const osl = Math.max(1, lengths.output?.value ?? 1);
  const islSecond = isl * isl * (1 + promptLengthScv(ctx));
  const kvBatch = kvBoundBatch({
    kvCapacityTokens,
    meanTokens: isl + osl,
    secondMomentTokens: islSecond + 2 * isl * osl + osl * osl,
    z: kvOverflowZFor(ctx.spec.slo.quantile),
  });
  if (kvBatch >= itlBatch) return { batch: itlBatch, notes: [] };
  return {
    batch: kvBatch,
    notes: [
      `KV cache bounds the batch at ${kvBatch} (${kvCapacityTokens} tokens, prompt-length spread at ${ctx.spec.slo.quantile})`,
    ],
  };
}

function sizeDecode(ctx: DemandContext, factor: number): Sizing {
  const lengths = decodeLengths(ctx.observation);
  const context = (lengths.input?.value ?? 0) + (lengths.output?.value ?? 0) / 2;
  const itlTargetMs = ctx.spec.slo.tpotMs / factor;
  const capacity = ctx.spec.capacity.decode(context, itlTargetMs);
  const cap = ctx.spec.slo.maxActiveConversationsPerDecodeReplica;
  const itlBatch = cap === undefined ? capacity.maxBatch : Math.min(cap, capacity.maxBatch);
  const bounded =
    ctx.spec.sizing.decode.model === 'littles-law'
      ? littlesLawBatch(ctx, itlBatch)
      : { batch: itlBatch, notes: [] };
  const perReplica = bounded.batch;
  const demand = decodeConversations(ctx, { batch: perReplica, context, itlTargetMs });
  const notes = [
    `context ${context.toFixed(0)} tokens (ISL + OSL/2), ITL target ${itlTargetMs.toFixed(1)} ms`,
    ...bounded.notes,
    ...demand.notes,
  ];
  if (!capacity.reachable)
    notes.push(`TPOT SLO unreachable at context ${context.toFixed(0)}: sized at batch 1`);
  return {
    queue: undefined,
    measured: demand.conversations,
    capacityPerReplica: perReplica,
    extraReplicas: 0,
    capReplicas: () => 0,
    unit: 'active conversations',
    notes,
  };
}

function customReplicas(ctx: DemandContext, role: Role): { value: number | undefined; missing: string[] } {
  const expression = ctx.spec.customDemand[role];
  if (expression === undefined) return { value: undefined, missing: [] };
  const scope = signalScope({
    roles: ctx.observation.roles,
    isFresh: (field) => isFresh(ctx.spec, ctx.nowMs, field),
    quantile: ctx.spec.slo.quantile,
  });
  const missing = expression.signals.filter((name) => scope[name] === undefined);
  if (missing.length > 0) return { value: undefined, missing };
  const value = expression.evaluate(scope);
  return {
    value: Number.isFinite(value) ? Math.max(0, value) : undefined,
    missing: Number.isFinite(value) ? [] : [`expression ${expression.source}`],
  };
}

/**
 * How far observed latency exceeds what the capacity model expects. Decode compares with the model's
 * ITL at the current batch per ready replica (Dynamo's `d_corr`, reference §1.3); prefill has no
 * loaded-TTFT model, so it compares with the SLO the capacity was sized for.
 */
function latencyOverModel(
  ctx: DemandContext,
  role: Role,
  observedMs: number | undefined,
  sloMs: number,
): number | undefined {
  if (observedMs === undefined) return undefined;
  const decode = ctx.observation.roles.decode;
  const ready = decode.readyReplicas;
  const active = activeConversations(decode);
  // Under Little's law decode runs at the batch that meets the SLO, so only a breach of the SLO
  // itself says the model is optimistic (and bucket resolution cannot pass for one: certainMs).
  if (
    role === 'prefill' ||
    ctx.spec.sizing.decode.model === 'littles-law' ||
    ready === undefined ||
    ready.value <= 0 ||
    active === undefined
  )
    return observedMs / sloMs;
  const lengths = decodeLengths(ctx.observation);
  const context = (lengths.input?.value ?? 0) + (lengths.output?.value ?? 0) / 2;
  const predictedMs = ctx.spec.capacity.decodeItlMs(context, active.value / ready.value);
  const buckets = decode.tpotMs?.value.buckets;
  const comparable =
    buckets === undefined
      ? predictedMs
      : Math.max(
          predictedMs,
          bucketedEstimate(predictedMs, buckets, quantileFraction(ctx.spec.slo.quantile)),
        );
  return comparable > 0 ? observedMs / comparable : observedMs / sloMs;
}

/**
 * What `histogram_quantile` reads when every observation is exactly `valueMs`: it interpolates
 * linearly inside the bucket, so a point mass at 4.4 ms in vLLM's first ITL bucket (0, 10 ms] reads
 * as 9 ms at p90. Comparing the observed quantile with this rather than the raw prediction keeps
 * bucket resolution from passing for slowness (it once doubled the decode fleet at 9 ms ITL).
 */
export function bucketedEstimate(valueMs: number, buckets: readonly CumulativeBucket[], q: number): number {
  let lower = 0;
  for (const bucket of buckets) {
    if (bucket.le >= valueMs) return Number.isFinite(bucket.le) ? lower + (bucket.le - lower) * q : valueMs;
    lower = bucket.le;
  }
  return valueMs;
}

function sizingNotes(
  base: readonly string[],
  extra: {
    readonly custom: number | undefined;
    readonly headroom: string | undefined;
    readonly sigmas: number;
    readonly correction: number;
  },
): string[] {
  const notes = [...base];
  if (extra.custom !== undefined)
    notes.push(`custom expression asks for ${extra.custom.toFixed(2)} replicas`);
  if (extra.headroom !== undefined)
    notes.push(`headroom ${extra.headroom} (${extra.sigmas} sigma of the forecast error)`);
  if (extra.correction > 1)
    notes.push(`capacity corrected by observed latency: x${(1 / extra.correction).toFixed(2)}`);
  return notes;
}

/**
 * How far ahead to forecast: the policy's horizon, or with `coldStart: auto` (and no explicit
 * horizon) the role's measured cold start while it is fresh; the prior until the first start is seen.
 */
export function forecastHorizonS(ctx: DemandContext, role: Role): number {
  const { spec } = ctx;
  const measured = ctx.observation.roles[role].coldStartS;
  if (spec.roles[role].coldStartAuto && !spec.forecast.horizonExplicit && measured !== undefined)
    return measured.value > 0 ? measured.value : spec.forecast.horizonS[role];
  return spec.forecast.horizonS[role];
}

/**
 * Replicas for a demand: by the role's queueing model when it has one, else demand over per-replica
 * capacity; with the expected SLO share at other counts (proportional to the need without a model).
 */
function replicasFor(
  sizing: Sizing,
  demand: number,
  custom: number | undefined,
): { needed: number; sloShareAt: (replicas: number) => number } {
  const queued = sizing.queue?.(demand);
  const byCapacity =
    (queued === undefined ? demand / sizing.capacityPerReplica : queued.replicas) + sizing.extraReplicas;
  const needed = Math.max(byCapacity, sizing.capReplicas(demand), custom ?? 0);
  const proportional = (replicas: number): number =>
    needed <= 0 ? 1 : Math.min(1, Math.max(0, replicas) / needed);
  return { needed, sloShareAt: queued?.sloShareAt ?? proportional };
}

/**
 * The requests of this window that met the role's SLO: TTFT for prefill over the attainable prompts
 * (unattainable.ts: no capacity helps those, so they spend no budget), TPOT for decode.
 */
function windowShare(ctx: DemandContext, role: Role): WindowShare | undefined {
  const { spec, nowMs } = ctx;
  const o = ctx.observation.roles[role];
  const latency = role === 'prefill' ? o.ttftMs : o.tpotMs;
  const buckets = latency?.value.buckets;
  if (latency === undefined || buckets === undefined || !isFresh(spec, nowMs, latency)) return undefined;
  const share = shareWithin(buckets, role === 'prefill' ? spec.slo.ttftMs : spec.slo.tpotMs);
  if (share === undefined || role === 'decode' || !spec.slo.excludeUnattainable) return share;
  const prompts = o.inputTokensBuckets;
  const threshold = unattainablePromptTokens(spec.capacity, spec.slo.ttftMs);
  if (threshold === undefined || prompts === undefined || !isFresh(spec, nowMs, prompts)) return share;
  const attainable = share.total * (1 - shareAtOrAbove(prompts.value, threshold));
  return { total: attainable, good: Math.min(share.good, attainable) };
}

/** The SLO feedback loop's step for this tick (slo-burn.ts), and a note when it adds headroom. */
function sloFeedback(
  ctx: DemandContext,
  role: Role,
): { next: BurnRateState | undefined; burnRate: number | undefined; note: string | undefined } {
  const { spec, previous, nowMs } = ctx;
  if (!spec.burnRate.enabled) return { next: undefined, burnRate: undefined, note: undefined };
  const o = ctx.observation.roles[role];
  const starting = freshValue(ctx, o.pendingReplicas) ?? 0;
  const atMax = (previous?.desiredReplicas ?? 0) >= spec.roles[role].maxReplicas;
  const step = updateBurnRate({
    spec: spec.burnRate,
    quantile: spec.slo.quantile,
    previous: previous?.burnRate,
    window: windowShare(ctx, role),
    canRaise: starting === 0 && !atMax,
    nowMs,
  });
  const { headroom } = step.state;
  const burn = step.burnRate === undefined ? 'not yet measured' : `${step.burnRate.toFixed(2)}x`;
  const note =
    headroom > 1.005 || (step.burnRate ?? 0) > 1
      ? `SLO feedback: error-budget burn rate ${burn} over ${spec.burnRate.windowS} s, demand headroom x${headroom.toFixed(2)}`
      : undefined;
  return { next: step.state, burnRate: step.burnRate, note };
}

/** Prefill's arrival dispersion with this window folded in, when its rate and length are fresh. */
function arrivalsWith(ctx: DemandContext): ArrivalStats | undefined {
  const o = ctx.observation.roles.prefill;
  const ratePerS = freshValue(ctx, o.requestRatePerS);
  const windowS = freshValue(ctx, o.rateWindowS);
  if (ratePerS === undefined || windowS === undefined) return ctx.previous?.arrivals;
  return updateArrivals(ctx.previous?.arrivals, { ratePerS, windowS }, ctx.nowMs);
}

/** An estimate that sizes nothing (data missing or stale): the memories carry over unchanged. */
function unsized(
  ctx: DemandContext,
  known: Pick<
    DemandEstimate,
    'unit' | 'observedLatencyMs' | 'sloMs' | 'breach' | 'missing' | 'stale' | 'horizonS' | 'notes'
  >,
): DemandEstimate {
  const { previous, nowMs } = ctx;
  return {
    ...known,
    measured: undefined,
    forecast: undefined,
    capacityPerReplica: undefined,
    needed: undefined,
    nextForecast: previous?.forecast,
    nextCorrection: previous?.correction ?? { factor: 1, atMs: nowMs },
    nextBurnRate: previous?.burnRate,
    nextArrivals: previous?.arrivals,
    sloHeadroom: previous?.burnRate?.headroom ?? 1,
    burnRate: undefined,
  };
}

/** Measures, forecasts and sizes one role. Pure: everything comes from the arguments. */
export function estimateDemand(ctx: DemandContext, role: Role): DemandEstimate {
  const { spec, nowMs, previous } = ctx;
  const sloMs = role === 'prefill' ? spec.slo.ttftMs : spec.slo.tpotMs;
  const observed = latencyFor(ctx, role);
  const observedLatencyMs = observed.ms;
  const certainMs = observed.certainMs;
  const breach = certainMs !== undefined && certainMs > sloMs * spec.slo.breachFactor;
  const latencyRatio = latencyOverModel(ctx, role, certainMs, sloMs);
  const { missing, stale } = classify(spec, nowMs, requirements(ctx, role));
  const custom = customReplicas(ctx, role);
  // Object literals in full rather than spreading a shared base: V8 turns `{ ...base, more }` into a
  // slow clone-and-extend here, measured at ~30 us per call in `npm run bench`.
  const unit = role === 'prefill' ? 'prompt tokens/s' : 'active conversations';
  const horizonS = forecastHorizonS(ctx, role);
  if (missing.length + stale.length + custom.missing.length > 0) {
    return unsized(ctx, {
      unit,
      observedLatencyMs,
      sloMs,
      breach,
      missing: missing.concat(custom.missing),
      stale,
      horizonS,
      notes: [...observed.notes],
    });
  }
  const nextCorrection = updateCorrection(spec.correction, previous?.correction, latencyRatio, nowMs);
  const nextArrivals = role === 'prefill' ? arrivalsWith(ctx) : undefined;
  const sizing =
    role === 'prefill'
      ? sizePrefill(ctx, { factor: nextCorrection.factor, arrivals: nextArrivals })
      : sizeDecode(ctx, nextCorrection.factor);
  const nextForecast = updateForecast(spec.forecast, previous?.forecast, sizing.measured, nowMs);
  const forecast = predictDemand(spec.forecast, nextForecast, horizonS);
  // A forecast above the measurement leads scale-ups; below it, the measurement rules (predictive
  // up, reactive down). Headroom for forecast error applies both ways: volatile demand keeps spare.
  const headroom = forecastHeadroom(spec.forecast, nextForecast);
  const burn = sloFeedback(ctx, role);
  const sloHeadroom = burn.next?.headroom ?? 1;
  const demand = (Math.max(sizing.measured, forecast ?? 0) + headroom) * sloHeadroom;
  const { needed, sloShareAt } = replicasFor(sizing, demand, custom.value);
  const notes = sizingNotes([...sizing.notes, ...observed.notes], {
    custom: custom.value,
    headroom: headroom > 0 ? `${headroom.toFixed(0)} ${unit}` : undefined,
    sigmas: spec.forecast.headroomSigmas,
    correction: nextCorrection.factor,
  });
  if (burn.note !== undefined) notes.push(burn.note);
  return {
    unit,
    observedLatencyMs,
    sloMs,
    breach,
    missing: [],
    stale: [],
    measured: sizing.measured,
    forecast,
    horizonS,
    capacityPerReplica: sizing.capacityPerReplica,
    needed,
    notes,
    nextForecast,
    nextCorrection,
    nextBurnRate: burn.next,
    nextArrivals,
    sloHeadroom,
    burnRate: burn.burnRate,
    sloShareAt,
  };
}
