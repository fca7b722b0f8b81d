import { describe, expect, it } from 'vitest';
import { DNA, PROTEIN } from '../../src/data/alphabet.js';
import { readBed } from '../../src/data/bed.js';
import { formatMeme, parseMeme } from '../../src/data/meme.js';
import { consensus } from '../../src/inspect/motifs.js';
import { SequenceNet } from '../../src/models/sequence-net.js';
import { MemorySource, MemoryStore } from '../../src/store/store.js';
import { reverseComplement } from '../../src/tasks/bio/batches.js';
import { classifyProbs, tagProbs, windowsOf } from '../../src/tasks/bio/predict.js';
import { resolveNetConfig } from '../../src/tasks/bio/setup.js';
import { decideStrands, STRAND_ASYMMETRY_LIMIT, strandAsymmetry } from '../../src/tasks/bio/strand.js';
import { formatBed6 } from '../../src/data/bed.js';
import { getTask, loadCheckpoint } from '../../src/tasks/registry.js';
import { runTraining } from '../../src/tasks/run-training.js';
import { Rng } from '../../src/tensor/random.js';

const MOTIF = 'CACGTGAC';
const LETTERS = 'ACGT';

function randomDna(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[rng.int(4)];
  return s;
}

/** Sequences of 40 random bases; label 1 has MOTIF planted at a random place. Returns CSV and where each motif sits. */
function plantedCsv(n: number, seed: number): { csv: string; sites: number[]; seqs: string[] } {
  const rng = new Rng(seed);
  const rows = ['sequence,label'];
  const sites: number[] = [];
  const seqs: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = randomDna(rng, 40);
    const label = i % 2;
    let site = -1;
    if (label === 1) {
      site = rng.int(40 - MOTIF.length + 1);
      s = s.slice(0, site) + MOTIF + s.slice(site + MOTIF.length);
    }
    rows.push(`${s},${label}`);
    sites.push(site);
    seqs.push(s);
  }
  return { csv: rows.join('\n') + '\n', sites, seqs };
}

describe('classify: a planted motif', async () => {
  const train = plantedCsv(1200, 1);
  const test = plantedCsv(300, 2);
  const source = new MemorySource({ 'train.csv': train.csv, 'test.csv': test.csv });
  const store = new MemoryStore('planted');
  await runTraining(getTask('classify'), {
    train: ['train.csv'], valid: null, arch: 'cnn', seed: 3,
    settings: { reverseComplement: 'off', head: 'pool', channels: 16, convLayers: 1, kernel: 9, fc: 0, batch: 32 },
  }, source, store, { trainer: { steps: 300, evalEvery: 100, lr: 5e-3 } });
  const model = loadCheckpoint(store);

  it('a tiny CNN finds it: more than 95% accuracy on fresh sequences', () => {
    const m = model.evaluate({ test: ['test.csv'], settings: {} }, source);
    expect(m.accuracy).toBeGreaterThan(0.95);
    expect(m.auroc).toBeGreaterThan(0.97);
  });

  it('the first-layer filters hold the motif: some filter\'s consensus contains it (at most one letter off)', () => {
    const motifs = model.motifs!(source, { input: 'test.csv', from: 'filters', width: 8 });
    expect(motifs).toHaveLength(16);
    const best = Math.max(...motifs.filter((m) => m.sites > 0).map((m) => {
      const c = consensus(m);
      let top = 0;
      for (let o = -2; o <= c.length - MOTIF.length + 2; o++) {
        let same = 0;
        for (let j = 0; j < MOTIF.length; j++) if (c[o + j] === MOTIF[j]) same++;
        top = Math.max(top, same);
      }
      return top;
    }));
    expect(best).toBeGreaterThanOrEqual(MOTIF.length - 1);
  });

  it('in-silico mutagenesis puts the most important position inside the planted motif', () => {
    const a = model.annotate!(source, 'test.csv', true);
    let inside = 0;
    let positives = 0;
    a.saliency!.forEach((track, i) => {
      const site = test.sites[i];
      if (site < 0 || a.kind !== 'classify' || a.rows[i].label !== '1') return;
      positives++;
      const top = track.importance.indexOf(Math.max(...track.importance));
      if (top >= site && top < site + MOTIF.length) inside++;
    });
    expect(positives).toBeGreaterThan(100);
    expect(inside / positives).toBeGreaterThan(0.95);
  });

  it('the motifs write as MEME that parses back', () => {
    const motifs = model.motifs!(source, { input: 'test.csv', from: 'saliency', width: 8 });
    const meme = parseMeme(formatMeme(motifs, { letters: motifs[0].letters, name: 'dna' }));
    expect(meme.motifs).toHaveLength(1);
    expect(meme.motifs[0].pwm).toHaveLength(8);
    expect(consensus(motifs[0])).toBe(MOTIF);
  });
});

