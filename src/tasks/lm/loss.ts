import { randomWindows, sequentialWindows } from '../../data/batching.js';
import { ConfigError } from '../../config/resolve.js';
import { SeqlabError } from '../../errors.js';
import type { CausalLm } from '../../models/causal-lm.js';
import type { KneserNey } from '../../models/ngram.js';
import { crossEntropy } from '../../nn/functional.js';
import { reshape } from '../../ops/shape-ops.js';
import { noGrad } from '../../tensor/autograd.js';
import type { Rng } from '../../tensor/random.js';
import type { Trainable } from '../../train/trainer.js';
import type { LmData } from './data.js';

/** The trainer's view of a neural LM: random windows in, mean next-token cross-entropy out. */
export function lmTrainable(model: CausalLm, data: LmData, batch: number, dropoutRng: Rng, evalTokens: number): Trainable {
  const time = model.config.context;
  if (data.train.length <= time + 1) {
    throw new ConfigError('model', 'context', `the training text has ${data.train.length} tokens, fewer than a context of ${time}`);
  }
  const validSlice = data.valid.subarray(0, Math.max(2, Math.min(data.valid.length, evalTokens)));
  return {
    model,
    stepsPerEpoch: Math.max(1, Math.floor(data.train.length / (batch * time))),
    extraRng: dropoutRng,
    trainBatch: (rng) => {
      const b = randomWindows(data.train, batch, time, rng);
      const { logits } = model.forward(b.inputs, b.batch, b.time);
      return { loss: crossEntropy(reshape(logits, [-1, model.config.vocabSize]), b.targets), tokens: b.batch * b.time };
    },
    evaluate: () => {
      const r = lmLoss(model, validSlice, batch);
      return { loss: r.loss, perplexity: Math.exp(r.loss), tokens: r.tokens };
    },
  };
}

/** Mean next-token loss (nats) of a neural LM over a stream, in independent context windows. */
export function lmLoss(model: CausalLm, stream: Int32Array, batch: number): { loss: number; tokens: number } {
  let total = 0;
  let count = 0;
  noGrad(() => {
    for (const b of sequentialWindows(stream, batch, model.config.context)) {
      const { logits } = model.forward(b.inputs, b.batch, b.time);
      const n = b.targets.reduce((s, t) => s + (t === -100 ? 0 : 1), 0);
      total += crossEntropy(reshape(logits, [-1, model.config.vocabSize]), b.targets, -100, 'sum').item();
      count += n;
    }
  });
  if (count === 0) throw new SeqlabError('lm: the evaluation text has no tokens to predict');
  return { loss: total / count, tokens: count };
}

/** Mean next-token loss of the n-gram model over a stream (each token given all before it). */
export function ngramLoss(model: KneserNey, stream: Int32Array): { loss: number; tokens: number } {
  let total = 0;
  const n = model.config.order - 1;
  for (let i = 1; i < stream.length; i++) total -= Math.log(model.prob(stream.subarray(Math.max(0, i - n), i), stream[i]));
  return { loss: total / Math.max(1, stream.length - 1), tokens: stream.length - 1 };
}
