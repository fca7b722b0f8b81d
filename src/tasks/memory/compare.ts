/**
 * Why sequences need these models, measured: every family trained on the memory problems at a
 * grid of lags, each at (close to) the same parameter budget, for the same fixed number of
 * steps, then scored on a fresh seeded set. Fixed steps rather than wall time, so the table is
 * the same on any machine for the same seed.
 *
 * Equal budgets: the ffn, rnn, gru and lstm keep a 16-wide embedding and get the hidden width
 * whose parameter count is nearest the budget; the transformer (2 pre-norm layers, 4 heads, a
 * feed-forward twice its width) gets the model width nearest it. The ffn's window stays fixed,
 * so the lag where it stops reaching shows.
 */
import { ConfigError } from '../../config/resolve.js';
import { LM_ARCHS, type LmArch } from '../../models/lm-config.js';
import { MemorySource, MemoryStore } from '../../store/store.js';
import { loadCheckpoint } from '../registry.js';
import { runTraining } from '../run-training.js';
import { MEMORY_KINDS, type MemoryKind } from './problems.js';
import { memoryTask } from './task.js';

/** The grid and how each cell is trained. */
export interface CompareConfig {
  kinds: MemoryKind[];
  lags: number[];
  models: LmArch[];
  /** Updates per run (batches of 32 fresh sequences). */
  steps: number;
  seed: number;
  /** Parameters each family is sized to come close to. */
  budget: number;
  /** Tokens the ffn sees, the current one included: it can echo lags up to window − 1. */
  window: number;
  /**
   * Learning rate per family (AdamW, cosine decay to a tenth, gradients clipped to norm 1). The
   * recurrent ones are the better of 3e-3 and 1e-2 on echo at lag 10 (1500 steps): the plain
   * RNN diverges at 1e-2, the gated ones learn slower at 3e-3.
   */
  lr: Record<LmArch, number>;
  /** Warm-up steps per family. */
  warmup: Record<LmArch, number>;
  /** Validation sequences (best checkpoint), and fresh evaluation sequences. */
  validSize: number;
  evalSize: number;
  /** Validations per run; the best of them is the one scored. */
  evaluations: number;
}

export const defaultCompareConfig: Readonly<CompareConfig> = Object.freeze({
  kinds: ['echo'],
  lags: [5, 10, 20, 50],
  models: [...LM_ARCHS],
  steps: 1500,
  seed: 1,
  budget: 20_000,
  window: 8,
  lr: { ffn: 3e-3, rnn: 3e-3, gru: 1e-2, lstm: 1e-2, transformer: 1e-3 },
  warmup: { ffn: 0, rnn: 0, gru: 0, lstm: 0, transformer: 100 },
  validSize: 256,
  evalSize: 2000,
  evaluations: 4,
}) as Readonly<CompareConfig>;

/** One cell of the grid: what was trained, its size, and how it scored on fresh data. */
export interface CompareRow {
  kind: MemoryKind;
  lag: number;
  model: LmArch;
  parameters: number;
  accuracy: number;
  steps: number;
  /** Wall time of training and evaluation (machine-dependent, unlike the rest). */
  seconds: number;
}

/** Progress: a cell is about to start, or has finished. */
export interface CompareEvents {
  onStart?(cell: { kind: MemoryKind; lag: number; model: LmArch; parameters: number; index: number; total: number }): void;
  onRow?(row: CompareRow, index: number, total: number): void;
}

/** The echo problem's alphabet (the task's default). */
const SYMBOLS = 8;
const none = new MemorySource({});

/** The accuracy of the best constant answer: what a model that remembers nothing scores. */
export function chanceAccuracy(kind: MemoryKind): number {
  switch (kind) {
    case 'echo': return 1 / SYMBOLS;
    case 'adding': return 10 / 100; // a sum of 9 is the likeliest: 10 of the 100 digit pairs
    case 'brackets': return 0.5;
  }
}

/** The family's size settings: `width` hidden units (the transformer: model width, and `ff` feed-forward units). */
function sizeSettings(model: LmArch, width: number, window: number, ff = 2 * width): Record<string, number> {
  if (model === 'transformer') return { embedDim: width, hiddenSize: ff, numLayers: 2, nhead: 4 };
  return model === 'ffn' ? { embedDim: 16, hiddenSize: width, window } : { embedDim: 16, hiddenSize: width };
}

/** Parameters of the model the memory task builds for these settings. */
function countParameters(kind: MemoryKind, lag: number, model: LmArch, settings: Record<string, number>): number {
  return memoryTask.setup({ train: [], valid: null, arch: model, settings: { kind, lag, validSize: 1, ...settings }, seed: 0 }, none).parameters;
}

