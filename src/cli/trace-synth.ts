// SPDX-License-Identifier: Apache-2.0
// `pdscaler trace synth FAMILY [--seed N] [--rate R] [--duration D] [--lengths MIX] --out FILE`: write
// a synthetic trace (src/sim/trace/synth/) as Mooncake JSONL, the same requests a suite case naming
// `synth:FAMILY?...` replays. Bad input is refused with exit code 2 before anything is written.
import { writeFileSync } from 'node:fs';
import { synthSourceOf, synthSpecOf, type SynthTexts } from '../sim/trace/synth/spec.js';
import { synthesize } from '../sim/trace/synth/synthesize.js';
import { traceAsMooncakeJsonl } from '../sim/trace/synth/write-jsonl.js';
import { ExitCode, type CliIo } from './io.js';

export interface TraceSynthOptions extends SynthTexts {
  readonly out: string;
}

export function runTraceSynth(familyName: string, options: TraceSynthOptions, io: CliIo): ExitCode {
  const parsed = synthSpecOf(familyName, options);
  if (!parsed.ok) {
    io.stderr(`trace synth: ${parsed.message}\n`);
    return ExitCode.invalid;
  }
  const trace = synthesize(parsed.spec);
  try {
    writeFileSync(options.out, traceAsMooncakeJsonl(trace), { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' ? 'the file exists (remove it first)' : (error as Error).message;
    io.stderr(`trace synth: --out ${options.out}: cannot write: ${why}\n`);
    return ExitCode.invalid;
  }
  io.stdout(
    `${options.out}: ${trace.requests.length} requests over ${trace.durationS.toFixed(1)} s ` +
      `(${synthSourceOf(parsed.spec)})\n${trace.transforms[0]?.description ?? ''}\n`,
  );
  return ExitCode.ok;
}
