/**
 * The best recipe found for each task and family (model settings over the network's defaults,
 * and the trainer's), so that `seqlab train classify --train T --valid V --time-budget 300`
 * with no other flags trains the strongest model measured for that budget. How the figures
 * behind these choices were measured: README, "Biology".
 */
import type { TrainerConfig } from '../../train/trainer.js';
import type { BioArch, BioTaskName } from './config.js';

export interface BioRecipe {
  model: Record<string, unknown>;
  trainer: Partial<TrainerConfig>;
}

const trainer: Partial<TrainerConfig> = { lr: 2e-3, weightDecay: 0.01, schedule: 'linear', warmupSteps: 100, evalEvery: 200, clip: 1 };

export const DEFAULT_ARCH: Record<BioTaskName, BioArch> = { classify: 'cnn-bilstm', tag: 'cnn-bilstm' };

export const RECIPES: Record<BioTaskName, Record<BioArch, BioRecipe>> = {
  classify: {
    cnn: { model: { channels: 128, kernel: 9, kernel2: 5, convLayers: 3, pool: 2, fc: 64, dropout: 0.2 }, trainer },
    bilstm: { model: { hiddenSize: 64, fc: 64, dropout: 0.2 }, trainer },
    'cnn-bilstm': { model: { channels: 128, kernel: 11, pool: 4, hiddenSize: 64, fc: 64, dropout: 0.2 }, trainer },
    transformer: { model: { dModel: 64, nhead: 4, numLayers: 2, dimFeedforward: 128, kernel: 9, fc: 64, dropout: 0.1 }, trainer: { ...trainer, lr: 1e-3 } },
  },
  tag: {
    cnn: { model: { channels: 128, kernel: 9, kernel2: 5, convLayers: 5, dropout: 0.1 }, trainer },
    bilstm: { model: { hiddenSize: 96, dropout: 0.1 }, trainer },
    'cnn-bilstm': { model: { channels: 128, kernel: 11, hiddenSize: 96, dropout: 0.1 }, trainer },
    transformer: { model: { dModel: 96, nhead: 4, numLayers: 3, dimFeedforward: 192, kernel: 9, dropout: 0.1 }, trainer: { ...trainer, lr: 1e-3 } },
  },
};
