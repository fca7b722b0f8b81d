/**
 * Machine-translation metrics computed exactly as sacreBLEU 2.5.1 does under its defaults, so a
 * score reported from seqlab is comparable with published ones: corpus and sentence BLEU (13a
 * tokenizer, `exp` smoothing), chrF and chrF++, each with sacreBLEU's signature string.
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
