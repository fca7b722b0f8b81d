/**
 * Fuzz: the sequence and table readers (FASTA, BED, CSV/TSV sequence tables, translation pairs,
 * the joins of label, BED and mask files to sequences, MEME motifs, alphabets). Random and adversarial texts give
 * records or a SeqlabError naming the file and line, never another exception; what the writers
 * (or a plain formatting of records) produce reads back equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALPHABETS } from '../../src/data/alphabet.js';
import { type BedRegion, formatBed6, readBed } from '../../src/data/bed.js';
import { readClassifyRecords, readTagRecords } from '../../src/data/bio-records.js';
import { readFasta } from '../../src/data/fasta.js';
import { formatMeme, parseMeme } from '../../src/data/meme.js';
import { readSequenceTable } from '../../src/data/sequence-table.js';
import { MemorySource } from '../../src/store/store.js';
import { alignedPairs, tsvPairs } from '../../src/tasks/translate/pairs.js';
import { params, resultOrCleanError, textOver } from './helpers.js';

const FASTA_PIECES = ['>', '>', ';', '\n', '\n', ' ', '\t', '\r', 'A', 'c', 'G', 't', 'N', 'x', '1', '0', 'id', 'é', '😀', '\u0000', '__proto__'];
const BED_PIECES = ['\t', ' ', '\n', 'chr1', 's1', '0', '1', '5', '12', '-3', '1.5', '9007199254740993', '1e3', '.', '+', '-', 'x', '#', 'track', 'browser', 'H'];
const TABLE_PIECES = [',', '\t', '"', '""', '\n', '\r', ' ', 'sequence', 'label', 'id', 'ID', 'Sequence', 'ACGT', 'a', '1', 'é', '__proto__'];

/** Where a reader error must point: the file, then a line number (or just the file for a whole-file problem). */
const AT = (file: string): RegExp => new RegExp(`^${file}(:\\d+)?: `);

describe('fuzz: FASTA', () => {
  it('random text gives records or a SeqlabError naming file:line', () => {
    fc.assert(fc.property(textOver(FASTA_PIECES, 300), (text) => {
      const recs = resultOrCleanError(() => [...readFasta(text, 'in.fa')], AT('in.fa'));
      for (const r of recs ?? []) {
        expect(r.id).not.toBe('');
        expect(r.id).not.toMatch(/\s/);
        expect(r.sequence).not.toBe('');
      }
    }), params(1500));
  });

  const id = fc.stringMatching(/^[A-Za-z0-9_.|:-]{1,12}$/);
  const seq = fc.stringMatching(/^[ACGTNacgtn*X-]{1,90}$/);
  const record = fc.record({ id, description: fc.stringMatching(/^([A-Za-z0-9=.]{1,6}( [A-Za-z0-9=.]{1,6}){0,3})?$/), sequence: seq });

  it('records written as FASTA (any line width, CRLF or LF) read back equal', () => {
    fc.assert(fc.property(fc.array(record, { maxLength: 8 }), fc.integer({ min: 1, max: 100 }), fc.boolean(), (recs, width, crlf) => {
      const nl = crlf ? '\r\n' : '\n';
      const text = recs.map((r) => `>${r.id}${r.description ? ` ${r.description}` : ''}${nl}${r.sequence.match(new RegExp(`.{1,${width}}`, 'g'))!.join(nl)}${nl}`).join('');
      const back = [...readFasta(text, 'rt.fa')];
      expect(back.map(({ id: i, description, sequence }) => ({ id: i, description, sequence }))).toEqual(recs);
    }), params(300));
  });

  it('a 5 MB sequence line reads whole', () => {
    const line = 'ACGT'.repeat(1_250_000);
    const [rec] = [...readFasta(`>big\n${line}\n`, 'big.fa')];
    expect(rec.sequence.length).toBe(line.length);
  });
});

