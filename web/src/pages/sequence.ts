/**
 * The sequence view (biology): FASTA in, a bundled model's predictions out. A classifier gives
 * each record's class probabilities; a tagger gives labelled regions along it (BED-like). The
 * record shown gets its in-silico mutagenesis saliency as a track beside the regions, and the
 * first convolution's filters, read over the records given, are drawn as sequence logos.
 *
 * The Worker answers in order, so each run asks for the cheap parts first (predictions, then
 * motifs) and the saliency last; a run started later makes the answers of earlier ones stale.
 */
import { formatBed6 } from '../../../src/data/bed.js';
import { readFasta } from '../../../src/data/fasta.js';
import { informationContent, type Motif } from '../../../src/inspect/motifs.js';
import type { SaliencyTrack } from '../../../src/tasks/bio/annotate.js';
import { type Region, sequenceLogo, sequenceTrack, type Track } from '../../../src/viz/index.js';
import { esc } from '../../../src/viz/svg.js';
import { BIO_EXAMPLES } from '../bio-examples.js';
import { BIO_MODELS } from '../catalog.js';
import { $, fillSelect, percent, showDiagrams, showError, startPage } from '../layout.js';
import type { Results } from '../protocol.js';

/** Saliency is computed without asking up to this many mutants (positions × other letters): seconds, not minutes. */
const AUTO_MUTANTS = 3000;
/** Logos drawn: the most informative filters. */
const LOGOS = 8;
/** A filter's logo is drawn only when it fires on at least this many windows (fewer when no filter does). */
const MIN_SITES = 3;
/** The saliency track's colour (Okabe–Ito blue). */
const SALIENCY_COLOR = '#0072B2';
const TRACK_WIDTH = 1040;

interface SequenceRecord {
  id: string;
  /** The header's words after the id (the examples put the dataset's label there). */
  note: string;
  sequence: string;
}

interface Shown {
  key: string;
  records: SequenceRecord[];
  annotation: Results['annotate'];
  saliency: Map<string, SaliencyTrack>;
  /** Records whose saliency has been asked for and not answered yet. */
  pending: Set<string>;
}

const { engine } = startPage();
const model = $('#model') as HTMLSelectElement;
const example = $('#example') as HTMLSelectElement;
const fasta = $('#fasta') as HTMLTextAreaElement;
const record = $('#record') as HTMLSelectElement;
const from = $('#from') as HTMLInputElement;
const to = $('#to') as HTMLInputElement;
const error = $('#error');
const salStatus = $('#saliency-status');
const salGo = $('#saliency-go') as HTMLButtonElement;

fillSelect(model, BIO_MODELS.map((m) => ({ value: m.id, label: m.label })));
example.replaceChildren(new Option('(your own sequences)', ''), ...BIO_MODELS.map((m) => {
  const group = document.createElement('optgroup');
  group.label = m.label;
  group.append(...BIO_EXAMPLES.filter((e) => e.model === m.id).map((e) => new Option(e.label, e.id)));
  return group;
}));

let shown: Shown | null = null;
/** The number of the latest run: answers for earlier runs are dropped. */
let latest = 0;

/** The records of the text: FASTA, or a bare sequence read as one record named 'sequence'. */
function readInput(text: string): { fasta: string; records: SequenceRecord[] } {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('paste a FASTA (or a bare sequence) first, or pick an example');
  const fa = /^[>;]/.test(trimmed) ? `${trimmed}\n` : `>sequence\n${trimmed}\n`;
  const records = [...readFasta(fa, 'FASTA')].map((r) => ({ id: r.id, note: r.description, sequence: r.sequence.toUpperCase() }));
  return { fasta: fa, records };
}

function current(s: Shown): SequenceRecord {
  return s.records.find((r) => r.id === record.value) ?? s.records[0];
}

function probabilityCell(p: number, best: boolean): string {
  return `<td class="num${best ? ' best' : ''}"><span class="pbar" style="width:${(4 * p).toFixed(2)}em" aria-hidden="true"></span>${percent(p)}</td>`;
}