/** The fewest units n ≥ 1 with count(n) ≥ target, for a count that grows with n. */
function firstReaching(count: (n: number) => number, target: number): number {
  let lo = 1;
  let hi = 1;
  while (count(hi) < target) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (count(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The units whose count is nearest `target` (the smaller on a tie). */
function nearest(count: (n: number) => number, target: number): number {
  const n = firstReaching(count, target);
  return n > 1 && target - count(n - 1) <= count(n) - target ? n - 1 : n;
}

/**
 * The size settings of `model` whose parameter count is nearest `budget` on this problem, and
 * that count. Recurrent and window models: the hidden width. The transformer: the widest model
 * width (a multiple of its 4 heads) that fits with a feed-forward twice as wide, then the
 * feed-forward width nearest the budget, so it lands as close as the others.
 */
export function sizeForBudget(kind: MemoryKind, lag: number, model: LmArch, budget: number, window: number):
  { settings: Record<string, number>; parameters: number } {
  const count = (s: Record<string, number>): number => countParameters(kind, lag, model, s);
  let settings: Record<string, number>;
  if (model === 'transformer') {
    const width = 4 * Math.max(1, firstReaching((n) => count(sizeSettings(model, 4 * n, window)), budget + 1) - 1);
    settings = sizeSettings(model, width, window, nearest((ff) => count(sizeSettings(model, width, window, ff)), budget));
  } else {
    settings = sizeSettings(model, nearest((n) => count(sizeSettings(model, n, window)), budget), window);
  }
  return { settings, parameters: count(settings) };
}

/** Checks the grid: known kinds and models, lags whole and positive, the rest in range. */
export function checkCompareConfig(c: CompareConfig): void {
  for (const k of c.kinds) if (!MEMORY_KINDS.includes(k)) throw new ConfigError('compare', 'kinds', `unknown kind '${k}' (expected ${MEMORY_KINDS.join(', ')})`);
  for (const m of c.models) if (!LM_ARCHS.includes(m)) throw new ConfigError('compare', 'models', `unknown model '${m}' (expected ${LM_ARCHS.join(', ')})`);
  for (const l of c.lags) if (!Number.isInteger(l) || l < 1) throw new ConfigError('compare', 'lags', `must be whole numbers >= 1, got ${l}`);
  for (const key of ['kinds', 'lags', 'models'] as const) if (c[key].length === 0) throw new ConfigError('compare', key, 'must not be empty');
  for (const key of ['steps', 'budget', 'window', 'validSize', 'evalSize', 'evaluations'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new ConfigError('compare', key, `must be a whole number >= 1, got ${c[key]}`);
  }
}

/** Trains one cell in memory and scores it on the task's fresh evaluation set. */
async function runCell(c: CompareConfig, kind: MemoryKind, lag: number, model: LmArch, settings: Record<string, number>):
  Promise<{ accuracy: number; steps: number; seconds: number }> {
  const started = performance.now();
  const store = new MemoryStore(`${kind}-${lag}-${model}`);
  const request = { train: [], valid: null, arch: model, seed: c.seed,
    settings: { kind, lag, symbols: SYMBOLS, validSize: c.validSize, evalSize: c.evalSize, ...settings } };
  const trainer = { steps: c.steps, seed: c.seed, lr: c.lr[model], schedule: 'cosine' as const, warmupSteps: c.warmup[model],
    evalEvery: Math.max(1, Math.ceil(c.steps / c.evaluations)) };
  const result = await runTraining(memoryTask, request, none, store, { trainer });
  const accuracy = loadCheckpoint(store).evaluate({ test: null, settings: {} }, none).accuracy as number;
  return { accuracy, steps: result.steps, seconds: (performance.now() - started) / 1000 };
}

/**
 * Runs the grid kinds × lags × models, in that order, one training run per cell (in memory, no
 * files), and returns one row per cell. The same config gives the same rows but for `seconds`.
 */
export async function compareMemory(config: Partial<CompareConfig> = {}, events: CompareEvents = {}): Promise<CompareRow[]> {
  const c: CompareConfig = { ...defaultCompareConfig, ...config };
  checkCompareConfig(c);
  const rows: CompareRow[] = [];
  const total = c.kinds.length * c.lags.length * c.models.length;
  for (const kind of c.kinds) {
    for (const lag of c.lags) {
      for (const model of c.models) {
        const { settings, parameters } = sizeForBudget(kind, lag, model, c.budget, c.window);
        events.onStart?.({ kind, lag, model, parameters, index: rows.length, total });
        const r = await runCell(c, kind, lag, model, settings);
        const row: CompareRow = { kind, lag, model, parameters, accuracy: r.accuracy, steps: r.steps, seconds: Number(r.seconds.toFixed(2)) };
        rows.push(row);
        events.onRow?.(row, rows.length - 1, total);
      }
    }
  }
  return rows;
}

/**
 * The rows as a Markdown table per kind: one line per model, one accuracy column per lag, and
 * each model's parameter counts (a range where the count moves with the lag).
 */
export function compareTable(rows: readonly CompareRow[]): string {
  const out: string[] = [];
  for (const kind of MEMORY_KINDS) {
    const own = rows.filter((r) => r.kind === kind);
    if (own.length === 0) continue;
    const lags = [...new Set(own.map((r) => r.lag))].sort((a, b) => a - b);
    const models = [...new Set(own.map((r) => r.model))];
    out.push(`### ${kind} (chance ${chanceAccuracy(kind).toFixed(3)})`, '');
    out.push(`| model | parameters | ${lags.map((l) => `lag ${l}`).join(' | ')} |`);
    out.push(`|---|---:|${lags.map(() => '---:').join('|')}|`);
    for (const m of models) {
      const mine = own.filter((r) => r.model === m);
      const counts = mine.map((r) => r.parameters);
      const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
      const size = lo === hi ? `${lo}` : `${lo}–${hi}`;
      const cells = lags.map((l) => mine.find((r) => r.lag === l)?.accuracy.toFixed(3) ?? '–');
      out.push(`| ${m} | ${size} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
