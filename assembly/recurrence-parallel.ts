// The whole-sequence recurrent kernels of recurrence.ts on several threads at once: threads.ts's
// `together` runs a part function on every thread, and the parts meet at a barrier once per step.
//
// The work is split by hidden UNITS, not by batch rows: part p owns units [j0, j1), whole panels
// of 8, in every gate block (columns g·H + j0 … g·H + j1 of the gates). It packs its own columns of
// W_hh once, so they stay in its core's cache across the steps, and it computes exactly the
// product columns and gate maths of its units. Every element is the same sum, in the same order,
// as in the one-thread kernel (gemm.ts's 4×8 tile over depth blocks, the same row helpers), so
// the results are bitwise equal to recurrence.ts's whatever the thread count.
//
//   forward, step t:   pack h_{t−1} [B, H] (all units: read straight from states, or h0)
//                      hh[:, own columns] = h_{t−1} · W_hhᵀ[:, own columns]; gate maths, own units
//                      barrier: h_t complete before anyone packs it
//   backward, step t:  gate gradients of own units into gAll's rows at t (dxProj for rnn/lstm)
//                      barrier: dGate_t [B, G·H] complete
//                      dh[:, own units] += dGate_t · W_hh[:, own units]
//   then dW_hh:        each part packs its own columns of hPrevAll, barrier, and computes the
//                      rows of dW_hh = gAllᵀ · hPrevAll that belong to its units.
//
// Needs H % 8 = 0 and H/8 ≥ parts, and batch > 1 (the one-thread kernel runs GEMVs at batch 1);
// the JS side (src/backend/wasm/kernels.ts) checks this and calls recurrence.ts otherwise.
import { packARows, packBColumns, packedABytes, packedBBytes, packedBlock } from './gemm';
import { barrier } from './parallel';
import { CELL_GRU as GRU, CELL_LSTM as LSTM, CELL_RNN_RELU as RNN_RELU, CELL_RNN_TANH as RNN_TANH } from './ops.generated';
import { addInto, align, backwardRow, floats, forwardRow, gateCount, live, savedWidth, stateCount } from './recurrence';

/** The barrier word (two i32, zeroed by the caller) at the start of the scratch, on its own line. */
const BARRIER_BYTES: usize = 64;
/** Each part's edge-tile scratch for packedBlock. */
const TILE_BYTES: usize = 128;

/** First unit of part p of `parts`: whole panels of 8, shared out as evenly as they go. */
@inline function unitStart(hidden: i32, part: i32, parts: i32): i32 {
  return ((hidden >> 3) * part / parts) << 3;
}

/** The most units any part gets. */
@inline function maxUnits(hidden: i32, parts: i32): i32 {
  return (((hidden >> 3) + parts - 1) / parts) << 3;
}

/** Bytes of scratch every part shares: the barrier, and in the backward pass the per-step arrays. */
function sharedBytes(kind: i32, batch: i32, steps: i32, hidden: i32, backward: bool): usize {
  if (!backward) return BARRIER_BYTES;
  const rows = batch * steps;
  const all = floats(rows * hidden) + (kind == GRU ? floats(rows * gateCount(kind) * hidden) : 0);
  return BARRIER_BYTES + all + 2 * floats(batch * hidden) + align(packedBBytes(hidden, rows));
}

/** Bytes of one part's own scratch. */
function partBytes(kind: i32, batch: i32, steps: i32, hidden: i32, parts: i32, backward: bool): usize {
  const gh = gateCount(kind) * hidden;
  const w = maxUnits(hidden, parts);
  const base = TILE_BYTES + floats(hidden);
  if (!backward) {
    return base + floats(batch * gh) + floats(batch * savedWidth(kind) * hidden) + align(packedABytes(batch, hidden)) +
      align(<usize>gateCount(kind) * packedBBytes(w, hidden));
  }
  return base + align(max(packedABytes(batch, gh), packedABytes(w, batch * steps))) + align(packedBBytes(w, gh));
}

/** Bytes of scratch `recurrenceForwardPart` (backward = false) or `recurrenceBackwardPart` needs. */
export function recurrencePartScratchBytes(kind: i32, batch: i32, steps: i32, hidden: i32, parts: i32,
  backward: bool): usize {
  return sharedBytes(kind, batch, steps, hidden, backward) + <usize>parts * partBytes(kind, batch, steps, hidden, parts,
    backward);
}

// ---- forward ---------------------------------------------------------------------------------

