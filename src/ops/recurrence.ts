import { backend, type CellKind } from '../backend/index.js';
import { gateCount, savedWidth, stateCount } from '../backend/recurrence.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { reshape, slice } from './shape-ops.js';

/** What one fused recurrent pass returns. */
export interface RecurrenceResult {
  /** h at every step [B, T, H], zero past each sequence's length. */
  output: Tensor;
  /** The state after each sequence's last real step, [B, H]. */
  hN: Tensor;
  cN: Tensor | null;
}

/**
 * One direction of an RNN, GRU or LSTM layer over whole sequences as a single primitive
 * (the fused path; `scan` over the cells is the explicit one, and a test holds them equal):
 *   xProj [B, T, G·H] = x·W_ihᵀ + b_ih (+ b_hh for rnn and lstm), wHh [G·H, H],
 *   bHh [G·H] (GRU only), h0 and c0 [B, H] → output [B, T, H], hN and cN [B, H].
 * Backward is backpropagation through time in one kernel (backend `recurrenceBackward`).
 * Internally the outputs travel as one tensor [B, T + S, H] (steps, then hN, then cN) so the
 * single-output autograd can carry them; the slices below hand them out.
 */
export function recurrence(kind: CellKind, xProj: Tensor, wHh: Tensor, bHh: Tensor | null, h0: Tensor, c0: Tensor | null,
  lengths: readonly number[] | null, reverse: boolean): RecurrenceResult {
  const G = gateCount(kind);
  const S = stateCount(kind);
  const [B, T] = xProj.shape;
  const H = wHh.shape[1];
  if (xProj.rank !== 3 || xProj.shape[2] !== G * H || wHh.shape[0] !== G * H) {
    throw new SeqlabError(`recurrence: xProj ${shapeStr(xProj.shape)} and weight_hh ${shapeStr(wHh.shape)} do not fit a ${kind} of ${H} units`);
  }
  const lens = lengths ? Int32Array.from(lengths) : null;
  const args = {
    kind, batch: B, steps: T, hidden: H, xProj: xProj.data, wHh: wHh.data, bHh: bHh?.data ?? null,
    h0: h0.data, c0: c0?.data ?? null, lengths: lens, reverse,
    out: backend().alloc(B * T * H), states: backend().alloc(B * T * S * H), saved: backend().alloc(B * T * savedWidth(kind) * H),
  };
  backend().recurrenceForward(args);
  const packed = backend().alloc(B * (T + S) * H);
  const last = reverse ? 0 : T - 1;
  for (let b = 0; b < B; b++) {
    packed.set(args.out.subarray(b * T * H, (b + 1) * T * H), b * (T + S) * H);
    for (let s = 0; s < S; s++) {
      const src = ((b * T + last) * S + s) * H;
      packed.set(args.states.subarray(src, src + H), (b * (T + S) + T + s) * H);
    }
  }
  const inputs = [xProj, wHh, h0, ...(bHh ? [bHh] : []), ...(c0 ? [c0] : [])];
  const all = record(packed, [B, T + S, H], `${kind}_sequence`, inputs, (g) => {
    const dOut = backend().alloc(B * T * H);
    const dhN = backend().alloc(B * H);
    const dcN = S > 1 ? backend().alloc(B * H) : null;
    for (let b = 0; b < B; b++) {
      const base = b * (T + S) * H;
      dOut.set(g.data.subarray(base, base + T * H), b * T * H);
      dhN.set(g.data.subarray(base + T * H, base + (T + 1) * H), b * H);
      if (dcN) dcN.set(g.data.subarray(base + (T + 1) * H, base + (T + 2) * H), b * H);
    }
    const grads = {
      ...args, dOut, dhN, dcN, dxProj: backend().alloc(xProj.size), dwHh: backend().alloc(wHh.size),
      dbHh: bHh ? backend().alloc(bHh.size) : null, dh0: backend().alloc(B * H), dc0: c0 ? backend().alloc(B * H) : null,
    };
    backend().recurrenceBackward(grads);
    const out: (Tensor | null)[] = [new Tensor(grads.dxProj, xProj.shape), new Tensor(grads.dwHh, wHh.shape), new Tensor(grads.dh0, h0.shape)];
    if (bHh) out.push(new Tensor(grads.dbHh!, bHh.shape));
    if (c0) out.push(new Tensor(grads.dc0!, c0.shape));
    return out;
  });
  return {
    output: slice(all, 1, 0, T),
    hN: reshape(slice(all, 1, T, T + 1), [B, H]),
    cN: S > 1 ? reshape(slice(all, 1, T + 1, T + 2), [B, H]) : null,
  };
}
