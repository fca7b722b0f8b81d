/**
 * Issue 14, faults: `seqlab train` killed with SIGKILL at seeded random moments, then resumed
 * with `--resume`, again and again until it finishes. After every kill each file of the folder
 * is whole and valid, and the resume point (trainer-state.json with last.safetensors and
 * optimizer.safetensors, or their committed `.next` files) names one step; a kill loses at most
 * the steps since the last checkpoint; and the run ends with the very bytes of an uninterrupted
 * run with the same seed and steps (weights, best model, optimizer state, metrics but for the
 * wall-clock seconds).
 *
 * Kill moments are seeded. About one run in five is killed while Node starts or the data loads
 * (a delay drawn within the start-up time measured in the uninterrupted run, cut short by the
 * first logged evaluation if training began sooner). The others are
 * killed a few evaluations into training: after the run has logged its k-th evaluation (k drawn
 * from 1 to 6) and a further delay of up to a few steps, so some land inside a checkpoint save
 * (resume-point.test.ts crashes the run between every two writes). Counting logged evaluations,
 * not seconds, keeps each kill's progress bounded however fast or loaded the machine is (vitest
 * runs other files beside this one), so the run cannot finish before its kills are spent.
 * Steps lost per kill are counted from the last evaluation the killed run logged (it logs each
 * one just before saving it) to the step it resumed from: a lower bound of the work lost, which
 * can be up to EVAL_EVERY − 1 steps more (updates after that line that no checkpoint held).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../cli/helpers.js';
import { expectWholeFolder, loggedSteps, metadataStep, metricsRecords, seeded, startSeqlab, tinyText, tinyTrainArgs } from './helpers.js';

const STEPS = 1000;
const EVAL_EVERY = 5; // a checkpoint (the resume point) is saved at every evaluation
const KILLS = 21;

/** The step a killed run can resume from: trainer-state.json's, checked against the weight files (0 if none). */
function resumeStep(dir: string): number {
  const statePath = join(dir, 'trainer-state.json');
  if (!existsSync(statePath)) return 0;
  const step = (JSON.parse(readFileSync(statePath, 'utf8')) as { step: number }).step;
  for (const file of ['last.safetensors', 'optimizer.safetensors']) {
    const pending = join(dir, `.${file}.next`);
    const committed = existsSync(pending) && metadataStep(pending) === step;
    expect(committed || metadataStep(join(dir, file)) === step, `${file} holds trainer-state.json's step ${step}`).toBe(true);
  }
  return step;
}

describe('SIGKILL at random moments, then --resume', () => {
  it(`${KILLS} kills lose at most ${EVAL_EVERY} steps each, corrupt nothing, and end bit for bit as one uninterrupted run`, async () => {
    const text = tinyText();
    const dir = tempDir();
    const once = join(dir, 'once');
    const started = performance.now();
    const reference = await startSeqlab([...tinyTrainArgs(text, once, STEPS, EVAL_EVERY), '--json']).done;
    expect(reference.code, reference.stderr).toBe(0);
    const wall = (performance.now() - started) / 1000;
    const trainSeconds = (JSON.parse(reference.stdout) as { seconds: number }).seconds;
    const startup = Math.max(0.2, wall - trainSeconds);
    const stepSeconds = trainSeconds / STEPS;

    const random = seeded(14);
    const out = join(dir, 'killed');
    const lost: number[] = [];
    let beforeFirstSave = 0;
    let midSave = 0;
    let from = 0; // the step the next run starts from
    let runs = 0;
    let lastFrom = 0;
    for (;;) {
      lastFrom = from;
      const child = startSeqlab([...tinyTrainArgs(text, out, STEPS, EVAL_EVERY), ...(runs++ > 0 ? ['--resume'] : [])]);
      const killing = lost.length < KILLS;
      const duringStartup = random() < 0.2;
      const evaluations = 1 + Math.floor(random() * 6);
      const delay = 1000 * (duringStartup ? 0.9 * startup * random() : random() * 4 * stepSeconds);
      // A start-up kill fires at its delay, or at the first logged evaluation if training began sooner.
      const spawned = performance.now();
      let armed: number | undefined = duringStartup ? spawned : undefined; // when the delay starts counting
      const watch = setInterval(() => {
        if (!killing) return;
        const logged = loggedSteps(child.stderr()).length;
        if (armed === undefined && logged >= evaluations) armed = performance.now();
        if ((armed !== undefined && performance.now() - armed >= delay) || (duringStartup && logged > 0)) {
          clearInterval(watch);
          child.kill('SIGKILL');
        }
      }, 2);
      const r = await child.done;
      clearInterval(watch);
      if (r.signal !== 'SIGKILL') {
        expect(r.code, r.stderr).toBe(0);
        break;
      }
      const { checked, temporary } = expectWholeFolder(out);
      if (temporary.length > 0 || checked.some((f) => f.endsWith('.next'))) midSave++;
      // The killed run logged each evaluation just before saving it: it reached at least the last one logged.
      const reached = Math.max(from, ...loggedSteps(r.stderr));
      const saved = resumeStep(out);
      if (saved === 0) beforeFirstSave++;
      expect(saved).toBeGreaterThanOrEqual(from);
      lost.push(reached - saved);
      from = saved;
    }

    expect(lost.length).toBeGreaterThanOrEqual(20);
    expect(Math.max(...lost)).toBeLessThanOrEqual(EVAL_EVERY);
    const { checked, temporary } = expectWholeFolder(out);
    expect(temporary).toEqual([]);
    expect(checked.sort()).toEqual(readdirSync(once).sort());
    for (const file of ['last.safetensors', 'model.safetensors', 'optimizer.safetensors', 'vocab.json', 'config.json']) {
      expect(Buffer.compare(readFileSync(join(out, file)), readFileSync(join(once, file))), file).toBe(0);
    }
    expect(metricsRecords(out)).toEqual(metricsRecords(once));
    const state = (d: string): unknown => ({ ...JSON.parse(readFileSync(join(d, 'trainer-state.json'), 'utf8')), elapsed: 0 });
    expect(state(out)).toEqual(state(once));
    const mean = lost.reduce((a, b) => a + b, 0) / lost.length;
    console.log(`sigkill-resume: ${lost.length} kills in ${runs} runs; steps lost per kill (last logged − resume point): `
      + `max ${Math.max(...lost)}, mean ${mean.toFixed(1)}; ${beforeFirstSave} with nothing saved yet, ${midSave} in the middle of a write; `
      + `the last run went on from step ${lastFrom} of ${STEPS}; start-up ${startup.toFixed(2)}s, ${(stepSeconds * 1000).toFixed(1)} ms/step; `
      + 'final files equal the uninterrupted run\'s');
  }, 240_000);
});
