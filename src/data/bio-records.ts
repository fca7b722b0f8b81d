/**
 * The records the classify and tag tasks read, joined across files (formats in
 * ../shared/ARCHITECTURE.md, "Data formats read"). Files are joined by id, never by order, and
 * every problem is a SeqlabError naming the file and the line or record at fault.
 *
 * Sequences are kept as letters, upper-cased (ASCII letters only, so positions never shift).
 * Their letters are checked against an alphabet separately, by `encodeSequences` (or
 * `checkSequences`), because the alphabet may first be guessed from the training sequences.
 *
 * Tag labels are per position indices into one sorted list of label names (`TagData.labelNames`):
 * a Uint16Array costs two bytes a base on a genome, where a string per position would cost far
 * more, and BED region names may be longer than one character.
 */
import { SeqlabError } from '../errors.js';
import type { DataSource } from '../store/store.js';
import type { Alphabet } from './alphabet.js';
import { type BedRow, readBed } from './bed.js';
import { type FastaRecord, looksLikeFasta, readFasta } from './fasta.js';
import { readSequenceTable } from './sequence-table.js';

/** The label of positions that no BED region covers. */
export const BED_BACKGROUND = '-';
/** The label of a BED region without a name column (BED3). */
export const BED_UNNAMED = 'region';

/** A record to classify: one label for the whole sequence. */
export interface ClassifyRecord {
  /** FASTA id, the table's `id` column, or the 1-based table row number. */
  id: string;
  /** Upper case. */
  sequence: string;
  /** The class; null when the input has none (prediction input). */
  label: string | null;
  /** The 1-based line of the FASTA header or table row. */
  line: number;
}

/** A record to tag: one label per position. */
export interface TagRecord {
  id: string;
  /** Upper case. */
  sequence: string;
  /** The sequence header after the id. */
  description: string;
  /** The 1-based header line in the sequence FASTA. */
  line: number;
  /** `labels[i]` indexes `TagData.labelNames` for position i; null without a label file. */
  labels: Uint16Array | null;
  /** The label FASTA header after the id (NetSurfP: `SET=train VALIDATION=False`); null for BED or no labels. */
  labelDescription: string | null;
  /** `mask[i]` is 1 when position i is scored, 0 when ignored; null without a mask file. */
  mask: Uint8Array | null;
}

export interface TagData {
  records: TagRecord[];
  /**
   * Every label in the label file, sorted by code point, so the same labels give the same
   * indices whatever the record order. From a label FASTA: its characters; from BED: the
   * region names plus BED_BACKGROUND. Empty without a label file.
   */
  labelNames: string[];
  /** Where the labels came from. */
  labelFormat: 'fasta' | 'bed' | null;
}

