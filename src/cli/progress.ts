/**
 * Training progress on stderr: a live bar on a terminal (cli-progress), otherwise one plain line
 * per evaluation, so logs stay readable.
 */
import cliProgress from 'cli-progress';
import type { EvalInfo, StepInfo, TrainerEvents } from '../train/trainer.js';

export interface Progress extends Pick<TrainerEvents, 'onStep' | 'onEval'> {
  stop(): void;
}

function eta(info: StepInfo, budget: number): string {
  const bySteps = Number.isFinite(info.totalSteps) ? (info.elapsed / info.step) * (info.totalSteps - info.step) : Infinity;
  const byTime = budget > 0 ? budget - info.elapsed : Infinity;
  const s = Math.max(0, Math.min(bySteps, byTime));
  return Number.isFinite(s) ? `${Math.round(s)}s` : '?';
}

export function makeProgress(timeBudget: number, quiet = false): Progress {
  if (quiet) return { stop: () => undefined };
  if (!process.stderr.isTTY) {
    return {
      onEval: (e: EvalInfo) => {
        const parts = Object.entries(e.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
        process.stderr.write(`step ${e.step}  train_loss ${Number.isFinite(e.trainLoss) ? e.trainLoss.toFixed(4) : '-'}  valid ${parts.join('  ')}  ${e.elapsed.toFixed(1)}s${e.best ? '  (best)' : ''}\n`);
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'step {value}/{total} |{bar}| {tps} tok/s  loss {loss}  valid {valid}  ETA {eta}',
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  let valid = '-';
  let tps = 0;
  return {
    onStep: (s: StepInfo) => {
      tps = tps === 0 ? s.tokensPerSecond : 0.9 * tps + 0.1 * s.tokensPerSecond;
      const payload = { loss: s.loss.toFixed(3), valid, tps: Math.round(tps), eta: eta(s, timeBudget) };
      const total = Number.isFinite(s.totalSteps) ? s.totalSteps : s.step + 1;
      if (!started) {
        bar.start(total, s.step, payload);
        started = true;
      }
      bar.setTotal(total);
      bar.update(s.step, payload);
    },
    onEval: (e: EvalInfo) => {
      valid = e.metrics.loss.toFixed(3);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
