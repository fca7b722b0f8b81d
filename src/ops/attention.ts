import { backend, type HeadLayout, headMajor, interleavedHeads } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * One operand of `attention`: a tensor read as heads [B, T, H, Dh] through a layout, without a
 * copy. Made by `interleaved` (a block of columns of [B, T, C], as projections lay heads out)
 * or `headMajorView` ([B, H, T, Dh], as a key-value cache keeps them).
 */
export interface HeadView {
  tensor: Tensor;
  batch: number;
  steps: number;
  heads: number;
  headDim: number;
  at: HeadLayout;
}

/** Columns start..start + H·Dh of x [B, T, C] as H heads of Dh (head h: columns start + h·Dh..). */
export function interleaved(x: Tensor, heads: number, headDim: number, start = 0): HeadView {
  if (x.rank !== 3 || start < 0 || start + heads * headDim > x.shape[2]) {
    throw new SeqlabError(`attention: ${shapeStr(x.shape)} has no columns ${start}..${start + heads * headDim} for ${heads} heads of ${headDim}`);
  }
  const [batch, steps, columns] = x.shape;
  return { tensor: x, batch, steps, heads, headDim, at: interleavedHeads(steps, columns, headDim, start) };
}

/** x [B, H, T, Dh] as heads. */
export function headMajorView(x: Tensor): HeadView {
  if (x.rank !== 4) throw new SeqlabError(`attention: ${shapeStr(x.shape)} is not [B, H, T, Dh]`);
  const [batch, heads, steps, headDim] = x.shape;
  return { tensor: x, batch, steps, heads, headDim, at: headMajor(heads, steps, headDim) };
}

export interface AttentionOptions {
  /** Default 1/√Dh. */
  scale?: number;
  /** Query i (the last Tq of Tk positions) sees keys j ≤ i + Tk − Tq. Default false. */
  causal?: boolean;
  /** [B, Tk]: key j of batch entry b is padding where nonzero. */
  keyPadding?: Tensor | null;
}

/** What `attention` returns. */
export interface AttentionResult {
  /** [B, Tq, H·Dh], heads interleaved: ready for the output projection. */
  output: Tensor;
  /** [B, H, Tq, Tk], the softmax weights: 0 at masked keys, all 0 for a query that sees none. */
  weights: Tensor;
}

/** The distinct tensors among `views`, in order (q, k and v are often one packed projection). */
function distinct(views: readonly HeadView[]): Tensor[] {
  return [...new Set(views.map((v) => v.tensor))];
}

/**
 * Multi-head scaled dot-product attention as one primitive (the fused path of
 * MultiHeadAttention; its composition from matmul, the masked scaled softmax and matmul is the
 * definition, and a test holds the two equal in values and gradients):
 *   weights = softmax(scale·QKᵀ, masked) per batch entry and head, output = weights·V,
 * q [B, Tq, H, Dh], k and v [B, Tk, H, Dh] (as views) → output [B, Tq, H·Dh], weights
 * [B, H, Tq, Tk]. Masks: causal and/or key padding (see src/backend/attention.ts). Backward
 * (backend `attentionGrad`): dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
 * dQ = scale·dS·K, dK = scale·dSᵀ·Q. The weights are an output with a gradient of their own
 * (through dP), so a loss may use them too.
 */
export function attention(q: HeadView, k: HeadView, v: HeadView, options: AttentionOptions = {}): AttentionResult {
  const { batch: B, heads: H, headDim: Dh, steps: Tq } = q;
  const Tk = k.steps;
  const agree = [k, v].every((x) => x.batch === B && x.heads === H && x.headDim === Dh) && v.steps === Tk;
  if (!agree) {
    throw new SeqlabError(`attention: q [${B}, ${Tq}, ${H}, ${Dh}], k [${k.batch}, ${Tk}, ${k.heads}, ${k.headDim}] and v [${v.batch}, ${v.steps}, ${v.heads}, ${v.headDim}] do not fit`);
  }
  const pad = options.keyPadding ?? null;
  if (pad && (pad.rank !== 2 || pad.shape[0] !== B || pad.shape[1] !== Tk)) {
    throw new SeqlabError(`attention: key padding ${shapeStr(pad.shape)} should be [${B}, ${Tk}]`);
  }
  const call = {
    batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh, q: q.tensor.data, qAt: q.at, k: k.tensor.data, kAt: k.at,
    v: v.tensor.data, vAt: v.at, scale: options.scale ?? 1 / Math.sqrt(Dh), causal: options.causal ?? false,
    keyPadding: pad?.data ?? null, weights: backend().alloc(B * H * Tq * Tk),
  };
  const out = backend().alloc(B * Tq * H * Dh);
  backend().attention({ ...call, out });

  /** Gradients for `inputs` from dOut and/or dWeights: one zeroed array per tensor that wants one. */
  const grads = (inputs: readonly Tensor[], dOut: Tensor | null, dWeights: Tensor | null): (Tensor | null)[] => {
    const arrays = new Map(inputs.filter((t) => t.requiresGrad).map((t) => [t, backend().alloc(t.size)]));
    const of = (x: HeadView): Float32Array | null => (inputs.includes(x.tensor) ? arrays.get(x.tensor) ?? null : null);
    backend().attentionGrad({ ...call, dOut: dOut?.data ?? null, dWeights: dWeights?.data ?? null, dq: of(q),
      dk: of(k), dv: dOut ? of(v) : null });
    return inputs.map((t) => {
      const a = arrays.get(t);
      return a ? new Tensor(a, t.shape) : null;
    });
  };
  const outInputs = distinct([q, k, v]);
  const output = record(out, [B, Tq, H * Dh], 'attention', outInputs, (g) => grads(outInputs, g, null));
  const weightInputs = distinct([q, k]); // the weights do not depend on v
  const weights = record(call.weights, [B, H, Tq, Tk], 'attention_weights', weightInputs,
    (g) => grads(weightInputs, null, g));
  return { output, weights };
}
