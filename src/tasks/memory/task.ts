/**
 * The memory task: the synthetic problems of problems.ts, learned by any of the five causal
 * families. It makes its own seeded data, so it takes no data paths: training batches come
 * fresh from the trainer's generator, validation is a fixed seeded set, and `eval` scores a
 * fresh seeded set the model never saw.
 */
import { ConfigError, checkWhole, jsonText, resolveConfig, splitSettings } from '../../config/resolve.js';
import { buildCausalLm, type CausalLm } from '../../models/causal-lm.js';
import { LM_ARCHS, type LmArch, type LmConfig, outputClasses, resolveLmConfig, settableLmKeys } from '../../models/lm-config.js';
import { crossEntropy } from '../../nn/functional.js';
import { reshape } from '../../ops/shape-ops.js';
import { checkConfigKeys, configSection, inFile, loadWeights, type StoredConfig } from '../../store/checkpoint.js';
import { type CheckpointStore, FILES } from '../../store/store.js';
import { noGrad } from '../../tensor/autograd.js';
import { Rng } from '../../tensor/random.js';
import { checkSizes, MAX_SIZE } from '../../config/limits.js';
import { SeqlabError } from '../../errors.js';
import { checkLmKeys, checkLmSizes } from '../lm/config.js';
import type { Trainable } from '../../train/trainer.js';
import type { LoadedModel, Task, TaskRun, TrainRequest } from '../task.js';
import { IGNORE, MEMORY_KINDS, type MemoryBatch, memoryBatch, type MemoryKind, problemShape } from './problems.js';

/** The task's own settings (config.json's `memory` section). */
export interface MemorySettings {
  kind: MemoryKind;
  /** How far back the answer lies (echo, adding), or the sequence length (brackets). */
  lag: number;
  /** Alphabet of the echo problem. */
  symbols: number;
  /** Sequences in the fixed validation set, and in each fresh evaluation set. */
  validSize: number;
  evalSize: number;
}

export const defaultMemorySettings: Readonly<MemorySettings> = Object.freeze({
  kind: 'echo', lag: 10, symbols: 8, validSize: 512, evalSize: 2000,
});

/** Offsets from the run's seed for the validation and evaluation sets, far from the trainer's stream. */
const VALID_SEED = 1_000_003;
const EVAL_SEED = 2_000_003;
const BATCH = 32;

/** Per family: the model's shape and learning rate (one preset; sizes are `--set`). */
const RECIPES: Record<LmArch, { model: Partial<LmConfig>; lr: number }> = {
  ffn: { model: { embedDim: 16, hiddenSize: 128, window: 4 }, lr: 3e-3 },
  rnn: { model: { embedDim: 16, hiddenSize: 64 }, lr: 3e-3 },
  gru: { model: { embedDim: 16, hiddenSize: 64 }, lr: 3e-3 },
  lstm: { model: { embedDim: 16, hiddenSize: 64 }, lr: 3e-3 },
  transformer: { model: { embedDim: 64, hiddenSize: 128, numLayers: 2, nhead: 4 }, lr: 1e-3 },
};

interface MemoryConfig {
  task: 'memory';
  arch: LmArch;
  memory: MemorySettings;
  model: LmConfig;
  seed: number;
  batch: number;
}

function resolveMemory(layer: Record<string, unknown>): MemorySettings {
  const m = resolveConfig<MemorySettings>('memory', defaultMemorySettings, [layer], { kind: MEMORY_KINDS });
  checkWhole('memory', m, 'lag', 1);
  checkWhole('memory', m, 'symbols', 2);
  checkWhole('memory', m, 'validSize', 1);
  checkWhole('memory', m, 'evalSize', 1);
  checkSizes('memory', m, ['lag', 'symbols', 'validSize', 'evalSize']);
  return m;
}

/** Mean cross-entropy over the asked positions, and the share answered right. */
function score(model: CausalLm, batches: readonly MemoryBatch[]): { loss: number; accuracy: number; asked: number } {
  let loss = 0;
  let right = 0;
  let asked = 0;
  noGrad(() => {
    for (const b of batches) {
      const { logits } = model.forward(b.inputs, b.batch, b.time); // [B, T, C]
      const C = logits.shape[2];
      loss += crossEntropy(reshape(logits, [-1, C]), b.targets, IGNORE, 'sum').item();
      for (let i = 0; i < b.targets.length; i++) {
        if (b.targets[i] === IGNORE) continue;
        let best = 0;
        for (let c = 1; c < C; c++) if (logits.data[i * C + c] > logits.data[i * C + best]) best = c;
        if (best === b.targets[i]) right++;
        asked++;
      }
    }
  });
  return { loss: loss / asked, accuracy: right / asked, asked };
}

/** `n` sequences from a generator seeded with `seed`, in batches. */
function fixedSet(m: MemorySettings, n: number, seed: number): MemoryBatch[] {
  const rng = new Rng(seed);
  const shape = problemShape(m.kind, m.lag, m.symbols);
  const out: MemoryBatch[] = [];
  for (let done = 0; done < n; done += BATCH) out.push(memoryBatch(m.kind, m.lag, shape, Math.min(BATCH, n - done), rng));
  return out;
}