@inline function forwardPart(kind: i32, batch: i32, steps: i32, hidden: i32, xProj: usize, wHh: usize, bHh: usize,
  h0: usize, c0: usize, lengths: usize, reverse: bool, out: usize, states: usize, saved: usize, scratch: usize,
  part: i32, parts: i32): void {
  const gates = gateCount(kind);
  const gh = gates * hidden;
  const hb = <usize>hidden << 2;
  const ghb = <usize>gh << 2;
  const stateBytes = <usize>stateCount(kind) * hb;
  const savedBytes = <usize>savedWidth(kind) * hb;
  const j0 = unitStart(hidden, part, parts);
  const j1 = unitStart(hidden, part + 1, parts);
  const w = j1 - j0;
  const tile = scratch + BARRIER_BYTES + <usize>part * partBytes(kind, batch, steps, hidden, parts, false);
  const zeros = tile + TILE_BYTES; // c0 when none is given
  const hh = zeros + floats(hidden); // [B, G·H], this part's columns
  const savedStep = hh + floats(batch * gh); // the gates of one step, when no `saved` is kept
  const pa = savedStep + floats(batch * savedWidth(kind) * hidden);
  const pb = pa + align(packedABytes(batch, hidden));
  const panels = packedBBytes(w, hidden); // one gate block's columns of W_hhᵀ [H, w], packed
  memory.fill(zeros, 0, hb);
  for (let g = 0; g < gates; g++) {
    packBColumns(wHh + (<usize>(g * hidden + j0) * hb), hidden, w, hidden, true, pb + <usize>g * panels);
  }
  const rowStates = <usize>steps * stateBytes; // one batch entry's states, all steps
  for (let k = 0; k < steps; k++) {
    const t = reverse ? steps - 1 - k : k;
    const tp = reverse ? t + 1 : t - 1;
    // h_{t−1} [B, H]: h0, or every unit of the states step t − 1 wrote (rows T·S·H floats apart).
    const prev = k == 0 ? h0 : states + <usize>tp * stateBytes;
    packARows(prev, batch, hidden, k == 0 ? hidden : steps * stateCount(kind) * hidden, false, pa);
    for (let g = 0; g < gates; g++) {
      const col = <usize>(g * hidden + j0) << 2;
      packedBlock(pa, pb + <usize>g * panels, hh + col, gh, batch, w, hidden, false, tile);
    }
    for (let b = 0; b < batch; b++) {
      const row = <usize>b * <usize>steps + <usize>t;
      const hp = k == 0 ? h0 + <usize>b * hb : prev + <usize>b * rowStates;
      const cp = k == 0 ? (c0 != 0 ? c0 + <usize>b * hb : zeros) : hp + hb;
      const sv = saved != 0 ? saved + row * savedBytes : savedStep + <usize>b * savedBytes;
      forwardRow(kind, hidden, j0, j1, xProj + row * ghb, hh + <usize>b * ghb, bHh, hp, cp, states + row * stateBytes,
        sv, out + row * hb, live(lengths, b, t));
    }
    if (k + 1 < steps) barrier(scratch, parts);
  }
}

/**
 * Part `part` of `parts` of recurrence.ts's `recurrenceForward` (same arguments and results),
 * run by every thread at once. `scratch`: recurrencePartScratchBytes bytes, its first 8 zero.
 */
export function recurrenceForwardPart(kind: i32, batch: i32, steps: i32, hidden: i32, xProj: usize, wHh: usize,
  bHh: usize, h0: usize, c0: usize, lengths: usize, reverse: bool, out: usize, states: usize, saved: usize,
  scratch: usize, part: i32, parts: i32): void {
  switch (kind) {
    case LSTM: forwardPart(LSTM, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, part, parts); break;
    case GRU: forwardPart(GRU, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, part, parts); break;
    case RNN_RELU: forwardPart(RNN_RELU, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, part, parts); break;
    case RNN_TANH: forwardPart(RNN_TANH, batch, steps, hidden, xProj, wHh, bHh, h0, c0, lengths, reverse, out, states, saved, scratch, part, parts); break;
    default: unreachable();
  }
}

// ---- backward --------------------------------------------------------------------------------

