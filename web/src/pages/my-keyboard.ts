/**
 * Your own keyboard: fine-tune the keyboard's LM on text the person gives, in the page, and
 * score it on a held-out quarter of that text before and after (top-3 accuracy and keystroke
 * savings, as `seqlab eval` computes them).
 */
import { keyboardBox } from '../combobox.js';
import { LANGUAGE_MODELS } from '../catalog.js';
import { $, fillSelect, percent, showError, startPage } from '../layout.js';
import type { KeyboardScore } from '../protocol.js';

/** A stand-in for the person's own writing, so the page works before anything is pasted. */
const SAMPLE = `Our cycling club meets every Saturday morning at the old mill bridge. We ride to the lake, stop for coffee at the lake cafe, and ride back along the river path.
The lake cafe opens at nine, so we leave the bridge at eight. If it rains we still meet at the bridge and decide together whether to ride to the lake.
New riders are welcome every Saturday. Bring a helmet, a spare tube and some water, and tell the ride leader at the bridge that it is your first ride.
In winter the ride to the lake is shorter, and we take the river path both ways because the hill road is icy. The cafe keeps a table for the club.
Every month one of us leads a longer ride past the lake to the castle, with lunch at the castle cafe. The castle ride leaves the bridge at eight as well.
Please check the club page on Friday evening: the ride leader writes there whether the Saturday ride goes to the lake, to the castle, or only along the river path.`;

const { engine } = startPage();
const select = $('#model') as HTMLSelectElement;
const text = $('#mine') as HTMLTextAreaElement;
const go = $('#go') as HTMLButtonElement;
const progress = $('#progress');
const error = $('#error');
const result = $('#result');
fillSelect(select, LANGUAGE_MODELS.filter((m) => m.arch !== 'ffn').map((m) => ({ value: m.id, label: m.label })));
text.value = SAMPLE;

const box = keyboardBox(engine, $('#kb-input') as HTMLInputElement, $('#kb-suggestions'), $('#latency'), {
  model: select.value, onError: (err) => showError(error, err),
});
select.addEventListener('change', () => box.setModel(select.value));

function row(name: string, before: KeyboardScore, after: KeyboardScore, pick: (s: KeyboardScore) => number, fmt: (x: number) => string): string {
  return `<tr><th scope="row">${name}</th><td class="num">${fmt(pick(before))}</td><td class="num">${fmt(pick(after))}</td></tr>`;
}

go.addEventListener('click', () => {
  go.disabled = true;
  showError(error, null);
  progress.textContent = 'Scoring, fine-tuning on your text, scoring again…';
  const t0 = performance.now();
  engine.call({ op: 'finetune', key: select.value, text: text.value, steps: Number((($('#steps') as HTMLSelectElement).value)) }).then((r) => {
    progress.textContent = `Fine-tuned for ${r.steps} steps on ${r.trainChars.toLocaleString('en')} characters in ${r.seconds.toFixed(1)} s `
      + `(${((performance.now() - t0) / 1000).toFixed(1)} s with both scorings). Scored on the ${r.heldOutChars.toLocaleString('en')} held-out characters.`;
    result.innerHTML = `<table class="data" id="scores"><caption>Your held-out text (${r.after.words} words)</caption>
      <thead><tr><th></th><th scope="col">before</th><th scope="col">after</th></tr></thead><tbody>
      ${row('keystroke savings', r.before, r.after, (s) => s.keystrokeSavings, (x) => percent(x))}
      ${row('top-3 accuracy (next word)', r.before, r.after, (s) => s.top3, (x) => percent(x))}
      ${row('loss (nats/char)', r.before, r.after, (s) => s.loss, (x) => x.toFixed(3))}
      </tbody></table>`;
    box.setModel(r.key);
    box.refresh();
  }, (err: unknown) => {
    progress.textContent = '';
    showError(error, err);
  }).finally(() => { go.disabled = false; });
});
