import { backend } from '../backend/index.js';
import { ConfigError, checkRange, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { Module } from '../nn/module.js';
import { noGrad } from '../tensor/autograd.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * What an optimizer updates: a Module's parameters (by their PyTorch names), a list of tensors
 * (named '0', '1', ... as PyTorch numbers an optimizer's parameters), or explicit name/tensor
 * pairs.
 */
export type ParamSource = Module | readonly Tensor[] | readonly (readonly [string, Tensor])[];

/** The optimizers seqlab has, by the name configs and checkpoints use. */
export type OptimizerKind = 'sgd' | 'adam' | 'adamw';

/** One parameter's optimizer state: its own update count and moment buffers (PyTorch's names). */
export interface ParamState {
  /** Updates this parameter has had (a parameter without a gradient is skipped, as in PyTorch). */
  step: number;
  /** `exp_avg`, `exp_avg_sq` (Adam, AdamW) or `momentum_buffer` (SGD with momentum). */
  buffers: Record<string, Float32Array>;
}

/** Everything needed to resume an optimizer exactly. Arrays are copies, never live buffers. */
export interface OptimizerState {
  kind: OptimizerKind;
  /** Calls to `step()` so far: the step a learning-rate schedule is at. */
  steps: number;
  lr: number;
  /** By parameter name; parameters that never had a gradient have no entry. */
  params: Map<string, ParamState>;
}

/** SGD with momentum, as torch.optim.SGD. */
export interface SgdConfig {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** L2 penalty: wd·θ is added to the gradient. */
  weightDecay: number;
}

/** PyTorch's defaults: lr 1e-3, no momentum, no dampening, no Nesterov, no weight decay. */
export const defaultSgdConfig: Readonly<SgdConfig> = Object.freeze({
  lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0,
});

/** Adam or AdamW, as torch.optim.Adam / AdamW (no amsgrad). */
export interface AdamConfig {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay of the weights. */
  weightDecay: number;
}

/** torch.optim.Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
export const defaultAdamConfig: Readonly<AdamConfig> = Object.freeze({
  lr: 1e-3, betas: Object.freeze([0.9, 0.999] as const), eps: 1e-8, weightDecay: 0,
});

/** torch.optim.AdamW's defaults: as Adam, with weight decay 1e-2. */
export const defaultAdamWConfig: Readonly<AdamConfig> = Object.freeze({ ...defaultAdamConfig, weightDecay: 1e-2 });

/** Name/tensor pairs from any ParamSource; the same tensor twice is an error, as in PyTorch. */
export function namedParams(source: ParamSource): [string, Tensor][] {
  let pairs: [string, Tensor][];
  if (source instanceof Module) pairs = source.namedParameters();
  else pairs = source.map((item, i): [string, Tensor] => (Array.isArray(item) ? [item[0], item[1]] : [String(i), item as Tensor]));
  const seenTensors = new Set<Tensor>();
  const seenNames = new Set<string>();
  for (const [name, t] of pairs) {
    if (seenTensors.has(t)) throw new SeqlabError(`optimizer: parameter '${name}' appears more than once`);
    if (seenNames.has(name)) throw new SeqlabError(`optimizer: two parameters are named '${name}'`);
    seenTensors.add(t);
    seenNames.add(name);
  }
  return pairs;
}

/**
 * The shared loop of every optimizer: for each parameter with a gradient, under no-grad,
 * update the parameter in place (through `Tensor.write`, which bumps its version) from its
 * gradient and state.
 * Arithmetic runs per element in float64; storage stays float32.
 */
export abstract class Optimizer {
  abstract readonly kind: OptimizerKind;
  /** The learning rate of the next step; schedules set it before each `step()`. */
  lr: number;
  /** Calls to `step()` so far. */
  steps = 0;
  private readonly params: [string, Tensor][];
  private readonly state = new Map<string, ParamState>();

  protected constructor(source: ParamSource, lr: number) {
    this.params = namedParams(source);
    this.lr = lr;
  }

  /** The parameters this optimizer updates, by name. */
  namedParameters(): readonly (readonly [string, Tensor])[] {
    return this.params;
  }

  /** The moment buffers each parameter's state holds. */
  protected abstract bufferNames(): readonly string[];

  /** One update of `p` from gradient `g` with state `st` (st.step already counts this update). */
  protected abstract update(p: Float32Array, g: Float32Array, st: ParamState): void;

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const [name, p] of this.params) {
        if (!p.grad) continue;
        if (p.grad.size !== p.size) {
          throw new SeqlabError(`optimizer: gradient of '${name}' has ${p.grad.size} values, the parameter ${p.size}`);
        }
        const st = this.stateOf(name, p.size);
        st.step++;
        const g = p.grad.data;
        p.write((data) => this.update(data, g, st));
      }
    });
    this.steps++;
  }

  /** The state of parameter `name` (of `size` values), made with zeroed buffers on its first update. */
  private stateOf(name: string, size: number): ParamState {
    let st = this.state.get(name);
    if (!st) {
      const buffers: Record<string, Float32Array> = {};
      for (const b of this.bufferNames()) buffers[b] = backend().alloc(size); // zeroed, beside the kernels
      st = { step: 0, buffers };
      this.state.set(name, st);
    }
    return st;
  }

  /** Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const [, p] of this.params) p.grad = null;
  }

  /** A copy of the state: step counts, learning rate and moment buffers by parameter name. */
  stateDict(): OptimizerState {
    const params = new Map<string, ParamState>();
    for (const [name, st] of this.state) {
      const buffers: Record<string, Float32Array> = {};
      for (const [b, arr] of Object.entries(st.buffers)) buffers[b] = Float32Array.from(arr);
      params.set(name, { step: st.step, buffers });
    }
    return { kind: this.kind, steps: this.steps, lr: this.lr, params };
  }

  /**
   * Restores a state from `stateDict()` (copied in). Everything is checked before anything
   * changes: the optimizer kind, that every named parameter exists, and every buffer's size.
   */
  loadStateDict(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new SeqlabError(`optimizer state: saved for '${state.kind}', cannot load into '${this.kind}'`);
    }
    if (!Number.isInteger(state.steps) || state.steps < 0) throw new SeqlabError(`optimizer state: bad step count ${state.steps}`);
    if (!Number.isFinite(state.lr) || state.lr < 0) throw new SeqlabError(`optimizer state: bad learning rate ${state.lr}`);
    const byName = new Map(this.params);
    const expected = this.bufferNames();
    for (const [name, st] of state.params) {
      const p = byName.get(name);
      if (!p) throw new SeqlabError(`optimizer state: unknown parameter '${name}'`);
      if (!Number.isInteger(st.step) || st.step < 1) throw new SeqlabError(`optimizer state: '${name}' has bad step count ${st.step}`);
      for (const b of Object.keys(st.buffers)) {
        if (!expected.includes(b)) throw new SeqlabError(`optimizer state: unexpected buffer '${b}' for '${name}' (${this.kind} keeps ${expected.join(', ') || 'none'})`);
      }
      for (const b of expected) {
        const arr = st.buffers[b];
        if (!arr) throw new SeqlabError(`optimizer state: buffer '${b}' of '${name}' is missing`);
        if (arr.length !== p.size) {
          throw new SeqlabError(`optimizer state: buffer '${b}' of '${name}' has ${arr.length} values, the parameter ${p.size}`);
        }
      }
    }
    this.state.clear();
    for (const [name, st] of state.params) {
      const buffers: Record<string, Float32Array> = {};
      for (const b of expected) {
        buffers[b] = backend().alloc(st.buffers[b].length);
        buffers[b].set(st.buffers[b]);
      }
      this.state.set(name, { step: st.step, buffers });
    }
    this.steps = state.steps;
    this.lr = state.lr;
  }
}

