/**
 * Whole-sequence recurrent kernels, as cuDNN runs them: the input projection for every step is
 * computed beforehand (one GEMM), then one loop over time does a [B, H]·[H, G·H] GEMM and the
 * pointwise gate maths per step, and the backward pass runs the same loop in reverse and ends
 * with one large GEMM for the recurrent weight's gradient.
 *
 * This file is the plain definition; it takes the GEMM to use, so a fast backend reuses the
 * orchestration with its own GEMM (or replaces the whole kernel). It must equal stepping the
 * cells of src/nn/cells.ts with the differentiable ops, which a test asserts.
 */
import type { GemmArgs } from './backend.js';
import type { CellKind } from './op-table.js';

export type { CellKind } from './op-table.js';

/** Gates per cell: G, so the projections are G·H wide. */
export function gateCount(kind: CellKind): number {
  return kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
}

/** State tensors per cell: S (h, and c for the LSTM). */
export function stateCount(kind: CellKind): number {
  return kind === 'lstm' ? 2 : 1;
}

/** Saved activations per step and unit: the gates, plus W_hn·h + b_hn for the GRU. */
export function savedWidth(kind: CellKind): number {
  return kind === 'gru' ? 4 : gateCount(kind);
}

/**
 * Inputs and outputs of one direction of one layer over a batch of sequences.
 *   xProj  [B, T, G·H]  x·W_ihᵀ + b_ih, plus b_hh for rnn and lstm (it is constant over time)
 *   wHh    [G·H, H]     recurrent weights, PyTorch's layout and gate order
 *   bHh    [G·H]        GRU only: b_hh, which sits inside r ⊙ (W_hn·h + b_hn)
 *   h0, c0 [B, H]       initial state (c0 for the LSTM only)
 *   lengths            real length of each sequence, or null for all T
 * Outputs:
 *   out    [B, T, H]    h at every real step, zero past a sequence's end
 *   states [B, T, S·H]  the carried state after each step (h, then c), in time order
 *   saved  [B, T, W·H]  activated gates (W = savedWidth), for the backward pass; null when no
 *                      backward pass will run (inference): the kernel then keeps them to itself
 */
export interface RecurrenceArgs {
  kind: CellKind;
  batch: number;
  steps: number;
  hidden: number;
  xProj: Float32Array;
  wHh: Float32Array;
  bHh: Float32Array | null;
  h0: Float32Array;
  c0: Float32Array | null;
  lengths: Int32Array | null;
  reverse: boolean;
  out: Float32Array;
  states: Float32Array;
  saved: Float32Array | null;
  /**
   * The version of the tensor holding wHh (Tensor.version), from callers that run one step at a
   * time in inference (generation, suggestions): a fast backend may then keep W_hh in the form
   * its products read between calls, until the version changes. Omit it when unsure.
   */
  wHhVersion?: number;
}

/** Gradients in: dOut [B, T, H], dhN and dcN [B, H]. Gradients out (overwritten): the rest. */
export interface RecurrenceGradArgs extends RecurrenceArgs {
  saved: Float32Array;
  dOut: Float32Array;
  dhN: Float32Array;
  dcN: Float32Array | null;
  dxProj: Float32Array;
  dwHh: Float32Array;
  dbHh: Float32Array | null;
  dh0: Float32Array;
  dc0: Float32Array | null;
}

type Gemm = (args: GemmArgs) => void;

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Time index of processing step k. */
function timeOf(a: RecurrenceArgs, k: number): number {
  return a.reverse ? a.steps - 1 - k : k;
}

function live(a: RecurrenceArgs, b: number, t: number): boolean {
  return a.lengths === null || t < a.lengths[b];
}

/** The state (h or c: which = 0 or 1) each row held before processing step k, as [B, H]. */
function previousState(a: RecurrenceArgs, k: number, which: number, into: Float32Array): void {
  const { batch, hidden: H, steps } = a;
  const S = stateCount(a.kind);
  if (k === 0) {
    const initial = which === 0 ? a.h0 : a.c0;
    if (initial) into.set(initial.subarray(0, batch * H));
    else into.fill(0); // an LSTM started without c0 starts from zeros
    return;
  }
  const tp = timeOf(a, k - 1);
  for (let b = 0; b < batch; b++) {
    const src = ((b * steps + tp) * S + which) * H;
    into.set(a.states.subarray(src, src + H), b * H);
  }
}

