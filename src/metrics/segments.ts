/**
 * Per-position tagging metrics that look at segments (runs of one label) rather than single
 * positions: region recall and the segment overlap score SOV (Zemla et al., 1999, the SOV'99
 * definition used in secondary-structure assessment).
 *
 * Positions may be masked out with a mask array of the same length, 0 meaning ignored (padding,
 * unresolved residues): a masked position belongs to no segment and splits the run it falls in.
 * Arrays of different lengths are a `SeqlabError` naming the function.
 */
import { SeqlabError } from '../errors.js';

/** A maximal run of one label over positions start..end−1 (end exclusive). */
export interface Segment {
  label: number;
  start: number;
  end: number;
}

/** SOV on the 0-100 scale, over all scored labels and per label. */
export interface SovScore {
  overall: number;
  perLabel: Record<number, number>;
}

export interface SovOptions {
  /** 0 marks a position to ignore. Default: every position counts. */
  mask?: ArrayLike<number>;
  /** Labels (states) to score. Default: those at unmasked positions of `trueLabels`, ascending. */
  labels?: readonly number[];
}

function checkLengths(metric: string, trueLabels: ArrayLike<number>, predLabels: ArrayLike<number>, mask?: ArrayLike<number>): void {
  if (predLabels.length !== trueLabels.length) {
    throw new SeqlabError(`${metric}: trueLabels has ${trueLabels.length} positions but predLabels has ${predLabels.length}`);
  }
  if (mask !== undefined && mask.length !== trueLabels.length) {
    throw new SeqlabError(`${metric}: mask has ${mask.length} positions but the labels have ${trueLabels.length}`);
  }
}

/**
 * The maximal runs of equal labels, in order, over the unmasked positions (mask[i] = 0 ends a run
 * and starts none). `segmentsOf([1, 1, 2, 2, 2])` is `[{label 1, 0..2}, {label 2, 2..5}]`.
 */
export function segmentsOf(labels: ArrayLike<number>, mask?: ArrayLike<number>): Segment[] {
  if (mask !== undefined && mask.length !== labels.length) {
    throw new SeqlabError(`segmentsOf: mask has ${mask.length} positions but labels has ${labels.length}`);
  }
  const segments: Segment[] = [];
  let open: Segment | undefined;
  for (let i = 0; i < labels.length; i++) {
    if (mask !== undefined && mask[i] === 0) {
      open = undefined;
    } else if (open !== undefined && open.label === labels[i]) {
      open.end = i + 1;
    } else {
      open = { label: labels[i], start: i, end: i + 1 };
      segments.push(open);
    }
  }
  return segments;
}

/**
 * Region recall of `label`: the fraction of its true segments s that the prediction covers,
 *   #{s : |{i ∈ s : ŷ_i = label}| ≥ minOverlap · |s|} / #{s},
 * with segments split at masked positions. Default minOverlap 0.5. NaN when `label` has no true
 * segment.
 */
export function regionRecall(
  trueLabels: ArrayLike<number>,
  predLabels: ArrayLike<number>,
  label: number,
  minOverlap = 0.5,
  mask?: ArrayLike<number>,
): number {
  checkLengths('regionRecall', trueLabels, predLabels, mask);
  if (!(minOverlap >= 0 && minOverlap <= 1)) throw new SeqlabError(`regionRecall: minOverlap is ${minOverlap}, not in [0, 1]`);
  const regions = segmentsOf(trueLabels, mask).filter((s) => s.label === label);
  let found = 0;
  for (const s of regions) {
    let covered = 0;
    for (let i = s.start; i < s.end; i++) if (predLabels[i] === label) covered++;
    if (covered >= minOverlap * (s.end - s.start)) found++;
  }
  return found / regions.length;
}

/** Σ over overlapping pairs of the SOV'99 term, and the normaliser N, for one label. */
function sovSums(observed: Segment[], predicted: Segment[]): { sum: number; n: number } {
  let sum = 0;
  let n = 0;
  let first = 0; // both lists are sorted and disjoint, so the overlap window only moves right
  for (const s1 of observed) {
    const len1 = s1.end - s1.start;
    while (first < predicted.length && predicted[first].end <= s1.start) first++;
    let overlapping = 0;
    for (let j = first; j < predicted.length && predicted[j].start < s1.end; j++) {
      const s2 = predicted[j];
      const len2 = s2.end - s2.start;
      const minov = Math.min(s1.end, s2.end) - Math.max(s1.start, s2.start);
      const maxov = Math.max(s1.end, s2.end) - Math.min(s1.start, s2.start);
      const delta = Math.min(maxov - minov, minov, Math.floor(len1 / 2), Math.floor(len2 / 2));
      sum += ((minov + delta) / maxov) * len1;
      n += len1;
      overlapping++;
    }
    if (overlapping === 0) n += len1;
  }
  return { sum, n };
}

/**
 * Segment overlap score SOV'99 (Zemla, Venclovas, Fidelis & Rost, 1999). For a label (state) i,
 * with observed segments s1 and predicted segments s2 of that label:
 *   S(i)  = pairs (s1, s2) that share at least one position,
 *   S'(i) = observed s1 that no predicted s2 overlaps,
 *   minov = |s1 ∩ s2|,  maxov = |s1 ∪ s2| (the span from the first to the last position of either),
 *   δ     = min(maxov − minov, minov, ⌊len(s1)/2⌋, ⌊len(s2)/2⌋),
 *   N(i)  = Σ_{S(i)} len(s1) + Σ_{S'(i)} len(s1),
 *   SOV(i) = 100 / N(i) · Σ_{S(i)} (minov + δ) / maxov · len(s1),
 * and the overall SOV sums numerator and N over all scored labels before dividing. An observed
 * segment overlapped by two predictions counts its length twice in N. SOV(i) is NaN for a label
 * with no observed segment, and `overall` NaN when nothing is observed.
 */
export function sov(trueLabels: ArrayLike<number>, predLabels: ArrayLike<number>, options: SovOptions = {}): SovScore {
  const { mask } = options;
  checkLengths('sov', trueLabels, predLabels, mask);
  const observed = segmentsOf(trueLabels, mask);
  const predicted = segmentsOf(predLabels, mask);
  const labels = options.labels ?? [...new Set(observed.map((s) => s.label))].sort((a, b) => a - b);
  const perLabel: Record<number, number> = {};
  let sum = 0;
  let n = 0;
  for (const label of labels) {
    const parts = sovSums(
      observed.filter((s) => s.label === label),
      predicted.filter((s) => s.label === label),
    );
    perLabel[label] = (100 * parts.sum) / parts.n;
    sum += parts.sum;
    n += parts.n;
  }
  return { overall: (100 * sum) / n, perLabel };
}
