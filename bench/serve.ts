/**
 * Load test of `seqlab serve` on loopback (`npm run bench:serve`): requests/s and p50/p99
 * latency of `POST /v1/suggest` at 1, 8 and 64 concurrent clients, and of `POST /v1/translate`
 * (one sentence, beam 5) at 8, each case for a fixed time, against the real server started as a
 * child process (`node bin/seqlab.js serve`, over dist/: build first).
 *
 *   npm run bench:serve -- [--seconds 10] [--workers 2] [--json]
 *
 * Numbers depend on the machine and on what else it runs: run it with nothing else running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { flag } from './args.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LM = 'shakespeare-char-lstm';
export const MT = 'multi30k-de-en-rnn-attention';

export interface BenchServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** Starts `seqlab serve` on the bundled models, on a free loopback port, and waits until it is ready. */
export async function startServe(extra: string[] = []): Promise<BenchServer> {
  const models = [LM, MT].map((m) => join(root, 'models', m));
  const child = spawn(process.execPath, [join(root, 'bin/seqlab.js'), 'serve', ...models, '--port', '0', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  let stderr = '';
  const url = await new Promise<string>((done, fail) => {
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      const m = / on (http:\/\/\S+)/.exec(stderr);
      if (m) done(m[1]);
    });
    void exited.then((code) => fail(new Error(`seqlab serve exited (${code}): ${stderr}`)));
  });
  while ((await fetch(`${url}/v2/health/ready`).then((r) => r.status, () => 0)) !== 200) await new Promise((r) => setTimeout(r, 50));
  return {
    url, child,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** One case: a route, a body, and how many clients send it back to back. */
export interface Case {
  name: string;
  path: string;
  body: unknown;
  connections: number;
}

export interface CaseResult {
  name: string;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const SUGGEST = { model: LM, text: 'to be or not to ', k: 3 };
const TRANSLATE = { model: MT, source: 'ein mann sitzt auf einer bank und liest eine zeitung .', beam: 5 };

export const CASES: Case[] = [
  { name: 'suggest', path: '/v1/suggest', body: SUGGEST, connections: 1 },
  { name: 'suggest', path: '/v1/suggest', body: SUGGEST, connections: 8 },
  { name: 'suggest', path: '/v1/suggest', body: SUGGEST, connections: 64 },
  { name: 'translate', path: '/v1/translate', body: TRANSLATE, connections: 8 },
];

/** Runs one case for `seconds` with autocannon. */
export async function runCase(url: string, c: Case, seconds: number): Promise<CaseResult> {
  const r = await autocannon({
    url: `${url}${c.path}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c.body),
    connections: c.connections, duration: seconds, timeout: 60,
  });
  return {
    name: c.name, connections: c.connections, requests: r.requests.total, rps: r.requests.average,
    p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx,
  };
}

async function main(): Promise<void> {
  const seconds = Number(flag('--seconds', '10'));
  const workers = flag('--workers', '2');
  const server = await startServe(['--workers', workers, '--queue', '1024']);
  const results: CaseResult[] = [];
  try {
    await runCase(server.url, CASES[1], Math.min(2, seconds)); // warm-up: JIT and caches
    for (const c of CASES) results.push(await runCase(server.url, c, seconds));
  } finally {
    await server.stop();
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ seconds, workers: Number(workers), results })}\n`);
    return;
  }
  process.stdout.write(`seqlab serve on loopback, ${workers} workers, ${seconds} s per case\n`);
  process.stdout.write('case        clients   req/s    p50 ms   p99 ms   requests  errors  non-2xx\n');
  for (const r of results) {
    process.stdout.write(`${r.name.padEnd(11)} ${String(r.connections).padStart(7)} ${r.rps.toFixed(1).padStart(7)} `
      + `${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.requests).padStart(10)} `
      + `${String(r.errors).padStart(7)} ${String(r.non2xx).padStart(8)}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
