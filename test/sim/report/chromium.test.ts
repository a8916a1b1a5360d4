// SPDX-License-Identifier: Apache-2.0
// The HTML report rendered by a REAL browser (Debian package `chromium`, headless): the screenshot must
// show the charts in the system colours and the live DOM must hold the drawn charts. Outside CI a
// missing binary skips this file with a message; under CI=true it fails.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemColors } from '../../../src/sim/report/charts.js';
import { renderReportHtml } from '../../../src/sim/report/html.js';
import { CHROMIUM_MISSING, findChromium, runHeadless } from '../../helpers/chromium.js';
import { PNG_SIGNATURE, countColours, decodePng, nonWhiteFraction, pngSize } from '../../helpers/png.js';
import { sampleReportData } from './sample-data.js';

const binary = findChromium();
const skip = binary === undefined && process.env.CI !== 'true';
if (skip) console.warn(`chromium.test.ts skipped: ${CHROMIUM_MISSING}`);

const TIMEOUT_MS = 60_000;
const WIDTH = 1400;
const HEIGHT = 2400;

let dir: string | undefined;
let url: string;

describe.skipIf(skip)(
  skip ? `report in real chromium (skipped: ${CHROMIUM_MISSING})` : 'report in real chromium',
  () => {
    beforeAll(async () => {
      if (binary === undefined) throw new Error(`CI=true but ${CHROMIUM_MISSING}`);
      dir = await mkdtemp(join(tmpdir(), 'pdscaler-report-'));
      const file = join(dir, 'report.html');
      // A hostile trace name too: the browser must show it as text, not run it.
      await writeFile(
        file,
        renderReportHtml(sampleReportData('x <script>document.body.remove()</script> & y')),
      );
      url = pathToFileURL(file).href;
    });

    afterAll(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it(
      'screenshots the report: a PNG of the window size, not blank, with every system colour drawn',
      async () => {
        const out = join(dir!, 'report.png');
        await runHeadless(
          binary!,
          [`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${out}`, url],
          TIMEOUT_MS,
        );
        const png = await readFile(out);
        expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
        expect(pngSize(png)).toEqual({ width: WIDTH, height: HEIGHT });
        const image = decodePng(png);
        expect(nonWhiteFraction(image)).toBeGreaterThan(0.03);
        const names = Object.keys(systemColors) as (keyof typeof systemColors)[];
        const counts = countColours(image, Object.values(systemColors), 12);
        for (const [i, name] of names.entries()) expect(counts[i], name).toBeGreaterThan(200);
      },
      TIMEOUT_MS + 5_000,
    );

    it(
      'dumps a DOM holding every chart with drawn paths, and no script from the trace name',
      async () => {
        const { stdout: dom } = await runHeadless(binary!, ['--dump-dom', url], TIMEOUT_MS);
        const svgs = [...dom.matchAll(/<svg class="chart" data-chart="([^"]+)"[\s\S]*?<\/svg>/g)];
        expect(svgs.map((m) => m[1])).toEqual([
          'load-requests',
          'load-prompt-tokens',
          'replicas-prefill',
          'replicas-decode',
          'decode-active',
          'ttft-cdf',
          'tpot-cdf',
        ]);
        for (const [svg, name] of svgs) expect(svg, name).toMatch(/<path d="M[\d.]+ [\d.]+[HVL]/);
        expect(dom).not.toMatch(/<script/i);
        expect(dom).toContain('x &lt;script&gt;document.body.remove()&lt;/script&gt; &amp; y');
      },
      TIMEOUT_MS + 5_000,
    );
  },
);