/**
 * Stochastic gradient descent with momentum, exactly as torch.optim.SGD. Per element, with
 * gradient g, weight decay λ, momentum μ, dampening τ:
 *
 *   d = g + λθ
 *   b = d on the first step, else b = μb + (1 − τ)d          (only when μ ≠ 0)
 *   d = d + μb with Nesterov, else d = b                      (only when μ ≠ 0)
 *   θ = θ − lr·d
 */
export class Sgd extends Optimizer {
  readonly kind = 'sgd';
  readonly config: Readonly<SgdConfig>;

  constructor(params: ParamSource, config: Partial<SgdConfig> = {}) {
    const c = resolveConfig('sgd', defaultSgdConfig, [config]);
    for (const key of ['lr', 'momentum', 'weightDecay'] as const) checkRange('sgd', c, key, 0, Infinity);
    if (!Number.isFinite(c.dampening)) throw new ConfigError('sgd', 'dampening', `must be a finite number, got ${c.dampening}`);
    if (c.nesterov && (c.momentum <= 0 || c.dampening !== 0)) {
      throw new ConfigError('sgd', 'nesterov', 'needs `momentum` > 0 and `dampening` 0');
    }
    super(params, c.lr);
    this.config = Object.freeze(c);
  }

  protected bufferNames(): readonly string[] {
    return this.config.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(p: Float32Array, g: Float32Array, st: ParamState): void {
    const { momentum, dampening, nesterov, weightDecay } = this.config;
    const lr = this.lr;
    const buf = st.buffers.momentum_buffer;
    for (let i = 0; i < p.length; i++) {
      const x = p[i];
      let d = g[i] + weightDecay * x;
      if (momentum !== 0) {
        const b = st.step === 1 ? d : momentum * buf[i] + (1 - dampening) * d;
        buf[i] = b;
        d = nesterov ? d + momentum * b : b;
      }
      p[i] = x - lr * d;
    }
  }
}

/**
 * The Adam update shared by Adam and AdamW, with PyTorch's bias correction. At step t, per
 * element with gradient g (θ already decayed for AdamW, g already carrying λθ for Adam):
 *
 *   m = β₁m + (1 − β₁)g
 *   v = β₂v + (1 − β₂)g²
 *   θ = θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * State: `exp_avg` (m) and `exp_avg_sq` (v), PyTorch's names.
 */
abstract class AdamFamily extends Optimizer {
  readonly config: Readonly<AdamConfig>;
  /** AdamW decays θ itself; Adam adds λθ to the gradient. */
  protected abstract readonly decoupled: boolean;

