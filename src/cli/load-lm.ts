import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LmTaskConfig } from '../tasks/lm/lm-task.js';
import { type LoadedLm, loadLm } from '../tasks/lm/setup.js';
import { FILES, readConfig, readWeights } from './checkpoint-dir.js';
import { readJson } from './files.js';

/** Loads an LM checkpoint folder for `command`, refusing other tasks' folders. */
export function loadLmDir(dir: string, command: string): LoadedLm {
  const config = readConfig(dir, 'lm', command) as unknown as LmTaskConfig;
  if (config.arch === 'ngram') {
    const path = join(dir, FILES.ngram);
    if (!existsSync(path)) throw new Error(`${path} is missing`);
    return loadLm(config, readJson(path, 'n-gram counts'));
  }
  return loadLm(config, readWeights(dir));
}
