import { backend, type WasmBackend } from '../../backend/index.js';
import { DNA } from '../../data/alphabet.js';
import { randomWindows } from '../../data/batching.js';
import { buildCausalLm, type CausalLm } from '../../models/causal-lm.js';
import { type LmConfig, resolveLmConfig } from '../../models/lm-config.js';
import type { RecurrentLm } from '../../models/recurrent-lm.js';
import { SequenceNet } from '../../models/sequence-net.js';
import { defaultTransformerSeq2SeqConfig, TransformerSeq2Seq } from '../../models/transformer-seq2seq.js';
import { recurrentStep } from '../../models/recurrent-step.js';
import { crossEntropy } from '../../nn/functional.js';
import { reshape } from '../../ops/shape-ops.js';
import { backward, noGrad } from '../../tensor/autograd.js';
import { Rng } from '../../tensor/random.js';
import { Adam } from '../../train/optim.js';
import { padSequences } from '../bio/batches.js';
import { resolveNetConfig } from '../bio/setup.js';

/** The benchmark workloads, fixed so runs compare across systems and over time. */
export type WorkloadName = 'A_lstm_train' | 'B_gru_train' | 'C_gpt_train' | 'D_lstm_generate' | 'E_transformer_mt_train'
  | 'F_cnn_bilstm_dna_train';
export const WORKLOADS: readonly WorkloadName[] = ['A_lstm_train', 'B_gru_train', 'C_gpt_train', 'D_lstm_generate', 'E_transformer_mt_train',
  'F_cnn_bilstm_dna_train'];
type LmWorkload = Exclude<WorkloadName, 'E_transformer_mt_train' | 'F_cnn_bilstm_dna_train'>;

/**
 * A: char LSTM, vocabulary 65, embedding 64, hidden 256, sequence 64, batch 32, Adam.
 * B: the same with a GRU. C: a GPT with 2 layers, d_model 128, 4 heads, FFN 512, context 64,
 * batch 32. D: batch-1 generation with A's LSTM. E: see MT_WORKLOAD.
 */
export const WORKLOAD_MODELS: Record<LmWorkload, Partial<LmConfig>> = {
  A_lstm_train: { arch: 'lstm', embedDim: 64, hiddenSize: 256, numLayers: 1, context: 64 },
  B_gru_train: { arch: 'gru', embedDim: 64, hiddenSize: 256, numLayers: 1, context: 64 },
  C_gpt_train: { arch: 'transformer', embedDim: 128, hiddenSize: 512, numLayers: 2, nhead: 4, context: 64 },
  D_lstm_generate: { arch: 'lstm', embedDim: 64, hiddenSize: 256, numLayers: 1, context: 64 },
};

export const VOCAB = 65;

/**
 * E: the translation Transformer step (TransformerSeq2Seq's defaults: nn.Transformer with d_model
 * 256, 3 + 3 pre-norm layers, 4 heads, FFN 1024, dropout 0.1, sinusoidal positions, tied output),
 * vocabularies of 8,000, batches of 160 sentence pairs of 25 tokens each way (4,000 target
 * tokens), label smoothing 0.1, Adam. Its rate counts target tokens.
 */
export const MT_WORKLOAD = { vocab: 8000, batch: 160, length: 25, labelSmoothing: 0.1 } as const;
/**
 * F: the DanQ-style DNA classifier of the classify recipe for 'cnn-bilstm' (SequenceNet from
 * resolveNetConfig with no settings: one-hot over ACGT, conv 128 × 11 'same', ReLU, max-pool 4,
 * dropout 0.2, BiLSTM 64 per direction, max ‖ mean over time, fc 64, ReLU, dropout, 2 classes),
 * batches of 64 sequences of 200 bases, cross-entropy, Adam. Its rate counts bases (positions).
 */
export const DNA_WORKLOAD = { batch: 64, length: 200, classes: 2 } as const;
/** Untimed training before the timed steps: at least this many steps and milliseconds; at most MAX_WARMUP_STEPS. */
export const WARMUP_STEPS = 2;
export const WARMUP_MS = 1500;
export const MAX_WARMUP_STEPS = 20;
export const BATCH = 32;

export type WorkloadUnit = 'tokens_per_s' | 'chars_per_s' | 'bases_per_s';

/** What each workload's rate counts. */
export function workloadUnit(name: WorkloadName): WorkloadUnit {
  if (name === 'D_lstm_generate') return 'chars_per_s';
  return name === 'F_cnn_bilstm_dna_train' ? 'bases_per_s' : 'tokens_per_s';
}

export interface WorkloadResult {
  workload: WorkloadName;
  /** tokens per second (training), characters per second (generation) or bases per second (F), median of repeats. */
  rate: number;
  unit: WorkloadUnit;
  repeats: number[];
}

