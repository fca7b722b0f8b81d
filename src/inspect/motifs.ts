/**
 * Motifs a trained sequence model has learnt, as position weight matrices (PWMs) that
 * `sequenceLogo` draws and `formatMeme` writes for the MEME suite (Tomtom against JASPAR, …).
 * Pure functions over typed arrays: the caller runs the model and hands over what it recorded,
 * so nothing here knows about models.
 *
 * - `pwmFromActivations`: one motif per filter of a first convolution layer, from the windows
 *   that activate it strongly (Basset, Kelley et al. 2016; DeepBind, Alipanahi et al. 2015).
 * - `pwmFromSaliency`: one motif from per-position importance (saliency, gradient × input).
 * - `informationContent`: bits per column, what a logo stacks.
 *
 * Sequences are alphabet indices (`Uint8Array`, one per sequence, lengths may differ). A PWM is
 * [width][letters]: each row a probability distribution over the known letters, in alphabet
 * order with the unknown letter (N for DNA, X for protein) left out.
 */
import { SeqlabError } from '../errors.js';

/** A motif as a probability matrix: what the logo draws and the MEME file holds. */
export interface Motif {
  name: string;
  /** The PWM's columns, in order: the alphabet without its unknown letter. */
  letters: string;
  /** [width][letters.length]; each row sums to 1. */
  pwm: number[][];
  /** How many windows were counted (0: none, and the PWM is uniform). */
  sites: number;
}

/** The sequences and their alphabet, shared by both ways of finding motifs. */
export interface MotifSequences {
  /** One sequence per entry, as indices into `letters`. */
  ids: readonly Uint8Array[];
  /** The alphabet: `ids` values index it (e.g. 'ACGTN'). */
  letters: string;
  /** Index of the unknown letter (N, X) in `letters`: never counted. Default: none. */
  unknown?: number;
}

export interface ActivationMotifInput extends MotifSequences {
  /** Per sequence, the first layer's output [filters, L'] row-major (one row per filter). */
  activations: readonly Float32Array[];
  /** Number of filters (the rows of each activation array). */
  filters: number;
  /** The convolution's kernel width: the motif width. */
  kernel: number;
  /**
   * How far the activation index is shifted left of its window: output t covers the input
   * positions [t − offset, t − offset + kernel). 0 for 'valid'; the left padding for 'same'
   * (⌊(kernel − 1) / 2⌋ in PyTorch). Default 0.
   */
  offset?: number;
  /** A window counts when its activation is ≥ threshold × the filter's maximum over all sequences. Default 0.5. */
  threshold?: number;
}

export interface SaliencyMotifInput extends MotifSequences {
  /** Per sequence, one importance value per position (same length as the sequence). */
  importance: readonly (ArrayLike<number>)[];
  /** The motif width W. */
  width: number;
  /** The motif's name; default 'saliency'. */
  name?: string;
}

/** The known letters and, for each alphabet index, its PWM column (−1 for the unknown letter). */
function columnsOf(letters: string, unknown: number): { known: string; column: Int32Array } {
  const chars = [...letters];
  if (unknown !== -1 && !(Number.isInteger(unknown) && unknown >= 0 && unknown < chars.length)) {
    throw new SeqlabError(`motifs: unknown index ${unknown} is not a letter of '${letters}'`);
  }
  const column = new Int32Array(chars.length);
  let k = 0;
  for (let i = 0; i < chars.length; i++) column[i] = i === unknown ? -1 : k++;
  return { known: chars.filter((_, i) => i !== unknown).join(''), column };
}

/**
 * Adds the letters of ids[start, start + width) to counts ([width][A]): positions off the
 * sequence or holding the unknown letter add nothing.
 */
function countWindow(counts: number[][], ids: Uint8Array, start: number, column: Int32Array): void {
  for (let j = 0; j < counts.length; j++) {
    const p = start + j;
    if (p < 0 || p >= ids.length) continue;
    const c = column[ids[p]];
    if (c === undefined) throw new SeqlabError(`motifs: letter index ${ids[p]} at position ${p} is outside the alphabet`);
    if (c >= 0) counts[j][c] += 1;
  }
}

/** Counts → probabilities per row; a row with no counts becomes uniform. */
function normalise(counts: number[][]): number[][] {
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? row.map((v) => v / total) : row.map(() => 1 / row.length);
  });
}

const zeros = (width: number, letters: number): number[][] => Array.from({ length: width }, () => new Array<number>(letters).fill(0));

