/**
 * `seqlab eval` of biology models. classify: accuracy, macro-F1, per-class precision/recall/F1,
 * AUROC (one-vs-rest macro beyond two classes), AUPRC (average precision) and MCC, as
 * scikit-learn computes them. tag: per-position accuracy, macro-F1 and per-label F1 over the
 * scored positions, SOV (segment overlap, Zemla et al. 1999), and each label's region recall
 * (the share of true regions at least half covered by the prediction).
 */
import { classificationReport, macroF1, perClassPrf, accuracy as accuracyOf } from '../../metrics/classification.js';
import { regionRecall, segmentsOf, sov } from '../../metrics/segments.js';
import { argmaxRows, classifyProbs, type PredictContext, tagProbs } from './predict.js';
import type { BioSettings } from './config.js';
import { IGNORE, type ClassifyExample, type TagExample } from './batches.js';

/** Labels conventionally meaning "nothing here", in the order `background` looks for them. */
const BACKGROUND_NAMES = ['-', 'N', '.'];

/** The label never reported as a region: the setting, else the first conventional one present, else none. */
export function backgroundLabel(settings: BioSettings, classes: readonly string[]): number {
  if (settings.background !== '') return classes.indexOf(settings.background);
  for (const name of BACKGROUND_NAMES) if (classes.includes(name)) return classes.indexOf(name);
  return -1;
}

export function evaluateClassify(ctx: PredictContext, examples: readonly ClassifyExample[], classes: readonly string[]): Record<string, number> {
  const probs = classifyProbs(ctx, examples.map((e) => e.ids));
  const report = classificationReport(examples.map((e) => e.label), probs, classes);
  const out: Record<string, number> = { sequences: examples.length, accuracy: report.accuracy, macro_f1: report.macro_f1,
    auroc: report.auroc, auprc: report.auprc, mcc: report.mcc };
  for (const [name, prf] of Object.entries(report.per_class)) {
    out[`precision_${name}`] = prf.precision;
    out[`recall_${name}`] = prf.recall;
    out[`f1_${name}`] = prf.f1;
  }
  return out;
}

export function evaluateTag(ctx: PredictContext, examples: readonly TagExample[], classes: readonly string[], settings: BioSettings): Record<string, number> {
  const probs = tagProbs(ctx, examples.map((e) => e.ids), settings.window, settings.margin);
  const truth: number[] = [];
  const pred: number[] = [];
  let sovNum = 0;
  let sovDen = 0;
  const background = backgroundLabel(settings, classes);
  const recall = classes.map(() => ({ sum: 0, n: 0 }));
  examples.forEach((e, i) => {
    const p = argmaxRows(probs[i], classes.length);
    const mask = Int8Array.from(e.targets, (t) => (t === IGNORE ? 0 : 1));
    const t = Int32Array.from(e.targets, (v) => (v === IGNORE ? 0 : v));
    for (let k = 0; k < t.length; k++) {
      if (!mask[k]) continue;
      truth.push(t[k]);
      pred.push(p[k]);
    }
    const s = sov(t, p, { mask });
    const scored = mask.reduce((a, b) => a + b, 0);
    if (Number.isFinite(s.overall)) {
      sovNum += s.overall * scored;
      sovDen += scored;
    }
    const truthRegions = segmentsOf(t, mask);
    classes.forEach((_, c) => {
      if (c === background) return;
      const r = regionRecall(t, p, c, 0.5, mask);
      if (Number.isNaN(r)) return;
      const regions = truthRegions.filter((seg) => seg.label === c).length;
      recall[c].sum += r * regions;
      recall[c].n += regions;
    });
  });
  const ids = classes.map((_, c) => c);
  const out: Record<string, number> = { sequences: examples.length, positions: truth.length, accuracy: accuracyOf(truth, pred),
    macro_f1: macroF1(truth, pred, ids), sov: sovDen > 0 ? sovNum / sovDen : NaN };
  perClassPrf(truth, pred, ids).forEach((prf, c) => { out[`f1_${classes[c]}`] = prf.f1; });
  recall.forEach((r, c) => { if (r.n > 0) out[`region_recall_${classes[c]}`] = r.sum / r.n; });
  return out;
}
