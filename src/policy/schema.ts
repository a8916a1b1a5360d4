// SPDX-License-Identifier: Apache-2.0
// The policy document as SREs write it. One schema is the source of truth for validation, the JSON
// Schema for editors (policies/pdscaler-policy.schema.json) and the key lists in error messages.
// Defaults are not applied here but in defaults.ts/compile.ts, so the schema describes exactly what
// may be written. Every object is strict: a typo must not silently become a default.
import { z } from 'zod';
import {
  BudgetSharings,
  DecodeSizingModels,
  ForecastMethods,
  PrefillSizingModels,
  Quantiles,
  RatioBases,
} from '../decision/types.js';
import { Engines, PromSignals } from '../sources/prometheus/templates.js';

/** Go/Kubernetes-style durations: `30s`, `5m`, `1h30m`, `250ms`. */
export const durationPattern = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const duration = (description: string): z.ZodOptional<z.ZodString> =>
  z
    .string()
    .regex(durationPattern)
    .describe(description.replace(/( @default .*)?$/, ' Duration such as 30s, 5m or 1h30m.$1'))
    .optional();

const replicaCount = z.int().min(0).max(10_000);

const roleSchema = z
  .strictObject({
    roleName: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe('Role name inside the RoleBasedGroup. @default the role key (prefill or decode)'),
    gpusPerReplica: z
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe('GPUs one replica of this role uses. @default 1'),
    minReplicas: replicaCount
      .optional()
      .describe('Lowest replica count; 0 only with spec.scaleToZero. @default 1'),
    maxReplicas: replicaCount.describe('Highest replica count.'),
    coldStart: z
      .union([z.literal('auto'), z.string().regex(durationPattern)])
      .optional()
      .describe(
        "Pod creation to Ready; the default forecast horizon. Duration such as 30s, 5m or 1h30m, or auto: measured from the role's pods (p90 of the last 20 starts), 120s until the first start is seen. @default 120s",
      ),
  })
  .describe('Sizing limits of one role.');

const sloSchema = z.strictObject({
  quantile: z.enum(Quantiles).optional().describe('Latency quantile the SLOs are stated at. @default p90'),
  ttftMs: z.number().positive().max(600_000).describe('Time to first token SLO in milliseconds (prefill).'),
  tpotMs: z
    .number()
    .positive()
    .max(60_000)
    .describe('Time per output token (ITL) SLO in milliseconds (decode).'),
  breachFactor: z
    .number()
    .min(1)
    .max(10)
    .optional()
    .describe('Latency above breachFactor x SLO is a clear breach: scale up at once. @default 1.2'),
  excludeUnattainable: z
    .boolean()
    .optional()
    .describe(
      'Judge the TTFT quantile over requests an idle replica could serve within the SLO: prompts whose prefill alone exceeds it (estimated from the prompt-length histogram) cannot be helped by scaling. @default true',
    ),
  maxRequestRatePerPrefillReplica: z
    .number()
    .positive()
    .optional()
    .describe('Optional cap on requests/s per prefill replica.'),
  maxActiveConversationsPerDecodeReplica: z
    .int()
    .min(1)
    .optional()
    .describe('Optional cap on concurrent conversations per decode replica.'),
});

const explicitCapacitySchema = z.strictObject({
  prefillTokensPerSecondPerReplica: z
    .number()
    .positive()
    .describe('Prompt tokens/s one prefill replica serves within the TTFT SLO.'),
  decodeMaxBatchPerReplica: z
    .int()
    .min(1)
    .describe('Concurrent conversations one decode replica serves at decodeItlAtMaxBatchMs.'),
  decodeItlAtMaxBatchMs: z.number().positive().describe('ITL in ms measured at decodeMaxBatchPerReplica.'),
});

const capacitySchema = z
  .strictObject({
    profile: z.string().min(1).optional().describe('Named profile, e.g. dynamo-h200-llama3.1-8b-fp8.'),
    profileFile: z
      .string()
      .min(1)
      .optional()
      .describe('Path to a Dynamo raw_data.json style profile, relative to the policy file.'),
    explicit: explicitCapacitySchema.optional(),
    maxBatch: z
      .int()
      .min(1)
      .optional()
      .describe('Engine max concurrent sequences (e.g. vLLM max_num_seqs) capping the decode batch.'),
  })
  .describe('Exactly one of profile, profileFile or explicit.');

