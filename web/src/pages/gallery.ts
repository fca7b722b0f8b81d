/** The diagram gallery: the snapshot tests' cases (test/viz/cases.ts), drawn in the page. */
import { CASES } from '../../../test/viz/cases.js';
import { $, startPage } from '../layout.js';

startPage();
const gallery = $('#gallery');
for (const c of CASES) {
  const section = document.createElement('section');
  section.id = c.name;
  const h2 = document.createElement('h2');
  h2.textContent = c.title;
  const fig = document.createElement('figure');
  fig.className = 'diagram';
  fig.innerHTML = c.svg();
  section.append(h2, fig);
  gallery.append(section);
  const li = document.createElement('li');
  li.innerHTML = `<a href="#${c.name}"></a>`;
  li.querySelector('a')!.textContent = c.title;
  $('#toc').append(li);
}
document.body.dataset.drawn = String(CASES.length);
