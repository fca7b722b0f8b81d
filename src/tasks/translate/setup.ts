/**
 * Building a translation run: pairs read and held out, BPE learned on the training side(s),
 * sentences filtered and bucketed, and the model of the requested family.
 */
import { BpeTokenizer } from '../../data/bpe-tokenizer.js';
import type { Tokenizer } from '../../data/tokenizer.js';
import { ConfigError, checkRange, checkWhole, resolveConfig, splitSettings } from '../../config/resolve.js';
import { checkSizes } from '../../config/limits.js';
import { defaultRnnSeq2SeqConfig, resolveRnnSeq2SeqConfig, RnnSeq2Seq } from '../../models/rnn-seq2seq.js';
import type { Seq2Seq } from '../../models/seq2seq.js';
import { defaultTransformerSeq2SeqConfig, resolveTransformerSeq2SeqConfig, TransformerSeq2Seq } from '../../models/transformer-seq2seq.js';
import { crossEntropy } from '../../nn/functional.js';
import { reshape } from '../../ops/shape-ops.js';
import type { DataSource } from '../../store/store.js';
import { noGrad } from '../../tensor/autograd.js';
import { Rng } from '../../tensor/random.js';
import type { Trainable, TrainerConfig } from '../../train/trainer.js';
import type { TaskRun, TrainRequest } from '../task.js';
import { type Example, IGNORE, pairBatch, tokenBuckets } from './batches.js';
import { checkSeq2SeqKeys, checkSeq2SeqSizes, defaultTranslateSettings, defaultTranslateTokenizer, TRANSLATE_ARCHS, type TranslateArch, type TranslateSettings,
  type TranslateTaskConfig, type TranslateTokenizerSettings } from './config.js';
import { filterPairs, type Pair, readPairs } from './pairs.js';
import { translateTexts, type TranslatorContext } from './translator.js';
import { corpusBleu } from '../../metrics/bleu.js';

/** Model settings a user may give, per family (the vocabularies and padding come from the data). */
function modelDefaults(arch: TranslateArch): Record<string, unknown> {
  const { sourceVocab: _s, targetVocab: _t, padId: _p, ...rest } = arch === 'transformer' ? defaultTransformerSeq2SeqConfig : defaultRnnSeq2SeqConfig;
  return rest;
}

/**
 * The recipe per family: model overrides over the family defaults, and the trainer's settings.
 * Every family warms up, then decays linearly to zero at the end of the run (its steps, or the
 * time budget: train/schedule.ts), which beats a constant or inverse-square-root rate when the
 * run is short. The Transformer is width 128 (feed-forward 512): on two CPU cores width 256 takes
 * twice as long a step and sees half the data in a half-hour budget (README: the
 * German-to-English figures).
 */
const RECIPES: Record<TranslateArch, { model: Record<string, unknown>; trainer: Partial<TrainerConfig> }> = {
  'rnn-attention': { model: { attention: 'additive' }, trainer: { lr: 1e-3, evalEvery: 500, schedule: 'linear', warmupSteps: 200 } },
  rnn: { model: { attention: 'none' }, trainer: { lr: 1e-3, evalEvery: 500, schedule: 'linear', warmupSteps: 200 } },
  transformer: { model: { dModel: 128, dimFeedforward: 512 }, trainer: { lr: 1e-3, evalEvery: 500, schedule: 'linear', warmupSteps: 400 } },
};

/** Builds the model of `arch` over the given (resolved) settings. */
export function buildSeq2Seq(arch: TranslateArch, model: Record<string, unknown>, rng: Rng): Seq2Seq {
  return arch === 'transformer' ? new TransformerSeq2Seq(model, rng) : new RnnSeq2Seq(model, rng);
}

