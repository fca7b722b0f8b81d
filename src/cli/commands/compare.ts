import { join } from 'node:path';
import type { Command } from 'commander';
import { LM_ARCHS } from '../../models/lm-config.js';
import { writeAtomic } from '../../store/files.js';
import { chanceAccuracy, compareMemory, compareTable, type CompareConfig, type CompareRow, defaultCompareConfig }
  from '../../tasks/memory/compare.js';
import { MEMORY_KINDS, type MemoryKind } from '../../tasks/memory/problems.js';
import { lagChart } from '../../viz/lag-chart.js';
import { numberFlag, printJson, UsageError, useThreads } from '../run.js';

interface CompareFlags {
  kinds: string;
  lags: string;
  models: string;
  steps: string;
  budget: string;
  window: string;
  seed: string;
  threads: string;
  out?: string;
  json?: boolean;
}

const COMPARISONS = ['memory'];

/** A comma-separated flag value as a list, each item one of `allowed`. */
function choiceList<T extends string>(flag: string, value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new UsageError(`${flag}: '${value}' is not a comma-separated list of ${what}s`);
  for (const s of items) {
    if (!(allowed as readonly string[]).includes(s)) throw new UsageError(`${flag}: unknown ${what} '${s}' (expected ${allowed.join(', ')})`);
  }
  return [...new Set(items)] as T[];
}

/** `--lags 5,10,20`: positive whole numbers, sorted, each once. */
function lagList(value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  for (const s of items) {
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--lags: '${s}' is not a positive whole number (give e.g. --lags 5,10,20,50)`);
  }
  return [...new Set(items.map(Number))].sort((a, b) => a - b);
}

/** The run's settings from the flags, all checked before anything trains. */
function configFrom(flags: CompareFlags): CompareConfig {
  return {
    ...defaultCompareConfig,
    kinds: choiceList('--kinds', flags.kinds, MEMORY_KINDS, 'kind'),
    lags: lagList(flags.lags),
    models: choiceList('--models', flags.models, LM_ARCHS, 'model'),
    steps: numberFlag('--steps', flags.steps, { integer: true, min: 1 })!,
    budget: numberFlag('--budget', flags.budget, { integer: true, min: 1000 })!,
    window: numberFlag('--window', flags.window, { integer: true, min: 1 })!,
    seed: numberFlag('--seed', flags.seed, { integer: true, min: 0 })!,
  };
}

/** The result `--json` prints and memory.json holds: the rows, chance per kind, and the settings. */
export function compareResult(c: CompareConfig, rows: readonly CompareRow[]): Record<string, unknown> {
  return {
    rows,
    chance: Object.fromEntries(c.kinds.map((k: MemoryKind) => [k, chanceAccuracy(k)])),
    settings: { steps: c.steps, budget: c.budget, window: c.window, seed: c.seed, evalSize: c.evalSize, lr: c.lr },
  };
}

/**
 * The files of `--out`: memory.md (what was run, then the table), memory.json (the result) and
 * one chart per kind, with its chance line and, when the ffn ran, the last lag its window reaches.
 */
export function compareFiles(c: CompareConfig, rows: readonly CompareRow[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const kind of c.kinds) {
    files[`memory-${kind}.svg`] = `${lagChart(rows.filter((r) => r.kind === kind), {
      title: `${kind}: accuracy against lag (about ${c.budget} parameters each, ${c.steps} steps)`,
      chance: chanceAccuracy(kind),
      marker: c.models.includes('ffn') ? { lag: c.window - 1, label: `ffn window ${c.window}` } : undefined,
    })}\n`;
  }
  files['memory.json'] = `${JSON.stringify(compareResult(c, rows), null, 2)}\n`;
  files['memory.md'] = [
    '# seqlab compare memory', '',
    `Accuracy on ${c.evalSize} fresh sequences per cell; every model sized to about ${c.budget} parameters, trained ${c.steps} steps`
      + ` (batches of 32), seed ${c.seed}; the ffn sees a window of ${c.window} tokens.`, '',
    compareTable(rows),
  ].join('\n');
  return files;
}

export function registerCompare(program: Command): void {
  const d = defaultCompareConfig;
  program.command('compare')
    .description('compare model families on a suite of problems; memory: every family at about the same size on the memory problems, accuracy by lag')
    .argument('<suite>', `what to compare: ${COMPARISONS.join(' | ')}`)
    .option('--kinds <list>', `memory problems, comma-separated: ${MEMORY_KINDS.join(', ')}`, d.kinds.join(','))
    .option('--lags <list>', 'lags, comma-separated positive whole numbers', d.lags.join(','))
    .option('--models <list>', `families, comma-separated: ${LM_ARCHS.join(', ')}`, d.models.join(','))
    .option('--steps <n>', 'training steps per model (fixed, so results repeat on any machine)', String(d.steps))
    .option('--budget <n>', 'parameters each model is sized to come close to', String(d.budget))
    .option('--window <n>', 'tokens the ffn sees (it reaches lags up to N - 1)', String(d.window))
    .option('--seed <n>', 'random seed: the same seed gives the same table', String(d.seed))
    .option('--threads <n>', 'threads for large matrix products and recurrent layers (the WebAssembly backend)', '1')
    .option('--out <dir>', 'write DIR/memory.md (table), DIR/memory.json (rows) and DIR/memory-KIND.svg (charts)')
    .option('--json', 'print one JSON object {"rows":[{kind,lag,model,parameters,accuracy,steps,seconds}...],...} on stdout')
    .action(async (suite: string, flags: CompareFlags) => {
      if (!COMPARISONS.includes(suite)) throw new UsageError(`compare: unknown comparison '${suite}' (available: ${COMPARISONS.join(', ')})`);
      const c = configFrom(flags);
      await useThreads(flags.threads);
      const rows = await compareMemory(c, {
        onStart: (s) => process.stderr.write(`[${s.index + 1}/${s.total}] ${s.kind} lag ${s.lag} ${s.model} (${s.parameters} parameters) ...\n`),
        onRow: (r) => process.stderr.write(`  accuracy ${r.accuracy.toFixed(3)} in ${r.seconds.toFixed(1)}s\n`),
      });
      const result = compareResult(c, rows);
      if (flags.out) {
        const files = compareFiles(c, rows);
        for (const [name, text] of Object.entries(files)) writeAtomic(join(flags.out, name), text);
        process.stderr.write(`wrote ${Object.keys(files).map((f) => join(flags.out!, f)).join(', ')}\n`);
      }
      if (flags.json) printJson(result);
      else process.stdout.write(compareTable(rows));
    });
}
