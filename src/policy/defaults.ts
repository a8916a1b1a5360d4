// SPDX-License-Identifier: Apache-2.0
// The single table of defaults (Knative's defaultConfig, knative/serving pkg/autoscaler/config/config.go). docs/policy.md states
// the same values and a test keeps them equal.

export const policyDefaults = {
  namespace: 'default',
  gpusPerReplica: 1,
  minReplicas: 1,
  /** Real model loads take 50-250 s; 120 s is the simulator default too. */
  coldStartS: 120,
  quantile: 'p90',
  /** 20% over the SLO is a clear breach rather than noise around it. */
  breachFactor: 1.2,
  /** Requests no capacity can serve do not count against it (decision/unattainable.ts). */
  excludeUnattainable: true,
  ratioBasis: 'replicas',
  /** Knative KPA defaults (docs/reference.md §D.4): 60 s stable, 10% panic window, 200%. */
  panicEnabled: false,
  panicStableWindowS: 60,
  panicWindowPercentage: 10,
  panicThresholdPercentage: 200,
  /** llm-d WVA's scale-from-zero engine polls every 100 ms; 250 ms keeps 1 s with room for a write. */
  gatewayPollIntervalMs: 250,
  /** HPA scaleUp default is 0 s; 30 s rides out one noisy scrape at a 15 s tick. */
  scaleUpWindowS: 30,
  /** HPA scaleUp defaults: 4 pods or 100% per period, whichever is more (reference §5.4). */
  scaleUpStepReplicas: 4,
  scaleUpStepPercent: 100,
  /** HPA --horizontal-pod-autoscaler-downscale-stabilization default, 5 m. */
  scaleDownWindowS: 300,
  scaleDownStepReplicas: 1,
  scaleDownStepPercent: 20,
  /** Dynamo load_scaling_down_sensitivity default 80 -> 0.8 (PR #9294). */
  scaleDownMargin: 0.8,
  /**
   * Recurring bursts are remembered this long against a scale-down (decision/burst-memory.ts): six
   * 5-minute scale-down windows, so bursts 10 to 30 minutes apart, which the window alone releases
   * between, still count as recurring.
   */
  scaleDownBurstMemoryS: 1800,
  /** A fifth of the 5-minute scale-down window: the smoothed need forgets within one window. */
  scaleDownSmoothingS: 60,
  /** The HPA's --horizontal-pod-autoscaler-sync-period default (docs/reference.md §B.2.3). */
  loopIntervalS: 15,
  /** Four missed 15 s ticks. */
  staleAfterS: 60,
  /**
   * The SLO feedback loop (decision/slo-burn.ts): on by default, measured over 5 minutes (the short
   * window of the SRE workbook's multiwindow burn-rate alerts), at most 50% headroom, growing ~10% a
   * minute at a burn rate of 2 and decaying with a 10-minute half-life; its burn rate counts once the
   * window holds 5 errors' worth of budget.
   */
  burnRateEnabled: true,
  burnRateWindowS: 300,
  burnRateMaxHeadroom: 1.5,
  burnRateRaisePerMinute: 0.1,
  burnRateHalfLifeS: 600,
  burnRateMinBudgetErrors: 5,
  correctionMaxFactor: 2,
  correctionHalfLifeS: 300,
  forecastMethod: 'holt',
  forecastAlpha: 0.5,
  forecastBeta: 0.3,
  forecastMaxGrowth: 2,
  /** Half a sigma of the forecast error on top of the forecast (docs/reference.md §G.4); measured in docs/backtests.md. */
  forecastHeadroomSigmas: 0.5,
  /**
   * Off: by cross-validation (docs/backtests.md) a 3-sigma reset helped Mooncake and hurt Azure code
   * more, so it is a policy choice for ramp-heavy traffic, not a default.
   */
  forecastMissResetSigmas: 0,
  /** Share a binding budget by marginal SLO benefit (decision/budget-sharing.ts). */
  gpuBudgetSharing: 'marginal-slo',
  /** Prefill by the TTFT quantile of a queue, decode by Little's law (docs/reference.md §G.3-4). */
  prefillSizingModel: 'queueing',
  decodeSizingModel: 'littles-law',
  /** The active count overrides Little's law only 50% above it (decision/decode-sizing.ts). */
  decodeCrossCheckTolerance: 0.5,
  timeZone: 'UTC',
  /** Per-pod scrape and per-query deadline: a hung engine costs one tick at most. */
  scrapeTimeoutS: 2,
  /** A pod is stale after this many failed scrapes in a row (three 15 s ticks). */
  staleAfterMisses: 3,
  /** The rate window of Dynamo's and vLLM's example dashboards: 1m. */
  prometheusWindowS: 60,
} as const;
