import type { Command } from 'commander';
import { formatBed6 } from '../../data/bed.js';
import { fileSource } from '../../store/file-store.js';
import { writeAtomic } from '../../store/files.js';
import { type Annotation, annotationJson, type SaliencyTrack } from '../../tasks/bio/annotate.js';
import { loadCheckpoint } from '../../tasks/registry.js';
import { folder, UsageError, useThreads } from '../run.js';

const FORMATS = ['bed', 'tsv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** A number as the tables write it: up to 6 significant decimals. */
const num = (v: number): string => String(Number(v.toFixed(6)));

/** Classifier rows: `id label p_<class>...`, a header first. */
function classifyTsv(a: Extract<Annotation, { kind: 'classify' }>): string {
  const head = ['id', 'label', ...a.classes.map((c) => `p_${c}`)].join('\t');
  return [head, ...a.rows.map((r) => [r.id, r.label, ...r.probs.map(num)].join('\t'))].join('\n') + '\n';
}

/** Tagger regions as a table: `chrom start end label score`, a header first. */
function tagTsv(a: Extract<Annotation, { kind: 'tag' }>): string {
  const head = 'chrom\tstart\tend\tlabel\tscore';
  return [head, ...a.regions.map((r) => [r.chrom, r.start, r.end, r.name, num(r.prob)].join('\t'))].join('\n') + '\n';
}

/** Saliency as bedGraph: one line per position (0-based, half-open), the importance as the value. */
export function bedGraph(tracks: readonly SaliencyTrack[]): string {
  const lines = ['track type=bedGraph name="seqlab saliency" description="in-silico mutagenesis: mean score drop per position"'];
  for (const t of tracks) t.importance.forEach((v, i) => lines.push(`${t.id}\t${i}\t${i + 1}\t${num(v)}`));
  return `${lines.join('\n')}\n`;
}

export function registerAnnotate(program: Command): void {
  program.command('annotate')
    .description('predict on DNA or protein sequences: one row per sequence (classify) or BED regions (tag), with saliency if asked')
    .argument('<dir>', 'checkpoint folder of a classify or tag model')
    .requiredOption('--input <path>', 'sequences: FASTA, or CSV/TSV with a `sequence` column (classify)')
    .option('--format <format>', 'bed | tsv | json (default: tsv for classify, bed for tag)')
    .option('--saliency', 'in-silico mutagenesis: every position mutated to every letter; writes the per-position importance as bedGraph (or inside the JSON with --format json)')
    .option('--out <file>', 'write to this file (atomically) instead of stdout')
    .option('--threads <n>', 'threads for large matrix products and recurrent layers (the WebAssembly backend)', '1')
    .action(async (dir: string, flags: { input: string; format?: string; saliency?: boolean; out?: string; threads: string }) => {
      if (flags.format !== undefined && !(FORMATS as readonly string[]).includes(flags.format)) {
        throw new UsageError(`--format: '${flags.format}' is not one of ${FORMATS.join(', ')}`);
      }
      await useThreads(flags.threads);
      const loaded = loadCheckpoint(folder(dir), 'annotate');
      const format = (flags.format ?? (loaded.config.task === 'classify' ? 'tsv' : 'bed')) as Format;
      if (format === 'bed' && loaded.config.task === 'classify' && !flags.saliency) {
        throw new UsageError('--format: bed holds regions; a classify model gives one row per sequence (use tsv or json)');
      }
      const a = loaded.annotate!(fileSource, flags.input, flags.saliency === true);
      let text: string;
      if (format === 'json') text = `${JSON.stringify(annotationJson(a))}\n`;
      else if (a.saliency) text = bedGraph(a.saliency);
      else if (a.kind === 'classify') text = classifyTsv(a);
      else text = format === 'bed' ? formatBed6(a.regions) : tagTsv(a);
      if (flags.out) writeAtomic(flags.out, text);
      else process.stdout.write(text);
    });
}
