import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors } from '../../src/train/safetensors.js';
import { fixture, root, tempDir } from '../cli/helpers.js';

/** A few KB of the Shakespeare fixture: enough for a tiny char LSTM, quick to read. */
export function tinyText(chars = 4000): string {
  const path = join(tempDir(), 'tiny.txt');
  writeFileSync(path, readFileSync(fixture('shakespeare-20k.txt'), 'utf8').slice(0, chars));
  return path;
}

/** `seqlab train lm` on a very small char LSTM, one thread, dropout on (so its generator must resume too). */
export function tinyTrainArgs(text: string, out: string, steps: number, evalEvery: number): string[] {
  return ['train', 'lm', '--train', text, '--out', out, '--preset', 'tiny', '--set', 'hiddenSize=16', '--set', 'embedDim=8',
    '--set', 'dropout=0.1', '--batch', '4', '--steps', String(steps), '--eval-every', String(evalEvery), '--schedule', 'constant',
    '--seed', '7', '--threads', '1'];
}

export interface Child {
  /** Resolves when the process has exited and its output is all read. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** The stderr read so far. */
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
  pid: number;
}

/** Starts `seqlab ARGS` (bin/seqlab.js over dist/) without waiting for it. */
export function startSeqlab(args: readonly string[], options: SpawnOptions = {}): Child {
  const child = spawn(process.execPath, [join(root, 'bin/seqlab.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { done, stderr: () => stderr, kill: (signal) => child.kill(signal), pid: child.pid! };
}

/** The steps of the progress lines (`step N ...`, one per evaluation) in a run's stderr. */
export function loggedSteps(stderr: string): number[] {
  return [...stderr.matchAll(/^step (\d+)\s/gm)].map((m) => Number(m[1]));
}

/** The `step` a safetensors file's metadata names. */
export function metadataStep(path: string): number {
  return Number(parseSafetensors(new Uint8Array(readFileSync(path))).metadata.step);
}

/**
 * Asserts every file of a checkpoint folder is whole and valid: JSON files parse, safetensors
 * files parse, each metrics.jsonl line parses. Temporary files that a killed writer left (the
 * next run removes them) are listed, not checked. Returns the files checked.
 */
export function expectWholeFolder(dir: string): { checked: string[]; temporary: string[] } {
  const checked: string[] = [];
  const temporary: string[] = [];
  if (!existsSync(dir)) return { checked, temporary };
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const bytes = readFileSync(path);
    if (/\.tmp$/.test(name)) {
      temporary.push(name);
      continue;
    }
    try {
      if (name.endsWith('.json')) JSON.parse(bytes.toString('utf8'));
      else if (name.endsWith('.safetensors') || name.endsWith('.safetensors.next')) parseSafetensors(new Uint8Array(bytes));
      else if (name.endsWith('.jsonl')) bytes.toString('utf8').split('\n').filter((l) => l !== '').forEach((l) => JSON.parse(l));
      else throw new Error('an unexpected file');
    } catch (err) {
      throw new Error(`${path}: not a whole, valid file (${err instanceof Error ? err.message : String(err)})`);
    }
    checked.push(name);
  }
  return { checked, temporary };
}

/** metrics.jsonl's records without the wall-clock field. */
export function metricsRecords(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { seconds: _seconds, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}

/** A small seeded generator (mulberry32) for the test's own random delays. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
