// SPDX-License-Identifier: Apache-2.0
// Where integration tests find a system binary from a Debian package (prometheus, chromium): an
// override environment variable when set (and only it), else `/usr/bin/NAME`, else NAME on PATH.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findSystemBinary(name: string, overrideEnv: string): string | undefined {
  const override = process.env[overrideEnv];
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const candidates =
    override !== undefined && override !== ''
      ? [override]
      : [`/usr/bin/${name}`, ...dirs.map((d) => join(d, name))];
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
