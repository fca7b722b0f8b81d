/**
 * `seqlab annotate`: a biology model's predictions on new sequences. A classifier gives one row
 * per sequence (id, label, p_<class>); a tagger gives the predicted regions, each a maximal run
 * of one label (the background label excepted), scored by the mean probability of that label
 * over the run. With saliency, each sequence also gets an in-silico mutagenesis track.
 */
import type { Alphabet } from '../../data/alphabet.js';
import type { BedRegion } from '../../data/bed.js';
import { SeqlabError } from '../../errors.js';
import { inSilicoMutagenesis } from '../../inspect/saliency.js';
import { segmentsOf } from '../../metrics/segments.js';
import { argmaxRows, classifyProbs, type PredictContext, tagProbs } from './predict.js';
import type { BioSettings } from './config.js';
import { backgroundLabel } from './evaluate.js';

/** Longest sequence a tagger computes saliency for (ISM costs one prediction of the whole sequence per mutant). */
export const TAG_SALIENCY_MAX = 2000;

export interface ClassifyRow {
  id: string;
  label: string;
  probs: number[];
}

/** One sequence's importance per position (saliency.ts), and the score it explains. */
export interface SaliencyTrack {
  id: string;
  /** What the score is: `log p(<class>)` of the sequence, or the mean over positions of the predicted labels' log p. */
  score: string;
  importance: number[];
  /** Δ score per position and letter, [L][letters]. */
  delta: number[][];
}

export type Annotation =
  | { kind: 'classify'; classes: string[]; letters: string; rows: ClassifyRow[]; saliency?: SaliencyTrack[] }
  | { kind: 'tag'; classes: string[]; letters: string; regions: BedRegion[]; saliency?: SaliencyTrack[] };

export interface AnnotateInput {
  ids: string[];
  seqs: Uint8Array[];
}

function mutateTo(alphabet: Alphabet): number[] {
  return [...alphabet.letters].map((_, i) => i).filter((i) => i !== alphabet.unknown);
}

function rows2d(flat: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += width) out.push(Array.from(flat.subarray(i, i + width), (v) => Number(v.toFixed(5))));
  return out;
}

export function annotateClassify(ctx: PredictContext, input: AnnotateInput, classes: string[], alphabet: Alphabet, saliency: boolean): Annotation {
  const probs = classifyProbs(ctx, input.seqs);
  const rows = input.ids.map((id, i) => {
    const p = Array.from(probs[i]);
    return { id, label: classes[argmaxRows(probs[i], classes.length)[0]], probs: p };
  });
  const out: Annotation = { kind: 'classify', classes, letters: alphabet.letters, rows };
  if (saliency) {
    out.saliency = input.seqs.map((seq, i) => {
      const c = classes.indexOf(rows[i].label);
      const s = inSilicoMutagenesis(seq, alphabet.size, mutateTo(alphabet), (batch) => classifyProbs(ctx, batch).map((p) => Math.log(Math.max(p[c], 1e-12))));
      return { id: input.ids[i], score: `log p(${classes[c]})`, importance: Array.from(s.importance), delta: rows2d(s.delta, alphabet.size) };
    });
  }
  return out;
}

/** Maximal runs of each predicted label but the background, as BED regions scored by their mean probability. */
export function regionsOf(id: string, probs: Float32Array, classes: readonly string[], background: number): BedRegion[] {
  const k = classes.length;
  return segmentsOf(argmaxRows(probs, k)).filter((seg) => seg.label !== background).map((seg) => {
    let total = 0;
    for (let i = seg.start; i < seg.end; i++) total += probs[i * k + seg.label];
    return { chrom: id, start: seg.start, end: seg.end, name: classes[seg.label], prob: total / (seg.end - seg.start) };
  });
}

export function annotateTag(ctx: PredictContext, input: AnnotateInput, classes: string[], alphabet: Alphabet, settings: BioSettings,
  saliency: boolean): Annotation {
  const probs = tagProbs(ctx, input.seqs, settings.window, settings.margin);
  const background = backgroundLabel(settings, classes);
  const regions = input.ids.flatMap((id, i) => regionsOf(id, probs[i], classes, background));
  const out: Annotation = { kind: 'tag', classes, letters: alphabet.letters, regions };
  if (saliency) {
    out.saliency = input.seqs.map((seq, i) => {
      if (seq.length > TAG_SALIENCY_MAX) {
        throw new SeqlabError(`record '${input.ids[i]}' has ${seq.length} positions; tagger saliency is computed for sequences up to ${TAG_SALIENCY_MAX}`);
      }
      const pred = argmaxRows(probs[i], classes.length);
      const score = (batch: readonly Uint8Array[]): number[] => tagProbs(ctx, batch, settings.window, settings.margin).map((p) => {
        let total = 0;
        for (let t = 0; t < pred.length; t++) total += Math.log(Math.max(p[t * classes.length + pred[t]], 1e-12));
        return total / pred.length;
      });
      const s = inSilicoMutagenesis(seq, alphabet.size, mutateTo(alphabet), score, 64);
      return { id: input.ids[i], score: 'mean log p(predicted label)', importance: Array.from(s.importance), delta: rows2d(s.delta, alphabet.size) };
    });
  }
  return out;
}

/** The JSON answer: classifier rows with `p_<class>` keys, or regions; saliency tracks when computed. */
export function annotationJson(a: Annotation): Record<string, unknown> {
  const body = a.kind === 'classify'
    ? { rows: a.rows.map((r) => ({ id: r.id, label: r.label, ...Object.fromEntries(a.classes.map((c, i) => [`p_${c}`, r.probs[i]])) })) }
    : { regions: a.regions.map((r) => ({ chrom: r.chrom, start: r.start, end: r.end, label: r.name, score: r.prob })) };
  return { task: a.kind, classes: a.classes, ...body, ...(a.saliency ? { saliency: a.saliency } : {}) };
}
