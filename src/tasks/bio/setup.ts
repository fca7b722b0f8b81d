/**
 * Building a classify or tag run: records read and held out, the alphabet settled, sequences
 * encoded, class weights chosen, and the network of the requested family.
 */
import { type Alphabet, ALPHABETS, guessAlphabet } from '../../data/alphabet.js';
import { checkSizes } from '../../config/limits.js';
import { ConfigError, checkWhole, resolveConfig, splitSettings } from '../../config/resolve.js';
import { defaultSequenceNetConfig, SequenceNet, type SequenceNetConfig } from '../../models/sequence-net.js';
import type { DataSource } from '../../store/store.js';
import { Rng } from '../../tensor/random.js';
import type { TaskRun, TrainRequest } from '../task.js';
import { BIO_ARCHS, BIO_CHOICES, type BioArch, type BioSettings, type BioTaskConfig, type BioTaskName, checkNetSizes, defaultBioSettings } from './config.js';
import { type ClassRecord, encodeClassify, encodeTag, readClassify, readTag, type TagRecord } from './data.js';
import { DEFAULT_ARCH, RECIPES } from './recipes.js';
import { decideStrands } from './strand.js';
import { classCounts, classifyTrainable, classWeights, tagTrainable } from './trainable.js';

function checkArch(task: BioTaskName, arch: string): BioArch {
  if ((BIO_ARCHS as readonly string[]).includes(arch)) return arch as BioArch;
  throw new ConfigError(task, 'arch', `unknown architecture '${arch}' (expected ${BIO_ARCHS.join(', ')})`);
}

/** Model settings a user may give (the alphabet, output and classes come from the data). */
const MODEL_KEYS = defaultSequenceNetConfig;

/** The network settings: defaults, the recipe, the user's; then the data's. */
export function resolveNetConfig(task: BioTaskName, arch: BioArch, given: Record<string, unknown>, alphabet: Alphabet,
  classes: number, base: Record<string, unknown> = RECIPES[task][arch].model): SequenceNetConfig {
  const model = resolveConfig('model', MODEL_KEYS, [base, given], { input: ['onehot', 'embed'], head: ['pool', 'flatten', 'both'] });
  for (const key of ['embedDim', 'channels', 'kernel', 'kernel2', 'convLayers', 'pool', 'hiddenSize', 'lstmLayers', 'dModel', 'nhead', 'numLayers', 'dimFeedforward'] as const) {
    checkWhole('model', model, key);
  }
  checkWhole('model', model, 'fc', 0);
  checkWhole('model', model, 'length', 0);
  if (!(model.dropout >= 0 && model.dropout < 1)) throw new ConfigError('model', 'dropout', `must be in [0, 1), got ${model.dropout}`);
  for (const key of ['kernel', 'kernel2'] as const) {
    if (model[key] % 2 === 0) throw new ConfigError('model', key, `must be odd (the output keeps each position centred), got ${model[key]}`);
  }
  const net: SequenceNetConfig = { ...model, arch, output: task === 'classify' ? 'sequence' : 'position', letters: alphabet.size, unknown: alphabet.unknown, classes };
  checkNetSizes(net);
  return net;
}

/** The task's settings (config.json's `bio` section): defaults, then each layer, checked. */
export function resolveBioSettings(...layers: Record<string, unknown>[]): BioSettings {
  const settings = resolveConfig<BioSettings>('bio', defaultBioSettings, layers, BIO_CHOICES);
  for (const key of ['batch', 'window', 'batchTokens'] as const) checkWhole('bio', settings, key);
  checkWhole('bio', settings, 'margin', 0);
  checkSizes('bio', settings, ['batch', 'window', 'batchTokens', 'margin']);
  if (2 * settings.margin >= settings.window) throw new ConfigError('bio', 'margin', `must be less than half the window (${settings.window}), got ${settings.margin}`);
  return settings;
}

function settle(req: TrainRequest, task: BioTaskName): { arch: BioArch; settings: BioSettings; model: Record<string, unknown> } {
  const arch = checkArch(task, req.arch ?? DEFAULT_ARCH[task]);
  if (req.preset !== undefined && req.preset !== 'default') throw new ConfigError(task, 'preset', `${task} has one preset, 'default'; got '${req.preset}'`);
  if (req.tokenizer !== undefined) throw new ConfigError(task, 'tokenizer', `${task} reads DNA or protein letters; it takes no tokenizer (got '${req.tokenizer}')`);
  const s = splitSettings(req.settings, { bio: defaultBioSettings, model: MODEL_KEYS }, task);
  const settings = resolveBioSettings(s.bio, req.batch !== undefined ? { batch: req.batch, batchTokens: req.batch } : {});
  return { arch, settings, model: s.model };
}

/** Longest fixed input length a classifier flattens (beyond it, pooling keeps the head small). */
const FLATTEN_MAX = 1000;

