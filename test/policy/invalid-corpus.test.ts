// SPDX-License-Identifier: Apache-2.0
// A corpus of invalid policies, each a small edit of one valid policy. `pdscaler validate` must reject
// every one with exit code 2 and print, as the first line on stderr, `FILE:LINE:COL: message` pointing
// at the offending key or value, with a message that names the key and says what is allowed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { SignalNames } from '../../src/decision/signals.js';

/** A valid policy; the comments are the line numbers the expectations below refer to. */
const base =
  [
    'apiVersion: pdscaler.io/v1alpha1', // 1
    'kind: ScalingPolicy', // 2
    'metadata:', // 3
    '  name: llama-8b-chat', // 4
    '  namespace: serving', // 5
    'spec:', // 6
    '  target:', // 7
    '    rbg: llama-8b-chat', // 8
    '  roles:', // 9
    '    prefill:', // 10
    '      gpusPerReplica: 1', // 11
    '      minReplicas: 1', // 12
    '      maxReplicas: 16', // 13
    '      coldStart: 120s', // 14
    '    decode:', // 15
    '      minReplicas: 2', // 16
    '      maxReplicas: 32', // 17
    '      coldStart: 90s', // 18
    '  slo:', // 19
    '    quantile: p90', // 20
    '    ttftMs: 500', // 21
    '    tpotMs: 25', // 22
    '  capacity:', // 23
    '    profile: dynamo-h200-llama3.1-8b-fp8', // 24
    '    maxBatch: 256', // 25
    '  ratio:', // 26
    '    minRatio: 0.25', // 27
    '    maxRatio: 2', // 28
    '  gpuBudget:', // 29
    '    max: 40', // 30
    '  behavior:', // 31
    '    scaleUp:', // 32
    '      stabilizationWindow: 30s', // 33
    '    scaleDown:', // 34
    '      stabilizationWindow: 5m', // 35
    '      margin: 0.8', // 36
    '  forecast:', // 37
    '    method: holt', // 38
    '  schedules:', // 39
    '    - name: business-hours', // 40
    "      cron: '* 8-19 * * 1-5'", // 41
    '      timeZone: Europe/Berlin', // 42
    '      minReplicas:', // 43
    '        prefill: 2', // 44
    '        decode: 4', // 45
    '  expressions:', // 46
    '    prefill: prefill_tokens_per_s / 40000', // 47
  ].join('\n') + '\n';

/** `text` (the base policy by default) with its one occurrence of `from` replaced by `to`. */
function edit(from: string, to: string, text: string = base): string {
  const at = text.indexOf(from);
  if (at < 0 || text.includes(from, at + 1)) throw new Error(`"${from}" is not in the policy exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The base policy with `expression` as the prefill expression (line 47, value at column 14). */
const withPrefillExpression = (expression: string): string =>
  edit('prefill: prefill_tokens_per_s / 40000', `prefill: '${expression}'`);

const oneMiB = 1024 * 1024;

/** `text` padded with comment lines to exactly `bytes` bytes. */
function paddedTo(bytes: number, text: string = base): Buffer {
  const line = `# ${'x'.repeat(77)}\n`;
  const fill = bytes - Buffer.byteLength(text);
  const padding = line.repeat(Math.floor(fill / line.length)) + '#'.repeat(fill % line.length);
  return Buffer.from(text + padding);
}

/** `text` with the byte 0xFF (never valid in UTF-8) right after `before`. */
function withInvalidByte(before: string, text: string = base): Buffer {
  const cut = text.indexOf(before) + before.length;
  return Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from([0xff]), Buffer.from(text.slice(cut))]);
}

const functionList = 'min, max, ceil, floor, round, abs, sqrt, exp, log, log2, log10, pow';
const onlyAllowed = `(only numbers, signals, operators, ?: and ${functionList})`;
const dryRun = 'fails on a dry run with every signal = 1:';

interface InvalidCase {
  /** What is wrong and how validate reports it, as a sentence. */
  readonly name: string;
  readonly policy: string | Buffer;
  readonly line: number;
  readonly col: number;
  /** The whole message; a function of the policy's directory when the message names a path. */
  readonly message?: string | ((dir: string) => string);
  /** Instead of `message`, when the message embeds the YAML parser's own text: its stable start. */
  readonly messagePrefix?: string;
  /** The YAML parser goes on to report follow-on errors after the first; otherwise there is one issue. */
  readonly followOnErrors?: true;
}

