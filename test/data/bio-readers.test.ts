import { describe, expect, it } from 'vitest';
import { ALPHABETS, DNA, PROTEIN, alphabetByName, guessAlphabet } from '../../src/data/alphabet.js';
import { formatBed6, readBed } from '../../src/data/bed.js';
import {
  BED_BACKGROUND, BED_UNNAMED, type TagData, checkSequences, encodeSequences, readClassifyRecords, readTagRecords,
} from '../../src/data/bio-records.js';
import { looksLikeFasta, readFasta } from '../../src/data/fasta.js';
import { readSequenceTable } from '../../src/data/sequence-table.js';
import { MemorySource } from '../../src/store/store.js';
import { errorOf } from '../helpers/errors.js';

const where = (): string => "train.fasta:3: record 'chr1'";


const fasta = (text: string, file = 'x.fasta') => [...readFasta(text, file)];
const table = (text: string, requireLabel = true, file = 't.csv') => [...readSequenceTable(text, file, { requireLabel })];
const bed = (text: string, file = 'r.bed') => [...readBed(text, file)];

/** Labels of a tag record as a string of label names (one-character names). */
function labelText(data: TagData, id: string): string {
  const rec = data.records.find((r) => r.id === id)!;
  return Array.from(rec.labels!, (i) => data.labelNames[i]).join('');
}

describe('alphabets', () => {
  it('DNA encodes ACGTN in either case and maps the other IUPAC codes to N', () => {
    expect(Array.from(DNA.encode('ACGTNacgtn', where))).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(Array.from(DNA.encode('RYSWKMBDHVryswkmbdhv', where))).toEqual(new Array(20).fill(4));
    expect(DNA.unknown).toBe(4);
    expect(DNA.size).toBe(5);
    expect(DNA.decode(DNA.encode('acgTRn', where))).toBe('ACGTNN');
  });
  it('DNA complement pairs A-T and C-G and keeps N', () => {
    const ids = DNA.encode('ACGTN', where);
    expect(DNA.decode(Array.from(ids, (i) => DNA.complement![i]))).toBe('TGCAN');
  });
  it('protein encodes the 20 amino acids and X, maps B Z J U O to X, and has no complement', () => {
    expect(PROTEIN.size).toBe(21);
    expect(PROTEIN.letters[PROTEIN.unknown]).toBe('X');
    expect(PROTEIN.decode(PROTEIN.encode('acdefghiklmnpqrstvwyx', where))).toBe('ACDEFGHIKLMNPQRSTVWYX');
    expect(PROTEIN.decode(PROTEIN.encode('MUKOBZJ', where))).toBe('MXKXXXX');
    expect(PROTEIN.complement).toBeNull();
  });
  it('an invalid character names the record, the 1-based position and the character', () => {
    expect(errorOf(() => DNA.encode('ACGU', where))).toMatch(/^train\.fasta:3: record 'chr1': invalid character 'U' at position 4 .*U is RNA/);
    expect(errorOf(() => DNA.encode('AC-G', where))).toMatch(/record 'chr1': invalid character '-' at position 3/);
    expect(errorOf(() => DNA.encode('ACGE', where))).toMatch(/'E' at position 4/);
    expect(errorOf(() => PROTEIN.encode('MK*', where))).toMatch(/record 'chr1': invalid character '\*' at position 3 .*stop/);
    expect(errorOf(() => PROTEIN.encode('MK1', where))).toMatch(/'1' at position 3/);
    expect(errorOf(() => PROTEIN.encode('M K', where))).toMatch(/U\+0020 at position 2/);
    expect(errorOf(() => DNA.encode('ACé', where))).toMatch(/'é' at position 3/);
  });
  it('alphabetByName knows dna and protein and names an unknown one', () => {
    expect(alphabetByName('dna')).toBe(ALPHABETS.dna);
    expect(alphabetByName('protein')).toBe(PROTEIN);
    expect(errorOf(() => alphabetByName('rna'))).toMatch(/unknown alphabet 'rna'/);
  });
  it('guessAlphabet: DNA with ambiguity codes or a stray character is still DNA; proteins are protein', () => {
    expect(guessAlphabet(['ACGTACGTNN', 'acgtrYacgtacgtacgtac'])).toBe('dna');
    expect(guessAlphabet(['ACGT'.repeat(30) + '-'])).toBe('dna');
    expect(guessAlphabet(['MAEPGIDKLFGMVDSKYRLTVVVAKRAQ', 'ACGT'])).toBe('protein');
    expect(guessAlphabet(['ACGTRYKMSWACGTRYKMSW'])).toBe('protein'); // mostly ambiguity codes: not credible DNA
    expect(guessAlphabet(['MKKLLPLPLLVAQPAMA'.repeat(3)])).toBe('protein');
    expect(guessAlphabet(['ACGTNNNNNNNNNNNNNNNN', 'acgtacgtacgtacgtacgt'])).toBe('dna');
    expect(guessAlphabet([])).toBe('dna');
  });
});

