// SPDX-License-Identifier: Apache-2.0
// Splitwise's measured latencies (data/profiles/splitwise_sim/README.md, Mutinifni/splitwise-sim@8f99e7dc `data/perf_model.csv`, DGX-A100
// and DGX-H100) -> ProfileData, the Dynamo-shaped profile that pdscaler's capacity model and the
// simulator's fleet both read unchanged. The CSV holds three sweeps per (model, hardware, TP): prompt
// 128…8192 at batch 1, batch 1…64 at prompt 512, output 128…8192 at prompt 512 (token_size 128 unless
// swept). A replica of a profile counts TP GPUs in both roles (prefillTp = decodeTp = TP).
import { interpolate, type ProfileData } from '../decision/profile-capacity.js';

/** Which rows of perf_model.csv make one profile. */
export interface SplitwiseSelector {
  readonly model: string;
  readonly hardware: string;
  readonly tensorParallel: number;
}

/** One measured run (one CSV line). */
export interface SplitwiseRow extends SplitwiseSelector {
  readonly promptTokens: number;
  readonly batchSize: number;
  readonly outputTokens: number;
  /** `prompt_time`: prefill of the whole batch, ms. */
  readonly promptMs: number;
  /** `token_time`: one decode step of the whole batch, ms. */
  readonly tokenMs: number;
}

/** The median over the repeats of one (prompt, batch, output) configuration of one selector. */
export interface SplitwisePoint {
  readonly promptTokens: number;
  readonly batchSize: number;
  readonly outputTokens: number;
  readonly promptMs: number;
  readonly tokenMs: number;
  readonly repeats: number;
}

type ParseResult<T> = { ok: true } & T;
type Failure = { ok: false; message: string };

// The header of perf_model.csv @ 8f99e7dc (data/profiles/splitwise_sim/README.md), in file order.
const columns = [
  'model',
  'hardware',
  'prompt_size',
  'batch_size',
  'token_size',
  'peak_power',
  'average_power',
  'prompt_time',
  'token_time',
  'e2e_time',
  'tensor_parallel',
] as const;
type Column = (typeof columns)[number];

const textColumns: ReadonlySet<Column> = new Set(['model', 'hardware']);
const countColumns: ReadonlySet<Column> = new Set([
  'prompt_size',
  'batch_size',
  'token_size',
  'tensor_parallel',
]);
// Times divide tokens (throughput = ISL / prompt_time), so zero is as wrong as negative.
const timeColumns: ReadonlySet<Column> = new Set(['prompt_time', 'token_time', 'e2e_time']);

function fieldProblem(column: Column, text: string): string | undefined {
  if (textColumns.has(column)) return text === '' ? 'is empty' : undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return 'is not a number';
  if (countColumns.has(column) && !(Number.isInteger(value) && value >= 1)) {
    return 'is not a positive integer';
  }
  if (timeColumns.has(column) && value <= 0) return 'is not a positive time';
  return value < 0 ? 'is negative' : undefined;
}

function headerProblem(line: string): string | undefined {
  const names = line.split(',');
  let column = 1;
  for (const [i, expected] of columns.entries()) {
    const name = names[i];
    if (name === undefined) return `1:${column}: header ends before "${expected}"`;
    if (name !== expected) return `1:${column}: header has ${JSON.stringify(name)}, expected "${expected}"`;
    column += name.length + 1;
  }
  return names.length === columns.length
    ? undefined
    : `1:${column}: header has ${names.length} columns, expected ${columns.length}`;
}

function parseLine(line: string, lineNumber: number): ParseResult<{ row: SplitwiseRow }> | Failure {
  const fields = line.split(',');
  if (fields.length !== columns.length) {
    return { ok: false, message: `${lineNumber}:1: ${fields.length} fields, expected ${columns.length}` };
  }
  const byName = new Map<Column, string>();
  let column = 1;
  for (const [i, name] of columns.entries()) {
    const text = fields[i] ?? '';
    const problem = fieldProblem(name, text);
    if (problem !== undefined) {
      return { ok: false, message: `${lineNumber}:${column}: ${name} ${JSON.stringify(text)} ${problem}` };
    }
    byName.set(name, text);
    column += text.length + 1;
  }
  const text = (name: Column): string => byName.get(name) ?? '';
  const number = (name: Column): number => Number(byName.get(name));
  return {
    ok: true,
    row: {
      model: text('model'),
      hardware: text('hardware'),
      tensorParallel: number('tensor_parallel'),
      promptTokens: number('prompt_size'),
      batchSize: number('batch_size'),
      outputTokens: number('token_size'),
      promptMs: number('prompt_time'),
      tokenMs: number('token_time'),
    },
  };
}

