/**
 * Classification metrics computed as scikit-learn 1.2.1 computes them, so a score reported from
 * seqlab is comparable with published ones: accuracy, confusion matrix, per-class
 * precision/recall/F1, macro-F1, MCC, AUROC and average precision (ties included).
 *
 * Pure functions over plain or typed arrays. Labels are numbers; `classes` lists the labels in the
 * order rows and columns of a confusion matrix and per-class results follow. A label outside
 * `classes`, arrays of different lengths, or a non-finite score is a `SeqlabError` naming the
 * function and the position.
 *
 * Undefined values, chosen once here:
 * - a ratio with a zero denominator is 0 (scikit-learn's `zero_division="warn"`, which returns 0):
 *   precision of a class never predicted, recall of a class never true, F1 when P + R = 0, MCC when
 *   either variance term is 0;
 * - accuracy of no samples is NaN (a mean over nothing);
 * - AUROC needs both a positive and a negative, average precision needs a positive: otherwise NaN.
 *   scikit-learn raises for AUROC and for multiclass AP; for binary AP without positives it warns
 *   and returns 0, a number that means nothing, so NaN is returned here instead. A macro mean over
 *   classes with a NaN member is NaN.
 */
import { SeqlabError } from '../errors.js';

/** Class labels, or 0/1 indicators of the positive class: a plain or a typed array. */
export type Labels = ArrayLike<number>;

