import { backend, type WasmBackend } from '../../backend/index.js';
import { randomWindows } from '../../data/batching.js';
import { buildCausalLm, type CausalLm } from '../../models/causal-lm.js';
import { type LmConfig, resolveLmConfig } from '../../models/lm-config.js';
import type { RecurrentLm } from '../../models/recurrent-lm.js';
import { recurrentStep } from '../../models/recurrent-step.js';
import { crossEntropy } from '../../nn/functional.js';
import { reshape } from '../../ops/shape-ops.js';
import { backward, noGrad } from '../../tensor/autograd.js';
import { Rng } from '../../tensor/random.js';
import { Adam } from '../../train/optim.js';

/** The benchmark workloads, fixed so runs compare across systems and over time. */
export type WorkloadName = 'A_lstm_train' | 'B_gru_train' | 'C_gpt_train' | 'D_lstm_generate';
export const WORKLOADS: readonly WorkloadName[] = ['A_lstm_train', 'B_gru_train', 'C_gpt_train', 'D_lstm_generate'];

/**
 * A: char LSTM, vocabulary 65, embedding 64, hidden 256, sequence 64, batch 32, Adam.
 * B: the same with a GRU. C: a GPT with 2 layers, d_model 128, 4 heads, FFN 512, context 64,
 * batch 32. D: batch-1 generation with A's LSTM.
 */
export const WORKLOAD_MODELS: Record<WorkloadName, Partial<LmConfig>> = {
  A_lstm_train: { arch: 'lstm', embedDim: 64, hiddenSize: 256, numLayers: 1, context: 64 },
  B_gru_train: { arch: 'gru', embedDim: 64, hiddenSize: 256, numLayers: 1, context: 64 },
  C_gpt_train: { arch: 'transformer', embedDim: 128, hiddenSize: 512, numLayers: 2, nhead: 4, context: 64 },
  D_lstm_generate: { arch: 'lstm', embedDim: 64, hiddenSize: 256, numLayers: 1, context: 64 },
};

export const VOCAB = 65;
/** Untimed training before the timed steps: at least this many steps and milliseconds; at most MAX_WARMUP_STEPS. */
export const WARMUP_STEPS = 2;
export const WARMUP_MS = 1500;
export const MAX_WARMUP_STEPS = 20;
export const BATCH = 32;

export interface WorkloadResult {
  workload: WorkloadName;
  /** tokens per second (training) or characters per second (generation), median of repeats. */
  rate: number;
  unit: 'tokens_per_s' | 'chars_per_s';
  repeats: number[];
}

/** The median of xs (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function model(name: WorkloadName): CausalLm {
  const c = WORKLOAD_MODELS[name];
  return buildCausalLm(resolveLmConfig(c.arch!, VOCAB, c), new Rng(1));
}

/** Lets the event loop turn, as the trainer does between steps, so freed memory is reused. */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** Training throughput: full steps (forward, backward, Adam) on random token windows. */
async function trainRate(name: WorkloadName, steps: number): Promise<number> {
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
  return (steps * BATCH * time) / (busy / 1000);
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
  return { workload: name, rate: median(rates), unit: name === 'D_lstm_generate' ? 'chars_per_s' : 'tokens_per_s', repeats: rates };
}