describe('fuzz: BED', () => {
  it('random text gives rows or a SeqlabError naming file:line', () => {
    fc.assert(fc.property(textOver(BED_PIECES, 200), (text) => {
      for (const row of resultOrCleanError(() => [...readBed(text, 'in.bed')], AT('in.bed')) ?? []) {
        expect(Number.isSafeInteger(row.start) && Number.isSafeInteger(row.end) && row.start <= row.end).toBe(true);
      }
    }), params(1500));
  });

  const region: fc.Arbitrary<BedRegion> = fc.record({
    chrom: fc.stringMatching(/^[A-Za-z0-9_.]{1,10}$/),
    start: fc.nat({ max: 2 ** 40 }),
    length: fc.nat({ max: 1000 }),
    name: fc.stringMatching(/^([A-Za-z0-9_.][A-Za-z0-9_ .]{0,8})?[A-Za-z0-9_.]$/),
    prob: fc.double({ min: 0, max: 1, noNaN: true }),
    strand: fc.constantFrom('+', '-', '.'),
  }).map(({ length, ...r }) => ({ ...r, end: r.start + length }));

  it('regions written as BED6 read back equal (score = round(1000 p))', () => {
    fc.assert(fc.property(fc.array(region, { maxLength: 10 }), (regions) => {
      const rows = [...readBed(formatBed6(regions), 'rt.bed')];
      expect(rows.map(({ chrom, start, end, name, score, strand }) => ({ chrom, start, end, name, score, strand })))
        .toEqual(regions.map((r) => ({ chrom: r.chrom, start: r.start, end: r.end, name: r.name, score: Math.round(r.prob * 1000), strand: r.strand })));
    }), params(300));
  });
});

