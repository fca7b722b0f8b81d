import type { Backend, RecurrenceArgs, RecurrenceGradArgs } from '../backend.js';
import { CELL_KINDS, opCodes } from '../op-table.js';
import { gateCount, savedWidth, stateCount } from '../recurrence.js';
import { referenceBackend as reference } from '../reference.js';
import type { WasmHeap } from './heap.js';
import { IN, isCount, type Operand, opt, OUT } from './kernels.js';

/**
 * The whole-sequence recurrent kernels behind the Backend interface: one call runs a layer
 * direction over every step (assembly/recurrence.ts), so per-step GEMMs, gate maths and every
 * temporary stay in WebAssembly. As every wiring in kernels.ts, extents are checked here and
 * anything the kernel cannot take runs on the reference.
 *
 * With threads, each thread runs its share of the hidden units at once with the others
 * (assembly/recurrence-parallel.ts), meeting at a barrier once per step: bitwise the same
 * results as one thread. Whether a call splits is measured, as for GEMMs (threads.ts,
 * `eitherWay`): a pool whose cores are busy elsewhere would only slow the steps down.
 */

export interface RecurrenceExports {
  recurrenceScratchBytes(kind: number, batch: number, steps: number, hidden: number, backward: number): number;
  recurrencePartScratchBytes(kind: number, batch: number, steps: number, hidden: number, parts: number,
    backward: number): number;
  recurrenceForward(kind: number, batch: number, steps: number, hidden: number, xProj: number, wHh: number,
    bHh: number, h0: number, c0: number, lengths: number, reverse: number, out: number, states: number,
    saved: number, scratch: number, packed: number): void;
  recurrencePackedWhhBytes(kind: number, hidden: number, batch: number): number;
  recurrencePackWhh(kind: number, hidden: number, wHh: number, dst: number, batch: number): void;
  recurrenceBackward(kind: number, batch: number, steps: number, hidden: number, wHh: number, h0: number,
    c0: number, lengths: number, reverse: number, states: number, saved: number, dOut: number, dhN: number,
    dcN: number, dxProj: number, dwHh: number, dbHh: number, dh0: number, dc0: number, scratch: number): void;
}

/** The part of the thread pool (threads.ts, WasmThreads) the recurrences use. */
export interface Together {
  /** Threads, the caller included. */
  readonly count: number;
  /** Calls export `name` as f(...args, part, count) on every thread at once. */
  together(name: string, args: readonly number[]): void;
  /** run(true) or run(false), whichever way was faster lately for jobs of `work` multiply-adds. */
  eitherWay(work: number, run: (together: boolean) => void): void;
}

/** What kernels.ts lends: staging of off-heap operands (the last address is `extraBytes` of scratch). */
export interface RecurrenceStaging {
  placeSome(operands: readonly (Operand | null)[], extraBytes: number): number[] | null;
  finish(): void;
}

/** Cell kind codes: positions in op-table.ts's CELL_KINDS (assembly/ops.generated.ts's CELL_*). */
const CELL = opCodes(CELL_KINDS);

interface Size { B: number; T: number; H: number; GH: number; S: number; W: number }

/**
 * Sizes of a recurrence call, or null when the wasm kernel cannot take it (sizes that are not
 * counts, an empty batch, sequence or layer, or an array shorter than the shapes imply); the
 * reference runs those.
 */
function recurrenceSize(a: RecurrenceArgs | RecurrenceGradArgs): Size | null {
  const { batch: B, steps: T, hidden: H } = a;
  if (![B, T, H].every(isCount) || B === 0 || T === 0 || H === 0) return null;
  const GH = gateCount(a.kind) * H;
  const S = stateCount(a.kind);
  const W = savedWidth(a.kind);
  const fits = (x: Float32Array | Int32Array | null, n: number): boolean => x === null || x.length >= n;
  const ok = fits(a.xProj, B * T * GH) && fits(a.wHh, GH * H) && fits(a.bHh, GH) && fits(a.h0, B * H) &&
    fits(a.c0, B * H) && fits(a.lengths, B) && fits(a.out, B * T * H) && fits(a.states, B * T * S * H) &&
    fits(a.saved, B * T * W * H);
  if (!ok) return null;
  if ('dOut' in a && !(fits(a.dOut, B * T * H) && fits(a.dhN, B * H) && fits(a.dcN, B * H) &&
    fits(a.dxProj, B * T * GH) && fits(a.dwHh, GH * H) && fits(a.dbHh, GH) && fits(a.dh0, B * H) &&
    fits(a.dc0, B * H))) return null;
  return { B, T, H, GH, S, W };
}

/**
 * Threads a recurrence can be split across: the pool's, when assembly/recurrence-parallel.ts
 * can cut the hidden units (whole panels of 8, at least one per thread) and the batch has more
 * than one row (batch 1, generation, runs matrix-vector products on one thread); else 1.
 */
export function recurrenceParts(threads: number, batch: number, hidden: number): number {
  return threads > 1 && batch > 1 && hidden % 8 === 0 && hidden / 8 >= threads ? threads : 1;
}