const ratioSchema = z
  .strictObject({
    minRatio: z.number().positive().describe('Lowest prefill/decode ratio.'),
    maxRatio: z.number().positive().describe('Highest prefill/decode ratio.'),
    basis: z
      .enum(RatioBases)
      .optional()
      .describe('Count the ratio in replicas or in GPUs. @default replicas'),
  })
  .describe('P/D ratio band: minRatio <= prefill/decode <= maxRatio.');

const gpuBudgetSchema = z.strictObject({
  max: z.int().min(1).optional().describe('Most GPUs across both roles.'),
  min: z.int().min(0).optional().describe('Fewest GPUs across both roles.'),
  sharing: z
    .enum(BudgetSharings)
    .optional()
    .describe(
      'How a binding max is shared: marginal-slo picks the pair with the highest expected share of requests meeting both SLOs; proportional cuts both roles in proportion to need. @default marginal-slo',
    ),
});

const stepSchema = (direction: string) =>
  z.strictObject({
    stabilizationWindow: duration(
      `How long demand must ask for a ${direction} before it happens. @default ${direction === 'scale up' ? '30s' : '5m'}`,
    ),
    maxStepReplicas: z
      .int()
      .min(1)
      .optional()
      .describe(
        `Replicas one tick may ${direction} by (the larger of this and maxStepPercent applies). @default ${direction === 'scale up' ? 4 : 1}`,
      ),
    maxStepPercent: z
      .number()
      .min(0)
      .max(1000)
      .optional()
      .describe(
        `Percent of current replicas one tick may ${direction} by. @default ${direction === 'scale up' ? 100 : 20}`,
      ),
  });

const behaviorSchema = z.strictObject({
  scaleUp: stepSchema('scale up').optional().describe('How fast replicas are added.'),
  scaleDown: stepSchema('scale down')
    .extend({
      margin: z
        .number()
        .gt(0)
        .max(1)
        .optional()
        .describe('Survivors must stay under margin x their SLO capacity. @default 0.8'),
      smoothing: duration(
        'Time constant of the smoothed need a scale-down is judged by (mean plus one standard deviation), so the window does not hold the noise of single metrics windows; 0s judges the raw need. @default 1m',
      ),
      burstMemory: duration(
        'Bursts that went away and came back within this long are not released between them (a released replica takes a cold start to return); 0s is off. @default 30m',
      ),
    })
    .strict()
    .optional()
    .describe('How fast replicas are removed.'),
  staleAfter: duration('A metric older than this is stale and its role holds. @default 60s'),
  panic: z
    .strictObject({
      enabled: z.boolean().optional().describe('Turn the KPA-style panic mode on. @default false'),
      stableWindow: duration('The stable window demand is averaged over. @default 60s'),
      panicWindowPercentage: z
        .number()
        .min(1)
        .max(100)
        .optional()
        .describe('The panic window as a percentage of the stable window. @default 10'),
      panicThresholdPercentage: z
        .number()
        .min(110)
        .max(1000)
        .optional()
        .describe(
          'Panic when demand over the panic window needs this percentage of the ready replicas. @default 200',
        ),
    })
    .optional()
    .describe(
      "Knative KPA's panic mode: a burst over the short window scales up at once and blocks scale-down until the stable window passes without one.",
    ),
  correction: z
    .strictObject({
      maxFactor: z
        .number()
        .min(1)
        .max(10)
        .optional()
        .describe('Largest latency correction of capacity. @default 2'),
      halfLife: duration('How fast a correction decays once latency is back under the SLO. @default 5m'),
    })
    .optional(),
  burnRate: z
    .strictObject({
      enabled: z
        .boolean()
        .optional()
        .describe(
          "Adapt a demand headroom to the measured error-budget burn rate of each role's SLO. @default true",
        ),
      window: duration(
        'The rolling window the share of requests meeting the SLO is measured over. @default 5m',
      ),
      maxHeadroom: z
        .number()
        .min(1)
        .max(4)
        .optional()
        .describe('Largest demand headroom the burn rate may add, as a factor. @default 1.5'),
      raisePerMinute: z
        .number()
        .gt(0)
        .max(10)
        .optional()
        .describe(
          'How fast the headroom grows: its logarithm rises by this much a minute per unit of burn rate above 1. @default 0.1',
        ),
      halfLife: duration('How fast the headroom decays once the burn rate is below 0.5. @default 10m'),
      minBudgetErrors: z
        .number()
        .gt(0)
        .max(1000)
        .optional()
        .describe(
          "How many errors' worth of budget the rolling window must hold before its burn rate counts: this / (1 - quantile) requests, 500 at p99. @default 5",
        ),
    })
    .optional()
    .describe(
      'Closed loop on the SLO itself: the error-budget burn rate over a rolling window corrects what the sizing models did not foresee.',
    ),
});

