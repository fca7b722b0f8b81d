// Whole-sequence recurrent kernels (RNN, GRU, LSTM), forward and backpropagation through time,
// exactly as src/backend/recurrence.ts defines them, with every temporary in the scratch block
// the JS side hands over: nothing crosses back into JavaScript until a whole sequence is done.
//
// Forward: W_hhᵀ is packed once per call (GEMM panels), then per step a [B, H]·[H, G·H] product
// and the gate maths, four units per vector. Backward runs the steps in reverse with W_hh packed
// once, collects h_{t−1} and the gate gradients of every step, and ends with one
// [G·H, B·T]·[B·T, H] GEMM for dW_hh. Batch 1 skips packing: the per-step products are GEMVs.
// recurrence-parallel.ts runs the same steps on several threads, each over a range of units.
import {
  gemm, gemmScratchBytes, gemvCols, gemvPack, gemvPacked, gemvPackedBytes, gemvRows, packA, packB, packedABytes,
  packedBBytes, packedProduct,
} from './gemm';
import { expDomain, sigmoidv, tanhv } from './vmath';

// Cell kinds from src/backend/op-table.ts; the dispatching switches trap on any other code.
import { CELL_GRU as GRU, CELL_LSTM as LSTM, CELL_RNN_RELU as RNN_RELU, CELL_RNN_TANH as RNN_TANH } from './ops.generated';

@inline export function gateCount(kind: i32): i32 {
  return kind == LSTM ? 4 : kind == GRU ? 3 : 1;
}

@inline export function stateCount(kind: i32): i32 {
  return kind == LSTM ? 2 : 1;
}

@inline export function savedWidth(kind: i32): i32 {
  return kind == GRU ? 4 : gateCount(kind);
}

