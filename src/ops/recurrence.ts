import { backend, type CellKind } from '../backend/index.js';
import { gateCount, savedWidth, stateCount } from '../backend/recurrence.js';
import { assert, SeqlabError } from '../errors.js';
import { isRecording, record } from '../tensor/autograd.js';
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
 * single-output autograd can carry them; the slices below hand them out. Without a graph to
 * record (inference, e.g. generating one token at a time) they are handed out directly.
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
  const inputs = [xProj, wHh, h0, ...(bHh ? [bHh] : []), ...(c0 ? [c0] : [])];
  const graph = isRecording() && inputs.some((t) => t.requiresGrad);
  const args = {
    kind, batch: B, steps: T, hidden: H, xProj: xProj.data, wHh: wHh.data, bHh: bHh?.data ?? null,
    h0: h0.data, c0: c0?.data ?? null, lengths: lengths ? Int32Array.from(lengths) : null, reverse,
    // The kernel writes out, states and saved whole (padded steps too), so they need no zeroing.
    out: backend().alloc(B * T * H, true), states: backend().alloc(B * T * S * H, true),
    saved: graph ? backend().alloc(B * T * savedWidth(kind) * H, true) : null, // only backward reads the gates
  };
  backend().recurrenceForward(args);
  const last = reverse ? 0 : T - 1;
  // states [B, T, S, H] → the state s after each sequence's last step, as rows of `into` [B, n, H]
  // at index `at`.
  const final = (s: number, into: Float32Array, n: number, at: number): void =>
    backend().axisCopy(args.states, T * S, last * S + s, into, n, at, B, 1, H, false);
  if (!graph) {
    // Inference (generating one token at a time): no graph, so no packed tensor to carry it.
    const op = `${kind}_sequence`;
    const [hN, cN] = [0, 1].slice(0, S).map((s) => {
      const data = backend().alloc(B * H, true);
      final(s, data, 1, 0);
      return new Tensor(data, [B, H], { op });
    });
    return { output: new Tensor(args.out, [B, T, H], { op }), hN, cN: cN ?? null };
  }
  const packed = backend().alloc(B * (T + S) * H, true); // [B, T + S, H]: steps, then hN, then cN (all copied in)
  backend().axisCopy(args.out, T, 0, packed, T + S, 0, B, T, H, false);
  for (let s = 0; s < S; s++) final(s, packed, T + S, T + s);
  const all = record(packed, [B, T + S, H], `${kind}_sequence`, inputs, (g) => {
    const dOut = backend().alloc(B * T * H, true); // the three copied whole from g
    const dhN = backend().alloc(B * H, true);
    const dcN = S > 1 ? backend().alloc(B * H, true) : null;
    backend().axisCopy(g.data, T + S, 0, dOut, T, 0, B, T, H, false);
    backend().axisCopy(g.data, T + S, T, dhN, 1, 0, B, 1, H, false);
    if (dcN) backend().axisCopy(g.data, T + S, T + 1, dcN, 1, 0, B, 1, H, false);
    const saved = args.saved;
    assert(saved, 'recurrence: the gates were not saved for backward');
    const grads = {
      ...args, saved, dOut, dhN, dcN, dxProj: backend().alloc(xProj.size), dwHh: backend().alloc(wHh.size),
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
