import { describe, expect, it } from 'vitest';
import { asFlagError, flagFor } from '../../src/cli/flags.js';
import { ConfigError, checkRange, checkWhole, resolveConfig, splitSettings } from '../../src/config/resolve.js';

interface Demo {
  size: number;
  kind: string;
  on: boolean;
}
const defaults: Demo = { size: 4, kind: 'a', on: false };

describe('the one config resolver', () => {
  it('fills defaults, then each layer in order, skipping absent values', () => {
    expect(resolveConfig('demo', defaults, [{ size: 8 }, { size: undefined, on: true }])).toEqual({ size: 8, kind: 'a', on: true });
  });

  it('unknown keys, wrong types and values outside the choices are ConfigErrors naming the key', () => {
    const fail = (layer: Record<string, unknown>): ConfigError => {
      try {
        resolveConfig('demo', defaults, [layer], { kind: ['a', 'b'] });
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('no error');
    };
    expect(fail({ sise: 3 })).toMatchObject({ section: 'demo', key: 'sise' });
    expect(fail({ size: '3' }).message).toBe('demo.size: must be a number, got "3"');
    expect(fail({ kind: 'c' }).message).toBe('demo.kind: must be one of a, b, got "c"');
  });

  it('range checks name the key and show numbers as written', () => {
    expect(() => checkWhole('demo', { size: 1.5 }, 'size')).toThrow('demo.size: must be a whole number >= 1, got 1.5');
    expect(() => checkRange('demo', { size: Infinity }, 'size', 0, 1)).toThrow('got Infinity');
    expect(() => checkRange('demo', { size: 1 }, 'size', 0, 1, true)).not.toThrow();
  });

  it('splits flat settings among sections by key, and refuses keys no section has', () => {
    const s = splitSettings({ size: 2, rate: 0.1 }, { demo: defaults, other: { rate: 0 } }, 'task');
    expect(s).toEqual({ demo: { size: 2 }, other: { rate: 0.1 } });
    expect(() => splitSettings({ bogus: 1 }, { demo: defaults }, 'task')).toThrow(/task\.bogus: unknown setting/);
  });
});

describe('the CLI words config errors as the flags that set the keys', () => {
  it('keys with flags of their own, and the rest as --set', () => {
    expect(flagFor('train', 'timeBudget')).toBe('--time-budget');
    expect(flagFor('lm', 'arch')).toBe('--model');
    expect(flagFor('model', 'hiddenSize')).toBe('--set hiddenSize');
    expect(flagFor('train', 'clip')).toBe('--set train.clip');
    expect(flagFor('tokenizer', 'vocabSize')).toBe('--set vocabSize');
  });

  it('rewrites the keys an error quotes', () => {
    const err = new ConfigError('train', 'steps', 'no limit given: give `steps`, `epochs` or `timeBudget`');
    expect(asFlagError(err).message).toBe('--steps: no limit given: give --steps, --epochs or --time-budget');
  });
});
