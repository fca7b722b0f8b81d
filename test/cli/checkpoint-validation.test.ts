/**
 * A checkpoint folder is input: config.json, vocab.json and model.safetensors are checked before
 * the model is built, and each problem is exit 2 with one line naming the file and the key at
 * fault, no stack. Each test corrupts a copy of a bundled checkpoint in one way.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SIZE } from '../../src/config/limits.js';
import { parseSafetensors, serializeSafetensors } from '../../src/train/safetensors.js';
import { expectUsageError, root, type Run, seqlab, tempDir } from './helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A copy of bundled model `name`, with `edit` applied to the parsed `file` (config.json by default). */
function corrupted(name: string, edit: (json: Json) => void, file = 'config.json'): string {
  const dir = join(tempDir(), name);
  cpSync(join(root, 'models', name), dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
  edit(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
  return dir;
}

/** A copy of bundled model `name` whose model.safetensors has had its tensors changed by `edit`. */
function withWeights(name: string, edit: (tensors: Map<string, { shape: readonly number[]; data: Float32Array }>) => void): string {
  const dir = join(tempDir(), name);
  cpSync(join(root, 'models', name), dir, { recursive: true });
  const path = join(dir, 'model.safetensors');
  const { tensors, metadata } = parseSafetensors(new Uint8Array(readFileSync(path)));
  edit(tensors);
  writeFileSync(path, serializeSafetensors(tensors, metadata));
  return dir;
}

const suggest = (dir: string): Run => seqlab('suggest', dir, '--text', 'to be');
const annotate = (dir: string): Run => seqlab('annotate', dir, '--input', join(root, 'test/fixtures/bio/splice-sample.csv'));
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The contract, and the line names `file` in `dir` and matches `problem`. */
function expectNamed(r: Run, dir: string, file: string, problem: RegExp): void {
  expectUsageError(r, new RegExp(`${esc(join(dir, file))}: ${problem.source}`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('config.json is checked before anything is allocated', () => {
  it('a size past the limit (hiddenSize 2000000000) names config.json and the key', () => {
    const dir = corrupted('shakespeare-char-gru', (c) => { c.model.hiddenSize = 2000000000; });
    expectNamed(suggest(dir), dir, 'config.json', new RegExp(`model\\.hiddenSize: 2000000000 is past the limit of ${MAX_SIZE}`));
  });

  it('sizes within each limit that together make too many parameters name the largest part', () => {
    const dir = corrupted('shakespeare-char-lstm', (c) => { c.model.hiddenSize = 100000; });
    expectNamed(suggest(dir), dir, 'config.json', /model\.hiddenSize: makes a model of about [\d,]+ parameters, past the limit of 268,435,456/);
    const translate = corrupted('multi30k-de-en-transformer', (c) => { c.model.dimFeedforward = 1000000; });
    expectNamed(seqlab('translate', translate), translate, 'config.json', /model\.dimFeedforward: makes a model of about/);
    const bio = corrupted('splice-sites', (c) => { c.model.channels = 500000; });
    expectNamed(annotate(bio), bio, 'config.json', /model\.channels: makes a model of about/);
  });

  it('unknown keys, at the top and inside a section', () => {
    const top = corrupted('shakespeare-char-gru', (c) => { c.hidden_size = 12; });
    expectNamed(suggest(top), top, 'config.json', /"hidden_size": unknown key \(expected one of/);
    const inner = corrupted('shakespeare-char-gru', (c) => { c.model.hiddenSise = 12; });
    expectNamed(suggest(inner), inner, 'config.json', /model\.hiddenSise: unknown key/);
    const bio = corrupted('splice-sites', (c) => { c.bio.windw = 12; });
    expectNamed(annotate(bio), bio, 'config.json', /bio\.windw: unknown key/);
    const train = corrupted('shakespeare-char-gru', (c) => { c.train.bogus = 1; });
    expectNamed(suggest(train), train, 'config.json', /train\.bogus: unknown key/);
  });

  it('wrong types, negative and non-integer sizes', () => {
    const cases: [string, (c: Json) => void, RegExp][] = [
      ['shakespeare-char-gru', (c) => { c.model.hiddenSize = '256'; }, /model\.hiddenSize: must be a number, got "256"/],
      ['shakespeare-char-gru', (c) => { c.model.numLayers = -1; }, /model\.numLayers: must be a whole number >= 1, got -1/],
      ['shakespeare-char-gru', (c) => { c.model.embedDim = 6.5; }, /model\.embedDim: must be a whole number >= 1, got 6\.5/],
      ['shakespeare-char-gru', (c) => { c.model = [1, 2]; }, /"model" must be an object/],
      ['shakespeare-char-gru', (c) => { c.tokenizer.vocab = 'abc'; }, /tokenizer\.vocab: must be a list of token strings, got "abc"/],
      ['shakespeare-char-gru', (c) => { c.model.vocabSize = 70; }, /model\.vocabSize: 70, but the tokenizer has 69 tokens/],
      ['shakespeare-char-gru', (c) => { c.model.arch = 'lstm'; }, /model\.arch: "lstm" differs from "arch" "gru"/],
      ['shakespeare-char-gru', (c) => { c.tokenizer.vocab[0] = 'ж'; }, /tokenizer\.vocab: the first token must be <unk>, got "ж"/],
    ];
    for (const [name, edit, problem] of cases) {
      const dir = corrupted(name, edit);
      expectNamed(suggest(dir), dir, 'config.json', problem);
    }
  });

  it('a biology model: classes, settings and the model\'s data-given keys must agree', () => {
    const cases: [(c: Json) => void, RegExp][] = [
      [(c) => { c.classes = ['EI', 'IE']; }, /model\.classes: 3 disagrees with the rest of config\.json, which gives 2/],
      [(c) => { c.bio.window = 'big'; }, /bio\.window: must be a number, got "big"/],
      [(c) => { c.alphabet = 'rna'; }, /"alphabet": unknown alphabet "rna"/],
      [(c) => { c.model.kernel = -3; }, /model\.kernel: must be a whole number >= 1, got -3/],
      [(c) => { c.weights = [1, 2]; }, /"weights": must be null or one number >= 0 per class \(3\)/],
    ];
    for (const [edit, problem] of cases) {
      const dir = corrupted('splice-sites', edit);
      expectNamed(annotate(dir), dir, 'config.json', problem);
    }
  });

  it('a translation model: sizes, reserved tokens and vocabulary sizes, before stdin is read', () => {
    const big = corrupted('multi30k-de-en-rnn-attention', (c) => { c.model.embedDim = 2000000000; });
    expectNamed(seqlab('translate', big), big, 'config.json', /model\.embedDim: 2000000000 is past the limit/);
    const pad = corrupted('multi30k-de-en-rnn-attention', (c) => { c.source.vocab[1] = '<padding>'; });
    expectNamed(seqlab('translate', pad), pad, 'config.json', /source\.vocab: has no <pad> token/);
    const size = corrupted('multi30k-de-en-rnn-attention', (c) => { c.model.targetVocab += 1; });
    expectNamed(seqlab('translate', size), size, 'config.json', /model\.targetVocab: \d+, but the target tokenizer has \d+ tokens/);
  });
});

describe('model.safetensors must hold exactly the tensors the config describes', () => {
  it('mismatched shapes: a valid config for another width', () => {
    const dir = corrupted('shakespeare-char-gru', (c) => { c.model.hiddenSize = 128; });
    expectNamed(suggest(dir), dir, 'model.safetensors', /parameter '[\w.]+' has shape \[\d+(, \d+)*\], the model expects \[\d+(, \d+)*\]/);
  });

  it('a missing tensor, and an extra one', () => {
    const missing = withWeights('shakespeare-char-gru', (t) => { t.delete('head.bias'); });
    expectNamed(suggest(missing), missing, 'model.safetensors', /parameter 'head\.bias' is missing/);
    const extra = withWeights('splice-sites', (t) => { t.set('extra.weight', { shape: [2], data: new Float32Array(2) }); });
    expectNamed(annotate(extra), extra, 'model.safetensors', /unexpected parameter 'extra\.weight'/);
  });

  it('a file cut short', () => {
    const dir = join(tempDir(), 'cut');
    cpSync(join(root, 'models/shakespeare-char-gru'), dir, { recursive: true });
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, 1000));
    expectNamed(suggest(dir), dir, 'model.safetensors', /tensor '[\w.]+': data_offsets \[\d+, \d+\] are out of range/);
  });
});

describe('vocab.json must agree with the model', () => {
  const vocab = (edit: (v: Json) => void): string => corrupted('shakespeare-char-gru', edit, 'vocab.json');
  it('wrong types, duplicate tokens, missing specials and a size that is not the model\'s', () => {
    const cases: [string, RegExp][] = [
      [vocab((v) => { v.vocab = 'abc'; }), /vocab: must be a list of token strings, got "abc"/],
      [vocab((v) => { v.vocab[7] = v.vocab[5]; }), /vocab\[7\]: duplicate token " " \(first at vocab\[5\]\)/],
      [vocab((v) => { v.vocab.shift(); }), /vocab: the first token must be <unk>, got "<pad>"/],
      [vocab((v) => { v.vocab.push('ж'); }), /vocab: 70 tokens, but the model's vocabulary has 69 \(config\.json model\.vocabSize\)/],
      [vocab((v) => { v.vocab[20] = 'ж'; }), /vocab\[20\]: "ж", but config\.json has "D"/],
      [vocab((v) => { v.kind = 'bpe'; }), /kind: 'bpe', but config\.json has 'char'/],
      [vocab((v) => { v.extra = 1; }), /extra: unknown key/],
    ];
    for (const [dir, problem] of cases) expectNamed(suggest(dir), dir, 'vocab.json', problem);
  });

  it('a translation vocab.json names its side', () => {
    const dir = corrupted('multi30k-de-en-rnn-attention', (v) => { v.target.vocab.push('ж'); }, 'vocab.json');
    expectNamed(seqlab('translate', dir), dir, 'vocab.json', /target\.vocab: \d+ tokens, but the model's vocabulary has \d+ \(config\.json model\.targetVocab\)/);
  });
});
