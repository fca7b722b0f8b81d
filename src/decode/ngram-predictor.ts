import type { KneserNey } from '../models/ngram.js';
import type { Predictor } from './predictor.js';

/** Predictions from the Kneser-Ney baseline; its state is just the last order − 1 tokens. */
export class NgramPredictor implements Predictor<number[]> {
  constructor(readonly model: KneserNey) {}

  get vocabSize(): number {
    return this.model.vocabSize;
  }

  start(context: readonly number[]): number[] {
    return context.slice(-(this.model.config.order - 1 || 1));
  }

  logProbs(state: number[]): Float64Array {
    return this.model.distribution(state).map(Math.log);
  }

  advance(states: readonly number[][], tokens: readonly number[]): number[][] {
    return states.map((s, i) => this.start([...s, tokens[i]]));
  }

  step(state: number[], token: number): number[] {
    return this.start([...state, token]);
  }
}