describe('FASTA', () => {
  it('joins multi-line sequences, takes the id and description, skips blank and ; lines, keeps case', () => {
    const recs = fasta(';comment\n\n>seq1 first one\nACGT\n  acgt  \n\n>seq2\r\nGG\n;mid\nCC');
    expect(recs).toEqual([
      { id: 'seq1', description: 'first one', sequence: 'ACGTacgt', line: 3 },
      { id: 'seq2', description: '', sequence: 'GGCC', line: 7 },
    ]);
    expect(fasta('')).toEqual([]);
  });
  it('tells FASTA from other text by its first meaningful line', () => {
    expect(looksLikeFasta('\n;c\n>a\nAC')).toBe(true);
    expect(looksLikeFasta('sequence,label\n')).toBe(false);
    expect(looksLikeFasta('')).toBe(false);
  });
  it('errors name the file and line', () => {
    expect(errorOf(() => fasta('ACGT\n>a\nAC'))).toBe("x.fasta:1: sequence data before the first FASTA header ('>id')");
    expect(errorOf(() => fasta('>a\nAC\n>\nAC'))).toMatch(/^x\.fasta:3: a FASTA header with no id/);
    expect(errorOf(() => fasta('>a\nAC\n>b desc\n\n>c\nA'))).toBe("x.fasta:3: record 'b' has no sequence");
    expect(errorOf(() => fasta('>a\nAC\n>last'))).toBe("x.fasta:3: record 'last' has no sequence");
  });
  it('a 1 MB random genome over 60-letter lines parses whole', () => {
    let state = 12345;
    const letters = 'ACGT';
    const lines: string[] = ['>genome random'];
    let line = '';
    for (let i = 0; i < 1_000_000; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      line += letters[state >>> 30];
      if (line.length === 60) {
        lines.push(line);
        line = '';
      }
    }
    lines.push(line);
    const recs = fasta(lines.join('\n'));
    expect(recs).toHaveLength(1);
    expect(recs[0].sequence).toHaveLength(1_000_000);
    expect(encodeSequences(recs, DNA, 'g.fasta')[0]).toHaveLength(1_000_000);
  });
});

