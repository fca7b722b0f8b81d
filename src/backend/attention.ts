/**
 * Fused scaled dot-product attention over many heads, forward and backward, as one kernel per
 * direction: the plain definition. For each batch entry b, head h and query i,
 *   s_ij = scale · q_i·k_j,  p_ij = exp(s_ij − m_i) / Σ_j' exp(s_ij' − m_i) over visible keys j,
 *   o_i  = Σ_j p_ij v_j,
 * where key j is visible to query i unless it is padding (keyPadding[b, j] ≠ 0) or, when causal,
 * lies in the query's future: the queries are the last Tq of Tk positions, so j ≤ i + Tk − Tq.
 * Masked keys get p = 0 and take no part in any sum; a query that sees no key gets p = 0 and
 * o = 0 (not NaN), as the composed masked softmax gives.
 *
 * Backward, from dO (and, when the weights themselves feed the loss, dP_ext):
 *   dV_j = Σ_i p_ij dO_i,  dP_ij = dO_i·v_j + dP_ext,ij,  dS_ij = p_ij (dP_ij − Σ_j' dP_ij' p_ij'),
 *   dQ_i = scale · Σ_j dS_ij k_j,  dK_j = scale · Σ_i dS_ij q_i.
 *
 * Operands are read through a `HeadLayout`, so q, k and v can be column blocks of one packed
 * projection [B, T, 3E] (heads interleaved: head h is columns h·Dh..(h+1)·Dh of each block,
 * as the in-projection lays them out) or a key-value cache [B, H, T, Dh], with no copy.
 * This file rounds as the composition matmul → scaled softmax → matmul does on the reference
 * backend (float64 sums rounded to float32), so the two agree to the last bit wherever exp does.
 */

/** Where an operand's heads lie: element (b, t, h, d) is at offset + b·batch + t·row + h·head + d. */
export interface HeadLayout {
  offset: number;
  batch: number;
  row: number;
  head: number;
}

/** The rows of [B, T, C] from column `start` on, as heads of `headDim` (a block of a packed projection). */
export function interleavedHeads(steps: number, columns: number, headDim: number, start = 0): HeadLayout {
  return { offset: start, batch: steps * columns, row: columns, head: headDim };
}

/** A head-major [B, H, T, Dh] tensor, as a key-value cache keeps them. */
export function headMajor(heads: number, steps: number, headDim: number): HeadLayout {
  return { offset: 0, batch: heads * steps * headDim, row: headDim, head: steps * headDim };
}

/**
 * What both directions share: sizes, operands and options.
 *   q [B, Tq, H, Dh] through qAt; k and v [B, Tk, H, Dh] through kAt and vAt
 *   keyPadding [B, Tk] (nonzero = masked) or null; causal as above
 *   weights [B, H, Tq, Tk]: the softmax weights (written forward, read backward)
 */
export interface AttentionCall {
  batch: number;
  heads: number;
  queries: number;
  keys: number;
  headDim: number;
  q: Float32Array;
  qAt: HeadLayout;
  k: Float32Array;
  kAt: HeadLayout;
  v: Float32Array;
  vAt: HeadLayout;
  scale: number;
  causal: boolean;
  keyPadding: Float32Array | null;
  weights: Float32Array;
}

/** The forward pass also fills out [B, Tq, H·Dh] (heads interleaved: ready for the output projection). */
export interface AttentionArgs extends AttentionCall {
  out: Float32Array;
}

/**
 * The backward pass: dOut [B, Tq, H·Dh] and/or dWeights [B, H, Tq, Tk] in (null: zero), the
 * weights of the forward pass; dq, dk, dv (null: not wanted) are ADDED to, through the layouts
 * of q, k and v, so they may be blocks of one packed gradient. dv needs dOut.
 */
export interface AttentionGradArgs extends AttentionCall {
  dOut: Float32Array | null;
  dWeights: Float32Array | null;
  dq: Float32Array | null;
  dk: Float32Array | null;
  dv: Float32Array | null;
}

