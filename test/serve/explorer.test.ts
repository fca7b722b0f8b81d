/**
 * The explorer as `seqlab serve` serves it (dist-web/, built by `npm run build`): cross-origin
 * isolated, its bundled models fetched from the same server, the keyboard suggesting words.
 * Skipped (and says so) where /usr/bin/chromium or the built explorer is missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { root } from '../cli/helpers.js';
import { model, serve } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const built = existsSync(join(root, 'dist-web/index.html'));

describe.skipIf(!existsSync(CHROMIUM) || !built)('seqlab serve: the explorer in Chromium', () => {
  it('serves the keyboard page isolated, with its model from the same server, and it suggests', async () => {
    const [server, browser] = await Promise.all([
      serve([model('shakespeare-char-lstm'), '--workers', '1']),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }),
    ]);
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !/^(data|blob):/.test(r.url())) problems.push(`other host: ${r.url()}`);
      });
      await page.goto(`${server.url}/keyboard.html`);
      await page.waitForFunction(() => document.body.dataset.engine === 'ready' && document.body.dataset.model === 'ready', null, { timeout: 60_000 });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const box = page.getByRole('combobox');
      await box.click();
      await box.pressSequentially('to be or not to ', { delay: 30 });
      const listId = await box.getAttribute('aria-controls');
      await page.waitForFunction((id) => document.querySelectorAll(`#${id} [role="option"]`).length === 3, listId, { timeout: 30_000 });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
