import type { Command } from 'commander';
import { Rng } from '../../tensor/random.js';
import { generateText } from '../../tasks/lm/generate.js';
import { lmLoss, ngramLoss } from '../../tasks/lm/lm-task.js';
import { suggestWords } from '../../tasks/lm/suggest.js';
import { wordMetrics } from '../../tasks/lm/word-metrics.js';
import { readText } from '../files.js';
import { loadLmDir } from '../load-lm.js';
import { numberFlag, printJson, UsageError } from '../run.js';

export function registerEval(program: Command): void {
  program.command('eval')
    .description('evaluate a checkpoint on test data (lm: loss, perplexity, bits per char, next-word accuracy, keystroke savings)')
    .argument('<dir>', 'checkpoint folder')
    .requiredOption('--test <paths...>', 'test data: a UTF-8 text file (lm)')
    .option('--words <n>', 'lm: words sampled for next-word accuracy and keystroke savings', '200')
    .option('--json', 'print one JSON object on stdout')
    .action((dir: string, flags: { test: string[]; words: string; json?: boolean }) => {
      if (flags.test.length !== 1) throw new UsageError(`--test: lm takes one text file, got ${flags.test.length}`);
      const lm = loadLmDir(dir, 'eval');
      const text = readText(flags.test[0], '--test file');
      const ids = Int32Array.from(lm.tokenizer.encode(text));
      if (ids.length < 2) throw new UsageError(`--test: ${flags.test[0]} has too little text to evaluate`);
      const { loss, tokens } = lm.neural ? lmLoss(lm.neural, ids, 32) : ngramLoss(lm.ngram!, ids);
      const words = numberFlag('--words', flags.words, { integer: true, min: 0 }) ?? 200;
      const w = words > 0 ? wordMetrics(lm.predictor, lm.tokenizer, text, { maxWords: words }) : null;
      const result: Record<string, number> = { loss, perplexity: Math.exp(loss), tokens };
      if (lm.config.tokenizer.kind === 'char') result.bits_per_char = loss / Math.LN2;
      if (w) Object.assign(result, { top1_accuracy: w.top1, top3_accuracy: w.top3, keystroke_savings: w.keystrokeSavings, words: w.words });
      if (flags.json) printJson(result);
      else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k}\t${Number.isInteger(v) ? v : v.toFixed(4)}\n`);
    });
}

export function registerGenerate(program: Command): void {
  program.command('generate')
    .description('continue a prompt with a language model')
    .argument('<dir>', 'checkpoint folder')
    .requiredOption('--prompt <text>', 'text that primes the model')
    .option('--length <n>', 'tokens to generate', '200')
    .option('--temperature <t>', 'sampling temperature; 0 = greedy', '1')
    .option('--top-k <k>', 'sample among the k most likely tokens (0 = all)', '0')
    .option('--top-p <p>', 'sample from the smallest set with this much probability (1 = all)', '1')
    .option('--seed <s>', 'random seed', '1')
    .action((dir: string, flags: { prompt: string; length: string; temperature: string; topK: string; topP: string; seed: string }) => {
      const length = numberFlag('--length', flags.length, { integer: true, min: 0 })!;
      const sampling = {
        temperature: numberFlag('--temperature', flags.temperature, { min: 0 })!,
        topK: numberFlag('--top-k', flags.topK, { integer: true, min: 0 })!,
        topP: numberFlag('--top-p', flags.topP, { min: Number.MIN_VALUE, max: 1 })!,
      };
      const seed = numberFlag('--seed', flags.seed, { integer: true, min: 0 })!;
      const lm = loadLmDir(dir, 'generate');
      const text = generateText(lm.predictor, lm.tokenizer, flags.prompt, length, sampling, new Rng(seed));
      process.stdout.write(`${flags.prompt}${text}\n`);
    });
}

export function registerSuggest(program: Command): void {
  program.command('suggest')
    .description('next-word suggestions as a phone keyboard shows them; completes a partly typed word')
    .argument('<dir>', 'checkpoint folder')
    .requiredOption('--text <text>', 'the text typed so far')
    .option('-k <n>', 'how many suggestions', '3')
    .option('--json', 'print {"suggestions":[{"word","prob"}...],"ms"} on stdout')
    .action((dir: string, flags: { text: string; k: string; json?: boolean }) => {
      const k = numberFlag('-k', flags.k, { integer: true, min: 1 })!;
      const lm = loadLmDir(dir, 'suggest');
      const t0 = performance.now();
      const suggestions = suggestWords(lm.predictor, lm.tokenizer, flags.text, { k });
      const ms = performance.now() - t0;
      if (flags.json) printJson({ suggestions, ms: Number(ms.toFixed(3)) });
      else for (const s of suggestions) process.stdout.write(`${s.word}\t${s.prob.toFixed(4)}\n`);
    });
}