function upperAscii(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

/** Indexes records by id; a repeated id is an error naming both lines. */
function byId<T extends { id: string; line: number }>(records: Iterable<T>, file: string): Map<string, T> {
  const map = new Map<string, T>();
  for (const rec of records) {
    const first = map.get(rec.id);
    if (first) throw new SeqlabError(`${file}:${rec.line}: duplicate id '${rec.id}' (first at line ${first.line})`);
    map.set(rec.id, rec);
  }
  if (map.size === 0) throw new SeqlabError(`${file}: no records`);
  return map;
}

/**
 * Classify records from FASTA (`>id label ...`: the label is the first word after the id) or
 * from a CSV/TSV table (sequence-table.ts), told apart by content: FASTA starts with `>`.
 * With `requireLabel`, a record without a label is an error. Ids must be unique.
 */
export function readClassifyRecords(source: DataSource, path: string, what: string, opts: { requireLabel: boolean }): ClassifyRecord[] {
  const text = source.readText(path, what);
  const records: ClassifyRecord[] = [];
  if (looksLikeFasta(text)) {
    for (const rec of readFasta(text, path)) {
      const label = rec.description.split(/\s/, 1)[0] || null;
      if (label === null && opts.requireLabel) {
        throw new SeqlabError(`${path}:${rec.line}: record '${rec.id}' has no label (write the header as '>id label')`);
      }
      records.push({ id: rec.id, sequence: upperAscii(rec.sequence), label, line: rec.line });
    }
  } else {
    for (const rec of readSequenceTable(text, path, opts)) records.push({ ...rec, sequence: upperAscii(rec.sequence) });
  }
  byId(records, path);
  return records;
}

/**
 * The sequences' ids under `alphabet`, one array per record; this is the letter check: an
 * invalid character is an error naming `file`, the line, the record and the position.
 */
export function encodeSequences(records: readonly { id: string; sequence: string; line: number }[], alphabet: Alphabet, file: string): Uint8Array[] {
  return records.map((r) => alphabet.encode(r.sequence, () => `${file}:${r.line}: record '${r.id}'`));
}

/** Checks every sequence's letters against `alphabet`, as `encodeSequences` does. */
export function checkSequences(records: readonly { id: string; sequence: string; line: number }[], alphabet: Alphabet, file: string): void {
  encodeSequences(records, alphabet, file);
}

/**
 * Joins a per-position FASTA (labels or mask) to the sequences by id: every record names a
 * sequence and has its length, and every sequence has a record.
 */
function joinPerPosition(seqs: Map<string, TagRecord>, seqFile: string, text: string, file: string, kind: string): Map<string, FastaRecord> {
  const recs = byId(readFasta(text, file), file);
  for (const rec of recs.values()) {
    const seq = seqs.get(rec.id);
    if (!seq) throw new SeqlabError(`${file}:${rec.line}: ${kind} record '${rec.id}' is not among the sequences in ${seqFile}`);
    if (rec.sequence.length !== seq.sequence.length) {
      throw new SeqlabError(`${file}:${rec.line}: record '${rec.id}' has ${rec.sequence.length} ${kind} characters`
        + ` but its sequence (${seqFile}:${seq.line}) has ${seq.sequence.length} letters`);
    }
  }
  for (const seq of seqs.values()) {
    if (!recs.has(seq.id)) throw new SeqlabError(`${seqFile}:${seq.line}: record '${seq.id}' has no ${kind} record in ${file}`);
  }
  return recs;
}

function tooManyLabels(file: string, count: number): SeqlabError {
  return new SeqlabError(`${file}: ${count} different labels; at most 65535`);
}

/** Labels from a label FASTA: one character per position. */
function fastaLabels(seqs: Map<string, TagRecord>, seqFile: string, text: string, file: string): string[] {
  const recs = joinPerPosition(seqs, seqFile, text, file, 'label');
  const seen = new Uint8Array(0x10000);
  for (const rec of recs.values()) {
    for (let i = 0; i < rec.sequence.length; i++) {
      const c = rec.sequence.charCodeAt(i);
      if (c <= 0x20 || (c >= 0xd800 && c < 0xe000)) {
        throw new SeqlabError(`${file}:${rec.line}: record '${rec.id}': invalid label character U+${c.toString(16).toUpperCase().padStart(4, '0')} at position ${i + 1}`);
      }
      seen[c] = 1;
    }
  }
  const names: string[] = [];
  const index = new Uint16Array(0x10000);
  seen.forEach((s, c) => {
    if (s) index[c] = names.push(String.fromCharCode(c)) - 1;
  });
  if (names.length > 0xffff) throw tooManyLabels(file, names.length);
  for (const seq of seqs.values()) {
    const rec = recs.get(seq.id)!;
    const labels = new Uint16Array(rec.sequence.length);
    for (let i = 0; i < labels.length; i++) labels[i] = index[rec.sequence.charCodeAt(i)];
    seq.labels = labels;
    seq.labelDescription = rec.description;
  }
  return names;
}

/** Labels from BED: a region's name on the positions it covers, BED_BACKGROUND elsewhere. */
function bedLabels(seqs: Map<string, TagRecord>, seqFile: string, text: string, file: string): string[] {
  const rowsBySeq = new Map<string, BedRow[]>();
  const nameSet = new Set<string>([BED_BACKGROUND]);
  for (const row of readBed(text, file)) {
    const seq = seqs.get(row.chrom);
    if (!seq) throw new SeqlabError(`${file}:${row.line}: chrom '${row.chrom}' is not among the sequences in ${seqFile}`);
    if (row.end > seq.sequence.length) {
      throw new SeqlabError(`${file}:${row.line}: region ${row.start}-${row.end} runs past the end of '${row.chrom}', which has ${seq.sequence.length} letters`);
    }
    if (row.name === BED_BACKGROUND) {
      throw new SeqlabError(`${file}:${row.line}: region name '${BED_BACKGROUND}' is the label of uncovered positions; name the region otherwise`);
    }
    nameSet.add(row.name ?? BED_UNNAMED);
    const rows = rowsBySeq.get(row.chrom) ?? [];
    rows.push(row);
    rowsBySeq.set(row.chrom, rows);
  }
  if (rowsBySeq.size === 0) throw new SeqlabError(`${file}: no BED regions (and not FASTA, which starts with '>')`);
  const names = [...nameSet].sort();
  if (names.length > 0xffff) throw tooManyLabels(file, names.length);
  const index = new Map(names.map((n, i) => [n, i]));
  for (const seq of seqs.values()) {
    const labels = new Uint16Array(seq.sequence.length).fill(index.get(BED_BACKGROUND)!);
    paintRegions(labels, rowsBySeq.get(seq.id) ?? [], index, file);
    seq.labels = labels;
  }
  return names;
}

/**
 * Writes each region's label over its positions. Overlapping regions must share a name: in
 * start order, every region still open shares one name, so comparing with the one reaching
 * furthest finds any clash.
 */
function paintRegions(labels: Uint16Array, rows: BedRow[], index: Map<string, number>, file: string): void {
  rows.sort((a, b) => a.start - b.start || a.line - b.line);
  let reach: BedRow | null = null;
  for (const row of rows) {
    if (row.end === row.start) continue;
    const name = row.name ?? BED_UNNAMED;
    if (reach && reach.end > row.start && (reach.name ?? BED_UNNAMED) !== name) {
      throw new SeqlabError(`${file}:${row.line}: region '${name}' ${row.start}-${row.end} overlaps region '${reach.name ?? BED_UNNAMED}'`
        + ` ${reach.start}-${reach.end} (line ${reach.line}) on '${row.chrom}'; a position takes one label`);
    }
    if (!reach || row.end > reach.end) reach = row;
    labels.fill(index.get(name)!, row.start, row.end);
  }
}

/** The mask from a mask FASTA: `1` scored, `0` ignored. */
function readMask(seqs: Map<string, TagRecord>, seqFile: string, text: string, file: string): void {
  const recs = joinPerPosition(seqs, seqFile, text, file, 'mask');
  for (const seq of seqs.values()) {
    const rec = recs.get(seq.id)!;
    const mask = new Uint8Array(rec.sequence.length);
    for (let i = 0; i < mask.length; i++) {
      const bit = rec.sequence.charCodeAt(i) - 0x30; // '0' or '1'
      if (bit !== 0 && bit !== 1) {
        throw new SeqlabError(`${file}:${rec.line}: record '${rec.id}': invalid mask character '${rec.sequence[i]}' at position ${i + 1} (1 = scored, 0 = ignored)`);
      }
      mask[i] = bit;
    }
    seq.mask = mask;
  }
}

/**
 * Tag records from 1 to 3 paths: a FASTA of sequences; then labels, as a FASTA with the same
 * ids and one label character per position (headers may carry more words after the id) or as a
 * BED file of named regions (told apart by content: FASTA starts with `>`); then an optional
 * mask FASTA with the same ids. With `requireLabels`, the labels path is required. Records are
 * in sequence-file order.
 */
export function readTagRecords(source: DataSource, paths: readonly string[], what: string, opts: { requireLabels: boolean }): TagData {
  if (paths.length < 1 || paths.length > 3) {
    throw new SeqlabError(`${what}: give a sequence FASTA, then a label FASTA or BED file, then optionally a mask FASTA (got ${paths.length} paths)`);
  }
  if (opts.requireLabels && paths.length < 2) {
    throw new SeqlabError(`${what}: labels are needed: give a label FASTA or BED file after the sequence FASTA ${paths[0]}`);
  }
  const [seqFile, labelFile, maskFile] = paths;
  const seqs = byId([...readFasta(source.readText(seqFile, `${what} (sequences)`), seqFile)].map((r): TagRecord => ({
    id: r.id, sequence: upperAscii(r.sequence), description: r.description, line: r.line,
    labels: null, labelDescription: null, mask: null,
  })), seqFile);

  let labelNames: string[] = [];
  let labelFormat: TagData['labelFormat'] = null;
  if (labelFile !== undefined) {
    const text = source.readText(labelFile, `${what} (labels)`);
    labelFormat = looksLikeFasta(text) ? 'fasta' : 'bed';
    labelNames = labelFormat === 'fasta' ? fastaLabels(seqs, seqFile, text, labelFile) : bedLabels(seqs, seqFile, text, labelFile);
  }
  if (maskFile !== undefined) readMask(seqs, seqFile, source.readText(maskFile, `${what} (mask)`), maskFile);
  return { records: [...seqs.values()], labelNames, labelFormat };
}
