// SPDX-License-Identifier: Apache-2.0
// The status page shell: inline CSS, the first fragment rendered in place (so the page shows the state
// even with scripts off) and a small inline script that fetches a fresh fragment every few seconds.
// No external URL and no build step; the Content-Security-Policy allows exactly this script, by hash,
// so even a string that escaped escaping could not run.
import { createHash } from 'node:crypto';
import { escapeHtml } from '../../sim/report/escape.js';
import { formatClockUtc } from './format.js';

const STYLE = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; color: #222; margin: 20px; background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; }
h1 { margin: 0 0 8px; font-size: 24px; }
#updated { color: #555; font-size: 14px; }
#updated.failed { color: #b00020; }
h2 { margin: 24px 0 6px; font-size: 20px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { margin: 14px 0 6px; font-size: 16px; }
.meta { margin: 4px 0 10px; color: #444; font-size: 14px; }
.stale { color: #b00020; background: #fdecee; padding: 4px 8px; }
.empty { color: #666; font-style: italic; }
.roles { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 8px 24px; }
.charts { display: grid; grid-template-columns: 1fr; gap: 8px; }
.charts.joint { grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 8px 24px; }
figure { margin: 0; }
figcaption { font-size: 13px; font-weight: 600; margin-bottom: 2px; }
figure svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; text-align: left; }
thead th { background: #f2f2f2; }
td.rule { font-family: 'DejaVu Sans Mono', monospace; white-space: nowrap; }
td.reason { max-width: 640px; }
`;

/**
 * Polls `status/fragment` (relative, so the page also works behind a path prefix such as
 * `kubectl proxy`), swaps it in and counts the swaps on `<body data-updates>`. setTimeout rather than
 * setInterval: a slow answer never stacks requests.
 */
const SCRIPT = `(() => {
  const body = document.body;
  const target = document.getElementById('status');
  const marker = document.getElementById('updated');
  const intervalMs = Number(body.dataset.pollMs) || 2000;
  let updates = 0;
  const two = (n) => String(n).padStart(2, '0');
  const clock = (d) => two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' + two(d.getUTCSeconds());
  async function poll() {
    try {
      const response = await fetch('status/fragment', { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      target.innerHTML = await response.text();
      updates += 1;
      body.dataset.updates = String(updates);
      marker.textContent = 'updated ' + updates + (updates === 1 ? ' time' : ' times') + ', last at ' + clock(new Date()) + ' UTC';
      marker.classList.remove('failed');
    } catch (error) {
      marker.textContent = 'update failed at ' + clock(new Date()) + ' UTC (' + error.message + '); retrying';
      marker.classList.add('failed');
    } finally {
      setTimeout(poll, intervalMs);
    }
  }
  setTimeout(poll, intervalMs);
})();`;

/** The page's Content-Security-Policy: nothing external, the one inline script by its SHA-256. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface StatusPageView {
  readonly title: string;
  /** The first fragment, already rendered. */
  readonly fragment: string;
  readonly nowMs: number;
  readonly pollIntervalMs: number;
}

export function renderStatusPage(view: StatusPageView): string {
  const title = escapeHtml(view.title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body data-updates="0" data-poll-ms="${view.pollIntervalMs}">
<header><h1>${title}</h1>
<p id="updated" aria-live="polite">rendered at ${formatClockUtc(view.nowMs)} UTC; live updates every ${view.pollIntervalMs / 1000} s</p>
</header>
<noscript><p>Scripts are off: reload the page to update it.</p></noscript>
<main id="status">
${view.fragment}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
