/**
 * Predictions of a trained biology model: class probabilities of whole sequences (averaged over
 * both strands for DNA when the model was trained so), and per-position label probabilities of
 * sequences of any length, predicted in overlapping windows and stitched back together.
 */
import type { SequenceNet } from '../../models/sequence-net.js';
import { softmax } from '../../nn/functional.js';
import { noGrad } from '../../tensor/autograd.js';
import { inOrder, padSequences, reverseComplement } from './batches.js';

/** Sequences per forward pass when predicting. */
const PREDICT_BATCH = 128;

/** What prediction needs besides the network. */
export interface PredictContext {
  net: SequenceNet;
  /** The padding id (the alphabet's size). */
  pad: number;
  /** DNA complement of each letter id, when both strands are averaged; else null. */
  complement: Uint8Array | null;
}

/** Softmax probabilities [N][C] of one forward pass over padded sequences. */
function forwardProbs(ctx: PredictContext, seqs: readonly Uint8Array[]): Float32Array[] {
  const b = padSequences(seqs, ctx.pad);
  const probs = softmax(ctx.net.forward(b), -1).data;
  const classes = ctx.net.config.classes;
  return seqs.map((_, i) => probs.slice(i * classes, (i + 1) * classes));
}

/**
 * Class probabilities of each sequence [N][C]: p(x), or ½(p(x) + p(rc(x))) with a complement,
 * which is the same for a sequence and its reverse complement (strand-symmetric).
 */
export function classifyProbs(ctx: PredictContext, seqs: readonly Uint8Array[]): Float32Array[] {
  return noGrad(() => {
    const out: Float32Array[] = [];
    for (const chunk of inOrder(seqs, PREDICT_BATCH)) {
      const fwd = forwardProbs(ctx, chunk);
      if (ctx.complement) {
        const rev = forwardProbs(ctx, chunk.map((s) => reverseComplement(s, ctx.complement!)));
        fwd.forEach((p, i) => p.forEach((v, c) => { p[c] = (v + rev[i][c]) / 2; }));
      }
      out.push(...fwd);
    }
    return out;
  });
}

/** A window of one sequence: where it starts and which of its positions it is trusted for. */
export interface Window {
  start: number;
  end: number;
  /** Positions [keepStart, keepEnd) of the sequence take this window's prediction. */
  keepStart: number;
  keepEnd: number;
}

/**
 * Overlapping windows over a sequence of `length`: each `window` long, stepping by
 * window − 2·margin, each trusted for its middle (its first and last `margin` positions belong
 * to the neighbours, except at the sequence's ends). A sequence no longer than `window` is one
 * window. Every position is kept by exactly one window.
 */
export function windowsOf(length: number, window: number, margin: number): Window[] {
  if (length <= window) return [{ start: 0, end: length, keepStart: 0, keepEnd: length }];
  const m = Math.min(margin, Math.floor((window - 1) / 2));
  const step = window - 2 * m;
  const out: Window[] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(length, start + window);
    const s = end - start < window ? Math.max(0, end - window) : start; // the last window ends at the sequence's end
    const keepStart = out.length === 0 ? 0 : out[out.length - 1].keepEnd;
    const last = end === length;
    out.push({ start: s, end, keepStart, keepEnd: last ? length : start + window - m });
    if (last) break;
  }
  return out;
}

/**
 * Per-position label probabilities [L·C] (row-major) of each sequence, predicted window by
 * window (`windowsOf`) and stitched: each position takes the probabilities of the window it is
 * most central in. With a margin at least the model's receptive half-width, the result equals
 * predicting the whole sequence at once.
 */
export function tagProbs(ctx: PredictContext, seqs: readonly Uint8Array[], window: number, margin: number): Float32Array[] {
  const classes = ctx.net.config.classes;
  const jobs: { seq: number; w: Window }[] = [];
  seqs.forEach((s, i) => { for (const w of windowsOf(s.length, window, margin)) jobs.push({ seq: i, w }); });
  const out = seqs.map((s) => new Float32Array(s.length * classes));
  noGrad(() => {
    for (const chunk of inOrder(jobs, Math.max(1, Math.floor(PREDICT_BATCH * 64 / window)))) {
      const pieces = chunk.map((j) => seqs[j.seq].subarray(j.w.start, j.w.end));
      const b = padSequences(pieces, ctx.pad);
      const probs = softmax(ctx.net.forward(b), -1).data; // [B, L, C]
      chunk.forEach((j, bi) => {
        const from = (bi * b.length + (j.w.keepStart - j.w.start)) * classes;
        out[j.seq].set(probs.subarray(from, from + (j.w.keepEnd - j.w.keepStart) * classes), j.w.keepStart * classes);
      });
    }
  });
  return out;
}

/** The most probable class of each row of a flat [N·C] array. */
export function argmaxRows(probs: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(probs.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[i * classes + c] > probs[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}
