// SPDX-License-Identifier: Apache-2.0
// A vLLM engine whose load can be turned up and down while pdscaler runs in another process. The page
// is fake-engine.ts's, rendered at a virtual clock that runs `loadFactor` times as fast as the wall
// clock: every counter then grows at `loadFactor x` its base rate and never goes backwards, so rates
// change at once without a counter reset. Gauges (running, waiting) scale with the same factor.
import { renderVllmPage, type FakeVllmSpec } from '../fakes/fake-engine.js';
import { HttpTarget } from '../fakes/http-target.js';

export class LiveEngine {
  private loadFactor = 1;
  private virtualMs: number;
  private lastRealMs: number;
  private readonly startMs: number;
  private dead = false;
  private readonly base: FakeVllmSpec;
  readonly target: HttpTarget;

  private constructor(base: FakeVllmSpec, target: HttpTarget) {
    this.base = base;
    this.target = target;
    this.startMs = Date.now();
    this.virtualMs = this.startMs;
    this.lastRealMs = this.startMs;
  }

  static async start(base: FakeVllmSpec): Promise<LiveEngine> {
    // The handler needs the engine, the engine needs the server's port: late-bound through a holder.
    const holder: { engine?: LiveEngine } = {};
    const target = await HttpTarget.start((_req, res) => {
      const engine = holder.engine;
      if (engine === undefined || engine.dead) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(engine.page());
    });
    holder.engine = new LiveEngine(base, target);
    return holder.engine;
  }

  get port(): number {
    return this.target.port;
  }

  /** From now on the engine serves `factor x` its base load. */
  setLoad(factor: number): void {
    this.advance();
    this.loadFactor = factor;
  }

  /** The engine stops answering (503) or answers again. */
  setDead(dead: boolean): void {
    this.dead = dead;
  }

  close(): Promise<void> {
    return this.target.close();
  }

  private advance(): void {
    const now = Date.now();
    this.virtualMs += (now - this.lastRealMs) * this.loadFactor;
    this.lastRealMs = now;
  }

  private page(): string {
    this.advance();
    const spec: FakeVllmSpec = {
      ...this.base,
      running: this.base.running * this.loadFactor,
      waiting: this.base.waiting * this.loadFactor,
    };
    return renderVllmPage(spec, this.startMs, this.virtualMs);
  }
}
