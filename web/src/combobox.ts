/**
 * The keyboard box: a text input that is an ARIA combobox (WAI-ARIA Authoring Practices,
 * "combobox with listbox popup") whose three suggestions are `role="option"` elements. After
 * every keystroke it asks the engine for suggestions, shows them with their probabilities, and
 * records the keystroke's latency: from the input event to the suggestions on screen.
 */
import type { Engine } from './client.js';
import type { Suggestion } from '../../src/tasks/task.js';

export interface KeyboardBox {
  /** Latencies (ms) of the keystrokes answered so far. */
  readonly latencies: number[];
  setModel(key: string): void;
  /** Asks again for the current text (after a model switch). */
  refresh(): void;
}

export function median(xs: readonly number[], q = 0.5): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/**
 * Wires the combobox `input`, its listbox `list` and a latency line; `onShown` runs after each
 * set of suggestions is on screen (pages draw the state behind the prediction there).
 */
export function keyboardBox(engine: Engine, input: HTMLInputElement, list: HTMLElement, latency: HTMLElement,
  options: { model: string; onShown?: (text: string) => void; onError?: (err: unknown) => void }): KeyboardBox {
  let model = options.model;
  let asked = 0;
  let active = -1;
  let shown: Suggestion[] = [];
  const latencies: number[] = [];

  const select = (i: number): void => {
    active = i;
    list.querySelectorAll('[role="option"]').forEach((el, j) => el.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', `${list.id}-${i}`);
    else input.removeAttribute('aria-activedescendant');
  };

  const accept = (i: number): void => {
    const word = shown[i]?.word;
    if (!word) return;
    const text = input.value;
    const partial = /\S+$/.exec(text);
    input.value = (partial ? text.slice(0, partial.index) : text) + word + ' ';
    input.focus();
    ask(performance.now());
  };

  const render = (suggestions: Suggestion[]): void => {
    shown = suggestions;
    list.replaceChildren(...suggestions.map((s, i) => {
      const li = document.createElement('li');
      li.id = `${list.id}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.innerHTML = '<span class="word"></span><span class="prob"></span>';
      li.querySelector('.word')!.textContent = s.word;
      li.querySelector('.prob')!.textContent = `${(100 * s.prob).toFixed(1)}%`;
      li.addEventListener('mousedown', (e) => e.preventDefault());
      li.addEventListener('click', () => accept(i));
      return li;
    }));
    input.setAttribute('aria-expanded', String(suggestions.length > 0));
    select(-1);
  };

  const ask = (t0: number): void => {
    const id = ++asked;
    const text = input.value;
    engine.call({ op: 'suggest', key: model, text, k: 3 }).then((r) => {
      if (id !== asked) return; // a newer keystroke is on its way
      render(r.suggestions);
      const ms = performance.now() - t0;
      latencies.push(ms);
      latency.dataset.latencies = latencies.map((x) => x.toFixed(1)).join(",");
      latency.textContent = `This keystroke: ${ms.toFixed(0)} ms to suggestions (model ${r.ms.toFixed(0)} ms). `
        + `Median ${median(latencies).toFixed(0)} ms, p90 ${median(latencies, 0.9).toFixed(0)} ms over ${latencies.length} keystrokes.`;
      options.onShown?.(text);
    }, (err: unknown) => options.onError?.(err));
  };

  input.addEventListener('input', () => ask(performance.now()));
  input.addEventListener('keydown', (e) => {
    if (!shown.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight' && e.altKey) {
      e.preventDefault();
      select((active + 1) % shown.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      select(active <= 0 ? shown.length - 1 : active - 1);
    } else if ((e.key === 'Enter' || e.key === 'Tab') && active >= 0) {
      e.preventDefault();
      accept(active);
    } else if (e.key === 'Escape') {
      render([]);
    }
  });
  return {
    latencies,
    setModel: (key) => { model = key; },
    refresh: () => ask(performance.now()),
  };
}
