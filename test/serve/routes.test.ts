/**
 * The task routes answer what the CLI prints for the same input (the same model, the same task
 * functions), the OpenAI model list has its shape, and the health probes answer. One server
 * with four bundled models; the CLI's answers come from the real `bin/seqlab.js`, run while
 * the server starts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../cli/helpers.js';
import { get, model, post, type Served, serve, seqlabAsync } from './helpers.js';

const LM = 'shakespeare-char-lstm';
const MT = 'multi30k-de-en-rnn-attention';
const CLS = 'splice-sites';
const TAG = 'protein-ss';
const FASTA = '>s1 first\nCAGGTAAGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACG\n'
  + '>s2\nTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTCAGGTTTTTTTTTTTTTTTTTTTTTTTTTTTT\n';
const CSV = `id,sequence\nr1,${FASTA.split('\n')[1]}\n`;
const PROTEIN = '>p1\nMKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQ\n';
const SENTENCES = ['ein mann sitzt auf einer bank .', 'zwei hunde spielen im schnee .', 'eine frau liest ein buch .'];
const SUGGEST_TEXT = 'thou art a vill';

const tmp = tempDir();
const file = (name: string, text: string): string => {
  writeFileSync(join(tmp, name), text);
  return join(tmp, name);
};
const jsonLines = (stdout: string): unknown[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);

let server: Served;
/** The CLI's answers, by name. */
const cli: Record<string, unknown> = {};

beforeAll(async () => {
  const explained = join(tmp, 'explain.json');
  const runs: Record<string, Promise<unknown>> = {
    suggest: seqlabAsync(['suggest', model(LM), '--text', SUGGEST_TEXT, '-k', '5', '--json']).then((s) => jsonLines(s)[0]),
    translateMany: seqlabAsync(['translate', model(MT), '--json', '--beam', '4', '--nbest', '2', '--alignments'], `${SENTENCES.join('\n')}\n`)
      .then(jsonLines),
    translateOne: seqlabAsync(['translate', model(MT), '--json'], `${SENTENCES[1]}\n`).then((s) => jsonLines(s)[0]),
    classify: seqlabAsync(['annotate', model(CLS), '--input', file('s.fa', FASTA), '--format', 'json']).then((s) => jsonLines(s)[0]),
    saliency: seqlabAsync(['annotate', model(CLS), '--input', file('s.csv', CSV), '--format', 'json', '--saliency']).then((s) => jsonLines(s)[0]),
    tag: seqlabAsync(['annotate', model(TAG), '--input', file('p.fa', PROTEIN), '--format', 'json']).then((s) => jsonLines(s)[0]),
    explain: seqlabAsync(['explain', model(MT), '--input', 'ein hund .', '--out', explained]).then(() => JSON.parse(readFileSync(explained, 'utf8'))),
  };
  const [served] = await Promise.all([
    serve([model(LM), model(MT), model(CLS), model(TAG), '--workers', '2']),
    ...Object.entries(runs).map(async ([name, run]) => (cli[name] = await run)),
  ]);
  server = served;
}, 120_000);
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe('seqlab serve: health and models', () => {
  it('answers the liveness and readiness probes', async () => {
    expect(await get(server.url, '/v2/health/live')).toEqual({ status: 200, body: { live: true } });
    expect(await get(server.url, '/v2/health/ready')).toEqual({ status: 200, body: { ready: true } });
  });

  it('lists the models in OpenAI\'s shape, each named by its folder', async () => {
    const { status, body } = await get(server.url, '/v1/models');
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual([LM, MT, CLS, TAG]);
    for (const m of body.data) {
      expect(m).toMatchObject({ object: 'model', owned_by: 'seqlab' });
      expect(Number.isInteger(m.created)).toBe(true);
    }
    expect(body.data[0]).toMatchObject({ task: 'lm', arch: 'lstm', capabilities: ['generate', 'suggest', 'explain'] });
    expect(body.data[1]).toMatchObject({ task: 'translate', arch: 'rnn-attention' });
    expect((await get(server.url, `/v1/models/${CLS}`)).body).toEqual(body.data[2]);
  });
});

describe('seqlab serve: task routes answer the CLI\'s JSON', () => {
  it('suggest equals `seqlab suggest --json`', async () => {
    const a = await post(server.url, '/v1/suggest', { model: LM, text: SUGGEST_TEXT, k: 5 });
    expect(a.status).toBe(200);
    expect(a.body.suggestions).toHaveLength(5);
    expect(a.body.suggestions).toEqual((cli.suggest as { suggestions: unknown }).suggestions);
    expect(typeof a.body.ms).toBe('number');
  });

  it('translate equals `seqlab translate --json`: many sentences with n-best and alignments, or one source', async () => {
    const many = await post(server.url, '/v1/translate', { model: MT, sentences: SENTENCES, beam: 4, nbest: 2, alignments: true });
    expect(many.status).toBe(200);
    expect(many.body.translations).toEqual(cli.translateMany);
    expect(many.body.translations[0].nbest).toHaveLength(2);
    expect(many.body.translations[0].alignment.weights.length).toBeGreaterThan(0);
    const one = await post(server.url, '/v1/translate', { model: MT, source: SENTENCES[1] });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(cli.translateOne);
  });

  it('annotate equals `seqlab annotate --format json`, FASTA or CSV inline, with saliency', async () => {
    const cls = await post(server.url, '/v1/annotate', { model: CLS, fasta: FASTA });
    expect(cls.status).toBe(200);
    expect(cls.body).toEqual(cli.classify);
    const table = await post(server.url, '/v1/annotate', { model: CLS, csv: CSV, saliency: true });
    expect(table.body).toEqual(cli.saliency);
    expect(table.body.saliency).toHaveLength(1);
    const tag = await post(server.url, '/v1/annotate', { model: TAG, fasta: PROTEIN, format: 'json' });
    expect(tag.body).toEqual(cli.tag);
    expect(tag.body.regions.length).toBeGreaterThan(0);
  });

  it('explain equals `seqlab explain --out FILE.json`', async () => {
    const a = await post(server.url, '/v1/explain', { model: MT, input: 'ein hund .' });
    expect(a.status).toBe(200);
    expect(a.body).toEqual(cli.explain);
    const lm = await post(server.url, '/v1/explain', { model: LM, input: 'to be' });
    expect(lm.body).toMatchObject({ task: 'lm', input: 'to be' });
  });
});
