/**
 * Building a language-model run from a request, and loading one back from its checkpoint.
 */
import { MAX_LAYERS, MAX_SIZE, checkSizes } from '../../config/limits.js';
import type { Tokenizer, TokenizerJson, TokenizerKind } from '../../data/tokenizer.js';
import { tokenizerFromJson } from '../../data/tokenizers.js';
import { ConfigError, checkWhole, jsonText, resolveConfig, splitSettings } from '../../config/resolve.js';
import { SeqlabError } from '../../errors.js';
import { buildCausalLm, type CausalLm } from '../../models/causal-lm.js';
import { LM_ARCHS, type LmArch, type LmConfig, resolveLmConfig, settableLmKeys } from '../../models/lm-config.js';
import { defaultNgramConfig, KneserNey, type NgramConfig } from '../../models/ngram.js';
import { checkConfigKeys, checkVocabFile, configSection, inFile, loadWeights, readStoreJson, type StoredConfig } from '../../store/checkpoint.js';
import { type CheckpointStore, type DataSource, FILES } from '../../store/store.js';
import { Rng } from '../../tensor/random.js';
import type { TaskRun, TrainRequest } from '../task.js';
import { checkLmKeys, checkLmSizes, defaultLmSettings, defaultLmTokenizerSettings, type LmSettings, type LmTaskConfig, type LmTokenizerSettings } from './config.js';
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
    checkSizes('model', ngram, ['order'], MAX_LAYERS); // each order keeps a table of contexts
    const model = new KneserNey(ngram, data.tokenizer.vocabSize).fit(data.train);
    const { loss, tokens } = ngramLoss(model, data.valid);
    const config: LmTaskConfig = { task: 'lm', arch, tokenizer: data.tokenizer.toJSON(), ngram: model.config, batch: 1, context: model.config.order };
    return { config: { ...config }, files: { 'vocab.json': vocab }, trainable: null, recipe: {}, parameters: 0,
      fitted: { files: { [NGRAM_FILE]: JSON.stringify(model.toJSON()) }, metrics: { loss, perplexity: Math.exp(loss), tokens } } };
  }
  const preset = lmPreset(req.preset ?? 'small', arch);
  const modelConfig = resolveLmConfig(arch, data.tokenizer.vocabSize, preset.model, modelSettings);
  checkLmSizes(modelConfig);
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

/** Rebuilds an LM from its config.json and the store's weights (or counts), every file checked before the model is built. */
export function loadLmParts(stored: StoredConfig, store: CheckpointStore): LoadedLmParts {
  const { config, tokenizer, model } = inFile(store, FILES.config, () => checkLmConfig(stored));
  checkVocabFile(store, { '': { tokenizer, sizeKey: 'model.vocabSize' } });
  if (!model) {
    const json = readStoreJson(store, NGRAM_FILE);
    inFile(store, NGRAM_FILE, () => checkNgramJson(json, config.ngram!, tokenizer.vocabSize));
    return { config, tokenizer, neural: null, ngram: KneserNey.fromJSON(json as ReturnType<KneserNey['toJSON']>) };
  }
  const net = buildCausalLm(model, new Rng(0));
  loadWeights(store, net);
  net.eval();
  return { config, tokenizer, neural: net, ngram: null };
}

