import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import type { Explanation } from '../../inspect/explanation.js';
import { readText, writeAtomic } from '../../store/files.js';
import { loadCheckpoint } from '../../tasks/registry.js';
import { esc, stackSvgs } from '../../viz/svg.js';
import { type Diagram, explanationDiagrams } from '../../viz/explanation-diagrams.js';
import { folder, UsageError } from '../run.js';

const FORMATS = ['.json', '.svg', '.html'] as const;

/** `--input`: the text of a file when it names one, else the text itself. */
function inputText(value: string): string {
  if (value.length < 4096 && existsSync(value) && statSync(value).isFile()) return readText(value, '--input file').replace(/\r?\n$/, '');
  return value;
}

/** All diagrams stacked vertically in one SVG (each nested <svg> keeps its own role and title). */
function stackedSvg(e: Explanation, diagrams: readonly Diagram[]): string {
  const title = `seqlab explain: ${e.task} ${e.arch} on ${JSON.stringify(e.input)}`;
  return stackSvgs(diagrams.map((d) => d.svg), title, 16, 'system-ui, sans-serif');
}

/** One self-contained page: headings and inline SVGs, no scripts, no external references. */
function htmlPage(e: Explanation, diagrams: readonly Diagram[]): string {
  const title = `seqlab explain: ${e.task} ${e.arch}`;
  const prediction = e.prediction
    ? `<h2>Prediction: ${esc(e.prediction.label)}</h2>\n<ol>${e.prediction.items.map((p) => `<li><code>${esc(JSON.stringify(p.text))}</code> ${(p.prob * 100).toFixed(1)}%</li>`).join('')}</ol>`
    : '';
  return [
    '<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', `<title>${esc(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:100%}svg{max-width:100%;height:auto;display:block;margin:0.5rem 0 2rem}code{background:#f3f3f3;padding:0 .2em}</style>',
    '</head>', '<body>', `<h1>${esc(title)}</h1>`,
    `<p>Input: <code>${esc(e.input)}</code></p>`,
    `<p>Tokens (${e.tokens.length}): ${e.tokens.map((t) => `<code>${esc(t)}</code>`).join(' ')}</p>`,
    e.target ? `<p>Output tokens (${e.target.length}): ${e.target.map((t) => `<code>${esc(t)}</code>`).join(' ')}</p>` : '',
    prediction,
    ...diagrams.map((d) => `<section id="${esc(d.id)}">\n<h2>${esc(d.title)}</h2>\n${d.svg}\n</section>`),
    '</body>', '</html>', '',
  ].filter(Boolean).join('\n');
}

export function registerExplain(program: Command): void {
  program.command('explain')
    .description('show inside a model on one input: states, gates and attention as diagrams (SVG, HTML) or JSON')
    .argument('<dir>', 'checkpoint folder')
    .requiredOption('--input <text>', 'the input text, or the path of a file holding it')
    .requiredOption('--out <file>', 'where to write: FILE.json (the explanation), FILE.svg (all diagrams stacked) or FILE.html (one page)')
    .action((dir: string, flags: { input: string; out: string }) => {
      const ext = extname(flags.out).toLowerCase();
      if (!(FORMATS as readonly string[]).includes(ext)) throw new UsageError(`--out: '${flags.out}' should end in .json, .svg or .html`);
      const input = inputText(flags.input);
      if (input.trim() === '') throw new UsageError('--input: the input is empty');
      const loaded = loadCheckpoint(folder(dir), 'explain');
      const explanation = loaded.explain!(input);
      if (ext === '.json') {
        writeAtomic(flags.out, `${JSON.stringify(explanation)}\n`);
        return;
      }
      const diagrams = explanationDiagrams(explanation);
      writeAtomic(flags.out, ext === '.svg' ? stackedSvg(explanation, diagrams) : htmlPage(explanation, diagrams));
    });
}
