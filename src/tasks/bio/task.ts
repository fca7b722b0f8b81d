/**
 * The biology tasks: `classify` (one label per DNA or protein sequence) and `tag` (one label per
 * position), each with cnn, bilstm, cnn-bilstm (DanQ) and transformer models, scikit-learn's
 * metrics, annotation (rows, BED regions, saliency) and motifs.
 */
import { ALPHABETS, type Alphabet } from '../../data/alphabet.js';
import { encodeSequences, readClassifyRecords, readTagRecords } from '../../data/bio-records.js';
import { SeqlabError } from '../../errors.js';
import { type Motif, pwmFromActivations, pwmFromSaliency } from '../../inspect/motifs.js';
import { defaultSequenceNetConfig, SequenceNet, type SequenceNetConfig } from '../../models/sequence-net.js';
import { permute } from '../../ops/shape-ops.js';
import { relu } from '../../ops/unary.js';
import type { StoredConfig } from '../../store/checkpoint.js';
import type { CheckpointStore, DataSource } from '../../store/store.js';
import { noGrad } from '../../tensor/autograd.js';
import { Rng } from '../../tensor/random.js';
import { loadModelBytes } from '../../train/checkpoint.js';
import type { EvalRequest, LoadedModel, MotifRequest, Task } from '../task.js';
import { annotateClassify, annotateTag, type AnnotateInput, type Annotation } from './annotate.js';
import { padSequences } from './batches.js';
import { BIO_ARCHS, type BioTaskConfig, type BioTaskName } from './config.js';
import { encodeClassify, encodeTag, readClassify, readTag } from './data.js';
import { evaluateClassify, evaluateTag } from './evaluate.js';
import type { PredictContext } from './predict.js';
import { DEFAULT_ARCH } from './recipes.js';
import { setupClassify, setupTag } from './setup.js';

function checkConfig(stored: StoredConfig, store: CheckpointStore): BioTaskConfig {
  const where = store.path('config.json');
  const config = stored as unknown as BioTaskConfig;
  for (const key of ['arch', 'alphabet', 'classes', 'bio', 'model'] as const) {
    if (config[key] === undefined) throw new SeqlabError(`${where}: "${key}" is missing`);
  }
  if (!(BIO_ARCHS as readonly string[]).includes(config.arch)) throw new SeqlabError(`${where}: unknown architecture '${config.arch}'`);
  if (!(config.alphabet in ALPHABETS)) throw new SeqlabError(`${where}: unknown alphabet '${config.alphabet}'`);
  if (!Array.isArray(config.classes) || config.classes.length < 2 || !config.classes.every((c) => typeof c === 'string')) {
    throw new SeqlabError(`${where}: "classes" must list at least two class names`);
  }
  return config;
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
  const config = checkConfig(stored, store);
  const alphabet = ALPHABETS[config.alphabet];
  // Settings added after a checkpoint was made take their defaults (a pooling head, say).
  const net = new SequenceNet({ ...defaultSequenceNetConfig, ...config.model } as SequenceNetConfig, new Rng(0));
  loadModelBytes(net, store.read('model.safetensors'));
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