/** Runs the recurrence forward over all steps. */
export function recurrenceForward(a: RecurrenceArgs, gemm: Gemm): void {
  const { kind, batch: B, steps: T, hidden: H } = a;
  const G = gateCount(kind);
  const S = stateCount(kind);
  const W = savedWidth(kind);
  const h = new Float32Array(B * H);
  const c = new Float32Array(B * H);
  const hh = new Float32Array(B * G * H); // h·W_hhᵀ (+ b_hh for the GRU)
  const saved = a.saved ?? new Float32Array(B * T * W * H);
  for (let k = 0; k < T; k++) {
    const t = timeOf(a, k);
    previousState(a, k, 0, h);
    if (kind === 'lstm') previousState(a, k, 1, c);
    gemm({ batch: 1, m: B, n: G * H, k: H, a: h, b: a.wHh, c: hh, transA: false, transB: true, strideA: 0, strideB: 0, strideC: 0, accumulate: false });
    for (let b = 0; b < B; b++) {
      const x = (b * T + t) * G * H;
      const g = b * G * H;
      const st = (b * T + t) * S * H;
      const sv = (b * T + t) * W * H;
      const o = (b * T + t) * H;
      const on = live(a, b, t);
      for (let j = 0; j < H; j++) {
        const hp = h[b * H + j];
        let hNew: number;
        let cNew = 0;
        if (kind === 'lstm') {
          const gi = sigmoid(a.xProj[x + j] + hh[g + j]);
          const gf = sigmoid(a.xProj[x + H + j] + hh[g + H + j]);
          const gg = Math.tanh(a.xProj[x + 2 * H + j] + hh[g + 2 * H + j]);
          const go = sigmoid(a.xProj[x + 3 * H + j] + hh[g + 3 * H + j]);
          cNew = gf * c[b * H + j] + gi * gg;
          hNew = go * Math.tanh(cNew);
          saved[sv + j] = gi;
          saved[sv + H + j] = gf;
          saved[sv + 2 * H + j] = gg;
          saved[sv + 3 * H + j] = go;
        } else if (kind === 'gru') {
          const bh = a.bHh; // a GRU without biases has none
          const hn = hh[g + 2 * H + j] + (bh ? bh[2 * H + j] : 0);
          const r = sigmoid(a.xProj[x + j] + hh[g + j] + (bh ? bh[j] : 0));
          const z = sigmoid(a.xProj[x + H + j] + hh[g + H + j] + (bh ? bh[H + j] : 0));
          const n = Math.tanh(a.xProj[x + 2 * H + j] + r * hn);
          hNew = (1 - z) * n + z * hp;
          saved[sv + j] = r;
          saved[sv + H + j] = z;
          saved[sv + 2 * H + j] = n;
          saved[sv + 3 * H + j] = hn;
        } else {
          const pre = a.xProj[x + j] + hh[g + j];
          hNew = kind === 'rnn_tanh' ? Math.tanh(pre) : Math.max(pre, 0);
          saved[sv + j] = hNew;
        }
        a.out[o + j] = on ? hNew : 0;
        a.states[st + j] = on ? hNew : hp;
        if (kind === 'lstm') a.states[st + H + j] = on ? cNew : c[b * H + j];
      }
    }
  }
}

/**
 * Backpropagation through time for `recurrenceForward` (which must have filled `states` and
 * `saved`). Rows past a sequence's end pass their state gradient through unchanged.
 */