function setup(req: TrainRequest): TaskRun {
  const arch = req.arch ?? 'lstm';
  if (!(LM_ARCHS as readonly string[]).includes(arch)) {
    throw new ConfigError('memory', 'arch', `unknown architecture '${arch}' (expected ${LM_ARCHS.join(', ')})`);
  }
  if (req.preset !== undefined && req.preset !== 'small') throw new ConfigError('memory', 'preset', `memory has one preset, 'small'; got '${req.preset}'`);
  if (req.tokenizer !== undefined) throw new ConfigError('memory', 'tokenizer', 'memory makes its own tokens and takes no tokenizer');
  const s = splitSettings(req.settings, { memory: defaultMemorySettings, model: settableLmKeys() }, 'memory');
  const memory = resolveMemory(s.memory);
  const shape = problemShape(memory.kind, memory.lag, memory.symbols);
  const recipe = RECIPES[arch as LmArch];
  const model = resolveLmConfig(arch as LmArch, shape.tokens, recipe.model, s.model, { context: shape.length, outputSize: shape.classes });
  checkLmSizes(model);
  const batch = req.batch ?? BATCH;
  if (batch > MAX_SIZE) throw new ConfigError('memory', 'batch', `${batch} is past the limit of ${MAX_SIZE}`);
  const rng = new Rng(req.seed);
  const lm = buildCausalLm(model, rng);
  const valid = fixedSet(memory, memory.validSize, req.seed + VALID_SEED);
  const trainable: Trainable = {
    model: lm,
    stepsPerEpoch: 100, // fresh data every step: an "epoch" is a hundred batches
    extraRng: rng,
    trainBatch: (r) => {
      const b = memoryBatch(memory.kind, memory.lag, shape, batch, r);
      const { logits } = lm.forward(b.inputs, b.batch, b.time);
      return { loss: crossEntropy(reshape(logits, [-1, shape.classes]), b.targets, IGNORE), tokens: b.batch * b.time };
    },
    evaluate: () => {
      const r = score(lm, valid);
      return { loss: r.loss, accuracy: r.accuracy };
    },
  };
  const config: MemoryConfig = { task: 'memory', arch: arch as LmArch, memory, model, seed: req.seed, batch };
  return { config: { ...config }, files: {}, trainable, recipe: { lr: recipe.lr, steps: 2000, evalEvery: 100 }, parameters: lm.parameterCount() };
}

/** config.json of a memory model checked: keys, the problem's settings, and a model that fits the problem, within the size limits. */
function checkConfig(stored: StoredConfig): { config: MemoryConfig; memory: MemorySettings; model: LmConfig } {
  const raw = stored as Record<string, unknown>;
  checkConfigKeys(raw, ['arch', 'memory', 'model', 'seed'], ['batch', 'train']);
  if (!(LM_ARCHS as readonly unknown[]).includes(raw.arch)) {
    throw new SeqlabError(`"arch": unknown architecture ${jsonText(raw.arch)} (expected ${LM_ARCHS.join(', ')})`);
  }
  for (const key of ['seed', 'batch']) {
    const v = raw[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= (key === 'seed' ? 0 : 1))) {
      throw new SeqlabError(`"${key}": must be a whole number >= ${key === 'seed' ? 0 : 1}, got ${jsonText(v)}`);
    }
  }
  const arch = raw.arch as LmArch;
  const memory = resolveMemory(configSection(raw, 'memory'));
  const shape = problemShape(memory.kind, memory.lag, memory.symbols);
  const section = configSection(raw, 'model');
  if (section.arch !== undefined && section.arch !== arch) {
    throw new ConfigError('model', 'arch', `${jsonText(section.arch)} differs from "arch" ${JSON.stringify(arch)}`);
  }
  if (!(typeof section.vocabSize === 'number' && section.vocabSize >= shape.tokens)) {
    throw new ConfigError('model', 'vocabSize', `${jsonText(section.vocabSize)}, but the ${memory.kind} problem has ${shape.tokens} tokens`);
  }
  checkLmKeys(section);
  const model = resolveLmConfig(arch, section.vocabSize, section);
  checkLmSizes(model);
  if (outputClasses(model) !== shape.classes) {
    throw new ConfigError('model', 'outputSize', `${model.outputSize} scores ${outputClasses(model)} classes, but the ${memory.kind} problem has ${shape.classes}`);
  }
  if (arch === 'transformer' && model.context < shape.length) {
    throw new ConfigError('model', 'context', `${model.context} is shorter than the ${memory.kind} problem's ${shape.length} positions`);
  }
  return { config: stored as unknown as MemoryConfig, memory, model };
}

function load(stored: StoredConfig, store: CheckpointStore): LoadedModel {
  const { config, memory, model: modelConfig } = inFile(store, FILES.config, () => checkConfig(stored));
  const model = buildCausalLm(modelConfig, new Rng(0));
  loadWeights(store, model);
  model.eval();
  return {
    config: stored,
    evaluate: () => {
      const r = score(model, fixedSet(memory, memory.evalSize, config.seed + EVAL_SEED));
      return { accuracy: r.accuracy, loss: r.loss, sequences: memory.evalSize, asked: r.asked };
    },
  };
}

export const memoryTask: Task = {
  name: 'memory',
  summary: 'synthetic memory problems: echo, adding, balanced brackets',
  archs: LM_ARCHS,
  defaultArch: 'lstm',
  presets: ['small'],
  defaultPreset: 'small',
  tokenizers: [],
  trainPaths: [0, 0],
  testPaths: [0, 0],
  capabilities: [],
  setup,
  load,
};
