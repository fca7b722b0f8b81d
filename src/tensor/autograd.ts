import { backend } from '../backend/index.js';
import { assert, SeqlabError } from '../errors.js';
import { sameShape, type Shape, shapeStr } from './shape.js';
import { type BackwardFn, ones, Tensor } from './tensor.js';

/**
 * The engine's modes, as in PyTorch: `recording` (whether ops record the graph; off inside
 * `noGrad` and while running backward) and `explicit` (whether fast paths yield to their
 * definitions; on inside `explicit`). The one piece of global state in the engine: modes, not data.
 */
const mode = { recording: true, explicit: false };

export function isRecording(): boolean {
  return mode.recording;
}

/** Runs `fn` without recording a graph: for inference and for updates to parameters. */
export function noGrad<T>(fn: () => T): T {
  const previous = mode.recording;
  mode.recording = false;
  try {
    return fn();
  } finally {
    mode.recording = previous;
  }
}

/** Whether a fast path must run its composed definition instead (inside `explicit`). */
export function isExplicit(): boolean {
  return mode.explicit;
}

/**
 * Runs `fn` with every fused or fast path replaced by its composed definition: F.linear,
 * softmax, scaledSoftmax and layerNorm run their `xExplicit` compositions, MultiHeadAttention
 * its matmul–softmax–matmul path, and the recurrent stacks `scan` over their cells. Results
 * agree with the fast paths to float32 rounding; use it to check a kernel against its
 * definition or to read a model's arithmetic op by op. Nests, and restores the mode on throw.
 */
export function explicit<T>(fn: () => T): T {
  const previous = mode.explicit;
  mode.explicit = true;
  try {
    return fn();
  } finally {
    mode.explicit = previous;
  }
}

/**
 * Wraps an op's freshly computed output. When recording and some input requires a gradient,
 * the output remembers its op, inputs and backward function; otherwise it is a plain tensor.
 */
export function record(data: Float32Array, shape: Shape, op: string, inputs: readonly Tensor[],
  backwardFn: BackwardFn): Tensor {
  const needs = mode.recording && inputs.some((t) => t.requiresGrad);
  if (!needs) return new Tensor(data, shape, { op });
  return new Tensor(data, shape, { requiresGrad: true, op, inputs, backwardFn });
}

/** Nodes reachable from `root` that take part in the gradient, inputs before outputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: a long unrolled RNN makes graphs far deeper than the JS call stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.inputs.length) {
      top[1]++;
      const child = node.inputs[next];
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

function accumulateInto(target: Tensor, g: Tensor): void {
  const out = target.data;
  const src = g.data;
  for (let i = 0; i < out.length; i++) out[i] += src[i];
}

/**
 * Back-propagates from `root`: with no `grad`, root must hold one value and its gradient is 1.
 * Gradients of leaves that require one accumulate into `.grad` (as in PyTorch, so call
 * `zeroGrad` between steps). The graph is released afterwards unless `retainGraph`.
 *
 * Gradients of intermediate tensors are given back to the backend as soon as the pass is done
 * with them (Backend.release), as PyTorch frees them: a step then holds its forward activations
 * and a frontier of gradients, not every gradient it ever made. Only storage allocated during
 * this pass is given back, and only once no gradient still waiting, nor any gradient a backward
 * function just returned (which may be the incoming one, or a view of it), shares any of it.
 */
export function backward(root: Tensor, grad?: Tensor, retainGraph = false): void {
  if (!root.requiresGrad) throw new SeqlabError('backward(): the tensor does not require a gradient');
  if (!grad && root.size !== 1) {
    throw new SeqlabError(`backward(): a gradient is needed for a tensor of shape ${shapeStr(root.shape)}`);
  }
  const order = topologicalOrder(root);
  const mark = backend().allocationMark();
  const grads = new Map<Tensor, Tensor>();
  /** How many waiting gradients hold each storage array. */
  const holders = new Map<Float32Array, number>();
  const hold = (input: Tensor, g: Tensor): void => {
    grads.set(input, g);
    holders.set(g.data, (holders.get(g.data) ?? 0) + 1);
  };
  /** `g` no longer waits: give its storage back unless another waiting gradient or one of `fresh` shares it. */
  const done = (g: Tensor, fresh: readonly (Tensor | null)[]): void => {
    const left = (holders.get(g.data) ?? 1) - 1;
    if (left > 0) {
      holders.set(g.data, left);
      return;
    }
    holders.delete(g.data);
    if (fresh.some((f) => f !== null && overlaps(f.data, g.data))) return;
    for (const held of holders.keys()) if (overlaps(held, g.data)) return; // a view of it still waits
    backend().release(g.data, mark);
  };
  hold(root, grad ?? ones(root.shape));
  noGrad(() => {
    for (let n = order.length - 1; n >= 0; n--) {
      const node = order[n];
      const g = grads.get(node);
      grads.delete(node);
      if (!g) continue;
      if (!node.backwardFn) {
        if (node.op !== 'leaf') {
          throw new SeqlabError(`backward(): the graph through '${node.op}' was already released; pass retainGraph`);
        }
        if (node.grad) accumulateInto(node.grad, g);
        else { // a copy in backend memory, which is reused from step to step (fresh pages cost a fault each)
          const data = backend().alloc(g.size, true);
          data.set(g.data);
          node.grad = new Tensor(data, node.shape);
        }
        done(g, []);
        continue;
      }
      const inputGrads = node.backwardFn(g);
      node.inputs.forEach((input, i) => {
        const ig = inputGrads[i];
        if (!input.requiresGrad || !ig) return;
        assert(sameShape(ig.shape, input.shape),
          `${node.op} backward gave ${shapeStr(ig.shape)} for an input of ${shapeStr(input.shape)}`);
        const prev = grads.get(input);
        if (!prev) {
          hold(input, ig);
          return;
        }
        // Backward functions may hand back the incoming gradient itself, so never add in place.
        hold(input, sumCopy(prev, ig));
        done(prev, inputGrads);
      });
      done(g, inputGrads);
      if (!retainGraph) {
        node.backwardFn = null;
        node.inputs = [];
      }
    }
  });
}

/** Whether two arrays share any bytes of storage. */
function overlaps(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** a + b into a new tensor (float32 sums, as the loop over elements would give). */
function sumCopy(a: Tensor, b: Tensor): Tensor {
  const data = backend().alloc(a.size, true);
  backend().binary('add', a.data, [1], b.data, [1], data, [a.size]);
  return new Tensor(data, a.shape);
}
