/**
 * The biology figures of the README, measured with the project's own commands: each run is
 * `seqlab train classify|tag` with only the data, `--time-budget`, `--threads 2` and `--out`
 * (the default recipe, as the outside checks run it), then `seqlab eval --json` on the test split.
 *
 *   npx tsx scripts/bio-splits.ts                      # the fixed splits, into runs/bio-data
 *   npm run build && npx tsx bench/bio-figures.ts [--only splice,tf,promoter,lambda,protein]
 *       [--splice-budget 120] [--tf-budget 300] [--promoter-budget 300] [--lambda-budget 300]
 *       [--protein-budget 900] [--out runs/bio-figures]
 *
 * Writes OUT/results.json (every metric of every run) and prints a Markdown table. Run it on a
 * quiet machine: the budgets are wall-clock seconds.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'splice,tf,promoter,lambda,protein' },
    data: { type: 'string', default: '../shared/data' },
    splits: { type: 'string', default: 'runs/bio-data' },
    out: { type: 'string', default: 'runs/bio-figures' },
    'splice-budget': { type: 'string', default: '120' },
    'tf-budget': { type: 'string', default: '300' },
    'promoter-budget': { type: 'string', default: '300' },
    'lambda-budget': { type: 'string', default: '300' },
    'protein-budget': { type: 'string', default: '900' },
  },
});
const only = new Set(values.only!.split(','));
const out = values.out!;
const data = values.data!;
const splits = values.splits!;
mkdirSync(out, { recursive: true });
const resultsPath = join(out, 'results.json');
const results: Record<string, Record<string, number | string>> = (() => {
  try {
    return JSON.parse(readFileSync(resultsPath, 'utf8'));
  } catch {
    return {};
  }
})();

function seqlab(args: string[]): string {
  process.stderr.write(`$ seqlab ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, ['bin/seqlab.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`seqlab ${args[0]} failed (exit ${r.status})`);
  return r.stdout;
}

/** Trains with the default recipe, evaluates, and records the metrics under `name`. */
function run(name: string, task: 'classify' | 'tag', train: string[], valid: string[] | null, test: string[], budget: string): void {
  const dir = join(out, name);
  const trained = JSON.parse(seqlab(['train', task, '--train', ...train, ...(valid ? ['--valid', ...valid] : []),
    '--time-budget', budget, '--threads', '2', '--out', dir, '--json']));
  const metrics = JSON.parse(seqlab(['eval', dir, '--test', ...test, '--threads', '2', '--json']));
  results[name] = { ...metrics, arch: trained.arch, steps: trained.steps, seconds: trained.seconds, budget: Number(budget) };
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
}

if (only.has('splice')) {
  for (let f = 1; f <= 5; f++) {
    const dir = join(splits, `splice/fold${f}`);
    run(`splice-fold${f}`, 'classify', [join(dir, 'train.csv')], null, [join(dir, 'test.csv')], values['splice-budget']!);
  }
}
if (only.has('tf')) {
  for (let t = 0; t < 5; t++) {
    const dir = join(data, `dna-gue-human-tf/tf${t}`);
    run(`gue-tf${t}`, 'classify', [join(dir, 'train.csv')], [join(dir, 'dev.csv')], [join(dir, 'test.csv')], values['tf-budget']!);
  }
}
if (only.has('promoter')) {
  for (const set of ['all', 'notata', 'tata']) {
    const dir = join(data, `dna-gue-core-promoter/prom_core_${set}`);
    run(`gue-prom-${set}`, 'classify', [join(dir, 'train.csv')], [join(dir, 'dev.csv')], [join(dir, 'test.csv')], values['promoter-budget']!);
  }
}
if (only.has('lambda')) {
  const dir = join(splits, 'lambda');
  run('lambda', 'tag', [join(dir, 'train.fasta'), join(dir, 'train.labels.fasta')], null,
    [join(dir, 'test.fasta'), join(dir, 'test.labels.fasta')], values['lambda-budget']!);
}
/**
 * Lambda's annotated genes (NC_001416.cds.tsv) that lie in the test part, and the share of them
 * the predicted regions recall: at least half of the gene's bases predicted coding on its
 * strand (F or B for +, R or B for −).
 */
function lambdaGeneRecall(): void {
  const dir = join(out, 'lambda');
  const cut = Math.round(48502 * 0.7);
  const regions = JSON.parse(seqlab(['annotate', dir, '--input', join(splits, 'lambda/test.fasta'), '--format', 'json'])).regions as
    { start: number; end: number; label: string }[];
  const rows = readFileSync(join(data, 'dna-lambda-phage-genes/NC_001416.cds.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const genes = rows.map((r) => ({ start: Number(r[1]) - cut, end: Number(r[2]) - cut, strand: r[3] })).filter((g) => g.start >= 0);
  let recalled = 0;
  for (const g of genes) {
    const ok = g.strand === '+' ? ['F', 'B'] : ['R', 'B'];
    let covered = 0;
    for (const r of regions) if (ok.includes(r.label)) covered += Math.max(0, Math.min(r.end, g.end) - Math.max(r.start, g.start));
    if (covered >= (g.end - g.start) / 2) recalled++;
  }
  results.lambda = { ...results.lambda, genes_in_test: genes.length, gene_recall: recalled / genes.length };
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
}
if (only.has('lambda') || only.has('lambda-genes')) lambdaGeneRecall();

if (only.has('protein')) {
  const p = (split: string) => ['seq', 'labels', 'mask'].map((k) => join(splits, `protein/${split}.${k}.fasta`));
  run('protein-ss', 'tag', p('train'), p('valid'), p('test'), values['protein-budget']!);
}

const pct = (v: unknown): string => (typeof v === 'number' ? (100 * v).toFixed(1) : '-');
const lines = ['| run | arch | steps | accuracy | MCC | AUROC | macro-F1 |', '|---|---|---|---|---|---|---|'];
for (const [name, m] of Object.entries(results)) {
  lines.push(`| ${name} | ${m.arch} | ${m.steps} | ${pct(m.accuracy)} | ${pct(m.mcc)} | ${pct(m.auroc)} | ${pct(m.macro_f1)} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