const forecastSchema = z.strictObject({
  method: z.enum(ForecastMethods).optional().describe('Demand forecast. @default holt'),
  horizon: duration("How far ahead to forecast. @default each role's coldStart"),
  alpha: z.number().gt(0).max(1).optional().describe('Level smoothing. @default 0.5'),
  beta: z.number().gt(0).max(1).optional().describe('Trend smoothing (holt). @default 0.3'),
  maxGrowth: z
    .number()
    .min(1)
    .max(10)
    .optional()
    .describe('Forecast never exceeds maxGrowth x the smoothed level. @default 2'),
  headroomSigmas: z
    .number()
    .min(0)
    .max(5)
    .optional()
    .describe(
      'Demand headroom in standard deviations of the one-step forecast error; 0 is off. @default 0.5',
    ),
  missResetSigmas: z
    .number()
    .min(0)
    .max(20)
    .optional()
    .describe(
      'Holt restarts from a measurement that misses the forecast by more than this many standard deviations of its error (quick to correct on ramps); 0 is off. @default 0',
    ),
});

const sizingSchema = z.strictObject({
  prefill: z
    .strictObject({
      model: z
        .enum(PrefillSizingModels)
        .optional()
        .describe(
          'queueing: fewest replicas whose M/G/c TTFT quantile meets the SLO at the forecast rate, per prompt-length bucket; throughput: demand over per-replica tokens/s. @default queueing',
        ),
    })
    .optional(),
  decode: z
    .strictObject({
      model: z
        .enum(DecodeSizingModels)
        .optional()
        .describe(
          'littles-law: prefill arrivals x decode duration at the batch meeting the TPOT SLO (and the KV cache); active-conversations: the active count itself. @default littles-law',
        ),
      crossCheckTolerance: z
        .number()
        .min(0)
        .max(10)
        .optional()
        .describe(
          "Under littles-law, the active conversation count drives only when it exceeds Little's law by more than this fraction. @default 0.5",
        ),
    })
    .optional(),
});

const scheduleSchema = z.strictObject({
  name: z.string().min(1).max(63),
  cron: z
    .string()
    .min(1)
    .max(200)
    .describe('5-field cron (node-cron syntax); the floor applies during every matching minute.'),
  timeZone: z.string().min(1).optional().describe('IANA time zone. @default UTC'),
  minReplicas: z
    .strictObject({ prefill: replicaCount.optional(), decode: replicaCount.optional() })
    .describe('Replica floors while the schedule matches.'),
});

const gatewaySchema = z
  .strictObject({
    pool: z
      .string()
      .min(1)
      .max(253)
      .describe('InferencePool name the endpoint picker labels its queues with (inference_pool / name).'),
    model: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe('Only queues of this target_model_name count. @default every model of the pool'),
    endpoints: z
      .array(
        z
          .string()
          .regex(/^https?:\/\/[^\s]+$/)
          .max(2048),
      )
      .min(1)
      .max(32)
      .optional()
      .describe(
        "The endpoint picker pods' /metrics URLs, scraped directly and summed (Active-Active EPPs queue per replica). @default read through spec.metrics.prometheus",
      ),
    bearerTokenFile: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        'Token sent to the endpoint picker (its --metrics-endpoint-auth defaults to true). @default the service account token',
      ),
    pollInterval: duration(
      'How often a role at zero checks the gateway queue for demand (scale from zero). @default 250ms',
    ),
  })
  .describe(
    'The inference gateway in front of the pool: its queued requests are prefill demand the engines have not seen yet.',
  );