const bytesAndSyntax: InvalidCase[] = [
  {
    name: 'A file over 1 MiB is refused before it is parsed, with its size in bytes.',
    policy: paddedTo(oneMiB * 1.5),
    line: 1,
    col: 1,
    message: 'policy file is 1,572,864 bytes, larger than the 1 MiB (1,048,576 bytes) limit',
  },
  {
    name: 'A file one byte over 1 MiB gives its exact size, not a rounded 1.0 MiB.',
    policy: paddedTo(oneMiB + 1),
    line: 1,
    col: 1,
    message: 'policy file is 1,048,577 bytes, larger than the 1 MiB (1,048,576 bytes) limit',
  },
  {
    name: 'A byte that is not UTF-8 in the middle of line 5 is reported where it sits, with its value.',
    policy: withInvalidByte('  namespace: serv'),
    line: 5,
    col: 18,
    message: 'file is not valid UTF-8 (byte 0xff)',
  },
  {
    name: 'A byte that is not UTF-8 is reported where it sits even after a real U+FFFD in a comment.',
    policy: withInvalidByte(
      '  namespace: serv',
      edit('apiVersion: pdscaler.io/v1alpha1', 'apiVersion: pdscaler.io/v1alpha1 # \uFFFD'),
    ),
    line: 5,
    col: 18,
    message: 'file is not valid UTF-8 (byte 0xff)',
  },
  {
    name: 'An empty file is not a policy.',
    policy: '',
    line: 1,
    col: 1,
    message: 'policy must be a YAML mapping (apiVersion, kind, metadata, spec)',
  },
  {
    name: 'A root that is a list, not a mapping, is not a policy.',
    policy: `# a list of policies is not a policy\n- ${base.trimEnd().replaceAll('\n', '\n  ')}\n`,
    line: 2,
    col: 1,
    message: 'policy must be a YAML mapping (apiVersion, kind, metadata, spec)',
  },
  {
    name: 'An unclosed flow sequence is a YAML error on the line where its "]" is missing.',
    policy: edit('maxReplicas: 16', 'maxReplicas: [16, 32'),
    line: 14,
    col: 7,
    messagePrefix:
      'YAML BAD_INDENT: Flow sequence in block collection must be sufficiently indented and end with a ]',
    followOnErrors: true,
  },
  {
    name: 'A tab used for indentation is a YAML error at the tab.',
    policy: edit('    ttftMs: 500', '\tttftMs: 500'),
    line: 21,
    col: 1,
    messagePrefix: 'YAML TAB_AS_INDENT:',
    followOnErrors: true,
  },
  {
    name: 'An unclosed quote is a YAML error at the quote that opens it, not at the end of the file.',
    policy: edit("cron: '* 8-19 * * 1-5'", "cron: '* 8-19 * * 1-5"),
    line: 41,
    col: 13,
    messagePrefix: "YAML MISSING_CHAR: Missing closing 'quote",
  },
  {
    name: 'A key given twice in one mapping is an error at the second one.',
    policy: edit('    tpotMs: 25\n', '    tpotMs: 25\n    ttftMs: 700\n'),
    line: 23,
    col: 5,
    messagePrefix: 'YAML DUPLICATE_KEY:',
  },
  {
    name: 'A file with several YAML documents is refused at the second document.',
    policy: `${base}---\n${base}`,
    line: 48,
    col: 1,
    messagePrefix: 'YAML MULTIPLE_DOCS:',
  },
  {
    name: 'An alias whose anchor is never defined is an error at the alias.',
    policy: edit('ttftMs: 500', 'ttftMs: *ttft'),
    line: 21,
    col: 13,
    message: 'alias *ttft refers to no anchor',
  },
  {
    name: 'Aliases that expand exponentially (a billion laughs) are refused at the first alias.',
    policy:
      [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      ].join('\n') + `\n${base}`,
    line: 2,
    col: 8,
    messagePrefix: 'YAML aliases expand too far:',
  },
];

