import { Gru, Lstm, Rnn } from '../../../src/nn/recurrent.js';
import { Rng, type Tensor } from '../../../src/tensor/index.js';
import type { GoldenCase } from '../fixture.js';
import type { Handler, Outputs } from './index.js';

/** The fixture's PyTorch settings as a seqlab config (batch_first is the only layout seqlab has). */
function sizes(c: GoldenCase): { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean } {
  if (c.config.batch_first === false) throw new Error(`${c.fixture.name}: seqlab's recurrent layers are batch-first`);
  return {
    inputSize: Number(c.config.input_size),
    hiddenSize: Number(c.config.hidden_size),
    numLayers: Number(c.config.num_layers ?? 1),
    bidirectional: Boolean(c.config.bidirectional),
  };
}

/**
 * Loads the fixture's parameters into `model` by PyTorch name (strict: this checks the naming and
 * shapes), then hands the model's own tensors back to the case, so the runner reads the
 * gradients from the tensors that were actually used.
 */
function load(c: GoldenCase, model: Rnn | Gru | Lstm): void {
  model.loadStateDict(c.params);
  for (const [name, p] of model.namedParameters()) c.params.set(name, p);
}

function optional(c: GoldenCase, name: string): Record<string, Tensor> {
  return c.hasInput(name) ? { [name]: c.input(name) } : {};
}

function lengths(c: GoldenCase): number[] | undefined {
  return Array.isArray(c.config.lengths) ? (c.config.lengths as number[]) : undefined;
}

/** torch.nn.RNN, GRU and LSTM (batch_first), with h0/c0 and packed lengths when the case has them. */
export const recurrentHandlers: Record<string, Handler> = {
  rnn: (c): Outputs => {
    const nonlinearity = (c.config.nonlinearity ?? 'tanh') as 'tanh' | 'relu';
    const model = new Rnn({ ...sizes(c), nonlinearity }, new Rng(0));
    load(c, model);
    const { output, hN } = model.forward(c.input('x'), { ...optional(c, 'h0'), lengths: lengths(c) });
    return { output, h_n: hN };
  },
  gru: (c): Outputs => {
    const model = new Gru(sizes(c), new Rng(0));
    load(c, model);
    const { output, hN } = model.forward(c.input('x'), { ...optional(c, 'h0'), lengths: lengths(c) });
    return { output, h_n: hN };
  },
  lstm: (c): Outputs => {
    const model = new Lstm(sizes(c), new Rng(0));
    load(c, model);
    const { output, hN, cN } = model.forward(c.input('x'),
      { ...optional(c, 'h0'), ...optional(c, 'c0'), lengths: lengths(c) });
    return { output, h_n: hN, c_n: cN };
  },
};
