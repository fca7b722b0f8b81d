import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBed } from '../../src/data/bed.js';
import { parseMeme } from '../../src/data/meme.js';
import { expectUsageError, seqlab, tempDir } from './helpers.js';

const dir = tempDir();
const path = (name: string): string => join(dir, name);

function file(name: string, text: string): string {
  writeFileSync(path(name), text);
  return path(name);
}

/** 200 sequences of 30 bases: class "bound" holds GGATCC somewhere, class "free" does not. */
function table(seed: number): string {
  let x = seed;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const rows = ['id,sequence,label'];
  for (let i = 0; i < 200; i++) {
    let s = '';
    for (let j = 0; j < 30; j++) s += 'ACGT'[Math.floor(next() * 4)];
    s = s.replace(/GGATCC/g, 'GGTTCC');
    const bound = i % 2 === 0;
    if (bound) {
      const at = Math.floor(next() * 24);
      s = s.slice(0, at) + 'GGATCC' + s.slice(at + 6);
    }
    rows.push(`s${seed}_${i},${s},${bound ? 'bound' : 'free'}`);
  }
  return rows.join('\n') + '\n';
}

describe('seqlab classify and tag through the CLI', () => {
  const model = path('model');
  beforeAll(() => {
    file('train.csv', table(1));
    file('test.csv', table(2));
    const r = seqlab('train', 'classify', '--train', path('train.csv'), '--steps', '150', '--model', 'cnn', '--set', 'channels=16', '--out', model, '--json');
    expect(r.code, r.stderr).toBe(0);
  });

  it('trains, evaluates with the scikit-learn metrics, and annotates one row per sequence', () => {
    const e = seqlab('eval', model, '--test', path('test.csv'), '--json');
    expect(e.code, e.stderr).toBe(0);
    const m = JSON.parse(e.stdout);
    for (const key of ['accuracy', 'macro_f1', 'auroc', 'auprc', 'mcc', 'f1_bound', 'precision_free', 'recall_free']) expect(m).toHaveProperty(key);
    expect(m.accuracy).toBeGreaterThan(0.9);
    const a = seqlab('annotate', model, '--input', path('test.csv'));
    expect(a.code, a.stderr).toBe(0);
    const lines = a.stdout.trim().split('\n');
    expect(lines[0]).toBe('id\tlabel\tp_bound\tp_free');
    expect(lines).toHaveLength(201);
    expect(lines[1].split('\t')[0]).toBe('s2_0');
    const j = JSON.parse(seqlab('annotate', model, '--input', path('test.csv'), '--format', 'json').stdout);
    expect(j.rows[0]).toMatchObject({ id: 's2_0' });
    expect(j.rows[0].p_bound + j.rows[0].p_free).toBeCloseTo(1, 5);
  });

  it('writes saliency as bedGraph and motifs as MEME with logos', () => {
    const fa = file('few.fa', '>a\nACGTACGGATCCACGTAC\n>b\nTTTTTTTTTTTTTTTTTT\n');
    const s = seqlab('annotate', model, '--input', fa, '--saliency');
    expect(s.code, s.stderr).toBe(0);
    const lines = s.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^track type=bedGraph/);
    expect(lines).toHaveLength(1 + 36);
    expect(lines[1]).toMatch(/^a\t0\t1\t-?[\d.e-]+$/);
    const m = seqlab('motifs', model, '--input', path('test.csv'), '--out', path('m.meme'), '--logos', path('m.svg'));
    expect(m.code, m.stderr).toBe(0);
    expect(parseMeme(readFileSync(path('m.meme'), 'utf8')).motifs.length).toBe(16);
    expect(readFileSync(path('m.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('tags a FASTA with a label FASTA and a mask, and writes BED regions', () => {
    const seq = file('t.fa', '>x\nACGTACGTAAAACCCCGGGGTTTT\n>y\nGGGGAAAACCCC\n');
    const lab = file('t.lab', '>y some words\nNNNNCCCCNNNN\n>x\nNNNNNNNNCCCCCCCCNNNNNNNN\n');
    const mask = file('t.mask', '>x\n111111111111111111111111\n>y\n111111111111\n');
    const out = path('tagger');
    const r = seqlab('train', 'tag', '--train', seq, lab, mask, '--steps', '5', '--model', 'cnn', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const e = seqlab('eval', out, '--test', seq, lab, mask, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toHaveProperty('sov');
    const a = seqlab('annotate', out, '--input', seq);
    expect(a.code, a.stderr).toBe(0);
    for (const row of readBed(a.stdout, 'stdout')) expect(['x', 'y']).toContain(row.chrom);
  });
});

describe('bad biological input: exit 2, one line naming the place, nothing written', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['an invalid character', () => ['train', 'classify', '--train', file('bad.csv', 'sequence,label\nACGT,a\nAC-T,b\n'), '--steps', '1'], /bad\.csv:3.*'-'.*position 3/],
    ['a duplicate id', () => ['train', 'classify', '--train', file('dup.fa', '>r1 a\nACGT\n>r2 b\nACGA\n>r1 b\nACGG\n'), '--steps', '1'], /dup\.fa:5.*duplicate id 'r1'/],
    ['a missing label', () => ['train', 'classify', '--train', file('nolabel.fa', '>r1 a\nACGT\n>r2\nACGA\n'), '--steps', '1'], /nolabel\.fa:3.*r2.*label/],
    ['labels of another length', () => ['train', 'tag', '--train', file('s.fa', '>a\nACGTAC\n'), file('l.fa', '>a\nNNNN\n'), '--steps', '1'], /l\.fa.*'a'.*4.*6|l\.fa.*'a'.*6.*4/],
    ['a sequence with no labels', () => ['train', 'tag', '--train', file('s2.fa', '>a\nACGT\n>b\nACGT\n'), file('l2.fa', '>a\nNNNN\n'), '--steps', '1'], /s2\.fa:3.*'b'.*l2\.fa/],
  ];
  for (const [name, args, mentions] of cases) {
    it(name, () => {
      const out = path(`out-${name.replace(/\W+/g, '-')}`);
      expectUsageError(seqlab(...args(), '--out', out), mentions);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('an unknown label in test data, and a bad letter in annotate input, leave nothing behind', () => {
    const model = path('m2');
    expect(seqlab('train', 'classify', '--train', file('ok.csv', 'sequence,label\nACGT,a\nTTGA,b\nACGA,a\nTTGG,b\n'), '--steps', '2', '--out', model).code).toBe(0);
    expectUsageError(seqlab('eval', model, '--test', file('other.csv', 'sequence,label\nACGT,c\n')), /other\.csv:2.*label 'c'/);
    const out = path('never.tsv');
    expectUsageError(seqlab('annotate', model, '--input', file('in.fa', '>q\nACXT\n'), '--out', out), /in\.fa:1.*'q'.*'X'.*position 3/);
    expect(existsSync(out)).toBe(false);
  });
});