/** recurrenceForward and recurrenceBackward over the module `k`; `threads` may split them. */
export function makeRecurrenceKernels(k: RecurrenceExports, heap: WasmHeap, stage: RecurrenceStaging,
  threads: Together | null): Pick<Backend, 'recurrenceForward' | 'recurrenceBackward'> {
  /** Runs `call(parts)` on one thread, or split across the pool when it can be and pays. */
  const either = (s: Size, work: number, call: (parts: number) => void): void => {
    const parts = recurrenceParts(threads?.count ?? 1, s.B, s.H);
    if (parts > 1) threads!.eitherWay(work, (together) => call(together ? parts : 1));
    else call(1);
  };

  /** Scratch for one call on `parts` threads; with several, its first 8 bytes (the barrier) are zeroed first. */
  const scratchBytes = (kind: number, s: Size, parts: number, backward: number): number =>
    (parts > 1 ? k.recurrencePartScratchBytes(kind, s.B, s.T, s.H, parts, backward)
      : k.recurrenceScratchBytes(kind, s.B, s.T, s.H, backward)) >>> 0;

  /**
   * W_hh packed for the per-step products, kept between calls for callers that name the weight's
   * version (one token at a time: every call would otherwise pack all of W_hh for one step, or
   * at batch 1 read it through four row pointers). Two layouts, GEMM panels for batch > 1 and
   * matrix-vector groups for batch 1, each keyed by the weight array; a new version packs again.
   * 0 when not kept (then the kernel packs, or reads W_hh in place). One thread only: the split
   * kernels pack their own columns.
   */
  const packedCache = [new WeakMap<Float32Array, { version: number; block: Float32Array }>(),
    new WeakMap<Float32Array, { version: number; block: Float32Array }>()];
  const packedWhh = (a: RecurrenceArgs, kind: number, s: Size): number => {
    if (a.wHhVersion === undefined || a.saved !== null || !heap.owns(a.wHh)) return 0;
    const cache = packedCache[s.B === 1 ? 0 : 1];
    let entry = cache.get(a.wHh);
    if (!entry || entry.version !== a.wHhVersion) {
      const block = entry?.block ?? heap.alloc((k.recurrencePackedWhhBytes(kind, s.H, s.B) >>> 0) / 4);
      if (!heap.owns(block)) return 0;
      k.recurrencePackWhh(kind, s.H, heap.addressOf(a.wHh), heap.addressOf(block), s.B);
      entry = { version: a.wHhVersion, block };
      cache.set(a.wHh, entry);
    }
    return heap.addressOf(entry.block);
  };

  const forward = (a: RecurrenceArgs, s: Size, parts: number): void => {
    const { B, T, H, GH, S, W } = s;
    const kind = CELL[a.kind];
    const at = stage.placeSome([[a.xProj, B * T * GH, IN], [a.wHh, GH * H, IN], opt(a.bHh, GH, IN), [a.h0, B * H, IN],
      opt(a.c0, B * H, IN), opt(a.lengths, B, IN), [a.out, B * T * H, OUT], [a.states, B * T * S * H, OUT],
      opt(a.saved, B * T * W * H, OUT)], scratchBytes(kind, s, parts, 0));
    if (!at) return reference.recurrenceForward(a);
    if (parts > 1) {
      heap.ints(at[9], 2).fill(0);
      threads!.together('recurrenceForwardPart', [kind, B, T, H, at[0], at[1], at[2], at[3], at[4], at[5], +a.reverse,
        at[6], at[7], at[8], at[9]]);
    } else {
      k.recurrenceForward(kind, B, T, H, at[0], at[1], at[2], at[3], at[4], at[5], +a.reverse, at[6], at[7], at[8],
        at[9], packedWhh(a, kind, s));
    }
    stage.finish();
  };

  const backward = (a: RecurrenceGradArgs, s: Size, parts: number): void => {
    const { B, T, H, GH, S, W } = s;
    const kind = CELL[a.kind];
    const at = stage.placeSome([[a.wHh, GH * H, IN], [a.h0, B * H, IN], opt(a.c0, B * H, IN), opt(a.lengths, B, IN),
      [a.states, B * T * S * H, IN], [a.saved, B * T * W * H, IN], [a.dOut, B * T * H, IN], [a.dhN, B * H, IN],
      opt(a.dcN, B * H, IN), [a.dxProj, B * T * GH, OUT], [a.dwHh, GH * H, OUT], opt(a.dbHh, GH, OUT),
      [a.dh0, B * H, OUT], opt(a.dc0, B * H, OUT)], scratchBytes(kind, s, parts, 1));
    if (!at) return reference.recurrenceBackward(a);
    if (parts > 1) {
      heap.ints(at[14], 2).fill(0);
      threads!.together('recurrenceBackwardPart', [kind, B, T, H, at[0], at[1], at[2], at[3], +a.reverse, at[4], at[5],
        at[6], at[7], at[8], at[9], at[10], at[11], at[12], at[13], at[14]]);
    } else {
      k.recurrenceBackward(kind, B, T, H, at[0], at[1], at[2], at[3], +a.reverse, at[4], at[5], at[6], at[7], at[8],
        at[9], at[10], at[11], at[12], at[13], at[14]);
    }
    stage.finish();
  };

  return {
    recurrenceForward(a: RecurrenceArgs): void {
      const s = recurrenceSize(a);
      if (!s) return reference.recurrenceForward(a);
      either(s, s.B * s.T * s.GH * s.H, (parts) => forward(a, s, parts)); // multiply-adds of the h·W_hhᵀ products
    },

    recurrenceBackward(a: RecurrenceGradArgs): void {
      const s = recurrenceSize(a);
      if (!s) return reference.recurrenceBackward(a);
      either(s, 2 * s.B * s.T * s.GH * s.H, (parts) => backward(a, s, parts)); // dGate·W_hh, and dW_hh
    },
  };
}
