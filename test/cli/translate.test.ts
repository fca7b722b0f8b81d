import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUsageError, root, seqlab, tempDir } from './helpers.js';

const d = tempDir();
const de = ['Ein Mann läuft.', 'Zwei Hunde spielen.', 'Eine Frau liest ein Buch.', 'Ein Kind lacht.'];
const en = ['A man runs.', 'Two dogs play.', 'A woman reads a book.', 'A child laughs.'];
const many = (xs: string[]): string => `${Array.from({ length: 20 }, () => xs.join('\n')).join('\n')}\n`;
writeFileSync(join(d, 'train.de'), many(de));
writeFileSync(join(d, 'train.en'), many(en));
writeFileSync(join(d, 'train.tsv'), many(de.map((s, i) => `${s}\t${en[i]}`)));
const model = join(d, 'model');
const tiny = ['--set', 'vocabSize=316', '--set', 'embedDim=16', '--set', 'hiddenSize=16', '--set', 'batchTokens=200', '--set', 'evalSentences=4'];

function translate(args: string[], input: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/seqlab.js'), 'translate', model, ...args], { input, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('seqlab train translate, translate and eval', () => {
  it('trains from aligned files', () => {
    const r = seqlab('train', 'translate', '--train', join(d, 'train.de'), join(d, 'train.en'), '--model', 'rnn-attention', ...tiny,
      '--steps', '10', '--eval-every', '5', '--out', model, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ arch: 'rnn-attention', steps: 10 });
    expect(existsSync(join(model, 'vocab.json'))).toBe(true);
  }, 120_000);

  it('writes exactly one line per input line, in order, an empty line for an empty one', () => {
    const r = translate(['--beam', '2'], 'Ein Mann läuft.\n\nZwei Hunde spielen.\n');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('');
    expect(lines[3]).toBe('');
  });

  it('--json --nbest --alignments: one object per line with scores and the attention matrix', () => {
    const r = translate(['--beam', '3', '--nbest', '2', '--json', '--alignments'], 'Ein Kind lacht.\n');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout.trim());
    expect(o.nbest.length).toBeGreaterThanOrEqual(1);
    expect(typeof o.score).toBe('number');
    expect(o.alignment.weights).toHaveLength(o.alignment.target.length);
    expect(o.alignment.weights[0]).toHaveLength(o.alignment.source.length);
  });

  it('eval scores BLEU, chrF and chrF++ with sacreBLEU signatures', () => {
    const r = seqlab('eval', model, '--test', join(d, 'train.tsv'), '--beam', '1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    for (const k of ['bleu', 'chrf', 'chrf_plus_plus', 'brevity_penalty', 'sentences_per_second']) expect(typeof o[k]).toBe('number');
    expect(o.bleu_signature).toMatch(/^nrefs:1\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:2\.5\.1$/);
    expect(o.sentences).toBe(80);
    // BLEU by source length: the buckets' sentences add up to every non-empty source.
    const buckets = Object.keys(o).filter((k) => k.startsWith('sentences_src_words_'));
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.reduce((n, k) => n + o[k], 0)).toBe(80);
    for (const k of buckets) expect(typeof o[k.replace('sentences_', 'bleu_')]).toBe('number');
  });

  it('bad input: one line naming the file and line, exit 2, nothing written', () => {
    const bad = tempDir();
    writeFileSync(join(bad, 'a.de'), 'eins\nzwei\ndrei\n');
    writeFileSync(join(bad, 'a.en'), 'one\ntwo\n');
    writeFileSync(join(bad, 'b.tsv'), 'eins\tone\nzwei two\n');
    writeFileSync(join(bad, 'empty.tsv'), '');
    writeFileSync(join(bad, 'bin.tsv'), Buffer.from([0x61, 0x09, 0x62, 0x0a, 0xff, 0x09, 0x63, 0x0a]));
    const out = join(bad, 'm');
    const train = (...paths: string[]) => seqlab('train', 'translate', '--train', ...paths.map((p) => join(bad, p)), '--steps', '1', '--out', out);
    expectUsageError(train('a.de', 'a.en'), /a\.de:3: has no aligned line in .*a\.en/);
    expectUsageError(train('b.tsv'), /b\.tsv:2: no tab between source and target/);
    expectUsageError(train('empty.tsv'), /empty\.tsv: the file is empty/);
    expectUsageError(train('bin.tsv'), /bin\.tsv:2: not valid UTF-8/);
    expectUsageError(seqlab('train', 'translate', '--train', 'x', 'y', 'z', '--out', out), /--train: translate takes 1 to 2 paths, got 3/);
    expect(existsSync(out)).toBe(false);
    expectUsageError(translate(['--nbest', '3', '--beam', '2'], 'x\n'), /--nbest: 3 is more than the beam/);
    expectUsageError(seqlab('suggest', model, '--text', 'a'), /'translate' checkpoint, and translate models cannot suggest/);
    const broken = tempDir();
    writeFileSync(join(broken, 'config.json'), JSON.stringify({ seqlab: '0.1.0', task: 'translate' }));
    expectUsageError(seqlab('eval', broken, '--test', join(bad, 'b.tsv')), /config\.json: "arch" is missing/);
  });
});