/** config.json of an LM checked: its keys, the tokenizer, and the model's settings and sizes (or the n-gram's). */
function checkLmConfig(stored: StoredConfig): { config: LmTaskConfig; tokenizer: Tokenizer; model: LmConfig | null } {
  const raw = stored as Record<string, unknown>;
  if (raw.arch === undefined) throw new SeqlabError('"arch" is missing');
  if (typeof raw.arch !== 'string' || !LM_TASK_ARCHS.includes(raw.arch)) {
    throw new SeqlabError(`"arch": unknown architecture ${jsonText(raw.arch)} (expected ${LM_TASK_ARCHS.join(', ')})`);
  }
  const arch = raw.arch as LmArch | 'ngram';
  checkConfigKeys(raw, ['arch', 'tokenizer', arch === 'ngram' ? 'ngram' : 'model'], ['batch', 'context', 'train', 'fineTuned']);
  const tokenizer = tokenizerFromJson(raw.tokenizer as TokenizerJson, 'tokenizer');
  for (const key of ['batch', 'context'] as const) {
    const v = raw[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_SIZE)) {
      throw new SeqlabError(`"${key}": must be a whole number in [1, ${MAX_SIZE}], got ${jsonText(v)}`);
    }
  }
  if (raw.fineTuned !== undefined) configSection(raw, 'fineTuned');
  const config = stored as unknown as LmTaskConfig;
  if (arch === 'ngram') {
    const ngram = resolveConfig<NgramConfig>('ngram', defaultNgramConfig, [configSection(raw, 'ngram')]);
    checkWhole('ngram', ngram, 'order');
    checkSizes('ngram', ngram, ['order'], MAX_LAYERS);
    if (!(ngram.discount > 0 && ngram.discount < 1)) throw new ConfigError('ngram', 'discount', `must be in (0, 1), got ${ngram.discount}`);
    return { config, tokenizer, model: null };
  }
  const section = configSection(raw, 'model');
  if (section.arch !== undefined && section.arch !== arch) {
    throw new ConfigError('model', 'arch', `${jsonText(section.arch)} differs from "arch" ${JSON.stringify(arch)}`);
  }
  if (section.vocabSize !== undefined && section.vocabSize !== tokenizer.vocabSize) {
    throw new ConfigError('model', 'vocabSize', `${jsonText(section.vocabSize)}, but the tokenizer has ${tokenizer.vocabSize} tokens`);
  }
  checkLmKeys(section); // a size past its limit is named before any check that compares it with another key
  const model = resolveLmConfig(arch, tokenizer.vocabSize, section);
  checkLmSizes(model);
  return { config, tokenizer, model };
}

/**
 * ngram.json checked against config.json: its settings the same, its vocabulary the tokenizer's,
 * and counts[k] a list of [context, [[token, count], ...]] with known tokens and counts >= 1.
 */
function checkNgramJson(json: unknown, ngram: NgramConfig, vocabSize: number): void {
  const fail = (key: string, problem: string): never => {
    throw new SeqlabError(`${key}: ${problem}`);
  };
  const obj = configSection({ [NGRAM_FILE]: json }, NGRAM_FILE);
  for (const key of Object.keys(obj)) if (!['config', 'vocabSize', 'counts'].includes(key)) fail(JSON.stringify(key), 'unknown key (expected config, vocabSize, counts)');
  if (JSON.stringify(obj.config) !== JSON.stringify(ngram)) fail('config', `${jsonText(obj.config)} differs from config.json's "ngram" ${JSON.stringify(ngram)}`);
  if (obj.vocabSize !== vocabSize) fail('vocabSize', `${jsonText(obj.vocabSize)}, but the tokenizer has ${vocabSize} tokens`);
  const counts = obj.counts;
  if (!Array.isArray(counts) || counts.length !== ngram.order) fail('counts', `must be a list of ${ngram.order} levels (one per context length)`);
  (counts as unknown[]).forEach((level, k) => {
    if (!Array.isArray(level)) fail(`counts[${k}]`, 'must be a list of [context, followers] pairs');
    (level as unknown[]).forEach((entry, i) => {
      const at = `counts[${k}][${i}]`;
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
        fail(at, 'must be a [context, [[token, count], ...]] pair');
      }
      for (const pair of (entry as [string, unknown[]])[1]) {
        const [token, count] = Array.isArray(pair) ? pair : [];
        if (!(Number.isInteger(token) && token >= 0 && token < vocabSize && Number.isInteger(count) && count >= 1)) {
          fail(at, `${jsonText(pair)} is not a [token, count] pair with a token below ${vocabSize} and a count >= 1`);
        }
      }
    });
  });
}
