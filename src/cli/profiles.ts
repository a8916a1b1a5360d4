// SPDX-License-Identifier: Apache-2.0
// `pdscaler profiles list [--json]` and `pdscaler profiles show NAME [--tpot D] [--ttft D] [--json]`:
// the built-in capacity profiles and the user's (--profiles-dir), with where each comes from, its
// licence, and the numbers the capacity model reads (src/profiles/summary.ts).
// `pdscaler profiles import INPUT --format dynamo|splitwise|distserve --name NAME [--out FILE] ...`:
// writes one profile file from published profiling data (src/profiles/import.ts).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDurationS } from '../policy/durations.js';
import { durationPattern } from '../policy/schema.js';
import {
  listProfiles,
  readNamedProfile,
  type ProfileListing,
  type ProfileStoreOptions,
} from '../profiles/store.js';
import { importFormats, importProfile, type ImportRequest } from '../profiles/import.js';
import { formatSummary, summarizeProfile, type SummaryTargets } from '../profiles/summary.js';
import { ExitCode, type CliIo } from './io.js';

export interface ProfilesListOptions extends ProfileStoreOptions {
  readonly json?: boolean;
}

export interface ProfilesShowOptions extends ProfileStoreOptions {
  readonly tpot?: string;
  readonly ttft?: string;
  readonly json?: boolean;
}

interface ListRow extends ProfileListing {
  readonly gpusPerReplica: { readonly prefill: number; readonly decode: number };
  readonly kvCapacityTokens: number;
}

export function runProfilesList(options: ProfilesListOptions, io: CliIo): ExitCode {
  const listed = listProfiles(options);
  if (!listed.ok) {
    io.stderr(`${listed.message}\n`);
    return ExitCode.invalid;
  }
  const rows: ListRow[] = [];
  let unreadable = 0;
  for (const listing of listed.profiles) {
    const read = readNamedProfile(listing.name, options);
    if (!read.ok) {
      unreadable++;
      io.stderr(`${read.message}\n`);
      continue;
    }
    const { profile } = read;
    rows.push({
      ...listing,
      gpusPerReplica: { prefill: profile.prefillTp, decode: profile.decodeTp },
      kvCapacityTokens: profile.decode.maxKvTokens,
    });
  }
  if (options.json === true) io.stdout(`${JSON.stringify({ profiles: rows }, null, 2)}\n`);
  else io.stdout(listText(rows));
  return unreadable > 0 ? ExitCode.invalid : ExitCode.ok;
}

const listHeader = ['NAME', 'ORIGIN', 'GPUS P/D', 'KV TOKENS', 'LICENSE', 'SOURCE'];

function listText(rows: readonly ListRow[]): string {
  const table = [
    listHeader,
    ...rows.map((r) => [
      r.name,
      r.origin,
      `${r.gpusPerReplica.prefill}/${r.gpusPerReplica.decode}`,
      r.kvCapacityTokens.toLocaleString('en-US'),
      r.license,
      r.source,
    ]),
  ];
  const widths = listHeader.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ');
  return `${table.map(line).join('\n')}\n`;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function targetMs(flag: string, text: string | undefined): Parsed<number | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  if (!durationPattern.test(text) || parseDurationS(text) <= 0) {
    return {
      ok: false,
      message: `${flag} ${JSON.stringify(text)} is not a positive duration such as 50ms or 2s`,
    };
  }
  return { ok: true, value: parseDurationS(text) * 1000 };
}

