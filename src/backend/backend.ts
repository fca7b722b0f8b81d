/**
 * The kernel interface. Every numeric loop in seqlab runs through one of these calls. The set is
 * small and each call does a whole batch of work, so a fast backend (WebAssembly SIMD, threads)
 * can replace the reference one kernel by kernel, and a test can hold the two side by side.
 *
 * Arrays are plain Float32Array; offsets and strides are in elements. Kernels never allocate
 * tensors and never call back into JavaScript per element.
 */
import type { AttentionArgs, AttentionGradArgs } from './attention.js';
import type { BinaryOp, ReduceOp, UnaryOp } from './op-table.js';
import type { RecurrenceArgs, RecurrenceGradArgs } from './recurrence.js';

export type { AttentionArgs, AttentionCall, AttentionGradArgs, HeadLayout } from './attention.js';
export type { CellKind, RecurrenceArgs, RecurrenceGradArgs } from './recurrence.js';

// The op names, and the codes the wasm kernels take, are listed once in op-table.ts.
export type { BinaryOp, ReduceOp, UnaryOp } from './op-table.js';

/**
 * One (possibly batched) matrix product, C[b] = op(A[b]) · op(B[b]) (+ C[b] when `accumulate`).
 * op(A) is [m, k]: A is stored [m, k], or [k, m] when `transA`. op(B) is [k, n]: B is stored
 * [k, n], or [n, k] when `transB`. C is [m, n]. A batch stride of 0 reuses one matrix for
 * every batch entry (a shared weight).
 */
export interface GemmArgs {
  batch: number;
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  transA: boolean;
  transB: boolean;
  strideA: number;
  strideB: number;
  strideC: number;
  accumulate: boolean;
}

/** How `afterStep` paces collections. */
export interface SettleOptions {
  /** Most bytes of tensor memory handed out between two collections (default: settle.ts's SETTLE_MAX_BYTES). */
  maxBytes?: number;
}

export interface Backend {
  readonly name: string;

  /**
   * Fresh storage for `n` float32 values, zeroed; with `uninitialized`, it may hold old values
   * instead (for outputs a kernel overwrites whole: reused memory then skips the zeroing).
   */
  alloc(n: number, uninitialized?: boolean): Float32Array;

  gemm(args: GemmArgs): void;

  /** out[i] = f(x[i]). */
  unary(op: UnaryOp, x: Float32Array, out: Float32Array): void;

