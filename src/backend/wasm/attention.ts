import type { AttentionArgs, AttentionCall, AttentionGradArgs, Backend, HeadLayout } from '../backend.js';
import { referenceBackend as reference } from '../reference.js';
import { IN, INOUT, isCount, type Mode, type Operand, OUT } from './kernels.js';

/**
 * The fused attention kernels (assembly/attention.ts) behind the Backend interface. As every
 * wiring in kernels.ts: each extent is checked here before WebAssembly runs, off-heap operands
 * are staged, and anything the kernel cannot take (sizes that are not counts, operands shorter
 * than their layouts imply, no room for scratch) runs on the reference kernel instead.
 *
 * q, k and v (and dq, dk and dv) are often one array, a packed projection read through column
 * offsets; such an array is staged once, so writes into its blocks all come back.
 */

export interface AttentionExports {
  attention(batch: number, heads: number, tq: number, tk: number, dh: number, q: number, k: number, v: number,
    layouts: number, scale: number, causal: number, pad: number, out: number, weights: number, scratch: number): void;
  attentionGrad(batch: number, heads: number, tq: number, tk: number, dh: number, q: number, k: number, v: number,
    layouts: number, scale: number, causal: number, pad: number, weights: number, dOut: number, dWeights: number,
    dq: number, dk: number, dv: number, scratch: number): void;
  attentionScratchBytes(tq: number, tk: number, heads: number, dh: number, backward: number): number;
}

/** What kernels.ts lends: staging (the last address is scratch), and its i32 meta area. */
export interface StagingAccess {
  placeSome(operands: readonly (Operand | null)[], extraBytes: number): number[] | null;
  finish(): void;
  meta: Int32Array;
  metaAt: number;
}

/** Elements from an array's start that a layout spans over [B, T, H, Dh]; −1 when it is not valid. */
function span(l: HeadLayout, a: AttentionCall, steps: number): number {
  const { batch: B, heads: H, headDim: Dh } = a;
  if (!(isCount(l.offset) && isCount(l.batch) && isCount(l.row) && isCount(l.head))) return -1;
  if (B === 0 || steps === 0 || H === 0 || Dh === 0) return 0;
  return l.offset + (B - 1) * l.batch + (steps - 1) * l.row + (H - 1) * l.head + Dh;
}

/**
 * One operand per distinct array (so a packed array is staged once), spanning the furthest any
 * use reaches, read and written if any use writes; plus the position of each use's array.
 */
function distinct(uses: readonly (readonly [Float32Array | null, number, Mode])[]): { operands: Operand[]; index: number[] } {
  const operands: [Float32Array, number, Mode][] = [];
  const index = uses.map(([data, count, mode]) => {
    if (!data) return -1;
    const i = operands.findIndex(([d]) => d === data);
    if (i < 0) return operands.push([data, count, mode]) - 1;
    operands[i][1] = Math.max(operands[i][1], count);
    if (operands[i][2] !== mode) operands[i][2] = INOUT;
    return i;
  });
  return { operands, index };
}

/** Byte address of each use (0 for absent ones), offsets included; null when staging failed. */
function addresses(s: StagingAccess, uses: readonly (readonly [Float32Array | null, number, Mode])[],
  offsets: readonly number[], extraBytes: number): number[] | null {
  const { operands, index } = distinct(uses);
  const at = s.placeSome(operands, extraBytes);
  if (!at) return null;
  const out = index.map((i, u) => (i < 0 ? 0 : at[i] + 4 * (offsets[u] ?? 0)));
  out.push(at[at.length - 1]);
  return out;
}

/** The sizes are counts and every operand holds what its layout spans; returns the spans of q, k, v. */
function fits(a: AttentionCall, more: readonly (Float32Array | null)[], moreCounts: readonly number[]): number[] | null {
  const { batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh } = a;
  if (!(isCount(B) && isCount(H) && isCount(Tq) && isCount(Tk) && isCount(Dh))) return null;
  const spans = [span(a.qAt, a, Tq), span(a.kAt, a, Tk), span(a.vAt, a, Tk)];
  if (spans[0] < 0 || spans[1] < 0 || spans[2] < 0) return null;
  if (a.q.length < spans[0] || a.k.length < spans[1] || a.v.length < spans[2]) return null;
  if (a.weights.length < B * H * Tq * Tk || (a.keyPadding && a.keyPadding.length < B * Tk)) return null;
  for (let i = 0; i < more.length; i++) if (more[i] !== null && more[i]!.length < moreCounts[i]) return null;
  return spans;
}

function writeLayouts(s: StagingAccess, a: AttentionCall): void {
  [a.qAt, a.kAt, a.vAt].forEach((l, i) => s.meta.set([l.batch, l.row, l.head], 3 * i));
}

/** `attention` and `attentionGrad` over the kernel module, staging through `s`. */
export function makeAttentionKernels(k: AttentionExports, s: StagingAccess): Pick<Backend, 'attention' | 'attentionGrad'> {
  return {
    attention(a: AttentionArgs): void {
      const { batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh } = a;
      const spans = fits(a, [a.out], [B * Tq * H * Dh]);
      if (!spans) return reference.attention(a);
      if (B * H * Tq === 0) return;
      const at = addresses(s, [[a.q, spans[0], IN], [a.k, spans[1], IN], [a.v, spans[2], IN],
        [a.keyPadding, B * Tk, IN], [a.out, B * Tq * H * Dh, OUT], [a.weights, B * H * Tq * Tk, OUT]],
      [a.qAt.offset, a.kAt.offset, a.vAt.offset], k.attentionScratchBytes(Tq, Tk, H, Dh, 0) >>> 0);
      if (!at) return reference.attention(a);
      writeLayouts(s, a);
      k.attention(B, H, Tq, Tk, Dh, at[0], at[1], at[2], s.metaAt, a.scale, +a.causal, at[3], at[4], at[5], at[6]);
      s.finish();
    },

    attentionGrad(a: AttentionGradArgs): void {
      const { batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh } = a;
      const spans = fits(a, [a.dOut, a.dWeights, a.dq, a.dk, a.dv],
        [B * Tq * H * Dh, B * H * Tq * Tk, ...[a.qAt, a.kAt, a.vAt].map((l, i) => span(l, a, i === 0 ? Tq : Tk))]);
      if (!spans) return reference.attentionGrad(a);
      if (B * H * Tq * Tk === 0 || Dh === 0) return;
      const at = addresses(s, [[a.q, spans[0], IN], [a.k, spans[1], IN], [a.v, spans[2], IN],
        [a.keyPadding, B * Tk, IN], [a.weights, B * H * Tq * Tk, IN], [a.dOut, B * Tq * H * Dh, IN],
        [a.dWeights, B * H * Tq * Tk, IN], [a.dq, spans[0], INOUT], [a.dk, spans[1], INOUT],
        [a.dv, spans[2], INOUT]],
      [a.qAt.offset, a.kAt.offset, a.vAt.offset, 0, 0, 0, 0, a.qAt.offset, a.kAt.offset, a.vAt.offset],
      k.attentionScratchBytes(Tq, Tk, H, Dh, 1) >>> 0);
      if (!at) return reference.attentionGrad(a);
      writeLayouts(s, a);
      k.attentionGrad(B, H, Tq, Tk, Dh, at[0], at[1], at[2], s.metaAt, a.scale, +a.causal, at[3], at[4], at[5], at[6],
        at[7], at[8], at[9], at[10]);
      s.finish();
    },
  };
}