const types: InvalidCase[] = [
  {
    name: 'A string where a number belongs names the key, the value and the type.',
    policy: edit('ttftMs: 500', 'ttftMs: fast'),
    line: 21,
    col: 13,
    message: 'spec.slo.ttftMs = "fast", must be a number',
  },
  {
    name: 'A number where a string belongs names the key, the value and the type.',
    policy: edit('rbg: llama-8b-chat', 'rbg: 42'),
    line: 8,
    col: 10,
    message: 'spec.target.rbg = 42, must be a string',
  },
  {
    name: 'A list where a mapping belongs is reported at the list.',
    policy: edit('    rbg: llama-8b-chat', '    - llama-8b-chat'),
    line: 8,
    col: 5,
    message: 'spec.target = a list, must be a mapping',
  },
  {
    name: 'A quoted "true" is a string, not a boolean.',
    policy: edit('  roles:\n', '  scaleToZero: "true"\n  roles:\n'),
    line: 9,
    col: 16,
    message: 'spec.scaleToZero = "true", must be true or false',
  },
  {
    name: 'yes is a string in YAML 1.2, not a boolean.',
    policy: edit('  roles:\n', '  scaleToZero: yes\n  roles:\n'),
    line: 9,
    col: 16,
    message: 'spec.scaleToZero = "yes", must be true or false',
  },
  {
    name: 'A key with no value is null, reported right after its colon.',
    policy: edit('ttftMs: 500', 'ttftMs:'),
    line: 21,
    col: 12,
    message: 'spec.slo.ttftMs = null, must be a number',
  },
  {
    name: 'A fractional replica count must be an integer.',
    policy: edit('maxReplicas: 16', 'maxReplicas: 16.5'),
    line: 13,
    col: 20,
    message: 'spec.roles.prefill.maxReplicas = 16.5, must be an integer',
  },
  {
    name: 'A quoted replica count is a string, and the message says an integer is wanted.',
    policy: edit('maxReplicas: 16', 'maxReplicas: "16"'),
    line: 13,
    col: 20,
    message: 'spec.roles.prefill.maxReplicas = "16", must be an integer',
  },
  {
    name: 'A quantile outside the list names the allowed ones.',
    policy: edit('quantile: p90', 'quantile: p999'),
    line: 20,
    col: 15,
    message: 'spec.slo.quantile = "p999", must be one of p50, p90, p95, p99',
  },
  {
    name: 'A forecast method outside the list names the allowed ones.',
    policy: edit('method: holt', 'method: arima'),
    line: 38,
    col: 13,
    message: 'spec.forecast.method = "arima", must be one of none, ewma, holt',
  },
  {
    name: 'A GPU budget sharing rule outside the list names the allowed ones.',
    policy: edit('    max: 40\n', '    max: 40\n    sharing: nonsense\n'),
    line: 31,
    col: 14,
    message: 'spec.gpuBudget.sharing = "nonsense", must be one of marginal-slo, proportional',
  },
  {
    name: 'A decode sizing model outside the list names the allowed ones.',
    policy: edit('    method: holt\n', '    method: holt\n  sizing:\n    decode: { model: active }\n'),
    line: 40,
    col: 22,
    message: 'spec.sizing.decode.model = "active", must be one of littles-law, active-conversations',
  },
  {
    name: 'A negative cross-check tolerance is out of range.',
    policy: edit(
      '    method: holt\n',
      '    method: holt\n  sizing:\n    decode: { crossCheckTolerance: -1 }\n',
    ),
    line: 40,
    col: 36,
    message: 'spec.sizing.decode.crossCheckTolerance = -1, must be >= 0',
  },
];

