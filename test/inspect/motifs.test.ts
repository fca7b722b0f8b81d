import { describe, expect, it } from 'vitest';
import { formatMeme, parseMeme } from '../../src/data/meme.js';
import { SeqlabError } from '../../src/errors.js';
import { consensus, informationContent, pwmFromActivations, pwmFromSaliency } from '../../src/inspect/motifs.js';
import { Rng } from '../../src/tensor/random.js';

const DNA = 'ACGTN';
const N = 4;
const ids = (s: string): Uint8Array => Uint8Array.from([...s], (c) => DNA.indexOf(c));

/** A PWM that puts `p` on each consensus letter and spreads the rest over the other three. */
const pwmOf = (cons: string, p = 0.85): number[][] => [...cons].map((c) => [...'ACGT'].map((l) => (l === c ? p : (1 - p) / 3)));

/** Samples a letter index from a probability row. */
function sample(row: readonly number[], rng: Rng): number {
  let u = rng.uniform();
  for (let k = 0; k < row.length; k++) if ((u -= row[k]) < 0) return k;
  return row.length - 1;
}

/** Random ACGT sequences with 2% N, and the planted PWM sampled into a fraction of them; returns the planted starts (−1: none). */
function plant(rng: Rng, count: number, length: number, pwm: readonly (readonly number[])[], fraction: number): { seqs: Uint8Array[]; starts: number[] } {
  const seqs: Uint8Array[] = [];
  const starts: number[] = [];
  for (let s = 0; s < count; s++) {
    const seq = Uint8Array.from({ length }, () => (rng.uniform() < 0.02 ? N : rng.int(4)));
    const start = rng.uniform() < fraction ? rng.int(length - pwm.length + 1) : -1;
    if (start >= 0) pwm.forEach((row, j) => { seq[start + j] = sample(row, rng); });
    seqs.push(seq);
    starts.push(start);
  }
  return { seqs, starts };
}

/**
 * A hand-made first conv layer with 'same' padding (left pad ⌊(k − 1)/2⌋, output length L) and
 * a ReLU: filter f's weights are `weights[f]` ([k][4]); padding and N contribute 0.
 */
function conv(seqs: readonly Uint8Array[], weights: readonly (readonly (readonly number[])[])[]): Float32Array[] {
  const k = weights[0].length;
  const pad = Math.floor((k - 1) / 2);
  return seqs.map((seq) => {
    const L = seq.length;
    const out = new Float32Array(weights.length * L); // [filters, L]
    weights.forEach((w, f) => {
      for (let t = 0; t < L; t++) {
        let z = 0;
        for (let j = 0; j < k; j++) {
          const p = t - pad + j;
          if (p >= 0 && p < L && seq[p] !== N) z += w[j][seq[p]];
        }
        out[f * L + t] = Math.max(0, z);
      }
    });
    return out;
  });
}

const logOdds = (pwm: readonly (readonly number[])[]): number[][] => pwm.map((row) => row.map((p) => Math.log2(p / 0.25)));

describe('informationContent', () => {
  it('is 0 bits for a uniform column, log2(A) for a certain one, 1 bit for two equal letters', () => {
    expect(informationContent([[0.25, 0.25, 0.25, 0.25], [0, 0, 1, 0], [0.5, 0.5, 0, 0]])).toEqual([0, 2, 1]);
    expect(informationContent([Array<number>(20).fill(0).map((_, i) => (i === 3 ? 1 : 0))])[0]).toBeCloseTo(Math.log2(20), 12);
  });
});

