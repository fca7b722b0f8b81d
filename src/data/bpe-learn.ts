/**
 * Incremental BPE learning (Sennrich et al. 2016, the `learn_bpe` algorithm): pair counts live in
 * a map with an index from each pair to the words that contain it, so a merge touches only the
 * words holding the merged pair, and a lazy max-heap yields the most frequent pair.
 *
 * It reproduces, merge for merge, the plain definition "count every adjacent pair over all words
 * (weighted by word count, in word order, left to right) and take the pair whose running count
 * first exceeds all others". That rule picks the pair of highest count and, among equal counts,
 * the one whose *last* occurrence comes first in that scan: the earliest last word, then the
 * earliest last position inside that word. A pair seen once overall is never merged.
 */
import { BinaryHeap } from './binary-heap.js';

/** A distinct word piece being learned: its current symbols (interned ids) and its frequency. */
interface Word {
  symbols: number[];
  readonly count: number;
}

/** One adjacent pair: its weighted count, the words holding it (index → occurrences), the last such word. */
interface PairStats {
  count: number;
  readonly words: Map<number, number>;
  last: number;
  /** The entry last pushed for this pair: pushing an equal one again would only add work. */
  queued: Entry;
}

/** A heap entry: valid while its pair still has this count and last word. */
interface Entry {
  readonly count: number;
  readonly last: number;
  readonly key: number;
}

// Pair keys pack two symbol ids into one exact double: left * 2^26 + right.
const KEY_SHIFT = 2 ** 26;

/**
 * Learns up to `maxMerges` merges over `pieces` (distinct word pieces with their counts, in the
 * order that defines ties: most frequent first). Returns each merge as [left, right].
 */
export function learnMerges(pieces: readonly (readonly [string, number])[], maxMerges: number): [string, string][] {
  const names: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = names.length;
      if (id >= KEY_SHIFT) throw new Error('bpe: too many symbols for a pair key');
      names.push(s);
      ids.set(s, id);
    }
    return id;
  };
  const words: Word[] = pieces.map(([w, count]) => ({ symbols: Array.from(w, intern), count }));
  const pairs = new PairTable(words);
  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    const best = pairs.popBest();
    if (best === null) break;
    const a = Math.floor(best / KEY_SHIFT);
    const b = best % KEY_SHIFT;
    merges.push([names[a], names[b]]);
    const ab = intern(names[a] + names[b]);
    for (const i of pairs.wordsWith(best)) pairs.replace(i, mergeIds(words[i].symbols, a, b, ab));
    pairs.settle();
  }
  return merges;
}

/** Pair counts over all words, the pair → words index, and the heap that orders pairs. */
class PairTable {
  private readonly stats = new Map<number, PairStats>();
  // Higher count first, then earlier last word.
  private readonly heap = new BinaryHeap<Entry>((x, y) => x.count > y.count || (x.count === y.count && x.last < y.last));
  /** Pairs changed since the last `settle`. */
  private readonly touched = new Set<number>();

  /** Per-pair change in occurrences within the word being replaced (reused scratch). */
  private readonly delta = new Map<number, number>();

  constructor(private readonly words: Word[]) {
    for (let i = 0; i < words.length; i++) this.replace(i, words[i].symbols, []);
    this.settle();
  }

  /** Indices of the words holding pair `key` (a copy, safe to iterate while updating). */
  wordsWith(key: number): number[] {
    return [...(this.stats.get(key)?.words.keys() ?? [])];
  }

  /**
   * Gives word `i` new symbols and updates the counts of just the pairs whose occurrences in it
   * changed (a merge leaves most of a word's pairs alone).
   */
  replace(i: number, symbols: number[], old = this.words[i].symbols): void {
    const delta = this.delta;
    delta.clear();
    for (let p = 0; p + 1 < old.length; p++) {
      const key = old[p] * KEY_SHIFT + old[p + 1];
      delta.set(key, (delta.get(key) ?? 0) - 1);
    }
    for (let p = 0; p + 1 < symbols.length; p++) {
      const key = symbols[p] * KEY_SHIFT + symbols[p + 1];
      delta.set(key, (delta.get(key) ?? 0) + 1);
    }
    this.words[i].symbols = symbols;
    for (const [key, d] of delta) if (d !== 0) this.change(key, i, d);
  }

  /** Pair `key` occurs `d` more times (or fewer, for d < 0) in word `i`. */
  private change(key: number, i: number, d: number): void {
    let s = this.stats.get(key);
    if (s === undefined) {
      s = { count: 0, words: new Map(), last: -1, queued: { count: 0, last: -1, key } };
      this.stats.set(key, s);
    }
    s.count += d * this.words[i].count;
    const occ = (s.words.get(i) ?? 0) + d;
    if (occ === 0) s.words.delete(i);
    else s.words.set(i, occ);
    if (d > 0 && i > s.last) s.last = i;
    this.touched.add(key);
  }

  /** Drops vanished pairs, repairs last words, and queues the new (count, last) of changed pairs. */
  settle(): void {
    for (const key of this.touched) {
      const s = this.stats.get(key);
      if (s === undefined) continue;
      if (s.count === 0) {
        this.stats.delete(key);
        continue;
      }
      if (!s.words.has(s.last)) s.last = lastKey(s.words);
      if (s.count === s.queued.count && s.last === s.queued.last) continue;
      s.queued = { count: s.count, last: s.last, key };
      this.heap.push(s.queued);
    }
    this.touched.clear();
  }

  private isCurrent(e: Entry): boolean {
    const s = this.stats.get(e.key);
    return s !== undefined && s.count === e.count && s.last === e.last;
  }

  /** The next pair to merge, or null when no pair occurs more than once. */
  popBest(): number | null {
    let top = this.heap.pop();
    while (top !== undefined && !this.isCurrent(top)) top = this.heap.pop();
    if (top === undefined || top.count <= 1) return null;
    // Equal count and last word: gather the tie and order it by last position in that word.
    const tie = new Map<number, Entry>([[top.key, top]]);
    for (let next = this.heap.peek(); next !== undefined; next = this.heap.peek()) {
      if (this.isCurrent(next)) {
        if (next.count !== top.count || next.last !== top.last) break;
        tie.set(next.key, next);
      }
      this.heap.pop();
    }
    if (tie.size === 1) return top.key;
    const best = this.firstToFinish(top.last, new Set(tie.keys()));
    for (const [key, e] of tie) if (key !== best) this.heap.push(e);
    return best;
  }

  /** Among `keys`, all of whose last word is `i`, the pair whose last occurrence there is leftmost. */
  private firstToFinish(i: number, keys: Set<number>): number {
    const symbols = this.words[i].symbols;
    let best = -1;
    const seen = new Set<number>();
    for (let p = symbols.length - 2; p >= 0; p--) {
      const key = symbols[p] * KEY_SHIFT + symbols[p + 1];
      if (keys.has(key) && !seen.has(key)) {
        seen.add(key);
        best = key;
      }
    }
    if (best < 0) throw new Error('bpe: tied pairs missing from their last word');
    return best;
  }
}

/** The largest word index in `words`. */
function lastKey(words: Map<number, number>): number {
  let last = -1;
  for (const i of words.keys()) if (i > last) last = i;
  return last;
}

/** `symbols` with each adjacent (a, b), taken left to right without overlap, replaced by `ab`. */
function mergeIds(symbols: readonly number[], a: number, b: number, ab: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(ab);
      i++;
    } else {
      out.push(symbols[i]);
    }
  }
  return out;
}