export function recurrenceBackward(a: RecurrenceGradArgs, gemm: Gemm): void {
  const { kind, batch: B, steps: T, hidden: H } = a;
  const G = gateCount(kind);
  const W = savedWidth(kind);
  const dh = Float32Array.from(a.dhN); // gradient reaching the state after the current step
  const dc = a.dcN ? Float32Array.from(a.dcN) : new Float32Array(B * H);
  const dGate = new Float32Array(B * G * H); // gradient of the pre-activations, this step
  const dhPrev = new Float32Array(B * H);
  const hPrev = new Float32Array(B * H);
  const cPrev = new Float32Array(B * H);
  const hPrevAll = new Float32Array(B * T * H); // h before each step, by time index, for dW_hh
  const dGateAll = new Float32Array(B * T * G * H); // every step's gate gradients, by time index
  a.dxProj.fill(0);
  if (a.dbHh) a.dbHh.fill(0);
  for (let k = T - 1; k >= 0; k--) {
    const t = timeOf(a, k);
    previousState(a, k, 0, hPrev);
    if (kind === 'lstm') previousState(a, k, 1, cPrev);
    for (let b = 0; b < B; b++) {
      const on = live(a, b, t);
      const g = b * G * H;
      const sv = (b * T + t) * W * H;
      const st = (b * T + t) * stateCount(kind) * H;
      const o = (b * T + t) * H;
      hPrevAll.set(hPrev.subarray(b * H, (b + 1) * H), (b * T + t) * H);
      for (let j = 0; j < H; j++) {
        const q = b * H + j;
        if (!on) {
          for (let gi = 0; gi < G; gi++) dGate[g + gi * H + j] = 0;
          continue; // state passes through: dh and dc stay as they are
        }
        const dhT = dh[q] + a.dOut[o + j];
        if (kind === 'lstm') {
          const [i, f, gg, og] = [a.saved[sv + j], a.saved[sv + H + j], a.saved[sv + 2 * H + j], a.saved[sv + 3 * H + j]];
          const tc = Math.tanh(a.states[st + H + j]);
          const dcT = dc[q] + dhT * og * (1 - tc * tc);
          dGate[g + j] = dcT * gg * i * (1 - i);
          dGate[g + H + j] = dcT * cPrev[q] * f * (1 - f);
          dGate[g + 2 * H + j] = dcT * i * (1 - gg * gg);
          dGate[g + 3 * H + j] = dhT * tc * og * (1 - og);
          dc[q] = dcT * f;
          dh[q] = 0;
        } else if (kind === 'gru') {
          const [r, z, n, hn] = [a.saved[sv + j], a.saved[sv + H + j], a.saved[sv + 2 * H + j], a.saved[sv + 3 * H + j]];
          const dan = dhT * (1 - z) * (1 - n * n);
          const dar = dan * hn * r * (1 - r);
          const daz = dhT * (hPrev[q] - n) * z * (1 - z);
          dGate[g + j] = dar;
          dGate[g + H + j] = daz;
          dGate[g + 2 * H + j] = dan * r; // gradient of W_hn·h + b_hn
          a.dxProj[(b * T + t) * G * H + 2 * H + j] = dan;
          dh[q] = dhT * z;
        } else {
          const y = a.saved[sv + j];
          dGate[g + j] = dhT * (kind === 'rnn_tanh' ? 1 - y * y : y > 0 ? 1 : 0);
          dh[q] = 0;
        }
      }
      // The input projection's gradient equals the gate gradient (the GRU's n gate was set above).
      const x = (b * T + t) * G * H;
      const gates = kind === 'gru' ? 2 * H : G * H;
      if (on) for (let j = 0; j < gates; j++) a.dxProj[x + j] = dGate[g + j];
      if (on && a.dbHh) for (let j = 0; j < G * H; j++) a.dbHh[j] += dGate[g + j];
    }
    // dh_prev += dGate · W_hh: [B, G·H]·[G·H, H]
    gemm({ batch: 1, m: B, n: H, k: G * H, a: dGate, b: a.wHh, c: dhPrev, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0, accumulate: false });
    for (let q = 0; q < B * H; q++) dh[q] += dhPrev[q];
    // Save this step's gate gradients (by time index) for the weight gradient below.
    for (let b = 0; b < B; b++) dGateAll.set(dGate.subarray(b * G * H, (b + 1) * G * H), (b * T + t) * G * H);
  }
  a.dh0.set(dh);
  if (a.dc0) a.dc0.set(dc);
  // dW_hh = Σ_t dGate_tᵀ · h_{t−1}: [G·H, B·T]·[B·T, H] in one GEMM.
  gemm({ batch: 1, m: G * H, n: H, k: B * T, a: dGateAll, b: hPrevAll, c: a.dwHh, transA: true, transB: false, strideA: 0, strideB: 0, strideC: 0, accumulate: false });
}
