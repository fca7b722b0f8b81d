import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { expectUsageError, fixture, root, seqlab, tempDir } from './helpers.js';

const corpus = fixture('shakespeare-20k.txt');

describe('seqlab train/eval/generate/suggest on tiny data', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tempDir(), 'lstm');
    const r = seqlab('train', 'lm', '--train', corpus, '--out', dir, '--preset', 'tiny', '--steps', '40', '--eval-every', '20', '--json');
    expect(r.code, r.stderr).toBe(0);
  });

  it('train writes the checkpoint folder and one metrics line per evaluation', () => {
    for (const f of ['config.json', 'model.safetensors', 'last.safetensors', 'optimizer.safetensors', 'metrics.jsonl', 'vocab.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([20, 40]);
    expect(lines[1].loss).toBeLessThan(lines[0].loss + 0.5);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.task).toBe('lm');
    expect(config.tokenizer.kind).toBe('char');
    expect(config.model.arch).toBe('lstm');
  });

  it('train --json prints exactly one JSON object', () => {
    const out = join(tempDir(), 'x');
    const r = seqlab('train', 'lm', '--train', corpus, '--out', out, '--preset', 'tiny', '--steps', '2', '--eval-every', '1', '--json');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.steps).toBe(2);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('eval reports loss, perplexity, bits per char, next-word accuracy and keystroke savings', () => {
    const r = seqlab('eval', dir, '--test', corpus, '--words', '10', '--json');
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.perplexity).toBeCloseTo(Math.exp(m.loss), 6);
    expect(m.bits_per_char).toBeCloseTo(m.loss / Math.LN2, 6);
    for (const k of ['top1_accuracy', 'top3_accuracy', 'keystroke_savings']) {
      expect(m[k]).toBeGreaterThanOrEqual(0);
      expect(m[k]).toBeLessThanOrEqual(1);
    }
  });

  it('generate continues the prompt, reproducibly for a seed', () => {
    const a = seqlab('generate', dir, '--prompt', 'ROMEO:', '--length', '30', '--seed', '5');
    const b = seqlab('generate', dir, '--prompt', 'ROMEO:', '--length', '30', '--seed', '5');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.startsWith('ROMEO:')).toBe(true);
    expect(Array.from(a.stdout.trimEnd()).length).toBeGreaterThanOrEqual(6 + 20);
  });

  it('suggest returns k words with probabilities and the time taken', () => {
    const r = seqlab('suggest', dir, '--text', 'to be or not to ', '-k', '4', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.suggestions).toHaveLength(4);
    expect(typeof out.ms).toBe('number');
    const probs = out.suggestions.map((s: { prob: number }) => s.prob);
    expect([...probs].sort((x, y) => y - x)).toEqual(probs);
  });

  it('suggest completes a partly typed word', () => {
    const r = seqlab('suggest', dir, '--text', 'What is th', '--json');
    const out = JSON.parse(r.stdout);
    expect(out.suggestions.length).toBeGreaterThan(0);
    for (const s of out.suggestions) expect(s.word.startsWith('th')).toBe(true);
  });
});

describe('bad input', () => {
  it('a missing training file', () => {
    expectUsageError(seqlab('train', 'lm', '--train', '/no/such/file.txt', '--out', join(tempDir(), 'm'), '--steps', '1'), /\/no\/such\/file\.txt/);
  });
  it('a bad flag value and an unknown flag', () => {
    expectUsageError(seqlab('train', 'lm', '--train', corpus, '--out', join(tempDir(), 'm'), '--steps', 'x'), /--steps/);
    expectUsageError(seqlab('train', 'lm', '--train', corpus, '--out', join(tempDir(), 'm'), '--stepz', '3'), /--stepz/);
    expectUsageError(seqlab('train', 'lm', '--train', corpus, '--out', join(tempDir(), 'm'), '--model', 'cnn', '--steps', '1'), /--model/);
  });
  it('an empty corpus, leaving nothing behind', () => {
    const d = tempDir();
    writeFileSync(join(d, 'empty.txt'), '');
    expectUsageError(seqlab('train', 'lm', '--train', join(d, 'empty.txt'), '--out', join(d, 'm'), '--steps', '1'), /empty/);
    expect(existsSync(join(d, 'm'))).toBe(false);
  });
  it('non-UTF-8 bytes, naming the file and line', () => {
    const d = tempDir();
    writeFileSync(join(d, 'bad.txt'), Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x63]));
    expectUsageError(seqlab('train', 'lm', '--train', join(d, 'bad.txt'), '--out', join(d, 'm'), '--steps', '1'), /bad\.txt:2: not valid UTF-8/);
  });
  it('a checkpoint from another task', () => {
    const d = tempDir();
    writeFileSync(join(d, 'config.json'), JSON.stringify({ seqlab: '0.1.0', task: 'translate' }));
    expectUsageError(seqlab('suggest', d, '--text', 'hello'), /'translate' checkpoint/);
  });
  it('a folder that is not a checkpoint', () => {
    expectUsageError(seqlab('generate', tempDir(), '--prompt', 'a'), /config\.json: missing/);
  });
});

