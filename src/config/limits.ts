/**
 * Bounds on a model's sizes, checked on the config before anything is allocated. A config is
 * input (config.json, `--set`), and a size of 2000000000 must be a message naming its key, not a
 * failed allocation deep inside a layer. Two checks: each size key on its own (`MAX_SIZE`), then
 * the parameter count the config implies, estimated from the sizes (`MAX_PARAMETERS`).
 */
import { ConfigError } from './resolve.js';

/** The largest value of any one size key (a width, a vocabulary, a length): 2^20. */
export const MAX_SIZE = 2 ** 20;

/** The most layers of any one kind. */
export const MAX_LAYERS = 256;

/** The most parameters a config may imply: 2^28 floats (1 GiB of float32). */
export const MAX_PARAMETERS = 2 ** 28;

/** Checks each of `keys` of `config` is at most `max` (types and lower bounds are checked elsewhere). */
export function checkSizes<C extends object>(section: string, config: C, keys: readonly (keyof C & string)[], max = MAX_SIZE): void {
  for (const key of keys) {
    const v = config[key] as unknown;
    if (typeof v === 'number' && v > max) throw new ConfigError(section, key, `${v} is past the limit of ${max}`);
  }
}

/** One part of a parameter-count estimate, and the size key that drives it. */
export interface ParameterTerm {
  key: string;
  count: number;
}

/**
 * Checks the parameter count a config implies. `terms` are the estimate's parts, each with the
 * size key that drives it, so the error names the key whose part is largest.
 */
export function checkParameterCount(section: string, terms: readonly ParameterTerm[]): void {
  const total = terms.reduce((sum, t) => sum + t.count, 0);
  if (total <= MAX_PARAMETERS) return;
  const largest = terms.reduce((a, b) => (b.count > a.count ? b : a));
  throw new ConfigError(section, largest.key,
    `makes a model of about ${Math.round(total).toLocaleString('en-US')} parameters, past the limit of ${MAX_PARAMETERS.toLocaleString('en-US')}`);
}
