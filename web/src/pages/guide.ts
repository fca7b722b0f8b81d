/**
 * The guided path: six pages that follow the tutorial's questions, each running on a live
 * model. The page's `data-step` picks the text and the experiment.
 */
import { explanationDiagrams, modelDiagram } from '../../../src/viz/index.js';
import type { Engine } from '../client.js';
import { $, percent, showDiagrams, showError, startPage } from '../layout.js';

const { engine, root } = startPage();
const guide = $('#guide');
const step = guide.dataset.step ?? '';

const ORDER = ['feed-forward', 'unrolled-rnn', 'gates', 'attention', 'transformer', 'use-cases'];
const TITLES: Record<string, string> = {
  'feed-forward': '1. Why not a feed-forward network?', 'unrolled-rnn': '2. How an RNN carries context',
  gates: '3. How gates keep long-term memory', attention: '4. Encoder-decoder attention',
  transformer: '5. Self-attention and Transformers', 'use-cases': '6. The use cases',
};

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** A text box and a button, placed before `above`, that run `action` on the text (and once at the start). */
function liveInput(label: string, initial: string, above: HTMLElement, action: (text: string) => Promise<void>): void {
  const form = document.createElement('form');
  form.className = 'controls';
  form.innerHTML = `<label style="flex:1">${esc(label)} <input type="text" name="text"></label><button type="submit">Show</button>`;
  const input = form.querySelector('input')!;
  input.value = initial;
  const error = document.createElement('p');
  error.className = 'alert';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const run = (): void => {
    showError(error, null);
    action(input.value).then(() => { document.body.dataset.live = 'shown'; }, (err: unknown) => showError(error, err));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  guide.insertBefore(form, above);
  guide.insertBefore(error, above);
  run();
}

function section(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  guide.append(div);
  return div;
}

function output(): HTMLElement {
  const div = document.createElement('div');
  guide.append(div);
  return div;
}

async function explain(e: Engine, key: string, text: string, ids: RegExp, into: HTMLElement): Promise<void> {
  const ex = await e.call({ op: 'explain', key, text });
  showDiagrams(into, explanationDiagrams(ex, { topUnits: 24 }).filter((d) => ids.test(d.id)));
  if (ex.prediction) {
    const p = document.createElement('p');
    p.textContent = `${ex.prediction.label}: ${ex.prediction.items.slice(0, 5).map((i) => `${JSON.stringify(i.text)} ${percent(i.prob)}`).join(', ')}`;
    into.prepend(p);
  }
}

function feedForward(): void {
  section(`<p>A feed-forward network sees a fixed window: the last few tokens, concatenated. Anything before the window
    does not exist for it. A recurrent network reads one token at a time and carries a state forward, so in principle it
    can use everything it has read. Below, the same text goes to the bundled feed-forward window model and to the bundled
    LSTM. The highlighted part is all the window model sees.</p>`);
  const out = output();
  liveInput('Text', 'O Romeo, Romeo, wherefore art thou Rom', out, async (text) => {
    const ffn = await engine.call({ op: 'load', key: 'shakespeare-char-ffn' });
    const window = Number((ffn.config.model as { window?: number }).window ?? 0);
    const [a, b] = await Promise.all(['shakespeare-char-ffn', 'shakespeare-char-lstm'].map((key) => engine.call({ op: 'suggest', key, text, k: 3 })));
    const seen = text.slice(-window);
    const list = (s: typeof a): string => s.suggestions.map((x) => `<li>${esc(x.word)} (${percent(x.prob)})</li>`).join('');
    out.innerHTML = `<p>Window of ${window} characters: ${esc(text.slice(0, text.length - seen.length))}<mark class="window-mark">${esc(seen)}</mark></p>
      <div class="two"><div><h3>Feed-forward window</h3><ol>${list(a)}</ol></div><div><h3>LSTM</h3><ol>${list(b)}</ol></div></div>`;
  });
  section(`<h2>Measured: echo a token from k steps back</h2><p>Train a feed-forward window model (window 4) and a GRU of about the same
    size, here and now, to repeat the token seen 8 steps ago. Chance is 1 in 8. The window model cannot see that far back.</p>
    <p><button type="button" id="race">Train both (a few seconds)</button> <span id="race-status" role="status"></span></p><div id="race-out"></div>
    <p>The full experiment, every family at lags 5 to 50, is <code>seqlab compare memory</code>:</p>
    <figure class="diagram"><img src="${root}docs/memory/memory-echo.svg" alt="Accuracy against lag for each model family on the echo task" width="720"></figure>`);
  $('#race').addEventListener('click', () => {
    ($('#race') as HTMLButtonElement).disabled = true;
    $('#race-status').textContent = 'Training…';
    engine.call({ op: 'memoryRace', lag: 8, window: 4, steps: 300, models: ['ffn', 'gru'] }).then((rows) => {
      $('#race-status').textContent = '';
      $('#race-out').innerHTML = `<table class="data"><thead><tr><th scope="col">model</th><th scope="col">parameters</th><th scope="col">accuracy at lag 8</th></tr></thead>
        <tbody>${rows.map((r) => `<tr><td>${r.model}</td><td class="num">${r.parameters.toLocaleString('en')}</td><td class="num">${percent(r.accuracy)}</td></tr>`).join('')}</tbody></table>`;
      document.body.dataset.race = 'done';
    }, (err: Error) => { $('#race-status').textContent = err.message; }).finally(() => { ($('#race') as HTMLButtonElement).disabled = false; });
  });
}

function unrolled(): void {
  section(`<p>An RNN applies the same cell at every step: h<sub>t</sub> = tanh(W<sub>ih</sub> x<sub>t</sub> + W<sub>hh</sub> h<sub>t−1</sub> + b).
    Drawn unrolled through time, each column is one character; the small heatmaps are the hidden state after it
    (blue negative, red positive), and the arrows carry it to the next step. This is the bundled vanilla RNN, reading your text.</p>`);
  const out = output();
  liveInput('Text', 'to be or not', out, (text) => explain(engine, 'shakespeare-char-rnn', text, /^(unrolled|model)/, out));
}

function gates(): void {
  section(`<p>A vanilla RNN rewrites its whole state at every step, so old information fades. An LSTM keeps a separate cell
    state c<sub>t</sub> = f<sub>t</sub> ⊙ c<sub>t−1</sub> + i<sub>t</sub> ⊙ g<sub>t</sub>: when the forget gate f is near 1 and the input gate i
    near 0, a unit holds its value across many steps. A GRU does the same with its update gate z. Below are the gates of the
    bundled LSTM and GRU on your text, one row per unit (the most active units), one column per character. Look for rows of
    f that stay bright while c holds its colour.</p>`);
  const lstm = output();
  const gru = output();
  liveInput('Text', 'the king said: "I will go', lstm, async (text) => {
    await explain(engine, 'shakespeare-char-lstm', text, /^gates/, lstm);
    await explain(engine, 'shakespeare-char-gru', text, /^gates/, gru);
  });
}

function attention(): void {
  section(`<p>In a sequence-to-sequence model, a bidirectional encoder reads the source both ways, and at every output
    step the decoder attends over all the encoder's states: a softmax of scores gives weights that sum to one, and the
    weighted sum of states feeds the next word. The matrix shows those weights for the bundled German→English GRU
    translator; the unrolled encoder shows its forward and backward states.</p>`);
  const out = output();
  liveInput('German sentence', 'Zwei Hunde spielen im Schnee.', out, async (text) => {
    const key = 'multi30k-de-en-rnn-attention';
    await explain(engine, key, text, /^(align|unrolled|model)/, out);
  });
  section(`<p>More in the <a href="${root}translate.html?model=multi30k-de-en-rnn-attention">translation view</a>.</p>`);
}

function transformer(): void {
  section(`<p>A Transformer has no recurrence. Each layer lets every position look at every other (earlier, in a language
    model) through self-attention: queries and keys give softmax(QKᵀ/√d) weights over values, in several heads at once.
    Position comes from added positional encodings. Below: every head of every layer of the bundled character Transformer on
    your text, as matrices and as lines from each character to what it attends to.</p>`);
  const out = output();
  const lines = output();
  liveInput('Text', 'the king the queen the', out, async (text) => {
    const ex = await engine.call({ op: 'explain', key: 'shakespeare-char-transformer', text });
    showDiagrams(out, explanationDiagrams(ex).filter((d) => /^(heads|model)/.test(d.id)));
    showDiagrams(lines, explanationDiagrams(ex, { attentionMode: 'lines' }).filter((d) => d.id.startsWith('heads')));
  });
}

function useCases(): void {
  section(`<p>The same few architectures serve very different sequences. Three use cases, live:</p>
    <h2>Language models: the keyboard</h2><p>Predict the next word from a seed string, as phone keyboards do.
    Try the <a href="${root}keyboard.html">Keyboard</a>, or teach it your own words on <a href="${root}my-keyboard.html">Your keyboard</a>.
    Here the LSTM continues a seed:</p>`);
  const gen = output();
  liveInput('Seed', 'ROMEO:\n', gen, async (text) => {
    const r = await engine.call({ op: 'generate', key: 'shakespeare-char-lstm', prompt: text, length: 160, seed: 1 });
    gen.innerHTML = `<pre>${esc(text + r.text)}</pre>`;
  });
  section(`<h2>Machine translation</h2><p>German to English with a Transformer: see the <a href="${root}translate.html">translation view</a>.</p>
    <h2>Computational biology</h2><p>Which regions of a DNA or protein sequence are functional, and what they do, is the same
    kind of problem: a label per sequence, or per position. The <a href="${root}sequence.html">sequence view</a> runs a
    splice-junction classifier on DNA and a secondary-structure tagger on protein, with the positions each prediction rests on
    and the motifs the first layer learnt.</p>`);
  const models = output();
  Promise.all(['shakespeare-char-lstm', 'multi30k-de-en-transformer'].map((key) => engine.call({ op: 'load', key }))).then((infos) => {
    showDiagrams(models, infos.map((i) => ({ title: `models/${i.key}`, svg: modelDiagram(i.config, {}) })));
  }, (err: Error) => { models.textContent = err.message; });
}

const STEPS: Record<string, () => void> = {
  'feed-forward': feedForward, 'unrolled-rnn': unrolled, gates, attention, transformer, 'use-cases': useCases,
};
STEPS[step]?.();
const at = ORDER.indexOf(step);
const nav = document.createElement('p');
nav.className = 'next';
nav.innerHTML = [at > 0 ? `<a href="${ORDER[at - 1]}.html">← ${TITLES[ORDER[at - 1]]}</a>` : '',
  at < ORDER.length - 1 ? `<a href="${ORDER[at + 1]}.html">Next: ${TITLES[ORDER[at + 1]]} →</a>` : `<a href="${root}index.html">Back home</a>`]
  .filter(Boolean).join(' · ');
guide.append(nav);
