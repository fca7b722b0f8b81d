/**
 * Soak test of `seqlab serve` (`npm run bench:serve-soak`): loads the server for N minutes with
 * a mix of suggestions, completions and translations from 8 clients, and samples the server
 * process's resident memory (RSS, worker threads included) every few seconds. Reports RSS at
 * start (ready, idle), after the warm-up, at the end of the load, and the largest drift after the warm-up in
 * percent: a leak shows as a drift that keeps growing with the minutes. The warm-up is long
 * because each worker's WebAssembly heap grows over its first minute or two of load, until it
 * holds the live tensors plus the free blocks that wait between collections (backend/settle.ts);
 * from then on the blocks are reused and it takes no fresh memory.
 *
 *   npm run bench:serve-soak -- [--minutes 10] [--warmup SECONDS (default: 120, or 30% of a shorter run)] [--every SECONDS] [--workers 2] [--json]
 */
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import { flag } from './args.js';
import { LM, MT, startServe } from './serve.js';

/** Resident memory of a process in MiB (Linux: /proc; elsewhere: ps). */
function rssMiB(pid: number): number {
  const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
  return kb / 1024;
}

const MIX = [
  { path: '/v1/suggest', body: { model: LM, text: 'to be or not to ', k: 3 } },
  { path: '/v1/suggest', body: { model: LM, text: 'What is thy na', k: 5 } },
  { path: '/v1/completions', body: { model: LM, prompt: 'ROMEO:\n', max_tokens: 32 } },
  { path: '/v1/translate', body: { model: MT, sentences: ['ein mann sitzt auf einer bank .', 'zwei hunde spielen im schnee .'], beam: 4 } },
];

async function main(): Promise<void> {
  const minutes = Number(flag('--minutes', '10'));
  const total = minutes * 60;
  const warmup = Number(flag('--warmup', String(Math.min(120, Math.round(total * 0.3)))));
  const every = Number(flag('--every', '5'));
  const workers = flag('--workers', '2');
  const server = await startServe(['--workers', workers, '--queue', '1024']);
  const pid = server.child.pid!;
  const samples: { t: number; rss: number }[] = [{ t: 0, rss: rssMiB(pid) }];
  const t0 = performance.now();
  const timer = setInterval(() => {
    const t = (performance.now() - t0) / 1000;
    samples.push({ t, rss: rssMiB(pid) });
    if (!process.argv.includes('--json')) process.stderr.write(`  ${t.toFixed(0)} s: RSS ${samples.at(-1)!.rss.toFixed(1)} MiB\n`);
  }, every * 1000);
  let result: autocannon.Result;
  try {
    result = await autocannon({
      url: server.url, connections: 8, duration: total, timeout: 60,
      requests: MIX.map((m) => ({ method: 'POST', path: m.path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(m.body) })),
    });
  } finally {
    clearInterval(timer);
  }
  const idle = rssMiB(pid);
  await server.stop();

  const start = samples[0].rss;
  const afterWarmup = (samples.find((s) => s.t >= warmup) ?? samples.at(-1)!).rss;
  const later = samples.filter((s) => s.t >= warmup).map((s) => s.rss);
  const end = samples.at(-1)!.rss;
  const maxDrift = (Math.max(...later.map((r) => Math.abs(r - afterWarmup))) / afterWarmup) * 100;
  const report = {
    minutes, warmupSeconds: warmup, workers: Number(workers), requests: result.requests.total, errors: result.errors + result.timeouts,
    non2xx: result.non2xx, rssMiB: { start, afterWarmup, end, max: Math.max(...later), idleAfter: idle }, maxDriftPercent: maxDrift, samples,
  };
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  process.stdout.write(`seqlab serve soak: ${minutes} min, ${workers} workers, 8 clients, mixed suggest/completions/translate\n`
    + `requests ${report.requests} (errors ${report.errors}, non-2xx ${report.non2xx}), ${(report.requests / total).toFixed(1)} req/s\n`
    + `RSS MiB: start ${start.toFixed(1)}, after ${warmup} s warm-up ${afterWarmup.toFixed(1)}, end ${end.toFixed(1)}, `
    + `max ${report.rssMiB.max.toFixed(1)}; idle after the load ${idle.toFixed(1)}\n`
    + `max drift after warm-up: ${maxDrift.toFixed(2)} %\n`);
}

await main();
