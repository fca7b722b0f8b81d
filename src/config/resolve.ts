/**
 * The one config resolver. Every config in seqlab (a model's, a task's, the trainer's) is plain
 * JSON data with a `defaultXConfig`; `resolveConfig` fills it from defaults and layers of
 * overrides (a preset, then the user's settings) and checks it: an unknown key or a value of the
 * wrong type is a `ConfigError` naming the key. Checks of ranges live beside each config, and
 * throw `ConfigError` too. Nothing here knows about command-line flags: the CLI maps a key back
 * to the flag that set it (`--set hiddenSize`, `--steps`) when it words the error.
 */
import { SeqlabError } from '../errors.js';

/** A bad value for one config key. `section` is the config's name (`model`, `trainer`, `memory`). */
export class ConfigError extends SeqlabError {
  constructor(readonly section: string, readonly key: string, readonly problem: string) {
    // A key read from a file may hold anything, a line break included: quote any but a plain name.
    super(`${section}.${/^[\w.[\]-]+$/.test(key) ? key : JSON.stringify(key)}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** One layer of overrides; undefined values are skipped (an absent flag). */
export type ConfigLayer<C> = Partial<{ [K in keyof C]: C[K] | undefined }> | Record<string, unknown>;

/**
 * `defaults`, then each layer in order. Keys must exist in `defaults`, values must have the
 * default's JSON type (number, string, boolean); `choices` lists the allowed strings of a key.
 */
export function resolveConfig<C extends object>(section: string, defaults: Readonly<C>, layers: readonly ConfigLayer<C>[],
  choices: Partial<Record<keyof C, readonly string[]>> = {}): C {
  const out = { ...defaults } as Record<string, unknown>;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (!Object.hasOwn(defaults, key)) throw new ConfigError(section, key, `unknown key (expected one of ${Object.keys(defaults).join(', ')})`);
      const expected = typeof (defaults as Record<string, unknown>)[key];
      if (typeof value !== expected) throw new ConfigError(section, key, `must be a ${expected}, got ${shown(value)}`);
      const allowed = (choices as Record<string, readonly string[] | undefined>)[key];
      if (allowed && !allowed.includes(value as string)) {
        throw new ConfigError(section, key, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
      }
      out[key] = value;
    }
  }
  return out as C;
}

/** A value read from a file as an error message shows it: JSON on one line, cut short ('nothing' for undefined). */
export function jsonText(v: unknown, max = 60): string {
  const text = v === undefined ? 'nothing' : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A value as an error message shows it (numbers as JavaScript writes them, so Infinity stays Infinity). */
function shown(v: unknown): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** Checks that `config[key]` is a whole number ≥ min. */
export function checkWhole<C extends object>(section: string, config: C, key: keyof C & string, min = 1): void {
  const v = config[key] as unknown;
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) {
    throw new ConfigError(section, key, `must be a whole number >= ${min}, got ${shown(v)}`);
  }
}

/** Checks that `config[key]` is a number in [lo, hi) (or [lo, hi] with `closed`). */
export function checkRange<C extends object>(section: string, config: C, key: keyof C & string, lo: number, hi: number,
  closed = false): void {
  const v = config[key] as unknown;
  const ok = typeof v === 'number' && v >= lo && (closed ? v <= hi : v < hi);
  if (!ok) throw new ConfigError(section, key, `must be in [${lo}, ${hi}${closed ? ']' : ')'}, got ${shown(v)}`);
}

/**
 * Splits one flat set of settings (`--set` pairs) among config sections by their keys: each key
 * goes to the first section whose defaults have it; keys no section has are an error.
 */
export function splitSettings(settings: Readonly<Record<string, unknown>>, sections: Readonly<Record<string, object>>,
  where: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = Object.fromEntries(Object.keys(sections).map((s) => [s, {}]));
  for (const [key, value] of Object.entries(settings)) {
    const section = Object.keys(sections).find((s) => Object.hasOwn(sections[s], key));
    if (!section) {
      const known = Object.values(sections).flatMap((d) => Object.keys(d));
      throw new ConfigError(where, key, `unknown setting (expected one of ${known.join(', ')})`);
    }
    out[section][key] = value;
  }
  return out;
}
