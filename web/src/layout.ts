/**
 * What every explorer page shares: the header with the site's links, the engine Worker, and
 * small DOM helpers. Pages are plain HTML with a script that wires them up.
 */
import { Engine } from './client.js';

export const PAGES: readonly { href: string; label: string }[] = [
  { href: 'index.html', label: 'Home' },
  { href: 'guide/feed-forward.html', label: 'Guide' },
  { href: 'keyboard.html', label: 'Keyboard' },
  { href: 'my-keyboard.html', label: 'Your keyboard' },
  { href: 'translate.html', label: 'Translation' },
  { href: 'sequence.html', label: 'Sequences' },
  { href: 'train.html', label: 'Train' },
];

/** The site's root URL, from the page's `<meta name="seqlab-root">` (pages in guide/ sit one level down). */
export function siteRoot(): string {
  const rel = document.querySelector<HTMLMetaElement>('meta[name="seqlab-root"]')?.content ?? './';
  return new URL(rel, location.href).href;
}

/** Adds the site header (skip link, title, navigation) and starts the engine. */
export function startPage(): { engine: Engine; root: string } {
  const root = siteRoot();
  const header = document.createElement('header');
  header.className = 'site';
  const here = location.pathname.replace(/\/$/, '/index.html');
  header.innerHTML = `<a class="skip" href="#main">Skip to content</a><a class="brand" href="${root}index.html">seqlab explorer</a>`;
  const nav = document.createElement('nav');
  nav.setAttribute('aria-label', 'Site');
  for (const p of PAGES) {
    const a = document.createElement('a');
    a.href = root + p.href;
    a.textContent = p.label;
    if (here.endsWith(`/${p.href}`) || (p.label === 'Guide' && here.includes('/guide/'))) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
  header.append(nav);
  document.body.prepend(header);
  const engine = new Engine(root);
  const status = document.createElement('p');
  status.className = 'engine-status';
  status.setAttribute('role', 'status');
  status.textContent = 'Starting the engine…';
  document.body.append(status);
  engine.ready.then((r) => {
    status.textContent = `Engine: seqlab on WebAssembly in a Web Worker, ${r.threads} thread${r.threads > 1 ? 's' : ''}${r.isolated ? ' (cross-origin isolated)' : ''}.`;
    document.body.dataset.engine = 'ready';
  }, (err: Error) => { status.textContent = `The engine did not start: ${err.message}`; });
  return { engine, root };
}

export function $(selector: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`page: ${selector} is missing`);
  return el;
}

/** Puts diagrams (SVG strings made by src/viz) into a container, each under its title. */
export function showDiagrams(container: HTMLElement, diagrams: readonly { title: string; svg: string }[]): void {
  container.replaceChildren(...diagrams.map((d) => {
    const fig = document.createElement('figure');
    fig.className = 'diagram';
    fig.innerHTML = d.svg; // each diagram carries its own title
    fig.setAttribute('aria-label', d.title);
    return fig;
  }));
}

/** Shows an error (or clears it) in a page's alert region. */
export function showError(container: HTMLElement, err: unknown): void {
  container.textContent = err ? (err instanceof Error ? err.message : String(err)) : '';
  container.hidden = !err;
}

export function percent(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** Fills a <select> with options. */
export function fillSelect(select: HTMLSelectElement, items: readonly { value: string; label: string }[]): void {
  select.replaceChildren(...items.map((i) => new Option(i.label, i.value)));
}
