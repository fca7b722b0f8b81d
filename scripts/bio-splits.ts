/**
 * Writes the fixed splits behind the biology figures (README, "Biology") from ../shared/data:
 *
 *   splice/fold{1..5}/{train,test}.csv   UCI splice junctions, stratified 5-fold CV (seed 1)
 *   lambda/{train,test}.fasta + {train,test}.labels.fasta
 *                                        lambda phage: the first 70% of the genome, and the rest
 *   protein/{train,valid,test}.{seq,labels,mask}.fasta
 *                                        NetSurfP secondary structure by its SET/VALIDATION tags
 *
 * Usage: npx tsx scripts/bio-splits.ts [--data ../shared/data] [--out runs/bio-data]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFasta } from '../src/data/fasta.js';
import { Rng } from '../src/tensor/random.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/data' }, out: { type: 'string', default: 'runs/bio-data' } } });
const data = values.data!;
const out = values.out!;

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** Stratified k folds: each class shuffled (seeded) and dealt round-robin. */
function splice(): void {
  const lines = readFileSync(join(data, 'dna-splice-uci/splice.csv'), 'utf8').trim().split('\n');
  const header = lines[0];
  const rows = lines.slice(1);
  const byClass = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const label = r.split(',')[0];
    const rowsOfClass = byClass.get(label);
    if (rowsOfClass) rowsOfClass.push(i);
    else byClass.set(label, [i]);
  });
  const rng = new Rng(1);
  const fold = new Int32Array(rows.length);
  for (const idx of [...byClass.keys()].sort().map((k) => byClass.get(k)!)) {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    idx.forEach((row, k) => { fold[row] = k % 5; });
  }
  for (let f = 0; f < 5; f++) {
    write(join(out, `splice/fold${f + 1}/train.csv`), [header, ...rows.filter((_, i) => fold[i] !== f)].join('\n') + '\n');
    write(join(out, `splice/fold${f + 1}/test.csv`), [header, ...rows.filter((_, i) => fold[i] === f)].join('\n') + '\n');
  }
}

function fastaText(id: string, seq: string): string {
  return `>${id}\n${seq.replace(/(.{60})/g, '$1\n').replace(/\n$/, '')}\n`;
}

/** The genome's first 70% to train on, the rest to test. */
function lambda(): void {
  const [genome] = readFasta(readFileSync(join(data, 'dna-lambda-phage-genes/NC_001416.fasta'), 'utf8'), 'NC_001416.fasta');
  const [labels] = readFasta(readFileSync(join(data, 'dna-lambda-phage-genes/NC_001416.cds_labels.fasta'), 'utf8'), 'labels');
  const cut = Math.round(genome.sequence.length * 0.7);
  write(join(out, 'lambda/train.fasta'), fastaText('lambda_0_70', genome.sequence.slice(0, cut)));
  write(join(out, 'lambda/train.labels.fasta'), fastaText('lambda_0_70', labels.sequence.slice(0, cut)));
  write(join(out, 'lambda/test.fasta'), fastaText('lambda_70_100', genome.sequence.slice(cut)));
  write(join(out, 'lambda/test.labels.fasta'), fastaText('lambda_70_100', labels.sequence.slice(cut)));
}

/** NetSurfP chains into train / valid / test by the label headers' tags. */
function protein(): void {
  const dir = join(data, 'protein-ss-netsurfp-flip');
  const read = (f: string) => new Map([...readFasta(readFileSync(join(dir, f), 'utf8'), f)].map((r) => [r.id, r]));
  const seqs = read('sequences.fasta');
  const labels = read('sampled.fasta');
  const masks = read('mask.fasta');
  const parts: Record<string, { seq: string[]; labels: string[]; mask: string[] }> = {};
  for (const [id, l] of labels) {
    const split = l.description.includes('SET=test') ? 'test' : l.description.includes('VALIDATION=True') ? 'valid' : 'train';
    parts[split] ??= { seq: [], labels: [], mask: [] };
    parts[split].seq.push(`>${id}\n${seqs.get(id)!.sequence}\n`);
    parts[split].labels.push(`>${id}\n${l.sequence}\n`);
    parts[split].mask.push(`>${id}\n${masks.get(id)!.sequence}\n`);
  }
  for (const [split, p] of Object.entries(parts)) {
    write(join(out, `protein/${split}.seq.fasta`), p.seq.join(''));
    write(join(out, `protein/${split}.labels.fasta`), p.labels.join(''));
    write(join(out, `protein/${split}.mask.fasta`), p.mask.join(''));
  }
}

splice();
lambda();
protein();
process.stderr.write(`splits written under ${out}\n`);
