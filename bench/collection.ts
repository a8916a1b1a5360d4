// SPDX-License-Identifier: Apache-2.0
// One collection pass over 100 RBGs x 2 roles x 16 pods (3,200 endpoints) served by loopback fake
// engines in a child process: scrape, parse, adapt, window and aggregate every role. Target (issue
// #3): <= 5 s wall and <= 250 MB RSS. Baseline in the same process: the same pass fetching pages only.
// Under `node --expose-gc` it also prints the heap kept between passes per pod (collector windows and
// samples, target health, idle sockets): what every later pass carries, and what sizes V8's heap.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { RoleCollector, type RoleEndpoint } from '../src/sources/collect/role-collector.js';
import { Scraper } from '../src/sources/scrape/scraper.js';
import { TargetHealth } from '../src/sources/scrape/target-health.js';
import { createLogger } from '../src/telemetry/logger.js';

const rbgs = 100;
const podsPerRole = 16;
const servers = 16;

async function startFleet(): Promise<{ ports: number[]; stop: () => void }> {
  const child = fork(new URL('./fake-fleet.js', import.meta.url), [String(servers)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const line = chunk.toString();
      if (line.startsWith('ready ')) resolve(line.slice(6).trim().split(',').map(Number));
    });
    child.on('exit', (code) => {
      reject(new Error(`fake fleet exited with ${String(code)}`));
    });
  });
  return { ports, stop: () => child.kill() };
}

function roleEndpoints(ports: readonly number[], role: number): RoleEndpoint[] {
  return Array.from({ length: podsPerRole }, (_, pod) => {
    const index = role * podsPerRole + pod;
    return {
      key: `pod-${index}`,
      url: `http://127.0.0.1:${ports[index % ports.length] ?? 0}/pod/${index}/metrics`,
    };
  });
}

/** Heap in use after a full collection, when the process runs with --expose-gc. */
function liveHeap(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  gc();
  return process.memoryUsage().heapUsed;
}

export async function benchCollection(): Promise<void> {
  const fleet = await startFleet();
  const scraper = new Scraper({ concurrency: 64, maxIdleSockets: 512 });
  const logger = createLogger({ level: 'silent' });
  const roles = Array.from({ length: rbgs * 2 }, (_, role) => ({
    endpoints: roleEndpoints(fleet.ports, role),
    collector: new RoleCollector({ engine: 'vllm', fetcher: scraper, health: new TargetHealth(), logger }),
  }));
  const allEndpoints = roles.flatMap((r) => r.endpoints);
  try {
    const heapBefore = liveHeap(); // collectors created, nothing scraped yet
    const pass = async (): Promise<number> => {
      const start = performance.now();
      await Promise.all(roles.map((r) => r.collector.collect(r.endpoints, Date.now())));
      return (performance.now() - start) / 1000;
    };
    await pass(); // first pass: connections, JIT, no windows yet
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const seconds = await pass();
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const heapAfter = liveHeap();
    const fetchStart = performance.now();
    // Drop each page as it arrives, as the collector does, so the baseline holds no more memory.
    const fetched = await Promise.all(allEndpoints.map(async (e) => (await scraper.scrape(e.url)).ok));
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    const ok = fetched.filter(Boolean).length;
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    console.log(
      `collection: ${rbgs} RBGs x 2 roles x ${podsPerRole} pods = ${allEndpoints.length} endpoints (70 KB vLLM pages, ${servers} loopback servers in a child process)`,
    );
    console.log(
      `  full pass (scrape+parse+adapt+window+aggregate) ${seconds.toFixed(2).padStart(6)} s  target <= 5 s: ${seconds <= 5 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `  baseline: fetch pages only              ${fetchSeconds.toFixed(2).padStart(6)} s  (${ok}/${allEndpoints.length} ok; full pass is ${(seconds / fetchSeconds).toFixed(2)}x)`,
    );
    console.log(
      `  peak RSS during the pass ${mb(peakRss)}  target <= 250 MB: ${peakRss <= 250 * 1024 * 1024 ? 'met' : 'MISSED'}`,
    );
    console.log(
      heapBefore === undefined || heapAfter === undefined
        ? '  heap kept between passes: run under node --expose-gc to measure'
        : `  heap kept between passes ${mb(heapAfter - heapBefore)}, ${((heapAfter - heapBefore) / allEndpoints.length / 1024).toFixed(1)} KB per pod (after a forced GC, once the pass is timed)`,
    );
  } finally {
    scraper.close();
    fleet.stop();
  }
}