describe('training that diverges', () => {
  it('stops with a clear message when the loss stops being a number', () => {
    const r = seqlab('train', 'lm', '--train', corpus, '--out', join(tempDir(), 'nan'), '--preset', 'tiny', '--steps', '50', '--lr', '1e9');
    expectUsageError(r, /the loss became (NaN|Infinity|-Infinity) at step \d+/);
  });
});

describe('the bundled demo model', () => {
  it('suggests right after install', () => {
    const r = seqlab('suggest', join(fixture('..'), '..', 'models', 'shakespeare-char-lstm'), '--text', 'to be or not to', '--json');
    expect(r.code, r.stderr).toBe(0);
    const words = JSON.parse(r.stdout).suggestions.map((s: { word: string }) => s.word);
    expect(words[0]).toBe('to');
  });
});

describe('the command line itself', () => {
  it('no command is one error line and exit 2', () => {
    expectUsageError(seqlab(), /no command given/);
  });

  it('generate stops as soon as its reader has gone (`| head`), exit 0', async () => {
    // 100 million tokens would run for hours: only stopping when stdout closes can end it.
    const bundled = join(root, 'models', 'shakespeare-char-lstm');
    const child = spawn(process.execPath, [join(root, 'bin/seqlab.js'), 'generate', bundled, '--prompt', 'ROMEO:', '--length', '100000000'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const first = await new Promise<string>((done) => child.stdout.once('data', (b: Buffer) => done(b.toString('utf8'))));
    expect(first.startsWith('ROMEO:')).toBe(true);
    child.stdout.destroy(); // as `head` does once it has its lines
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 60_000);
});

describe('resume', () => {
  it('20 steps, then 20 more with --resume, equals 40 steps in one go', () => {
    const d = tempDir();
    const args = ['train', 'lm', '--train', corpus, '--preset', 'tiny', '--eval-every', '20', '--seed', '3', '--set', 'dropout=0.1'];
    expect(seqlab(...args, '--out', join(d, 'once'), '--steps', '40').code).toBe(0);
    expect(seqlab(...args, '--out', join(d, 'twice'), '--steps', '20').code).toBe(0);
    const r = seqlab(...args, '--out', join(d, 'twice'), '--steps', '40', '--resume');
    expect(r.code, r.stderr).toBe(0);
    const a = readFileSync(join(d, 'once', 'last.safetensors'));
    const b = readFileSync(join(d, 'twice', 'last.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
  });
});

describe('the n-gram baseline', () => {
  it('counts, evaluates and suggests', () => {
    const d = join(tempDir(), 'ng');
    const t = seqlab('train', 'lm', '--train', corpus, '--out', d, '--model', 'ngram', '--tokenizer', 'word', '--set', 'minCount=1', '--json');
    expect(t.code, t.stderr).toBe(0);
    const s = seqlab('suggest', d, '--text', 'I am ', '--json');
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).suggestions).toHaveLength(3);
    const e = seqlab('eval', d, '--test', corpus, '--words', '20', '--json');
    expect(JSON.parse(e.stdout).top3_accuracy).toBeGreaterThan(0);
  });
});

describe('seqlab bench', () => {
  it('--json prints one object with a rate per workload', () => {
    const r = seqlab('bench', '--workloads', 'D_lstm_generate', '--repeats', '1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.results).toHaveLength(1);
    expect(out.results[0]).toMatchObject({ workload: 'D_lstm_generate', system: 'seqlab', threads: 1 });
    expect(out.results[0].chars_per_s).toBeGreaterThan(0);
  });
  it('--threads 2 runs the pool and reports it', () => {
    const r = seqlab('bench', '--workloads', 'D_lstm_generate', '--repeats', '1', '--threads', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results[0].threads).toBe(2);
  });
  it('measures the DNA classifier workload in bases per second', () => {
    const r = seqlab('bench', '--workloads', 'F_cnn_bilstm_dna_train', '--repeats', '1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const [result] = JSON.parse(r.stdout).results;
    expect(result).toMatchObject({ workload: 'F_cnn_bilstm_dna_train', system: 'seqlab', threads: 1 });
    expect(result.bases_per_s).toBeGreaterThan(0);
    expect(result).not.toHaveProperty('tokens_per_s');
  });
  it('rejects an unknown workload', () => {
    expectUsageError(seqlab('bench', '--workloads', 'Z'), /unknown workload 'Z'/);
  });
});

describe('generate streams', () => {
  it('prints text as it is sampled: a generation of 100 million characters shows its first thousand within seconds', async () => {
    const child = spawn(process.execPath, [join(root, 'bin/seqlab.js'), 'generate', join(root, 'models', 'shakespeare-char-lstm'),
      '--prompt', 'ROMEO:', '--length', '100000000', '--seed', '1']);
    let out = '';
    const enough = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.length >= 1000) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code} after ${out.length} characters`)));
    });
    try {
      await enough;
    } finally {
      child.kill();
    }
    expect(out.startsWith('ROMEO:')).toBe(true);
  }, 30_000);
});
