/**
 * `explain` for language models: one forward pass over the input under a trace, turned into an
 * Explanation: the tokens, every recurrent layer's states and gates per step (rnn, gru, lstm),
 * every self-attention layer's heads (transformer), and the k most likely next tokens.
 */
import { logSoftmax64 } from '../../decode/predictor.js';
import { SeqlabError } from '../../errors.js';
import { collectAttention, collectRecurrent } from '../../inspect/collect.js';
import type { Explanation } from '../../inspect/explanation.js';
import { withTrace } from '../../inspect/trace.js';
import { noGrad } from '../../tensor/autograd.js';
import type { LoadedLmParts } from './setup.js';

/** The most input tokens explained (the last ones): diagrams of longer inputs stop being readable. */
export const EXPLAIN_MAX_TOKENS = 128;

/** Next tokens listed in the prediction. */
const TOP_K = 5;

/** The Explanation of `input` for a loaded language model; see the file comment. */
export function explainLm(parts: LoadedLmParts, input: string): Explanation {
  const { neural: model, tokenizer, config } = parts;
  if (!model) throw new SeqlabError(`explain: the ${config.arch} model has no internals to trace (only neural models do)`);
  const all = tokenizer.encode(input);
  if (all.length === 0) throw new SeqlabError('explain: the input has no tokens');
  const ids = all.slice(-Math.min(EXPLAIN_MAX_TOKENS, model.contextLimit));
  const tokens = ids.map((id) => tokenizer.token(id));
  model.eval();
  const { result: logits, trace } = withTrace(model, () => noGrad(() => model.forward(ids, 1, ids.length).logits)); // [1, T, V]
  const v = logits.shape[2];
  const logp = logSoftmax64(logits.data.subarray((ids.length - 1) * v, ids.length * v));
  const order = [...logp.keys()].filter((id) => !tokenizer.vocab.isSpecial(id)).sort((a, b) => logp[b] - logp[a] || a - b);
  const tokensOf = (): string[] => tokens;
  return {
    task: 'lm',
    arch: config.arch,
    input,
    tokens,
    recurrent: collectRecurrent(trace, tokensOf),
    attention: collectAttention(trace, tokensOf),
    config: config as unknown as Record<string, unknown>,
    prediction: { label: 'next token', items: order.slice(0, TOP_K).map((id) => ({ text: tokenizer.token(id), prob: Math.exp(logp[id]) })) },
  };
}
