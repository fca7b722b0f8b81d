import { type Tensor, tensor } from '../../../src/tensor/index.js';
import { clipGradNorm } from '../../../src/train/clip.js';
import { Adam, AdamW, type Optimizer, Sgd } from '../../../src/train/optim.js';
import { type FixtureTensor, type GoldenCase, isTensor } from '../fixture.js';
import type { Handler } from './index.js';

/** A list of fixture tensors under inputs[name] (or, for older fixtures, the top-level grads array). */
function tensorList(c: GoldenCase, name: string): FixtureTensor[] {
  const v = c.fixture.inputs[name] ?? (Array.isArray(c.fixture.grads) ? c.fixture.grads : undefined);
  if (!Array.isArray(v) || !v.every(isTensor)) throw new Error(`fixture ${c.fixture.name} has no tensor list '${name}'`);
  return v;
}

/** The fixture's torch.optim config (snake_case) as a seqlab optimizer. */
function optimizerFor(c: GoldenCase, param: Tensor): Optimizer {
  const cfg = c.config;
  const num = (key: string, fallback: number): number => Number(cfg[key] ?? fallback);
  switch (cfg.optimizer) {
    case 'adam':
    case 'adamw': {
      const betas = (cfg.betas as [number, number] | undefined) ?? [0.9, 0.999];
      const config = { lr: num('lr', 1e-3), betas, eps: num('eps', 1e-8), weightDecay: num('weight_decay', 0) };
      return cfg.optimizer === 'adam' ? new Adam([param], config) : new AdamW([param], config);
    }
    case 'sgd':
    case 'sgd_momentum':
      return new Sgd([param], {
        lr: num('lr', 1e-3), momentum: num('momentum', 0), dampening: num('dampening', 0),
        nesterov: Boolean(cfg.nesterov ?? false), weightDecay: num('weight_decay', 0),
      });
    default:
      throw new Error(`unknown optimizer '${String(cfg.optimizer)}'`);
  }
}

/** Optimizer steps and gradient clipping against torch.optim and clip_grad_norm_. */
export const optimHandlers: Record<string, Handler> = {
  optimizer: (c) => {
    const param = c.input('param');
    const opt = optimizerFor(c, param);
    const after = tensorList(c, 'grads').map((g) => {
      param.grad = tensor(g.data, g.shape);
      opt.step();
      return tensor(param.data, param.shape);
    });
    return { param_after_step: after };
  },
  clip_grad_norm: (c) => {
    if (Number(c.config.norm_type ?? 2) !== 2) throw new Error('clip_grad_norm: only the L2 norm is implemented');
    const params = tensorList(c, 'grads').map((g) => {
      const p = tensor(new Float32Array(g.data.length), g.shape, true);
      p.grad = tensor(g.data, g.shape);
      return p;
    });
    const totalNorm = clipGradNorm(params, Number(c.config.max_norm ?? 1));
    return { total_norm: totalNorm, grads_after: params.map((p) => p.grad!) };
  },
};
