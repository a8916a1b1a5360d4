// SPDX-License-Identifier: Apache-2.0
// `pdscaler scrape --engine vllm|sglang|dynamo (--file F | --url U) [--model M] [--json]`: one
// engine /metrics page -> the normalized per-pod sample the collector works from.
import { readFileSync } from 'node:fs';
import { engineAdapters } from '../sources/engines/index.js';
import { Engines, type Engine, type PodSample } from '../sources/engines/pod-sample.js';
import { parseExposition } from '../sources/exposition/parse.js';
import { Scraper } from '../sources/scrape/scraper.js';
import { ExitCode, type CliIo } from './io.js';

export interface ScrapeOptions {
  readonly engine: string;
  readonly file?: string;
  readonly url?: string;
  readonly model?: string;
  readonly json?: boolean;
  readonly timeoutMs?: number;
}

type PageText = { ok: true; text: string; source: string } | { ok: false; message: string };

async function readPage(options: ScrapeOptions): Promise<PageText> {
  if ((options.file === undefined) === (options.url === undefined))
    return { ok: false, message: 'give exactly one of --file or --url' };
  if (options.file !== undefined) {
    try {
      return { ok: true, text: readFileSync(options.file, 'utf8'), source: options.file };
    } catch (error) {
      return { ok: false, message: `${options.file}: cannot read: ${(error as Error).message}` };
    }
  }
  const url = options.url ?? '';
  const scraper = new Scraper({ timeoutMs: options.timeoutMs ?? 2000 });
  try {
    const result = await scraper.scrape(url);
    return result.ok
      ? { ok: true, text: result.body, source: url }
      : { ok: false, message: `${result.reason.code}: ${result.reason.message}` };
  } finally {
    scraper.close();
  }
}

function describe(sample: PodSample): string {
  const lines = [`engine ${sample.engine}, scraped ${new Date(sample.scrapedAtMs).toISOString()}`];
  const section = (title: string, entries: [string, unknown][]): void => {
    lines.push(`${title}:`);
    if (entries.length === 0) lines.push('  (none exported)');
    for (const [name, value] of entries) lines.push(`  ${name} ${String(value)}`);
  };
  section('counters', Object.entries(sample.counters));
  section('gauges', Object.entries(sample.gauges));
  section(
    'histograms',
    Object.entries(sample.histograms).map(([name, h]) => [
      name,
      `count ${h.count}, sum ${h.sum}, ${h.buckets.length} buckets`,
    ]),
  );
  return lines.join('\n');
}

function isEngine(name: string): name is Engine {
  return (Engines as readonly string[]).includes(name);
}

export async function runScrape(options: ScrapeOptions, io: CliIo): Promise<ExitCode> {
  if (!isEngine(options.engine)) {
    io.stderr(`--engine ${options.engine}: must be one of ${Engines.join(', ')}\n`);
    return ExitCode.invalid;
  }
  const page = await readPage(options);
  if (!page.ok) {
    io.stderr(`${page.message}\n`);
    return ExitCode.invalid;
  }
  const parsed = parseExposition(page.text);
  if (!parsed.ok) {
    io.stderr(`${page.source}:${parsed.error.line}:${parsed.error.col}: ${parsed.error.message}\n`);
    return ExitCode.invalid;
  }
  const sample = engineAdapters[options.engine](parsed.page, {
    model: options.model,
    scrapedAtMs: io.nowMs(),
  });
  if (!sample.ok) {
    io.stderr(`${page.source}: ${sample.reason}\n`);
    return ExitCode.invalid;
  }
  const infinityAsString = (_key: string, value: unknown): unknown => (value === Infinity ? '+Inf' : value);
  io.stdout(
    options.json === true
      ? `${JSON.stringify(sample.sample, infinityAsString, 2)}\n`
      : `${describe(sample.sample)}\n`,
  );
  return ExitCode.ok;
}
