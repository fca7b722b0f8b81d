/**
 * Config keys ↔ flags. Tasks and the trainer name config keys in their errors (`ConfigError`);
 * only the CLI knows which flag set a key, so it words the error as that flag here.
 */
import { ConfigError } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';

/** Keys with a flag of their own; every other key of a task's or model's config is `--set KEY`. */
const FLAG_OF: Readonly<Record<string, string>> = {
  steps: '--steps', epochs: '--epochs', timeBudget: '--time-budget', evalEvery: '--eval-every', lr: '--lr',
  seed: '--seed', schedule: '--schedule', warmupSteps: '--warmup', batch: '--batch',
  arch: '--model', preset: '--preset', tokenizer: '--tokenizer', train: '--train', valid: '--valid', test: '--test',
  words: '--words', length: '--length', temperature: '--temperature', topK: '--top-k', topP: '--top-p', k: '-k',
};

/** Trainer keys without a flag of their own are set as `--set train.KEY=value`. */
const TRAINER_SET_PREFIX = 'train.';

/** The flag that sets `key` of `section`. */
export function flagFor(section: string, key: string): string {
  if (FLAG_OF[key] && !(section === 'tokenizer' && key === 'vocabSize')) return FLAG_OF[key];
  return section === 'train' ? `--set ${TRAINER_SET_PREFIX}${key}` : `--set ${key}`;
}

/** A ConfigError worded as flags: its key's flag first, and each `key` it quotes as that key's flag. */
export function asFlagError(err: ConfigError): SeqlabError {
  const problem = err.problem.replace(/`([A-Za-z.]+)`/g, (_, key: string) => flagFor(err.section, key));
  return new SeqlabError(`${flagFor(err.section, err.key)}: ${problem}`);
}

/** `--set` pairs split into the trainer's (`train.KEY`) and everyone else's. */
export function splitTrainerSets(sets: Readonly<Record<string, unknown>>): { trainer: Record<string, unknown>; rest: Record<string, unknown> } {
  const trainer: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sets)) {
    if (k.startsWith(TRAINER_SET_PREFIX)) trainer[k.slice(TRAINER_SET_PREFIX.length)] = v;
    else rest[k] = v;
  }
  return { trainer, rest };
}
