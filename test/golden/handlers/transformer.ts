import { causalMask } from '../../../src/nn/multihead.js';
import { type TransformerLayerConfig, TransformerDecoderLayer, TransformerEncoderLayer } from '../../../src/nn/transformer.js';
import { Rng } from '../../../src/tensor/index.js';
import type { GoldenCase } from '../fixture.js';
import { bindParams } from './attention.js';
import type { Handler } from './index.js';

/** The fixture's PyTorch-style config as a seqlab layer config (dropout 0: the fixtures are deterministic). */
function layerConfig(c: GoldenCase): TransformerLayerConfig {
  const k = c.config;
  return {
    dModel: Number(k.d_model), nhead: Number(k.nhead), dimFeedforward: Number(k.dim_feedforward), dropout: 0,
    activation: k.activation === 'gelu' ? 'gelu' : 'relu', layerNormEps: Number(k.layer_norm_eps ?? 1e-5),
    normFirst: k.norm_first === true,
  };
}

/** Golden handlers for the transformer fixtures. */
export const transformerHandlers: Record<string, Handler> = {
  transformer_encoder_layer: (c) => {
    const layer = new TransformerEncoderLayer(layerConfig(c), new Rng(0));
    bindParams(c, layer);
    const x = c.input('x');
    const mask = c.config.causal === true ? causalMask(x.shape[1]) : undefined;
    return { output: layer.forward(x, { mask }) };
  },
  transformer_decoder_layer: (c) => {
    const layer = new TransformerDecoderLayer(layerConfig(c), new Rng(0));
    bindParams(c, layer);
    const tgt = c.input('tgt');
    return {
      output: layer.forward(tgt, c.input('memory'), {
        tgtMask: c.config.causal === true ? causalMask(tgt.shape[1]) : undefined,
        memoryKeyPaddingMask: c.hasInput('memory_key_padding_mask') ? c.mask('memory_key_padding_mask') : undefined,
      }),
    };
  },
};
