import { F, ops } from '../../../src/index.js';
import type { GoldenCase } from '../fixture.js';
import type { Handler } from './index.js';

/** Losses, normalisation, embedding, convolution and pooling: the engine's own fixtures. */
export const basicHandlers: Record<string, Handler> = {
  layer_norm: (c: GoldenCase) => ({
    output: F.layerNorm(c.input('x'), c.params.get('weight')!, c.params.get('bias')!, Number(c.config.eps ?? 1e-5)),
  }),
  cross_entropy: (c) => {
    const t = c.raw('target');
    const labelSmoothing = Number(c.config.label_smoothing ?? 0);
    const weight = c.config.weight as number[] | undefined; // one per class; the mean divides by Σ w[target]
    const loss = F.crossEntropy(c.input('logits'), t.data, Number(c.config.ignore_index ?? -100), 'mean', { labelSmoothing, weight });
    return { loss: ops.reshape(loss, [1]) };
  },
  binary_cross_entropy_with_logits: (c) => ({
    loss: ops.reshape(F.bceWithLogits(c.input('logits'), c.input('target')), [1]),
  }),
  embedding: (c) => {
    const ids = c.raw('ids');
    const pad = c.config.padding_idx as number | undefined;
    return { output: ops.embedding(c.params.get('weight')!, ids.data, ids.shape, pad ?? undefined) };
  },
  max_pool1d: (c) => ({
    output: ops.maxPool1d(c.input('x'), Number(c.config.kernel_size), Number(c.config.stride ?? c.config.kernel_size),
      Number(c.config.padding ?? 0)),
  }),
  conv1d: (c) => ({
    output: ops.conv1d(c.input('x'), c.params.get('weight')!, c.params.get('bias') ?? null, Number(c.config.padding ?? 0)),
  }),
};