/**
 * Strictly parses perf_model.csv: the exact header, then one run per line with every numeric column a
 * number. The first problem comes back as `LINE:COLUMN: message` (1-based, column in characters).
 */
export function parseSplitwiseCsv(text: string): ParseResult<{ rows: SplitwiseRow[] }> | Failure {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const header = headerProblem(lines[0] ?? '');
  if (header !== undefined) return { ok: false, message: header };
  const rows: SplitwiseRow[] = [];
  for (const [i, line] of lines.entries()) {
    if (i === 0 || (line === '' && i === lines.length - 1)) continue;
    const parsed = parseLine(line, i + 1);
    if (!parsed.ok) return parsed;
    rows.push(parsed.row);
  }
  return rows.length === 0 ? { ok: false, message: '2:1: no rows after the header' } : { ok: true, rows };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? Number.NaN) + hi) / 2;
}

/**
 * The selector's configurations, each the MEDIAN of its repeats: runs repeat 5 times per sweep point and
 * the shared centre point (prompt 512, batch 1, output 128) 15 times, and a median ignores the odd slow run.
 */
export function sweepMedians(rows: readonly SplitwiseRow[], selector: SplitwiseSelector): SplitwisePoint[] {
  const groups = new Map<string, SplitwiseRow[]>();
  for (const row of rows) {
    if (row.model !== selector.model || row.hardware !== selector.hardware) continue;
    if (row.tensorParallel !== selector.tensorParallel) continue;
    const key = `${row.promptTokens}/${row.batchSize}/${row.outputTokens}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((runs) => {
    const first = runs[0] as SplitwiseRow;
    return {
      promptTokens: first.promptTokens,
      batchSize: first.batchSize,
      outputTokens: first.outputTokens,
      promptMs: median(runs.map((r) => r.promptMs)),
      tokenMs: median(runs.map((r) => r.tokenMs)),
      repeats: runs.length,
    };
  });
}

/**
 * Drops failed runs from a batch sweep ordered by batch size. A batch of B prompts cannot prefill faster
 * than a batch of fewer, so a prompt_time that DROPS as the batch grows is a failed run, not a
 * measurement: data/profiles/splitwise_sim/README.md names llama2-70b TP2 at batch 64 (prompt_time ~360 ms on
 * H100 after ~2.4 s at batch 32, ~794 ms on A100 after ~6.6 s), whose token_time is then off too.
 */
export function dropFailedRuns(batchSweep: readonly SplitwisePoint[]): SplitwisePoint[] {
  const kept: SplitwisePoint[] = [];
  for (const point of batchSweep) {
    const previous = kept[kept.length - 1];
    if (previous === undefined || point.promptMs >= previous.promptMs) kept.push(point);
  }
  return kept;
}

// The sweeps' fixed settings (data/profiles/splitwise_sim/README.md).
const sweepPromptTokens = 512;
const sweepOutputTokens = 128;
/** Mean context of a batch-sweep sequence over its 128 decode steps: 512 + 128/2. */
const batchSweepContextTokens = sweepPromptTokens + sweepOutputTokens / 2;

interface Architecture {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly hiddenSize: number;
  readonly parameters: number;
  readonly bytesPerValue: number;
}

// Llama-2-70B: 80 layers, hidden 8,192, 64 query heads over 8 KV heads (GQA) of dimension 128, FP16
// (Touvron et al. 2023, "Llama 2", Table 1 and §2.2; meta-llama/Llama-2-70b-hf config.json).
const architectures: Readonly<Record<string, Architecture>> = {
  'llama2-70b': {
    layers: 80,
    kvHeads: 8,
    headDim: 128,
    hiddenSize: 8192,
    parameters: 70e9,
    bytesPerValue: 2,
  },
};

interface Hardware {
  readonly memoryBytes: number;
  readonly hbmBytesPerS: number;
}

// SXM parts, as in DGX-A100 / DGX-H100 (data/profiles/splitwise_sim/README.md): NVIDIA A100 Tensor Core GPU
// datasheet (A100 80GB SXM: 80 GB HBM2e, 2,039 GB/s) and NVIDIA H100 Tensor Core GPU datasheet (H100 SXM:
// 80 GB HBM3, 3.35 TB/s). Decimal GB throughout, like the 140 GB of weights below.
const hardwares: Readonly<Record<string, Hardware>> = {
  'a100-80gb': { memoryBytes: 80e9, hbmBytesPerS: 2.039e12 },
  'h100-80gb': { memoryBytes: 80e9, hbmBytesPerS: 3.35e12 },
};

// vLLM's default gpu_memory_utilization (0.9), and a per-GPU reserve for activations, CUDA graphs and
// the NCCL workspace that vLLM's memory profiling sets aside before sizing the KV cache.
const gpuMemoryUtilization = 0.9;
const activationReserveBytesPerGpu = 4e9;

/**
 * KV capacity rule. Bytes per token = 2 (K and V) × layers × KV heads × head dim × bytes per value
 * (Llama-2-70B: 2 × 80 × 8 × 128 × 2 = 327,680). Tokens per replica = floor((TP × 80 GB × 0.9 − weights
 * (70e9 × 2 bytes = 140 GB over the TP GPUs) − TP × 4 GB) / bytes per token): TP4 402,832, TP8 1,232,910.
 */
function kvMemory(arch: Architecture, hardware: Hardware, tp: number) {
  const kvBytesPerToken = 2 * arch.layers * arch.kvHeads * arch.headDim * arch.bytesPerValue;
  const freeBytes =
    tp * hardware.memoryBytes * gpuMemoryUtilization -
    arch.parameters * arch.bytesPerValue -
    tp * activationReserveBytesPerGpu;
  return { kvBytesPerToken, maxKvTokens: Math.floor(freeBytes / kvBytesPerToken) };
}

/** Prompt lengths past the measured 8,192 at which prefill points are DERIVED, not measured. */
export const derivedPrefillTokens: readonly number[] = [16_384, 32_768, 65_536, 131_072];

/**
 * Prefill from the prompt sweep (batch 1, output 128): TTFT = median prompt_time; tokens/s per GPU =
 * ISL / TTFT / TP. Past 8,192 tokens (Llama-2's native context is 4,096) prefill attention is
 * superlinear and the simulator would extrapolate linearly at the last rate, which is optimistic, so we
 * append DERIVED points in DistServe's prefill form t = a + b·L + c·L² (Zhong et al., "DistServe", OSDI 2024; distserve-profile.ts),
 * with a = 0 and b, c fixed by the architecture and the measured last point: per token the dense layers
 * cost 2·P FLOPs and causal attention 4·layers·hidden·p at position p, 2·layers·hidden·L on average
 * over the prompt, so t(L) = k·L·(1 + L/L*) with L* = P / (layers·hidden) (106,812 for Llama-2-70B) and
 * k set so t(8,192) is the measurement. This assumes attention runs at the dense layers' efficiency.
 * Past 131,072 tokens (longer than any shipped trace's prompt; Mooncake's longest is 126,195) the
 * simulator and the capacity model go on linearly at the last derived rate. A least-squares quadratic over the sweep was
 * rejected: its c is not identifiable from 128…8,192 tokens (H100 TP2/4/8 give 2.6e-6, 2.7e-6, 4.9e-6,
 * rising with TP where attention work per GPU falls; A100 TP4 1.3e-5) and puts 131,072 tokens at
 * 59–241 s, 2–4× the FLOP count. The form reproduces the measured 4,096-token point within 5% on H100;
 * on A100 the measured 4,096 -> 8,192 step (2.36×) is steeper than it (2.08×), so A100's derived points
 * are likely optimistic.
 */
function prefillCurve(
  sweep: readonly SplitwisePoint[],
  arch: Architecture,
  tp: number,
): ProfileData['prefill'] {
  const last = sweep[sweep.length - 1] as SplitwisePoint;
  const criticalTokens = arch.parameters / (arch.layers * arch.hiddenSize);
  const msPerToken = last.promptMs / (last.promptTokens * (1 + last.promptTokens / criticalTokens));
  const points = [
    ...sweep.map((p) => ({ tokens: p.promptTokens, ms: p.promptMs })),
    ...derivedPrefillTokens
      .filter((tokens) => tokens > last.promptTokens)
      .map((tokens) => ({ tokens, ms: msPerToken * tokens * (1 + tokens / criticalTokens) })),
  ];
  return {
    inputTokens: points.map((p) => p.tokens),
    ttftMs: points.map((p) => p.ms),
    tokensPerSecondPerGpu: points.map((p) => p.tokens / (p.ms / 1000) / tp),
  };
}

/** Context levels of the decode grid, tokens; the first is the batch sweep's own. */
const decodeContextTokens: readonly number[] = [
  batchSweepContextTokens,
  2048,
  4096,
  8192,
  16_384,
  32_768,
  65_536,
  131_072,
];

interface DecodeInputs {
  readonly sweep: readonly SplitwisePoint[];
  readonly kvBytesPerToken: number;
  readonly maxKvTokens: number;
  readonly hbmBytesPerSPerReplica: number;
}

/**
 * Decode grid in Dynamo's (KV use, context, ITL) form. The batch sweep measures ITL(batch) at context
 * 576 only; the output sweep shows context barely matters at batch 1 (H100 TP4: 29.7 ms at output 128,
 * 29.4 ms at 8,192). Longer contexts add the time to read their extra KV cache once per step:
 * ITL(b, ctx) = ITL(b) + b·(ctx − 576)·bytes per token / (HBM bandwidth × TP), at full datasheet
 * bandwidth (a lower bound on the extra time). KV use = b·ctx / max_kv_tokens; points past a full cache
 * are dropped and, where the sweep goes past it, a point at exactly full (batch max_kv_tokens/ctx,
 * ITL(b) interpolated linearly in batch) ends the level so nothing extrapolates inside the cache.
 */
function decodeGrid(inputs: DecodeInputs): ProfileData['decode'] {
  const itlByBatch = inputs.sweep.map((p) => ({ x: p.batchSize, y: p.tokenMs }));
  const largestBatch = itlByBatch[itlByBatch.length - 1]?.x ?? 0;
  const kvUsage: number[] = [];
  const contextTokens: number[] = [];
  const itlMs: number[] = [];
  for (const context of decodeContextTokens) {
    const fullBatch = inputs.maxKvTokens / context;
    const batches = itlByBatch.map((p) => p.x).filter((b) => b <= fullBatch);
    if (largestBatch > fullBatch && fullBatch >= 1 && !batches.includes(fullBatch)) batches.push(fullBatch);
    for (const batch of batches) {
      const readMs =
        ((batch * (context - batchSweepContextTokens) * inputs.kvBytesPerToken) /
          inputs.hbmBytesPerSPerReplica) *
        1000;
      kvUsage.push((batch * context) / inputs.maxKvTokens);
      contextTokens.push(context);
      itlMs.push(interpolate(itlByBatch, batch) + readMs);
    }
  }
  return { kvUsage, contextTokens, itlMs, maxKvTokens: inputs.maxKvTokens };
}

function describe(selector: SplitwiseSelector): string {
  return `${selector.model} on ${selector.hardware} at TP${selector.tensorParallel}`;
}

/** The selector's sweeps, each ordered along its swept setting, or what is missing. */
function sweeps(
  rows: readonly SplitwiseRow[],
  selector: SplitwiseSelector,
): ParseResult<{ prompt: SplitwisePoint[]; batch: SplitwisePoint[] }> | Failure {
  const points = sweepMedians(rows, selector);
  const prompt = points
    .filter((p) => p.batchSize === 1 && p.outputTokens === sweepOutputTokens)
    .sort((a, b) => a.promptTokens - b.promptTokens);
  const batch = dropFailedRuns(
    points
      .filter((p) => p.promptTokens === sweepPromptTokens && p.outputTokens === sweepOutputTokens)
      .sort((a, b) => a.batchSize - b.batchSize),
  );
  if (prompt.length < 2) {
    return { ok: false, message: `has no prompt sweep (batch 1, token_size 128) for ${describe(selector)}` };
  }
  if (batch.length < 2) {
    return {
      ok: false,
      message: `has no batch sweep (prompt 512, token_size 128) for ${describe(selector)}`,
    };
  }
  return { ok: true, prompt, batch };
}

/** Builds the profile of one (model, hardware, TP) from parsed rows; the message says what is missing. */
export function splitwiseProfile(
  name: string,
  rows: readonly SplitwiseRow[],
  selector: SplitwiseSelector,
): ParseResult<{ profile: ProfileData }> | Failure {
  const arch = architectures[selector.model];
  const hardware = hardwares[selector.hardware];
  if (arch === undefined) return { ok: false, message: `model ${selector.model} has no known architecture` };
  if (hardware === undefined) return { ok: false, message: `hardware ${selector.hardware} has no known HBM` };
  const tp = selector.tensorParallel;
  const memory = kvMemory(arch, hardware, tp);
  if (memory.maxKvTokens < 1) {
    return { ok: false, message: `leaves no KV cache: ${describe(selector)} does not fit the weights` };
  }
  const measured = sweeps(rows, selector);
  if (!measured.ok) return measured;
  return {
    ok: true,
    profile: {
      name,
      prefillTp: tp,
      decodeTp: tp,
      kvBytesPerToken: memory.kvBytesPerToken,
      prefill: prefillCurve(measured.prompt, arch, tp),
      decode: decodeGrid({
        sweep: measured.batch,
        ...memory,
        hbmBytesPerSPerReplica: hardware.hbmBytesPerS * tp,
      }),
    },
  };
}
