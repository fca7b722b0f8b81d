/**
 * `seqlab export DIR --format onnx --out FILE.onnx`: a checkpoint as one ONNX graph (opset 17)
 * that onnxruntime (or any ONNX runtime) runs without seqlab, giving seqlab's logits.
 *
 *   lm, memory       ffn, rnn, gru, lstm, transformer (causal.ts: ids → logits, with the
 *                    recurrent state or the transformer's key/value cache in and out)
 *   classify, tag    cnn, bilstm, cnn-bilstm, transformer (sequence.ts: letter ids → logits)
 *
 * Not exported: n-gram language models (counts, not a network) and translation models (an
 * encoder-decoder searched by beam: a graph per half and a search loop outside it). Asking for
 * them is a SeqlabError naming the checkpoint.
 *
 * The file is written by hand (protobuf.ts, onnx-proto.ts): no ONNX package is needed. Its
 * metadata holds the checkpoint's config.json (`seqlab_config`, with the tokenizer's vocabulary
 * or the class names), so a caller can tokenize and read the outputs from the file alone.
 */
import { ALPHABETS } from '../../data/alphabet.js';
import { SeqlabError } from '../../errors.js';
import { buildCausalLm, type CausalLm } from '../../models/causal-lm.js';
import { type LmConfig, resolveLmConfig } from '../../models/lm-config.js';
import { defaultSequenceNetConfig, SequenceNet, type SequenceNetConfig } from '../../models/sequence-net.js';
import { readConfig, SEQLAB_VERSION, type StoredConfig } from '../../store/checkpoint.js';
import { writeAtomic } from '../../store/files.js';
import { type CheckpointStore, FILES } from '../../store/store.js';
import type { BioTaskConfig } from '../../tasks/bio/config.js';
import { loadLmParts } from '../../tasks/lm/setup.js';
import { Rng } from '../../tensor/random.js';
import { loadModelBytes } from '../../train/checkpoint.js';
import { exportCausal } from './causal.js';
import { OnnxGraph } from './graph.js';
import { exportSequenceNet } from './sequence.js';

/** What `exportOnnx` supports, for messages. */
const SUPPORTED = 'lm and memory models (ffn, rnn, gru, lstm, transformer), classify and tag models (cnn, bilstm, cnn-bilstm, transformer)';

/** An exported model: the .onnx bytes and a line saying what goes in and comes out. */
export interface OnnxModel {
  bytes: Uint8Array;
  description: string;
}

function unsupported(store: CheckpointStore, config: StoredConfig): never {
  const arch = typeof config.arch === 'string' ? ` ${config.arch}` : '';
  throw new SeqlabError(`${store.path(FILES.config)}: a ${config.task}${arch} model has no ONNX export (supported: ${SUPPORTED})`);
}

/** The causal network of an lm or memory checkpoint, weights loaded. */
function loadCausal(store: CheckpointStore, config: StoredConfig): CausalLm {
  if (config.task === 'lm') {
    if (config.arch === 'ngram') unsupported(store, config);
    return loadLmParts(config, store).neural!;
  }
  const model = config.model as LmConfig | undefined;
  if (!model || typeof model.arch !== 'string') throw new SeqlabError(`${store.path(FILES.config)}: "model" is missing`);
  const lm = buildCausalLm(resolveLmConfig(model.arch, model.vocabSize, model), new Rng(0));
  loadModelBytes(lm, store.read(FILES.model));
  return lm.eval();
}

/** The network of a classify or tag checkpoint, weights loaded, as the bio task loads it. */
function loadSequenceNet(store: CheckpointStore, config: BioTaskConfig): SequenceNet {
  if (!config.model || !(config.alphabet in ALPHABETS)) throw new SeqlabError(`${store.path(FILES.config)}: "model" or "alphabet" is missing`);
  const net = new SequenceNet({ ...defaultSequenceNetConfig, ...config.model } as SequenceNetConfig, new Rng(0));
  loadModelBytes(net, store.read(FILES.model));
  return net.eval();
}

/** The checkpoint in `store` as an ONNX model, in memory. */
export function buildOnnx(store: CheckpointStore): OnnxModel {
  const config = readConfig(store);
  const g = new OnnxGraph();
  let description: string;
  if (config.task === 'lm' || config.task === 'memory') {
    description = exportCausal(g, loadCausal(store, config));
  } else if (config.task === 'classify' || config.task === 'tag') {
    const bio = config as unknown as BioTaskConfig;
    const alphabet = ALPHABETS[bio.alphabet];
    const net = loadSequenceNet(store, bio);
    const bothStrands = bio.task === 'classify' && bio.bio?.reverseComplement === 'on' && alphabet.complement;
    description = exportSequenceNet(g, net, alphabet, bothStrands ? alphabet.complement : null);
  } else {
    unsupported(store, config);
  }
  const bytes = g.encode({
    name: `seqlab_${config.task}_${String(config.arch)}`, doc: description, producerVersion: SEQLAB_VERSION,
    metadata: { seqlab_task: config.task, seqlab_arch: String(config.arch), seqlab_config: JSON.stringify(config) },
  });
  return { bytes, description };
}

/** Writes the checkpoint in `store` to `out` as one .onnx file (atomically: never half a file). */
export function exportOnnx(store: CheckpointStore, out: string): void {
  const { bytes, description } = buildOnnx(store);
  try {
    writeAtomic(out, bytes);
  } catch (err) {
    throw new SeqlabError(`${out}: cannot write the ONNX file (${err instanceof Error ? err.message : String(err)})`);
  }
  process.stderr.write(`wrote ${out} (${(bytes.length / 1e6).toFixed(1)} MB): ${description}\n`);
}
