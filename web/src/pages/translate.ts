/**
 * The translation view: the beam's hypotheses, the alignment of the best one, and the encoder's
 * and decoder's insides (forward and backward GRU states, or every attention head).
 */
import { alignmentMatrix, explanationDiagrams } from '../../../src/viz/index.js';
import { TRANSLATION_MODELS } from '../catalog.js';
import { $, fillSelect, showDiagrams, showError, startPage } from '../layout.js';

const { engine } = startPage();
const select = $('#model') as HTMLSelectElement;
const source = $('#source') as HTMLInputElement;
const error = $('#error');
fillSelect(select, TRANSLATION_MODELS.map((m) => ({ value: m.id, label: m.label })));
const params = new URLSearchParams(location.search);
if (params.get('model') && TRANSLATION_MODELS.some((m) => m.id === params.get('model'))) select.value = params.get('model')!;

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

async function translate(): Promise<void> {
  showError(error, null);
  const text = source.value.trim();
  if (!text) return;
  const beam = Number(($('#beam') as HTMLSelectElement).value);
  const r = await engine.call({ op: 'translate', key: select.value, text, beam, nbest: beam });
  $('#hypotheses').innerHTML = `<table class="data" id="nbest"><thead><tr><th scope="col">#</th><th scope="col">translation</th>
    <th scope="col">log-probability</th></tr></thead><tbody>${r.nbest.map((h, i) => `<tr><td class="num">${i + 1}</td>
    <td>${esc(h.translation)}</td><td class="num">${h.score.toFixed(3)}</td></tr>`).join('')}</tbody></table>
    <p class="latency">Beam ${beam}: ${r.ms.toFixed(0)} ms in the Worker.</p>`;
  const alignment = $('#alignment');
  if (r.alignment) {
    showDiagrams(alignment, [{ title: 'Attention of each target token (rows) over the source tokens (columns), averaged over heads',
      svg: alignmentMatrix(r.alignment, { title: `Alignment: ${r.translation}` }) }]);
  } else alignment.textContent = 'This model has no attention to show.';
  const e = await engine.call({ op: 'explain', key: select.value, text });
  showDiagrams($('#inside'), explanationDiagrams(e).filter((d) => !d.id.startsWith('align')));
  document.body.dataset.translated = 'yes';
}

$('#form').addEventListener('submit', (e) => {
  e.preventDefault();
  translate().catch((err: unknown) => showError(error, err));
});
select.addEventListener('change', () => translate().catch((err: unknown) => showError(error, err)));
translate().catch((err: unknown) => showError(error, err));
