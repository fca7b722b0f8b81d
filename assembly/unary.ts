// Elementwise y = f(x) and its gradient g·f'(x), vectorised. Each vector whose lanes leave an
// op's fast domain runs the scalar float64 formula (the reference's) lane by lane instead.
import { expDomain, expv, logDomain, logv, notNaN, onePlusErfv, sigmoidv, tanhv, within } from './vmath';
import { madd } from './simd';

// Op codes from src/backend/op-table.ts. Every switch over them traps on any other code, so an
// op added to the table and not here fails its test instead of computing something else.
import {
  UNARY_ABS as ABS, UNARY_EXP as EXP, UNARY_GELU as GELU, UNARY_GELU_TANH as GELU_TANH, UNARY_LOG as LOG,
  UNARY_NEG as NEG, UNARY_RELU as RELU, UNARY_SIGMOID as SIGMOID, UNARY_SQRT as SQRT, UNARY_TANH as TANH,
} from './ops.generated';

const SQRT_2_OVER_PI: f64 = 0.7978845608028654;
const INV_SQRT_2PI: f64 = 0.3989422804014327;
/** Math.SQRT2, spelled out so the module imports nothing but exp, log, tanh and pow. */
const SQRT2: f64 = 1.4142135623730951;

@inline function c(x: f32): v128 {
  return f32x4.splat(x);
}

/** erf(x), the reference's Numerical Recipes fit, in float64. */
function erf(x: f64): f64 {
  const z = abs<f64>(x);
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 +
    t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc : erfc - 1;
}

function scalarForward(op: i32, x: f64): f64 {
  switch (op) {
    case NEG: return -x;
    case EXP: return Math.exp(x);
    case LOG: return Math.log(x);
    case TANH: return Math.tanh(x);
    case SIGMOID: return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    case RELU: return x > 0 ? x : 0;
    case GELU: return 0.5 * x * (1 + erf(x / SQRT2));
    case GELU_TANH: return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case SQRT: return sqrt<f64>(x);
    case ABS: return abs<f64>(x);
    default: return unreachable();
  }
}

function scalarDerivative(op: i32, x: f64, y: f64): f64 {
  switch (op) {
    case NEG: return -1;
    case EXP: return y;
    case LOG: return 1 / x;
    case TANH: return 1 - y * y;
    case SIGMOID: return y * (1 - y);
    case RELU: return x > 0 ? 1 : 0;
    case GELU: return 0.5 * (1 + erf(x / SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case GELU_TANH: {
      const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    }
    case SQRT: return 0.5 / y;
    case ABS: return x > 0 ? 1 : x < 0 ? -1 : 0;
    default: return unreachable();
  }
}

/** gelu_tanh(x) = x·σ(2u), u = √(2/π)(x + 0.044715x³): the same function, no cancellation. */
@inline function twoU(x: v128): v128 {
  return f32x4.mul(madd(f32x4.mul(f32x4.mul(x, x), x), c(0.044715), x), c(<f32>(2 * SQRT_2_OVER_PI)));
}

/** Whether the vector path of `op` is valid for every lane of x. */
@inline function inDomain(op: i32, x: v128): bool {
  switch (op) {
    case EXP: case SIGMOID: return expDomain(x);
    case LOG: return logDomain(x);
    case TANH: return notNaN(x);
    case GELU: return within(x, 13);
    case GELU_TANH: return within(x, 9);
    case NEG: case RELU: case SQRT: case ABS: return true;
    default: return unreachable();
  }
}

@inline function forwardv(op: i32, x: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(x);
    case EXP: return expv(x);
    case LOG: return logv(x);
    case TANH: return tanhv(x);
    case SIGMOID: return sigmoidv(x);
    case RELU: return v128.and(x, f32x4.gt(x, c(0)));
    case GELU: return f32x4.mul(f32x4.mul(x, c(0.5)), onePlusErfv(x));
    case GELU_TANH: return f32x4.mul(x, sigmoidv(twoU(x)));
    case SQRT: return f32x4.sqrt(x);
    case ABS: return f32x4.abs(x);
    default: return unreachable();
  }
}

/** f'(x) given y = f(x). */
@inline function derivativev(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case NEG: return c(-1);
    case EXP: return y;
    case LOG: return f32x4.div(c(1), x);
    // (1 − y)(1 + y): near ±1 one factor is exact (Sterbenz), so no cancellation as in 1 − y².
    case TANH: return f32x4.mul(f32x4.sub(c(1), y), f32x4.add(c(1), y));
    case SIGMOID: return f32x4.mul(y, f32x4.sub(c(1), y));
    case RELU: return v128.and(c(1), f32x4.gt(x, c(0)));
    case GELU: {
      // Φ(x) + x·φ(x). Φ = y/x from the forward's output (no second erf); near 0, where y/x
      // loses digits, Φ ≈ ½ + x·φ(0)·(1 − x²/6), exact to float32 for |x| < 2⁻⁶.
      const gauss = expv(f32x4.mul(f32x4.mul(x, x), c(-0.5)));
      const xg = f32x4.mul(x, c(<f32>INV_SQRT_2PI));
      const near = madd(xg, madd(f32x4.mul(x, x), c(<f32>(-1.0 / 6)), c(1)), c(0.5));
      const cdf = v128.bitselect(near, f32x4.div(y, x), f32x4.lt(f32x4.abs(x), c(0.015625)));
      return madd(xg, gauss, cdf);
    }
    case GELU_TANH: {
      // s + 2x·s(1 − s)·√(2/π)(1 + 3·0.044715x²), s = σ(2u).
      const s = sigmoidv(twoU(x));
      const poly = madd(f32x4.mul(x, x), c(<f32>(3 * 0.044715)), c(1));
      const k = f32x4.mul(f32x4.mul(x, c(<f32>(2 * SQRT_2_OVER_PI))), poly);
      return madd(f32x4.mul(s, f32x4.sub(c(1), s)), k, s);
    }
    case SQRT: return f32x4.div(c(0.5), y);
    case ABS: {
      const pos = v128.and(c(1), f32x4.gt(x, c(0)));
      return v128.or(pos, v128.and(c(-1), f32x4.lt(x, c(0))));
    }
    default: return unreachable();
  }
}

