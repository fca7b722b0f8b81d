/**
 * Building a language-model run from a request, and loading one back from its checkpoint.
 */
import type { TokenizerKind } from '../../data/tokenizer.js';
import { tokenizerFromJson } from '../../data/tokenizers.js';
import { ConfigError, resolveConfig, splitSettings } from '../../config/resolve.js';
import { SeqlabError } from '../../errors.js';
import { buildCausalLm, type CausalLm } from '../../models/causal-lm.js';
import { LM_ARCHS, type LmArch, resolveLmConfig, settableLmKeys } from '../../models/lm-config.js';
import { defaultNgramConfig, KneserNey, type NgramConfig } from '../../models/ngram.js';
import { readStoreJson, type StoredConfig } from '../../store/checkpoint.js';
import type { CheckpointStore, DataSource } from '../../store/store.js';
import { Rng } from '../../tensor/random.js';
import { loadModelBytes } from '../../train/checkpoint.js';
import type { TaskRun, TrainRequest } from '../task.js';
import { defaultLmSettings, defaultLmTokenizerSettings, type LmSettings, type LmTaskConfig, type LmTokenizerSettings } from './config.js';
import { type LmData, prepareLmData } from './data.js';
import { lmTrainable, ngramLoss } from './loss.js';
import { lmPreset } from './presets.js';

export const LM_TASK_ARCHS: readonly string[] = [...LM_ARCHS, 'ngram'];
export const NGRAM_FILE = 'ngram.json';
const TOKENIZERS = ['char', 'word', 'bpe'];

function checkArch(arch: string): LmArch | 'ngram' {
  if (LM_TASK_ARCHS.includes(arch)) return arch as LmArch | 'ngram';
  throw new ConfigError('lm', 'arch', `unknown architecture '${arch}' (expected ${LM_TASK_ARCHS.join(', ')})`);
}

/** Reads and tokenizes the request's texts. */
function readData(req: TrainRequest, source: DataSource, tok: LmTokenizerSettings): LmData {
  if (req.train.length !== 1) throw new ConfigError('lm', 'train', `takes one text file, got ${req.train.length}`);
  if (req.valid && req.valid.length !== 1) throw new ConfigError('lm', 'valid', `takes one text file, got ${req.valid.length}`);
  const kind = req.tokenizer ?? 'char';
  if (!TOKENIZERS.includes(kind)) throw new ConfigError('lm', 'tokenizer', `unknown tokenizer '${kind}' (expected ${TOKENIZERS.join(', ')})`);
  const trainText = source.readText(req.train[0], 'training file');
  const validText = req.valid ? source.readText(req.valid[0], 'validation file') : null;
  return prepareLmData(trainText, validText, kind as TokenizerKind, tok, { train: req.train[0], valid: req.valid?.[0] ?? null });
}

/** The request's settings sorted into tokenizer, task and model (or n-gram) sections, checked. */
function sections(req: TrainRequest, arch: LmArch | 'ngram'): { tok: LmTokenizerSettings; lm: LmSettings; model: Record<string, unknown> } {
  const modelKeys = arch === 'ngram' ? defaultNgramConfig : settableLmKeys();
  const s = splitSettings(req.settings, { tokenizer: defaultLmTokenizerSettings, lm: defaultLmSettings, model: modelKeys }, 'lm');
  const tok = resolveConfig('tokenizer', defaultLmTokenizerSettings, [s.tokenizer]);
  for (const key of ['minCount', 'vocabSize'] as const) {
    if (!(Number.isInteger(tok[key]) && tok[key] >= 0)) throw new ConfigError('tokenizer', key, `must be a whole number >= 1, got ${tok[key]}`);
  }
  return { tok, lm: resolveConfig('lm', defaultLmSettings, [s.lm]), model: s.model };
}

/** Tokenizes the data and builds the model the request describes (or counts the n-gram model). */
export function setupLm(req: TrainRequest, source: DataSource): TaskRun {
  const arch = checkArch(req.arch ?? 'lstm');
  const { tok, lm, model: modelSettings } = sections(req, arch);
  const data = readData(req, source, tok);
  const vocab = JSON.stringify(data.tokenizer.toJSON());
  if (arch === 'ngram') {
    const ngram = resolveConfig<NgramConfig>('model', defaultNgramConfig, [modelSettings]);
    const model = new KneserNey(ngram, data.tokenizer.vocabSize).fit(data.train);
    const { loss, tokens } = ngramLoss(model, data.valid);
    const config: LmTaskConfig = { task: 'lm', arch, tokenizer: data.tokenizer.toJSON(), ngram: model.config, batch: 1, context: model.config.order };
    return { config: { ...config }, files: { 'vocab.json': vocab }, trainable: null, recipe: {}, parameters: 0,
      fitted: { files: { [NGRAM_FILE]: JSON.stringify(model.toJSON()) }, metrics: { loss, perplexity: Math.exp(loss), tokens } } };
  }
  const preset = lmPreset(req.preset ?? 'small', arch);
  const modelConfig = resolveLmConfig(arch, data.tokenizer.vocabSize, preset.model, modelSettings);
  const batch = req.batch ?? preset.batch;
  const rng = new Rng(req.seed);
  const model = buildCausalLm(modelConfig, rng);
  const config: LmTaskConfig = { task: 'lm', arch, tokenizer: data.tokenizer.toJSON(), model: modelConfig, batch, context: modelConfig.context };
  return {
    config: { ...config }, files: { 'vocab.json': vocab }, trainable: lmTrainable(model, data, batch, rng, lm.evalTokens),
    recipe: { lr: preset.lr }, parameters: model.parameterCount(),
  };
}

/** A trained LM loaded back: its tokenizer, and the neural model or the n-gram counts. */
export interface LoadedLmParts {
  config: LmTaskConfig;
  tokenizer: ReturnType<typeof tokenizerFromJson>;
  neural: CausalLm | null;
  ngram: KneserNey | null;
}

/** Rebuilds an LM from its config.json and the store's weights (or counts). */
export function loadLmParts(stored: StoredConfig, store: CheckpointStore): LoadedLmParts {
  const config = stored as unknown as LmTaskConfig;
  const tokenizer = tokenizerFromJson(config.tokenizer);
  if (config.arch === 'ngram') {
    const json = readStoreJson(store, NGRAM_FILE) as ReturnType<KneserNey['toJSON']>;
    return { config, tokenizer, neural: null, ngram: KneserNey.fromJSON(json) };
  }
  if (!config.model) throw new SeqlabError(`${store.path('config.json')}: the model settings are missing`);
  const model = buildCausalLm(resolveLmConfig(checkArch(config.arch) as LmArch, tokenizer.vocabSize, config.model), new Rng(0));
  loadModelBytes(model, store.read('model.safetensors'));
  model.eval();
  return { config, tokenizer, neural: model, ngram: null };
}
