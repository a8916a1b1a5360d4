// SPDX-License-Identifier: Apache-2.0
// Scraping endpoint picker replicas over real HTTP on 127.0.0.1: bearer token, a clear 401 message,
// replicas summed, rates between scrapes, and any failed replica making the reading unknown.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EppSource } from '../../../src/sources/gateway/epp-source.js';
import { FakeEpp } from './fake-epp.js';

const target = { pool: 'pool-a', model: 'llama' };
let epps: FakeEpp[];
let tokenFile: string;
let nowMs: number;

beforeEach(async () => {
  epps = [await FakeEpp.start('pool-a', 'llama'), await FakeEpp.start('pool-a', 'llama')];
  tokenFile = join(mkdtempSync(join(tmpdir(), 'epp-token-')), 'token');
  writeFileSync(tokenFile, 'sekret\n');
  nowMs = 1_000_000;
});

afterEach(async () => {
  await Promise.all(epps.map((e) => e.close()));
});

function source(endpoints = epps.map((e) => e.url)): EppSource {
  return new EppSource({ target, endpoints, bearerTokenFile: tokenFile, nowMs: () => nowMs });
}

describe('EppSource', () => {
  it('sums the queue over every replica and sends the token from the file', async () => {
    for (const epp of epps) epp.token = 'sekret';
    epps[0]!.state.queued = 2;
    epps[1]!.state.queued = 3;
    const reading = await source().read();
    expect(reading).toMatchObject({ atMs: 1_000_000, queuedRequests: 5, readyEndpoints: 0, notes: [] });
  });

  it('turns the no-endpoint counter into a rate from the second scrape on', async () => {
    const gateway = source();
    expect((await gateway.read()).noEndpointShedPerS).toBeUndefined();
    epps[0]!.state.rejectedNoEndpoints = 6;
    epps[1]!.state.rejectedNoEndpoints = 2;
    nowMs += 2000;
    const reading = await gateway.read();
    expect(reading.noEndpointShedPerS).toBe(4);
    expect(reading.shedPerS).toBe(4);
  });

  it('reports a 401 as an auth problem and leaves every field unknown', async () => {
    epps[1]!.token = 'another';
    epps[0]!.state.queued = 2;
    const reading = await source().read();
    expect(reading.queuedRequests).toBeUndefined();
    expect(reading.notes).toEqual([
      `gateway unknown: endpoint picker ${epps[1]!.url} answered HTTP 401: its /metrics needs a bearer token allowed to get nonResourceURL /metrics (--metrics-endpoint-auth defaults to true); set spec.gateway.bearerTokenFile or grant the service account that ClusterRole`,
    ]);
  });

  it('leaves the queue unknown when flow control is off (no queue series)', async () => {
    for (const epp of epps) epp.state.queued = undefined;
    const reading = await source().read();
    expect(reading.queuedRequests).toBeUndefined();
    expect(reading.readyEndpoints).toBe(0);
  });

  it('leaves every field unknown when a replica cannot be reached', async () => {
    const down = epps[1]!.url;
    await epps[1]!.close();
    epps = [epps[0]!];
    const reading = await source([epps[0]!.url, down]).read();
    expect(reading.queuedRequests).toBeUndefined();
    expect(reading.notes).toHaveLength(1);
    expect(reading.notes[0]).toMatch(new RegExp(`^gateway unknown: endpoint picker ${down}: `));
  });
});
