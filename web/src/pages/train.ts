/**
 * Train in the page: a character LM trained in the Worker, its loss curve and its gates or
 * attention redrawn at every evaluation, then saved as a seqlab checkpoint (three files the CLI
 * and PyTorch load), or a checkpoint loaded from files.
 */
import { explanationDiagrams, lossCurve } from '../../../src/viz/index.js';
import { DATASETS } from '../catalog.js';
import { $, fillSelect, showDiagrams, showError, startPage } from '../layout.js';
import type { Progress } from '../protocol.js';

const { engine } = startPage();
const error = $('#error');
const progress = $('#progress');
const dataset = $('#dataset') as HTMLSelectElement;
const probe = $('#probe') as HTMLInputElement;
const go = $('#go') as HTMLButtonElement;
let ownText: string | null = null;
fillSelect(dataset, DATASETS.map((d) => ({ value: d.id, label: d.label })));

$('#file').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  ownText = await file.text();
  if (![...dataset.options].some((o) => o.value === 'own')) dataset.add(new Option('your file', 'own'));
  dataset.value = 'own';
  $('#file-note').textContent = `${file.name}: ${ownText.length.toLocaleString('en')} characters`;
});

function drawCurve(train: [number, number][], valid: [number, number][]): void {
  $('#curve').innerHTML = lossCurve([{ name: 'training', points: train }, { name: 'validation', points: valid }],
    { xLabel: 'step', yLabel: 'loss (nats/char)', width: 520, height: 300 });
}

function showProbe(words: { word: string; prob: number }[]): void {
  $('#probe-suggestions').replaceChildren(...words.map((s) => {
    const li = document.createElement('li');
    li.textContent = `${s.word} (${(100 * s.prob).toFixed(1)}%)`;
    return li;
  }));
}

function insideOf(e: Parameters<typeof explanationDiagrams>[0]): ReturnType<typeof explanationDiagrams> {
  return explanationDiagrams(e, { topUnits: 16 }).filter((d) => /^(gates|heads)-/.test(d.id) || (d.id === 'model' && !e.recurrent.length && !e.attention.length));
}

async function offerDownloads(key: string): Promise<void> {
  const files = await engine.call({ op: 'files', key });
  const box = $('#downloads');
  box.replaceChildren(document.createTextNode('Save the checkpoint folder\'s files: '));
  for (const f of files) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([f.bytes as BlobPart]));
    a.download = f.name;
    a.textContent = f.name;
    box.append(a);
  }
  box.append(document.createTextNode(' Put them in one folder: `seqlab suggest FOLDER --text "…"` loads it.'));
}

$('#form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const steps = Number(($('#steps') as HTMLInputElement).value);
  if (!(Number.isInteger(steps) && steps > 0 && steps <= 100_000)) {
    showError(error, 'Steps: give a whole number from 1 to 100000.');
    return;
  }
  showError(error, null);
  go.disabled = true;
  const train: [number, number][] = [];
  const valid: [number, number][] = [];
  let evals = 0;
  const onProgress = (p: Progress): void => {
    if (p.kind === 'step') {
      train.push([p.step, p.loss]);
      progress.textContent = `Step ${p.step} of ${p.totalSteps}: loss ${p.loss.toFixed(3)}, ${Math.round(p.tokensPerSecond).toLocaleString('en')} tokens/s, ${p.elapsed.toFixed(1)} s`;
      if (p.step % 5 === 0 || p.step === p.totalSteps) drawCurve(train, valid);
    } else if (p.kind === 'eval') {
      valid.push([p.step, p.loss]);
      drawCurve(train, valid);
      if (p.explanation) showDiagrams($('#inside'), insideOf(p.explanation));
      showProbe(p.suggestions);
      document.body.dataset.evals = String(++evals);
    }
  };
  engine.call({ op: 'train', spec: {
    arch: ($('#arch') as HTMLSelectElement).value, dataset: dataset.value, text: ownText ?? undefined,
    preset: ($('#preset') as HTMLSelectElement).value as 'tiny' | 'small', steps, evalEvery: Math.max(1, Math.round(steps / 10)), seed: 1,
    probe: probe.value || 'the ',
  } }, onProgress).then(async (r) => {
    progress.textContent = `Trained ${r.steps} steps in ${r.seconds.toFixed(1)} s; best validation loss ${r.bestLoss.toFixed(3)} nats/char.`;
    await offerDownloads(r.key);
    document.body.dataset.trained = r.key;
  }, (err: unknown) => showError(error, err)).finally(() => { go.disabled = false; });
});

$('#load').addEventListener('change', async (e) => {
  const list = [...((e.target as HTMLInputElement).files ?? [])];
  try {
    showError(error, null);
    const files = await Promise.all(list.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    const info = await engine.call({ op: 'loadFiles', files });
    $('#loaded').textContent = `Loaded a ${info.task} ${info.arch} model with ${info.parameters.toLocaleString('en')} parameters.`;
    if (info.task === 'lm') {
      const s = await engine.call({ op: 'suggest', key: info.key, text: probe.value, k: 3 });
      showProbe(s.suggestions);
    }
    const ex = await engine.call({ op: 'explain', key: info.key, text: probe.value || 'the ' });
    showDiagrams($('#inside'), insideOf(ex));
    document.body.dataset.loaded = info.key;
  } catch (err) {
    showError(error, err);
  }
});