export function runProfilesShow(name: string, options: ProfilesShowOptions, io: CliIo): ExitCode {
  const tpot = targetMs('--tpot', options.tpot);
  const ttft = targetMs('--ttft', options.ttft);
  for (const parsed of [tpot, ttft]) {
    if (parsed.ok) continue;
    io.stderr(`${parsed.message}\n`);
    return ExitCode.invalid;
  }
  const read = readNamedProfile(name, options);
  if (!read.ok) {
    io.stderr(`${read.message}\n`);
    return ExitCode.invalid;
  }
  const listed = listProfiles(options);
  const listing = listed.ok ? listed.profiles.find((p) => p.name === name) : undefined;
  // Every readable name is listed (store.ts): a miss here is our bug, not the user's input.
  if (listing === undefined) throw new Error(`profile ${name} was read but is not listed`);
  const targets: SummaryTargets = {
    ...(tpot.ok && tpot.value !== undefined ? { tpotMs: tpot.value } : {}),
    ...(ttft.ok && ttft.value !== undefined ? { ttftMs: ttft.value } : {}),
  };
  const summary = summarizeProfile(listing, read.profile, targets);
  io.stdout(options.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return ExitCode.ok;
}

export interface ProfilesImportOptions extends ProfileStoreOptions {
  readonly format: string;
  readonly name: string;
  readonly out?: string;
  readonly force?: boolean;
  readonly model?: string;
  readonly hardware?: string;
  readonly tp?: string;
  readonly prefillTp?: string;
  readonly decodeTp?: string;
  readonly maxKvTokens?: string;
  readonly maxContext?: string;
  readonly kvBytesPerToken?: string;
  readonly source?: string;
  readonly license?: string;
}

const countFlags = [
  ['tp', '--tp', 'tensorParallel'],
  ['prefillTp', '--prefill-tp', 'prefillTp'],
  ['decodeTp', '--decode-tp', 'decodeTp'],
  ['maxKvTokens', '--max-kv-tokens', 'maxKvTokens'],
  ['maxContext', '--max-context', 'maxContextTokens'],
  ['kvBytesPerToken', '--kv-bytes-per-token', 'kvBytesPerToken'],
] as const;

/** A profile name is its file name in a profiles directory: letters, digits, `.`, `_`, `-`. */
const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function importRequest(input: string, options: ProfilesImportOptions): Parsed<ImportRequest> {
  const format = importFormats.find((f) => f === options.format);
  if (format === undefined) {
    return {
      ok: false,
      message: `--format ${JSON.stringify(options.format)} is not one of ${importFormats.join(', ')}`,
    };
  }
  if (!profileNamePattern.test(options.name)) {
    return {
      ok: false,
      message: `--name ${JSON.stringify(options.name)} must be letters, digits, '.', '_' or '-'`,
    };
  }
  const counts: Record<string, number> = {};
  for (const [option, flag, field] of countFlags) {
    const text = options[option];
    if (text === undefined) continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1)
      return { ok: false, message: `${flag} ${JSON.stringify(text)} is not a positive integer` };
    counts[field] = value;
  }
  const texts = Object.fromEntries(
    (['model', 'hardware', 'source', 'license'] as const).flatMap((k) =>
      options[k] === undefined ? [] : [[k, options[k]]],
    ),
  );
  return { ok: true, value: { format, input, name: options.name, ...texts, ...counts } };
}

export function runProfilesImport(input: string, options: ProfilesImportOptions, io: CliIo): ExitCode {
  const request = importRequest(input, options);
  if (!request.ok) {
    io.stderr(`${request.message}\n`);
    return ExitCode.invalid;
  }
  const out = options.out ?? join(options.profilesDir ?? '.', `${options.name}.json`);
  if (existsSync(out) && options.force !== true) {
    io.stderr(`${out} exists (use --force to replace it)\n`);
    return ExitCode.invalid;
  }
  const imported = importProfile(request.value);
  if (!imported.ok) {
    io.stderr(`${imported.message}\n`);
    return ExitCode.invalid;
  }
  const { document } = imported;
  writeFileSync(out, `${JSON.stringify(document, null, 1)}\n`);
  io.stdout(
    `wrote profile ${document.name} to ${out}: TP ${document.prefill_tp} prefill / ${document.decode_tp} decode, ` +
      `${document.prefill.prefill_isl.length} prefill points, ${document.decode.z_itl.length} decode points, ` +
      `KV capacity ${document.decode.max_kv_tokens.toLocaleString('en-US')} tokens\n`,
  );
  return ExitCode.ok;
}