  /** out[i] = g[i] · f'(x[i]), given y = f(x) as well (many derivatives are cheaper from y). */
  unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, g: Float32Array, out: Float32Array): void;

  /**
   * out = a ∘ b elementwise over `shape`, reading a and b through broadcast strides (0 on
   * broadcast axes). `out` is contiguous with `shape`.
   */
  binary(op: BinaryOp, a: Float32Array, aStrides: readonly number[], b: Float32Array, bStrides: readonly number[],
    out: Float32Array, shape: readonly number[]): void;

  /** Reduces the middle axis of x viewed as [outer, n, inner] into out [outer, inner]. */
  reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number, out: Float32Array): void;

  /** out = x with its axes permuted: out.shape[i] = shape[perm[i]]. */
  permute(x: Float32Array, shape: readonly number[], perm: readonly number[], out: Float32Array): void;

  /**
   * Block copy along one axis of tensors viewed as [outer, n, inner]:
   * dst[o, dstStart + j, :] (+)= src[o, srcStart + j, :] for j < count.
   */
  axisCopy(src: Float32Array, srcN: number, srcStart: number, dst: Float32Array, dstN: number, dstStart: number,
    outer: number, count: number, inner: number, accumulate: boolean): void;

  /**
   * Rows of a table viewed as [outer, rows, inner]: out[o, j, :] = x[o, index[j], :].
   * With `accumulate` it runs the other way (the gradient): x[o, index[j], :] += out[o, j, :].
   */
  gatherRows(x: Float32Array, rows: number, index: Int32Array, out: Float32Array, outer: number, inner: number,
    scatterAdd: boolean): void;

  /** out[i] = cond[i] ≠ 0 ? a[i] : b[i], all read through broadcast strides over `shape`. */
  where(cond: Float32Array, cStrides: readonly number[], a: Float32Array, aStrides: readonly number[],
    b: Float32Array, bStrides: readonly number[], out: Float32Array, shape: readonly number[]): void;

  /**
   * 1-D im2col: x [batch, cin, len] → cols [batch, lenOut, cin·kernel] with zero padding, where
   * lenOut = len + 2·padding − dilation·(kernel − 1) (stride 1). With `transpose`, it runs
   * backward: x (+)= the sum of cols scattered back (col2im).
   */
  im2col1d(x: Float32Array, cols: Float32Array, batch: number, cin: number, len: number, kernel: number,
    padding: number, dilation: number, transpose: boolean): void;

  /**
   * One direction of a recurrent layer over whole sequences (RNN, GRU or LSTM): see
   * recurrence.ts for the shapes. Fills `out`, `states` and `saved`.
   */
  recurrenceForward(args: RecurrenceArgs): void;

  /** Backpropagation through time for `recurrenceForward`. */
  recurrenceBackward(args: RecurrenceGradArgs): void;

  /**
   * Scaled softmax along the last axis of x viewed as [rows, n], over the positions the mask
   * leaves: with z = scale·x (rounded to float32, as a separate multiply would),
   *   y[r, j] = exp(z[r, j] − m_r) / Σ_k exp(z[r, k] − m_r), k unmasked, m_r their maximum,
   * with masked positions 0 and a row whose sum is 0 (everything masked) all zeros.
   */
  softmax(x: Float32Array, rows: number, n: number, scale: number, mask: SoftmaxMask | null, y: Float32Array): void;

  /** The scaled softmax's vector-Jacobian product, per row: dx = scale·y ⊙ (g − Σⱼ gⱼ·yⱼ). */
  softmaxGrad(y: Float32Array, g: Float32Array, rows: number, n: number, scale: number, dx: Float32Array): void;

  /**
   * Multi-head scaled dot-product attention, softmax(scale·QKᵀ, masked)·V per batch entry and
   * head, causal and/or with key padding, in one pass: see attention.ts for the equations and
   * the layouts. Fills `out` [B, Tq, H·Dh] and `weights` [B, H, Tq, Tk].
   */
  attention(args: AttentionArgs): void;

  /** Backward of `attention`: adds the gradients into dq, dk and dv (those given). */
  attentionGrad(args: AttentionGradArgs): void;

  /**
   * Layer normalisation over the last axis of x viewed as [rows, n], PyTorch's biased variance:
   *   y = (x − μ)·r·w + b, r = 1/√(σ² + eps), w and b [n] (1 and 0 when null).
   * Saves μ and r per row ([rows] each) for the backward pass.
   */
  layerNorm(x: Float32Array, rows: number, n: number, weight: Float32Array | null, bias: Float32Array | null,
    eps: number, y: Float32Array, mean: Float32Array, rstd: Float32Array): void;

  /**
   * Backward of `layerNorm` from the upstream gradient g [rows, n], with x̂ = (x − μ)·r:
   *   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)), ĝ = g ⊙ w;  dw = Σ_rows g ⊙ x̂;  db = Σ_rows g.
   * dw and db (when given) are overwritten.
   */
  layerNormGrad(x: Float32Array, g: Float32Array, rows: number, n: number, weight: Float32Array | null,
    mean: Float32Array, rstd: Float32Array, dx: Float32Array, dw: Float32Array | null, db: Float32Array | null): void;

  /** One Adam / AdamW update of p in place, with m and v (see `AdamStep`), in float64 per element. */
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void;

  /**
   * A mark for `release`: storage allocated after it may be handed back early. (0 where `alloc`
   * is plain arrays.)
   */
  allocationMark(): number;

  /**
   * Hands `data`'s storage back for reuse now, when `alloc` returned it after `mark` and it is a
   * whole block, not a view into one; otherwise does nothing. The caller vouches that nothing
   * reads `data` again: backward passes give back the gradients they are done with, which the
   * garbage collector would otherwise reclaim only after the step (wasm/heap.ts).
   */
  release(data: Float32Array, mark: number): void;

  /**
   * Called by training loops between steps, once a step's tensors are unreachable: a backend
   * whose memory the garbage collector would hand back late reclaims it here (the wasm heap:
   * settle.ts). Resolves after asking; yield to the event loop after it, as finalizers run then.
   * `maxBytes` caps the tensor memory handed out between two collections (a long-lived server
   * trades a few more collections for a smaller, steadier heap).
   */
  afterStep(options?: SettleOptions): Promise<void>;
}

/**
 * Which positions a softmax skips: position (r, j) of x [rows, n] is masked when
 * data[rowOffsets[r] + j·stride] ≠ 0. rowOffsets [rows] place each row's mask row (so any
 * broadcast of a mask over x's leading axes is one table); stride is 1, or 0 for a mask that is
 * constant along the row.
 */
export interface SoftmaxMask {
  data: Float32Array;
  rowOffsets: Int32Array;
  stride: 0 | 1;
}

/**
 * One Adam update's constants (torch.optim.Adam / AdamW). Per element, in float64:
 *   x = p·decay;  gᵢ = g + l2·x;  m = β₁m + (1 − β₁)gᵢ;  v = β₂v + (1 − β₂)gᵢ²;
 *   p = x − stepSize·m / (√v / bc2Sqrt + eps)
 * with stepSize = lr/(1 − β₁ᵗ), bc2Sqrt = √(1 − β₂ᵗ); decay = 1 − lr·λ for AdamW (else 1),
 * l2 = λ for Adam (else 0).
 */
export interface AdamStep {
  beta1: number;
  beta2: number;
  eps: number;
  stepSize: number;
  bc2Sqrt: number;
  decay: number;
  l2: number;
}
