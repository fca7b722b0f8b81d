/**
 * The explorer in a real browser: Vite's dev server (what `npm start` runs) serves web/, and
 * Debian's Chromium, driven by playwright-core, visits every page linked from the home page,
 * types into the keyboard, translates, annotates a FASTA, trains a model for 20 steps, saves its
 * checkpoint and loads it in the CLI. Screenshots go to test-artifacts/explorer/. Skipped (and
 * says so) where /usr/bin/chromium is missing; .ci/run installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-artifacts/explorer';

describe.skipIf(!existsSync(CHROMIUM))('the explorer in Chromium', () => {
  let browser: Browser;
  let server: ViteDevServer;
  let base = '';

  beforeAll(async () => {
    server = await createServer({ configFile: 'vite.config.ts', logLevel: 'silent', server: { port: 0, strictPort: false } });
    await server.listen();
    base = server.resolvedUrls!.local[0];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A page that records console errors, failed requests and requests to any other host. */
  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(base) && !/^(data|blob):/.test(url)) problems.push(`other host: ${url}`);
    });
    await page.goto(new URL(path, base).href);
    await page.waitForFunction(() => document.body.dataset.engine === 'ready', null, { timeout: 60_000 });
    return { page, problems };
  }

  it('every page linked from the home page loads with no console errors, no alerts and no other hosts', async () => {
    const { page, problems } = await open('index.html');
    const text = await page.textContent('body');
    for (const family of ['RNN', 'LSTM', 'GRU', 'attention', 'Transformer']) expect(text).toContain(family);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    const pages = [...new Set(links.filter((l) => l.startsWith(base)).map((l) => l.split('#')[0]))];
    expect(pages.length).toBeGreaterThanOrEqual(11);
    await page.waitForSelector('#families svg', { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}/home.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
    for (const url of pages) {
      const p = await open(url);
      await p.page.waitForLoadState('networkidle');
      await p.page.waitForTimeout(300);
      const alerts = await p.page.$$eval('[role="alert"]', (els) => els.map((e) => e.textContent?.trim()).filter(Boolean));
      expect({ url, problems: p.problems, alerts }).toEqual({ url, problems: [], alerts: [] });
      if (url.includes('/guide/')) await p.page.screenshot({ path: `${SHOTS}/${url.split('/').pop()!.replace('.html', '')}.png`, fullPage: true });
      await p.page.close();
    }
  }, 300_000);

  it('the keyboard: a link named Keyboard, a combobox, and three suggestions after typing', async () => {
    const { page, problems } = await open('index.html');
    await page.waitForSelector('#families svg', { timeout: 60_000 }); // leaving sooner aborts the home page's model fetches: failed requests
    await page.getByRole('link', { name: 'Keyboard', exact: true }).first().click();
    await page.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.model === 'ready', null, { timeout: 60_000 });
    const box = page.getByRole('combobox');
    expect(await box.count()).toBe(1);
    await box.click();
    await box.pressSequentially('to be or not to ', { delay: 60 });
    const listId = await box.getAttribute('aria-controls');
    await page.waitForFunction((id) => document.querySelectorAll(`#${id} [role="option"]`).length === 3, listId, { timeout: 30_000 });
    const options = await page.$$eval(`#${listId} [role="option"]`, (els) => els.map((e) => e.querySelector('.word')!.textContent));
    expect(options).toHaveLength(3);
    expect(new Set(options).size).toBe(3);
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await box.inputValue()).toBe(`to be or not to ${options[0]} `);
    await page.waitForSelector('#behind svg', { timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/keyboard.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('a typed sentence shows the beam\'s hypotheses and an alignment matrix', async () => {
    const { page, problems } = await open('translate.html');
    await page.fill('#source', 'Eine Frau liest ein Buch im Park.');
    await page.click('button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#nbest')?.textContent?.includes('book')
      && document.querySelector('#alignment svg') !== null, null, { timeout: 60_000 });
    const rows = await page.$$eval('#nbest tbody tr', (trs) => trs.length);
    expect(rows).toBeGreaterThan(1);
    const label = await page.getAttribute('#alignment svg', 'aria-label');
    expect(label ?? '').not.toBe('');
    await page.waitForSelector('#inside svg', { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}/translate.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('a FASTA shows a track: predictions, the saliency track and the first layer\'s logos from the bundled models', async () => {
    const { page, problems } = await open('sequence.html');
    // The example it opens with, or an alert (the bundled models missing, say), which fails the test with its words.
    await page.waitForFunction(() => document.body.dataset.annotated === 'yes' || !document.querySelector<HTMLElement>('#error')!.hidden, null, { timeout: 60_000 });
    expect(await page.textContent('#error')).toBe('');
    await page.selectOption('#model', 'splice-sites');
    await page.fill('#fasta', [ // two windows of the UCI splice data (CC BY 4.0), not among the page's examples
      '>HUMA1GLY2-DONOR-1693 EI', 'GTGCCCATCACCAACGCCACCCTGGACCGGGTGAGTGCCTGGGCTAGCCCTGTCCTGAGC',
      '>HUMA1GLY2-ACCEPTOR-3502 IE', 'CCCCAGTCAGTCTCCTTGCTCCCCCTGCAGCTGACAAGCCAGAGACGACCAAGGAGCAAC', ''].join('\n'));
    await page.getByRole('button', { name: 'Annotate' }).click();
    await page.waitForFunction(() => {
      const svg = document.querySelector('#track svg');
      return svg?.getAttribute('aria-label')?.startsWith('HUMA1GLY2-DONOR-1693') && svg.querySelector('.track[data-name="saliency"]') !== null;
    }, null, { timeout: 60_000 });
    const rows = await page.$$eval('#probs tbody tr', (trs) => trs.map((tr) => tr.querySelector('th')!.textContent));
    expect(rows).toEqual(['HUMA1GLY2-DONOR-1693', 'HUMA1GLY2-ACCEPTOR-3502']);
    const track = page.locator('#track svg');
    expect(await track.getAttribute('role')).toBe('img');
    expect(await track.locator('.letters text').count()).toBe(60);
    expect(await track.locator('.track[data-name="saliency"] rect.bar').count()).toBeGreaterThan(0);
    await page.waitForSelector('#logos svg', { timeout: 60_000 });
    const logos = await page.$$eval('#logos svg', (svgs) => svgs.map((s) => [s.getAttribute('role'), s.querySelector('title')?.textContent ?? '']));
    expect(logos.length).toBeGreaterThan(0);
    for (const [role, title] of logos) {
      expect(role).toBe('img');
      expect(title).toMatch(/^filter\d+: \d+ windows?/);
    }
    // Another record of the same run: its own track, and its saliency on the way.
    await page.selectOption('#record', 'HUMA1GLY2-ACCEPTOR-3502');
    await page.waitForFunction(() => document.querySelector('#track svg')?.getAttribute('aria-label')?.startsWith('HUMA1GLY2-ACCEPTOR-3502')
      && document.querySelector('#track svg .track[data-name="saliency"]') !== null, null, { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}/sequence.png`, fullPage: true });
    // The protein example: the bundled tagger's regions along the chain (its saliency takes longer; not waited for).
    await page.selectOption('#example', 'alpha-beta');
    await page.waitForFunction(() => document.querySelector('#track svg')?.getAttribute('aria-label')?.startsWith('6jhz-A'), null, { timeout: 60_000 });
    const regions = await page.$$eval('#track svg .region title', (ts) => ts.map((t) => t.textContent!));
    expect(regions.length).toBeGreaterThan(0);
    for (const r of regions) expect(r).toMatch(/^[CEH] \[\d+, \d+\)/);
    expect(await page.$$eval('#shares tbody tr', (trs) => trs.length)).toBe(1);
    await page.waitForFunction(() => document.querySelector('#logos svg title')?.textContent?.startsWith('filter'), null, { timeout: 60_000 });
    expect(await page.$$eval('[role="alert"]', (els) => els.map((e) => e.textContent?.trim()).filter(Boolean))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('20 training steps in the page update the loss curve and the gates; the saved checkpoint gives the CLI the same suggestions', async () => {
    const { page, problems } = await open('train.html');
    await page.selectOption('#arch', 'lstm');
    await page.fill('#steps', '20');
    await page.fill('#probe', 'the king ');
    await page.click('#go');
    await page.waitForFunction(() => document.body.dataset.trained !== undefined, null, { timeout: 120_000 });
    expect(Number(await page.getAttribute('body', 'data-evals'))).toBeGreaterThanOrEqual(2);
    const curve = await page.$$eval('#curve svg polyline', (ps) => ps.map((p) => p.getAttribute('points')!.trim().split(/\s+/).length));
    expect(curve[0]).toBeGreaterThanOrEqual(20);
    expect(await page.$$eval('#inside svg', (s) => s.length)).toBeGreaterThan(0);
    expect(await page.textContent('#inside')).toContain('Gates of LSTM');
    const shown = await page.$$eval('#probe-suggestions li', (lis) => lis.map((li) => li.textContent));
    expect(shown).toHaveLength(3);
    await page.screenshot({ path: `${SHOTS}/train.png`, fullPage: true });

    const dir = mkdtempSync(join(tmpdir(), 'seqlab-explorer-'));
    try {
      const links = await page.$$('#downloads a[download]');
      expect(links.length).toBe(3);
      for (const link of links) {
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        await download.saveAs(join(dir, download.suggestedFilename()));
      }
      const out = execFileSync(process.execPath, ['bin/seqlab.js', 'suggest', dir, '--text', 'the king ', '--json'], { encoding: 'utf8' });
      const cli = (JSON.parse(out) as { suggestions: { word: string; prob: number }[] }).suggestions
        .map((s) => `${s.word} (${(100 * s.prob).toFixed(1)}%)`);
      expect(cli).toEqual(shown);

      // And back: the same files loaded into the page give the same suggestions.
      await page.setInputFiles('#load', ['config.json', 'vocab.json', 'model.safetensors'].map((f) => join(dir, f)));
      await page.waitForFunction(() => document.body.dataset.loaded !== undefined, null, { timeout: 60_000 });
      expect(await page.$$eval('#probe-suggestions li', (lis) => lis.map((li) => li.textContent))).toEqual(shown);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);

  it('your keyboard: fine-tuning on the person\'s text scores the held-out part before and after', async () => {
    const { page, problems } = await open('my-keyboard.html');
    await page.selectOption('#steps', '40');
    await page.click('#go');
    await page.waitForSelector('#scores', { timeout: 120_000 });
    const cells = await page.$$eval('#scores tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cells).toHaveLength(3);
    const loss = cells[2].map(Number);
    expect(loss[1]).toBeLessThan(loss[0]); // the fine-tuned model predicts the person's held-out text better
    await page.screenshot({ path: `${SHOTS}/my-keyboard.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);
});
