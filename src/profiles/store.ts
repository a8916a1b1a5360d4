// SPDX-License-Identifier: Apache-2.0
// Where a named profile comes from. The package ships the built-in profiles' source files
// (data/profiles); a user's profiles directory (`--profiles-dir`, env PDSCALER_PROFILES_DIR, or
// `profilesDir` in a serve config) adds profiles and overrides built-in ones. For a name N, first hit:
//   1. DIR/N.json, a profile in the Dynamo JSON shape (what `pdscaler profiles import` writes);
//   2. DIR/<the built-in N's source path>, e.g. DIR/splitwise_sim/perf_model.csv (a newer copy);
//   3. the built-in N's source file in the package.
// docs/profiles.md documents the same order.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ProfileData } from '../decision/profile-capacity.js';
import { shippedProfilesDir } from '../package-root.js';
import {
  distServeProfile,
  maxKvTokensOf,
  optModels,
  parseDistServeJson,
  parseMaxNumTokensCsv,
  selectDistServe,
} from '../policy/distserve-profile.js';
import { parseDynamoProfile, profileNames, profileRegistry, type ProfileEntry } from '../policy/profiles.js';
import { parseSplitwiseCsv, splitwiseProfile } from '../policy/splitwise-profile.js';

export interface ProfileStoreOptions {
  /** The user's profiles directory; without it only the built-in profiles exist. */
  readonly profilesDir?: string;
}

export type ProfileResult = { ok: true; profile: ProfileData } | { ok: false; message: string };
type Read<T> = ({ ok: true } & T) | { ok: false; message: string };

/** Where a listed profile's numbers are read from. */
export type ProfileOrigin = 'built-in' | 'user' | 'user override';

export interface ProfileListing {
  readonly name: string;
  readonly origin: ProfileOrigin;
  /** The file read (for a DistServe profile, its coefficient JSON). */
  readonly file: string;
  readonly source: string;
  readonly license: string;
}

const userSuffix = '.json';

/** Why a file or folder could not be read: missing (with a hint, if any), or the system's reason. */
function unreadable(what: string, error: unknown, hint = ''): { ok: false; message: string } {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  return {
    ok: false,
    message: missing
      ? `${what} does not exist${hint}`
      : `${what} cannot be read: ${(error as Error).message}`,
  };
}

export function readText(path: string): Read<{ text: string }> {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (error) {
    return unreadable(`file ${path}`, error);
  }
}

export function parseJson(path: string, text: string): Read<{ json: unknown }> {
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `file ${path} cannot be read: ${(error as Error).message}` };
  }
}

/** A profile file in the Dynamo JSON shape (a user profile, or capacity.profileFile), named `name`. */
export function readProfileFile(name: string, path: string): ProfileResult {
  const read = readText(path);
  if (!read.ok) return read;
  const json = parseJson(path, read.text);
  if (!json.ok) return json;
  const parsed = parseDynamoProfile(name, json.json);
  return parsed.ok ? parsed : { ok: false, message: `${path} ${parsed.message}` };
}

/** The user directory's file for a built-in source path if it has one, else the shipped file. */
function sourcePath(relative: string, options: ProfileStoreOptions): string {
  const override = options.profilesDir === undefined ? undefined : resolve(options.profilesDir, relative);
  return override !== undefined && existsSync(override) ? override : resolve(shippedProfilesDir, relative);
}

function readDistServe(
  name: string,
  entry: Extract<ProfileEntry, { format: 'distserve-json' }>,
  options: ProfileStoreOptions,
): ProfileResult {
  const path = sourcePath(entry.path, options);
  const kvPath = sourcePath(entry.kvPath, options);
  const [read, kvRead] = [readText(path), readText(kvPath)];
  if (!read.ok) return read;
  if (!kvRead.ok) return kvRead;
  const json = parseJson(path, read.text);
  if (!json.ok) return json;
  const file = parseDistServeJson(json.json);
  if (!file.ok) return { ok: false, message: `${path}: ${file.message}` };
  const kv = parseMaxNumTokensCsv(kvRead.text);
  if (!kv.ok) return { ok: false, message: `${kvPath}:${kv.message}` };
  const selected = selectDistServe(file.file, entry.selector);
  if (!selected.ok) return { ok: false, message: `${path} ${selected.message}` };
  const maxKvTokens = maxKvTokensOf(kv.rows, entry.selector);
  if (maxKvTokens === undefined) {
    return {
      ok: false,
      message: `${kvPath} has no row for ${entry.selector.model} at tp ${entry.selector.tensorParallel}, pp 1`,
    };
  }
  const model = optModels[entry.selector.model];
  const built = distServeProfile(name, entry.selector, selected.coefficients, {
    maxKvTokens,
    maxContextTokens: model?.maxContextTokens ?? 2048,
    ...(model === undefined ? {} : { kvBytesPerToken: model.kvBytesPerToken }),
  });
  return built.ok ? built : { ok: false, message: `${path}: ${built.message}` };
}

