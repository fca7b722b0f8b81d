/**
 * The keyboard page: suggestions as a phone shows them, from a bundled LM of any family, and
 * the hidden state or attention behind the current prediction.
 */
import { explanationDiagrams } from '../../../src/viz/index.js';
import { keyboardBox } from '../combobox.js';
import { LANGUAGE_MODELS } from '../catalog.js';
import { $, showDiagrams, showError, startPage } from '../layout.js';
import { tail } from '../text.js';

const { engine } = startPage();
const error = $('#error');
const behind = $('#behind');
// Radio buttons, not a <select>: the text box is the page's one combobox.
const radios = LANGUAGE_MODELS.map((m, i) => {
  const label = document.createElement('label');
  label.className = 'radio';
  label.innerHTML = `<input type="radio" name="model" value="${m.id}"${i === 0 ? ' checked' : ''}> ${m.label}`;
  $('#models').append(label);
  return label.querySelector('input')!;
});
const current = (): string => radios.find((r) => r.checked)!.value;

let explainTimer = 0;
const box = keyboardBox(engine, $('#kb-input') as HTMLInputElement, $('#kb-suggestions'), $('#latency'), {
  model: current(),
  onError: (err) => showError(error, err),
  onShown: (text) => {
    showError(error, null);
    clearTimeout(explainTimer);
    explainTimer = window.setTimeout(() => {
      const recent = tail(text, 24);
      if (!recent.trim()) return;
      engine.call({ op: 'explain', key: current(), text: recent }).then((e) => {
        const wanted = e.recurrent.length ? ['unrolled', 'gates'] : e.attention.length ? ['heads'] : ['model'];
        showDiagrams(behind, explanationDiagrams(e).filter((d) => wanted.some((w) => d.id.includes(w))));
      }, (err: unknown) => showError(error, err));
    }, 120);
  },
});
for (const r of radios) {
  r.addEventListener('change', () => {
    box.setModel(current());
    engine.call({ op: 'load', key: current() }).then(() => box.refresh(), (err: unknown) => showError(error, err));
  });
}
engine.call({ op: 'load', key: current() }).then(() => { document.body.dataset.model = 'ready'; }, (err: unknown) => showError(error, err));
