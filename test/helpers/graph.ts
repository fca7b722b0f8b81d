import type { Tensor } from '../../src/tensor/tensor.js';

/** Op labels of the graph behind `root`: which primitives a forward pass ran. */
export function opsOf(root: Tensor): Set<string> {
  const ops = new Set<string>();
  const seen = new Set<Tensor>([root]);
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    ops.add(t.op);
    for (const x of t.inputs) if (!seen.has(x)) { seen.add(x); stack.push(x); }
  }
  return ops;
}