/** A built-in profile from its source file (the user's copy when the directory has one). */
function readBuiltIn(name: string, entry: ProfileEntry, options: ProfileStoreOptions): ProfileResult {
  if (entry.format === 'distserve-json') return readDistServe(name, entry, options);
  const path = sourcePath(entry.path, options);
  if (entry.format === 'dynamo-json') return readProfileFile(name, path);
  const read = readText(path);
  if (!read.ok) return read;
  const csv = parseSplitwiseCsv(read.text);
  if (!csv.ok) return { ok: false, message: `${path}:${csv.message}` };
  const built = splitwiseProfile(name, csv.rows, entry.selector);
  return built.ok ? built : { ok: false, message: `${path} ${built.message}` };
}

/** The names of the user directory's profiles (its `*.json` files), sorted; none without a directory. */
function userProfileNames(options: ProfileStoreOptions): Read<{ names: string[] }> {
  const dir = options.profilesDir;
  if (dir === undefined) return { ok: true, names: [] };
  try {
    const files = readdirSync(dir, { withFileTypes: true });
    return {
      ok: true,
      names: files
        .filter((f) => f.isFile() && f.name.endsWith(userSuffix))
        .map((f) => basename(f.name, userSuffix))
        .sort(),
    };
  } catch (error) {
    return unreadable(`profiles directory ${dir}`, error, ' (set --profiles-dir or PDSCALER_PROFILES_DIR)');
  }
}

/** Reads a named profile: the user's, else the built-in one (see the order above). */
export function readNamedProfile(name: string, options: ProfileStoreOptions = {}): ProfileResult {
  const dir = userProfileNames(options);
  if (!dir.ok) return { ok: false, message: `${JSON.stringify(name)}: ${dir.message}` };
  const userFile =
    options.profilesDir === undefined ? undefined : resolve(options.profilesDir, `${name}${userSuffix}`);
  const entry = profileRegistry[name];
  const result =
    userFile !== undefined && existsSync(userFile)
      ? readProfileFile(name, userFile)
      : entry !== undefined
        ? readBuiltIn(name, entry, options)
        : undefined;
  if (result === undefined) {
    const known = [...profileNames, ...dir.names];
    return {
      ok: false,
      message: `${JSON.stringify(name)} is not a known profile (known: ${known.join(', ')})`,
    };
  }
  return result.ok ? result : { ok: false, message: `${JSON.stringify(name)}: ${result.message}` };
}

/** Provenance a user profile file states about itself (`source`, `license`), if any. */
function statedProvenance(path: string): { source: string; license: string } {
  const read = readText(path);
  const json = read.ok ? parseJson(path, read.text) : undefined;
  const fields =
    json?.ok === true && typeof json.json === 'object' && json.json !== null
      ? (json.json as Record<string, unknown>)
      : {};
  const text = (value: unknown): string => (typeof value === 'string' && value !== '' ? value : 'not stated');
  return { source: text(fields.source), license: text(fields.license) };
}

/** Every profile a name can reach: built-in ones in registry order, then the user's, with where each is read. */
export function listProfiles(options: ProfileStoreOptions = {}): Read<{ profiles: ProfileListing[] }> {
  const users = userProfileNames(options);
  if (!users.ok) return users;
  const dir = options.profilesDir ?? shippedProfilesDir;
  const userFile = (name: string): string => resolve(dir, `${name}${userSuffix}`);
  const builtIn = profileNames.map((name): ProfileListing => {
    const entry = profileRegistry[name] as ProfileEntry;
    if (users.names.includes(name)) {
      return { name, origin: 'user override', file: userFile(name), ...statedProvenance(userFile(name)) };
    }
    const file = sourcePath(entry.path, options);
    const origin = file === resolve(shippedProfilesDir, entry.path) ? 'built-in' : 'user override';
    return { name, origin, file, source: entry.source, license: entry.license };
  });
  const own = users.names
    .filter((name) => profileRegistry[name] === undefined)
    .map((name): ProfileListing => ({
      name,
      origin: 'user',
      file: userFile(name),
      ...statedProvenance(userFile(name)),
    }));
  return { ok: true, profiles: [...builtIn, ...own] };
}
