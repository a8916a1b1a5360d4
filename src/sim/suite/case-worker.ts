// SPDX-License-Identifier: Apache-2.0
// A suite worker thread: runs whole cases through the same `runBacktest` as `pdscaler backtest`, one
// at a time as the runner sends them, every system on each. Progress goes back at most once per
// whole percent, so a 30x case does not flood the runner with thousands of messages.
import { parentPort } from 'node:worker_threads';
import { runBacktest } from '../backtest.js';
import { SystemNames } from '../result.js';
import { CaseInputError, loadCaseInput } from './case-input.js';
import type { CaseWorkerReport, RunCaseRequest } from './worker-protocol.js';

async function runCase(request: RunCaseRequest, post: (report: CaseWorkerReport) => void): Promise<void> {
  const started = performance.now();
  const { id } = request.case;
  try {
    const input = await loadCaseInput(request.case, request.files);
    let lastPercent = -1;
    const data = await runBacktest({
      ...input,
      systems: SystemNames,
      onProgress: (fraction) => {
        const percent = Math.floor(fraction * 100);
        if (percent === lastPercent) return;
        lastPercent = percent;
        post({ type: 'progress', id, fraction });
      },
      now: () => new Date(request.generatedAtMs),
    });
    post({ type: 'done', id, data, wallMs: performance.now() - started });
  } catch (error) {
    const message =
      error instanceof CaseInputError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    post({ type: 'failed', id, message });
  }
}

const port = parentPort;
if (port === null) throw new Error('case-worker runs in a worker thread started by the suite runner');
port.on('message', (request: RunCaseRequest) => {
  void runCase(request, (report) => {
    port.postMessage(report);
  });
});
