// SPDX-License-Identifier: Apache-2.0
// The status page's routes over real HTTP on 127.0.0.1: the page and its fragment (one section per
// policy and role, the charts with their SLO, budget and band lines, the explanation tables), the JSON
// state, the probe, errors, headers, and escaping of hostile names and reasons.
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../../src/decision/decide.js';
import type { Observation } from '../../../src/decision/types.js';
import { DecisionBoard, type PublishedPolicy } from '../../../src/loop/board.js';
import { startStatusPage, type StatusPage } from '../../../src/serving/status/server.js';
import { makeObservation, makeSpec, seconds, t0 } from '../../helpers/spec.js';
import { boundedSpec, PolicyTicker } from './published.js';

const HOSTILE_NAME = 'x"><img src=x onerror=alert(1)>';
const HOSTILE_REASON = '</td><script>alert("reason")</script>';

describe('status page routes', () => {
  let board: DecisionBoard;
  let page: StatusPage;
  let now: number;
  let chat: PolicyTicker;
  let tick = 0;

  /** One loop tick of `chat` at load 1 + tick (a change every time). */
  function publishChat(): PublishedPolicy {
    const entry = chat.tick(t0 + seconds(15 * tick), { prefillLoad: 1 + tick, decodeLoad: 2 + tick });
    tick += 1;
    board.publish(entry);
    return entry;
  }

  const get = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${page.url}${path}`, init);
    return { response, body: await response.text() };
  };

  beforeEach(async () => {
    board = new DecisionBoard();
    now = t0 + seconds(50);
    tick = 0;
    chat = new PolicyTicker(boundedSpec('chat'));
    page = await startStatusPage({
      board,
      host: '127.0.0.1',
      port: 0,
      nowMs: () => now,
      logger: pino({ level: 'silent' }),
      title: 'pdscaler status <test>',
    });
    for (let i = 0; i < 4; i++) publishChat();
    board.publish(new PolicyTicker(boundedSpec('code', 'team-b')).tick(t0 + seconds(45), { prefillLoad: 2 }));
  });

  afterEach(async () => {
    await page.close();
  });

  it('serves the page at / and /status with one section per policy, each with one per role', async () => {
    for (const path of ['/', '/status']) {
      const { response, body } = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect([...body.matchAll(/<section class="policy" data-policy="([^"]+)">/g)].map((m) => m[1])).toEqual([
        'default/chat',
        'team-b/code',
      ]);
      expect([...body.matchAll(/<section class="role" data-role="(\w+)">/g)].map((m) => m[1])).toEqual([
        'prefill',
        'decode',
        'prefill',
        'decode',
      ]);
      expect(body).toContain('<body data-updates="0" data-poll-ms="2000">');
      expect(body).toContain('<title>pdscaler status &lt;test&gt;</title>');
    }
  });

  it('draws every chart of a policy as inline SVG with paths, in a fixed order', async () => {
    const { body } = await get('/status/fragment');
    const charts = [...body.matchAll(/<svg class="chart" data-chart="(p0-[^"]+)"[\s\S]*?<\/svg>/g)];
    expect(charts.map((m) => m[1])).toEqual([
      'p0-prefill-demand',
      'p0-prefill-replicas',
      'p0-prefill-latency',
      'p0-decode-demand',
      'p0-decode-replicas',
      'p0-decode-latency',
      'p0-gpus',
      'p0-ratio',
    ]);
    for (const [svg, name] of charts) expect(svg, name).toMatch(/<path d="M[\d.]+ [\d.]+[HV]/);
  });

  it('draws the SLO line on each latency chart, the budget maximum on GPUs and the band on the ratio', async () => {
    const { body } = await get('/status/fragment');
    const chart = (name: string): string =>
      new RegExp(`<svg class="chart" data-chart="${name}"[\\s\\S]*?</svg>`).exec(body)![0];
    const referenceLabels = (svg: string): string[] =>
      [...svg.matchAll(/<line class="reference"[^>]*\/><text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]!);
    expect(referenceLabels(chart('p0-prefill-latency'))).toEqual(['SLO 500 ms']);
    expect(referenceLabels(chart('p0-decode-latency'))).toEqual(['SLO 50 ms']);
    expect(referenceLabels(chart('p0-gpus'))).toEqual(['budget max 24 GPUs']);
    expect(referenceLabels(chart('p0-ratio'))).toEqual(['band max 2', 'band min 0.5']);
    expect(chart('p0-prefill-demand')).toContain('prompt tokens/s');
    expect(chart('p0-decode-demand')).toContain('active conversations');
  });

  it('explains the latest decision and lists the last changes, newest first', async () => {
    const { body } = await get('/status/fragment');
    const chatSection = body.slice(0, body.indexOf('data-policy="team-b/code"'));
    const latest = /<table class="latest">[\s\S]*?<\/table>/.exec(chatSection)![0];
    expect(latest).toContain('<tr data-role="prefill"><th scope="row">prefill</th><td>5 &rarr; 7</td>');
    expect(latest).toContain('<td class="rule">demand</td>');
    expect(latest).toContain(
      'prefill 5 -&gt; 7: sized to demand. Demand 40,000 prompt tokens/s (forecast 66,775 in 120 s)',
    );
    const changes = /<table class="changes">[\s\S]*?<\/table>/.exec(chatSection)![0];
    const times = [...changes.matchAll(/<td rowspan="2">(\d\d:\d\d:\d\d)<\/td>/g)].map((m) => m[1]);
    expect(times).toEqual(['12:00:45', '12:00:30', '12:00:15', '12:00:00']);
    expect(chatSection).toContain('4 points');
  });

  it("shows each role's measured cold start and whether the forecast horizon follows it (auto)", async () => {
    const spec = makeSpec({
      name: 'auto',
      roles: { prefill: { coldStartAuto: true, coldStartS: 120 }, decode: { coldStartS: 90 } },
      forecast: { horizonS: { prefill: 120, decode: 90 } },
    });
    const measured = makeObservation(t0, { prefillLoad: 2 });
    const observation: Observation = {
      roles: {
        prefill: { ...measured.roles.prefill, coldStartS: { value: 243, atMs: t0 } },
        decode: { ...measured.roles.decode, coldStartS: { value: 61, atMs: t0 } },
      },
    };
    const decision = decide(spec, observation, { roles: {} }, t0).decision;
    board.publish({
      namespace: 'default',
      name: 'auto',
      spec,
      intervalS: 15,
      decision,
      observation,
      publishedAtMs: t0,
    });
    const { body } = await get('/status/fragment');
    const section = body.slice(body.indexOf('data-policy="default/auto"'));
    const latest = /<table class="latest">[\s\S]*?<\/table>/.exec(section)![0];
    expect(latest).toContain('<th>cold start</th>');
    expect(latest).toContain('<td class="cold-start">measured 243 s; horizon 243 s (auto)</td>');
    expect(latest).toContain('<td class="cold-start">measured 61 s; horizon 90 s</td>');
    const json = JSON.parse((await get('/status.json')).body) as {
      policies: { policy: string; decision: { roles: Record<string, unknown> } }[];
    };
    const auto = json.policies.find((p) => p.policy === 'default/auto')!;
    expect(auto.decision.roles.prefill).toMatchObject({ coldStartS: 243, horizonS: 243 });
    expect(auto.decision.roles.decode).toMatchObject({ coldStartS: 61, horizonS: 90 });
  });

  it('shows an auto role without a measured start as forecasting over the prior', async () => {
    const spec = makeSpec({ name: 'prior', roles: { prefill: { coldStartAuto: true } } });
    const observation = makeObservation(t0);
    const decision = decide(spec, observation, { roles: {} }, t0).decision;
    board.publish({
      namespace: 'default',
      name: 'prior',
      spec,
      intervalS: 15,
      decision,
      observation,
      publishedAtMs: t0,
    });
    const { body } = await get('/status/fragment');
    const section = body.slice(body.indexOf('data-policy="default/prior"'));
    expect(section).toContain('<td class="cold-start">not measured; horizon 120 s (auto, prior)</td>');
  });

  it('escapes a hostile policy name and reason everywhere, and keeps them plain strings in the JSON', async () => {
    const entry = new PolicyTicker(boundedSpec(HOSTILE_NAME)).tick(t0, { prefillLoad: 1 });
    const decision = entry.decision!;
    const prefill = { ...decision.roles.prefill, reason: HOSTILE_REASON };
    board.publish({ ...entry, decision: { ...decision, roles: { ...decision.roles, prefill } } });
    for (const path of ['/', '/status/fragment']) {
      const { body } = await get(path);
      expect(body).not.toContain(HOSTILE_NAME);
      expect(body).not.toContain(HOSTILE_REASON);
      expect(body).not.toContain('<img');
      expect(body.match(/<script/g)?.length ?? 0).toBe(path === '/' ? 1 : 0);
      expect(body).toContain('data-policy="default/x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
      expect(body).toContain('&lt;/td&gt;&lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt;');
    }
    const { body } = await get('/status.json');
    const json = JSON.parse(body) as {
      policies: { name: string; decision: { roles: { prefill: { reason: string } } } }[];
    };
    const hostile = json.policies.find((p) => p.name === HOSTILE_NAME)!;
    expect(hostile.decision.roles.prefill.reason).toBe(HOSTILE_REASON);
  });

  it('allows only its own inline script, by hash, and tells caches to keep nothing', async () => {
    const { response, body } = await get('/');
    const script = /<script>([\s\S]*?)<\/script>/.exec(body)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(body).not.toMatch(/(src|href)="https?:/);
  });

  it('serves the fragment alone: no page shell and no script', async () => {
    const { response, body } = await get('/status/fragment');
    expect(response.status).toBe(200);
    expect(body).not.toMatch(/<html|<body|<script|<head/);
    expect(body.startsWith('<section class="policy" data-policy="default/chat">')).toBe(true);
  });

  it('redraws the charts after a publish and serves the same ones between publishes', async () => {
    const chartsOf = (body: string): string[] => [...body.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    const first = chartsOf((await get('/status/fragment')).body);
    now += seconds(2);
    const second = chartsOf((await get('/status/fragment')).body);
    expect(second).toEqual(first);
    publishChat();
    const third = chartsOf((await get('/status/fragment')).body);
    expect(third.slice(0, 8)).not.toEqual(first.slice(0, 8));
    expect(third.slice(8)).toEqual(first.slice(8));
  });

  it('flags a decision older than three loop intervals as a stuck loop', async () => {
    now = t0 + seconds(45 + 45);
    expect((await get('/status/fragment')).body).not.toContain('class="stale"');
    now = t0 + seconds(45 + 61);
    const { body } = await get('/status/fragment');
    expect(body).toContain('<p class="stale">No decision for 1 min 1 s: the loop may be stuck.</p>');
  });

  it('shows a policy waiting for its first decision, and an empty board', async () => {
    const { decision: _, ...spec } = new PolicyTicker(boundedSpec('fresh')).tick(t0, {});
    board.publish(spec);
    const { body } = await get('/status/fragment');
    expect(body).toContain(
      '<section class="policy" data-policy="default/fresh"><h2>default/fresh</h2><p class="empty">Waiting for the first decision.</p></section>',
    );
    const empty = await startStatusPage({
      board: new DecisionBoard(),
      host: '127.0.0.1',
      port: 0,
      nowMs: () => now,
      logger: pino({ level: 'silent' }),
    });
    try {
      const response = await fetch(`${empty.url}/status/fragment`);
      expect(await response.text()).toBe('<p class="empty">No policy published yet.</p>');
    } finally {
      await empty.close();
    }
  });

  it('serves the current state as JSON, unknown figures as null', async () => {
    const { response, body } = await get('/status.json');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const json = JSON.parse(body) as Record<string, unknown> & { policies: Record<string, unknown>[] };
    expect(json.generatedAtMs).toBe(now);
    expect(json.policies.map((p) => p.policy)).toEqual(['default/chat', 'team-b/code']);
    const [chatJson] = json.policies;
    expect(chatJson).toMatchObject({
      rbgName: 'test-rbg',
      intervalS: 15,
      slo: { quantile: 'p90', ttftMs: 500, tpotMs: 50 },
      gpuBudget: { min: null, max: 24 },
      ratioBand: { min: 0.5, max: 2, basis: 'replicas' },
      historyPoints: 4,
      decision: {
        atMs: t0 + seconds(45),
        at: '2026-01-05T12:00:45.000Z',
        ageS: 5,
        roles: {
          prefill: {
            desiredReplicas: 7,
            currentReplicas: 5,
            readyReplicas: 5,
            boundBy: 'demand',
            limits: ['demand'],
          },
        },
      },
    });
    expect((chatJson!.changes as unknown[]).length).toBe(4);
    // The first tick of `code` had no ready count: unknown, not 0.
    const code = json.policies[1] as { decision: { roles: { prefill: Record<string, unknown> } } };
    expect(code.decision.roles.prefill).toMatchObject({ readyReplicas: null, observedLatencyMs: 300 });
  });

  it('answers /livez with ok, an unknown path with 404, and other methods with 405', async () => {
    const live = await get('/livez');
    expect([live.response.status, live.body]).toEqual([200, 'ok\n']);
    const missing = await get('/status/nope');
    expect(missing.response.status).toBe(404);
    const post = await get('/status', { method: 'POST', body: 'x' });
    expect(post.response.status).toBe(405);
    expect(post.response.headers.get('allow')).toBe('GET, HEAD');
    const head = await get('/status', { method: 'HEAD' });
    expect([head.response.status, head.body]).toEqual([200, '']);
  });
});
