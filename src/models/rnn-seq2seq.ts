/**
 * The `rnn-attention` and `rnn` translation models: a bidirectional GRU or LSTM encoder, a
 * bridge to the decoder's initial state, and a recurrent decoder with Bahdanau (additive) or
 * Luong (dot, general) attention and input feeding (Bahdanau et al. 2015; Luong et al. 2015;
 * OpenNMT-py's RNN models), or no attention at all: the plain encoder-decoder baseline,
 * conditioned on the source through the bridge only. The decoder lives in rnn-decoder.ts.
 *
 * Sizes: B sentences, S source positions, T target positions, E embedding width, H hidden units
 * (per direction in the encoder), L layers, V target vocabulary.
 */
import { ConfigError, type ConfigLayer, checkRange, checkWhole, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { Dropout, Embedding, Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { Gru, Lstm } from '../nn/recurrent.js';
import { concat, reshape, slice, stack } from '../ops/shape-ops.js';
import { tanh } from '../ops/unary.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { type RnnDecoderState, RnnDecoder, type RnnEncoding, selectDecoderRows, selectEncodingRows } from './rnn-decoder.js';
import { checkBatch, paddingMask, type Seq2Seq, type SourceBatch, type TargetBatch } from './seq2seq.js';

/** The recurrent cell of encoder and decoder. */
export type RnnSeq2SeqCell = 'gru' | 'lstm';
/** The decoder's attention: Bahdanau's additive, Luong's dot or general, or none (the `rnn` baseline). */
export type RnnSeq2SeqAttention = 'additive' | 'dot' | 'general' | 'none';

export const RNN_SEQ2SEQ_CELLS: readonly RnnSeq2SeqCell[] = ['gru', 'lstm'];
export const RNN_SEQ2SEQ_ATTENTIONS: readonly RnnSeq2SeqAttention[] = ['additive', 'dot', 'general', 'none'];

/** The shape of an RnnSeq2Seq (config.json's `model` section). */
export interface RnnSeq2SeqConfig {
  /** Source and target vocabulary sizes (no default: at least 2 each). */
  sourceVocab: number;
  targetVocab: number;
  /** E: width of both token embeddings. */
  embedDim: number;
  /** H: units of every decoder layer, and of each direction of every encoder layer. */
  hiddenSize: number;
  /** L: layers of the encoder and of the decoder (1 or 2). */
  numLayers: number;
  cell: RnnSeq2SeqCell;
  attention: RnnSeq2SeqAttention;
  /** Dropout on the embeddings, between layers and before the output layer (training only). */
  dropout: number;
  /** Feed h̃_{t−1} into step t with the token (Luong); no effect with attention 'none'. */
  inputFeeding: boolean;
  /** The output layer uses the decoder embedding as its weight (needs embedDim = hiddenSize). */
  tieDecoderEmbeddings: boolean;
  /** The padding id of both vocabularies: its embedding rows are zero and get no gradient. */
  padId: number;
}

/**
 * Defaults: embeddings 256, hidden 256, 1 layer, GRU, additive attention, dropout 0.2, input
 * feeding, untied output, padding id 1 (seqlab's reserved `<pad>`).
 */
export const defaultRnnSeq2SeqConfig: Readonly<RnnSeq2SeqConfig> = Object.freeze({
  sourceVocab: 0, targetVocab: 0, embedDim: 256, hiddenSize: 256, numLayers: 1, cell: 'gru', attention: 'additive',
  dropout: 0.2, inputFeeding: true, tieDecoderEmbeddings: false, padId: 1,
});

const SECTION = 'model';

/** Defaults, then each layer (a preset, the user's settings), checked: errors are ConfigErrors naming `model.<key>`. */
export function resolveRnnSeq2SeqConfig(...layers: ConfigLayer<RnnSeq2SeqConfig>[]): RnnSeq2SeqConfig {
  const c = resolveConfig<RnnSeq2SeqConfig>(SECTION, defaultRnnSeq2SeqConfig, layers,
    { cell: RNN_SEQ2SEQ_CELLS, attention: RNN_SEQ2SEQ_ATTENTIONS });
  checkWhole(SECTION, c, 'sourceVocab', 2);
  checkWhole(SECTION, c, 'targetVocab', 2);
  for (const key of ['embedDim', 'hiddenSize', 'numLayers'] as const) checkWhole(SECTION, c, key);
  if (c.numLayers > 2) throw new ConfigError(SECTION, 'numLayers', `must be 1 or 2, got ${c.numLayers}`);
  checkRange(SECTION, c, 'dropout', 0, 1);
  checkWhole(SECTION, c, 'padId', 0);
  if (c.padId >= Math.min(c.sourceVocab, c.targetVocab)) {
    throw new ConfigError(SECTION, 'padId', `${c.padId} is outside the vocabularies (${c.sourceVocab} source, ${c.targetVocab} target tokens)`);
  }
  if (c.tieDecoderEmbeddings && c.embedDim !== c.hiddenSize) {
    throw new ConfigError(SECTION, 'tieDecoderEmbeddings', `needs embedDim (${c.embedDim}) equal to hiddenSize (${c.hiddenSize})`);
  }
  return c;
}

/**
 * The encoder, as OpenNMT's bidirectional RNN encoder with a bridge:
 *   memory, (h_N, c_N) = BiRNN(dropout(emb(x)), lengths)        memory [B, S, 2H], h_N [2L, B, H]
 *   s_0^l = tanh(W_b^l [h_N^{l,fwd}; h_N^{l,bwd}] + b_b^l)     [B, H] per decoder layer l
 * and for the LSTM, c_0^l the same through its own bridge (`bridge_c`). Names below `encoder.`:
 * `embedding.weight` [V_src, E], `rnn.weight_ih_l0`, `rnn.weight_ih_l0_reverse`, ... (torch.nn.GRU /
 * LSTM's), `bridge_h.<l>.weight` [H, 2H] and `.bias`, `bridge_c.<l>.*` (LSTM). The stack records
 * its per-step states into an active trace under `encoder.rnn.l<l>` and `encoder.rnn.l<l>_reverse`.
 */
export class RnnEncoder extends Module {
  embedding: Embedding;
  rnn: Gru | Lstm;
  bridge_h: Linear[];
  bridge_c: Linear[];
  drop: Dropout;

  constructor(readonly config: RnnSeq2SeqConfig, rng: Rng) {
    super();
    const { sourceVocab, embedDim: E, hiddenSize: H, numLayers: L } = config;
    this.embedding = new Embedding(sourceVocab, E, rng, config.padId);
    const rc = { inputSize: E, hiddenSize: H, numLayers: L, bidirectional: true, dropout: config.dropout };
    this.rnn = config.cell === 'lstm' ? new Lstm(rc, rng) : new Gru(rc, rng);
    this.bridge_h = Array.from({ length: L }, () => new Linear(2 * H, H, rng));
    this.bridge_c = config.cell === 'lstm' ? Array.from({ length: L }, () => new Linear(2 * H, H, rng)) : [];
    this.drop = new Dropout(config.dropout, rng);
  }

  /** ids [B, S] with lengths → memory [B, S, 2H] (zero past each length) and each decoder layer's start state. */
  forward(src: SourceBatch): { memory: Tensor; initial: Tensor[][] } {
    const { batch: B, time: S } = src;
    const x = this.drop.forward(this.embedding.forward(src.ids, [B, S])); // [B, S, E]
    const out = this.rnn.forward(x, { lengths: src.lengths }); // memory [B, S, 2H]
    const finals = 'cN' in out ? [out.hN, out.cN as Tensor] : [out.hN]; // each [2L, B, H]
    const bridges = [this.bridge_h, this.bridge_c];
    const initial = this.bridge_h.map((_, l) => finals.map((f, k) => tanh(bridges[k][l].forward(bothDirections(f, l))))); // [B, H]
    return { memory: out.output, initial };
  }
}

/** Layer l's final forward and backward states of [2L, B, H], side by side: [B, 2H]. */
function bothDirections(finals: Tensor, layer: number): Tensor {
  const [, B, H] = finals.shape;
  const fwd = reshape(slice(finals, 0, 2 * layer, 2 * layer + 1), [B, H]);
  const bwd = reshape(slice(finals, 0, 2 * layer + 1, 2 * layer + 2), [B, H]);
  return concat([fwd, bwd], -1);
}

/**
 * An RNN encoder-decoder: `encoder` (RnnEncoder: bidirectional stack and bridge) and `decoder`
 * (RnnDecoder: cells, attention, attentional vector, output layer). Every parameter is drawn
 * from `rng` with its layer's PyTorch default (embeddings N(0, 1), Linear and cells U(±1/√in)).
 *
 * `forward` runs the decoder's `step` over the T target positions (teacher forcing), so it
 * equals `encode`, `start` and T calls of `step` exactly. An active trace gets the encoder's
 * states, the decoder cells' `h` (and `c`, gates) at every target step, and `attn` [B, S] once
 * per target step (under `decoder.attn`).
 */
export class RnnSeq2Seq extends Module implements Seq2Seq<RnnEncoding, RnnDecoderState> {
  readonly config: RnnSeq2SeqConfig;
  encoder: RnnEncoder;
  decoder: RnnDecoder;

  /** `config` is resolved (and checked) over `defaultRnnSeq2SeqConfig`. */
  constructor(config: ConfigLayer<RnnSeq2SeqConfig>, rng: Rng) {
    super();
    this.config = resolveRnnSeq2SeqConfig(config);
    this.encoder = new RnnEncoder(this.config, rng);
    this.decoder = new RnnDecoder(this.config, rng);
  }

  get sourceVocab(): number {
    return this.config.sourceVocab;
  }

  get targetVocab(): number {
    return this.config.targetVocab;
  }

  /** Teacher forcing: src [B, S], tgt [B, T] (starting with <bos>) → logits [B, T, V]. */
  forward(src: SourceBatch, tgt: TargetBatch): Tensor {
    checkBatch('RnnSeq2Seq', 'target', tgt);
    if (tgt.batch !== src.batch) throw new SeqlabError(`RnnSeq2Seq: ${tgt.batch} targets for ${src.batch} sources`);
    const encoding = this.encode(src);
    let state = this.start(encoding);
    const logits: Tensor[] = [];
    for (let t = 0; t < tgt.time; t++) {
      const tokens = Array.from({ length: tgt.batch }, (_, b) => tgt.ids[b * tgt.time + t]);
      const out = this.step(encoding, state, tokens);
      logits.push(out.logits); // [B, V]
      state = out.state;
    }
    return stack(logits, 1); // [B, T, V]
  }

  /** src [B, S] → the memory [B, S, 2H], its padding mask [B, S], attention's keys and the bridged start states. */
  encode(src: SourceBatch): RnnEncoding {
    checkBatch('RnnSeq2Seq', 'source', src);
    const { memory, initial } = this.encoder.forward(src);
    return { memory, ...this.decoder.prepare(memory), mask: paddingMask(src), initial };
  }

  start(encoding: RnnEncoding): RnnDecoderState {
    return this.decoder.start(encoding);
  }

  /** tokens [n] → logits [n, V] and the next state; row i reads row i of `encoding`. */
  step(encoding: RnnEncoding, state: RnnDecoderState, tokens: readonly number[]): { logits: Tensor; state: RnnDecoderState } {
    return this.decoder.step(encoding, state, tokens);
  }

  selectRows(encoding: RnnEncoding, rows: readonly number[]): RnnEncoding {
    return selectEncodingRows(encoding, rows);
  }

  selectState(state: RnnDecoderState, rows: readonly number[]): RnnDecoderState {
    return selectDecoderRows(state, rows);
  }

  /** The last step's attention weights [n, S] (0 at source padding); null before a step or without attention. */
  lastAttention(state: RnnDecoderState): Tensor | null {
    return state.attention;
  }
}
