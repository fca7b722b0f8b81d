/**
 * The language-model task: next-token models of text (char, word or BPE tokens) and the
 * Kneser-Ney baseline. Evaluation reports loss, perplexity, bits per character and keyboard
 * figures; a loaded model generates text and suggests words.
 */
import { sampleTokens } from '../../decode/generate.js';
import { LmPredictor } from '../../decode/lm-predictor.js';
import { NgramPredictor } from '../../decode/ngram-predictor.js';
import type { Predictor } from '../../decode/predictor.js';
import { ConfigError } from '../../config/resolve.js';
import { SeqlabError } from '../../errors.js';
import type { StoredConfig } from '../../store/checkpoint.js';
import type { CheckpointStore, DataSource } from '../../store/store.js';
import { Rng } from '../../tensor/random.js';
import type { Explanation } from '../../inspect/explanation.js';
import type { EvalRequest, GenerateRequest, LoadedModel, Suggestion, Task } from '../task.js';
import { explainLm } from './explain.js';
import { lmLoss, ngramLoss } from './loss.js';
import { LM_PRESETS } from './presets.js';
import { LM_TASK_ARCHS, type LoadedLmParts, loadLmParts, setupLm } from './setup.js';
import { suggestWords } from './suggest.js';
import { wordMetrics } from './word-metrics.js';

/** Evaluation settings: how many test words to score as a keyboard would (0: none). */
const defaultEvalWords = 200;

class LoadedLm implements LoadedModel {
  readonly predictor: Predictor;

  constructor(readonly parts: LoadedLmParts) {
    this.predictor = parts.neural ? new LmPredictor(parts.neural) : new NgramPredictor(parts.ngram!);
  }

  get config(): StoredConfig {
    return this.parts.config as unknown as StoredConfig;
  }

  evaluate(request: EvalRequest, source: DataSource): Record<string, number> {
    const path = request.test?.[0];
    if (!path || request.test!.length !== 1) throw new ConfigError('eval', 'test', `lm takes one text file, got ${request.test?.length ?? 0}`);
    const words = request.settings.words ?? defaultEvalWords;
    if (!(typeof words === 'number' && Number.isInteger(words) && words >= 0)) {
      throw new ConfigError('eval', 'words', `must be a whole number >= 0, got ${JSON.stringify(words)}`);
    }
    const { tokenizer, neural, ngram, config } = this.parts;
    const text = source.readText(path, 'test file');
    const ids = Int32Array.from(tokenizer.encode(text));
    if (ids.length < 2) throw new SeqlabError(`${path}: too little text to evaluate`);
    const { loss, tokens } = neural ? lmLoss(neural, ids, 32) : ngramLoss(ngram!, ids);
    const result: Record<string, number> = { loss, perplexity: Math.exp(loss), tokens };
    if (config.tokenizer.kind === 'char') result.bits_per_char = loss / Math.LN2;
    if (words > 0) {
      const w = wordMetrics(this.predictor, tokenizer, text, { maxWords: words });
      Object.assign(result, { top1_accuracy: w.top1, top3_accuracy: w.top3, keystroke_savings: w.keystrokeSavings, words: w.words });
    }
    return result;
  }

  generate(request: GenerateRequest, emit: (text: string) => void): void {
    const { tokenizer } = this.parts;
    const context = tokenizer.encode(request.prompt);
    sampleTokens(this.predictor, context, request.length, request.sampling, new Rng(request.seed),
      (token) => emit(tokenizer.decode([token])), tokenizer.vocab.specialIds);
  }

  suggest(text: string, k: number): Suggestion[] {
    return suggestWords(this.predictor, this.parts.tokenizer, text, { k });
  }

  explain(input: string): Explanation {
    return explainLm(this.parts, input);
  }
}

export const lmTask: Task = {
  name: 'lm',
  summary: 'language models of text, for keyboard suggestions and generation',
  archs: LM_TASK_ARCHS,
  defaultArch: 'lstm',
  presets: LM_PRESETS,
  defaultPreset: 'small',
  tokenizers: ['char', 'word', 'bpe'],
  defaultTokenizer: 'char',
  trainPaths: [1, 1],
  testPaths: [1, 1],
  capabilities: ['generate', 'suggest', 'explain'],
  setup: setupLm,
  load: (config: StoredConfig, store: CheckpointStore) => new LoadedLm(loadLmParts(config, store)),
};
