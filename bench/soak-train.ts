/**
 * Soak: does a long training run hold its memory steady? Runs the real `seqlab train` (a child
 * process over dist/: build first with `npx tsc -p tsconfig.build.json`) for many steps of a
 * small char LSTM, samples the child's resident memory (VmRSS in /proc/PID/status, Linux) every
 * `--sample-ms`, and reads the step reached from its progress lines (one per evaluation).
 *
 *   npm run bench:soak [-- --steps 20000 --warmup 2000 --eval-every 200 --preset tiny --sample-ms 500 --json]
 *
 * Reports the RSS at the end of warm-up (the first sample after `--warmup` steps), at the end,
 * and the largest drift after warm-up, (max RSS after warm-up − RSS at warm-up) / RSS at warm-up,
 * against a target of 10%. A leak anywhere (the wasm heap, graphs kept alive by autograd, the
 * metrics log, progress output, the checkpoint files) shows up as a steady climb.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag } from './args.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Options { steps: number; warmup: number; evalEvery: number; preset: string; sampleMs: number; json: boolean }

function options(argv: readonly string[]): Options {
  const value = (name: string, fallback: string): string => flag(name, fallback, argv);
  return {
    steps: Number(value('--steps', '20000')),
    warmup: Number(value('--warmup', '2000')),
    evalEvery: Number(value('--eval-every', '200')),
    preset: value('--preset', 'tiny'),
    sampleMs: Number(value('--sample-ms', '500')),
    json: argv.includes('--json'),
  };
}

/** A process's resident memory in MiB, from /proc (null once it has gone). */
function rssMiB(pid: number): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : null;
  } catch {
    return null;
  }
}

interface Sample { seconds: number; step: number; rss: number }

async function soak(o: Options): Promise<{ samples: Sample[]; code: number | null; seconds: number }> {
  const out = mkdtempSync(join(tmpdir(), 'seqlab-soak-'));
  const args = [join(root, 'bin/seqlab.js'), 'train', 'lm', '--train', join(root, 'test/fixtures/shakespeare-20k.txt'),
    '--out', out, '--model', 'lstm', '--preset', o.preset, '--steps', String(o.steps), '--eval-every', String(o.evalEvery), '--threads', '1'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const started = performance.now();
  let step = 0;
  let pending = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^step (\d+)\s/.exec(line);
      if (m) step = Number(m[1]);
      else if (line.trim()) process.stderr.write(`${line}\n`);
    }
  });
  const samples: Sample[] = [];
  const timer = setInterval(() => {
    const rss = rssMiB(child.pid!);
    if (rss !== null) samples.push({ seconds: (performance.now() - started) / 1000, step, rss });
  }, o.sampleMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  rmSync(out, { recursive: true, force: true });
  return { samples, code, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const { samples, code, seconds } = await soak(o);
  if (code !== 0) throw new Error(`seqlab train exited with ${code}`);
  const atWarmup = samples.find((s) => s.step >= o.warmup);
  if (!atWarmup) throw new Error(`no sample after ${o.warmup} steps (${samples.length} samples)`);
  const after = samples.filter((s) => s.seconds >= atWarmup.seconds);
  const end = after[after.length - 1];
  const max = after.reduce((m, s) => (s.rss > m.rss ? s : m), atWarmup);
  const drift = (max.rss - atWarmup.rss) / atWarmup.rss * 100;
  const result = {
    steps: o.steps, preset: o.preset, seconds: Number(seconds.toFixed(1)), samples: samples.length,
    rss_first_mib: Number(samples[0].rss.toFixed(1)),
    rss_warmup_mib: Number(atWarmup.rss.toFixed(1)), warmup_step: atWarmup.step,
    rss_end_mib: Number(end.rss.toFixed(1)), end_step: end.step,
    rss_max_after_warmup_mib: Number(max.rss.toFixed(1)), max_at_step: max.step,
    drift_percent: Number(drift.toFixed(2)), end_vs_warmup_percent: Number(((end.rss - atWarmup.rss) / atWarmup.rss * 100).toFixed(2)),
    within_target: drift <= 10,
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write([
    `soak: ${o.steps} steps of a ${o.preset} char LSTM (seqlab train, one thread) in ${result.seconds}s, ${samples.length} RSS samples`,
    '',
    '| point | step | RSS (MiB) |',
    '| --- | ---: | ---: |',
    `| first sample | ${samples[0].step} | ${result.rss_first_mib} |`,
    `| after warm-up | ${atWarmup.step} | ${result.rss_warmup_mib} |`,
    `| max after warm-up | ${max.step} | ${result.rss_max_after_warmup_mib} |`,
    `| end | ${end.step} | ${result.rss_end_mib} |`,
    '',
    `max drift after warm-up: ${result.drift_percent}% (target ≤ 10%: ${result.within_target ? 'met' : 'NOT met'}); end against warm-up: ${result.end_vs_warmup_percent}%`,
    '',
  ].join('\n'));
}

await main();
