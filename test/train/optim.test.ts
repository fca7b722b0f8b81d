import { describe, expect, it } from 'vitest';
import { Linear } from '../../src/nn/layers.js';
import { ops } from '../../src/index.js';
import { backward, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { Adam, AdamW, makeOptimizer, type Optimizer, Sgd } from '../../src/train/optim.js';

function param(values: number[]): Tensor {
  return tensor(values, [values.length], true);
}

function setGrad(p: Tensor, values: number[]): void {
  p.grad = tensor(values, p.shape);
}

describe('Sgd', () => {
  it('takes momentum steps with weight decay exactly as written out by hand', () => {
    const p = param([1, -2]);
    const opt = new Sgd([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    setGrad(p, [0.5, 0.25]);
    opt.step();
    // d = g + 0.1·θ = [0.6, 0.05]; first step: b = d; θ = θ − 0.1·b
    expect(Array.from(p.data)).toEqual([Math.fround(0.94), Math.fround(-2.005)]);
    setGrad(p, [0.5, 0.25]);
    opt.step();
    // d = [0.5 + 0.094, 0.25 − 0.2005] = [0.594, 0.0495]; b = 0.9·[0.6, 0.05] + d = [1.134, 0.0945]
    expect(p.data[0]).toBeCloseTo(0.94 - 0.1134, 6);
    expect(p.data[1]).toBeCloseTo(-2.005 - 0.00945, 6);
  });

  it('applies Nesterov momentum as d + μb', () => {
    const p = param([1, -2]);
    const opt = new Sgd([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
    setGrad(p, [0.5, 0.25]);
    opt.step();
    // d = [0.6, 0.05], b = d, update = d + 0.9·b = 1.9·d
    expect(p.data[0]).toBeCloseTo(1 - 0.1 * 1.14, 6);
    expect(p.data[1]).toBeCloseTo(-2 - 0.1 * 0.095, 6);
  });

  it('without momentum is plain gradient descent and keeps no buffers', () => {
    const p = param([1, 2]);
    const opt = new Sgd([p], { lr: 0.5 });
    setGrad(p, [2, -4]);
    opt.step();
    expect(Array.from(p.data)).toEqual([0, 4]);
    expect(opt.stateDict().params.get('0')).toEqual({ step: 1, buffers: {} });
  });
});

describe('Adam and AdamW', () => {
  it('first Adam step moves each value by lr·g/(|g| + eps) thanks to bias correction', () => {
    const p = param([1, -2, 0.5]);
    const opt = new Adam([p], { lr: 0.1 });
    setGrad(p, [0.5, -3, 0]);
    opt.step();
    // m̂ = g, v̂ = g² after correction: θ −= 0.1·g/(|g| + 1e-8); a zero gradient moves nothing.
    expect(p.data[0]).toBeCloseTo(0.9, 6);
    expect(p.data[1]).toBeCloseTo(-1.9, 6);
    expect(p.data[2]).toBe(0.5);
  });

  it('second Adam step follows the bias-corrected equations by hand', () => {
    const p = param([1]);
    const opt = new Adam([p], { lr: 0.1 });
    setGrad(p, [0.5]);
    opt.step();
    setGrad(p, [0.25]);
    opt.step();
    const m = 0.9 * 0.05 + 0.1 * 0.25; // 0.07
    const v = 0.999 * 0.00025 + 0.001 * 0.0625; // 0.00031225
    const update = (0.1 / (1 - 0.9 ** 2)) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    expect(update).toBeCloseTo(0.0932182, 6);
    expect(p.data[0]).toBeCloseTo(Math.fround(0.9) - update, 6);
    const st = opt.stateDict().params.get('0')!;
    expect(st.step).toBe(2);
    // The buffers are float32: agreement to float32 precision.
    expect(st.buffers.exp_avg[0]).toBeCloseTo(m, 8);
    expect(st.buffers.exp_avg_sq[0]).toBeCloseTo(v, 10);
  });

  it('Adam adds weight decay to the gradient; AdamW decays the weight itself', () => {
    const a = param([1]);
    const w = param([1]);
    const adam = new Adam([a], { lr: 0.1, weightDecay: 0.1 });
    const adamw = new AdamW([w], { lr: 0.1, weightDecay: 0.1 });
    setGrad(a, [0.5]);
    setGrad(w, [0.5]);
    adam.step();
    adamw.step();
    // Adam: g = 0.5 + 0.1·1, normalised step 0.1 → 0.9. AdamW: 1·(1 − 0.01) − 0.1 → 0.89.
    expect(a.data[0]).toBeCloseTo(0.9, 6);
    expect(w.data[0]).toBeCloseTo(0.89, 6);
  });

  it('has PyTorch defaults', () => {
    expect(new Adam([param([0])]).config).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    expect(new AdamW([param([0])]).config.weightDecay).toBe(0.01);
    expect(new Sgd([param([0])]).config).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
  });
});

describe('Optimizer', () => {
  it('skips parameters without a gradient and bumps the version of those it updates', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new Adam([a, b], { lr: 0.1 });
    setGrad(a, [1, 1]);
    opt.step();
    expect(a.version).toBe(1);
    expect(b.version).toBe(0);
    expect(Array.from(b.data)).toEqual([3]);
    expect([...opt.stateDict().params.keys()]).toEqual(['0']);
    expect(opt.steps).toBe(1);
  });

  it('zeroGrad drops the gradients', () => {
    const a = param([1]);
    const opt = new Sgd([a]);
    setGrad(a, [1]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('names a Module\'s parameters as PyTorch does', () => {
    const opt = new Adam(new Linear(2, 3, new Rng(1)));
    expect(opt.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
  });

  it('rejects unknown options, wrong types and inconsistent settings', () => {
    const p = [param([0])];
    expect(() => new Adam(p, { learningRate: 0.1 } as object)).toThrow(/adam\.learningRate: unknown key/);
    expect(() => new Adam(p, { lr: '0.1' } as unknown as object)).toThrow(/adam\.lr: must be a number/);
    expect(() => new Adam(p, { betas: [0.9] } as unknown as object)).toThrow(/adam\.betas: must be two numbers in \[0, 1\)/);
    expect(() => new Adam(p, { betas: [0.9, 1] })).toThrow(/adam\.betas: must be two numbers in \[0, 1\), got \[0\.9,1\]/);
    expect(() => new Sgd(p, { nesterov: true })).toThrow(/sgd\.nesterov: needs `momentum` > 0/);
    expect(() => new Sgd(p, { lr: -1 })).toThrow(/sgd\.lr: must be in \[0, Infinity\), got -1/);
    expect(() => makeOptimizer('rmsprop' as 'sgd', p)).toThrow(/unknown kind 'rmsprop'/);
    const t = param([0]);
    expect(() => new Sgd([t, t])).toThrow(/appears more than once/);
  });
});

/** A small model and a deterministic loss whose gradients change from step to step. */
function setup(kind: 'sgd' | 'adam' | 'adamw'): { model: Linear; opt: Optimizer } {
  const model = new Linear(3, 2, new Rng(42));
  const options = kind === 'sgd' ? { lr: 0.1, momentum: 0.9, weightDecay: 0.01 } : { lr: 0.05, weightDecay: 0.1 };
  return { model, opt: makeOptimizer(kind, model, options) };
}

function trainStep(model: Linear, opt: Optimizer, step: number): void {
  opt.zeroGrad();
  const x = tensor([1, -1, 0.5, step, 2, -0.5], [2, 3]);
  const y = model.forward(x);
  backward(ops.sum(ops.mul(y, y)));
  opt.step();
}

function snapshot(model: Linear): Float32Array[] {
  return model.parameters().map((p) => Float32Array.from(p.data));
}

describe('optimizer state round trip', () => {
  for (const kind of ['sgd', 'adam', 'adamw'] as const) {
    it(`${kind}: resuming from the state after 2 steps gives the same 3rd step bit for bit`, () => {
      const run = setup(kind);
      trainStep(run.model, run.opt, 0);
      trainStep(run.model, run.opt, 1);
      const saved = run.opt.stateDict();
      const savedParams = snapshot(run.model);
      trainStep(run.model, run.opt, 2);

      const resumed = setup(kind);
      resumed.model.parameters().forEach((p, i) => p.data.set(savedParams[i]));
      resumed.opt.loadStateDict(saved);
      expect(resumed.opt.steps).toBe(2);
      trainStep(resumed.model, resumed.opt, 2);
      expect(snapshot(resumed.model)).toEqual(snapshot(run.model));
      expect(resumed.opt.stateDict()).toEqual(run.opt.stateDict());
    });
  }

  it('stateDict is a copy and loadStateDict copies in', () => {
    const { model, opt } = setup('adam');
    trainStep(model, opt, 0);
    const state = opt.stateDict();
    const before = Float32Array.from(state.params.get('weight')!.buffers.exp_avg);
    trainStep(model, opt, 1);
    expect(state.params.get('weight')!.buffers.exp_avg).toEqual(before);
    const other = setup('adam');
    other.opt.loadStateDict(state);
    state.params.get('weight')!.buffers.exp_avg.fill(7);
    expect(other.opt.stateDict().params.get('weight')!.buffers.exp_avg).toEqual(before);
  });

  it('refuses a state of another kind, an unknown parameter or a wrong buffer size', () => {
    const { model, opt } = setup('adam');
    trainStep(model, opt, 0);
    const state = opt.stateDict();
    expect(() => setup('sgd').opt.loadStateDict(state)).toThrow(/saved for 'adam', cannot load into 'sgd'/);
    const renamed = { ...state, params: new Map([['nope', state.params.get('weight')!]]) };
    expect(() => setup('adam').opt.loadStateDict(renamed)).toThrow(/unknown parameter 'nope'/);
    const short = { ...state, params: new Map([['bias', state.params.get('weight')!]]) };
    expect(() => setup('adam').opt.loadStateDict(short)).toThrow(/buffer 'exp_avg' of 'bias' has 6 values, the parameter 2/);
  });
});
