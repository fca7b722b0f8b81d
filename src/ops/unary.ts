import { backend, type UnaryOp } from '../backend/index.js';
import { record } from '../tensor/autograd.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Elementwise y = f(x). The forward and the derivative f'(x) of each op sit side by side in the
 * backend (`unaryScalar` / `unaryDerivative` in reference.ts); backward is g · f'(x).
 */
function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const y = backend().alloc(x.size, true); // every element written
  backend().unary(op, x.data, y);
  return record(y, x.shape, op, [x], (g) => {
    const dx = backend().alloc(x.size, true);
    backend().unaryGrad(op, x.data, y, g.data, dx);
    return [new Tensor(dx, x.shape)];
  });
}

/** −x */
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
/** eˣ; derivative eˣ. */
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
/** ln x; derivative 1/x. */
export const log = (x: Tensor): Tensor => unaryOp('log', x);
/** tanh x; derivative 1 − tanh² x. */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
/** σ(x) = 1 / (1 + e⁻ˣ), computed without overflow; derivative σ(1 − σ). */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
/** max(x, 0); derivative 1 for x > 0, else 0 (as PyTorch). */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** √x; derivative 1 / (2√x). */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
/** |x|; derivative sign(x). */
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);

/**
 * GELU. 'erf' (PyTorch's default): x·Φ(x) = ½x(1 + erf(x/√2)).
 * 'tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³))), GPT-2's approximation.
 */
export function gelu(x: Tensor, approximate: 'erf' | 'tanh' = 'erf'): Tensor {
  return unaryOp(approximate === 'erf' ? 'gelu' : 'gelu_tanh', x);
}
