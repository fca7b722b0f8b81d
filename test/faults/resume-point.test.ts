/**
 * Issue 14, faults: the resume point (tasks/run-training.ts) survives a crash between ANY two of
 * the folder's writes, not just where random kills happen to land. A store that stops working
 * after its k-th change (every write, append, remove and rename of a short run, one k at a time)
 * stands for a process killed there; each file operation itself is atomic, as on disk. Resuming
 * the folder then ends with the bytes of the uninterrupted run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file-store.js';
import { MemorySource } from '../../src/store/store.js';
import { getTask } from '../../src/tasks/registry.js';
import { runTraining } from '../../src/tasks/run-training.js';
import type { TrainRequest } from '../../src/tasks/task.js';
import { fixture, tempDir } from '../cli/helpers.js';
import { expectWholeFolder } from './helpers.js';

class Crash extends Error {}

/** A folder store that throws `Crash` instead of making its change number `at` (and all later ones). */
class CrashingStore extends FileStore {
  changes = 0;
  constructor(name: string, private readonly at: number) {
    super(name);
  }
  private change(): void {
    if (this.changes++ >= this.at) throw new Crash(`crashed at change ${this.at}`);
  }
  override write(file: string, data: Uint8Array | string): void { this.change(); super.write(file, data); }
  override append(file: string, text: string): void { this.change(); super.append(file, text); }
  override remove(file: string): void { this.change(); super.remove(file); }
  override rename(from: string, to: string): void { this.change(); super.rename(from, to); }
}

const source = new MemorySource({ text: readFileSync(fixture('shakespeare-20k.txt'), 'utf8').slice(0, 3000) });
const request: TrainRequest = {
  train: ['text'], valid: null, arch: 'lstm', preset: 'tiny', settings: { hiddenSize: 8, embedDim: 4, dropout: 0.1 }, batch: 2, seed: 5,
};
const trainer = { steps: 9, evalEvery: 3, schedule: 'constant' as const };
const FILES = ['last.safetensors', 'model.safetensors', 'optimizer.safetensors', 'trainer-state.json'];

function snapshot(dir: string): Record<string, string> {
  const state = (text: string): string => JSON.stringify({ ...JSON.parse(text), elapsed: 0 });
  return Object.fromEntries(FILES.map((f) => {
    const bytes = readFileSync(join(dir, f));
    return [f, f.endsWith('.json') ? state(bytes.toString('utf8')) : bytes.toString('base64')];
  }).concat([['metrics', readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.stringify({ ...JSON.parse(l), seconds: 0 })).join('\n')]]));
}

describe('a crash between any two writes of a run', () => {
  it('leaves a folder that --resume finishes with the bytes of the uninterrupted run', async () => {
    const task = getTask('lm');
    const once = join(tempDir(), 'once');
    const counting = new CrashingStore(once, Infinity);
    await runTraining(task, request, source, counting, { trainer });
    const expected = snapshot(once);
    expect(counting.changes).toBeGreaterThan(20);
    for (let at = 0; at < counting.changes; at++) {
      const dir = join(tempDir(), `crash-${at}`);
      await expect(runTraining(task, request, source, new CrashingStore(dir, at), { trainer })).rejects.toThrow(Crash);
      expectWholeFolder(dir);
      await runTraining(task, request, source, new FileStore(dir), { trainer, resume: true });
      expect(snapshot(dir), `crashed at change ${at}`).toEqual(expected);
      expect(readdirSync(dir).filter((f) => f.startsWith('.')), `crashed at change ${at}`).toEqual([]);
    }
  }, 120_000);
});
