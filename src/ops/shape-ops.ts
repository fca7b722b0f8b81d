import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { normAxis, numel, type Shape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * The same values seen with another shape (a free view of the storage). One size may be -1:
 * it is inferred. Backward: reshape the gradient back.
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const resolved = [...shape];
  const hole = resolved.indexOf(-1);
  if (hole >= 0) {
    const known = numel(resolved.filter((_, i) => i !== hole));
    if (known === 0 || x.size % known !== 0) {
      throw new SeqlabError(`reshape: cannot infer -1 in ${shapeStr(shape)} for ${x.size} values`);
    }
    resolved[hole] = x.size / known;
  }
  if (numel(resolved) !== x.size || resolved.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new SeqlabError(`reshape: cannot view ${shapeStr(x.shape)} (${x.size} values) as ${shapeStr(shape)}`);
  }
  return record(x.data, resolved, 'reshape', [x], (g) => [new Tensor(g.data, x.shape)]);
}

/** Adds a size-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes the size-1 axis `axis`. */
export function squeeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank);
  if (x.shape[a] !== 1) throw new SeqlabError(`squeeze: axis ${axis} of ${shapeStr(x.shape)} is not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** Reorders axes: out.shape[i] = x.shape[perm[i]]. Backward: the inverse permutation. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis(a, x.rank, 'permute axis'));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new SeqlabError(`permute: [${perm.join(', ')}] is not a permutation of the ${x.rank} axes of ${shapeStr(x.shape)}`);
  }
  const shape = p.map((a) => x.shape[a]);
  const out = backend().alloc(x.size);
  backend().permute(x.data, x.shape, p, out);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => { inverse[a] = i; });
  return record(out, shape, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two axes (by default the last two). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = normAxis(a, x.rank);
  const j = normAxis(b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}

/** Views of x as [outer, n, inner] around `axis`. */
function around(shape: Shape, axis: number): [number, number, number] {
  return [numel(shape.slice(0, axis)), shape[axis], numel(shape.slice(axis + 1))];
}

/** x[..., start:end, ...] along `axis`. Backward: the gradient placed back into zeros. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normAxis(axis, x.rank);
  const n = x.shape[a];
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= n)) {
    throw new SeqlabError(`slice: [${start}, ${end}) is out of range for axis ${axis} of size ${n}`);
  }
  const [outer, , inner] = around(x.shape, a);
  const shape = [...x.shape];
  shape[a] = end - start;
  const out = backend().alloc(numel(shape));
  backend().axisCopy(x.data, n, start, out, end - start, 0, outer, end - start, inner, false);
  return record(out, shape, 'slice', [x], (g) => {
    const dx = backend().alloc(x.size);
    backend().axisCopy(g.data, end - start, 0, dx, n, start, outer, end - start, inner, false);
    return [new Tensor(dx, x.shape)];
  });
}

/** Splits `axis` into `chunks` equal parts (as torch.chunk with an exact division). */
export function chunk(x: Tensor, chunks: number, axis: number): Tensor[] {
  const a = normAxis(axis, x.rank);
  const n = x.shape[a];
  if (n % chunks !== 0) throw new SeqlabError(`chunk: axis of size ${n} does not split into ${chunks} equal parts`);
  const size = n / chunks;
  return Array.from({ length: chunks }, (_, i) => slice(x, a, i * size, (i + 1) * size));
}

/** Joins tensors along an existing axis. Backward: the matching slices of the gradient. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new SeqlabError('concat: no tensors given');
  const a = normAxis(axis, xs[0].rank);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new SeqlabError(`concat: shapes ${shapeStr(xs[0].shape)} and ${shapeStr(t.shape)} differ off axis ${axis}`);
    }
  }
  if (xs.length === 1) return reshape(xs[0], xs[0].shape); // nothing to join: a free view
  const total = xs.reduce((s, t) => s + t.shape[a], 0);
  const shape = [...xs[0].shape];
  shape[a] = total;
  const [outer, , inner] = around(shape, a);
  const out = backend().alloc(numel(shape));
  let at = 0;
  for (const t of xs) {
    backend().axisCopy(t.data, t.shape[a], 0, out, total, at, outer, t.shape[a], inner, false);
    at += t.shape[a];
  }
  return record(out, shape, 'concat', xs, (g) => {
    let start = 0;
    return xs.map((t) => {
      const part = t.requiresGrad ? slice(g, a, start, start + t.shape[a]) : null;
      start += t.shape[a];
      return part;
    });
  });
}

/** Stacks equal-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new SeqlabError('stack: no tensors given');
  const a = normAxis(axis, xs[0].rank + 1);
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}