@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const v = v128.load(x + off);
    if (inDomain(op, v)) {
      v128.store(out + off, forwardv(op, v));
    } else {
      for (let l = 0; l < 4; l++) {
        const o = off + (<usize>l << 2);
        store<f32>(out + o, <f32>scalarForward(op, load<f32>(x + o)));
      }
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>scalarForward(op, load<f32>(x + o)));
  }
}

@inline function gradLoop(op: i32, x: usize, y: usize, g: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const xv = v128.load(x + off);
    if (inDomain(op, xv)) {
      v128.store(out + off, f32x4.mul(v128.load(g + off), derivativev(op, xv, v128.load(y + off))));
    } else {
      for (let l = 0; l < 4; l++) {
        const o = off + (<usize>l << 2);
        store<f32>(out + o, <f32>(<f64>load<f32>(g + o) * scalarDerivative(op, load<f32>(x + o), load<f32>(y + o))));
      }
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>(<f64>load<f32>(g + o) * scalarDerivative(op, load<f32>(x + o), load<f32>(y + o))));
  }
}

/** out[i] = f(x[i]) for i < n. */
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case NEG: unaryLoop(NEG, x, out, n); break;
    case EXP: unaryLoop(EXP, x, out, n); break;
    case LOG: unaryLoop(LOG, x, out, n); break;
    case TANH: unaryLoop(TANH, x, out, n); break;
    case SIGMOID: unaryLoop(SIGMOID, x, out, n); break;
    case RELU: unaryLoop(RELU, x, out, n); break;
    case GELU: unaryLoop(GELU, x, out, n); break;
    case GELU_TANH: unaryLoop(GELU_TANH, x, out, n); break;
    case SQRT: unaryLoop(SQRT, x, out, n); break;
    case ABS: unaryLoop(ABS, x, out, n); break;
    default: unreachable();
  }
}

/** out[i] = g[i]·f'(x[i]), given y = f(x). */
export function unaryGrad(op: i32, x: usize, y: usize, g: usize, out: usize, n: i32): void {
  switch (op) {
    case NEG: gradLoop(NEG, x, y, g, out, n); break;
    case EXP: gradLoop(EXP, x, y, g, out, n); break;
    case LOG: gradLoop(LOG, x, y, g, out, n); break;
    case TANH: gradLoop(TANH, x, y, g, out, n); break;
    case SIGMOID: gradLoop(SIGMOID, x, y, g, out, n); break;
    case RELU: gradLoop(RELU, x, y, g, out, n); break;
    case GELU: gradLoop(GELU, x, y, g, out, n); break;
    case GELU_TANH: gradLoop(GELU_TANH, x, y, g, out, n); break;
    case SQRT: gradLoop(SQRT, x, y, g, out, n); break;
    case ABS: gradLoop(ABS, x, y, g, out, n); break;
    default: unreachable();
  }
}
