import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceBackend, wasmBackend } from '../../src/backend/index.js';
import { MAX_TENSOR_FLOATS } from '../../src/backend/alloc-limit.js';
import { SeqlabError } from '../../src/errors.js';
import { expectUsageError, root, seqlab, tempDir } from './helpers.js';

describe('absurd sizes', () => {
  it('both backends refuse a tensor past the limit, or of no whole size, with a SeqlabError', () => {
    for (const b of [referenceBackend, wasmBackend]) {
      expect(() => b.alloc(MAX_TENSOR_FLOATS + 1)).toThrow(SeqlabError);
      expect(() => b.alloc(MAX_TENSOR_FLOATS + 1)).toThrow(/past the limit of 2 GiB per tensor/);
      expect(() => b.alloc(-3)).toThrow(/not a whole number/);
      expect(() => b.alloc(2.5)).toThrow(SeqlabError);
      expect(b.alloc(4)).toHaveLength(4);
    }
  });

  it('a checkpoint whose config asks for hiddenSize 2000000000 is a one-line error, exit 2', () => {
    const dir = join(tempDir(), 'big');
    cpSync(join(root, 'models/shakespeare-char-gru'), dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    config.model.hiddenSize = 2000000000;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    expectUsageError(seqlab('suggest', dir, '--text', 'to be'), /config\.json: model\.hiddenSize: 2000000000 is past the limit of 1048576/);
  });
});
