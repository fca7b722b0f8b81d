/** The speed test: training tokens/s of a fixed workload in the engine Worker, with 1 and 2 threads. */
import { $, showError, startPage } from '../layout.js';

const { engine } = startPage();
const go = $('#go') as HTMLButtonElement;

$('#form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const arch = ($('#arch') as HTMLSelectElement).value;
  const steps = Number(($('#steps') as HTMLInputElement).value);
  if (!(Number.isInteger(steps) && steps >= 5 && steps <= 1000)) {
    showError($('#error'), 'Steps: give a whole number from 5 to 1000.');
    return;
  }
  showError($('#error'), null);
  go.disabled = true;
  (async () => {
    const rows: string[] = [];
    for (const threads of [1, 2]) {
      $('#progress').textContent = `Training ${arch} with ${threads} thread${threads > 1 ? 's' : ''}…`;
      const r = await engine.call({ op: 'benchTrain', arch, steps, threads });
      const row = `<tr data-arch="${arch}" data-threads="${r.threads}" data-rate="${r.tokensPerSecond.toFixed(1)}"><td>${arch}</td>`
        + `<td class="num">${r.threads}</td><td class="num">${Math.round(r.tokensPerSecond).toLocaleString('en')}</td></tr>`;
      rows.push(row);
      $('#speeds tbody').insertAdjacentHTML('beforeend', row);
    }
    $('#progress').textContent = 'Done.';
    document.body.dataset.measured = String(rows.length);
  })().catch((err: unknown) => showError($('#error'), err)).finally(() => { go.disabled = false; });
});