describe('pwmFromActivations', () => {
  it('counts the windows at or above half the maximum, skipping padding and N (hand-computed)', () => {
    // One sequence ACGNT, one filter of width 2 with offset 1: output t covers [t − 1, t + 1).
    const [m] = pwmFromActivations({
      ids: [ids('ACGNT')], letters: DNA, unknown: N, kernel: 2, offset: 1, filters: 1,
      activations: [Float32Array.from([1, 0, 0.6, 0.2, 0.9])],
    });
    // t = 0: (pad, A); t = 2: (C, G); t = 4: (N, T). Column 0 saw C; column 1 saw A, G, T.
    expect(m).toEqual({ name: 'filter0', letters: 'ACGT', sites: 3, pwm: [[0, 1, 0, 0], [1 / 3, 0, 1 / 3, 1 / 3]] });
  });

  it('gives a filter that never fires a uniform PWM and no sites', () => {
    const [, silent] = pwmFromActivations({
      ids: [ids('ACGT')], letters: DNA, unknown: N, kernel: 3, filters: 2,
      activations: [Float32Array.from([0.5, 1, 0, 0, 0, 0, 0, 0])],
    });
    expect(silent).toEqual({ name: 'filter1', letters: 'ACGT', sites: 0, pwm: Array(3).fill([0.25, 0.25, 0.25, 0.25]) });
  });

  it("recovers a planted motif's consensus from a filter that correlates with it", () => {
    const planted = pwmOf('TGACTCA');
    const { seqs } = plant(new Rng(11), 200, 50, planted, 0.6);
    const silent = planted.map((row) => row.map(() => -1));
    const activations = conv(seqs, [logOdds(planted), logOdds(pwmOf('GGGCGGG')), silent]);
    const motifs = pwmFromActivations({ ids: seqs, letters: DNA, unknown: N, activations, filters: 3, kernel: 7, offset: 3 });
    expect(motifs.map((m) => m.name)).toEqual(['filter0', 'filter1', 'filter2']);
    expect(consensus(motifs[0])).toBe('TGACTCA');
    expect(motifs[0].sites).toBeGreaterThan(100);
    expect(motifs[2].sites).toBe(0);
    for (const m of motifs) for (const row of m.pwm) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // The checker can fail: ignoring the padding offset shifts every window three places right.
    const shifted = pwmFromActivations({ ids: seqs, letters: DNA, unknown: N, activations, filters: 3, kernel: 7, offset: 0 });
    expect(consensus(shifted[0])).not.toBe('TGACTCA');
    expect(consensus(shifted[0]).slice(0, 4)).toBe('CTCA');
  });

  it('refuses activations that do not match the sequences or the filters', () => {
    const base = { ids: [ids('ACGT')], letters: DNA, unknown: N, kernel: 2 };
    expect(() => pwmFromActivations({ ...base, filters: 3, activations: [new Float32Array(8)] })).toThrow(/do not split into 3 filters/);
    expect(() => pwmFromActivations({ ...base, filters: 1, activations: [] })).toThrow(SeqlabError);
    expect(() => pwmFromActivations({ ...base, unknown: 7, filters: 1, activations: [new Float32Array(4)] })).toThrow(/unknown index 7/);
    expect(() => pwmFromActivations({ ...base, ids: [Uint8Array.from([9])], filters: 1, activations: [Float32Array.from([1])] })).toThrow(/outside the alphabet/);
  });
});

describe('pwmFromSaliency', () => {
  it('takes the window with the highest summed importance in each sequence (hand-computed)', () => {
    const m = pwmFromSaliency({
      ids: [ids('ACGTA'), ids('TTGCA'), ids('G')], letters: DNA, unknown: N, width: 2,
      importance: [[0, 1, 2, 3, 0], [5, 0, 0, 0, 5], [9]], // windows [2, 4) = GT, [0, 2) = TT (leftmost of the tie); G is too short
    });
    expect(m).toEqual({ name: 'saliency', letters: 'ACGT', sites: 2, pwm: [[0, 0, 0.5, 0.5], [0, 0, 0, 1]] });
  });

  it("recovers a planted motif's consensus from noisy importance peaking on it", () => {
    const rng = new Rng(5);
    const { seqs, starts } = plant(rng, 120, 40, pwmOf('CACGTG', 0.8), 1);
    const importance = seqs.map((seq, s) => Float32Array.from(seq, (_, p) => 0.4 * rng.uniform() + (p >= starts[s] && p < starts[s] + 6 ? 1 : 0)));
    const m = pwmFromSaliency({ ids: seqs, letters: DNA, unknown: N, importance, width: 6, name: 'E-box' });
    expect(m.name).toBe('E-box');
    expect(m.sites).toBe(120);
    expect(consensus(m)).toBe('CACGTG');
  });

  it('refuses importance that does not match the sequence', () => {
    expect(() => pwmFromSaliency({ ids: [ids('ACG')], letters: DNA, importance: [[1, 2]], width: 2 })).toThrow(/3 positions but 2 importance values/);
  });
});

