import { sequentialWindows, randomWindows } from '../../data/batching.js';
import type { Tokenizer, TokenizerJson, TokenizerKind } from '../../data/tokenizer.js';
import { buildTokenizer } from '../../data/tokenizers.js';
import { SeqlabError } from '../../errors.js';
import { defaultLmConfig, LanguageModel, type LmArch, type LmConfig } from '../../models/lm.js';
import { defaultNgramConfig, KneserNey, type NgramConfig } from '../../models/ngram.js';
import { crossEntropy } from '../../nn/functional.js';
import { reshape } from '../../ops/shape-ops.js';
import { noGrad } from '../../tensor/autograd.js';
import { Rng } from '../../tensor/random.js';
import type { Trainable } from '../../train/trainer.js';

/** Everything `config.json` holds for a language model: enough to rebuild it and its tokenizer. */
export interface LmTaskConfig {
  task: 'lm';
  arch: LmArch | 'ngram';
  tokenizer: TokenizerJson;
  model?: LmConfig;
  ngram?: NgramConfig;
  /** Tokens per training window and sequences per batch. */
  batch: number;
  context: number;
}

/** The token streams of a run. */
export interface LmData {
  tokenizer: Tokenizer;
  train: Int32Array;
  valid: Int32Array;
}

/**
 * Tokenizes training and validation text. Without validation text, the last 10% of the
 * training text (cut at a line start) is held out. The tokenizer is learned on the training
 * part only.
 */
export function prepareLmData(trainText: string, validText: string | null, kind: TokenizerKind,
  options: { minCount?: number; vocabSize?: number } = {}): LmData {
  if (trainText.trim().length === 0) throw new SeqlabError('lm: the training text is empty');
  let train = trainText;
  let valid = validText;
  if (valid === null) {
    let cut = Math.floor(train.length * 0.9);
    const nl = train.indexOf('\n', cut);
    if (nl >= 0 && nl < train.length - 1) cut = nl + 1;
    valid = train.slice(cut);
    train = train.slice(0, cut);
  }
  if (valid.trim().length === 0) throw new SeqlabError('lm: the validation text is empty');
  const tokenizer = buildTokenizer(kind, train, options);
  return { tokenizer, train: Int32Array.from(tokenizer.encode(train)), valid: Int32Array.from(tokenizer.encode(valid)) };
}

/** A model config: defaults, then a preset's sizes, then explicit overrides. */
export function resolveLmConfig(arch: LmArch, vocabSize: number, ...layers: Partial<LmConfig>[]): LmConfig {
  const c: LmConfig = { ...defaultLmConfig, arch, vocabSize };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (!(key in defaultLmConfig)) throw new SeqlabError(`--set: unknown model key '${key}' for lm`);
      const expected = typeof (defaultLmConfig as unknown as Record<string, unknown>)[key];
      if (typeof value !== expected) throw new SeqlabError(`--set: '${key}' must be a ${expected}, got ${JSON.stringify(value)}`);
      (c as unknown as Record<string, unknown>)[key] = value;
    }
  }
  for (const key of ['embedDim', 'hiddenSize', 'numLayers', 'nhead', 'context', 'window'] as const) {
    if (!(Number.isInteger(c[key]) && c[key] > 0)) throw new SeqlabError(`--set: '${key}' must be a positive whole number, got ${c[key]}`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new SeqlabError(`--set: 'dropout' must be in [0, 1), got ${c.dropout}`);
  return c;
}

export function buildLanguageModel(config: LmConfig, seed: number): { model: LanguageModel; rng: Rng } {
  const rng = new Rng(seed);
  return { model: new LanguageModel(config, rng), rng };
}

/** The trainer's view of a neural LM: random windows in, mean next-token cross-entropy out. */
export function lmTrainable(model: LanguageModel, data: LmData, batch: number, dropoutRng: Rng,
  evalTokens: number): Trainable {
  const time = model.config.context;
  if (data.train.length <= time + 1) {
    throw new SeqlabError(`lm: the training text has ${data.train.length} tokens, fewer than a context of ${time}`);
  }
  const validSlice = data.valid.subarray(0, Math.max(2, Math.min(data.valid.length, evalTokens)));
  return {
    model,
    stepsPerEpoch: Math.max(1, Math.floor(data.train.length / (batch * time))),
    extraRng: dropoutRng,
    trainBatch: (rng) => {
      const b = randomWindows(data.train, batch, time, rng);
      const { logits } = model.forward(b.inputs, b.batch, b.time);
      return { loss: crossEntropy(reshape(logits, [-1, model.config.vocabSize]), b.targets), tokens: b.batch * b.time };
    },
    evaluate: () => {
      const r = lmLoss(model, validSlice, batch);
      return { loss: r.loss, perplexity: Math.exp(r.loss), tokens: r.tokens };
    },
  };
}

/** Mean next-token loss (nats) of a neural LM over a stream, in independent context windows. */
export function lmLoss(model: LanguageModel, stream: Int32Array, batch: number): { loss: number; tokens: number } {
  let total = 0;
  let count = 0;
  noGrad(() => {
    for (const b of sequentialWindows(stream, batch, model.config.context)) {
      const { logits } = model.forward(b.inputs, b.batch, b.time);
      const n = b.targets.reduce((s, t) => s + (t === -100 ? 0 : 1), 0);
      total += crossEntropy(reshape(logits, [-1, model.config.vocabSize]), b.targets, -100, 'sum').item();
      count += n;
    }
  });
  if (count === 0) throw new SeqlabError('lm: the evaluation text has no tokens to predict');
  return { loss: total / count, tokens: count };
}

/** Mean next-token loss of the n-gram model over a stream (each token given all before it). */
export function ngramLoss(model: KneserNey, stream: Int32Array): { loss: number; tokens: number } {
  let total = 0;
  const n = model.config.order - 1;
  for (let i = 1; i < stream.length; i++) total -= Math.log(model.prob(stream.subarray(Math.max(0, i - n), i), stream[i]));
  return { loss: total / Math.max(1, stream.length - 1), tokens: stream.length - 1 };
}

export function fitNgram(data: LmData, config: Partial<NgramConfig>): KneserNey {
  return new KneserNey({ ...defaultNgramConfig, ...config }, data.tokenizer.vocabSize).fit(data.train);
}
