import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUsageError, seqlab, tempDir } from './helpers.js';

describe('seqlab train memory (no --train: it makes its own seeded data)', () => {
  const dir = join(tempDir(), 'adding');

  it('trains with only the task settings and the model, then eval scores fresh data', () => {
    const t = seqlab('train', 'memory', '--set', 'kind=adding', '--set', 'lag=6', '--model', 'gru', '--out', dir, '--steps', '30', '--json');
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ arch: 'gru', steps: 30, stopped_by: 'steps' });
    const e = seqlab('eval', dir, '--json');
    expect(e.code, e.stderr).toBe(0);
    const r = JSON.parse(e.stdout);
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.accuracy).toBeLessThanOrEqual(1);
    expect(r.sequences).toBe(2000);
  });

  it('words bad settings as the flags that set them, and leaves nothing behind', () => {
    const out = join(tempDir(), 'bad');
    expectUsageError(seqlab('train', 'memory', '--set', 'kind=copy', '--out', out), /--set kind: must be one of echo, adding, brackets/);
    expectUsageError(seqlab('train', 'memory', '--set', 'lag=0', '--out', out), /--set lag/);
    expectUsageError(seqlab('train', 'memory', '--train', 'x.txt', '--out', out), /--train: memory makes its own data/);
    expectUsageError(seqlab('train', 'memory', '--model', 'cnn', '--out', out), /--model: unknown architecture 'cnn'/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses test files and language-model commands', () => {
    expectUsageError(seqlab('eval', dir, '--test', 'x.txt'), /--test: memory makes fresh data/);
    expectUsageError(seqlab('generate', dir, '--prompt', 'a'), /'memory' checkpoint, and memory models cannot generate/);
  });
});
