/**
 * From a raw Trace (flat entries of Float32Arrays) to the JSON parts of an Explanation: one
 * RecurrentTrace per recurrent cell (states and gates per step, time major) and one
 * AttentionTrace per attention module (every head's weights). Reads one row of the batch.
 *
 * Module paths say where a value came from: recurrent stacks name their cells `l<k>` and
 * `l<k>_reverse` (PyTorch's suffixes), a decoder's cells are `cells.<k>`, transformer layers are
 * `layers.<k>` with `self_attn` and `multihead_attn` (cross-attention), as PyTorch names them.
 */
import type { AttentionTrace, RecurrentTrace } from './explanation.js';
import type { Trace, TraceEntry } from './trace.js';

/** Names the positions a module's values stand for (query or key side for attention). */
export type TokensOf = (module: string, role: 'step' | 'query' | 'key') => readonly string[];

/** Four decimals: enough to draw, and the JSON stays small. */
const round = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Row `row` of a [B, ...rest] entry, flat. */
function rowOf(e: TraceEntry, row: number): number[] {
  const width = e.data.length / e.shape[0];
  return Array.from(e.data.subarray(row * width, (row + 1) * width), round);
}

/** Entries of `module:key` in step order. */
function steps(trace: Trace, module: string, key: string): TraceEntry[] {
  return trace.get(module, key).sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
}

/** `tokensOf` when it names every position, else 1-based position numbers. */
function names(tokensOf: TokensOf, module: string, role: 'step' | 'query' | 'key', n: number): string[] {
  const t = tokensOf(module, role);
  return t.length === n ? [...t] : Array.from({ length: n }, (_, i) => String(i + 1));
}

/** Layer and direction from a cell's path: `rnn.l1_reverse` → 1, backward; `decoder.cells.0` → 0, forward. */
function cellPlace(module: string): { layer: number; direction: 'forward' | 'backward' } {
  const stack = /(?:^|\.)l(\d+)(_reverse)?$/.exec(module);
  if (stack) return { layer: Number(stack[1]), direction: stack[2] ? 'backward' : 'forward' };
  const cells = /(?:^|\.)cells\.(\d+)$/.exec(module);
  return { layer: cells ? Number(cells[1]) : 0, direction: 'forward' };
}

/** One RecurrentTrace per module that recorded a per-step `h`, in the order they first ran. */
export function collectRecurrent(trace: Trace, tokensOf: TokensOf, row = 0): RecurrentTrace[] {
  const modules = [...new Set(trace.entries.filter((e) => e.key === 'h' && e.step !== null).map((e) => e.module))];
  return modules.map((module) => {
    const keys = [...new Set(trace.entries.filter((e) => e.module === module).map((e) => e.key))];
    const gateNames = keys.filter((k) => k.startsWith('gate.')).map((k) => k.slice(5));
    const kind = gateNames.includes('i') ? 'lstm' : gateNames.includes('r') ? 'gru' : 'rnn';
    const read = (key: string): number[][] => steps(trace, module, key).map((e) => rowOf(e, row));
    const states: Record<string, number[][]> = {};
    for (const k of keys.filter((k) => !k.startsWith('gate.'))) states[k] = read(k);
    const gates: Record<string, number[][]> = {};
    for (const g of gateNames) gates[g] = read(`gate.${g}`);
    return { module, kind, ...cellPlace(module), tokens: names(tokensOf, module, 'step', states.h.length), states, gates };
  });
}

/**
 * One AttentionTrace per module that recorded `attn`: multi-head modules record [B, h, Tq, Tk]
 * once per call (the last call is kept); RNN attention records [B, S] once per target step,
 * stacked here into one head [T][S]. `self_attn` is self-attention; the rest attend a source.
 */
export function collectAttention(trace: Trace, tokensOf: TokensOf, row = 0): AttentionTrace[] {
  const modules = [...new Set(trace.entries.filter((e) => e.key === 'attn').map((e) => e.module))];
  return modules.map((module) => {
    const entries = steps(trace, module, 'attn');
    let heads: number[][][];
    if (entries[0].step !== null) {
      heads = [entries.map((e) => rowOf(e, row))]; // [1][T][S]
    } else {
      const e = entries[entries.length - 1];
      const [h, tq, tk] = e.shape.length === 4 ? e.shape.slice(1) : [1, ...e.shape.slice(1)];
      const flat = rowOf(e, row);
      heads = Array.from({ length: h }, (_, i) => Array.from({ length: tq }, (_, q) => flat.slice((i * tq + q) * tk, (i * tq + q + 1) * tk)));
    }
    const kind = /(?:^|\.)self_attn$/.test(module) ? 'self' : 'cross';
    const layer = Number(/(?:^|\.)layers\.(\d+)/.exec(module)?.[1] ?? 0);
    return {
      module, kind, layer,
      queries: names(tokensOf, module, 'query', heads[0].length),
      keys: names(tokensOf, module, 'key', heads[0][0]?.length ?? 0),
      heads,
    };
  });
}
