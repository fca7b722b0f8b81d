import { extname } from 'node:path';
import type { Command } from 'commander';
import { formatMeme } from '../../data/meme.js';
import { fileSource } from '../../store/file-store.js';
import { writeAtomic } from '../../store/files.js';
import { loadCheckpoint } from '../../tasks/registry.js';
import { sequenceLogo } from '../../viz/index.js';
import { esc, stackSvgs } from '../../viz/svg.js';
import { folder, numberFlag, UsageError, useThreads } from '../run.js';

export function registerMotifs(program: Command): void {
  program.command('motifs')
    .description('motifs a DNA or protein model learned, as position weight matrices (MEME format) and sequence logos')
    .argument('<dir>', 'checkpoint folder of a classify or tag model')
    .requiredOption('--input <path>', 'sequences to read the motifs over: FASTA, or CSV/TSV with a `sequence` column')
    .option('--from <source>', 'filters (the first convolution\'s filters: windows reaching half the filter\'s maximum) or saliency (the most important window of each sequence)', 'filters')
    .option('--width <n>', 'saliency motifs: window width', '8')
    .option('--out <file>', 'write the MEME file here (atomically) instead of stdout')
    .option('--logos <file>', 'also write the logos: FILE.svg (stacked) or FILE.html (one page)')
    .option('--threads <n>', 'threads for large matrix products and recurrent layers (the WebAssembly backend)', '1')
    .action(async (dir: string, flags: { input: string; from: string; width: string; out?: string; logos?: string; threads: string }) => {
      if (flags.from !== 'filters' && flags.from !== 'saliency') throw new UsageError(`--from: '${flags.from}' is not filters or saliency`);
      const width = numberFlag('--width', flags.width, { integer: true, min: 1, max: 64 })!;
      const logoExt = flags.logos ? extname(flags.logos).toLowerCase() : '';
      if (flags.logos && logoExt !== '.svg' && logoExt !== '.html') throw new UsageError(`--logos: '${flags.logos}' should end in .svg or .html`);
      await useThreads(flags.threads);
      const loaded = loadCheckpoint(folder(dir), 'motifs');
      const motifs = loaded.motifs!(fileSource, { input: flags.input, from: flags.from, width });
      const alphabet = (loaded.config as { alphabet?: string }).alphabet === 'protein' ? 'protein' : 'dna';
      const meme = formatMeme(motifs, { letters: motifs[0].letters, name: alphabet });
      if (flags.logos) {
        const logos = motifs.filter((m) => m.sites > 0).map((m) => ({ name: m.name, svg: sequenceLogo(m) }));
        writeAtomic(flags.logos, logoExt === '.svg' ? stackSvgs(logos.map((l) => l.svg), 'seqlab motifs', 12) : logoPage(logos));
      }
      if (flags.out) writeAtomic(flags.out, meme);
      else process.stdout.write(meme);
    });
}

function logoPage(logos: readonly { name: string; svg: string }[]): string {
  return ['<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', '<title>seqlab motifs</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:2rem}svg{max-width:100%;height:auto;display:block}</style>', '</head>', '<body>',
    '<h1>seqlab motifs</h1>', ...logos.map((l) => `<section><h2>${esc(l.name)}</h2>\n${l.svg}\n</section>`), '</body>', '</html>', ''].join('\n');
}
