import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { numel, type Shape, shapeStr } from './shape.js';

/**
 * Turns the gradient of an op's output into gradients for each of its inputs (null where an
 * input needs none). It runs with gradient recording off.
 */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

/**
 * A float32 tensor: contiguous row-major storage plus a shape. Contiguous-only is a deliberate
 * choice: every op writes a fresh array, so kernels see plain dense arrays, and `reshape` is a
 * free view. (Transposes copy; they are rare next to matmuls, which take transpose flags.)
 *
 * A tensor made by an op on inputs that require gradients remembers the op (`op`), its
 * `inputs` and how to run it backward; `backward()` walks that graph. Memory is reclaimed by
 * ordinary garbage collection: there is nothing to dispose.
 */
export class Tensor {
  /**
   * The values, row-major. Ops only read it; write in place only through `write`, `set` or
   * `fill`, which bump `version`: caches keyed by it (packed W_hh, a generation step's token
   * tables and folded biases) would otherwise keep serving the old values.
   */
  readonly data: Float32Array;
  readonly shape: Shape;
  requiresGrad: boolean;
  /** Accumulated gradient, for leaves that require one, after `backward()`. */
  grad: Tensor | null = null;
  /** The op that made this tensor, or 'leaf'. */
  readonly op: string;
  inputs: readonly Tensor[];
  backwardFn: BackwardFn | null;
  /**
   * Counts in-place writes (`write`, `set`, `fill`: optimizer steps, loading a state dict), so
   * caches built from `data` (packed weights, token tables) can tell they are stale.
   */
  version = 0;

  constructor(data: Float32Array, shape: Shape, options: { requiresGrad?: boolean; op?: string;
    inputs?: readonly Tensor[]; backwardFn?: BackwardFn | null } = {}) {
    if (data.length !== numel(shape)) {
      throw new SeqlabError(`tensor: ${data.length} values do not fill shape ${shapeStr(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = options.requiresGrad ?? false;
    this.op = options.op ?? 'leaf';
    this.inputs = options.inputs ?? [];
    this.backwardFn = options.backwardFn ?? null;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new SeqlabError(`item(): tensor of shape ${shapeStr(this.shape)} has ${this.data.length} values, not 1`);
    }
    return this.data[0];
  }

  /**
   * The one way to change values in place: runs `fn` on `data`, then bumps `version` once
   * (even if `fn` throws part-way, as the values may have changed). Not for tensors a recorded
   * graph still needs for its backward pass.
   */
  write(fn: (data: Float32Array) => void): this {
    try {
      fn(this.data);
    } finally {
      this.version++;
    }
    return this;
  }

  /** Copies `values` in at flat index `offset` (row-major), as Float32Array.set; one version bump. */
  set(values: ArrayLike<number>, offset = 0): this {
    return this.write((data) => data.set(values, offset));
  }

  /** Sets flat indices [start, end) to `value` (default: all), as Float32Array.fill; one version bump. */
  fill(value: number, start = 0, end = this.data.length): this {
    return this.write((data) => data.fill(value, start, end));
  }

  /** A tensor sharing this one's storage but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** Nested arrays, for printing and tests. */
  toArray(): unknown {
    const build = (axis: number, offset: number): unknown => {
      if (axis === this.shape.length) return this.data[offset];
      const stride = numel(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, op=${this.op})`;
  }
}

/** A tensor of the given shape; `values` (flat, row-major) are copied into float32 storage. */
export function tensor(values: ArrayLike<number>, shape?: Shape, requiresGrad = false): Tensor {
  const s = shape ?? [values.length];
  const data = backend().alloc(values.length);
  data.set(values);
  return new Tensor(data, s, { requiresGrad });
}

/** A rank-0 tensor holding `v`. */
export function scalar(v: number): Tensor {
  return tensor([v], []);
}

export function zeros(shape: Shape, requiresGrad = false): Tensor {
  return new Tensor(backend().alloc(numel(shape)), shape, { requiresGrad });
}

export function full(shape: Shape, value: number, requiresGrad = false): Tensor {
  const data = backend().alloc(numel(shape));
  data.fill(value);
  return new Tensor(data, shape, { requiresGrad });
}

export function ones(shape: Shape, requiresGrad = false): Tensor {
  return full(shape, 1, requiresGrad);
}