const unknownKeys: InvalidCase[] = [
  {
    name: 'An unknown top-level key lists the allowed keys.',
    policy: `${base}status: {}\n`,
    line: 48,
    col: 1,
    message: 'status: unknown key (allowed: apiVersion, kind, metadata, spec)',
  },
  {
    name: 'An unknown key in spec lists the allowed keys.',
    policy: edit('  roles:\n', '  replicas: 3\n  roles:\n'),
    line: 9,
    col: 3,
    message:
      'spec.replicas: unknown key (allowed: target, roles, scaleToZero, slo, capacity, ratio, gpuBudget, behavior, forecast, sizing, gateway, fluid, schedules, metrics, expressions)',
  },
  {
    name: 'A typo in a role (maxReplica) is an unknown key, not a silent default.',
    policy: edit('    decode:\n', '    decode:\n      maxReplica: 40\n'),
    line: 16,
    col: 7,
    message:
      'spec.roles.decode.maxReplica: unknown key (allowed: roleName, gpusPerReplica, minReplicas, maxReplicas, coldStart)',
  },
  {
    name: 'An unknown key in behavior lists the allowed keys.',
    policy: edit('  behavior:\n', '  behavior:\n    cooldown: 5m\n'),
    line: 32,
    col: 5,
    message:
      'spec.behavior.cooldown: unknown key (allowed: scaleUp, scaleDown, staleAfter, panic, correction, burnRate)',
  },
  {
    name: 'A British spelling in behavior.scaleDown is an unknown key.',
    policy: edit('      stabilizationWindow: 5m', '      stabilisationWindow: 5m'),
    line: 35,
    col: 7,
    message:
      'spec.behavior.scaleDown.stabilisationWindow: unknown key (allowed: stabilizationWindow, maxStepReplicas, maxStepPercent, margin, smoothing, burstMemory)',
  },
  {
    name: 'An unknown key in a schedule (timezone for timeZone) lists the allowed keys.',
    policy: edit('      timeZone: Europe/Berlin', '      timezone: Europe/Berlin'),
    line: 42,
    col: 7,
    message: 'spec.schedules[0].timezone: unknown key (allowed: name, cron, timeZone, minReplicas)',
  },
];

const requiredAndFixed: InvalidCase[] = [
  {
    name: 'A missing spec.slo.ttftMs is reported on the slo key whose mapping should hold it.',
    policy: edit('    ttftMs: 500\n', ''),
    line: 19,
    col: 3,
    message: 'spec.slo.ttftMs is required (a number)',
  },
  {
    name: 'A missing integer key says an integer is wanted, on the decode key that should hold it.',
    policy: edit('      maxReplicas: 32\n', ''),
    line: 15,
    col: 5,
    message: 'spec.roles.decode.maxReplicas is required (an integer)',
  },
  {
    name: 'A missing spec.slo mapping is reported on the spec key.',
    policy: edit('  slo:\n    quantile: p90\n    ttftMs: 500\n    tpotMs: 25\n', ''),
    line: 6,
    col: 1,
    message: 'spec.slo is required (a mapping)',
  },
  {
    name: 'A missing top-level spec is reported at the start of the file.',
    policy: base.slice(0, base.indexOf('spec:')),
    line: 1,
    col: 1,
    message: 'spec is required (a mapping)',
  },
  {
    name: 'A missing kind is reported at the start of the file as required, naming the one supported.',
    policy: edit('kind: ScalingPolicy\n', ''),
    line: 1,
    col: 1,
    message: 'kind is required (must be "ScalingPolicy")',
  },
  {
    name: 'A wrong apiVersion names the one supported.',
    policy: edit('pdscaler.io/v1alpha1', 'pdscaler.io/v1'),
    line: 1,
    col: 13,
    message: 'apiVersion = "pdscaler.io/v1", must be "pdscaler.io/v1alpha1"',
  },
  {
    name: 'A wrong kind names the one supported.',
    policy: edit('kind: ScalingPolicy', 'kind: HorizontalPodAutoscaler'),
    line: 2,
    col: 7,
    message: 'kind = "HorizontalPodAutoscaler", must be "ScalingPolicy"',
  },
  {
    name: 'A metadata.name that is not a DNS-1123 label says what a label may contain.',
    policy: edit('name: llama-8b-chat', 'name: Llama_8B'),
    line: 4,
    col: 9,
    message: `metadata.name = "Llama_8B", must be a lowercase DNS-1123 label (a-z, 0-9, '-')`,
  },
];

