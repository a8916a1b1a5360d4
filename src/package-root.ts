// SPDX-License-Identifier: Apache-2.0
// Where the package's own files are, from src/ or dist/src/ alike: the data it ships (data/README.md)
// sits beside package.json in a clone, an installed package and the container image.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module with a package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The built-in capacity profiles' source files (data/profiles/README.md). */
export const shippedProfilesDir = resolve(packageRoot(), 'data/profiles');

/** The public request traces (data/traces/README.md); the package carries only the Mooncake one. */
export const shippedTracesDir = resolve(packageRoot(), 'data/traces');
