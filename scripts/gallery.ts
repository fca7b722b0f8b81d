/**
 * Writes docs/gallery.html: every diagram of the viz snapshot tests (test/viz/cases.ts), the same
 * deterministic cases, on one self-contained page (inline SVG, no scripts). `npx tsx scripts/gallery.ts`
 */
import { writeAtomic } from '../src/store/files.js';
import { esc } from '../src/viz/svg.js';
import { CASES } from '../test/viz/cases.js';

const sections = CASES.map((c) => `<section id="${esc(c.name)}">\n<h2>${esc(c.title)}</h2>\n<p><code>test/viz/__snapshots__/${esc(c.name)}.svg</code></p>\n${c.svg()}\n</section>`);
const page = [
  '<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', '<title>seqlab diagram gallery</title>',
  '<style>body{font-family:system-ui,sans-serif;margin:2rem}svg{max-width:100%;height:auto;display:block;margin:0.5rem 0 2rem}</style>',
  '</head>', '<body>', '<h1>seqlab diagram gallery</h1>',
  '<p>The cases of the snapshot tests in <code>test/viz</code>, drawn by <code>src/viz</code>. Regenerate with <code>npx tsx scripts/gallery.ts</code>.</p>',
  ...sections, '</body>', '</html>', '',
].join('\n');
writeAtomic('docs/gallery.html', page);
process.stderr.write(`docs/gallery.html: ${CASES.length} diagrams\n`);
