// SPDX-License-Identifier: Apache-2.0
// The `pdscaler` command line (contracts in docs/design.md).
import { Command } from 'commander';
import { runBacktestCommand } from './backtest.js';
import { SystemNames } from '../sim/result.js';
import { runDemo } from './demo.js';
import { ExitCode, type CliIo } from './io.js';
import { runPlan } from './plan.js';
import {
  runProfilesImport,
  runProfilesList,
  runProfilesShow,
  type ProfilesImportOptions,
} from './profiles.js';
import { runScrape } from './scrape.js';
import { runServe } from './serve.js';
import { runTraceSynth } from './trace-synth.js';
import { familyNames, workloadFamilies } from '../sim/trace/synth/families.js';
import { lengthMixNames } from '../sim/trace/synth/lengths.js';
import { runValidate } from './validate.js';

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command()
    .name('pdscaler')
    .description('SLO-driven autoscaling for prefill/decode disaggregated LLM serving on RoleBasedGroups')
    .option(
      '--profiles-dir <dir>',
      'your own capacity profiles, added to and overriding the built-in ones (env PDSCALER_PROFILES_DIR)',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const loadOptions = (): { profilesDir?: string } => {
    const dir = program.opts<{ profilesDir?: string }>().profilesDir ?? io.env.PDSCALER_PROFILES_DIR;
    return dir === undefined || dir === '' ? {} : { profilesDir: dir };
  };
  program
    .command('validate')
    .description('parse, validate and compile policies; errors as FILE:LINE:COL: message')
    .argument('<files...>', 'policy YAML files')
    .action((files: string[]) => {
      exitCode = runValidate(files, loadOptions(), io);
    });
  program
    .command('plan')
    .description('one decision for a policy and an observation, with its explanation')
    .requiredOption('--policy <file>', 'policy YAML')
    .requiredOption('--observation <file>', 'observation JSON')
    .option('--state <file>', 'decider state JSON from a previous plan (to step decisions)')
    .option('--state-out <file>', 'write the next state here')
    .option('--now <time>', 'decide at this RFC 3339 time (default: the observation time)')
    .option('--json', 'print the decision and next state as JSON')
    .action(
      (opts: {
        policy: string;
        observation: string;
        state?: string;
        stateOut?: string;
        now?: string;
        json?: boolean;
      }) => {
        exitCode = runPlan({ ...opts, ...loadOptions() }, io);
      },
    );
  program
    .command('scrape')
    .description('parse one engine /metrics page into the normalized per-pod sample')
    .requiredOption('--engine <engine>', 'vllm, sglang or dynamo')
    .option('--file <file>', 'a saved /metrics page')
    .option('--url <url>', 'an http:// /metrics URL')
    .option('--model <name>', 'only series of this model')
    .option('--json', 'print the sample as JSON')
    .action(async (opts: { engine: string; file?: string; url?: string; model?: string; json?: boolean }) => {
      exitCode = await runScrape(opts, io);
    });
  program
    .command('backtest')
    .description(
      'replay a trace through a simulated P/D fleet with pdscaler and the baselines, or run an evaluation suite',
    )
    .option('--policy <file>', 'policy YAML (required without --suite)')
    .option(
      '--trace <file>',
      'trace: Mooncake JSONL, Azure CSV, or timestamp_ms,input_tokens,output_tokens (required without --suite)',
    )
    .option(
      '--transform <spec>',
      'scale:F[:seed=N] | compress:F | day:DURATION[:peak=X] | slice:FROM-TO | splice:PATH (repeatable, in order)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--profile <name>',
      "simulated engine profile (default: the policy's spec.capacity.profile, else dynamo-h200-llama3.1-8b-fp8)",
    )
    .option(
      '--baselines <list>',
      `all (default), none, or a comma list of ${SystemNames.filter((n) => n !== 'pdscaler').join(',')}`,
    )
    .option(
      '--cold-start <duration>',
      'pod creation to Ready in the simulator, both roles or per role: prefill=60s,decode=3m (default 120s)',
    )
    .option('--json', 'print the comparison as JSON (docs/design.md contract)')
    .option('--report <file>', 'write the self-contained HTML report here')
    .option('--suite <name>', 'run a named evaluation suite instead of one backtest: standard or smoke')
    .option('--workers <n>', 'suite worker threads (default: the available parallelism)')
    .option('--docs <file>', 'with --suite: rewrite its sections between <!-- eval:begin/end --> markers')
    .option('--traces-dir <dir>', 'with --suite: where the traces are (env PDSCALER_TRACES_DIR)')
    .action(
      async (opts: {
        policy?: string;
        trace?: string;
        transform?: string[];
        profile?: string;
        baselines?: string;
        coldStart?: string;
        json?: boolean;
        report?: string;
        suite?: string;
        workers?: string;
        docs?: string;
        tracesDir?: string;
      }) => {
        exitCode = await runBacktestCommand({ ...opts, ...loadOptions() }, io);
      },
    );
  const profiles = program
    .command('profiles')
    .description(
      'the built-in capacity profiles and your own (--profiles-dir); import published profiling data',
    );
  profiles
    .command('list')
    .description('every profile a policy can name: origin, GPUs per replica, KV capacity, licence, source')
    .option('--json', 'print {"profiles": [...]} as JSON')
    .action((opts: { json?: boolean }) => {
      exitCode = runProfilesList({ ...opts, ...loadOptions() }, io);
    });
  profiles
    .command('show')
    .description('one profile: prefill TTFT and tokens/s by prompt length, decode ITL by batch and context')
    .argument('<name>', 'profile name (pdscaler profiles list)')
    .option(
      '--tpot <duration>',
      'also print the largest decode batch per context whose ITL meets this, e.g. 50ms',
    )
    .option('--ttft <duration>', 'also print the longest prompt whose unloaded TTFT meets this, e.g. 500ms')
    .option('--json', 'print the summary as JSON')
    .action((name: string, opts: { tpot?: string; ttft?: string; json?: boolean }) => {
      exitCode = runProfilesShow(name, { ...opts, ...loadOptions() }, io);
    });
  profiles
    .command('import')
    .description(
      'write a profile file (for capacity.profileFile or --profiles-dir) from published profiling data',
    )
    .argument(
      '<input>',
      'dynamo: a pre-deployment profiling results folder; splitwise: a CSV; distserve: a JSON',
    )
    .requiredOption('--format <format>', 'dynamo, splitwise or distserve')
    .requiredOption('--name <name>', 'the profile name (and file name NAME.json)')
    .option('--out <file>', 'where to write (default: NAME.json in --profiles-dir, else here)')
    .option('--force', 'replace an existing file')
    .option('--model <model>', 'splitwise, distserve: the model as the input names it')
    .option('--hardware <hardware>', 'splitwise: the hardware column, e.g. h100-80gb')
    .option('--tp <n>', 'splitwise, distserve: tensor-parallel GPUs per replica')
    .option('--prefill-tp <n>', 'dynamo: prefill TP (default: from a folder named like H200_TP1P_TP1D)')
    .option('--decode-tp <n>', 'dynamo: decode TP (default: from the folder name)')
    .option(
      '--max-kv-tokens <n>',
      'distserve: KV capacity per replica (default: max_num_tokens.csv beside the JSON)',
    )
    .option('--max-context <n>', "distserve: longest context the fit covers (default: the model's, for OPT)")
    .option('--kv-bytes-per-token <n>', 'distserve: KV bytes one token occupies (default: known for OPT)')
    .option('--source <text>', 'where the numbers come from (recorded in the file)')
    .option('--license <id>', 'the licence of the numbers, e.g. Apache-2.0 (recorded in the file)')
    .action((input: string, opts: Omit<ProfilesImportOptions, 'profilesDir'>) => {
      exitCode = runProfilesImport(input, { ...opts, ...loadOptions() }, io);
    });
  program
    .command('trace')
    .description('work with request traces')
    .command('synth')
    .description(
      `write a synthetic trace as Mooncake JSONL; families: ${workloadFamilies.map((f) => `${f.name} (${f.summary})`).join('; ')}`,
    )
    .argument('<family>', familyNames.join(', '))
    .requiredOption('--out <file>', 'the JSONL file to write (must not exist)')
    .option('--seed <n>', 'integer >= 0 fixing every random draw (default 1)')
    .option('--rate <req/s>', "the family's peak request rate (default 20)")
    .option('--duration <duration>', "trace length like 30m (default: the family's)")
    .option(
      '--lengths <mix>',
      `prompt/output length mix: ${lengthMixNames.join(', ')} (default: the family's)`,
    )
    .action(
      (
        family: string,
        opts: { out: string; seed?: string; rate?: string; duration?: string; lengths?: string },
      ) => {
        exitCode = runTraceSynth(family, opts, io);
      },
    );
  program
    .command('serve')
    .description('run the autoscaler: loops, outputs and leader election as the config says')
    .requiredOption(
      '--config <file>',
      'serve config YAML (mode, policies, listeners, leader election, state)',
    )
    .option('--log-level <level>', 'pino level: debug, info, warn, error (env PDSCALER_LOG_LEVEL)')
    .action(async (opts: { config: string; logLevel?: string }) => {
      exitCode = await runServe({ ...opts, ...loadOptions() }, io);
    });
  program
    .command('demo')
    .description(
      'the live demo on one machine: simulated P/D fleet, in-memory Kubernetes API, pdscaler, status page',
    )
    .option('--port <port>', 'status page port (0 picks a free one)', '8080')
    .option('--day <seconds>', 'seconds one simulated day of load takes', '1200')
    .option('--log-level <level>', 'pino level (env PDSCALER_LOG_LEVEL)')
    .action(async (opts: { port: string; day: string; logLevel?: string }) => {
      exitCode = await runDemo({ ...opts, ...loadOptions() }, io);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return ExitCode.ok;
    if (code?.startsWith('commander.') === true) return ExitCode.invalid;
    throw error;
  }
  return exitCode;
}