/**
 * The head the data call for: when every training sequence has the same length (a window
 * around a site, as splice and GUE data are), 'flatten', so the model knows where in the
 * window a signal sits; otherwise 'pool'. Settings the user gave win.
 */
function fixedLengthHead(examples: readonly { ids: Uint8Array }[], given: Record<string, unknown>): Record<string, unknown> {
  const length = examples[0].ids.length;
  const fixed = examples.every((e) => e.ids.length === length) && length <= FLATTEN_MAX;
  const head = given.head ?? (fixed ? 'flatten' : 'pool');
  return { head, length: head !== 'pool' ? (given.length ?? Math.max(...examples.map((e) => e.ids.length))) : 0 };
}

/** Every tenth item held out: a deterministic 10% for validation. */
function holdOut<T>(items: readonly T[]): { train: T[]; valid: T[] } {
  if (items.length < 2) return { train: [...items], valid: [...items] };
  return { train: items.filter((_, i) => i % 10 !== 9), valid: items.filter((_, i) => i % 10 === 9) };
}

function alphabetOf(settings: BioSettings, sequences: readonly string[]): Alphabet {
  return ALPHABETS[settings.alphabet === 'auto' ? guessAlphabet(sequences) : settings.alphabet];
}

/** Class names in a stable order: numeric order when every name is a number, else code-point order. */
export function sortClasses(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  const numeric = list.every((n) => n.trim() !== '' && Number.isFinite(Number(n)));
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort();
}

export function setupClassify(req: TrainRequest, data: DataSource): TaskRun {
  const { arch, settings, model } = settle(req, 'classify');
  let train: ClassRecord[] = readClassify(data, req.train[0], 'training data', true);
  let valid: ClassRecord[];
  if (req.valid) valid = readClassify(data, req.valid[0], 'validation data', true);
  else ({ train, valid } = holdOut(train));
  const alphabet = alphabetOf(settings, train.map((r) => r.sequence));
  const classes = sortClasses(train.map((r) => r.label!));
  if (classes.length < 2) throw new ConfigError('classify', 'train', `the training data has one class ('${classes[0]}'); a classifier needs at least two`);
  const trainEx = encodeClassify(train, alphabet, classes, req.train[0]);
  const validEx = encodeClassify(valid, alphabet, classes, req.valid?.[0] ?? req.train[0]);
  const weights = classWeights(settings.classWeights, classCounts([trainEx.map((e) => e.label)], classes.length));
  const netConfig = resolveNetConfig('classify', arch, { ...fixedLengthHead(trainEx, model), ...model }, alphabet, classes.length);
  const rng = new Rng(req.seed);
  const net = new SequenceNet(netConfig, rng);
  const strands = decideStrands(settings.reverseComplement, trainEx, alphabet.complement);
  const complement = strands === 'on' ? alphabet.complement : null;
  const bio = { ...settings, reverseComplement: strands };
  const config: BioTaskConfig = { task: 'classify', arch, alphabet: alphabet.name, classes, bio, weights, model: { ...netConfig } };
  return { config: { ...config }, files: {}, parameters: net.parameterCount(), recipe: RECIPES.classify[arch].trainer,
    trainable: classifyTrainable(net, trainEx, validEx, { batch: settings.batch, complement, weights, pad: alphabet.size }, rng) };
}

export function setupTag(req: TrainRequest, data: DataSource): TaskRun {
  const { arch, settings, model } = settle(req, 'tag');
  const read = readTag(data, req.train, 'training data', true);
  let labels = read.labels;
  const train: TagRecord[] = read.records;
  let valid: TagRecord[] | null = null;
  if (req.valid) {
    const v = readTag(data, req.valid, 'validation data', true);
    labels = sortClasses([...labels, ...v.labels]);
    valid = v.records;
  }
  const alphabet = alphabetOf(settings, train.map((r) => r.sequence));
  if (labels.length < 2) throw new ConfigError('tag', 'train', `the training labels hold one label ('${labels[0]}'); a tagger needs at least two`);
  const trainEx = encodeTag(train, alphabet, labels, req.train[0]);
  const validEx = valid ? encodeTag(valid, alphabet, labels, req.valid![0]) : null;
  const netConfig = resolveNetConfig('tag', arch, model, alphabet, labels.length);
  const rng = new Rng(req.seed);
  const net = new SequenceNet(netConfig, rng);
  const weights = classWeights(settings.classWeights, classCounts(trainEx.map((e) => e.targets), labels.length));
  const config: BioTaskConfig = { task: 'tag', arch, alphabet: alphabet.name, classes: labels, bio: settings, weights, model: { ...netConfig } };
  return { config: { ...config }, files: {}, parameters: net.parameterCount(), recipe: RECIPES.tag[arch].trainer,
    trainable: tagTrainable(net, trainEx, validEx, { settings, weights, pad: alphabet.size }, rng) };
}
