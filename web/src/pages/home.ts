/** The home page: links to every page, and the bundled models' architectures drawn from their configs. */
import { modelDiagram } from '../../../src/viz/index.js';
import { LANGUAGE_MODELS, TRANSLATION_MODELS } from '../catalog.js';
import { $, showDiagrams, startPage } from '../layout.js';

const { engine } = startPage();
const families = $('#families');
const shown = [LANGUAGE_MODELS.find((m) => m.arch === 'lstm')!, LANGUAGE_MODELS.find((m) => m.arch === 'transformer')!,
  TRANSLATION_MODELS.find((m) => m.arch === 'rnn-attention')!];
Promise.all(shown.map((m) => engine.call({ op: 'load', key: m.id }))).then((infos) => {
  showDiagrams(families, infos.map((info, i) => ({
    title: `${shown[i].label}: ${info.parameters.toLocaleString('en')} parameters (models/${info.key})`,
    svg: modelDiagram(info.config, {}),
  })));
}, (err: Error) => { families.textContent = err.message; });
