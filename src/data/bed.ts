/**
 * BED: labelled regions along named sequences, 0-based half-open `[start, end)`.
 *
 * Reading takes BED3 to BED6 and wider (columns past the sixth are ignored). Columns are split
 * on tabs when a line has one (so names may hold spaces), else on runs of whitespace. Blank
 * lines and `track`, `browser` and `#` lines are skipped. A zero-length region (`end == start`)
 * is allowed, as in the UCSC definition. The score is read as written (any finite number, or
 * `.` for none): tools disagree on its range, so the reader does not police it.
 *
 * Errors name the file and line: fewer than three columns, a start or end that is not a whole
 * number >= 0, an end before the start, a score that is not a number, a strand that is not
 * `+`, `-` or `.`.
 *
 * Writing (`formatBed6`) gives six tab-separated columns per region, the score being the
 * region's probability written as the integer round(1000 * p) in 0..1000, as BED defines the
 * score (browsers shade by it).
 */
import { SeqlabError, assert } from '../errors.js';
import { numberedLines } from './lines.js';

export type BedStrand = '+' | '-' | '.';

/** One BED line. Columns the line does not have (or leaves empty) are null. */
export interface BedRow {
  chrom: string;
  start: number;
  end: number;
  name: string | null;
  score: number | null;
  strand: BedStrand | null;
  /** The 1-based line in the file. */
  line: number;
}

/** A region to write: `prob` is a probability in [0, 1]. */
export interface BedRegion {
  chrom: string;
  start: number;
  end: number;
  name: string;
  prob: number;
  strand?: BedStrand;
}

function isSkipped(line: string): boolean {
  return line === '' || line.startsWith('#') || /^(track|browser)(\s|$)/.test(line);
}

function coordinate(field: string, column: string, file: string, line: number): number {
  const value = /^\d+$/.test(field) ? Number(field) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new SeqlabError(`${file}:${line}: ${column} '${field}' is not a whole number >= 0`);
  }
  return value;
}

function parseRow(text: string, file: string, line: number): BedRow {
  const fields = text.includes('\t') ? text.split('\t').map((f) => f.trim()) : text.split(/\s+/);
  if (fields.length < 3) {
    throw new SeqlabError(`${file}:${line}: ${fields.length} column${fields.length === 1 ? '' : 's'}; BED needs at least chrom, start and end`);
  }
  const [chrom, startField, endField, name, scoreField, strandField] = fields;
  if (chrom === '') throw new SeqlabError(`${file}:${line}: empty chrom column`);
  const start = coordinate(startField, 'start', file, line);
  const end = coordinate(endField, 'end', file, line);
  if (end < start) throw new SeqlabError(`${file}:${line}: end ${end} is before start ${start}`);
  let score: number | null = null;
  if (scoreField !== undefined && scoreField !== '.') {
    score = scoreField === '' ? NaN : Number(scoreField);
    if (!Number.isFinite(score)) throw new SeqlabError(`${file}:${line}: score '${scoreField}' is not a number`);
  }
  let strand: BedStrand | null = null;
  if (strandField !== undefined) {
    if (strandField !== '+' && strandField !== '-' && strandField !== '.') {
      throw new SeqlabError(`${file}:${line}: strand '${strandField}' is not '+', '-' or '.'`);
    }
    strand = strandField;
  }
  return { chrom, start, end, name: name || null, score, strand, line };
}

/** The regions of BED `text` in file order; `file` names it in errors. */
export function* readBed(text: string, file: string): Generator<BedRow> {
  for (const { line, lineNo } of numberedLines(text)) {
    if (!isSkipped(line)) yield parseRow(line, file, lineNo);
  }
}

/**
 * BED6 text for `regions`, one line each, newline-terminated ('' for none): chrom, start, end,
 * name, round(1000 * prob), strand ('.' unless given).
 */
export function formatBed6(regions: Iterable<BedRegion>): string {
  const lines: string[] = [];
  for (const r of regions) {
    assert(Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end) && r.start >= 0 && r.end >= r.start,
      `BED region ${r.chrom}:${r.start}-${r.end} has bad coordinates`);
    assert(r.prob >= 0 && r.prob <= 1, `BED region probability ${r.prob} outside [0, 1]`);
    assert(!/[\t\n\r]/.test(r.chrom + r.name) && r.chrom.trim() === r.chrom && r.name.trim() === r.name && r.chrom !== '' && r.name !== '',
      `BED chrom or name '${r.chrom}' '${r.name}' unwritable (the reader trims columns)`);
    lines.push(`${r.chrom}\t${r.start}\t${r.end}\t${r.name}\t${Math.round(r.prob * 1000)}\t${r.strand ?? '.'}\n`);
  }
  return lines.join('');
}
