import { ConfigError } from '../../config/resolve.js';
import type { LmArch, LmConfig } from '../../models/lm-config.js';

export type LmPresetName = 'tiny' | 'small' | 'base';
export const LM_PRESETS: readonly LmPresetName[] = ['tiny', 'small', 'base'];

/** A preset: the model's shape and the batch it trains with. */
export interface LmPreset {
  model: Partial<LmConfig>;
  batch: number;
  lr: number;
}

/**
 * Sizes chosen for a 2-core CPU. `tiny` is for tests and demos (seconds); `small` learns
 * tiny-shakespeare well in minutes; `base` is for longer runs.
 */
/** One preset for rnn, gru and lstm alike, so the three compare at the same width. */
const recurrent = (p: LmPreset): Record<'rnn' | 'gru' | 'lstm', LmPreset> => ({ rnn: p, gru: p, lstm: p });

const PRESETS: Record<LmPresetName, Record<LmArch, LmPreset>> = {
  tiny: {
    ffn: { model: { embedDim: 16, hiddenSize: 64, window: 4, context: 32 }, batch: 16, lr: 3e-3 },
    ...recurrent({ model: { embedDim: 16, hiddenSize: 64, context: 32 }, batch: 16, lr: 3e-3 }),
    transformer: { model: { embedDim: 32, hiddenSize: 64, numLayers: 1, nhead: 2, context: 32 }, batch: 16, lr: 3e-3 },
  },
  small: {
    ffn: { model: { embedDim: 64, hiddenSize: 512, window: 8, context: 64 }, batch: 32, lr: 2e-3 },
    ...recurrent({ model: { embedDim: 64, hiddenSize: 256, context: 64 }, batch: 32, lr: 2e-3 }),
    transformer: { model: { embedDim: 128, hiddenSize: 512, numLayers: 2, nhead: 4, context: 64 }, batch: 32, lr: 1e-3 },
  },
  base: {
    ffn: { model: { embedDim: 128, hiddenSize: 1024, window: 8, context: 128 }, batch: 32, lr: 1e-3 },
    ...recurrent({ model: { embedDim: 128, hiddenSize: 512, numLayers: 2, context: 128, dropout: 0.1 }, batch: 32, lr: 1e-3 }),
    transformer: { model: { embedDim: 192, hiddenSize: 768, numLayers: 4, nhead: 6, context: 128, dropout: 0.1 }, batch: 32, lr: 6e-4 },
  },
};

export function lmPreset(name: string, arch: LmArch): LmPreset {
  if (!(LM_PRESETS as readonly string[]).includes(name)) {
    throw new ConfigError('lm', 'preset', `unknown preset '${name}' (expected ${LM_PRESETS.join(', ')})`);
  }
  return PRESETS[name as LmPresetName][arch];
}