/**
 * One motif per first-layer filter: every window whose activation reaches `threshold` × the
 * filter's maximum (over all sequences and positions) adds its letters to the filter's counts,
 * which become the PWM. Overlapping windows all count, as in Basset. Windows that run off the
 * sequence (padding) or hold the unknown letter count only their known letters. A filter whose
 * maximum is ≤ 0 (it never fires after a ReLU) has no sites: a uniform PWM and `sites` 0.
 *
 * Returns motifs named `filter<k>` (k from 0), each [kernel][known letters].
 */
export function pwmFromActivations(input: ActivationMotifInput): Motif[] {
  const { ids, activations, filters, kernel, offset = 0, threshold = 0.5 } = input;
  const { known, column } = columnsOf(input.letters, input.unknown ?? -1);
  if (activations.length !== ids.length) throw new SeqlabError(`pwmFromActivations: ${activations.length} activation arrays for ${ids.length} sequences`);
  if (!(Number.isInteger(kernel) && kernel > 0)) throw new SeqlabError(`pwmFromActivations: kernel ${kernel} is not a positive integer`);
  if (!(Number.isInteger(filters) && filters > 0)) throw new SeqlabError(`pwmFromActivations: filters ${filters} is not a positive integer`);
  const lengths = activations.map((a, s) => {
    if (a.length % filters !== 0) throw new SeqlabError(`pwmFromActivations: sequence ${s}'s activations (${a.length} values) do not split into ${filters} filters`);
    return a.length / filters;
  });
  const motifs: Motif[] = [];
  for (let f = 0; f < filters; f++) {
    let max = -Infinity;
    activations.forEach((a, s) => {
      for (let t = 0; t < lengths[s]; t++) max = Math.max(max, a[f * lengths[s] + t]);
    });
    if (Number.isNaN(max)) throw new SeqlabError(`pwmFromActivations: filter ${f} has a NaN activation`);
    const counts = zeros(kernel, known.length);
    let sites = 0;
    if (max > 0) {
      const cut = threshold * max;
      activations.forEach((a, s) => {
        for (let t = 0; t < lengths[s]; t++) {
          if (a[f * lengths[s] + t] < cut) continue;
          countWindow(counts, ids[s], t - offset, column);
          sites++;
        }
      });
    }
    motifs.push({ name: `filter${f}`, letters: known, pwm: normalise(counts), sites });
  }
  return motifs;
}

/**
 * One motif from importance tracks: in each sequence, the window of `width` positions (wholly
 * inside it) whose importance sums highest, the leftmost on ties; the letters of these windows,
 * counted per column, make the PWM. The importance is summed as given, so pass |saliency| to
 * rank by magnitude, or gradient × input to rank by support for the output. Sequences shorter
 * than `width` are skipped; `sites` is the number of windows counted.
 */
export function pwmFromSaliency(input: SaliencyMotifInput): Motif {
  const { ids, importance, width } = input;
  const { known, column } = columnsOf(input.letters, input.unknown ?? -1);
  if (importance.length !== ids.length) throw new SeqlabError(`pwmFromSaliency: ${importance.length} importance tracks for ${ids.length} sequences`);
  if (!(Number.isInteger(width) && width > 0)) throw new SeqlabError(`pwmFromSaliency: width ${width} is not a positive integer`);
  const counts = zeros(width, known.length);
  let sites = 0;
  ids.forEach((seq, s) => {
    const imp = importance[s];
    if (imp.length !== seq.length) throw new SeqlabError(`pwmFromSaliency: sequence ${s} has ${seq.length} positions but ${imp.length} importance values`);
    if (seq.length < width) return;
    // A sliding sum: window [start, start + width).
    let sum = 0;
    for (let p = 0; p < width; p++) sum += imp[p];
    let best = sum;
    let bestStart = 0;
    for (let start = 1; start + width <= seq.length; start++) {
      sum += imp[start + width - 1] - imp[start - 1];
      if (sum > best) [best, bestStart] = [sum, start];
    }
    countWindow(counts, seq, bestStart, column);
    sites++;
  });
  return { name: input.name ?? 'saliency', letters: known, pwm: normalise(counts), sites };
}

/**
 * Information content per column, in bits: log2(A) − H(p), with H(p) = −Σ p log2 p (0 log 0 = 0)
 * and A the number of letters. No small-sample correction. 0 for a uniform column, log2(A) for
 * a certain one.
 */
export function informationContent(pwm: readonly (readonly number[])[]): number[] {
  return pwm.map((row) => {
    let h = 0;
    for (const p of row) if (p > 0) h -= p * Math.log2(p);
    return Math.log2(row.length) - h;
  });
}

/** The most probable letter of each column (the first on ties). */
export function consensus(motif: Pick<Motif, 'letters' | 'pwm'>): string {
  const chars = [...motif.letters];
  return motif.pwm.map((row) => chars[row.indexOf(Math.max(...row))]).join('');
}
