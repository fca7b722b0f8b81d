import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import { ops } from '../../src/index.js';
import { Linear } from '../../src/nn/layers.js';
import { backward, Rng, tensor } from '../../src/tensor/index.js';
import { loadModelBytes, loadOptimizerBytes, saveModelBytes, saveOptimizerBytes } from '../../src/train/checkpoint.js';
import { makeOptimizer, type Optimizer, type OptimizerKind } from '../../src/train/optim.js';
import { parseSafetensors, serializeSafetensors } from '../../src/train/safetensors.js';
import { applySchedule, makeSchedule } from '../../src/train/schedule.js';

const schedule = makeSchedule({ kind: 'cosine', lr: 0.05, warmupSteps: 2, totalSteps: 10 });

function setup(kind: OptimizerKind, outFeatures = 2): { model: Linear; opt: Optimizer } {
  const model = new Linear(3, outFeatures, new Rng(9));
  const options = kind === 'sgd' ? { momentum: 0.9 } : { weightDecay: 0.1 };
  return { model, opt: makeOptimizer(kind, model, options) };
}

function trainStep(model: Linear, opt: Optimizer): void {
  opt.zeroGrad();
  const x = tensor([1, -1, 0.5, opt.steps, 2, -0.5], [2, 3]);
  const y = model.forward(x);
  backward(ops.sum(ops.mul(y, y)));
  applySchedule(opt, schedule);
  opt.step();
}

describe('optimizer checkpoints', () => {
  for (const kind of ['sgd', 'adam', 'adamw'] as const) {
    it(`${kind}: model + optimizer bytes after 2 steps resume to the same 3rd step bit for bit`, () => {
      const run = setup(kind);
      trainStep(run.model, run.opt);
      trainStep(run.model, run.opt);
      const modelBytes = saveModelBytes(run.model);
      const optBytes = saveOptimizerBytes(run.opt, { run: 'test' });
      trainStep(run.model, run.opt);

      const resumed = setup(kind);
      loadModelBytes(resumed.model, modelBytes);
      expect(loadOptimizerBytes(resumed.opt, optBytes).run).toBe('test');
      expect(resumed.opt.steps).toBe(2);
      trainStep(resumed.model, resumed.opt);
      expect(resumed.model.weight.data).toEqual(run.model.weight.data);
      expect(resumed.model.bias!.data).toEqual(run.model.bias!.data);
      expect(resumed.opt.stateDict()).toEqual(run.opt.stateDict());
    });
  }

  it('stores moment buffers as state.<param>.<buffer> tensors and counters in the metadata', () => {
    const { model, opt } = setup('adam');
    trainStep(model, opt);
    const file = parseSafetensors(saveOptimizerBytes(opt));
    expect([...file.tensors.keys()]).toEqual(['state.bias.exp_avg', 'state.bias.exp_avg_sq', 'state.weight.exp_avg',
      'state.weight.exp_avg_sq']);
    expect(file.tensors.get('state.weight.exp_avg')!.shape).toEqual([2, 3]);
    expect(file.metadata).toEqual({ optimizer: 'adam', steps: '1', lr: String(opt.lr), 'state.bias.step': '1', 'state.weight.step': '1' });
  });

  it('refuses a file for another optimizer, another model shape, or without its counters', () => {
    const { model, opt } = setup('adam');
    trainStep(model, opt);
    const bytes = saveOptimizerBytes(opt);
    expect(() => loadOptimizerBytes(setup('sgd').opt, bytes)).toThrow(/saved for 'adam', cannot load into 'sgd'/);
    expect(() => loadOptimizerBytes(setup('adam', 4).opt, bytes))
      .toThrow(/tensor 'state.bias.exp_avg' has shape \[2\], the parameter has \[4\]/);
    const file = parseSafetensors(bytes);
    const noSteps = { ...file.metadata };
    delete noSteps.steps;
    expect(() => loadOptimizerBytes(setup('adam').opt, serializeSafetensors(file.tensors, noSteps)))
      .toThrow(/metadata 'steps' must be a whole number/);
    const noParamStep = { ...file.metadata };
    delete noParamStep['state.bias.step'];
    expect(() => loadOptimizerBytes(setup('adam').opt, serializeSafetensors(file.tensors, noParamStep)))
      .toThrow(/tensor 'state.bias.exp_avg' has no metadata 'state.bias.step'/);
    expect(() => loadOptimizerBytes(setup('adam').opt, saveModelBytes(model))).toThrow(SeqlabError);
  });

  it('a failed optimizer load changes nothing', () => {
    const { model, opt } = setup('adam');
    trainStep(model, opt);
    const other = setup('adam', 4);
    trainStep(other.model, other.opt);
    const before = other.opt.stateDict();
    expect(() => loadOptimizerBytes(other.opt, saveOptimizerBytes(opt))).toThrow(SeqlabError);
    expect(other.opt.stateDict()).toEqual(before);
  });
});
