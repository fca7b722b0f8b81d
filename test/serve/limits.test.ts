/**
 * The server under load and at its edges, as real child processes: inference runs off the event
 * loop (a long translation does not hold up a suggestion), a full queue is a 429, a slow job a
 * 504 (its worker replaced), a client that goes away cancels its job without stopping the
 * worker, SIGTERM finishes the requests in flight and exits 0, and bad start-up input is one
 * `seqlab: error:` line with exit 2.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUsageError, tempDir } from '../cli/helpers.js';
import { apiError, model, post, serve, seqlabRun } from './helpers.js';

const LM = 'shakespeare-char-lstm';
const MT = 'multi30k-de-en-rnn-attention';
/**
 * A translation that keeps a worker busy: many sentences, a wide beam. About 50–70 ms a sentence
 * on the 2-core machine of 2026-12-03; the sizes below leave a margin of several times that, so a
 * faster machine still finds the job running when the test needs it to be.
 */
const longTranslation = (n: number): unknown => ({
  model: MT, beam: 8, sentences: Array.from({ length: n }, (_, i) => `ein mann in einem blauen hemd sitzt mit ${i} hunden auf einer bank im park .`),
});
const suggestion = { model: LM, text: 'to be or not to ' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('seqlab serve: worker pool, queue, timeout and shutdown', () => {
  it('answers a suggestion while a long translation runs, then drains it on SIGTERM and exits 0', async () => {
    const server = await serve([model(LM), model(MT), '--workers', '2']);
    const order: string[] = [];
    const translation = post(server.url, '/v1/translate', longTranslation(48)).then((a) => (order.push('translate'), a));
    await sleep(300);
    const suggested = await post(server.url, '/v1/suggest', suggestion).then((a) => (order.push('suggest'), a));
    expect(suggested.status).toBe(200);
    expect(order).toEqual(['suggest']); // the translation is still running
    expect((await translation).status).toBe(200);

    // SIGTERM with a request in flight: it is answered in full, then the process exits 0.
    const inFlight = post(server.url, '/v1/translate', longTranslation(32));
    await sleep(300);
    server.child.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.translations).toHaveLength(32);
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toMatch(/draining/);
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
  }, 120_000);

  it('refuses work past a full queue (429) and stops a job past the timeout (504), then recovers', async () => {
    const server = await serve([model(LM), model(MT), '--workers', '1', '--queue', '1', '--timeout', '1.5']);
    try {
      const slow = post(server.url, '/v1/translate', longTranslation(512)); // runs on the one worker until the timeout stops it
      await sleep(200);
      const queued = post(server.url, '/v1/suggest', suggestion); // waits in the queue
      await sleep(100);
      const refused = apiError(await post(server.url, '/v1/suggest', suggestion), 429);
      expect(refused.type).toBe('rate_limit_error');
      const timedOut = apiError(await slow, 504);
      expect(timedOut.message).toMatch(/--timeout/);
      expect([200, 504]).toContain((await queued).status); // its clock ran while it waited
      // The stopped worker is replaced, loads the models again, and answers.
      let again = await post(server.url, '/v1/suggest', suggestion);
      for (let i = 0; i < 20 && again.status !== 200; i++) again = await post(server.url, '/v1/suggest', suggestion);
      expect(again.status).toBe(200);
      expect(server.stderr()).toMatch(/worker \d+ replaced one stopped past --timeout/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('cancels a generation whose client went away without stopping its worker', async () => {
    // 100,000 tokens of the transformer take far longer than the 3 s timeout (about a minute
    // on 2026-12-03): had the job gone on, the timeout would have stopped the one worker and logged
    // its replacement.
    const server = await serve([model(LM), model('shakespeare-char-transformer'), '--workers', '1', '--timeout', '3',
      '--max-length', '100000']);
    try {
      const client = new AbortController();
      const r = await fetch(`${server.url}/v1/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: client.signal,
        body: JSON.stringify({ model: 'shakespeare-char-transformer', prompt: 'ROMEO:\n', max_tokens: 100_000, stream: true }),
      });
      expect(r.status).toBe(200);
      const first = await r.body!.getReader().read();
      expect(new TextDecoder().decode(first.value)).toMatch(/^data: /);
      client.abort();
      await sleep(4000);
      expect((await post(server.url, '/v1/suggest', suggestion)).status).toBe(200);
      expect(server.stderr()).not.toMatch(/replaced/);
    } finally {
      // The aborted fetch leaves undici's next connection open with no request on it; the drain
      // drops it at once instead of waiting out the 72 s keep-alive timeout (hence this test's limit).
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);
});

describe('seqlab serve: bad start-up input', () => {
  it('is one `seqlab: error:` line and exit 2: missing folder, corrupt checkpoint, clashing ids, bad flags', async () => {
    const tmp = tempDir();
    const corrupt = join(tmp, 'corrupt');
    cpSync(model(LM), corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'model.safetensors'), 'not safetensors');
    const cases: [string[], RegExp][] = [
      [[join(tmp, 'nowhere')], /nowhere: no such checkpoint folder/],
      [[corrupt, '--port', '0'], /corrupt.*model\.safetensors/],
      [[model(LM), `${model(LM)}/`, '--port', '0'], /id 'shakespeare-char-lstm' is taken/],
      [[model(LM), '--workers', '0'], /--workers/],
      [[model(LM), '--max-body', 'lots'], /--max-body/],
      [[model(LM), '--port', '70000'], /--port/],
    ];
    const runs = await Promise.all(cases.map(([args]) => seqlabRun(['serve', ...args])));
    runs.forEach((r, i) => expectUsageError(r, cases[i][1]));
  });
});