@inline function backwardPart(kind: i32, batch: i32, steps: i32, hidden: i32, wHh: usize, h0: usize, c0: usize,
  lengths: usize, reverse: bool, states: usize, saved: usize, dOut: usize, dhN: usize, dcN: usize, dxProj: usize,
  dwHh: usize, dbHh: usize, dh0: usize, dc0: usize, scratch: usize, part: i32, parts: i32): void {
  const gates = gateCount(kind);
  const gh = gates * hidden;
  const hb = <usize>hidden << 2;
  const ghb = <usize>gh << 2;
  const stateBytes = <usize>stateCount(kind) * hb;
  const savedBytes = <usize>savedWidth(kind) * hb;
  const rows = batch * steps;
  const j0 = unitStart(hidden, part, parts);
  const w = unitStart(hidden, part + 1, parts) - j0;
  const own = <usize>j0 << 2; // byte offset of this part's first unit in a row of H
  const ownBytes = <usize>w << 2;
  // Shared: h_{t−1} and the gate gradients of every step, by time index (as recurrence.ts), dh
  // and dc [B, H] (each part touches its own units), and hPrevAll packed for dW_hh.
  const hPrevAll = scratch + BARRIER_BYTES;
  const gAll = kind == GRU ? hPrevAll + floats(rows * hidden) : dxProj;
  const dh = kind == GRU ? gAll + floats(rows * gh) : hPrevAll + floats(rows * hidden);
  const dc = dh + floats(batch * hidden);
  const pbAll = dc + floats(batch * hidden);
  // This part's own: edge tile, zeros (c0 when none is given), packed A, its columns of W_hh.
  const tile = scratch + sharedBytes(kind, batch, steps, hidden, true) +
    <usize>part * partBytes(kind, batch, steps, hidden, parts, true);
  const zeros = tile + TILE_BYTES;
  const pa = zeros + floats(hidden);
  const pb = pa + align(max(packedABytes(batch, gh), packedABytes(w, rows)));
  memory.fill(zeros, 0, hb);
  for (let b = 0; b < batch; b++) {
    const r = <usize>b * hb + own;
    memory.copy(dh + r, dhN + r, ownBytes);
    if (dcN != 0) memory.copy(dc + r, dcN + r, ownBytes);
    else memory.fill(dc + r, 0, ownBytes);
  }
  if (dbHh != 0) for (let g = 0; g < gates; g++) memory.fill(dbHh + <usize>g * hb + own, 0, ownBytes);
  packBColumns(wHh + own, gh, w, hidden, false, pb); // W_hh [G·H, w], once for every step
  for (let k = steps - 1; k >= 0; k--) {
    const t = reverse ? steps - 1 - k : k;
    const tp = reverse ? t + 1 : t - 1;
    for (let b = 0; b < batch; b++) {
      const row = <usize>b * <usize>steps + <usize>t;
      const hp = k == 0 ? h0 + <usize>b * hb : states + (<usize>b * <usize>steps + <usize>tp) * stateBytes;
      const cp = k == 0 ? (c0 != 0 ? c0 + <usize>b * hb : zeros) : hp + hb;
      memory.copy(hPrevAll + row * hb + own, hp + own, ownBytes);
      const dg = gAll + row * ghb;
      const dx = dxProj + row * ghb;
      if (!live(lengths, b, t)) {
        for (let g = 0; g < gates; g++) {
          memory.fill(dg + <usize>g * hb + own, 0, ownBytes); // the state passes through
          if (kind == GRU) memory.fill(dx + <usize>g * hb + own, 0, ownBytes);
        }
        continue;
      }
      backwardRow(kind, hidden, j0, j0 + w, saved + row * savedBytes, states + row * stateBytes, hp, cp,
        dOut + row * hb, dh + <usize>b * hb, dc + <usize>b * hb, dg, dx);
      if (dbHh != 0) {
        for (let g = 0; g < gates; g++) addInto(dbHh + <usize>g * hb + own, dg + <usize>g * hb + own, w);
      }
    }
    barrier(scratch, parts);
    // dh [B, w] += dGate_t [B, G·H] · W_hh [G·H, w]; dGate_t's rows lie T·G·H floats apart in gAll.
    packARows(gAll + <usize>t * ghb, batch, gh, steps * gh, false, pa);
    packedBlock(pa, pb, dh + own, hidden, batch, w, gh, true, tile);
  }
  for (let b = 0; b < batch; b++) {
    const r = <usize>b * hb + own;
    memory.copy(dh0 + r, dh + r, ownBytes);
    if (dc0 != 0) memory.copy(dc0 + r, dc + r, ownBytes);
  }
  // dW_hh [G·H, H] = gAllᵀ [G·H, B·T] · hPrevAll [B·T, H]: every part packs the panels of its own
  // units of hPrevAll, then computes the rows of its own units in each gate block.
  packBColumns(hPrevAll + own, rows, w, hidden, false, pbAll + (<usize>(j0 >> 3) * <usize>rows << 5));
  barrier(scratch, parts);
  for (let g = 0; g < gates; g++) {
    const r0 = g * hidden + j0;
    packARows(gAll + (<usize>r0 << 2), w, rows, gh, true, pa);
    packedBlock(pa, pbAll, dwHh + <usize>r0 * hb, hidden, w, hidden, rows, false, tile);
  }
}

/**
 * Part `part` of `parts` of recurrence.ts's `recurrenceBackward` (same arguments and results),
 * run by every thread at once. `scratch`: recurrencePartScratchBytes bytes, its first 8 zero.
 */
export function recurrenceBackwardPart(kind: i32, batch: i32, steps: i32, hidden: i32, wHh: usize, h0: usize,
  c0: usize, lengths: usize, reverse: bool, states: usize, saved: usize, dOut: usize, dhN: usize, dcN: usize,
  dxProj: usize, dwHh: usize, dbHh: usize, dh0: usize, dc0: usize, scratch: usize, part: i32, parts: i32): void {
  switch (kind) {
    case LSTM: backwardPart(LSTM, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch, part, parts); break;
    case GRU: backwardPart(GRU, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch, part, parts); break;
    case RNN_RELU: backwardPart(RNN_RELU, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch, part, parts); break;
    case RNN_TANH: backwardPart(RNN_TANH, batch, steps, hidden, wHh, h0, c0, lengths, reverse, states, saved, dOut, dhN, dcN, dxProj, dwHh, dbHh, dh0, dc0, scratch, part, parts); break;
    default: unreachable();
  }
}