const fluidSchema = z
  .strictObject({
    dataset: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(253)
      .describe('Fluid Dataset (data.fluid.io/v1alpha1) holding the model the roles load.'),
    namespace: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe("The Dataset's namespace. @default the target's"),
    prewarm: z
      .boolean()
      .optional()
      .describe(
        'Create one DataLoad when a scale-out is coming and the Dataset is not fully cached (never two at once; needs the deploy/fluid RBAC). @default false',
      ),
  })
  .describe(
    'Fluid awareness: the cold-start estimate is kept per cache state of this Dataset (cached, partial, unknown), and optionally the cache is warmed ahead of a scale-out.',
  );

const expressionSource = z.string().min(1).max(512);

const metricsSchema = z
  .strictObject({
    source: z
      .enum(['engines', 'prometheus'])
      .optional()
      .describe('Scrape engine pods directly, or query Prometheus. @default engines'),
    engine: z.enum(Engines).optional().describe('Serving engine, for metric names. @default vllm'),
    interval: duration('How often the loop reads the metrics and decides. @default 15s'),
    model: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe('Only series of this model count (case-insensitive).'),
    scrape: z
      .strictObject({
        port: z
          .int()
          .min(1)
          .max(65535)
          .optional()
          .describe('Metrics port. @default the prometheus.io/port annotation, else 8000'),
        path: z
          .string()
          .regex(/^\/[!-~]*$/)
          .max(256)
          .optional()
          .describe('Metrics path. @default the prometheus.io/path annotation, else /metrics'),
        timeout: duration('Per-pod scrape deadline. @default 2s'),
        staleAfterMisses: z
          .int()
          .min(1)
          .max(100)
          .optional()
          .describe('Consecutive failed scrapes before a pod is stale. @default 3'),
      })
      .optional(),
    prometheus: z
      .strictObject({
        url: z
          .string()
          .regex(/^https?:\/\/[^\s]+$/)
          .max(2048)
          .describe('Prometheus base URL, e.g. http://prometheus.monitoring:9090'),
        window: duration('Rate window of the queries. @default 1m'),
        timeout: duration('Per-query deadline. @default 2s'),
        queries: z
          .strictObject(
            Object.fromEntries(PromSignals.map((signal) => [signal, z.string().min(1).max(4096).optional()])),
          )
          .optional()
          .describe(
            'PromQL overrides per signal; placeholders <<selector>>, <<frontend>>, <<window>>, <<quantile>>.',
          ),
      })
      .optional(),
  })
  .describe('Where the role metrics come from.');

export const policySchema = z
  .strictObject({
    apiVersion: z.literal('pdscaler.io/v1alpha1'),
    kind: z.literal('ScalingPolicy'),
    metadata: z.strictObject({
      name: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .max(63)
        .describe('DNS-1123 label.'),
      namespace: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .max(63)
        .optional()
        .describe('@default default'),
    }),
    spec: z.strictObject({
      target: z.strictObject({
        rbg: z.string().min(1).max(253).describe('RoleBasedGroup name.'),
        namespace: z.string().min(1).max(63).optional().describe('@default metadata.namespace'),
      }),
      roles: z.strictObject({ prefill: roleSchema, decode: roleSchema }),
      scaleToZero: z
        .boolean()
        .optional()
        .describe(
          'Allow minReplicas 0; a role reaches 0 only after zero demand for its whole scale-down window. @default false',
        ),
      slo: sloSchema,
      capacity: capacitySchema,
      ratio: ratioSchema.optional(),
      gpuBudget: gpuBudgetSchema.optional(),
      behavior: behaviorSchema.optional(),
      forecast: forecastSchema.optional(),
      sizing: sizingSchema.optional().describe('How replicas follow from demand per role.'),
      gateway: gatewaySchema.optional(),
      fluid: fluidSchema.optional(),
      schedules: z.array(scheduleSchema).max(32).optional(),
      metrics: metricsSchema.optional(),
      expressions: z
        .strictObject({ prefill: expressionSource.optional(), decode: expressionSource.optional() })
        .optional()
        .describe('Custom demand per role in replicas (mathjs); the larger of this and the model wins.'),
    }),
  })
  .describe('pdscaler scaling policy for one prefill/decode RoleBasedGroup.');

/** A policy document that passed the schema. */
export type PolicyDocument = z.infer<typeof policySchema>;