/** Keys 0..end−1 are the ones query i may see before padding: all Tk, or j ≤ i + Tk − Tq when causal. */
export function visibleEnd(a: AttentionCall, i: number): number {
  return a.causal ? Math.max(0, Math.min(a.keys, i + a.keys - a.queries + 1)) : a.keys;
}

const padded = (a: AttentionCall, b: number, j: number): boolean => a.keyPadding !== null && a.keyPadding[b * a.keys + j] !== 0;

/** Σ_d x[xo + d]·y[yo + d] in float64. */
function dot(x: Float32Array, xo: number, y: Float32Array, yo: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += x[xo + d] * y[yo + d];
  return s;
}

/** Start of (b, t, h) through a layout. */
const at = (l: HeadLayout, b: number, t: number, h: number): number => l.offset + b * l.batch + t * l.row + h * l.head;

export function attentionForward(a: AttentionArgs): void {
  const { batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh } = a;
  const f = Math.fround;
  const scale = f(a.scale);
  const z = new Float32Array(Tk);
  const acc = new Float64Array(Dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const end = visibleEnd(a, i);
        const qo = at(a.qAt, b, i, h);
        const p = ((b * H + h) * Tq + i) * Tk; // this query's row of weights
        let m = -Infinity;
        for (let j = 0; j < end; j++) {
          if (padded(a, b, j)) continue;
          z[j] = f(f(dot(a.q, qo, a.k, at(a.kAt, b, j, h), Dh)) * scale);
          if (z[j] > m || Number.isNaN(z[j])) m = z[j];
        }
        const shift = m === -Infinity ? 0 : m;
        let sum = 0;
        for (let j = 0; j < Tk; j++) {
          const e = j < end && !padded(a, b, j) ? f(Math.exp(f(z[j] - shift))) : 0;
          a.weights[p + j] = e;
          sum += e;
        }
        const s = f(sum) === 0 ? 1 : f(sum); // nothing visible: zeros, not NaN
        acc.fill(0);
        for (let j = 0; j < end; j++) {
          if (padded(a, b, j)) continue;
          const w = (a.weights[p + j] = a.weights[p + j] / s);
          const vo = at(a.vAt, b, j, h);
          for (let d = 0; d < Dh; d++) acc[d] += w * a.v[vo + d];
        }
        const oo = (b * Tq + i) * H * Dh + h * Dh;
        for (let d = 0; d < Dh; d++) a.out[oo + d] = acc[d];
      }
    }
  }
}

export function attentionBackward(a: AttentionGradArgs): void {
  const { batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh } = a;
  const scale = Math.fround(a.scale);
  const ds = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const end = visibleEnd(a, i);
        const p = ((b * H + h) * Tq + i) * Tk;
        const go = (b * Tq + i) * H * Dh + h * Dh; // this query's row of dOut
        // dP_ij = dO_i·v_j (+ dP_ext), then dS_ij = p_ij (dP_ij − Σ_j dP_ij p_ij).
        let rowDot = 0;
        for (let j = 0; j < end; j++) {
          if (padded(a, b, j)) continue;
          let dp = a.dOut ? dot(a.dOut, go, a.v, at(a.vAt, b, j, h), Dh) : 0;
          if (a.dWeights) dp += a.dWeights[p + j];
          ds[j] = dp;
          rowDot += dp * a.weights[p + j];
        }
        for (let j = 0; j < end; j++) {
          if (padded(a, b, j)) continue;
          const w = a.weights[p + j];
          const dsj = w * (ds[j] - rowDot);
          const qo = at(a.qAt, b, i, h);
          const ko = at(a.kAt, b, j, h);
          for (let d = 0; d < Dh; d++) {
            if (a.dq) a.dq[qo + d] += scale * dsj * a.k[ko + d];
            if (a.dk) a.dk[ko + d] += scale * dsj * a.q[qo + d];
            if (a.dv && a.dOut) a.dv[at(a.vAt, b, j, h) + d] += w * a.dOut[go + d];
          }
        }
      }
    }
  }
}
