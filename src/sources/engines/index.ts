// SPDX-License-Identifier: Apache-2.0
// The engine adapters by name, for callers that pick one from configuration (`--engine vllm`).
import type { ExpositionPage } from '../exposition/types.js';
import { fromPage as dynamoFromPage } from './dynamo.js';
import type { Engine, FromPageOptions, PodSampleResult } from './pod-sample.js';
import { fromPage as sglangFromPage } from './sglang.js';
import { fromPage as vllmFromPage } from './vllm.js';

export type FromPage = (page: ExpositionPage, options: FromPageOptions) => PodSampleResult;

export const engineAdapters: Readonly<Record<Engine, FromPage>> = {
  vllm: vllmFromPage,
  sglang: sglangFromPage,
  dynamo: dynamoFromPage,
};
