/**
 * What the trainer runs for a biology model: the loss of the next batch (class-weighted
 * cross-entropy, PyTorch's weighted mean) and the validation metrics.
 */
import { crossEntropy } from '../../nn/functional.js';
import type { SequenceNet } from '../../models/sequence-net.js';
import { reshape } from '../../ops/shape-ops.js';
import { noGrad } from '../../tensor/autograd.js';
import type { Rng } from '../../tensor/random.js';
import type { Trainable } from '../../train/trainer.js';
import { accuracy, mcc } from '../../metrics/classification.js';
import type { BioSettings } from './config.js';
import { argmaxRows } from './predict.js';
import { type ClassifyExample, cropExamples, drawClassifyBatch, IGNORE, inOrder, lengthBatches, padSequences, padTargets,
  type TagExample } from './batches.js';

/** Largest/smallest class count above which 'auto' class weights become 'balanced'. */
const AUTO_IMBALANCE = 3;

/** How many targets each of `classes` classes has, over lists of targets (negative ones, IGNORE, not counted). */
export function classCounts(lists: Iterable<ArrayLike<number>>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const list of lists) for (let i = 0; i < list.length; i++) if (list[i] >= 0) counts[list[i]]++;
  return counts;
}

/**
 * Loss weights per class from the training targets' class counts: 'balanced' gives
 * w_c = n / (k · n_c) (scikit-learn's), so each class weighs the same in total; 'none' gives
 * null; 'auto' is balanced when the classes are imbalanced beyond 3 : 1. A class absent from
 * training gets 1.
 */
export function classWeights(kind: BioSettings['classWeights'], counts: readonly number[]): number[] | null {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((n) => n > 0);
  const imbalanced = Math.max(...present) > AUTO_IMBALANCE * Math.min(...present);
  if (kind === 'none' || (kind === 'auto' && !imbalanced)) return null;
  return counts.map((n) => (n > 0 ? total / (present.length * n) : 1));
}

interface ClassifyOptions {
  batch: number;
  complement: Uint8Array | null;
  weights: number[] | null;
  pad: number;
}

export function classifyTrainable(net: SequenceNet, train: ClassifyExample[], valid: ClassifyExample[], o: ClassifyOptions,
  rng: Rng): Trainable {
  const lossOf = (examples: readonly ClassifyExample[]) => {
    const logits = net.forward(padSequences(examples.map((e) => e.ids), o.pad)); // [B, C]
    return crossEntropy(logits, examples.map((e) => e.label), IGNORE, 'mean', o.weights ? { weight: o.weights } : {});
  };
  return {
    model: net,
    stepsPerEpoch: Math.max(1, Math.ceil(train.length / o.batch)),
    extraRng: rng,
    trainBatch: (r) => {
      const batch = drawClassifyBatch(train, o.batch, r, o.complement);
      return { loss: lossOf(batch), tokens: batch.reduce((n, e) => n + e.ids.length, 0) };
    },
    evaluate: () => noGrad(() => {
      let total = 0;
      const predicted: number[] = [];
      for (const chunk of inOrder(valid, 256)) {
        const logits = net.forward(padSequences(chunk.map((e) => e.ids), o.pad));
        total += crossEntropy(logits, chunk.map((e) => e.label), IGNORE, 'sum').item();
        predicted.push(...argmaxRows(logits.data, logits.shape[1]));
      }
      const truth = valid.map((e) => e.label);
      return { loss: total / Math.max(1, valid.length), accuracy: accuracy(truth, predicted), mcc: mcc(truth, predicted, Array.from({ length: net.config.classes }, (_, k) => k)) };
    }),
  };
}

interface TagOptions {
  settings: BioSettings;
  weights: number[] | null;
  pad: number;
}

/**
 * Taggers train on crops of `window` positions grouped into batches of `batchTokens`; without
 * validation data every tenth crop is held out.
 */
export function tagTrainable(net: SequenceNet, train: TagExample[], valid: TagExample[] | null, o: TagOptions, rng: Rng): Trainable {
  let crops = cropExamples(train, o.settings.window);
  let validCrops: TagExample[];
  if (valid) validCrops = cropExamples(valid, o.settings.window);
  else if (crops.length < 2) validCrops = crops;
  else {
    validCrops = crops.filter((_, i) => i % 10 === 9);
    crops = crops.filter((_, i) => i % 10 !== 9);
  }
  const batches = lengthBatches(crops, o.settings.batchTokens);
  const validBatches = lengthBatches(validCrops, o.settings.batchTokens);
  const classes = net.config.classes;
  const lossOf = (examples: readonly TagExample[], reduction: 'mean' | 'sum', weighted: boolean) => {
    const b = padSequences(examples.map((e) => e.ids), o.pad);
    const logits = net.forward(b); // [B, L, C]
    const targets = padTargets(examples.map((e) => e.targets), b.length);
    const counted = targets.reduce((n, t) => n + (t === IGNORE ? 0 : 1), 0);
    const loss = crossEntropy(reshape(logits, [-1, classes]), targets, IGNORE, reduction, weighted && o.weights ? { weight: o.weights } : {});
    return { loss, logits, targets, counted };
  };
  return {
    model: net,
    stepsPerEpoch: batches.length,
    extraRng: rng,
    trainBatch: (r) => {
      const { loss, counted } = lossOf(batches[r.int(batches.length)], 'mean', true);
      return { loss, tokens: counted };
    },
    evaluate: () => noGrad(() => {
      let total = 0;
      let count = 0;
      let right = 0;
      for (const batch of validBatches) {
        const { loss, logits, targets, counted } = lossOf(batch, 'sum', false);
        total += loss.item();
        count += counted;
        const best = argmaxRows(logits.data, classes);
        for (let i = 0; i < targets.length; i++) if (targets[i] !== IGNORE && best[i] === targets[i]) right++;
      }
      return { loss: total / Math.max(1, count), accuracy: right / Math.max(1, count) };
    }),
  };
}