describe('predictions', () => {
  it('averaging both strands makes a DNA classifier strand-symmetric', () => {
    const config = resolveNetConfig('classify', 'cnn-bilstm', {}, DNA, 3);
    const net = new SequenceNet(config, new Rng(5));
    net.eval();
    const rng = new Rng(6);
    const seqs = [0, 1, 2].map(() => DNA.encode(randomDna(rng, 60) + 'N', () => 'test'));
    const ctx = { net, pad: DNA.size, complement: DNA.complement };
    const fwd = classifyProbs(ctx, seqs);
    const rev = classifyProbs(ctx, seqs.map((s) => reverseComplement(s, DNA.complement!)));
    fwd.forEach((p, i) => p.forEach((v, c) => expect(rev[i][c]).toBeCloseTo(v, 6)));
    const oneStrand = classifyProbs({ ...ctx, complement: null }, seqs);
    expect(Math.abs(oneStrand[0][0] - fwd[0][0])).toBeGreaterThan(1e-6); // the averaging is real
  });

  it('windows cover every position exactly once, each kept at least `margin` from its window\'s inner edges', () => {
    for (const [length, window, margin] of [[1000, 512, 64], [513, 512, 64], [100, 512, 64], [3000, 200, 50], [37, 10, 3]]) {
      const ws = windowsOf(length, window, margin);
      expect(ws[0].keepStart).toBe(0);
      expect(ws[ws.length - 1].keepEnd).toBe(length);
      ws.forEach((w, i) => {
        expect(w.end - w.start).toBeLessThanOrEqual(window);
        if (i > 0) expect(w.keepStart).toBe(ws[i - 1].keepEnd);
        if (w.start > 0) expect(w.keepStart - w.start).toBeGreaterThanOrEqual(margin);
        if (w.end < length) expect(w.end - w.keepEnd).toBeGreaterThanOrEqual(margin);
      });
    }
  });

  it('stitching windowed tag predictions equals predicting the whole sequence at once', () => {
    const config = resolveNetConfig('tag', 'cnn', { convLayers: 3, channels: 8 }, PROTEIN, 3);
    const net = new SequenceNet(config, new Rng(7));
    net.eval();
    const half = net.receptiveHalfWidth();
    expect(half).toBe(4 + 2 * 2 + 2 * 4);
    const rng = new Rng(8);
    const seq = Uint8Array.from({ length: 700 }, () => rng.int(21));
    const ctx = { net, pad: PROTEIN.size, complement: null };
    const whole = tagProbs(ctx, [seq], 1024, 0)[0];
    const stitched = tagProbs(ctx, [seq], 100, half)[0];
    expect(stitched.length).toBe(whole.length);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(whole[i] - stitched[i]));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('tag', () => {
  it('learns a per-position rule and writes regions as BED that reads back', async () => {
    // label H wherever the letter is one of A, C, D and the next is too: a local rule a CNN tagger can learn
    const rng = new Rng(9);
    const seqs: string[] = [];
    const labels: string[] = [];
    for (let i = 0; i < 60; i++) {
      let s = '';
      for (let j = 0; j < 120; j++) s += rng.uniform() < 0.5 ? 'ACD'[rng.int(3)] : 'KLMNPQ'[rng.int(6)];
      seqs.push(s);
      labels.push([...s].map((c, j) => ('ACD'.includes(c) && 'ACD'.includes(s[j + 1] ?? 'K') ? 'H' : 'C')).join(''));
    }
    const fasta = (xs: string[]) => xs.map((x, i) => `>p${i}\n${x}\n`).join('');
    const source = new MemorySource({ 'seq.fa': fasta(seqs), 'lab.fa': fasta(labels) });
    const store = new MemoryStore('tagger');
    await runTraining(getTask('tag'), { train: ['seq.fa', 'lab.fa'], valid: null, arch: 'cnn', seed: 1,
      settings: { channels: 16, convLayers: 2 } }, source, store, { trainer: { steps: 250, evalEvery: 250, lr: 5e-3 } });
    const model = loadCheckpoint(store);
    const m = model.evaluate({ test: ['seq.fa', 'lab.fa'], settings: {} }, source);
    expect(m.accuracy).toBeGreaterThan(0.95);
    expect(m.f1_H).toBeGreaterThan(0.9);
    const a = model.annotate!(source, 'seq.fa', false);
    if (a.kind !== 'tag') throw new Error('expected regions');
    const back = [...readBed(formatBed6(a.regions), 'out.bed')];
    expect(back.length).toBe(a.regions.length);
    expect(back.length).toBeGreaterThan(100);
    back.forEach((r, i) => {
      expect(r.chrom).toBe(a.regions[i].chrom);
      expect([r.start, r.end, r.name]).toEqual([a.regions[i].start, a.regions[i].end, a.regions[i].name]);
      expect(r.end).toBeGreaterThan(r.start);
    });
  });
});

describe('strands', () => {
  /** 400 sequences of 30 bases, half with `motif` at position 10, reverse-complemented at random when `eitherStrand`. */
  function examples(eitherStrand: boolean): { ids: Uint8Array; label: number }[] {
    const rng = new Rng(11);
    return Array.from({ length: 400 }, (_, i) => {
      let s = randomDna(rng, 30);
      if (i % 2 === 0) s = s.slice(0, 10) + 'GTAAGT' + s.slice(16);
      let ids = DNA.encode(s, () => 'test');
      if (eitherStrand && rng.uniform() < 0.5) ids = reverseComplement(ids, DNA.complement!);
      return { ids, label: i % 2 };
    });
  }

  it('a motif read in either orientation is strand-symmetric: both strands are used', () => {
    expect(strandAsymmetry(examples(true), DNA.complement!)).toBeLessThan(STRAND_ASYMMETRY_LIMIT);
    expect(decideStrands('auto', examples(true), DNA.complement)).toBe('on');
  });

  it('a motif at a fixed place on one strand (a splice donor) is strand-specific: one strand only', () => {
    expect(strandAsymmetry(examples(false), DNA.complement!)).toBeGreaterThan(5 * STRAND_ASYMMETRY_LIMIT);
    expect(decideStrands('auto', examples(false), DNA.complement)).toBe('off');
    expect(decideStrands('on', examples(false), DNA.complement)).toBe('on');
    expect(decideStrands('auto', examples(true), null)).toBe('off');
  });
});

describe('tag from BED regions', () => {
  it('labels covered positions by region name and the rest as background, never written back as a region', async () => {
    const rng = new Rng(12);
    const genome = randomDna(rng, 400);
    const source = new MemorySource({
      'g.fa': `>chrA\n${genome}\n`,
      'genes.bed': 'track name=genes\nchrA\t50\t120\tgene\t0\t+\nchrA\t200\t330\tgene\t0\t-\n',
    });
    const store = new MemoryStore('bed-tagger');
    await runTraining(getTask('tag'), { train: ['g.fa', 'genes.bed'], valid: ['g.fa', 'genes.bed'], arch: 'cnn', seed: 2,
      settings: { channels: 8, convLayers: 2, window: 128, margin: 16 } }, source, store, { trainer: { steps: 20, evalEvery: 20 } });
    const model = loadCheckpoint(store);
    expect((model.config as unknown as { classes: string[] }).classes).toEqual(['-', 'gene']);
    const m = model.evaluate({ test: ['g.fa', 'genes.bed'], settings: {} }, source);
    expect(m.positions).toBe(400);
    expect(m).toHaveProperty('f1_gene');
    expect(m).toHaveProperty('region_recall_gene');
    expect(m).not.toHaveProperty('region_recall_-');
    const a = model.annotate!(source, 'g.fa', false);
    if (a.kind !== 'tag') throw new Error('expected regions');
    expect(a.regions.every((r) => r.name === 'gene' && r.chrom === 'chrA')).toBe(true);
  });
});