describe('MEME minimal motif format', () => {
  const rng = new Rng(3);
  const motifs = ['TGACTCA', 'CACGTG'].map((cons, k) => ({
    name: `motif ${k}`,
    sites: 10 + k,
    pwm: [...cons].map(() => {
      const raw = [rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()];
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((v) => v / sum);
    }),
  }));

  it('writes the version, alphabet, strands, background and each motif as MEME documents them', () => {
    const text = formatMeme(motifs, { letters: 'ACGT', name: 'dna' });
    const lines = text.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      'MEME version 4', '', 'ALPHABET= ACGT', '', 'strands: + -', '',
      'Background letter frequencies', 'A 0.250000 C 0.250000 G 0.250000 T 0.250000', '',
    ]);
    expect(lines[9]).toBe('MOTIF motif_0');
    expect(lines[10]).toBe('letter-probability matrix: alength= 4 w= 7 nsites= 10 E= 0');
    expect(lines[11]).toMatch(/^ 0\.\d{6} 0\.\d{6} 0\.\d{6} 0\.\d{6}$/);
  });

  it('round-trips: the parsed matrices equal the written ones to 1e-6, rows summing to 1', () => {
    const file = parseMeme(formatMeme(motifs, { letters: 'ACGT', name: 'dna' }, [0.3, 0.2, 0.2, 0.3]));
    expect(file.alphabet).toEqual({ letters: 'ACGT', name: 'dna' });
    expect(file.strands).toBe('+ -');
    expect(file.background).toEqual([0.3, 0.2, 0.2, 0.3]);
    expect(file.motifs.map((m) => [m.name, m.sites, m.evalue])).toEqual([['motif_0', 10, 0], ['motif_1', 11, 0]]);
    file.motifs.forEach((m, k) => {
      expect(m.pwm).toHaveLength(motifs[k].pwm.length);
      m.pwm.forEach((row, j) => {
        row.forEach((v, a) => expect(Math.abs(v - motifs[k].pwm[j][a])).toBeLessThanOrEqual(1e-6));
        expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      });
    });
  });

  it('round-trips motifs found by a filter (ACGT columns, N left out)', () => {
    const { seqs } = plant(new Rng(2), 60, 30, pwmOf('GATA'), 0.7);
    const found = pwmFromActivations({ ids: seqs, letters: DNA, unknown: N, activations: conv(seqs, [logOdds(pwmOf('GATA'))]), filters: 1, kernel: 4, offset: 1 });
    const [back] = parseMeme(formatMeme(found, { letters: found[0].letters, name: 'dna' })).motifs;
    expect(back.name).toBe('filter0');
    expect(back.sites).toBe(found[0].sites);
    back.pwm.forEach((row, j) => row.forEach((v, a) => expect(v).toBeCloseTo(found[0].pwm[j][a], 6)));
  });

  it('drops the unknown letter, renormalises and reorders the columns to MEME order', () => {
    const dna = parseMeme(formatMeme([{ name: 'n', sites: 1, pwm: [[0.1, 0.2, 0.3, 0.2, 0.2]] }], { letters: 'TGCAN', name: 'dna' }));
    expect(dna.motifs[0].pwm[0]).toEqual([0.25, 0.375, 0.25, 0.125]); // A C G T
    const amino = 'ACDEFGHIKLMNPQRSTVWY';
    const row = [...amino, 'X'].map((c) => (c === 'X' ? 0.5 : c === 'K' ? 0.5 : 0));
    const protein = parseMeme(formatMeme([{ name: 'k', sites: 4, pwm: [row] }], { letters: `${amino}X`, name: 'protein' }));
    expect(protein.alphabet).toEqual({ letters: amino, name: 'protein' });
    expect(protein.strands).toBeNull();
    expect(protein.background).toHaveLength(20);
    expect(protein.motifs[0].pwm[0][amino.indexOf('K')]).toBe(1);
    expect(() => formatMeme([], { letters: 'ACGU', name: 'dna' })).toThrow(/is not ACGT/);
    expect(() => formatMeme([{ name: 'x', sites: 1, pwm: [[1, 0, 0]] }], { letters: 'ACGT', name: 'dna' })).toThrow(/3 values for the 4 letters/);
  });

  it('reads files other tools write: version 5, URL lines, background over lines, a log-odds matrix, no nsites', () => {
    const text = [
      'MEME version 5.5.4', '', 'ALPHABET= ACGT', '', 'Background letter frequencies (from uniform background):',
      'A 0.25000 C 0.25000', 'G 0.25000 T 0.25000', '', 'MOTIF MA0001.1 AGL3',
      'log-odds matrix: alength= 4 w= 2 E= 0', ' -1.3 -0.3 0.3 0.7', ' 2.0 -9.9 -9.9 -9.9', '', 'letter-probability matrix: alength= 4 w= 2',
      '  0.1 0.2 0.3 0.4', '  1.0 0.0 0.0 0.0', 'URL http://jaspar.genereg.net/matrix/MA0001.1', '',
    ].join('\n');
    const file = parseMeme(text);
    expect(file.strands).toBeNull();
    expect(file.motifs).toEqual([{ name: 'MA0001.1', sites: 20, evalue: 0, pwm: [[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0]] }]);
  });

  it('fails on a corrupted file, naming the line', () => {
    const text = formatMeme(motifs, { letters: 'ACGT', name: 'dna' });
    const lines = text.split('\n');
    const corrupt = (i: number, line: string): string => lines.map((l, k) => (k === i ? line : l)).join('\n');
    expect(() => parseMeme(text)).not.toThrow();
    expect(() => parseMeme(corrupt(12, ' 0.500000 0.250000 0.250000 0.250000'))).toThrow(/line 13: a row of motif 'motif_0' sums to 1\.2500/);
    expect(() => parseMeme(corrupt(12, ' 0.5 0.5'))).toThrow(/line 13: .* 2 values, not alength= 4/);
    expect(() => parseMeme(corrupt(10, 'letter-probability matrix: alength= 4 w= 9 nsites= 10 E= 0'))).toThrow(/line 19: motif 'motif_0' expects 9 rows but has 7/);
    expect(() => parseMeme(corrupt(0, 'MEME version 3'))).toThrow(/line 1: expected 'MEME version 4'/);
    expect(() => parseMeme(corrupt(2, 'ALPHABET= ACGU'))).toThrow(/line 3: alphabet 'ACGU'/);
    expect(() => parseMeme(corrupt(10, 'letter-probability matrix: alength= 20 w= 7'))).toThrow(/line 11: alength= 20/);
    expect(() => parseMeme(corrupt(9, 'MOTIF'))).toThrow(/line 10/);
    expect(() => parseMeme(`${text}\nsomething else`)).toThrow(SeqlabError);
  });
});
