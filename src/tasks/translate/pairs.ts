/**
 * Reading translation pairs: a TSV file (source TAB target, further columns ignored) or two
 * line-aligned files (source first). Every problem is an error naming the file and line: a TSV
 * line without a tab, aligned files whose line counts differ, an empty file; text that is not
 * UTF-8 is caught by the reader (file:line). CRLF line ends and a final newline are allowed.
 */
import { SeqlabError } from '../../errors.js';
import type { DataSource } from '../../store/store.js';

/** One sentence pair and where it came from (1-based line). */
export interface Pair {
  src: string;
  tgt: string;
  line: number;
}

/** The lines of a text, without the empty line after a final newline. */
export function textLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function nonEmpty(path: string, text: string): void {
  if (text.length === 0) throw new SeqlabError(`${path}: the file is empty`);
}

/** Pairs from a TSV file: each line `source<TAB>target[<TAB>...]`. */
export function tsvPairs(path: string, text: string): Pair[] {
  nonEmpty(path, text);
  return textLines(text).map((l, i) => {
    const tab = l.indexOf('\t');
    if (tab < 0) throw new SeqlabError(`${path}:${i + 1}: no tab between source and target`);
    const rest = l.slice(tab + 1);
    const end = rest.indexOf('\t');
    return { src: l.slice(0, tab), tgt: end < 0 ? rest : rest.slice(0, end), line: i + 1 };
  });
}

/** Pairs from two line-aligned files. */
export function alignedPairs(srcPath: string, srcText: string, tgtPath: string, tgtText: string): Pair[] {
  nonEmpty(srcPath, srcText);
  nonEmpty(tgtPath, tgtText);
  const a = textLines(srcText);
  const b = textLines(tgtText);
  if (a.length !== b.length) {
    const [shortPath, longPath] = a.length < b.length ? [srcPath, tgtPath] : [tgtPath, srcPath];
    const n = Math.min(a.length, b.length);
    throw new SeqlabError(`${longPath}:${n + 1}: has no aligned line in ${shortPath}, which ends after ${n} lines (${a.length} source lines, ${b.length} target lines)`);
  }
  return a.map((src, i) => ({ src, tgt: b[i], line: i + 1 }));
}

/** Pairs from one TSV path or two aligned paths, read through `source`. */
export function readPairs(source: DataSource, paths: readonly string[], what: string): Pair[] {
  if (paths.length === 1) return tsvPairs(paths[0], source.readText(paths[0], what));
  if (paths.length === 2) {
    return alignedPairs(paths[0], source.readText(paths[0], `${what} (source)`), paths[1], source.readText(paths[1], `${what} (target)`));
  }
  throw new SeqlabError(`${what}: give one TSV file or two line-aligned files, got ${paths.length} paths`);
}

/** How pairs are filtered for training. */
export interface PairFilter {
  /** Longest sentence, in tokens (either side). */
  maxLength: number;
  /** Largest ratio of the longer side to the shorter, in tokens. */
  maxRatio: number;
}

/**
 * Keeps the training pairs worth learning from: both sides non-empty, at most `maxLength`
 * tokens, and a length ratio of at most `maxRatio` (misaligned pairs have wild ratios).
 */
export function filterPairs<T extends { src: readonly number[]; tgt: readonly number[] }>(pairs: readonly T[], f: PairFilter): T[] {
  return pairs.filter(({ src, tgt }) => {
    if (src.length === 0 || tgt.length === 0) return false;
    if (src.length > f.maxLength || tgt.length > f.maxLength) return false;
    return Math.max(src.length, tgt.length) / Math.min(src.length, tgt.length) <= f.maxRatio;
  });
}
