/**
 * One token per sequence through a `RecurrentLm`, for generation and suggestions:
 * the same numbers as `model.forward(tokens, n, 1, state)` in inference (a test holds them
 * equal), computed straight on the backend's kernels. Per layer it costs one bias copy, one
 * GEMV (GEMM for n > 1) for x·W_ihᵀ and one recurrence kernel call (h·W_hhᵀ and the gate maths);
 * then the output layer. The general path builds a dozen tensors, views and graph checks per
 * token around the same kernels, and at batch 1 those dominate the time.
 *
 * At batch 1, layer 0's x·W_ihᵀ + b depends only on the token, so when the vocabulary is small
 * enough (V·G·H ≤ TOKEN_TABLE_LIMIT floats) it is computed once for every token (by the same
 * GEMV, so the same numbers) and looked up: a char model's step then skips that product. The
 * table is made again when the embedding, W_ih or a bias changes (their versions).
 *
 *   tokens [n] → logits [n, C] (C classes; the vocabulary V for a language model), and the state h (and c for the LSTM) [L, n, H] after the token.
 */
import { backend, type CellKind } from '../backend/index.js';
import { stateCount } from '../backend/recurrence.js';
import { SeqlabError } from '../errors.js';
import { linearRows } from '../ops/linear.js';
import type { Gru, Lstm, Rnn } from '../nn/recurrent.js';
import { Tensor } from '../tensor/tensor.js';
import type { StepOptions } from './causal-lm.js';
import { outputClasses } from './lm-config.js';
import { outputLogitRows } from './lm-parts.js';
import type { RecurrentLm, RecurrentState } from './recurrent-lm.js';

/** One layer's parameters, in PyTorch's layout. */
interface StepLayer {
  wIh: Tensor; // [G·H, In]
  wHh: Tensor; // [G·H, H]
  bIh: Tensor | null; // [G·H]
  bHh: Tensor | null; // [G·H]
  /** The projection's bias (b_ih + b_hh, or b_ih for the GRU), and the versions it was made at. */
  bias: Float32Array | null;
  biasVersions: number[];
}

/** Layer 0's projection for every token at batch 1 [V, G·H], and the versions it was made at. */
interface TokenTable {
  table: Float32Array;
  versions: number[];
}

/** Largest token table kept, in floats (16 MiB): a char model's is a few hundred KiB. */
export const TOKEN_TABLE_LIMIT = 1 << 22;

/** Buffers reused from call to call at one batch size (nothing returned lives in them). */
interface StepScratch {
  n: number;
  xProj: Float32Array[]; // per layer [n, G·H]
  out: Float32Array[]; // per layer [n, H]
  states: Float32Array; // [n, S·H]
  logits: Float32Array | null; // [n, C], for `reuse`
}

const scratchOf = new WeakMap<Rnn | Gru | Lstm, StepScratch>();

function stepScratch(rnn: Rnn | Gru | Lstm, layers: readonly StepLayer[], n: number, S: number): StepScratch {
  const H = rnn.config.hiddenSize;
  let s = scratchOf.get(rnn);
  if (!s || s.n !== n) {
    s = {
      n, xProj: layers.map((l) => backend().alloc(n * l.wIh.shape[0])), out: layers.map(() => backend().alloc(n * H)),
      states: backend().alloc(n * S * H), logits: null,
    };
    scratchOf.set(rnn, s);
  }
  return s;
}

const layersOf = new WeakMap<Rnn | Gru | Lstm, StepLayer[]>();

/** The stack's parameters by layer (looked up once per stack; the tensors are updated in place). */
function stepLayers(rnn: Rnn | Gru | Lstm): StepLayer[] {
  let layers = layersOf.get(rnn);
  if (layers) return layers;
  if (rnn.config.bidirectional) throw new SeqlabError('lm: a bidirectional stack cannot generate step by step');
  const p = new Map(rnn.namedParameters());
  layers = Array.from({ length: rnn.config.numLayers }, (_, l) => ({
    wIh: p.get(`weight_ih_l${l}`)!,
    wHh: p.get(`weight_hh_l${l}`)!,
    bIh: p.get(`bias_ih_l${l}`) ?? null,
    bHh: p.get(`bias_hh_l${l}`) ?? null,
    bias: null,
    biasVersions: [],
  }));
  layersOf.set(rnn, layers);
  return layers;
}

/** A tensor's version, −1 for an absent one: what a cache records of what it was made from. */
const versionOf = (t: Tensor | null): number => t?.version ?? -1;

function versionsOf(tensors: readonly (Tensor | null)[]): number[] {
  return tensors.map(versionOf);
}

/** Whether `versions` (from versionsOf) still matches the tensors'. */
function current(versions: readonly number[], tensors: readonly (Tensor | null)[]): boolean {
  return versions.length === tensors.length && tensors.every((t, i) => versions[i] === versionOf(t));
}

/** The embedding rows of `tokens` (checked) [n, E]; a free view of the weight for one token. */
function embedRows(model: RecurrentLm, tokens: readonly number[]): Float32Array {
  const E = model.config.embedDim;
  const w = model.embedding.weight.data;
  if (tokens.length === 1) return w.subarray(tokens[0] * E, (tokens[0] + 1) * E);
  const x = backend().alloc(tokens.length * E);
  tokens.forEach((t, i) => x.set(w.subarray(t * E, (t + 1) * E), i * E));
  return x;
}

/**
 * The projection's bias: b_ih + b_hh in rnn and lstm (summed in float32, as the stacks' `add`
 * does, so the numbers round the same), b_ih in the GRU, where b_hn sits inside r ⊙ (·).
 * Made again only when an optimizer or a load has changed either vector (their versions).
 */
