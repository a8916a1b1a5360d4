// SPDX-License-Identifier: Apache-2.0
// The README quotes headline rows of the backtest table; `npm run backtests` rewrites only
// docs/backtests.md, so every quoted row must still say what that table says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const cells = (line: string) =>
  line
    .split('|')
    .map((c) => c.trim())
    .filter((c) => c !== '');

/** Rows of the measured table: case + system -> { both SLOs, GPU-h, x oracle, goodput/GPU-h }. */
function measured(): Map<string, readonly string[]> {
  const table =
    read('docs/backtests.md').split('<!-- backtests:begin -->')[1]?.split('<!-- backtests:end -->')[0] ?? '';
  const rows = new Map<string, readonly string[]>();
  for (const line of table
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| case') && !l.startsWith('| --'))) {
    const [name, system, both, , , gpuHours, xOracle, goodput] = cells(line);
    rows.set(`${name} / ${system}`, [both ?? '', gpuHours ?? '', xOracle ?? '', goodput ?? '']);
  }
  return rows;
}

const quoted = read('README.md')
  .split('\n')
  .filter((l) => /^\| (mooncake|Azure)/.test(l))
  .map(cells);

describe('README backtest rows', () => {
  it('quotes some rows', () => {
    expect(quoted.length).toBeGreaterThanOrEqual(4);
  });

  it.each(quoted.map((row) => [`${row[0]} / ${row[1]}`, row] as const))(
    '%s matches docs/backtests.md',
    (key, row) => {
      expect(measured().get(key), `${key}: run npm run backtests, then copy the row into README.md`).toEqual([
        row[2],
        row[3],
        row[4],
        row[5],
      ]);
    },
  );
});
