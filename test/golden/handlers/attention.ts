import { AdditiveAttention } from '../../../src/nn/attention.js';
import type { Module } from '../../../src/nn/module.js';
import { causalMask, MultiHeadAttention } from '../../../src/nn/multihead.js';
import { Rng } from '../../../src/tensor/index.js';
import type { GoldenCase } from '../fixture.js';
import type { Handler } from './index.js';

/**
 * Loads the fixture's parameters into `module` by their PyTorch names (so a wrong name fails
 * the case), then points the case at the module's own tensors, where the gradients land.
 */
export function bindParams(c: GoldenCase, module: Module): void {
  module.loadStateDict(new Map(c.params));
  for (const [name, p] of module.namedParameters()) c.params.set(name, p);
}

/** Golden handlers for the attention fixtures. */
export const attentionHandlers: Record<string, Handler> = {
  additive_attention: (c) => {
    const keys = c.input('keys');
    const query = c.input('query');
    const attnDim = c.params.get('v.weight')!.shape[1];
    const m = new AdditiveAttention(query.shape[1], keys.shape[2], attnDim, new Rng(0));
    bindParams(c, m);
    const { context, weights } = m.forward(query, keys, c.hasInput('mask') ? c.mask('mask') : undefined);
    return { context, weights };
  },
  multihead_attention: (c) => {
    const m = new MultiHeadAttention(Number(c.config.embed_dim), Number(c.config.num_heads), new Rng(0));
    bindParams(c, m);
    const self = c.hasInput('x');
    const query = self ? c.input('x') : c.input('query');
    const key = self ? query : c.input('key');
    const value = self ? query : c.input('value');
    const causal = String(c.config.attn_mask ?? '').startsWith('causal');
    const { output, weights } = m.forward(query, key, value, {
      attnMask: causal ? causalMask(query.shape[1], key.shape[1]) : undefined,
      keyPaddingMask: c.hasInput('key_padding_mask') ? c.mask('key_padding_mask') : undefined,
    });
    return { output, attn_weights: weights };
  },
};
