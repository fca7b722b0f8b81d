/**
 * The thread pool in a real browser: Debian's Chromium, driven by playwright-core, loads a page
 * whose dedicated Worker runs test/web/pool-entry.ts (bundled by esbuild). Served with COOP/COEP
 * headers (cross-origin isolated), the backend gets a shared memory and two threads, and a
 * split GEMM and LSTM layer equal one thread's bit for bit; served without them, it settles on
 * one thread, as documented in src/backend/wasm/threads.ts. Skipped (and says so) where
 * /usr/bin/chromium is missing; .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolReport as Report } from './report.js';

const CHROMIUM = '/usr/bin/chromium';
const PAGE = `<!doctype html><title>seqlab pool</title><script>
  const worker = new Worker('/worker.js');
  worker.onmessage = (e) => { window.report = e.data; };
  worker.onerror = (e) => { window.report = { error: e.message || 'worker error' }; };
</script>`;

describe.skipIf(!existsSync(CHROMIUM))('the wasm thread pool in Chromium (Web Workers, shared memory)', () => {
  let browser: Browser;
  let server: Server;
  let base = '';
  let isolate = true;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: ['test/web/pool-entry.ts'], bundle: true, format: 'esm', platform: 'browser', write: false,
      logLevel: 'silent',
    });
    const worker = bundle.outputFiles[0].text;
    server = createServer((req, res) => {
      const headers: Record<string, string> = isolate
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
      if (req.url === '/worker.js') res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(worker);
      else res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function report(): Promise<Report> {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/`);
      await page.waitForFunction(() => (window as unknown as { report?: unknown }).report !== undefined, null, { timeout: 60_000 });
      return await page.evaluate(() => (window as unknown as { report: Report }).report);
    } finally {
      await page.close();
    }
  }

  it('cross-origin isolated: two threads, results bitwise equal to one thread', async () => {
    isolate = true;
    const r = await report();
    expect(r.error).toBeUndefined();
    expect(r).toEqual({ isolated: true, threads: 2, gemmEqual: true, lstmEqual: true });
  }, 120_000);

  it('not isolated (no shared memory): settles on one thread and still computes', async () => {
    isolate = false;
    const r = await report();
    expect(r.error).toBeUndefined();
    expect(r).toEqual({ isolated: false, threads: 1, gemmEqual: true, lstmEqual: true });
  }, 120_000);
});