const ranges: InvalidCase[] = [
  {
    name: 'A TTFT SLO of 0 ms must be positive.',
    policy: edit('ttftMs: 500', 'ttftMs: 0'),
    line: 21,
    col: 13,
    message: 'spec.slo.ttftMs = 0, must be > 0',
  },
  {
    name: 'A negative TPOT SLO must be positive.',
    policy: edit('tpotMs: 25', 'tpotMs: -5'),
    line: 22,
    col: 13,
    message: 'spec.slo.tpotMs = -5, must be > 0',
  },
  {
    name: 'Zero GPUs per replica must be at least 1.',
    policy: edit('gpusPerReplica: 1', 'gpusPerReplica: 0'),
    line: 11,
    col: 23,
    message: 'spec.roles.prefill.gpusPerReplica = 0, must be >= 1',
  },
  {
    name: 'More than 10,000 replicas is out of range.',
    policy: edit('maxReplicas: 16', 'maxReplicas: 20000'),
    line: 13,
    col: 20,
    message: 'spec.roles.prefill.maxReplicas = 20000, must be <= 10000',
  },
  {
    name: 'A maxReplicas of 0 is one problem (must be >= 1), not also one against minReplicas.',
    policy: edit('maxReplicas: 16', 'maxReplicas: 0'),
    line: 13,
    col: 20,
    message: 'spec.roles.prefill.maxReplicas = 0, must be >= 1',
  },
  {
    name: 'A duration in words (5 minutes) must be written like 5m.',
    policy: edit('stabilizationWindow: 5m', 'stabilizationWindow: 5 minutes'),
    line: 35,
    col: 28,
    message:
      'spec.behavior.scaleDown.stabilizationWindow = "5 minutes", must be a duration such as 30s, 5m or 1h30m',
  },
  {
    name: 'A scale-down margin written as a percentage (80) is above its limit of 1.',
    policy: edit('margin: 0.8', 'margin: 80'),
    line: 36,
    col: 15,
    message: 'spec.behavior.scaleDown.margin = 80, must be <= 1',
  },
  {
    name: 'A burst memory in words (half an hour) must be written like 30m.',
    policy: edit('      margin: 0.8', '      margin: 0.8\n      burstMemory: half an hour'),
    line: 37,
    col: 20,
    message:
      'spec.behavior.scaleDown.burstMemory = "half an hour", must be a duration such as 30s, 5m or 1h30m',
  },
  {
    name: 'An SLO feedback headroom below 1 would take capacity away: it is below its limit of 1.',
    policy: edit('      margin: 0.8', '      margin: 0.8\n    burnRate:\n      maxHeadroom: 0.5'),
    line: 38,
    col: 20,
    message: 'spec.behavior.burnRate.maxHeadroom = 0.5, must be >= 1',
  },
];

const crossField: InvalidCase[] = [
  {
    name: 'minReplicas above maxReplicas is reported on maxReplicas.',
    policy: edit('minReplicas: 1', 'minReplicas: 20'),
    line: 13,
    col: 20,
    message: 'spec.roles.prefill.maxReplicas = 16, must be >= minReplicas (20)',
  },
  {
    name: 'minReplicas 0 without spec.scaleToZero is refused.',
    policy: edit('minReplicas: 2', 'minReplicas: 0'),
    line: 16,
    col: 20,
    message: 'spec.roles.decode.minReplicas = 0, must be >= 1 unless spec.scaleToZero is true',
  },
  {
    name: 'A ratio band whose minRatio is above its maxRatio is reported on maxRatio.',
    policy: edit('minRatio: 0.25', 'minRatio: 3'),
    line: 28,
    col: 15,
    message: 'spec.ratio.maxRatio = 2, must be >= minRatio (3)',
  },
  {
    name: 'A ratio band that no pair within the role bounds can meet names the bounds.',
    policy: edit('minRatio: 0.25', 'minRatio: 20', edit('maxRatio: 2', 'maxRatio: 30')),
    line: 27,
    col: 5,
    message:
      'spec.ratio [20, 30] admits no prefill/decode pair within the role bounds (prefill 1..16, decode 2..32)',
  },
  {
    name: "A GPU budget below the minimum replicas' GPUs shows the arithmetic, once (not again per schedule).",
    policy: edit('max: 40', 'max: 2'),
    line: 30,
    col: 10,
    message:
      'spec.gpuBudget.max = 2, must be >= the 3 GPUs of the minimum replicas (1 prefill x 1 + 2 decode x 1)',
  },
  {
    name: 'A GPU budget whose min is above its max is reported on max.',
    policy: edit('    max: 40\n', '    max: 40\n    min: 50\n'),
    line: 30,
    col: 10,
    message: 'spec.gpuBudget.max = 40, must be >= spec.gpuBudget.min (50)',
  },
];

