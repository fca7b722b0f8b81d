/**
 * Machine-translation metrics computed exactly as sacreBLEU 2.5.1 does under its defaults, so a
 * score reported from seqlab is comparable with published ones: corpus and sentence BLEU (13a
 * tokenizer, `exp` smoothing), chrF and chrF++, each with sacreBLEU's signature string.
 *
 * Classification metrics computed as scikit-learn 1.2.1 does (accuracy, per-class P/R/F1, macro-F1,
 * MCC, AUROC and average precision with its tie handling), and segment-level tagging metrics
 * (region recall, SOV'99).
 */
export {
  SACREBLEU_VERSION,
  bleuFromStats,
  bleuSignature,
  corpusBleu,
  defaultBleuOptions,
  sentenceBleu,
  type BleuOptions,
  type BleuScore,
  type BleuSmoothing,
  type BleuStats,
} from './bleu.js';
export {
  chrfFromStats,
  chrfSignature,
  chrfWords,
  corpusChrf,
  defaultChrfOptions,
  sentenceChrf,
  type ChrfOptions,
  type ChrfScore,
} from './chrf.js';
export { tokenize13a } from './tokenize-13a.js';
export {
  accuracy,
  auprcMacro,
  auroc,
  aurocOvr,
  averagePrecision,
  classificationReport,
  confusionMatrix,
  f1,
  macroF1,
  mcc,
  perClassPrf,
  type ClassPrf,
  type ClassificationReport,
  type Labels,
} from './classification.js';
export { regionRecall, segmentsOf, sov, type Segment, type SovOptions, type SovScore } from './segments.js';