/** A classifier's probabilities per record, or a tagger's share of each label and its regions as BED. */
function drawPredictions(s: Shown): void {
  const a = s.annotation;
  const notes = s.records.some((r) => r.note);
  const head = (cells: string[]): string => `<thead><tr>${cells.map((c) => `<th scope="col">${c}</th>`).join('')}</tr></thead>`;
  const timing = `<p class="latency">${s.records.length} record${s.records.length > 1 ? 's' : ''} in ${a.ms.toFixed(0)} ms in the Worker.</p>`;
  if (a.kind === 'classify') {
    const rows = a.rows.map((r, i) => {
      const best = a.classes.indexOf(r.label);
      return `<tr><th scope="row">${esc(r.id)}</th>${notes ? `<td>${esc(s.records[i].note)}</td>` : ''}<td><strong>${esc(r.label)}</strong></td>
        ${r.probs.map((p, k) => probabilityCell(p, k === best)).join('')}</tr>`;
    });
    $('#predictions').innerHTML = `<table class="data" id="probs"><caption>Class probabilities per record</caption>
      ${head(['record', ...(notes ? ['header (after the id)'] : []), 'predicted', ...a.classes.map((c) => `p(${esc(c)})`)])}
      <tbody>${rows.join('')}</tbody></table>${timing}`;
    return;
  }
  const rows = s.records.map((rec) => {
    const mine = a.regions.filter((r) => r.chrom === rec.id);
    const share = a.classes.map((c) => mine.filter((r) => r.name === c).reduce((n, r) => n + r.end - r.start, 0) / rec.sequence.length);
    return `<tr><th scope="row">${esc(rec.id)}</th><td class="num">${rec.sequence.length}</td>
      ${share.map((p) => `<td class="num">${percent(p)}</td>`).join('')}<td class="num">${mine.length}</td></tr>`;
  });
  $('#predictions').innerHTML = `<table class="data" id="shares"><caption>Share of positions predicted as each label</caption>
    ${head(['record', 'length', ...a.classes.map((c) => esc(c)), 'regions'])}<tbody>${rows.join('')}</tbody></table>${timing}
    <details><summary>The regions as BED (${a.regions.length} lines, as <code>seqlab annotate</code> writes them)</summary>
    <pre class="bed">${esc(formatBed6(a.regions))}</pre></details>`;
}

/** The window [start, end) from the inputs, clamped to the record and written back. */
function readWindow(length: number): [number, number] {
  const start = Math.min(Math.max(0, Math.floor(Number(from.value) || 0)), length - 1);
  const end = Math.min(Math.max(start + 1, Math.floor(Number(to.value) || length)), length);
  [from.value, to.value] = [String(start), String(end)];
  return [start, end];
}

/** The record's regions (taggers) and saliency (once computed) along it, in the zoom window. */
function drawTrack(s: Shown): void {
  const rec = current(s);
  const [start, end] = readWindow(rec.sequence.length);
  const a = s.annotation;
  const saliency = s.saliency.get(rec.id);
  const tracks: Track[] = saliency ? [{ name: 'saliency', values: saliency.importance, mark: 'bar', color: SALIENCY_COLOR }] : [];
  const regions: Region[] = a.kind === 'tag'
    ? a.regions.filter((r) => r.chrom === rec.id).map((r) => ({ start: r.start, end: r.end, label: r.name, score: r.prob }))
    : [];
  const row = a.kind === 'classify' ? a.rows.find((r) => r.id === rec.id) : undefined;
  const verdict = row ? `predicted ${row.label} (${percent(row.probs[a.classes.indexOf(row.label)])})` : `${regions.length} predicted regions`;
  const title = `${rec.id}: ${verdict}${saliency ? `; saliency of ${saliency.score}` : ''}; positions ${start}–${end} of ${rec.sequence.length}`;
  const options = { title, window: [start, end] as const, width: TRACK_WIDTH, trackHeight: 70, labels: a.classes };
  showDiagrams($('#track'), [{ title, svg: sequenceTrack({ sequence: rec.sequence, tracks, regions }, options) }]);
}

/** The record's saliency: computed in the Worker unless it would take long, then the person is asked. */
async function saliency(s: Shown, run: number, asked: boolean): Promise<void> {
  const rec = current(s);
  salGo.hidden = true;
  if (s.saliency.has(rec.id) || s.pending.has(rec.id)) return;
  const mutants = rec.sequence.length * (s.annotation.letters.length - 2);
  if (mutants > AUTO_MUTANTS && !asked) {
    salStatus.textContent = `The saliency of ${rec.id} scores ${mutants.toLocaleString('en')} mutants, which may take a minute.`;
    salGo.hidden = false;
    return;
  }
  salStatus.textContent = `Computing the saliency of ${rec.id}: ${mutants.toLocaleString('en')} mutants…`;
  s.pending.add(rec.id);
  try {
    const a = await engine.call({ op: 'annotate', key: s.key, fasta: `>${rec.id}\n${rec.sequence}\n`, saliency: true });
    s.saliency.set(rec.id, a.saliency![0]);
  } finally {
    s.pending.delete(rec.id);
  }
  if (run !== latest || current(s).id !== rec.id) return; // kept for when this record is shown again
  salStatus.textContent = `Saliency of ${rec.id}: ${mutants.toLocaleString('en')} mutants scored in the Worker.`;
  drawTrack(s);
  document.body.dataset.saliency = 'yes';
}

