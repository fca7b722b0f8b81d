import type { Seq2Seq, SourceBatch } from '../models/seq2seq.js';
import { noGrad } from '../tensor/autograd.js';
import { logSoftmax64, type Stepper } from './predictor.js';

/** A batch's encoding and decoder state, shared by the hypotheses that are its rows. */
interface Shared {
  encoding: unknown;
  state: unknown;
}

/** One hypothesis: a row of a shared batch, the next-token logits, and its attention over the source. */
export interface Seq2SeqState {
  shared: Shared;
  row: number;
  logits: Float32Array;
  /** Attention weights over the source for the token these logits follow [S], when the model has it. */
  attention: Float32Array | null;
}

/**
 * Predictions from a `Seq2Seq` model for decoding. `startBatch` encodes a batch of sources once
 * and feeds <bos>; every later `advance` gathers the rows its hypotheses came from (beams reuse
 * the encoding; the transformer's key/value caches come along) and runs one decoder step for
 * all of them, whichever sentence they belong to.
 */
export class Seq2SeqPredictor implements Stepper<Seq2SeqState> {
  constructor(readonly model: Seq2Seq, readonly bos: number) {
    model.eval();
  }

  get vocabSize(): number {
    return this.model.targetVocab;
  }

  /** The states after <bos> for every sentence of `src`, one per row. */
  startBatch(src: SourceBatch): Seq2SeqState[] {
    return noGrad(() => {
      const encoding = this.model.encode(src);
      const state = this.model.start(encoding);
      return this.run({ encoding, state }, Array.from({ length: src.batch }, () => this.bos));
    });
  }

  logProbs(state: Seq2SeqState): Float64Array {
    return logSoftmax64(state.logits);
  }

  advance(states: readonly Seq2SeqState[], tokens: readonly number[]): Seq2SeqState[] {
    const shared = states[0].shared;
    if (states.some((s) => s.shared !== shared)) throw new Error('internal error: hypotheses of different batches advance together');
    return noGrad(() => {
      const rows = states.map((s) => s.row);
      const encoding = this.model.selectRows(shared.encoding, rows);
      const state = this.model.selectState(shared.state, rows);
      return this.run({ encoding, state }, tokens);
    });
  }

  step(state: Seq2SeqState, token: number): Seq2SeqState {
    return this.advance([state], [token])[0];
  }

  /** One decoder step for every row of `shared`. */
  private run(shared: Shared, tokens: readonly number[]): Seq2SeqState[] {
    const { logits, state } = this.model.step(shared.encoding, shared.state, tokens);
    const next: Shared = { encoding: shared.encoding, state };
    const v = logits.shape[logits.rank - 1];
    const attn = this.model.lastAttention(state);
    const s = attn ? attn.shape[attn.rank - 1] : 0;
    return tokens.map((_, i) => ({
      shared: next, row: i, logits: logits.data.slice(i * v, (i + 1) * v),
      attention: attn ? attn.data.slice(i * s, (i + 1) * s) : null,
    }));
  }
}