/** Precision, recall and F1 of one class, and its support (number of true samples). */
export interface ClassPrf {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** What `classificationReport` returns; the keys are the ones a JSON report carries. */
export interface ClassificationReport {
  accuracy: number;
  macro_f1: number;
  /** Binary: AUROC of class 1's score. Multiclass: one-vs-rest macro AUROC. */
  auroc: number;
  /** Binary: average precision of class 1's score. Multiclass: macro mean of per-class AP. */
  auprc: number;
  mcc: number;
  per_class: Record<string, ClassPrf>;
}

function checkLengths(metric: string, a: ArrayLike<unknown>, aName: string, b: ArrayLike<unknown>, bName: string): void {
  if (a.length !== b.length) {
    throw new SeqlabError(`${metric}: ${aName} has ${a.length} entries but ${bName} has ${b.length}`);
  }
}

/** Maps each label in `classes` to its position; duplicate classes are an error. */
function classPositions(metric: string, classes: readonly number[]): Map<number, number> {
  if (classes.length === 0) throw new SeqlabError(`${metric}: no classes given`);
  const positions = new Map<number, number>();
  classes.forEach((c, k) => {
    if (positions.has(c)) throw new SeqlabError(`${metric}: class ${c} is listed twice`);
    positions.set(c, k);
  });
  return positions;
}

function positionOf(metric: string, what: string, i: number, label: number, positions: Map<number, number>): number {
  const k = positions.get(label);
  if (k === undefined) throw new SeqlabError(`${metric}: ${what}[${i}] is ${label}, not one of the classes [${[...positions.keys()].join(', ')}]`);
  return k;
}

/** Accuracy = #{n : ŷ_n = y_n} / N; NaN when N = 0. */
export function accuracy(yTrue: Labels, yPred: Labels): number {
  checkLengths('accuracy', yTrue, 'yTrue', yPred, 'yPred');
  let correct = 0;
  for (let n = 0; n < yTrue.length; n++) if (yTrue[n] === yPred[n]) correct++;
  return correct / yTrue.length;
}

/**
 * Confusion matrix C, [K, K] for K = classes.length: C[i][j] = #{n : y_n = classes[i], ŷ_n = classes[j]}
 * (rows true, columns predicted, as scikit-learn's `confusion_matrix(labels=classes)`).
 */
export function confusionMatrix(yTrue: Labels, yPred: Labels, classes: readonly number[]): number[][] {
  const metric = 'confusionMatrix';
  checkLengths(metric, yTrue, 'yTrue', yPred, 'yPred');
  const positions = classPositions(metric, classes);
  const c = classes.map(() => new Array<number>(classes.length).fill(0)); // [K, K]
  for (let n = 0; n < yTrue.length; n++) {
    c[positionOf(metric, 'yTrue', n, yTrue[n], positions)][positionOf(metric, 'yPred', n, yPred[n], positions)]++;
  }
  return c;
}

/** a / b, or 0 when b = 0 (scikit-learn's zero_division behaviour). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Per-class P, R, F1 and support from a confusion matrix (rows true, columns predicted). */
function prfFromConfusion(c: number[][]): ClassPrf[] {
  return c.map((row, k) => {
    const tp = row[k];
    const support = row.reduce((s, x) => s + x, 0); // tp + fn
    const predicted = c.reduce((s, r) => s + r[k], 0); // tp + fp
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
}

/**
 * Per class k, in the order of `classes`:
 *   P_k = TP_k / (TP_k + FP_k),  R_k = TP_k / (TP_k + FN_k),  F1_k = 2·P_k·R_k / (P_k + R_k),
 *   support_k = TP_k + FN_k,
 * each 0 when its denominator is 0 (scikit-learn's `precision_recall_fscore_support`).
 */
export function perClassPrf(yTrue: Labels, yPred: Labels, classes: readonly number[]): ClassPrf[] {
  return prfFromConfusion(confusionMatrix(yTrue, yPred, classes));
}

/**
 * Macro-F1 = (1/K) Σ_k F1_k over all K listed classes, as `f1_score(average="macro", labels=classes)`:
 * a listed class that is neither true nor predicted counts with F1 = 0.
 */
export function macroF1(yTrue: Labels, yPred: Labels, classes: readonly number[]): number {
  const prf = perClassPrf(yTrue, yPred, classes);
  return prf.reduce((s, p) => s + p.f1, 0) / prf.length;
}

/** Binary F1 of the positive class 1 from 0/1 labels: 2·P·R / (P + R), as `f1_score`. */
export function f1(yTrue01: Labels, yPred01: Labels): number {
  return perClassPrf(yTrue01, yPred01, [0, 1])[1].f1;
}

/**
 * Matthews correlation coefficient, multiclass (Gorodkin, 2004) as scikit-learn's
 * `matthews_corrcoef`. With C the confusion matrix, t_k = Σ_j C[k][j] (true counts),
 * p_k = Σ_i C[i][k] (predicted counts), c = Σ_k C[k][k] and s = N:
 *   MCC = (c·s − Σ_k p_k·t_k) / √((s² − Σ_k p_k²) · (s² − Σ_k t_k²)),
 * and 0 when the denominator is 0. For two classes it is (TP·TN − FP·FN) / √(…) as usual.
 */
export function mcc(yTrue: Labels, yPred: Labels, classes: readonly number[]): number {
  const c = confusionMatrix(yTrue, yPred, classes);
  const t = c.map((row) => row.reduce((s, x) => s + x, 0));
  const p = c.map((_, k) => c.reduce((s, row) => s + row[k], 0));
  const s = yTrue.length;
  const correct = c.reduce((sum, row, k) => sum + row[k], 0);
  const dot = (a: number[], b: number[]) => a.reduce((sum, x, k) => sum + x * b[k], 0);
  const covTrueTrue = s * s - dot(t, t);
  const covPredPred = s * s - dot(p, p);
  const covTruePred = correct * s - dot(p, t);
  if (covTrueTrue * covPredPred === 0) return 0;
  return covTruePred / Math.sqrt(covTrueTrue * covPredPred);
}

/**
 * Cumulative true and false positives at each distinct score, highest first (scikit-learn's
 * `_binary_clf_curve`): tps[m] and fps[m] count the samples with score ≥ the m-th distinct
 * threshold. Tied samples enter together, so a tie is one point on the curve.
 */
function thresholdCounts(metric: string, yTrue01: Labels, scores: ArrayLike<number>): { tps: number[]; fps: number[] } {
  checkLengths(metric, yTrue01, 'yTrue', scores, 'scores');
  for (let n = 0; n < yTrue01.length; n++) {
    if (yTrue01[n] !== 0 && yTrue01[n] !== 1) throw new SeqlabError(`${metric}: yTrue[${n}] is ${yTrue01[n]}, not 0 or 1`);
    if (!Number.isFinite(scores[n])) throw new SeqlabError(`${metric}: scores[${n}] is ${scores[n]}, not a finite number`);
  }
  const order = Array.from({ length: scores.length }, (_, n) => n).sort((a, b) => scores[b] - scores[a]);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach((n, rank) => {
    if (yTrue01[n] === 1) tp++;
    else fp++;
    const last = rank === order.length - 1;
    if (last || scores[order[rank + 1]] !== scores[n]) {
      tps.push(tp);
      fps.push(fp);
    }
  });
  return { tps, fps };
}

/**
 * Area under the ROC curve, as `roc_auc_score`: the ROC points (FPR_m, TPR_m) = (fps_m / N⁻, tps_m / N⁺)
 * at each distinct threshold, from (0, 0), joined by straight lines:
 *   AUROC = Σ_m (FPR_m − FPR_{m−1}) · (TPR_m + TPR_{m−1}) / 2.
 * A tie between a positive and a negative so counts ½, as in the Mann–Whitney U statistic.
 * NaN unless both classes occur in `yTrue01`.
 */
export function auroc(yTrue01: Labels, scores: ArrayLike<number>): number {
  const { tps, fps } = thresholdCounts('auroc', yTrue01, scores);
  const positives = tps.length > 0 ? tps[tps.length - 1] : 0;
  const negatives = fps.length > 0 ? fps[fps.length - 1] : 0;
  if (positives === 0 || negatives === 0) return NaN;
  let area = 0; // in units of one positive × one negative
  let prevTp = 0;
  let prevFp = 0;
  tps.forEach((tp, m) => {
    area += ((fps[m] - prevFp) * (tp + prevTp)) / 2;
    prevTp = tp;
    prevFp = fps[m];
  });
  return area / (positives * negatives);
}

/**
 * Average precision, as `average_precision_score`: the step-wise (not trapezoidal) area under the
 * precision–recall curve over distinct thresholds m, highest first, with R_0 = 0:
 *   AP = Σ_m (R_m − R_{m−1}) · P_m,   P_m = tps_m / (tps_m + fps_m),  R_m = tps_m / N⁺.
 * Tied samples share one threshold, so their precision is that of the whole tied group.
 * NaN when `yTrue01` has no positive (see the file comment).
 */
export function averagePrecision(yTrue01: Labels, scores: ArrayLike<number>): number {
  const { tps, fps } = thresholdCounts('averagePrecision', yTrue01, scores);
  const positives = tps.length > 0 ? tps[tps.length - 1] : 0;
  if (positives === 0) return NaN;
  let ap = 0;
  let prevTp = 0;
  tps.forEach((tp, m) => {
    ap += ((tp - prevTp) / positives) * (tp / (tp + fps[m]));
    prevTp = tp;
  });
  return ap;
}

/** Checks `probs` is [N, K] with finite entries and `yTrue` holds class indices 0..K−1, K ≥ 2. */
function checkProbs(metric: string, yTrue: Labels, probs: readonly ArrayLike<number>[], numClasses: number): void {
  checkLengths(metric, yTrue, 'yTrue', probs, 'probs');
  if (numClasses < 2) throw new SeqlabError(`${metric}: need at least 2 classes, got ${numClasses}`);
  probs.forEach((row, n) => {
    if (row.length !== numClasses) throw new SeqlabError(`${metric}: probs[${n}] has ${row.length} entries, expected ${numClasses}`);
    for (let j = 0; j < numClasses; j++) {
      if (!Number.isFinite(row[j])) throw new SeqlabError(`${metric}: probs[${n}][${j}] is ${row[j]}, not a finite number`);
    }
    const y = yTrue[n];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new SeqlabError(`${metric}: yTrue[${n}] is ${y}, not a class index in 0..${numClasses - 1}`);
    }
  });
}

/** Macro mean over classes k of `score(1[y = k], probs[:, k])`: one-vs-rest. NaN without samples. */
function oneVsRestMean(metric: string, yTrue: Labels, probs: readonly ArrayLike<number>[], score: typeof auroc): number {
  if (yTrue.length === 0 && probs.length === 0) return NaN;
  const numClasses = probs.length > 0 ? probs[0].length : 0;
  checkProbs(metric, yTrue, probs, numClasses);
  let sum = 0;
  for (let k = 0; k < numClasses; k++) {
    const isK = Array.from(yTrue, (y) => (y === k ? 1 : 0));
    sum += score(isK, probs.map((row) => row[k]));
  }
  return sum / numClasses;
}

/**
 * One-vs-rest macro AUROC over classes 0..K−1, K = probs[0].length, as
 * `roc_auc_score(multi_class="ovr", average="macro")`: (1/K) Σ_k AUROC(1[y = k], probs[:, k]).
 * NaN when some class is absent from `yTrue` (scikit-learn raises) or there are no samples.
 */
export function aurocOvr(yTrue: Labels, probs: readonly ArrayLike<number>[]): number {
  return oneVsRestMean('aurocOvr', yTrue, probs, auroc);
}

/**
 * Macro average precision over classes 0..K−1, as multiclass `average_precision_score` (macro):
 * (1/K) Σ_k AP(1[y = k], probs[:, k]). NaN when some class is absent from `yTrue`.
 */
export function auprcMacro(yTrue: Labels, probs: readonly ArrayLike<number>[]): number {
  return oneVsRestMean('auprcMacro', yTrue, probs, averagePrecision);
}

/** Index of the largest entry, the first on a tie (numpy's `argmax`). */
function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}

/**
 * The metrics a classifier is reported with, from true class indices `yTrue` [N] and predicted
 * probabilities `probs` [N, K], K = classNames.length ≥ 2. Predictions are argmax over classes
 * (the first on a tie); with two classes, class 1 exactly when p_1 ≥ 0.5 (so a 0.5/0.5 tie is
 * class 1, and p_0 is not read). AUROC and AUPRC are of class 1's score for two classes, else the
 * one-vs-rest macro means. `per_class` is keyed by class name.
 */
export function classificationReport(yTrue: Labels, probs: readonly ArrayLike<number>[], classNames: readonly string[]): ClassificationReport {
  const metric = 'classificationReport';
  if (new Set(classNames).size !== classNames.length) throw new SeqlabError(`${metric}: class names repeat: ${classNames.join(', ')}`);
  const numClasses = classNames.length;
  checkProbs(metric, yTrue, probs, numClasses);
  const classes = classNames.map((_, k) => k);
  const binary = numClasses === 2;
  const yPred = probs.map((row) => (binary ? (row[1] >= 0.5 ? 1 : 0) : argmax(row)));
  const prf = perClassPrf(yTrue, yPred, classes);
  const positiveScores = probs.map((row) => row[1]);
  return {
    accuracy: accuracy(yTrue, yPred),
    macro_f1: prf.reduce((s, p) => s + p.f1, 0) / numClasses,
    auroc: binary ? auroc(yTrue, positiveScores) : aurocOvr(yTrue, probs),
    auprc: binary ? averagePrecision(yTrue, positiveScores) : auprcMacro(yTrue, probs),
    mcc: mcc(yTrue, yPred, classes),
    per_class: Object.fromEntries(classNames.map((name, k) => [name, prf[k]])),
  };
}