function learnTokenizers(pairs: readonly Pair[], t: TranslateTokenizerSettings): { source: Tokenizer; target: Tokenizer } {
  const srcText = pairs.map((p) => p.src).join('\n');
  const tgtText = pairs.map((p) => p.tgt).join('\n');
  if (t.joint) {
    const joint = BpeTokenizer.fromText(`${srcText}\n${tgtText}`, { vocabSize: t.vocabSize });
    return { source: joint, target: joint };
  }
  return { source: BpeTokenizer.fromText(srcText, { vocabSize: t.vocabSize }), target: BpeTokenizer.fromText(tgtText, { vocabSize: t.vocabSize }) };
}

function checkArch(arch: string): TranslateArch {
  if ((TRANSLATE_ARCHS as readonly string[]).includes(arch)) return arch as TranslateArch;
  throw new ConfigError('translate', 'arch', `unknown architecture '${arch}' (expected ${TRANSLATE_ARCHS.join(', ')})`);
}

/** Every pair of `pairs` tokenized (empty sides stay empty). */
function tokenize(pairs: readonly Pair[], source: Tokenizer, target: Tokenizer): Example[] {
  return pairs.map((p) => ({ src: source.encode(p.src), tgt: target.encode(p.tgt) }));
}

export function setupTranslate(req: TrainRequest, data: DataSource): TaskRun {
  const arch = checkArch(req.arch ?? 'transformer');
  if (req.preset !== undefined && req.preset !== 'small') throw new ConfigError('translate', 'preset', `translate has one preset, 'small'; got '${req.preset}'`);
  if (req.tokenizer !== undefined && req.tokenizer !== 'bpe') throw new ConfigError('translate', 'tokenizer', `translate learns BPE; got '${req.tokenizer}'`);
  const s = splitSettings(req.settings, { tokenizer: defaultTranslateTokenizer, translate: defaultTranslateSettings, model: modelDefaults(arch) }, 'translate');
  const tok = resolveConfig<TranslateTokenizerSettings>('tokenizer', defaultTranslateTokenizer, [s.tokenizer]);
  checkWhole('tokenizer', tok, 'vocabSize', 8);
  const settings = resolveTranslateSettings(s.translate);
  let train = readPairs(data, req.train, 'training data');
  let valid: Pair[];
  if (req.valid) valid = readPairs(data, req.valid, 'validation data');
  else { // a deterministic 10%: every tenth pair
    valid = train.filter((_, i) => i % 10 === 9);
    train = train.filter((_, i) => i % 10 !== 9);
  }
  const { source, target } = learnTokenizers(train, tok);
  const examples = filterPairs(tokenize(train, source, target), settings);
  if (examples.length === 0) throw new ConfigError('translate', 'maxLength', `no training pair is left after filtering (${train.length} read)`);
  const validExamples = tokenize(valid, source, target).filter((e) => e.src.length > 0 && e.tgt.length > 0);
  const special = { pad: source.vocab.pad!, bos: target.vocab.bos!, eos: target.vocab.eos! };
  const model = resolveModel(arch, s.model, source.vocabSize, target.vocabSize, special.pad, tok.joint);
  resolveSeq2SeqModel(arch, model);
  const rng = new Rng(req.seed);
  const net = buildSeq2Seq(arch, model, rng);
  const buckets = tokenBuckets(examples, req.batch ?? settings.batchTokens);
  const config: TranslateTaskConfig = { task: 'translate', arch, source: source.toJSON(), target: target.toJSON(), tokenizer: tok, translate: settings, model };
  const trainable = translateTrainable(net, buckets, validExamples, valid, { source, target, special, settings }, rng);
  return { config: { ...config }, files: { 'vocab.json': JSON.stringify({ source: source.toJSON(), target: target.toJSON() }) },
    trainable, recipe: RECIPES[arch].trainer, parameters: net.parameterCount() };
}

