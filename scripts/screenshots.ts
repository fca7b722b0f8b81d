/**
 * Writes the README's screenshots of the explorer (docs/screenshots/*.jpg): Vite's dev server
 * and Debian's Chromium, each view after a real interaction.  `npx tsx scripts/screenshots.ts`
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { createServer } from 'vite';

/** `--png DIR`: lossless PNGs into DIR instead (for looking closely). */
const PNG = process.argv.includes('--png') ? process.argv[process.argv.indexOf('--png') + 1] : null;
const OUT = PNG ?? 'docs/screenshots';

const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'silent', server: { port: 0, strictPort: false } });
await server.listen();
const base = server.resolvedUrls!.local[0];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
mkdirSync(OUT, { recursive: true });

async function view(path: string, name: string, act: (page: Page) => Promise<void>, height = 1100): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1200, height } });
  await page.goto(new URL(path, base).href);
  await page.waitForFunction(() => document.body.dataset.engine === 'ready', null, { timeout: 60_000 });
  await act(page);
  await page.waitForTimeout(500);
  const file = `${OUT}/${name}.${PNG ? 'png' : 'jpg'}`;
  await page.screenshot(PNG ? { path: file } : { path: file, type: 'jpeg', quality: 72 });
  await page.close();
  process.stderr.write(`${file}\n`);
}

try {
  await view('index.html', 'home', async (p) => { await p.waitForSelector('#families svg'); });
  await view('keyboard.html', 'keyboard', async (p) => {
    await p.waitForFunction(() => document.body.dataset.model === 'ready');
    await p.getByRole('combobox').pressSequentially('Good morrow, my lord. What news from the ki', { delay: 80 });
    await p.waitForSelector('#behind svg', { timeout: 60_000 });
    await p.evaluate(() => window.scrollTo(0, 0));
  });
  await view('my-keyboard.html', 'my-keyboard', async (p) => {
    await p.click('#go');
    await p.waitForSelector('#scores', { timeout: 120_000 });
    await p.locator('#kb-input').pressSequentially('We meet at the bridge and ride to the ', { delay: 80 });
    await p.waitForSelector('[role="option"]');
    await p.$eval('#mine', (el) => el.scrollIntoView());
  });
  await view('translate.html', 'translate', async (p) => {
    await p.selectOption('#model', 'multi30k-de-en-rnn-attention');
    await p.fill('#source', 'Zwei Kinder spielen im Sand am Strand.');
    await p.click('button[type="submit"]');
    await p.waitForFunction(() => document.querySelector('#nbest')?.textContent?.includes('children'), null, { timeout: 60_000 });
    await p.waitForSelector('#inside svg', { timeout: 60_000 });
    await p.$eval('#hypotheses', (el) => el.scrollIntoView());
  }, 1300);
  await view('sequence.html', 'sequence', async (p) => {
    await p.waitForFunction(() => document.body.dataset.annotated === 'yes', null, { timeout: 60_000 });
    await p.selectOption('#example', 'alpha-beta');
    await p.waitForFunction(() => document.querySelector('#track svg')?.getAttribute('aria-label')?.startsWith('6jhz-A')
      && document.querySelector('#track svg .track[data-name="saliency"]') !== null, null, { timeout: 300_000 });
    await p.$eval('#predictions', (el) => el.scrollIntoView());
  }, 1300);
  await view('train.html', 'train', async (p) => {
    await p.selectOption('#arch', 'gru');
    await p.fill('#steps', '300');
    await p.click('#go');
    await p.waitForFunction(() => document.body.dataset.trained !== undefined, null, { timeout: 300_000 });
    await p.$eval('#progress', (el) => el.scrollIntoView());
  }, 1300);
  await view('guide/gates.html', 'guide-gates', async (p) => { await p.waitForSelector('#guide svg', { timeout: 60_000 }); }, 1300);
  await view('guide/transformer.html', 'guide-transformer', async (p) => { await p.waitForSelector('#guide svg', { timeout: 60_000 }); }, 1300);
  await view('guide/attention.html', 'guide-attention', async (p) => { await p.waitForSelector('#guide svg', { timeout: 60_000 }); }, 1300);
} finally {
  await browser.close();
  await server.close();
}
