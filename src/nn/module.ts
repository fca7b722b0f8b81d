import { SeqlabError } from '../errors.js';
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';

/**
 * Base of every layer and model. Parameters and submodules are found by walking the object's
 * own fields, so a field's name is its parameter name: fields are named as PyTorch names them
 * (`weight`, `in_proj_weight`, `self_attn`, `linear1`), and a checkpoint moves between seqlab
 * and PyTorch unchanged. Layers whose PyTorch names are computed (`weight_ih_l0_reverse`)
 * register them with `registerParameter`. Fields starting with `_` are private and not walked.
 *
 *   Tensor with requiresGrad → parameter `name`
 *   Module                   → submodule, its parameters under `name.`
 *   Module[]                 → submodules `name.0`, `name.1`, ... (PyTorch's ModuleList)
 */
export abstract class Module {
  /** Training mode: dropout is active. Switch with `train()` / `eval()`. */
  training = true;
  private readonly _registered = new Map<string, Tensor>();

  /** Adds a parameter under an explicit (PyTorch) name. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this._registered.set(name, t);
    return t;
  }

  /** Direct children, in field order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) value.forEach((v, i) => { if (v instanceof Module) out.push([`${key}.${i}`, v]); });
    }
    return out;
  }

  /** This module and every descendant with its dotted path ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter with its full PyTorch-style name, in a stable order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const join = (n: string): string => (prefix ? `${prefix}.${n}` : n);
    const out: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      if (value instanceof TensorClass && value.requiresGrad) out.push([join(key), value]);
    }
    for (const [name, t] of this._registered) out.push([join(name), t]);
    for (const [name, child] of this.namedChildren()) out.push(...child.namedParameters(join(name)));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters by name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies values into the parameters by name. Every parameter must be present with its exact
   * shape; with `strict`, no extra names are allowed either.
   */
  loadStateDict(state: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>, strict = true): void {
    const own = this.stateDict();
    for (const [name, p] of own) {
      const src = state.get(name);
      if (!src) throw new SeqlabError(`load: parameter '${name}' is missing`);
      if (src.shape.length !== p.shape.length || src.shape.some((d, i) => d !== p.shape[i])) {
        throw new SeqlabError(`load: parameter '${name}' has shape ${shapeStr(src.shape)}, the model expects ${shapeStr(p.shape)}`);
      }
    }
    if (strict) {
      for (const name of state.keys()) if (!own.has(name)) throw new SeqlabError(`load: unexpected parameter '${name}'`);
    }
    for (const [name, p] of own) p.set(state.get(name)!.data); // bumps each version: caches repack
  }
}