describe('BED', () => {
  it('reads BED3 to BED6+, tab or space separated, skipping track, browser and # lines', () => {
    const rows = bed('track name=x\nbrowser position chr1\n# note\nchr1\t0\t10\nchr1 5 5 zero\nchr2\t3\t9\tgene a\t500\t-\textra\n\nchr2\t1\t2\tg\t.\t.');
    expect(rows).toEqual([
      { chrom: 'chr1', start: 0, end: 10, name: null, score: null, strand: null, line: 4 },
      { chrom: 'chr1', start: 5, end: 5, name: 'zero', score: null, strand: null, line: 5 },
      { chrom: 'chr2', start: 3, end: 9, name: 'gene a', score: 500, strand: '-', line: 6 },
      { chrom: 'chr2', start: 1, end: 2, name: 'g', score: null, strand: '.', line: 8 },
    ]);
  });
  it('errors name the file and line', () => {
    expect(errorOf(() => bed('chr1\t0\t10\nchr1\t5'))).toMatch(/^r\.bed:2: 2 columns; BED needs at least chrom, start and end/);
    expect(errorOf(() => bed('chr1\t-1\t10'))).toBe("r.bed:1: start '-1' is not a whole number >= 0");
    expect(errorOf(() => bed('chr1\t1.5\t10'))).toBe("r.bed:1: start '1.5' is not a whole number >= 0");
    expect(errorOf(() => bed('chr1\t0\tx'))).toBe("r.bed:1: end 'x' is not a whole number >= 0");
    expect(errorOf(() => bed('\nchr1\t10\t5'))).toBe('r.bed:2: end 5 is before start 10');
    expect(errorOf(() => bed('chr1\t0\t5\ta\thigh'))).toBe("r.bed:1: score 'high' is not a number");
    expect(errorOf(() => bed('chr1\t0\t5\ta\t0\tx'))).toBe("r.bed:1: strand 'x' is not '+', '-' or '.'");
  });
  it('formatBed6 writes probabilities as integer scores 0-1000, and reads back', () => {
    const text = formatBed6([
      { chrom: 'chr1', start: 0, end: 10, name: 'exon', prob: 0.8765 },
      { chrom: 'chr1', start: 12, end: 20, name: 'intron', prob: 1, strand: '+' },
      { chrom: 'chr 2', start: 3, end: 4, name: 'exon', prob: 0 },
    ]);
    expect(text).toBe('chr1\t0\t10\texon\t877\t.\nchr1\t12\t20\tintron\t1000\t+\nchr 2\t3\t4\texon\t0\t.\n');
    expect(bed(text).map(({ chrom, start, end, name, score, strand }) => [chrom, start, end, name, score, strand])).toEqual([
      ['chr1', 0, 10, 'exon', 877, '.'], ['chr1', 12, 20, 'intron', 1000, '+'], ['chr 2', 3, 4, 'exon', 0, '.'],
    ]);
    expect(formatBed6([])).toBe('');
  });
});

describe('sequence tables', () => {
  it('CSV: columns found by name in any case and order, quotes handled, other columns ignored', () => {
    const recs = table('Label,name,SEQUENCE\nEI,"a, b",acgt\n"I""E",x,"GG"\n\n');
    expect(recs).toEqual([
      { id: '1', sequence: 'acgt', label: 'EI', line: 2 },
      { id: '2', sequence: 'GG', label: 'I"E', line: 3 },
    ]);
  });
  it('TSV with an id column; raw CRLF tolerated; label optional for prediction', () => {
    expect(table('id\tsequence\tlabel\ns1\tACGT\t1\ns2\tGG\t0\n')).toEqual([
      { id: 's1', sequence: 'ACGT', label: '1', line: 2 },
      { id: 's2', sequence: 'GG', label: '0', line: 3 },
    ]);
    expect(table('sequence,"label"\r\nAC,"x"\r\n')).toEqual([{ id: '1', sequence: 'AC', label: 'x', line: 2 }]);
    expect(bed('chr1\t0\t5\tx\r\n')[0]).toMatchObject({ end: 5, name: 'x' });
    expect(table('sequence\nACGT\n', false)).toEqual([{ id: '1', sequence: 'ACGT', label: null, line: 2 }]);
    expect(table('sequence,label\nACGT,\n', false)).toEqual([{ id: '1', sequence: 'ACGT', label: null, line: 2 }]);
  });
  it('errors name the file and line', () => {
    expect(errorOf(() => table(''))).toMatch(/^t\.csv: empty/);
    expect(errorOf(() => table('seq,label\nAC,1'))).toBe("t.csv:1: the header has no 'sequence' column (columns: seq, label)");
    expect(errorOf(() => table('sequence,class\nAC,1'))).toBe("t.csv:1: the header has no 'label' column (columns: sequence, class)");
    expect(errorOf(() => table('sequence,label,Sequence\nAC,1,A'))).toBe("t.csv:1: the header names the column 'sequence' twice");
    expect(errorOf(() => table('sequence,label\nAC,1\nAC,1,2'))).toBe('t.csv:3: 3 fields, but the header has 2');
    expect(errorOf(() => table('sequence,label\nAC,1\n,1'))).toBe("t.csv:3: record '2' has an empty sequence");
    expect(errorOf(() => table('sequence,label\nAC, '))).toBe("t.csv:2: record '1' has an empty label");
    expect(errorOf(() => table('id,sequence,label\n,AC,1'))).toBe('t.csv:2: row 1 has an empty id');
    expect(errorOf(() => table('sequence,label\n"AC,1'))).toBe('t.csv:2: a quoted field has no closing quote');
    expect(errorOf(() => table('sequence,label\n"AC"x,1'))).toBe('t.csv:2: text after a closing quote');
  });
});