/** The median of xs (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function model(name: LmWorkload): CausalLm {
  const c = WORKLOAD_MODELS[name];
  return buildCausalLm(resolveLmConfig(c.arch!, VOCAB, c), new Rng(1));
}

/** Lets the event loop turn, as the trainer does between steps, so freed memory is reused. */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** One training step of an LM workload (forward, backward, Adam) on random token windows; tokens per step. */
function lmStep(name: LmWorkload): { step: () => void; tokens: number } {
  const m = model(name);
  const opt = new Adam(m, { lr: 1e-3 });
  const stream = Int32Array.from({ length: 50000 }, (_, i) => (i * 7919) % VOCAB);
  const rng = new Rng(2);
  const time = m.config.context;
  const step = (): void => {
    const b = randomWindows(stream, BATCH, time, rng);
    const { logits } = m.forward(b.inputs, b.batch, b.time);
    backward(crossEntropy(reshape(logits, [-1, VOCAB]), b.targets));
    opt.step();
    opt.zeroGrad();
  };
  return { step, tokens: BATCH * time };
}

/** One step of workload E on random sentence pairs (no padding); target tokens per step. */
function mtStep(): { step: () => void; tokens: number } {
  const { vocab, batch, length, labelSmoothing } = MT_WORKLOAD;
  const net = new TransformerSeq2Seq({ ...defaultTransformerSeq2SeqConfig, sourceVocab: vocab, targetVocab: vocab }, new Rng(1));
  const opt = new Adam(net, { lr: 1e-3 });
  const rng = new Rng(2);
  const lengths = new Array<number>(batch).fill(length);
  const draw = (): Int32Array => Int32Array.from({ length: batch * length }, () => 4 + rng.int(vocab - 4)); // past <unk> <pad> <bos> <eos>
  const step = (): void => {
    const src = { ids: draw(), batch, time: length, lengths };
    const tgtIn = { ids: draw(), batch, time: length, lengths };
    const logits = net.forward(src, tgtIn); // [B, T, V]
    backward(crossEntropy(reshape(logits, [-1, vocab]), draw(), -100, 'mean', { labelSmoothing }));
    opt.step();
    opt.zeroGrad();
  };
  return { step, tokens: batch * length };
}

/** One step of workload F on random full-length DNA sequences (no N, no padding); bases per step. */
function dnaStep(): { step: () => void; tokens: number } {
  const { batch, length, classes } = DNA_WORKLOAD;
  const net = new SequenceNet(resolveNetConfig('classify', 'cnn-bilstm', {}, DNA, classes), new Rng(1));
  const opt = new Adam(net, { lr: 1e-3 });
  const rng = new Rng(2);
  const step = (): void => {
    const seqs = Array.from({ length: batch }, () => Uint8Array.from({ length }, () => rng.int(4))); // A C G T
    const labels = Array.from({ length: batch }, () => rng.int(classes));
    const logits = net.forward(padSequences(seqs, DNA.size)); // [B, C]
    backward(crossEntropy(logits, labels));
    opt.step();
    opt.zeroGrad();
  };
  return { step, tokens: batch * length };
}

/** Training throughput in tokens (F: bases) per second over `steps` timed steps, after a warm-up. */
async function trainRate(name: Exclude<WorkloadName, 'D_lstm_generate'>, steps: number): Promise<number> {
  const { step, tokens } = name === 'E_transformer_mt_train' ? mtStep() : name === 'F_cnn_bilstm_dna_train' ? dnaStep() : lmStep(name);
  // Warm-up, untimed, until the steps run as they will for the rest of a training run: the JIT
  // has compiled the hot JavaScript (in the background, on the same core when pinned) and the
  // heap has grown to its steady size (backend/settle.ts). At least WARMUP_STEPS and WARMUP_MS,
  // then on until a step takes no fresh memory; at most MAX_WARMUP_STEPS.
  const fresh = (): number => (backend() as Partial<WasmBackend>).heapStats?.().freshBytes ?? 0;
  const warmupStart = performance.now();
  for (let i = 0; i < MAX_WARMUP_STEPS; i++) {
    const before = fresh();
    step();
    await backend().afterStep();
    await yieldToEventLoop();
    if (i + 1 >= WARMUP_STEPS && performance.now() - warmupStart >= WARMUP_MS && fresh() === before) break;
  }
  let busy = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    await backend().afterStep(); // as the trainer does between steps; its collections count in the time
    busy += performance.now() - t0;
    await yieldToEventLoop();
  }
  return (steps * tokens) / (busy / 1000);
}

/** Generation throughput at batch 1: one token per step, carrying the recurrent state. */
function generateRate(chars: number): number {
  const m = model('D_lstm_generate').eval() as RecurrentLm;
  return noGrad(() => {
    let { state } = m.forward([1, 2, 3], 1, 3);
    let token = 4;
    // What `seqlab generate` runs per character (NeuralPredictor.step): the state given up each time.
    const options = { reuse: true };
    for (let i = 0; i < 3000; i++) ({ state } = recurrentStep(m, [token], state, options)); // warm-up: the JIT settles
    const t0 = performance.now();
    for (let i = 0; i < chars; i++) {
      const out = recurrentStep(m, [token], state, options);
      state = out.state;
      token = (token + 1) % VOCAB;
    }
    return chars / ((performance.now() - t0) / 1000);
  });
}

/** Runs one workload `repeats` times and reports the median rate. */
export async function runWorkload(name: WorkloadName, repeats = 3, size = 1): Promise<WorkloadResult> {
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    rates.push(name === 'D_lstm_generate' ? generateRate(Math.round(3000 * size)) : await trainRate(name, Math.max(1, Math.round(3 * size))));
    await yieldToEventLoop();
  }
  return { workload: name, rate: median(rates), unit: workloadUnit(name), repeats: rates };
}