function projectionBias(kind: CellKind, layer: StepLayer): Float32Array | null {
  const { bIh, bHh } = layer;
  if (kind === 'gru' || !bHh) return bIh?.data ?? null;
  if (!bIh) return bHh.data;
  if (layer.bias === null || !current(layer.biasVersions, [bIh, bHh])) {
    const sum = backend().alloc(bIh.size);
    for (let i = 0; i < sum.length; i++) sum[i] = bIh.data[i] + bHh.data[i];
    layer.bias = sum;
    layer.biasVersions = versionsOf([bIh, bHh]);
  }
  return layer.bias;
}

const tableOf = new WeakMap<RecurrentLm, TokenTable>();

/**
 * Layer 0's x·W_ihᵀ + b for every token [V, G·H], each row by the batch-1 GEMV the step would
 * run; null when the table would pass TOKEN_TABLE_LIMIT.
 */
function tokenTable(model: RecurrentLm, kind: CellKind, layer: StepLayer): Float32Array | null {
  const { vocabSize: V, embedDim: E } = model.config;
  const GH = layer.wIh.shape[0];
  if (V * GH > TOKEN_TABLE_LIMIT) return null;
  const emb = model.embedding.weight;
  const bias = projectionBias(kind, layer);
  const inputs = [emb, layer.wIh, layer.bIh, layer.bHh];
  let t = tableOf.get(model);
  if (!t || !current(t.versions, inputs)) {
    const table = t?.table ?? backend().alloc(V * GH);
    for (let v = 0; v < V; v++) {
      linearRows(emb.data.subarray(v * E, (v + 1) * E), 1, layer.wIh.data, GH, E, bias, table.subarray(v * GH, (v + 1) * GH));
    }
    t = { table, versions: versionsOf(inputs) };
    tableOf.set(model, t);
  }
  return t.table;
}

/** See the file comment. `state` holds h (and c) [L, n, H], or nothing for a fresh start. */
export function recurrentStep(model: RecurrentLm, tokens: readonly number[], state: RecurrentState = {},
  options: StepOptions = {}): { logits: Tensor; state: RecurrentState } {
  const rnn = model.rnn;
  const n = tokens.length;
  const kind = rnn.kind;
  const H = rnn.config.hiddenSize;
  const L = rnn.config.numLayers;
  const S = stateCount(kind);
  for (const t of [state.h, S > 1 ? state.c : undefined]) {
    if (t && !(t.rank === 3 && t.shape[0] === L && t.shape[1] === n && t.shape[2] === H)) {
      throw new SeqlabError(`lm: state ${JSON.stringify(t.shape)} does not fit [${L}, ${n}, ${H}]`);
    }
  }
  const V = model.config.vocabSize;
  for (const t of tokens) {
    if (!(Number.isInteger(t) && t >= 0 && t < V)) throw new SeqlabError(`lm: token id ${t} is outside the vocabulary of ${V}`);
  }
  const reuse = options.reuse === true;
  const h0 = state.h?.data ?? backend().alloc(L * n * H);
  const c0 = S > 1 ? (state.c?.data ?? backend().alloc(L * n * H)) : null;
  // Each layer reads its slice of h0 (c0) before its new state is copied over it, so the new
  // state may go into the old arrays.
  const hN = reuse && state.h ? h0 : backend().alloc(L * n * H);
  const cN = S > 1 ? (reuse && state.c ? c0! : backend().alloc(L * n * H)) : null;
  const layers = stepLayers(rnn);
  const scratch = stepScratch(rnn, layers, n, S);
  const states = scratch.states; // [n, 1, S·H]: h then c after the step
  const table = n === 1 ? tokenTable(model, kind, layers[0]) : null;
  let x = table === null ? embedRows(model, tokens) : table; // with the table, layer 0 reads no x
  layers.forEach((layer, l) => {
    const at = l * n * H;
    const out = scratch.out[l];
    const [gh, inF] = layer.wIh.shape;
    let xProj = scratch.xProj[l];
    if (l === 0 && table) xProj = table.subarray(tokens[0] * gh, (tokens[0] + 1) * gh);
    else linearRows(x, n, layer.wIh.data, gh, inF, projectionBias(kind, layer), xProj); // x·W_ihᵀ + b
    backend().recurrenceForward({
      kind, batch: n, steps: 1, hidden: H, xProj, wHh: layer.wHh.data, wHhVersion: layer.wHh.version,
      bHh: kind === 'gru' ? layer.bHh?.data ?? null : null, h0: h0.subarray(at, at + n * H),
      c0: c0 ? c0.subarray(at, at + n * H) : null, lengths: null, reverse: false, out, states, saved: null,
    });
    // states [n, S, H] → row l of hN and cN [L, n, H]
    if (n === 1) {
      hN.set(states.subarray(0, H), at);
      if (cN) cN.set(states.subarray(H, 2 * H), at);
    } else {
      backend().axisCopy(states, S, 0, hN.subarray(at, at + n * H), 1, 0, n, 1, H, false);
      if (cN) backend().axisCopy(states, S, 1, cN.subarray(at, at + n * H), 1, 0, n, 1, H, false);
    }
    x = out;
  });
  const C = outputClasses(model.config);
  const logits = outputLogitRows(x, n, model, reuse ? (scratch.logits ??= backend().alloc(n * C)) : undefined);
  const op = 'recurrent_step';
  return {
    logits: new Tensor(logits, [n, 1, C], { op }),
    state: { h: new Tensor(hN, [L, n, H], { op }), ...(cN ? { c: new Tensor(cN, [L, n, H], { op }) } : {}) },
  };
}
