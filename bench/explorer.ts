/**
 * The explorer's figures, measured in one run (`npm run bench:explorer`):
 *  1. time from `npm start` to the first interactive page: the keyboard page with its model
 *     loaded and the combobox answering a first keystroke;
 *  2. the keyboard's per-keystroke latency in Chromium (input event to suggestions on screen),
 *     median and p90 over a typed text, for each bundled LM;
 *  3. training tokens/s of the same workload (web/src/workloads.ts) in the page's Worker with 1
 *     and 2 threads, and in Node with 1 and 2 threads.
 * Needs /usr/bin/chromium. Run it with nothing else on the machine.
 */
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { setThreads } from '../src/backend/index.js';
import { lmTrainThroughput } from '../web/src/workloads.js';
import { LANGUAGE_MODELS } from '../web/src/catalog.js';

// Node 20 validates relaxed SIMD only with this flag (Chromium does by default): both get the same kernels.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const args = process.argv.slice(2);
const flag = (name: string, d: string): string => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
const PORT = Number(flag('--port', '5191'));
const STEPS = Number(flag('--steps', '30'));
const ARCHS = flag('--archs', 'lstm,transformer').split(',');
const ROUNDS = Number(flag('--rounds', '2'));
const TEXT = 'to be or not to be that is the question whether tis nobler in the mind to suffer';
const base = `http://127.0.0.1:${PORT}/`;

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function main(): Promise<void> {
  const t0 = performance.now();
  const server = spawn('npm', ['start', '--', '--port', String(PORT)], { stdio: 'ignore', detached: true });
  try {
    while (!(await fetch(base).then((r) => r.ok, () => false))) await new Promise((r) => setTimeout(r, 50));
    const listening = performance.now() - t0;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage();
    await page.goto(`${base}keyboard.html`);
    await page.waitForFunction(() => document.body.dataset.model === 'ready', null, { timeout: 120_000 });
    await page.getByRole('combobox').pressSequentially('t');
    await page.waitForSelector('[role="option"]', { timeout: 60_000 });
    const interactive = performance.now() - t0;
    console.log(`\n## Start-up\n\n| \`npm start\` → server answers | → keyboard page answers its first keystroke |\n| ---: | ---: |\n| ${(listening / 1000).toFixed(1)} s | ${(interactive / 1000).toFixed(1)} s |`);

    console.log('\n## Keyboard latency in Chromium (keystroke → suggestions on screen)\n\n| model | keystrokes | median ms | p90 ms |\n| --- | ---: | ---: | ---: |');
    for (const m of LANGUAGE_MODELS) {
      await page.check(`input[value="${m.id}"]`);
      await page.waitForTimeout(1500);
      const box = page.getByRole('combobox');
      await box.fill('');
      await page.waitForTimeout(300);
      await page.$eval('#latency', (el) => { el.dataset.latencies = ''; });
      const before = await page.$eval('#latency', (el) => el.dataset.latencies ?? '');
      await box.pressSequentially(TEXT, { delay: 250 });
      await page.waitForTimeout(1000);
      const all = (await page.$eval('#latency', (el) => el.dataset.latencies ?? '')).split(',').filter(Boolean).map(Number);
      const xs = all.slice(before.split(',').filter(Boolean).length).slice(-TEXT.length);
      console.log(`| ${m.label} | ${xs.length} | ${quantile(xs, 0.5).toFixed(1)} | ${quantile(xs, 0.9).toFixed(1)} |`);
    }

    console.log(`\n## Training tokens/s, character LM (small preset), ${STEPS} steps, median step, best of ${ROUNDS} rounds\n\n| architecture | threads | Chromium Worker | Node | page / Node |\n| --- | ---: | ---: | ---: | ---: |`);
    const text = readFileSync('data/tinyshakespeare/input.txt', 'utf8');
    await page.goto(`${base}speed.html`);
    await page.waitForFunction(() => document.body.dataset.engine === 'ready', null, { timeout: 60_000 });
    for (const arch of ARCHS) {
      const best = { web: [0, 0], node: [0, 0], webThreads: [0, 0] };
      for (let round = 0; round < ROUNDS; round++) { // page and Node alternate, so drifts in the machine hit both
        await page.selectOption('#arch', arch);
        await page.fill('#steps', String(STEPS));
        await page.$eval('body', (b) => { delete b.dataset.measured; });
        await page.$eval('#speeds tbody', (t) => { t.replaceChildren(); });
        await page.click('#go');
        await page.waitForFunction(() => document.body.dataset.measured !== undefined, null, { timeout: 600_000 });
        const inPage = await page.$$eval('#speeds tbody tr', (trs) => trs.map((tr) => ({
          threads: Number((tr as HTMLElement).dataset.threads), rate: Number((tr as HTMLElement).dataset.rate) })));
        for (const [i, threads] of [1, 2].entries()) {
          await setThreads(threads);
          const node = await lmTrainThroughput(text, arch, STEPS);
          best.web[i] = Math.max(best.web[i], inPage[i].rate);
          best.webThreads[i] = inPage[i].threads;
          best.node[i] = Math.max(best.node[i], node.tokensPerSecond);
          process.stderr.write(`${arch} round ${round + 1}, ${threads} thread(s): page ${inPage[i].rate.toFixed(0)}, Node ${node.tokensPerSecond.toFixed(0)}\n`);
        }
      }
      for (const [i, threads] of [1, 2].entries()) {
        console.log(`| ${arch} | ${threads} (page: ${best.webThreads[i]}) | ${best.web[i].toFixed(0)} | ${best.node[i].toFixed(0)} | ${(best.web[i] / best.node[i]).toFixed(2)}× |`);
      }
    }
    await setThreads(1);
    await browser.close();
  } finally {
    process.kill(-server.pid!, 'SIGTERM');
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