const capacity: InvalidCase[] = [
  {
    name: 'Capacity with both profile and profileFile names the two it found.',
    policy: edit('    maxBatch: 256\n', '    profileFile: h200.json\n    maxBatch: 256\n'),
    line: 24,
    col: 5,
    message:
      'spec.capacity must set exactly one of profile, profileFile, explicit (found profile, profileFile)',
  },
  {
    name: 'Capacity with none of profile, profileFile or explicit says so.',
    policy: edit('    profile: dynamo-h200-llama3.1-8b-fp8\n', ''),
    line: 24,
    col: 5,
    message: 'spec.capacity must set exactly one of profile, profileFile, explicit (found none)',
  },
  {
    name: 'An unknown profile name lists the known profiles.',
    policy: edit('profile: dynamo-h200-llama3.1-8b-fp8', 'profile: dynamo-h100-llama3.1-8b-fp8'),
    line: 24,
    col: 14,
    message:
      'spec.capacity.profile = "dynamo-h100-llama3.1-8b-fp8" is not a known profile (known: dynamo-h200-llama3.1-8b-fp8, splitwise-h100-llama2-70b-tp4, splitwise-h100-llama2-70b-tp8, splitwise-a100-llama2-70b-tp4, splitwise-a100-llama2-70b-tp8, distserve-a100-opt-13b-tp1, distserve-a100-opt-13b-tp2, distserve-a100-opt-13b-tp4, distserve-a100-opt-66b-tp2, distserve-a100-opt-66b-tp3, distserve-a100-opt-66b-tp4, distserve-a100-opt-66b-tp8)',
  },
  {
    name: 'A profileFile that does not exist names the path it was resolved to, beside the policy.',
    policy: edit('profile: dynamo-h200-llama3.1-8b-fp8', 'profileFile: profiles/missing.json'),
    line: 24,
    col: 18,
    message: (dir) =>
      `spec.capacity.profileFile = "profiles/missing.json": file ${dir}/profiles/missing.json does not exist`,
  },
  {
    name: 'Two GPUs per replica with a profile measured at TP1 is refused.',
    policy: edit('gpusPerReplica: 1', 'gpusPerReplica: 2'),
    line: 11,
    col: 23,
    message:
      'spec.roles.prefill.gpusPerReplica = 2, must equal the TP1 the profile dynamo-h200-llama3.1-8b-fp8 measured prefill at (or use spec.capacity.explicit)',
  },
];

const schedules: InvalidCase[] = [
  {
    name: 'A cron hour of 25 names the field and the value.',
    policy: edit("cron: '* 8-19 * * 1-5'", "cron: '* 25 * * *'"),
    line: 41,
    col: 13,
    message:
      'spec.schedules[0].cron = "* 25 * * *" is not a valid cron expression: hour field "25" is not valid',
  },
  {
    name: 'A cron with 6 fields (with seconds) is refused: schedules have 5 fields.',
    policy: edit("cron: '* 8-19 * * 1-5'", "cron: '0 * 8-19 * * 1-5'"),
    line: 41,
    col: 13,
    message:
      'spec.schedules[0].cron = "0 * 8-19 * * 1-5" has 6 fields, must have 5 (minute hour day-of-month month day-of-week)',
  },
  {
    name: 'A cron macro (@daily) is one field, in the singular.',
    policy: edit("cron: '* 8-19 * * 1-5'", "cron: '@daily'"),
    line: 41,
    col: 13,
    message:
      'spec.schedules[0].cron = "@daily" has 1 field, must have 5 (minute hour day-of-month month day-of-week)',
  },
  {
    name: 'A time zone that is not IANA gives examples of ones that are.',
    policy: edit('timeZone: Europe/Berlin', 'timeZone: Mars/Olympus'),
    line: 42,
    col: 17,
    message:
      'spec.schedules[0].timeZone = "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)',
  },
  {
    name: "A schedule floor above the role's maxReplicas is reported on the floor.",
    policy: edit('decode: 4', 'decode: 40'),
    line: 45,
    col: 17,
    message: 'spec.schedules[0].minReplicas.decode = 40, must be <= spec.roles.decode.maxReplicas (32)',
  },
  {
    name: 'Schedule floors that need more GPUs than the budget name the schedule.',
    policy: edit('prefill: 2\n        decode: 4', 'prefill: 16\n        decode: 30'),
    line: 44,
    col: 9,
    message:
      'with spec.schedules[0] (business-hours) active, spec.gpuBudget.max = 40, must be >= the 46 GPUs of the minimum replicas (16 prefill x 1 + 30 decode x 1)',
  },
  {
    name: 'A GPU budget enough for the role minimums but not for the schedule floors names the schedule.',
    policy: edit('max: 40', 'max: 5'),
    line: 44,
    col: 9,
    message:
      'with spec.schedules[0] (business-hours) active, spec.gpuBudget.max = 5, must be >= the 6 GPUs of the minimum replicas (2 prefill x 1 + 4 decode x 1)',
  },
];

