/**
 * The backend's numbered ops, in one place. Each list is the set of ops one kernel family takes,
 * and an op's code (what the WebAssembly kernels switch on) is its index in the list. Everything
 * else follows from these lists:
 *
 * - the op types (`UnaryOp`, ...) below, so a `switch` over one in the reference backend must
 *   cover every op before it type-checks;
 * - the codes the wasm backend passes (`opCodes`, in wasm/kernels.ts and wasm/recurrence.ts);
 * - assembly/ops.generated.ts, the same codes as AssemblyScript constants (`UNARY_GELU`, ...),
 *   written by scripts/build-wasm.ts before every compile; its switches trap on any other code;
 * - the kernel tests, which run every op in these lists against the reference.
 *
 * A new op is a name here plus its cases: the reference's forward and derivative, and the
 * kernel's; whichever is missing fails the type check, the build's trap, or the tests.
 * Append new names (codes are positions, so the order is part of the wasm interface).
 */

/** Elementwise y = f(x) (Backend.unary, unaryGrad). */
export const UNARY_OPS = ['neg', 'exp', 'log', 'tanh', 'sigmoid', 'relu', 'gelu', 'gelu_tanh', 'sqrt', 'abs'] as const;

/** Broadcasting a ∘ b (Backend.binary). */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'eq', 'gt', 'lt'] as const;

/** Reductions over one axis (Backend.reduce). */
export const REDUCE_OPS = ['sum', 'max'] as const;

/** Recurrent cells (Backend.recurrenceForward, recurrenceBackward; see recurrence.ts). */
export const CELL_KINDS = ['rnn_tanh', 'rnn_relu', 'gru', 'lstm'] as const;

export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type ReduceOp = (typeof REDUCE_OPS)[number];
export type CellKind = (typeof CELL_KINDS)[number];

/** Every numbered family, by the prefix its AssemblyScript constants carry (`UNARY_` + `GELU`). */
export const OP_TABLES = { UNARY: UNARY_OPS, BINARY: BINARY_OPS, REDUCE: REDUCE_OPS, CELL: CELL_KINDS } as const;

/** Name → code (its index) for one list: `opCodes(UNARY_OPS).gelu` is 6. */
export function opCodes<T extends string>(ops: readonly T[]): Record<T, number> {
  return Object.fromEntries(ops.map((op, code) => [op, code])) as Record<T, number>;
}
