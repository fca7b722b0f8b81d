/**
 * The OpenAI-compatible completions, driven by the official `openai` client unchanged (plain and
 * streamed), and the error answers: OpenAI's `{"error":{"message","type","param"}}` with the
 * field at fault, for bad bodies, limits, unknown models and path-like model names.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../cli/helpers.js';
import { apiError, get, model, post, type Served, serve, seqlabAsync } from './helpers.js';

const LM = 'shakespeare-char-lstm';
const MT = 'multi30k-de-en-rnn-attention';
const CLS = 'splice-sites';
const PROMPT = 'ROMEO:\n';

let server: Served;
let client: OpenAI;
let cliGenerated: string;

beforeAll(async () => {
  const [served, generated] = await Promise.all([
    serve([model(LM), model(MT), model(CLS), '--max-length', '200', '--max-body', '4k', '--workers', '2']),
    seqlabAsync(['generate', model(LM), '--prompt', PROMPT, '--length', '24', '--temperature', '0.8', '--top-p', '0.9', '--seed', '7']),
  ]);
  server = served;
  cliGenerated = generated;
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
}, 120_000);
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe('seqlab serve: OpenAI completions through the openai client', () => {
  it('answers a plain completion, the same text `seqlab generate` samples with that seed', async () => {
    const c = await client.completions.create({ model: LM, prompt: PROMPT, max_tokens: 24, temperature: 0.8, top_p: 0.9, seed: 7 });
    expect(c.object).toBe('text_completion');
    expect(c.model).toBe(LM);
    expect(c.choices).toHaveLength(1);
    expect(c.choices[0].finish_reason).toBe('length');
    expect(`${PROMPT}${c.choices[0].text}\n`).toBe(cliGenerated);
    expect(c.usage).toEqual({ prompt_tokens: PROMPT.length, completion_tokens: 24, total_tokens: PROMPT.length + 24 });
  });

  it('streams the same completion as server-sent events, chunk by chunk, ending with the finish reason', async () => {
    const stream = await client.completions.create({
      model: LM, prompt: PROMPT, max_tokens: 24, temperature: 0.8, top_p: 0.9, seed: 7, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.text;
        finish = choice.finish_reason ?? finish;
      }
    }
    expect(`${PROMPT}${text}\n`).toBe(cliGenerated);
    expect(chunks).toBeGreaterThan(2);
    expect(finish).toBe('length');
    expect(usage).toMatchObject({ completion_tokens: 24 });
  });

  it('raises the client\'s NotFoundError for an unknown model, and a 400 for a model that cannot generate', async () => {
    await expect(client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(client.completions.create({ model: MT, prompt: 'x' })).rejects.toMatchObject({ status: 400, param: 'model' });
  });
});

describe('seqlab serve: errors name the field at fault', () => {
  it('refuses unknown fields, missing fields and wrong types (400)', async () => {
    expect(apiError(await post(server.url, '/v1/suggest', { model: LM, text: 'a', colour: 1 }), 400)).toMatchObject({ param: 'colour' });
    expect(apiError(await post(server.url, '/v1/suggest', { model: LM }), 400)).toMatchObject({ param: 'text', type: 'invalid_request_error' });
    expect(apiError(await post(server.url, '/v1/suggest', { model: LM, text: 'a', k: '3' }), 400)).toMatchObject({ param: 'k' });
    expect(apiError(await post(server.url, '/v1/translate', { model: MT, source: 'a', beam: 2, nbest: 3 }), 400)).toMatchObject({ param: 'nbest' });
    expect(apiError(await post(server.url, '/v1/suggest', '{"model": '), 400)).toMatchObject({ param: 'body' });
  });

  it('caps each text at --max-length (400) and the body at --max-body (413)', async () => {
    const long = 'a'.repeat(201);
    expect(apiError(await post(server.url, '/v1/suggest', { model: LM, text: long }), 400)).toMatchObject({ param: 'text' });
    const sentences = { model: MT, sentences: ['ein hund .', long] };
    expect(apiError(await post(server.url, '/v1/translate', sentences), 400)).toMatchObject({ param: 'sentences[1]' });
    const tokens = { model: LM, prompt: 'a', max_tokens: 201 };
    expect(apiError(await post(server.url, '/v1/completions', tokens), 400)).toMatchObject({ param: 'max_tokens' });
    const fasta = `>ok\nACGT\n>big\n${'ACGT'.repeat(51)}\n`;
    const e = apiError(await post(server.url, '/v1/annotate', { model: CLS, fasta }), 400);
    expect(e).toMatchObject({ param: 'fasta' });
    expect(e.message).toMatch(/'big'.*204/);
    const body = apiError(await post(server.url, '/v1/annotate', { model: CLS, fasta: `>x\n${'A'.repeat(5000)}\n` }), 413);
    expect(body).toMatchObject({ param: 'body' });
    expect(body.message).toMatch(/4096 bytes/);
  });

  it('reports a mistake in the data as the task words it, naming the field', async () => {
    const e = apiError(await post(server.url, '/v1/annotate', { model: CLS, fasta: '>q\nACXT\n' }), 400);
    expect(e.param).toBe('fasta');
    expect(e.message).toMatch(/fasta:1: record 'q'.*'X'/);
    expect(apiError(await post(server.url, '/v1/annotate', { model: CLS }), 400).param).toBe('fasta');
  });

  it('names models by id only: a path to a real checkpoint, or ../, is a 404 and nothing is read', async () => {
    for (const name of ['../shakespeare-char-gru', `${root}/models/shakespeare-char-gru`, 'models/shakespeare-char-gru', '../../etc/passwd', '.', '']) {
      const a = await post(server.url, '/v1/suggest', { model: name, text: 'to be' });
      expect([400, 404]).toContain(a.status);
      expect(apiError(a, a.status).param).toBe('model');
    }
    expect(apiError(await post(server.url, '/v1/suggest', { model: MT, text: 'a' }), 400)).toMatchObject({ param: 'model' });
    expect(apiError(await get(server.url, '/v1/models/..%2Fshakespeare-char-gru'), 404).param).toBe('model');
    expect((await get(server.url, '/v1/models')).body.data.map((m: { id: string }) => m.id)).toEqual([LM, MT, CLS]);
  });

  it('answers unknown routes with a JSON 404, and / with the explorer when it is built', async () => {
    expect(apiError(await get(server.url, '/v1/nothing'), 404).type).toBe('not_found_error');
    const home = await fetch(`${server.url}/`);
    if (home.status === 200) {
      expect(home.headers.get('content-type')).toMatch(/text\/html/);
      expect(home.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(home.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    } else {
      expect(home.status).toBe(404);
      expect(((await home.json()) as { error: { message: string } }).error.message).toMatch(/npm run build:web/);
    }
  });
});
