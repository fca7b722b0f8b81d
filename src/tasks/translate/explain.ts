/**
 * `explain` for translation models: the input is translated greedily, then the model reads the
 * source and its own translation once more, teacher-forced, under a trace. That one pass holds
 * everything the decoding used (the same numbers, step by step): the bidirectional encoder's
 * forward and backward states and gates, the decoder cells' states per target step, the RNN
 * attention per target step, and the Transformer's self- and cross-attention in every layer.
 */
import { Seq2SeqPredictor } from '../../decode/seq2seq-predictor.js';
import { translateBatch } from '../../decode/translate.js';
import { SeqlabError } from '../../errors.js';
import { collectAttention, collectRecurrent, type TokensOf } from '../../inspect/collect.js';
import type { Explanation } from '../../inspect/explanation.js';
import { withTrace } from '../../inspect/trace.js';
import type { Seq2Seq } from '../../models/seq2seq.js';
import { noGrad } from '../../tensor/autograd.js';
import { sourceBatch } from './batches.js';
import type { TranslatorContext } from './translator.js';

/** The most source tokens explained: diagrams of longer sentences stop being readable. */
export const EXPLAIN_MAX_SOURCE = 100;

/**
 * Which tokens a module's positions stand for: the encoder reads the source; the decoder reads
 * <bos> + translation (its cells and self-attention), and each cross-attention row predicts the
 * next token (translation + <eos>) from the source (keys).
 */
function positions(source: string[], decoderIn: string[], decoderOut: string[]): TokensOf {
  return (module, role) => {
    if (/^encoder\b|\.encoder\b|src/.test(module)) return source;
    if (role === 'key') return /self_attn$/.test(module) ? decoderIn : source;
    if (role === 'query') return /self_attn$/.test(module) ? decoderIn : decoderOut;
    return decoderIn;
  };
}

/** The Explanation of translating `input` (one sentence); see the file comment. */
export function explainTranslation(net: Seq2Seq, ctx: TranslatorContext, config: Record<string, unknown>, input: string): Explanation {
  const { pad, bos, eos } = ctx.special;
  const ids = ctx.source.encode(input.trim());
  if (ids.length === 0) throw new SeqlabError('explain: the input has no tokens');
  if (ids.length > EXPLAIN_MAX_SOURCE) throw new SeqlabError(`explain: the input has ${ids.length} tokens; at most ${EXPLAIN_MAX_SOURCE} are explained`);
  const src = sourceBatch([ids], pad);
  const banned = [pad, bos, ...ctx.target.vocab.specialIds.filter((id) => id !== eos && id !== 0)];
  const [best] = translateBatch(new Seq2SeqPredictor(net, bos), src, { eos, banned }, { beam: 1, nbest: 1 })[0];
  const out = best.tokens.filter((id) => id !== eos);
  const targetIn = [bos, ...out];
  const tgt = { ids: Int32Array.from(targetIn), batch: 1, time: targetIn.length, lengths: [targetIn.length] };
  net.eval();
  const { trace } = withTrace(net, () => noGrad(() => net.forward(src, tgt)));
  const source = ids.map((id) => ctx.source.token(id));
  const target = out.map((id) => ctx.target.token(id));
  const tokensOf = positions(source, targetIn.map((id) => ctx.target.token(id)), [...target, ctx.target.token(eos)]);
  return {
    task: 'translate',
    arch: String(config.arch),
    input,
    tokens: source,
    target,
    recurrent: collectRecurrent(trace, tokensOf),
    attention: collectAttention(trace, tokensOf),
    config,
    prediction: { label: 'translation', items: [{ text: ctx.target.decode(out), prob: Math.exp(best.logp) }] },
  };
}
