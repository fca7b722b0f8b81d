import { causalMask } from '../../../src/nn/multihead.js';
import {
  Transformer, type TransformerLayerConfig, TransformerDecoderLayer, TransformerEncoderLayer,
} from '../../../src/nn/transformer.js';
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
  // nn.Transformer: `config.tgt_mask: 'causal'`; a fixture without memory_key_padding_mask uses
  // src_key_padding_mask there too (its `config.masks` says so).
  transformer: (c) => {
    const k = c.config;
    const model = new Transformer({
      ...layerConfig(c), numEncoderLayers: Number(k.num_encoder_layers), numDecoderLayers: Number(k.num_decoder_layers),
    }, new Rng(0));
    bindParams(c, model);
    const tgt = c.input('tgt');
    if (k.tgt_mask !== undefined && k.tgt_mask !== 'causal') throw new Error(`unknown tgt_mask '${String(k.tgt_mask)}'`);
    const optMask = (name: string) => (c.hasInput(name) ? c.mask(name) : undefined);
    const srcKeyPaddingMask = optMask('src_key_padding_mask');
    return {
      output: model.forward(c.input('src'), tgt, {
        tgtMask: k.tgt_mask === 'causal' ? causalMask(tgt.shape[1]) : undefined,
        srcKeyPaddingMask,
        tgtKeyPaddingMask: optMask('tgt_key_padding_mask'),
        memoryKeyPaddingMask: optMask('memory_key_padding_mask') ?? srcKeyPaddingMask,
      }),
    };
  },
};