describe('classify records', () => {
  const source = new MemorySource({
    'train.fasta': '>s1 EI extra words\nacgt\nRN\n>s2 N\nGGCC\n',
    'nolabel.fasta': '>s1 EI\nACGT\n>s2\nGG\n',
    'dup.fasta': '>s1 EI\nACGT\n>s2 N\nGG\n>s1 IE\nCC\n',
    'train.csv': 'label,name,sequence\nEI,same,acgt\nIE,same,GGCC\n',
    'ids.tsv': 'id\tsequence\tlabel\na\tAC\t1\na\tGG\t0\n',
    'bad.fasta': '>s1 EI\nACGT\n>s2 N\nAC-T\n',
  });
  it('FASTA: the label is the first word after the id; sequences upper-cased', () => {
    expect(readClassifyRecords(source, 'train.fasta', 'training data', { requireLabel: true })).toEqual([
      { id: 's1', sequence: 'ACGTRN', label: 'EI', line: 1 },
      { id: 's2', sequence: 'GGCC', label: 'N', line: 4 },
    ]);
    expect(readClassifyRecords(source, 'nolabel.fasta', 'input', { requireLabel: false })[1].label).toBeNull();
  });
  it('tables: ids are row numbers without an id column (a repeated name column is fine)', () => {
    expect(readClassifyRecords(source, 'train.csv', 'training data', { requireLabel: true })).toEqual([
      { id: '1', sequence: 'ACGT', label: 'EI', line: 2 },
      { id: '2', sequence: 'GGCC', label: 'IE', line: 3 },
    ]);
  });
  it('errors: missing label, duplicate ids, missing file, empty file', () => {
    expect(errorOf(() => readClassifyRecords(source, 'nolabel.fasta', 'd', { requireLabel: true })))
      .toBe("nolabel.fasta:3: record 's2' has no label (write the header as '>id label')");
    expect(errorOf(() => readClassifyRecords(source, 'dup.fasta', 'd', { requireLabel: true }))).toBe("dup.fasta:5: duplicate id 's1' (first at line 1)");
    expect(errorOf(() => readClassifyRecords(source, 'ids.tsv', 'd', { requireLabel: true }))).toBe("ids.tsv:3: duplicate id 'a' (first at line 2)");
    expect(errorOf(() => readClassifyRecords(source, 'nope.csv', 'training data', { requireLabel: true }))).toBe("training data 'nope.csv' does not exist");
    expect(errorOf(() => readClassifyRecords(new MemorySource({ e: '\n' }), 'e', 'd', { requireLabel: false }))).toMatch(/^e: empty/);
    expect(errorOf(() => readClassifyRecords(new MemorySource({ e: 'sequence\n' }), 'e', 'd', { requireLabel: false }))).toBe('e: no records');
  });
  it('checkSequences names the file, line, record and position', () => {
    const recs = readClassifyRecords(source, 'bad.fasta', 'd', { requireLabel: true });
    expect(errorOf(() => checkSequences(recs, DNA, 'bad.fasta'))).toMatch(/^bad\.fasta:3: record 's2': invalid character '-' at position 3/);
    expect(() => checkSequences(recs.slice(0, 1), DNA, 'bad.fasta')).not.toThrow();
  });
});

