/**
 * The biology tasks: `classify` (one label per DNA or protein sequence) and `tag` (one label per
 * position), each with cnn, bilstm, cnn-bilstm (DanQ) and transformer models, scikit-learn's
 * metrics, annotation (rows, BED regions, saliency) and motifs.
 */
import { ALPHABETS, type Alphabet } from '../../data/alphabet.js';
import { encodeSequences, readClassifyRecords, readTagRecords } from '../../data/bio-records.js';
import { SeqlabError } from '../../errors.js';
import { type Motif, pwmFromActivations, pwmFromSaliency } from '../../inspect/motifs.js';
import { SequenceNet, type SequenceNetConfig } from '../../models/sequence-net.js';
import { permute } from '../../ops/shape-ops.js';
import { relu } from '../../ops/unary.js';
import { MAX_SIZE } from '../../config/limits.js';
import { ConfigError, jsonText } from '../../config/resolve.js';
import { checkConfigKeys, configSection, inFile, loadWeights, type StoredConfig } from '../../store/checkpoint.js';
import { type CheckpointStore, type DataSource, FILES } from '../../store/store.js';
import { noGrad } from '../../tensor/autograd.js';
import { Rng } from '../../tensor/random.js';
import type { EvalRequest, LoadedModel, MotifRequest, Task } from '../task.js';
import { annotateClassify, annotateTag, type AnnotateInput, type Annotation } from './annotate.js';
import { padSequences } from './batches.js';
import { BIO_ARCHS, type BioTaskConfig, type BioTaskName, checkNetKeys } from './config.js';
import { encodeClassify, encodeTag, readClassify, readTag } from './data.js';
import { evaluateClassify, evaluateTag } from './evaluate.js';
import type { PredictContext } from './predict.js';
import { DEFAULT_ARCH } from './recipes.js';
import { resolveBioSettings, resolveNetConfig, setupClassify, setupTag } from './setup.js';

/** The keys of config.json's `model` that come from the data, not from settings: each must agree with the rest of config.json. */
const DATA_KEYS = ['arch', 'output', 'letters', 'unknown', 'classes'] as const;

/** config.json of a biology model checked: keys, architecture, alphabet, classes, settings, weights, and the network's sizes. */
function checkConfig(task: BioTaskName, stored: StoredConfig): { config: BioTaskConfig; net: SequenceNetConfig } {
  const raw = stored as Record<string, unknown>;
  checkConfigKeys(raw, ['arch', 'alphabet', 'classes', 'bio', 'model'], ['weights', 'train']);
  if (!(BIO_ARCHS as readonly unknown[]).includes(raw.arch)) {
    throw new SeqlabError(`"arch": unknown architecture ${jsonText(raw.arch)} (expected ${BIO_ARCHS.join(', ')})`);
  }
  if (typeof raw.alphabet !== 'string' || !Object.hasOwn(ALPHABETS, raw.alphabet)) {
    throw new SeqlabError(`"alphabet": unknown alphabet ${jsonText(raw.alphabet)} (expected ${Object.keys(ALPHABETS).join(', ')})`);
  }
  const classes = raw.classes;
  if (!Array.isArray(classes) || classes.length < 2 || classes.length > MAX_SIZE || !classes.every((c) => typeof c === 'string' && c !== '' && c.trim() === c && !/[\t\n\r]/.test(c))
    || new Set(classes).size !== classes.length) {
    throw new SeqlabError(`"classes": must list 2 to ${MAX_SIZE} different class names (no tabs, line breaks or surrounding spaces), got ${jsonText(classes)}`);
  }
  const weights = raw.weights;
  if (weights !== undefined && weights !== null && !(Array.isArray(weights) && weights.length === classes.length
    && weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0))) {
    throw new SeqlabError(`"weights": must be null or one number >= 0 per class (${classes.length}), got ${jsonText(weights)}`);
  }
  const config = stored as unknown as BioTaskConfig;
  const bio = resolveBioSettings(configSection(raw, 'bio'));
  const alphabet = ALPHABETS[config.alphabet];
  const section = configSection(raw, 'model');
  const expected: Record<(typeof DATA_KEYS)[number], unknown> = { arch: config.arch, output: task === 'classify' ? 'sequence' : 'position',
    letters: alphabet.size, unknown: alphabet.unknown, classes: classes.length };
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (!(DATA_KEYS as readonly string[]).includes(key)) settings[key] = value;
    else if (value !== expected[key as (typeof DATA_KEYS)[number]]) {
      throw new ConfigError('model', key, `${JSON.stringify(value)} disagrees with the rest of config.json, which gives ${JSON.stringify(expected[key as (typeof DATA_KEYS)[number]])}`);
    }
  }
  checkNetKeys(settings); // a size past its limit is named before any check that compares it with another key
  // Settings added after a checkpoint was made take their defaults (a pooling head, say).
  const net = resolveNetConfig(task, config.arch, settings, alphabet, classes.length, {});
  return { config: { ...config, bio }, net };
}

