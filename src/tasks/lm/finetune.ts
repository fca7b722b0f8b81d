/**
 * Fine-tuning a trained language model on a person's own text, as a phone keyboard learns from
 * its user: the checkpoint's tokenizer and weights are kept (characters it never saw become
 * `<unk>`), and a few hundred gradient steps on the new text move the weights. The result is a
 * whole checkpoint (config.json, vocab.json, model.safetensors) in another store, which every
 * seqlab command loads.
 */
import { SeqlabError } from '../../errors.js';
import { readConfig, writeConfig } from '../../store/checkpoint.js';
import { type CheckpointStore, FILES } from '../../store/store.js';
import { Rng } from '../../tensor/random.js';
import { saveModelBytes } from '../../train/checkpoint.js';
import { trainerConfig } from '../run-training.js';
import { type StepInfo, train } from '../../train/trainer.js';
import { lmTrainable } from './loss.js';
import { loadLmParts } from './setup.js';

export interface FineTuneOptions {
  /** Gradient steps (default 60: a few seconds for the bundled models). */
  steps?: number;
  /** Peak learning rate (default 1e-3, below a fresh run's: the weights are already good). */
  lr?: number;
  /** Windows of the model's context per batch (default 16). */
  batch?: number;
  seed?: number;
  onStep?(info: StepInfo): void;
}

export interface FineTuneResult {
  steps: number;
  /** Mean training loss (nats/token) of the first and the last step. */
  firstLoss: number;
  lastLoss: number;
  seconds: number;
}

/**
 * Trains the neural LM in `from` on `text` and writes the fine-tuned checkpoint into `into`.
 * The text must hold more than two context windows of tokens; an n-gram model cannot be fine-tuned.
 */
export async function fineTuneLm(from: CheckpointStore, text: string, into: CheckpointStore,
  options: FineTuneOptions = {}): Promise<FineTuneResult> {
  const { steps = 60, lr = 1e-3, batch = 16, seed = 1 } = options;
  const stored = readConfig(from);
  const parts = loadLmParts(stored, from);
  if (!parts.neural) throw new SeqlabError(`${from.path(FILES.config)}: an n-gram model has no weights to fine-tune`);
  const ids = Int32Array.from(parts.tokenizer.encode(text));
  const model = parts.neural;
  if (ids.length <= 2 * model.config.context) {
    throw new SeqlabError(`the text to learn from has ${ids.length} tokens; this model reads ${model.config.context} at a time, so give more than ${2 * model.config.context}`);
  }
  const trainable = lmTrainable(model, { tokenizer: parts.tokenizer, train: ids, valid: ids }, batch, new Rng(seed + 1), 2);
  let firstLoss = NaN;
  let lastLoss = NaN;
  const config = trainerConfig({ lr, schedule: 'constant', warmupSteps: 0, evalEvery: steps, seed }, { steps });
  const result = await train(trainable, config, {
    onStep: (info) => {
      if (Number.isNaN(firstLoss)) firstLoss = info.loss;
      lastLoss = info.loss;
      options.onStep?.(info);
    },
  });
  model.eval();
  into.create();
  writeConfig(into, { ...(stored as unknown as { task: string } & Record<string, unknown>), fineTuned: { steps: result.steps, lr, tokens: ids.length } });
  if (from.has(FILES.vocab)) into.write(FILES.vocab, from.read(FILES.vocab));
  into.write(FILES.model, saveModelBytes(model));
  return { steps: result.steps, firstLoss, lastLoss, seconds: result.elapsed };
}
