/**
 * Issue 14, faults: Ctrl-C (SIGINT) or SIGTERM while `seqlab train` runs. The run stops after
 * the update under way, saves its resume point there (last weights, optimizer state, trainer
 * state, each marked with the step; the best model by validation is already on disk), prints one
 * line on stderr saying where it stopped and how to continue, and exits 130 (SIGINT) or 143
 * (SIGTERM), as shells report a program a signal stopped. `--resume` then continues it: the run
 * ends with the bytes of one that was never stopped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../cli/helpers.js';
import { expectWholeFolder, loggedSteps, metadataStep, metricsRecords, startSeqlab, tinyText, tinyTrainArgs } from './helpers.js';

const EVAL_EVERY = 50;

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a signal while training', () => {
  for (const [signal, code, json] of [['SIGINT', 130, false], ['SIGTERM', 143, true]] as const) {
    it(`${signal} saves the run where it stopped, exits ${code} with one line, and --resume continues it as if never stopped`, async () => {
      const text = tinyText();
      const dir = tempDir();
      const out = join(dir, 'stopped');
      const child = startSeqlab([...tinyTrainArgs(text, out, 1_000_000, EVAL_EVERY), ...(json ? ['--json'] : [])]);
      await until(() => loggedSteps(child.stderr()).length > 0); // past the first checkpoint
      await new Promise((resolve) => setTimeout(resolve, 60)); // and into the next interval
      child.kill(signal);
      const r = await child.done;
      expect(r.code, r.stderr).toBe(code);
      const last = r.stderr.trim().split('\n').at(-1)!;
      const m = new RegExp(`^seqlab: stopped by ${signal} at step (\\d+), saved in ${out}; to continue, run the same command with --resume$`).exec(last);
      expect(m, last).not.toBeNull();
      const step = Number(m![1]);
      expect(step).toBeGreaterThanOrEqual(EVAL_EVERY);
      if (json) {
        expect(r.stdout.trim().split('\n')).toHaveLength(1);
        expect(JSON.parse(r.stdout)).toMatchObject({ steps: step, stopped_by: 'interrupted' });
      } else {
        expect(r.stdout).toBe('');
      }
      // The resume point is at the step it stopped at, whole, with nothing left over.
      const { checked, temporary } = expectWholeFolder(out);
      expect(temporary).toEqual([]);
      expect(checked.filter((f) => f.startsWith('.'))).toEqual([]);
      expect(JSON.parse(readFileSync(join(out, 'trainer-state.json'), 'utf8')).step).toBe(step);
      expect(metadataStep(join(out, 'last.safetensors'))).toBe(step);
      expect(metadataStep(join(out, 'optimizer.safetensors'))).toBe(step);
      expect(existsSync(join(out, 'model.safetensors'))).toBe(true);

      // Continue to a few steps past the next evaluation; compare with a run that never stopped.
      const steps = step + EVAL_EVERY + 7;
      const resumed = await startSeqlab([...tinyTrainArgs(text, out, steps, EVAL_EVERY), '--resume']).done;
      expect(resumed.code, resumed.stderr).toBe(0);
      const once = join(dir, 'once');
      const reference = await startSeqlab(tinyTrainArgs(text, once, steps, EVAL_EVERY)).done;
      expect(reference.code, reference.stderr).toBe(0);
      expect(readdirSync(out).sort()).toEqual(readdirSync(once).sort());
      for (const file of ['last.safetensors', 'model.safetensors', 'optimizer.safetensors']) {
        expect(Buffer.compare(readFileSync(join(out, file)), readFileSync(join(once, file))), file).toBe(0);
      }
      // train_loss included: the losses of the updates before the stop were saved with it.
      expect(metricsRecords(out)).toEqual(metricsRecords(once));
    }, 120_000);
  }
});