describe('tag records', () => {
  const seqs = '>b second\nACGTA\ncg\n>a first\nMKUO\n';
  const source = new MemorySource({
    'seqs.fasta': seqs,
    // Out of order, with extra header words, CRLF turned to LF by the reader already.
    'labels.fasta': '>a SET=train VALIDATION=False\nHHEC\n>b\nCCC\nHHEE\n',
    'mask.fasta': '>a\n0111\n>b\n1111100\n',
    'regions.bed': 'track name=genes\nb\t1\t3\texon\nb\t5\t7\tintron\na\t0\t2\n',
    'short.fasta': '>a\nHHE\n>b\nCCCHHEE\n',
    'extra.fasta': '>a\nHHEC\n>b\nCCCHHEE\n>z\nC\n',
    'missing.fasta': '>b\nCCCHHEE\n',
    'dup-labels.fasta': '>a\nHHEC\n>b\nCCCHHEE\n>a\nHHEC\n',
    'dup-seqs.fasta': '>a\nAC\n>a\nGG\n',
    'space.fasta': '>a\nHH C\n>b\nCCCHHEE\n',
    'badmask.fasta': '>a\n0112\n>b\n1111100\n',
    'past.bed': 'b\t5\t8\tx\n',
    'unknown.bed': 'q\t0\t1\tx\n',
    'overlap.bed': 'b\t0\t4\tx\nb\t1\t2\tx\nb\t3\t6\ty\n',
    'background.bed': 'b\t0\t4\t-\n',
    'empty.bed': '# nothing\n',
  });
  const read = (...paths: string[]) => readTagRecords(source, paths, 'training data', { requireLabels: true });

  it('joins a label FASTA and a mask by id, never by order', () => {
    const data = read('seqs.fasta', 'labels.fasta', 'mask.fasta');
    expect(data.labelFormat).toBe('fasta');
    expect(data.labelNames).toEqual(['C', 'E', 'H']);
    expect(data.records.map((r) => [r.id, r.sequence, r.description, r.line])).toEqual([['b', 'ACGTACG', 'second', 1], ['a', 'MKUO', 'first', 4]]);
    expect(labelText(data, 'a')).toBe('HHEC');
    expect(labelText(data, 'b')).toBe('CCCHHEE');
    expect(data.records[1].labelDescription).toBe('SET=train VALIDATION=False');
    expect(Array.from(data.records[1].mask!)).toEqual([0, 1, 1, 1]);
    expect(Array.from(data.records[0].mask!)).toEqual([1, 1, 1, 1, 1, 0, 0]);
  });
  it('BED: covered positions take the region name, others the background; unnamed regions are labelled', () => {
    const data = read('seqs.fasta', 'regions.bed');
    expect(data.labelFormat).toBe('bed');
    expect(data.labelNames).toEqual([BED_BACKGROUND, 'exon', 'intron', BED_UNNAMED].sort());
    const names = (id: string) => Array.from(data.records.find((r) => r.id === id)!.labels!, (i) => data.labelNames[i]);
    expect(names('b')).toEqual(['-', 'exon', 'exon', '-', '-', 'intron', 'intron']);
    expect(names('a')).toEqual([BED_UNNAMED, BED_UNNAMED, '-', '-']);
    expect(data.records[0].labelDescription).toBeNull();
  });
  it('prediction input: sequences alone', () => {
    const data = readTagRecords(source, ['seqs.fasta'], 'input', { requireLabels: false });
    expect(data.labelNames).toEqual([]);
    expect(data.records.every((r) => r.labels === null && r.mask === null)).toBe(true);
  });
  it('errors name the file and the record or line', () => {
    expect(errorOf(() => read('seqs.fasta'))).toMatch(/^training data: labels are needed/);
    expect(errorOf(() => read('seqs.fasta', 'labels.fasta', 'mask.fasta', 'x'))).toMatch(/got 4 paths/);
    expect(errorOf(() => read('seqs.fasta', 'short.fasta')))
      .toBe("short.fasta:1: record 'a' has 3 label characters but its sequence (seqs.fasta:4) has 4 letters");
    expect(errorOf(() => read('seqs.fasta', 'extra.fasta'))).toBe("extra.fasta:5: label record 'z' is not among the sequences in seqs.fasta");
    expect(errorOf(() => read('seqs.fasta', 'missing.fasta'))).toBe("seqs.fasta:4: record 'a' has no label record in missing.fasta");
    expect(errorOf(() => read('seqs.fasta', 'dup-labels.fasta'))).toBe("dup-labels.fasta:5: duplicate id 'a' (first at line 1)");
    expect(errorOf(() => read('dup-seqs.fasta'))).toMatch(/^training data: labels are needed/);
    expect(errorOf(() => readTagRecords(source, ['dup-seqs.fasta'], 'd', { requireLabels: false }))).toBe("dup-seqs.fasta:3: duplicate id 'a' (first at line 1)");
    expect(errorOf(() => read('seqs.fasta', 'space.fasta'))).toBe("space.fasta:1: record 'a': invalid label character U+0020 at position 3");
    expect(errorOf(() => read('seqs.fasta', 'labels.fasta', 'badmask.fasta')))
      .toBe("badmask.fasta:1: record 'a': invalid mask character '2' at position 4 (1 = scored, 0 = ignored)");
    expect(errorOf(() => read('seqs.fasta', 'labels.fasta', 'missing.fasta'))).toBe("seqs.fasta:4: record 'a' has no mask record in missing.fasta");
    expect(errorOf(() => read('seqs.fasta', 'past.bed'))).toBe("past.bed:1: region 5-8 runs past the end of 'b', which has 7 letters");
    expect(errorOf(() => read('seqs.fasta', 'unknown.bed'))).toBe("unknown.bed:1: chrom 'q' is not among the sequences in seqs.fasta");
    expect(errorOf(() => read('seqs.fasta', 'overlap.bed'))).toMatch(/^overlap\.bed:3: region 'y' 3-6 overlaps region 'x' 0-4 \(line 1\) on 'b'/);
    expect(errorOf(() => read('seqs.fasta', 'background.bed'))).toMatch(/^background\.bed:1: region name '-' is the label of uncovered positions/);
    expect(errorOf(() => read('seqs.fasta', 'empty.bed'))).toMatch(/^empty\.bed: no BED regions/);
  });
  it('a whitespace label character is an error naming its position', () => {
    const src = new MemorySource({ 's.fasta': '>a\nACG\n', 'l.fasta': '>a\nH\tC\n' });
    expect(errorOf(() => readTagRecords(src, ['s.fasta', 'l.fasta'], 'd', { requireLabels: true })))
      .toBe("l.fasta:1: record 'a': invalid label character U+0009 at position 2");
  });
  it('letters are checked by the alphabet: U and O are protein X, U is not DNA', () => {
    const { records } = read('seqs.fasta', 'labels.fasta');
    expect(PROTEIN.decode(encodeSequences(records, PROTEIN, 'seqs.fasta')[1])).toBe('MKXX');
    expect(errorOf(() => checkSequences(records, DNA, 'seqs.fasta'))).toMatch(/^seqs\.fasta:4: record 'a': invalid character 'U' at position 3 .*U is RNA/);
  });
});