const expressions: InvalidCase[] = [
  {
    name: 'An expression calling import is refused.',
    policy: withPrefillExpression('import({}, {})'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill function import is not allowed (allowed: ${functionList})`,
  },
  {
    name: 'An expression assigning a variable is refused.',
    policy: withPrefillExpression('a = 1'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill contains an assignment, which is not allowed ${onlyAllowed}`,
  },
  {
    name: 'An expression calling evaluate is refused.',
    policy: withPrefillExpression('evaluate("1")'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill function evaluate is not allowed (allowed: ${functionList})`,
  },
  {
    name: 'An expression calling createUnit is refused.',
    policy: withPrefillExpression('createUnit("x")'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill function createUnit is not allowed (allowed: ${functionList})`,
  },
  {
    name: 'An expression building a matrix is refused.',
    policy: withPrefillExpression('[1, 2]'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill contains a matrix or list, which is not allowed ${onlyAllowed}`,
  },
  {
    name: 'An expression defining a function calls it a function definition.',
    policy: withPrefillExpression('f(x) = x'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill contains a function definition, which is not allowed ${onlyAllowed}`,
  },
  {
    name: 'An expression reading a property calls it property access.',
    policy: withPrefillExpression('prefill_request_rate.constructor'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill contains property or index access, which is not allowed ${onlyAllowed}`,
  },
  {
    name: 'An expression with a string constant is refused.',
    policy: withPrefillExpression('"40000"'),
    line: 47,
    col: 14,
    message: 'spec.expressions.prefill only numeric constants are allowed',
  },
  {
    name: 'An expression with a misspelt signal lists the known signals.',
    policy: withPrefillExpression('prefil_request_rate / 10'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill unknown signal "prefil_request_rate" (known: ${SignalNames.join(', ')})`,
  },
  {
    name: 'An expression of more than 100 nodes, though under 512 characters, is refused.',
    policy: withPrefillExpression(Array.from({ length: 60 }, () => '1').join(' + ')),
    line: 47,
    col: 14,
    message: 'spec.expressions.prefill has 119 nodes, more than the limit of 100',
  },
  {
    name: 'An expression over 512 characters is refused.',
    policy: withPrefillExpression(`${'1+'.repeat(300)}1`),
    line: 47,
    col: 14,
    message: 'spec.expressions.prefill is longer than 512 characters',
  },
  {
    name: 'An expression that is not finite on the dry run (1/0) is refused.',
    policy: withPrefillExpression('1/0'),
    line: 47,
    col: 14,
    message:
      'spec.expressions.prefill must evaluate to a finite number (a dry run with every signal = 1 gave Infinity)',
  },
  {
    name: 'An expression that does not parse quotes the parser.',
    policy: withPrefillExpression('prefill_waiting +'),
    line: 47,
    col: 14,
    messagePrefix: 'spec.expressions.prefill does not parse: ',
  },
  {
    name: 'A call with too few arguments (max()) is an invalid expression, not an internal error.',
    policy: withPrefillExpression('max()'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill ${dryRun} Too few arguments in function max (expected: any, index: 0)`,
  },
  {
    name: 'A call with too many arguments (round(1, 2, 3)) is an invalid expression.',
    policy: withPrefillExpression('round(1, 2, 3)'),
    line: 47,
    col: 14,
    message: `spec.expressions.prefill ${dryRun} Too many arguments in function round (expected: 2, actual: 3)`,
  },
];

const cases: readonly InvalidCase[] = [
  ...bytesAndSyntax,
  ...types,
  ...unknownKeys,
  ...requiredAndFixed,
  ...ranges,
  ...crossField,
  ...capacity,
  ...schedules,
  ...expressions,
];

const root = mkdtempSync(join(tmpdir(), 'pdscaler-invalid-corpus-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Validated {
  readonly file: string;
  readonly dir: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderrLines: readonly string[];
}

/** Writes `policy` to a fresh directory and runs `pdscaler validate` on it in-process. */
async function validate(policy: string | Buffer): Promise<Validated> {
  const dir = mkdtempSync(join(root, 'case-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, policy);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    nowMs: () => Date.UTC(2026, 10, 25, 8, 30),
    env: {},
  };
  const code = await runCli(['validate', file], io);
  const lines = stderr.join('').split('\n');
  return { file, dir, code, stdout: stdout.join(''), stderrLines: lines.slice(0, -1) };
}

describe('pdscaler validate on invalid policies', () => {
  it('accepts the base policy every case is an edit of', async () => {
    const result = await validate(base);
    expect(result.stderrLines).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${result.file}: ok (policy serving/llama-8b-chat, RBG llama-8b-chat)\n`);
  });

  it('has at least 34 invalid policies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(34);
  });

  it('accepts a policy of exactly 1 MiB', async () => {
    const result = await validate(paddedTo(oneMiB));
    expect(result.stderrLines).toEqual([]);
    expect(result.code).toBe(0);
  });

  it.each(cases)('$name', async ({ policy, line, col, message, messagePrefix, followOnErrors }) => {
    const result = await validate(policy);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    // Each case has one problem, reported once.
    if (followOnErrors === undefined)
      expect(result.stderrLines, result.stderrLines.join('\n')).toHaveLength(2);
    expect(result.stderrLines.at(-1)).toBe('1 of 1 policies invalid');
    const first = result.stderrLines[0] ?? '';
    const where = `${result.file}:${line}:${col}: `;
    if (messagePrefix === undefined) {
      const expected = typeof message === 'function' ? message(result.dir) : message;
      expect(first).toBe(`${where}${expected ?? ''}`);
    } else {
      expect(first.startsWith(`${where}${messagePrefix}`), first).toBe(true);
    }
  });

  it('reports every independent problem of one file, each once and in file order', async () => {
    let policy = edit('kind: ScalingPolicy', 'kind: ScalingPolicies');
    policy = edit('coldStart: 90s', 'coldStart: 90 seconds', policy);
    policy = edit('ttftMs: 500', 'ttftMs: 0', policy);
    policy = edit('      margin: 0.8', '      margn: 0.8', policy);
    policy = edit('method: holt', 'method: arima', policy);
    const result = await validate(policy);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderrLines).toEqual([
      `${result.file}:2:7: kind = "ScalingPolicies", must be "ScalingPolicy"`,
      `${result.file}:18:18: spec.roles.decode.coldStart = "90 seconds", must be a duration such as 30s, 5m or 1h30m`,
      `${result.file}:21:13: spec.slo.ttftMs = 0, must be > 0`,
      `${result.file}:36:7: spec.behavior.scaleDown.margn: unknown key (allowed: stabilizationWindow, maxStepReplicas, maxStepPercent, margin, smoothing, burstMemory)`,
      `${result.file}:38:13: spec.forecast.method = "arima", must be one of none, ewma, holt`,
      '1 of 1 policies invalid',
    ]);
  });

  it('reports every invalid file of several and counts them', async () => {
    const good = await validate(base);
    const bad = await validate(edit('ttftMs: 500', 'ttftMs: 0'));
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = {
      stdout: (text) => stdout.push(text),
      stderr: (text) => stderr.push(text),
      nowMs: () => 0,
      env: {},
    };
    expect(await runCli(['validate', good.file, bad.file], io)).toBe(2);
    expect(stdout.join('')).toBe(`${good.file}: ok (policy serving/llama-8b-chat, RBG llama-8b-chat)\n`);
    expect(stderr.join('')).toBe(
      `${bad.file}:21:13: spec.slo.ttftMs = 0, must be > 0\n1 of 2 policies invalid\n`,
    );
  });
});