/** The most informative filters among those that fire on enough windows, as logos. */
function drawLogos(motifs: Motif[] | Error): void {
  const box = $('#logos');
  const note = $('#logos-note');
  if (motifs instanceof Error) {
    box.replaceChildren();
    note.textContent = motifs.message;
    return;
  }
  const firing = motifs.filter((m) => m.sites > 0);
  const min = Math.min(MIN_SITES, Math.max(0, ...firing.map((m) => m.sites)));
  const eligible = firing.filter((m) => m.sites >= min);
  const ranked = eligible.map((m) => ({ m, bits: informationContent(m.pwm).reduce((x, y) => x + y, 0) }))
    .sort((x, y) => y.bits - x.bits || x.m.name.localeCompare(y.m.name))
    .slice(0, LOGOS);
  showDiagrams(box, ranked.map(({ m, bits }) => {
    const title = `${m.name}: ${m.sites} window${m.sites > 1 ? 's' : ''}, ${bits.toFixed(1)} bits`;
    return { title, svg: sequenceLogo(m, { title }) };
  }));
  note.textContent = `The ${ranked.length} most informative of the ${motifs.length} filters, among the ${eligible.length} that fire`
    + ` on at least ${min} window${min > 1 ? 's' : ''} of these sequences.`;
}

async function annotate(): Promise<void> {
  const run = ++latest;
  showError(error, null);
  salGo.hidden = true;
  const key = model.value;
  const input = readInput(fasta.value);
  const info = await engine.call({ op: 'load', key });
  $('#model-info').textContent = `models/${key}: a ${info.arch} ${info.task} model with ${info.parameters.toLocaleString('en')} parameters.`;
  const annotation = await engine.call({ op: 'annotate', key, fasta: input.fasta, saliency: false });
  if (run !== latest) return;
  const s: Shown = { key, records: input.records, annotation, saliency: new Map(), pending: new Set() };
  shown = s;
  drawPredictions(s);
  fillSelect(record, s.records.map((r) => ({ value: r.id, label: r.note ? `${r.id} (${r.note})` : r.id })));
  $('#view').hidden = false;
  [from.value, to.value] = ['0', String(s.records[0].sequence.length)];
  drawTrack(s);
  salStatus.textContent = '';
  const motifs = await engine.call({ op: 'motifs', key, fasta: input.fasta, from: 'filters', width: 8 }).catch((err: Error) => err);
  if (run !== latest) return;
  drawLogos(motifs);
  document.body.dataset.annotated = 'yes';
  await saliency(s, run, false);
}

const fail = (err: unknown): void => {
  showError(error, err);
  salStatus.textContent = '';
};

function loadExample(id: string): void {
  const e = BIO_EXAMPLES.find((x) => x.id === id);
  if (!e) return;
  example.value = e.id;
  model.value = e.model;
  fasta.value = e.fasta;
}

$('#form').addEventListener('submit', (e) => {
  e.preventDefault();
  annotate().catch(fail);
});
example.addEventListener('change', () => {
  loadExample(example.value);
  if (example.value) annotate().catch(fail);
});
model.addEventListener('change', () => {
  // An example for the other model is swapped for this model's first; the person's own text is kept.
  const picked = BIO_EXAMPLES.find((x) => x.id === example.value);
  if (picked && picked.model !== model.value) loadExample(BIO_EXAMPLES.find((x) => x.model === model.value)!.id);
  annotate().catch(fail);
});
fasta.addEventListener('input', () => { example.value = ''; });
record.addEventListener('change', () => {
  if (!shown) return;
  [from.value, to.value] = ['0', String(current(shown).sequence.length)];
  drawTrack(shown);
  saliency(shown, latest, false).catch(fail);
});
$('#view').addEventListener('submit', (e) => {
  e.preventDefault();
  if (shown) drawTrack(shown);
});
$('#whole').addEventListener('click', () => {
  if (!shown) return;
  [from.value, to.value] = ['0', String(current(shown).sequence.length)];
  drawTrack(shown);
});
salGo.addEventListener('click', () => {
  if (shown) saliency(shown, latest, true).catch(fail);
});

loadExample('splice-six');
annotate().catch(fail);
