// SPDX-License-Identifier: Apache-2.0
// Starts a case worker from the compiled build (dist/, what `npm run eval` and the binary run) or, when
// this module itself runs from TypeScript source (vitest, tsx), from source: a worker thread does not
// inherit its parent's TypeScript loader, so it loads the entry through tsx's API (a devDependency,
// present wherever the sources run).
import { Worker } from 'node:worker_threads';

export function startCaseWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./case-worker.js', here));
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./case-worker.ts', here).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}));`;
  return new Worker(code, { eval: true });
}
