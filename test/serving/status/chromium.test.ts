// SPDX-License-Identifier: Apache-2.0
// The live status page in a REAL browser (Debian package `chromium`, headless) while the test keeps
// publishing real decisions every 500 ms: the page's script must fetch and swap the fragment (body
// `data-updates` counts the swaps) and the screenshot must show the charts in the status colours.
// Outside CI a missing binary skips this file with a message; under CI=true it fails.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionBoard } from '../../../src/loop/board.js';
import { statusColors } from '../../../src/serving/status/charts.js';
import { DecisionHistory } from '../../../src/serving/status/history.js';
import { startStatusPage, type StatusPage } from '../../../src/serving/status/server.js';
import { CHROMIUM_MISSING, findChromium, runHeadless } from '../../helpers/chromium.js';
import { PNG_SIGNATURE, countColours, decodePng, nonWhiteFraction, pngSize } from '../../helpers/png.js';
import { boundedSpec, PolicyTicker } from './published.js';

const binary = findChromium();
const skip = binary === undefined && process.env.CI !== 'true';
if (skip) console.warn(`status chromium.test.ts skipped: ${CHROMIUM_MISSING}`);

const TIMEOUT_MS = 60_000;
/** Browser time the page runs for: three 2 s polls. Virtual time, so the run takes far less. */
const VIRTUAL_TIME_BUDGET_MS = 7_000;
const PUBLISH_EVERY_MS = 500;
const WIDTH = 1400;
const HEIGHT = 2200;
/** The SLO, budget and band lines (svg-chart.ts REFERENCE_COLOR). */
const REFERENCE_COLOR = '#b00020';

/** A wave of load, so demand, replicas, latency and the ratio all move. */
function loadAt(i: number) {
  const wave = 0.5 + 0.5 * Math.sin(i / 6);
  return {
    prefillLoad: 1.5 + 3 * wave,
    decodeLoad: 2 + 4 * (1 - wave),
    ttftMs: 250 + 350 * wave,
    tpotMs: 30 + 30 * (1 - wave),
  };
}

/** The page in headless chromium for `VIRTUAL_TIME_BUDGET_MS` of browser time, then `args`' output. */
function openPage(url: string, args: readonly string[]) {
  return runHeadless(binary!, [`--virtual-time-budget=${VIRTUAL_TIME_BUDGET_MS}`, ...args, url], TIMEOUT_MS);
}

describe.skipIf(skip)(
  skip ? `status page in real chromium (skipped: ${CHROMIUM_MISSING})` : 'status page in real chromium',
  () => {
    let page: StatusPage | undefined;
    let publisher: NodeJS.Timeout | undefined;
    let published = 0;

    beforeAll(async () => {
      if (binary === undefined) throw new Error(`CI=true but ${CHROMIUM_MISSING}`);
      const board = new DecisionBoard();
      const history = new DecisionHistory();
      history.follow(board);
      const tickers = [
        new PolicyTicker(boundedSpec('chat'), 5),
        new PolicyTicker(boundedSpec('code', 'team-b'), 5),
      ];
      const publish = (atMs: number): void => {
        for (const ticker of tickers) board.publish(ticker.tick(atMs, loadAt(published)));
        published += 1;
      };
      // Two minutes of past ticks so the charts have lines from the first render on.
      const start = Date.now() - 24 * 5_000;
      for (let i = 0; i < 24; i++) publish(start + i * 5_000);
      page = await startStatusPage({
        board,
        history,
        host: '127.0.0.1',
        port: 0,
        nowMs: () => Date.now(),
        logger: pino({ level: 'silent' }),
      });
      publisher = setInterval(() => {
        publish(Date.now());
      }, PUBLISH_EVERY_MS);
    });

    afterAll(async () => {
      clearInterval(publisher);
      await page?.close();
    });

    it(
      'swaps in a fresh fragment at least twice: the DOM counts the updates and holds the charts',
      async () => {
        const before = published;
        const { stdout: dom } = await openPage(`${page!.url}/`, ['--dump-dom']);
        const updates = Number(/<body[^>]* data-updates="(\d+)"/.exec(dom)?.[1]);
        expect(updates).toBeGreaterThanOrEqual(2);
        expect(dom).toMatch(new RegExp(`updated ${updates} times, last at \\d\\d:\\d\\d:\\d\\d UTC`));
        expect([...dom.matchAll(/<section class="policy" data-policy="([^"]+)">/g)].map((m) => m[1])).toEqual(
          ['default/chat', 'team-b/code'],
        );
        expect(dom.match(/<svg class="chart"/g)).toHaveLength(16);
        expect(dom).toContain('SLO 500 ms');
        expect(published).toBeGreaterThan(before);
      },
      TIMEOUT_MS + 5_000,
    );

    it(
      'screenshots the live page: a PNG of the window size, not blank, with every status colour drawn',
      async () => {
        const out = join(await mkdtemp(join(tmpdir(), 'pdscaler-status-')), 'status.png');
        await openPage(`${page!.url}/`, [`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${out}`]);
        console.log(`status page screenshot: ${out}`);
        const png = await readFile(out);
        expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
        expect(pngSize(png)).toEqual({ width: WIDTH, height: HEIGHT });
        const image = decodePng(png);
        expect(nonWhiteFraction(image)).toBeGreaterThan(0.03);
        const colours = { ...statusColors, reference: REFERENCE_COLOR };
        const counts = countColours(image, Object.values(colours), 12);
        for (const [i, name] of Object.keys(colours).entries()) expect(counts[i], name).toBeGreaterThan(150);
      },
      TIMEOUT_MS + 5_000,
    );
  },
);