/** Scratch sub-blocks start on 64-byte boundaries. */
@inline export function align(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

@inline export function floats(n: i32): usize {
  return align(<usize>n << 2);
}

/** Bytes of scratch `recurrenceForward` (backward = false) or `recurrenceBackward` needs. */
export function recurrenceScratchBytes(kind: i32, batch: i32, steps: i32, hidden: i32, backward: bool): usize {
  const gh = gateCount(kind) * hidden;
  const bh = floats(batch * hidden);
  if (!backward) {
    let bytes = 2 * bh + floats(batch * gh) + floats(batch * savedWidth(kind) * hidden);
    if (batch > 1) bytes += align(packedABytes(batch, hidden)) + align(packedBBytes(gh, hidden));
    else bytes += align(gemvPackedBytes(gh, hidden));
    return bytes;
  }
  let step = 4 * bh + floats(batch * gh);
  if (batch > 1) step += align(packedABytes(batch, gh)) + align(packedBBytes(hidden, gh));
  const region = max(step, align(gemmScratchBytes(gh, hidden, batch * steps)));
  const all = floats(batch * steps * hidden) + (kind == GRU ? floats(batch * steps * gh) : 0);
  return all + region;
}

// ---- vectors of up to four units -------------------------------------------------------------

@inline function zero(): v128 {
  return f32x4.splat(0);
}

@inline function one(): v128 {
  return f32x4.splat(1);
}

/** The first n (1..3) floats at p, zeros after. */
function loadPart(p: usize, n: i32): v128 {
  let v = f32x4.replace_lane(zero(), 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

function storePart(p: usize, v: v128, n: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** n units from p: a whole vector when n = 4 (the main loop), else a tail. */
@inline function ld(p: usize, n: i32): v128 {
  return n == 4 ? v128.load(p) : loadPart(p, n);
}

@inline function st(p: usize, v: v128, n: i32): void {
  if (n == 4) v128.store(p, v);
  else storePart(p, v, n);
}

/** σ(v) with the reference's float64 formula. */
function sigmoid64(v: f64): f32 {
  return <f32>(v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
}

/**
 * σ(x) lane by lane, for lanes outside sigmoidv's domain. In registers, not static scratch:
 * recurrence-parallel.ts runs this on several threads at once.
 */
function sigmoidLanes(x: v128): v128 {
  let y = f32x4.splat(sigmoid64(<f64>f32x4.extract_lane(x, 0)));
  y = f32x4.replace_lane(y, 1, sigmoid64(<f64>f32x4.extract_lane(x, 1)));
  y = f32x4.replace_lane(y, 2, sigmoid64(<f64>f32x4.extract_lane(x, 2)));
  return f32x4.replace_lane(y, 3, sigmoid64(<f64>f32x4.extract_lane(x, 3)));
}

@inline function sigm(x: v128): v128 {
  return expDomain(x) ? sigmoidv(x) : sigmoidLanes(x);
}

/** 1 − y², as (1 − y)(1 + y): exact where y is near ±1. */
@inline function oneMinusSq(y: v128): v128 {
  return f32x4.mul(f32x4.sub(one(), y), f32x4.add(one(), y));
}

/** y(1 − y): the logistic derivative from its output. */
@inline function dSigm(y: v128): v128 {
  return f32x4.mul(y, f32x4.sub(one(), y));
}

// ---- forward ---------------------------------------------------------------------------------

/**
 * The state each row held before processing step k into hBuf and cBuf [B, H]: h0 and c0
 * (zeros without c0) at k = 0, else the states written by step k − 1.
 */
@inline function previousState(kind: i32, batch: i32, steps: i32, hidden: i32, k: i32, reverse: bool, h0: usize,
  c0: usize, states: usize, hBuf: usize, cBuf: usize): void {
  const hBytes = <usize>hidden << 2;
  const lstm = kind == LSTM;
  if (k == 0) {
    memory.copy(hBuf, h0, <usize>batch * hBytes);
    if (lstm) {
      if (c0 != 0) memory.copy(cBuf, c0, <usize>batch * hBytes);
      else memory.fill(cBuf, 0, <usize>batch * hBytes);
    }
    return;
  }
  const tp = reverse ? steps - k : k - 1;
  const rowBytes = <usize>stateCount(kind) * hBytes;
  for (let b = 0; b < batch; b++) {
    const src = states + (<usize>b * <usize>steps + <usize>tp) * rowBytes;
    memory.copy(hBuf + <usize>b * hBytes, src, hBytes);
    if (lstm) memory.copy(cBuf + <usize>b * hBytes, src + hBytes, hBytes);
  }
}

/** Whether batch entry b is still inside its sequence at time t. */
@inline export function live(lengths: usize, b: i32, t: i32): bool {
  return lengths == 0 || t < load<i32>(lengths + (<usize>b << 2));
}

/**
 * One LSTM row, units [j, j + n): gates i, f, g, o from x + hh, then c and h.
 * hb = H·4 bytes; x, g, hp, cp, s (states), sv (saved) and o (out) point at the row's start.
 */
@inline function lstmForward(hb: usize, x: usize, g: usize, hp: usize, cp: usize, s: usize, sv: usize, o: usize,
  on: bool, jo: usize, n: i32): void {
  const gi = sigm(f32x4.add(ld(x + jo, n), ld(g + jo, n)));
  const gf = sigm(f32x4.add(ld(x + hb + jo, n), ld(g + hb + jo, n)));
  const gg = tanhv(f32x4.add(ld(x + 2 * hb + jo, n), ld(g + 2 * hb + jo, n)));
  const go = sigm(f32x4.add(ld(x + 3 * hb + jo, n), ld(g + 3 * hb + jo, n)));
  const cPrev = ld(cp + jo, n);
  const cNew = f32x4.add(f32x4.mul(gf, cPrev), f32x4.mul(gi, gg));
  const hNew = f32x4.mul(go, tanhv(cNew));
  st(sv + jo, gi, n);
  st(sv + hb + jo, gf, n);
  st(sv + 2 * hb + jo, gg, n);
  st(sv + 3 * hb + jo, go, n);
  if (on) {
    st(o + jo, hNew, n);
    st(s + jo, hNew, n);
    st(s + hb + jo, cNew, n);
  } else {
    st(o + jo, zero(), n);
    st(s + jo, ld(hp + jo, n), n);
    st(s + hb + jo, cPrev, n);
  }
}

/** One GRU row: r, z from x + hh + b_hh; n = tanh(x_n + r ⊙ (W_hn·h + b_hn)); h = (1 − z)n + zh. */
@inline function gruForward(hb: usize, x: usize, g: usize, bias: usize, hp: usize, s: usize, sv: usize, o: usize,
  on: bool, jo: usize, n: i32): void {
  const br = bias != 0 ? ld(bias + jo, n) : zero();
  const bz = bias != 0 ? ld(bias + hb + jo, n) : zero();
  const bn = bias != 0 ? ld(bias + 2 * hb + jo, n) : zero();
  const hn = f32x4.add(ld(g + 2 * hb + jo, n), bn);
  const r = sigm(f32x4.add(f32x4.add(ld(x + jo, n), ld(g + jo, n)), br));
  const z = sigm(f32x4.add(f32x4.add(ld(x + hb + jo, n), ld(g + hb + jo, n)), bz));
  const nn = tanhv(f32x4.add(ld(x + 2 * hb + jo, n), f32x4.mul(r, hn)));
  const hPrev = ld(hp + jo, n);
  const hNew = f32x4.add(f32x4.mul(f32x4.sub(one(), z), nn), f32x4.mul(z, hPrev));
  st(sv + jo, r, n);
  st(sv + hb + jo, z, n);
  st(sv + 2 * hb + jo, nn, n);
  st(sv + 3 * hb + jo, hn, n);
  st(o + jo, on ? hNew : zero(), n);
  st(s + jo, on ? hNew : hPrev, n);
}

/** One Elman row: h = tanh(x + hh) or relu(x + hh). */
@inline function rnnForward(relu: bool, x: usize, g: usize, hp: usize, s: usize, sv: usize, o: usize, on: bool,
  jo: usize, n: i32): void {
  const pre = f32x4.add(ld(x + jo, n), ld(g + jo, n));
  const hNew = relu ? f32x4.max(pre, zero()) : tanhv(pre);
  st(sv + jo, hNew, n);
  st(o + jo, on ? hNew : zero(), n);
  st(s + jo, on ? hNew : ld(hp + jo, n), n);
}

/**
 * Units [j0, j1) of one row at one step (every pointer at the row's start); j1 − j0 need not
 * be a multiple of 4. hp and cp: the state before the step.
 */
@inline export function forwardRow(kind: i32, hidden: i32, j0: i32, j1: i32, x: usize, g: usize, bias: usize, hp: usize,
  cp: usize, s: usize, sv: usize, o: usize, on: bool): void {
  const hb = <usize>hidden << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const jo = <usize>j << 2;
    if (kind == LSTM) lstmForward(hb, x, g, hp, cp, s, sv, o, on, jo, 4);
    else if (kind == GRU) gruForward(hb, x, g, bias, hp, s, sv, o, on, jo, 4);
    else rnnForward(kind == RNN_RELU, x, g, hp, s, sv, o, on, jo, 4);
  }
  if (j < j1) {
    const jo = <usize>j << 2;
    const n = j1 - j;
    if (kind == LSTM) lstmForward(hb, x, g, hp, cp, s, sv, o, on, jo, n);
    else if (kind == GRU) gruForward(hb, x, g, bias, hp, s, sv, o, on, jo, n);
    else rnnForward(kind == RNN_RELU, x, g, hp, s, sv, o, on, jo, n);
  }
}

@inline function forwardKind(kind: i32, batch: i32, steps: i32, hidden: i32, xProj: usize, wHh: usize, bHh: usize,
  h0: usize, c0: usize, lengths: usize, reverse: bool, out: usize, states: usize, saved: usize, scratch: usize,
  packed: usize): void {
  const gh = gateCount(kind) * hidden;
  const hb = <usize>hidden << 2;
  const ghb = <usize>gh << 2;
  const stateBytes = <usize>stateCount(kind) * hb;
  const savedBytes = <usize>savedWidth(kind) * hb;
  const hBuf = scratch;
  const cBuf = hBuf + floats(batch * hidden);
  const hh = cBuf + floats(batch * hidden);
  const savedStep = hh + floats(batch * gh); // the gates of one step, when no `saved` is kept
  const pa = savedStep + floats(batch * savedWidth(kind) * hidden);
  // W_hhᵀ [H, G·H] in GEMM panels: packed once for every step, or already (recurrencePackWhh).
  const pb = packed != 0 ? packed : pa + align(packedABytes(batch, hidden));
  if (batch > 1 && packed == 0) packB(wHh, hidden, gh, true, pb);
  // Batch 1: W_hh in gemvPack's groups (the same sums as gemvRows, read faster), packed here
  // once for every step when the caller has not kept it and more than one step will read it.
  const pv = packed != 0 ? packed : (batch == 1 && steps > 1 ? pa : 0);
  if (batch == 1 && packed == 0 && steps > 1) gemvPack(wHh, gh, hidden, pv);
  for (let k = 0; k < steps; k++) {
    const t = reverse ? steps - 1 - k : k;
    previousState(kind, batch, steps, hidden, k, reverse, h0, c0, states, hBuf, cBuf);
    // hh [B, G·H] = h [B, H] · W_hhᵀ
    if (batch > 1) {
      packA(hBuf, batch, hidden, false, pa);
      packedProduct(pa, pb, hh, batch, gh, hidden, false);
    } else if (pv != 0) {
      gemvPacked(pv, gh, hidden, hBuf, hh, false);
    } else {
      gemvRows(wHh, gh, hidden, hBuf, hh, false);
    }
    for (let b = 0; b < batch; b++) {
      const row = <usize>b * <usize>steps + <usize>t;
      const sv = saved != 0 ? saved + row * savedBytes : savedStep + <usize>b * savedBytes;
      forwardRow(kind, hidden, 0, hidden, xProj + row * ghb, hh + <usize>b * ghb, bHh, hBuf + <usize>b * hb, cBuf + <usize>b * hb,
        states + row * stateBytes, sv, out + row * hb, live(lengths, b, t));
    }
  }
}

/**
 * One direction of a recurrent layer over whole sequences (shapes in src/backend/recurrence.ts).
 * bHh, c0 and lengths may be 0 (none). Fills out, states and saved (0: none kept, inference).
 * packed: W_hh already packed by recurrencePackWhh for this batch size (callers that step one
 * token at a time keep it between calls), or 0: then it is packed here, except at batch 1 for a
 * single step, which reads W_hh in place.
 */
export function recurrenceForward(kind: i32, batch: i32, steps: i32, hidden: i32, xProj: usize, wHh: usize,
  bHh: usize, h0: usize, c0: usize, lengths: usize, reverse: bool, out: usize, states: usize, saved: usize,
  scratch: usize, packed: usize): void {
  switch (kind) {
    case LSTM: forwardKind(LSTM, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, packed); break;
    case GRU: forwardKind(GRU, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, packed); break;
    case RNN_RELU: forwardKind(RNN_RELU, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, packed); break;
    case RNN_TANH: forwardKind(RNN_TANH, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, packed); break;
    default: unreachable();
  }
}

/**
 * Bytes `recurrencePackWhh` writes for `batch`: W_hhᵀ [H, G·H] in GEMM panels, or at batch 1
 * W_hh [G·H, H] in gemvPack's groups of 4 rows.
 */
export function recurrencePackedWhhBytes(kind: i32, hidden: i32, batch: i32): usize {
  const gh = gateCount(kind) * hidden;
  return batch == 1 ? gemvPackedBytes(gh, hidden) : packedBBytes(gh, hidden);
}

/** Packs W_hh [G·H, H] as recurrenceForward's per-step products read it at `batch`, into dst. */
export function recurrencePackWhh(kind: i32, hidden: i32, wHh: usize, dst: usize, batch: i32): void {
  const gh = gateCount(kind) * hidden;
  if (batch == 1) gemvPack(wHh, gh, hidden, dst);
  else packB(wHh, hidden, gh, true, dst);
}

// ---- backward --------------------------------------------------------------------------------

/**
 * One LSTM row of BPTT: from dh, dc (the gradient reaching the state after this step) and dOut
 * to the four pre-activation gradients dg; dc becomes dc·f and dh 0 (it flows on through W_hh).
 */
@inline function lstmBackward(hb: usize, sv: usize, s: usize, cp: usize, dOut: usize, dh: usize, dc: usize, dg: usize,
  jo: usize, n: i32): void {
  const dhT = f32x4.add(ld(dh + jo, n), ld(dOut + jo, n));
  const i = ld(sv + jo, n);
  const f = ld(sv + hb + jo, n);
  const g = ld(sv + 2 * hb + jo, n);
  const o = ld(sv + 3 * hb + jo, n);
  const tc = tanhv(ld(s + hb + jo, n));
  const dcT = f32x4.add(ld(dc + jo, n), f32x4.mul(f32x4.mul(dhT, o), oneMinusSq(tc)));
  st(dg + jo, f32x4.mul(f32x4.mul(dcT, g), dSigm(i)), n);
  st(dg + hb + jo, f32x4.mul(f32x4.mul(dcT, ld(cp + jo, n)), dSigm(f)), n);
  st(dg + 2 * hb + jo, f32x4.mul(f32x4.mul(dcT, i), oneMinusSq(g)), n);
  st(dg + 3 * hb + jo, f32x4.mul(f32x4.mul(dhT, tc), dSigm(o)), n);
  st(dc + jo, f32x4.mul(dcT, f), n);
  st(dh + jo, zero(), n);
}

/** One GRU row of BPTT; the n gate's input gradient (dx) differs from its W_hn·h gradient (dg). */
@inline function gruBackward(hb: usize, sv: usize, hp: usize, dOut: usize, dh: usize, dg: usize, dx: usize, jo: usize,
  n: i32): void {
  const dhT = f32x4.add(ld(dh + jo, n), ld(dOut + jo, n));
  const r = ld(sv + jo, n);
  const z = ld(sv + hb + jo, n);
  const nn = ld(sv + 2 * hb + jo, n);
  const hn = ld(sv + 3 * hb + jo, n);
  const dan = f32x4.mul(f32x4.mul(dhT, f32x4.sub(one(), z)), oneMinusSq(nn));
  const dar = f32x4.mul(f32x4.mul(dan, hn), dSigm(r));
  const daz = f32x4.mul(f32x4.mul(dhT, f32x4.sub(ld(hp + jo, n), nn)), dSigm(z));
  st(dg + jo, dar, n);
  st(dg + hb + jo, daz, n);
  st(dg + 2 * hb + jo, f32x4.mul(dan, r), n);
  st(dx + jo, dar, n);
  st(dx + hb + jo, daz, n);
  st(dx + 2 * hb + jo, dan, n);
  st(dh + jo, f32x4.mul(dhT, z), n);
}

/** One Elman row of BPTT, from the saved output y. */
@inline function rnnBackward(relu: bool, sv: usize, dOut: usize, dh: usize, dg: usize, jo: usize, n: i32): void {
  const dhT = f32x4.add(ld(dh + jo, n), ld(dOut + jo, n));
  const y = ld(sv + jo, n);
  const d = relu ? v128.and(one(), f32x4.gt(y, zero())) : oneMinusSq(y);
  st(dg + jo, f32x4.mul(dhT, d), n);
  st(dh + jo, zero(), n);
}

/** Units [j0, j1) of one row's BPTT step (pointers at the row's start), as forwardRow. */
@inline export function backwardRow(kind: i32, hidden: i32, j0: i32, j1: i32, sv: usize, s: usize, hp: usize, cp: usize,
  dOut: usize, dh: usize, dc: usize, dg: usize, dx: usize): void {
  const hb = <usize>hidden << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const jo = <usize>j << 2;
    if (kind == LSTM) lstmBackward(hb, sv, s, cp, dOut, dh, dc, dg, jo, 4);
    else if (kind == GRU) gruBackward(hb, sv, hp, dOut, dh, dg, dx, jo, 4);
    else rnnBackward(kind == RNN_RELU, sv, dOut, dh, dg, jo, 4);
  }
  if (j < j1) {
    const jo = <usize>j << 2;
    const n = j1 - j;
    if (kind == LSTM) lstmBackward(hb, sv, s, cp, dOut, dh, dc, dg, jo, n);
    else if (kind == GRU) gruBackward(hb, sv, hp, dOut, dh, dg, dx, jo, n);
    else rnnBackward(kind == RNN_RELU, sv, dOut, dh, dg, jo, n);
  }
}

/** dst[0..n) += src[0..n). */
export function addInto(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

@inline function backwardKind(kind: i32, batch: i32, steps: i32, hidden: i32, wHh: usize, h0: usize, c0: usize,
  lengths: usize, reverse: bool, states: usize, saved: usize, dOut: usize, dhN: usize, dcN: usize, dxProj: usize,
  dwHh: usize, dbHh: usize, dh0: usize, dc0: usize, scratch: usize): void {
  const gh = gateCount(kind) * hidden;
  const hb = <usize>hidden << 2;
  const ghb = <usize>gh << 2;
  const stateBytes = <usize>stateCount(kind) * hb;
  const savedBytes = <usize>savedWidth(kind) * hb;
  const rows = batch * steps;
  // h_{t−1} and the gate gradients of every step, by time index, for dW_hh at the end. For rnn
  // and lstm the gate gradients are exactly dxProj; the GRU's n gate differs, so it keeps its own.
  const hPrevAll = scratch;
  const gAll = kind == GRU ? hPrevAll + floats(rows * hidden) : dxProj;
  const region = kind == GRU ? gAll + floats(rows * gh) : hPrevAll + floats(rows * hidden);
  const dh = region;
  const dc = dh + floats(batch * hidden);
  const hBuf = dc + floats(batch * hidden);
  const cBuf = hBuf + floats(batch * hidden);
  const dGate = cBuf + floats(batch * hidden);
  const pa = dGate + floats(batch * gh);
  const pb = pa + align(packedABytes(batch, gh));
  memory.copy(dh, dhN, <usize>batch * hb);
  if (dcN != 0) memory.copy(dc, dcN, <usize>batch * hb);
  else memory.fill(dc, 0, <usize>batch * hb);
  memory.fill(dxProj, 0, <usize>rows * ghb);
  if (dbHh != 0) memory.fill(dbHh, 0, ghb);
  if (batch > 1) packB(wHh, gh, hidden, false, pb); // W_hh [G·H, H], once for every step
  for (let k = steps - 1; k >= 0; k--) {
    const t = reverse ? steps - 1 - k : k;
    previousState(kind, batch, steps, hidden, k, reverse, h0, c0, states, hBuf, cBuf);
    for (let b = 0; b < batch; b++) {
      const row = <usize>b * <usize>steps + <usize>t;
      memory.copy(hPrevAll + row * hb, hBuf + <usize>b * hb, hb);
      const dg = dGate + <usize>b * ghb;
      if (!live(lengths, b, t)) {
        memory.fill(dg, 0, ghb); // the state passes through: dh and dc stay as they are
        continue;
      }
      backwardRow(kind, hidden, 0, hidden, saved + row * savedBytes, states + row * stateBytes, hBuf + <usize>b * hb,
        cBuf + <usize>b * hb, dOut + row * hb, dh + <usize>b * hb, dc + <usize>b * hb, dg, dxProj + row * ghb);
      if (dbHh != 0) addInto(dbHh, dg, gh);
    }
    // dh += dGate [B, G·H] · W_hh [G·H, H]
    if (batch > 1) {
      packA(dGate, batch, gh, false, pa);
      packedProduct(pa, pb, dh, batch, hidden, gh, true);
    } else {
      gemvCols(wHh, gh, hidden, dGate, dh, true);
    }
    for (let b = 0; b < batch; b++) {
      memory.copy(gAll + (<usize>b * <usize>steps + <usize>t) * ghb, dGate + <usize>b * ghb, ghb);
    }
  }
  memory.copy(dh0, dh, <usize>batch * hb);
  if (dc0 != 0) memory.copy(dc0, dc, <usize>batch * hb);
  // dW_hh [G·H, H] = Σ_t dGate_tᵀ · h_{t−1} = gAllᵀ [G·H, B·T] · hPrevAll [B·T, H], in one GEMM.
  gemm(1, gh, hidden, rows, gAll, hPrevAll, dwHh, true, false, 0, 0, 0, false, region);
}

/**
 * Backpropagation through time for `recurrenceForward`, which filled states and saved. dcN,
 * dbHh, dc0, c0, lengths may be 0 (none). Overwrites dxProj, dwHh, dbHh, dh0 and dc0.
 */
export function recurrenceBackward(kind: i32, batch: i32, steps: i32, hidden: i32, wHh: usize, h0: usize, c0: usize,
  lengths: usize, reverse: bool, states: usize, saved: usize, dOut: usize, dhN: usize, dcN: usize, dxProj: usize,
  dwHh: usize, dbHh: usize, dh0: usize, dc0: usize, scratch: usize): void {
  switch (kind) {
    case LSTM: backwardKind(LSTM, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch); break;
    case GRU: backwardKind(GRU, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch); break;
    case RNN_RELU: backwardKind(RNN_RELU, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch); break;
    case RNN_TANH: backwardKind(RNN_TANH, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch); break;
    default: unreachable();
  }
}