/** Sequences to annotate: FASTA or CSV/TSV for classifiers (labels optional), FASTA for taggers. */
function readInput(task: BioTaskName, source: DataSource, path: string, alphabet: Alphabet): AnnotateInput {
  const records = task === 'classify'
    ? readClassifyRecords(source, path, 'input', { requireLabel: false })
    : readTagRecords(source, [path], 'input', { requireLabels: false }).records;
  if (records.length === 0) throw new SeqlabError(`input '${path}' holds no sequences`);
  return { ids: records.map((r) => r.id), seqs: encodeSequences(records, alphabet, path) };
}

/** First-layer filter motifs: each filter's strongest windows over the sequences (Kelley et al. 2016). */
function filterMotifs(net: SequenceNet, seqs: readonly Uint8Array[], alphabet: Alphabet, pad: number): Motif[] {
  const conv = net.convs[0] ?? net.stem;
  if (!conv) throw new SeqlabError(`a ${net.config.arch} model has no convolution filters; use motifs from saliency`);
  const activations = noGrad(() => seqs.map((s) => {
    const x = permute(net.inputFeatures(padSequences([s], pad)), [0, 2, 1]); // [1, F, L]
    return relu(conv.forward(x)).data.slice();
  }));
  return pwmFromActivations({ ids: seqs, letters: alphabet.letters, unknown: alphabet.unknown, activations, filters: conv.outChannels,
    kernel: conv.kernelSize, offset: conv.padding });
}

function load(stored: StoredConfig, store: CheckpointStore): LoadedModel {
  const { config, net: netConfig } = inFile(store, FILES.config, () => checkConfig(stored.task as BioTaskName, stored));
  const alphabet = ALPHABETS[config.alphabet];
  const net = new SequenceNet(netConfig, new Rng(0));
  loadWeights(store, net);
  net.eval();
  const ctx: PredictContext = { net, pad: alphabet.size,
    complement: config.task === 'classify' && config.bio.reverseComplement === 'on' && alphabet.complement ? alphabet.complement : null };
  const annotate = (source: DataSource, path: string, saliency: boolean): Annotation => {
    const input = readInput(config.task, source, path, alphabet);
    return config.task === 'classify'
      ? annotateClassify(ctx, input, config.classes, alphabet, saliency)
      : annotateTag(ctx, input, config.classes, alphabet, config.bio, saliency);
  };
  return {
    config: stored,
    evaluate: (request: EvalRequest, data: DataSource) => {
      const test = request.test ?? [];
      if (config.task === 'classify') {
        const records = readClassify(data, test[0], 'test data', true);
        return evaluateClassify(ctx, encodeClassify(records, alphabet, config.classes, test[0]), config.classes);
      }
      const { records } = readTag(data, test, 'test data', true);
      return evaluateTag(ctx, encodeTag(records, alphabet, config.classes, test[0]), config.classes, config.bio);
    },
    annotate,
    motifs: (source: DataSource, request: MotifRequest): Motif[] => {
      const input = readInput(config.task, source, request.input, alphabet);
      if (request.from === 'filters') return filterMotifs(net, input.seqs, alphabet, alphabet.size);
      const { saliency } = annotate(source, request.input, true);
      return [pwmFromSaliency({ ids: input.seqs, letters: alphabet.letters, unknown: alphabet.unknown, width: request.width,
        importance: saliency!.map((s) => s.importance) })];
    },
  };
}

function makeTask(name: BioTaskName): Task {
  return {
    name,
    summary: name === 'classify'
      ? 'one label per DNA or protein sequence (splice sites, promoters, TF binding)'
      : 'one label per position of DNA or protein sequences (coding regions, secondary structure)',
    archs: BIO_ARCHS,
    defaultArch: DEFAULT_ARCH[name],
    presets: ['default'],
    defaultPreset: 'default',
    tokenizers: [],
    trainPaths: name === 'classify' ? [1, 1] : [1, 3],
    testPaths: name === 'classify' ? [1, 1] : [2, 3],
    capabilities: ['annotate', 'motifs'],
    setup: name === 'classify' ? setupClassify : setupTag,
    load,
  };
}

export const classifyTask: Task = makeTask('classify');
export const tagTask: Task = makeTask('tag');
