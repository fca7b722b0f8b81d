import type { TokenizerKind } from '../../data/tokenizer.js';
import { tokenizerFromJson } from '../../data/tokenizers.js';
import { SeqlabError } from '../../errors.js';
import { LanguageModel, LM_ARCHS, type LmArch, type LmConfig } from '../../models/lm.js';
import { KneserNey, type NgramConfig } from '../../models/ngram.js';
import { Rng } from '../../tensor/random.js';
import { loadModelBytes } from '../../train/checkpoint.js';
import type { Trainable } from '../../train/trainer.js';
import { fitNgram, type LmData, type LmTaskConfig, lmTrainable, prepareLmData, resolveLmConfig } from './lm-task.js';
import { NeuralPredictor, NgramPredictor, type Predictor } from './predictor.js';
import { lmPreset } from './presets.js';

/** What `seqlab train lm` asks for, parsed from flags. */
export interface LmTrainRequest {
  trainText: string;
  validText: string | null;
  arch: LmArch | 'ngram';
  tokenizer: TokenizerKind;
  preset: string;
  /** `--set` overrides of the model config (or `order`/`discount` for ngram). */
  overrides: Record<string, unknown>;
  batch?: number;
  seed: number;
  /** Validation tokens scored at each evaluation during training. */
  evalTokens: number;
}

/** A prepared neural run: its config (for config.json), data, model and the trainer's view. */
export interface LmRun {
  config: LmTaskConfig;
  data: LmData;
  model: LanguageModel;
  trainable: Trainable;
  lr: number;
}

const TOKENIZER_KEYS = ['minCount', 'vocabSize'] as const;

function splitOverrides(overrides: Record<string, unknown>): { tok: { minCount?: number; vocabSize?: number }; rest: Record<string, unknown> } {
  const tok: Record<string, number> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(overrides)) {
    if ((TOKENIZER_KEYS as readonly string[]).includes(k)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new SeqlabError(`--set: '${k}' must be a positive whole number`);
      tok[k] = v;
    } else {
      rest[k] = v;
    }
  }
  return { tok, rest };
}

export function checkArch(arch: string): LmArch | 'ngram' {
  if (arch === 'ngram' || (LM_ARCHS as readonly string[]).includes(arch)) return arch as LmArch | 'ngram';
  throw new SeqlabError(`--model: unknown lm architecture '${arch}' (expected ${[...LM_ARCHS, 'ngram'].join(', ')})`);
}

/** Tokenizes the data and builds the model the request describes. */
export function setupNeuralLm(req: LmTrainRequest): LmRun {
  if (req.arch === 'ngram') throw new SeqlabError('internal: ngram is not a neural model');
  const { tok, rest } = splitOverrides(req.overrides);
  const data = prepareLmData(req.trainText, req.validText, req.tokenizer, tok);
  const preset = lmPreset(req.preset, req.arch);
  const model = resolveLmConfig(req.arch, data.tokenizer.vocabSize, preset.model, rest as Partial<LmConfig>);
  const batch = req.batch ?? preset.batch;
  const rng = new Rng(req.seed);
  const lm = new LanguageModel(model, rng);
  const config: LmTaskConfig = { task: 'lm', arch: req.arch, tokenizer: data.tokenizer.toJSON(), model, batch, context: model.context };
  return { config, data, model: lm, trainable: lmTrainable(lm, data, batch, rng, req.evalTokens), lr: preset.lr };
}

/** Counts the n-gram baseline (no gradient training). */
export function setupNgram(req: LmTrainRequest): { config: LmTaskConfig; data: LmData; model: KneserNey } {
  const { tok, rest } = splitOverrides(req.overrides);
  for (const k of Object.keys(rest)) {
    if (k !== 'order' && k !== 'discount') throw new SeqlabError(`--set: unknown key '${k}' for the ngram model (order, discount, minCount, vocabSize)`);
  }
  const data = prepareLmData(req.trainText, req.validText, req.tokenizer, tok);
  const ngram = rest as Partial<NgramConfig>;
  const model = fitNgram(data, ngram);
  const config: LmTaskConfig = { task: 'lm', arch: 'ngram', tokenizer: data.tokenizer.toJSON(), ngram: model.config, batch: 1, context: model.config.order };
  return { config, data, model };
}

/** A trained LM loaded back: its tokenizer and a predictor over it. */
export interface LoadedLm {
  config: LmTaskConfig;
  tokenizer: ReturnType<typeof tokenizerFromJson>;
  predictor: Predictor;
  neural: LanguageModel | null;
  ngram: KneserNey | null;
}

/**
 * Rebuilds an LM from its config and weights: `weights` are the safetensors bytes of a neural
 * model, or the n-gram counts as JSON.
 */
export function loadLm(config: LmTaskConfig, weights: Uint8Array | unknown): LoadedLm {
  const tokenizer = tokenizerFromJson(config.tokenizer);
  if (config.arch === 'ngram') {
    const ngram = KneserNey.fromJSON(weights as ReturnType<KneserNey['toJSON']>);
    return { config, tokenizer, predictor: new NgramPredictor(ngram), neural: null, ngram };
  }
  if (!config.model) throw new SeqlabError('config.json: the lm model settings are missing');
  const model = new LanguageModel(resolveLmConfig(checkArch(config.arch) as LmArch, tokenizer.vocabSize, config.model), new Rng(0));
  loadModelBytes(model, weights as Uint8Array);
  model.eval();
  return { config, tokenizer, predictor: new NeuralPredictor(model), neural: model, ngram: null };
}