  protected constructor(what: string, params: ParamSource, config: Partial<AdamConfig>, defaults: Readonly<AdamConfig>) {
    const c = resolveConfig(what, defaults, [config]);
    for (const key of ['lr', 'eps', 'weightDecay'] as const) checkRange(what, c, key, 0, Infinity);
    const betas: unknown = c.betas; // an array passes resolveConfig's type check whatever it holds
    if (!(Array.isArray(betas) && betas.length === 2 && betas.every((b) => typeof b === 'number' && b >= 0 && b < 1))) {
      throw new ConfigError(what, 'betas', `must be two numbers in [0, 1), got ${JSON.stringify(betas)}`);
    }
    super(params, c.lr);
    this.config = Object.freeze({ ...c, betas: Object.freeze([c.betas[0], c.betas[1]] as const) });
  }

  protected bufferNames(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  /**
   * The per-element loop is the backend's `adamStep` (the reference backend spells it out, the
   * WebAssembly one runs it two float64 lanes at a time, bitwise equal).
   */
  protected update(p: Float32Array, g: Float32Array, st: ParamState): void {
    const { betas: [beta1, beta2], eps, weightDecay } = this.config;
    const lr = this.lr;
    backend().adamStep(p, g, st.buffers.exp_avg, st.buffers.exp_avg_sq, {
      beta1, beta2, eps,
      stepSize: lr / (1 - beta1 ** st.step),
      bc2Sqrt: Math.sqrt(1 - beta2 ** st.step),
      decay: this.decoupled ? 1 - lr * weightDecay : 1,
      l2: this.decoupled ? 0 : weightDecay,
    });
  }
}

/**
 * Adam, exactly as torch.optim.Adam: weight decay λ is an L2 penalty, g ← g + λθ, before the
 * moment update (equations on the shared update above). Defaults: `defaultAdamConfig`.
 */
export class Adam extends AdamFamily {
  readonly kind = 'adam';
  protected readonly decoupled = false;

  constructor(params: ParamSource, config: Partial<AdamConfig> = {}) {
    super('adam', params, config, defaultAdamConfig);
  }
}

/**
 * AdamW, exactly as torch.optim.AdamW: weight decay is decoupled from the gradient,
 * θ ← θ·(1 − lr·λ), and then the plain Adam step runs on the decayed θ with the undecayed
 * gradient. Defaults: `defaultAdamWConfig` (λ = 1e-2).
 */
export class AdamW extends AdamFamily {
  readonly kind = 'adamw';
  protected readonly decoupled = true;

  constructor(params: ParamSource, config: Partial<AdamConfig> = {}) {
    super('adamw', params, config, defaultAdamWConfig);
  }
}

/**
 * Builds an optimizer by name from a JSON-like options object (unknown options are errors).
 * Defaults are each optimizer's PyTorch defaults.
 */
export function makeOptimizer(kind: OptimizerKind, params: ParamSource, options: object = {}): Optimizer {
  switch (kind) {
    case 'sgd': return new Sgd(params, options as Partial<SgdConfig>);
    case 'adam': return new Adam(params, options as Partial<AdamConfig>);
    case 'adamw': return new AdamW(params, options as Partial<AdamConfig>);
    default: throw new SeqlabError(`optimizer: unknown kind '${String(kind)}' (expected sgd, adam or adamw)`);
  }
}
