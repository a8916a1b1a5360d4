// SPDX-License-Identifier: Apache-2.0
// A child process serving engine /metrics pages for the collection benchmark: `servers` loopback HTTP
// servers, each answering `/pod/<n>/metrics` with the real 70 KB vLLM capture whose request counter
// grows per request, so windows have rates. Runs in its own process so serving does not count
// against the collector's CPU and memory. Prints `ready <port>,<port>,...` on stdout.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

const servers = Number(process.argv[2] ?? '16');
const page = readFileSync(
  new URL('../../data/fixtures/engine-metrics/vllm-dynamo-metrics-examples.prom', import.meta.url),
  'utf8',
);
const counter =
  'vllm:request_success_total{engine="0",finished_reason="stop",model_name="Qwen/Qwen3-0.6B"} 2.0';
let served = 0;

function start(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(page.replace(counter, counter.replace(' 2.0', ` ${2 + served}`)));
    });
    server.keepAliveTimeout = 5_000;
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

const started = await Promise.all(Array.from({ length: servers }, () => start()));
const ports = started.map((s) => {
  const address = s.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
});
process.stdout.write(`ready ${ports.join(',')}\n`);
process.on('disconnect', () => process.exit(0));