/** The task's settings (config.json's `translate` section): defaults, then `layer`, checked. */
export function resolveTranslateSettings(layer: Record<string, unknown>): TranslateSettings {
  const settings = resolveConfig<TranslateSettings>('translate', defaultTranslateSettings, [layer]);
  for (const key of ['batchTokens', 'maxLength', 'evalSentences'] as const) checkWhole('translate', settings, key, key === 'evalSentences' ? 0 : 1);
  checkSizes('translate', settings, ['batchTokens', 'maxLength', 'evalSentences']);
  checkRange('translate', settings, 'labelSmoothing', 0, 1);
  if (!(settings.maxRatio >= 1)) throw new ConfigError('translate', 'maxRatio', `must be >= 1, got ${settings.maxRatio}`);
  return settings;
}

/** The model settings of `arch` resolved and checked (keys, types, ranges, sizes) without building the model. */
export function resolveSeq2SeqModel(arch: TranslateArch, model: Record<string, unknown>): Record<string, unknown> {
  checkSeq2SeqKeys(arch, model); // a size past its limit is named before any check that compares it with another key
  const c = arch === 'transformer' ? resolveTransformerSeq2SeqConfig(model) : resolveRnnSeq2SeqConfig(model);
  checkSeq2SeqSizes(arch, c as unknown as Record<string, unknown>);
  return { ...c };
}

/**
 * The model settings: the family's defaults, its recipe, then the user's. A joint vocabulary
 * gives the Transformer one embedding for source, target and output (three-way tying, Press and
 * Wolf 2017): a third fewer parameters, and each shared subword learns from both languages.
 */
function resolveModel(arch: TranslateArch, given: Record<string, unknown>, sourceVocab: number, targetVocab: number, padId: number,
  joint: boolean): Record<string, unknown> {
  const shared = arch === 'transformer' && joint ? { sharedEmbeddings: true } : {};
  return { ...modelDefaults(arch), ...RECIPES[arch].model, ...shared, ...given, sourceVocab, targetVocab, padId };
}

/** What training and evaluation need besides the model: the tokenizers, reserved ids and settings. */
interface Context extends TranslatorContext {
  settings: TranslateSettings;
}

/** Mean token cross-entropy (label-smoothed for training) of a batch. */
function batchLoss(net: Seq2Seq, examples: readonly Example[], ctx: Context, smoothing: number): { loss: ReturnType<typeof crossEntropy>; tokens: number } {
  const b = pairBatch(examples, ctx.special);
  const logits = net.forward(b.src, b.tgtIn); // [B, T, V]
  const loss = crossEntropy(reshape(logits, [-1, net.targetVocab]), b.tgtOut, IGNORE, 'mean', { labelSmoothing: smoothing });
  return { loss, tokens: b.targetTokens };
}

function translateTrainable(net: Seq2Seq, buckets: Example[][], valid: Example[], validPairs: Pair[], ctx: Context, dropoutRng: Rng): Trainable {
  const validBuckets = tokenBuckets(valid, ctx.settings.batchTokens);
  const evalPairs = validPairs.filter((p) => p.src.length > 0 && p.tgt.length > 0).slice(0, ctx.settings.evalSentences);
  return {
    model: net,
    stepsPerEpoch: buckets.length,
    extraRng: dropoutRng,
    trainBatch: (rng) => batchLoss(net, buckets[rng.int(buckets.length)], ctx, ctx.settings.labelSmoothing),
    evaluate: () => {
      let total = 0;
      let count = 0;
      noGrad(() => {
        for (const b of validBuckets) {
          const { loss, tokens } = batchLoss(net, b, ctx, 0);
          total += loss.item() * tokens;
          count += tokens;
        }
      });
      const loss = count > 0 ? total / count : NaN;
      const metrics: Record<string, number> & { loss: number } = { loss, perplexity: Math.exp(loss) };
      if (evalPairs.length > 0) {
        const hyps = translateTexts(net, ctx, evalPairs.map((p) => p.src), { beam: 1 }).map((r) => r[0].text);
        metrics.bleu = corpusBleu(hyps, [evalPairs.map((p) => p.tgt)]).score;
      }
      return metrics;
    },
  };
}