describe('fuzz: CSV/TSV sequence tables', () => {
  it('random text gives records or a SeqlabError naming file:line', () => {
    fc.assert(fc.property(textOver(TABLE_PIECES, 120), fc.boolean(), (text, requireLabel) => {
      for (const r of resultOrCleanError(() => [...readSequenceTable(text, 't.csv', { requireLabel })], AT('t.csv')) ?? []) {
        expect(r.sequence).not.toBe('');
        if (requireLabel) expect(r.label).not.toBeNull();
      }
    }), params(1500));
  });

  const field = fc.stringMatching(/^[A-Za-z0-9,"é ]{0,8}$/).map((s) => s.trim()).filter((s) => s !== '');
  it('rows written as CSV with quoting read back equal', () => {
    fc.assert(fc.property(fc.array(fc.record({ id: field, sequence: field, label: field }), { maxLength: 8 }),
      fc.constantFrom(',', '\t'), (rows, delim) => {
        const quote = (s: string): string => (/[",\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
        const text = ['id,sequence,label'.replace(/,/g, delim), ...rows.map((r) => [r.id, r.sequence, r.label].map(quote).join(delim))].join('\n');
        const back = [...readSequenceTable(text, 'rt.csv', { requireLabel: true })];
        expect(back.map(({ id, sequence, label }) => ({ id, sequence, label }))).toEqual(rows);
      }), params(300));
  });
});

describe('fuzz: translation pairs', () => {
  const PIECES = ['\t', '\n', 'a', 'Haus', ' ', 'é', '\r', ''];
  it('a random TSV or pair of aligned texts gives pairs or a SeqlabError naming file:line', () => {
    fc.assert(fc.property(textOver(PIECES, 80), textOver(PIECES, 80), (a, b) => {
      resultOrCleanError(() => tsvPairs('p.tsv', a), AT('p.tsv'));
      resultOrCleanError(() => alignedPairs('s.txt', a, 't.txt', b), /^[st]\.txt(:\d+)?: /);
    }), params(1000));
  });

  const side = fc.stringMatching(/^[^\t\n]{0,20}$/);
  it('pairs written as TSV, or as two aligned files, read back equal', () => {
    fc.assert(fc.property(fc.array(fc.tuple(side, side), { minLength: 1, maxLength: 10 }).filter((ps) => ps.some(([s, t]) => s + t !== '')), (ps) => {
      const tsv = ps.map(([s, t]) => `${s}\t${t}\n`).join('');
      expect(tsvPairs('rt.tsv', tsv).map((p) => [p.src, p.tgt])).toEqual(ps);
      const src = ps.map(([s]) => `${s}\n`).join('');
      const tgt = ps.map(([, t]) => `${t}\n`).join('');
      expect(alignedPairs('s', src, 't', tgt).map((p) => [p.src, p.tgt])).toEqual(ps);
    }), params(300));
  });
});

describe('fuzz: joining labels, BED regions and masks to sequences', () => {
  const seqs = textOver(['>s1\n', '>s2 d\n', '>s1\n', 'ACGT', 'NN', 'acg', '\n', ' '], 12);
  const labels = textOver(['>s1\n', '>s2 x\n', '>s3\n', 'HEC', '--', 'H', '\n', '\u0001', '😀', ' '], 12);
  const bed = textOver(['s1', 's2', 's3', '\t', '0', '2', '4', '9007199254740991', 'H', '-', 'region', '\n', '.', '+'], 30);
  const mask = textOver(['>s1\n', '>s2\n', '0', '1', '11', '01', '2', '\n'], 12);

  it('random sequence, label (FASTA or BED) and mask files give records or a SeqlabError naming a file', () => {
    fc.assert(fc.property(seqs, fc.oneof(labels, bed), mask, fc.integer({ min: 1, max: 3 }), (s, l, m, n) => {
      const source = new MemorySource({ 'seq.fa': s, 'lab.txt': l, 'mask.fa': m });
      const paths = ['seq.fa', 'lab.txt', 'mask.fa'].slice(0, n);
      const data = resultOrCleanError(() => readTagRecords(source, paths, 'data', { requireLabels: false }), /^(data: |(seq\.fa|lab\.txt|mask\.fa)(:\d+)?: )/);
      for (const rec of data?.records ?? []) {
        if (rec.labels) {
          expect(rec.labels.length).toBe(rec.sequence.length);
          for (const i of rec.labels) expect(i).toBeLessThan(data!.labelNames.length);
        }
        if (rec.mask) expect(rec.mask.length).toBe(rec.sequence.length);
      }
    }), params(1500));
  });

  it('random classify input (FASTA or table) gives records or a SeqlabError naming the file', () => {
    fc.assert(fc.property(fc.oneof(textOver(FASTA_PIECES, 100), textOver(TABLE_PIECES, 100)), fc.boolean(), (text, requireLabel) => {
      resultOrCleanError(() => readClassifyRecords(new MemorySource({ 'c.txt': text }), 'c.txt', 'input', { requireLabel }), AT('c.txt'));
    }), params(1000));
  });
});

describe('fuzz: MEME motif files and alphabets', () => {
  const MEME_PIECES = ['MEME version 4\n', 'MEME version 3\n', 'ALPHABET= ACGT\n', 'ALPHABET= ACDEFGHIKLMNPQRSTVWY\n', 'ALPHABET= XYZ\n',
    'strands: + -\n', 'strands: *\n', 'Background letter frequencies\n', 'A 0.25 C 0.25 G 0.25 T 0.25\n', 'A 2 C x\n', 'MOTIF m1 alt\n', 'MOTIF\n',
    'letter-probability matrix: alength= 4 w= 2 nsites= 5 E= 0\n', 'letter-probability matrix: alength= 20 w= 1e9\n', 'letter-probability matrix:\n',
    'log-odds matrix: alength= 4 w= 1\n', '0.25 0.25 0.25 0.25\n', '1 0 0 0\n', '0.5 0.5\n', '-1 2 0 0\n', 'URL http://x\n', '\n', ' ', 'x'];
  it('random MEME text gives motifs or a SeqlabError naming the file and line', () => {
    fc.assert(fc.property(textOver(MEME_PIECES, 40), (text) => {
      const file = resultOrCleanError(() => parseMeme(text, 'm.meme'), /^m\.meme line \d+: /);
      for (const m of file?.motifs ?? []) for (const row of m.pwm) expect(row).toHaveLength(file!.alphabet.letters.length);
    }), params(1500));
  });

  it('motifs written as MEME read back within its six decimals', () => {
    const row = fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }).map((r) => {
      const sum = r.reduce((a, b) => a + b, 0);
      return r.map((v) => v / sum);
    });
    const motif = fc.record({ name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,10}$/), pwm: fc.array(row, { minLength: 1, maxLength: 6 }), sites: fc.nat({ max: 1000 }) });
    fc.assert(fc.property(fc.array(motif, { minLength: 1, maxLength: 3 }), (motifs) => {
      const back = parseMeme(formatMeme(motifs, { letters: 'ACGT', name: 'dna' }), 'rt.meme');
      expect(back.motifs.map((m) => m.name)).toEqual(motifs.map((m) => m.name));
      back.motifs.forEach((m, k) => m.pwm.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - motifs[k].pwm[i][j])).toBeLessThan(1e-5))));
    }), params(200));
  });

  it('any text encodes under each alphabet or fails naming the record and position', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...Object.values(ALPHABETS)), (seq, alphabet) => {
      const ids = resultOrCleanError(() => alphabet.encode(seq, () => 'x.fa:3: record \'r\''), /^x\.fa:3: record 'r': invalid character .* at position \d+/);
      if (ids) for (const id of ids) expect(id).toBeLessThan(alphabet.size);
    }), params(1000));
  });
});
