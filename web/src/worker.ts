/**
 * The explorer's engine: a dedicated Worker running seqlab's src/ on the WebAssembly backend, so
 * the page never freezes. Two threads when the page is cross-origin isolated (shared memory),
 * one otherwise. Models live here by key; pages ask for suggestions, translations, explanations,
 * annotations of DNA and protein (with saliency and motifs), training runs and checkpoint files
 * (protocol.ts).
 */
import { setThreads } from '../../src/backend/index.js';
import { SeqlabError } from '../../src/errors.js';
import { readConfig } from '../../src/store/checkpoint.js';
import { FILES, MemorySource, MemoryStore } from '../../src/store/store.js';
import { fineTuneLm } from '../../src/tasks/lm/finetune.js';
import { getTask, loadCheckpoint } from '../../src/tasks/registry.js';
import { runTraining } from '../../src/tasks/run-training.js';
import type { LoadedModel } from '../../src/tasks/task.js';
import { bundledFiles, CHECKPOINT_FILES, DATASETS, findModel } from './catalog.js';
import type { CheckpointFile, KeyboardScore, ModelInfo, Progress, Reply, Request, Results, TrainSpec } from './protocol.js';
import { splitHeldOut } from './text.js';
import { lmTrainThroughput } from './workloads.js';

interface Held {
  store: MemoryStore;
  model: LoadedModel;
  info: ModelInfo;
}

const scope = globalThis as unknown as { crossOriginIsolated?: boolean; postMessage(m: Reply): void; location: { href: string } };
const models = new Map<string, Held>();
let root = scope.location.href;
let uploads = 0;
let trained = 0;
/** What a page's FASTA text is called in the biology tasks' messages (`FASTA:3: record 'x' ...`). */
const FASTA = 'FASTA';

async function fetchBytes(path: string): Promise<Uint8Array | null> {
  const res = await fetch(new URL(path, root));
  if (res.status === 404) return null;
  if (!res.ok) throw new SeqlabError(`${path}: the server answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function fetchText(path: string): Promise<string> {
  const bytes = await fetchBytes(path);
  if (!bytes) throw new SeqlabError(`${path}: not found`);
  return new TextDecoder().decode(bytes);
}

function hold(key: string, store: MemoryStore): ModelInfo {
  const model = loadCheckpoint(store);
  const config = readConfig(store) as unknown as Record<string, unknown>;
  const params = store.has(FILES.model) ? countParameters(store.read(FILES.model)) : 0;
  const info: ModelInfo = { key, task: String(config.task), arch: String(config.arch), parameters: params, config };
  models.set(key, { store, model, info });
  return info;
}

/** Elements of every tensor in a safetensors file, from its header. */
function countParameters(bytes: Uint8Array): number {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { shape?: number[] }>;
  return Object.entries(header).filter(([k]) => k !== '__metadata__')
    .reduce((sum, [, t]) => sum + (t.shape ?? []).reduce((a, b) => a * b, 1), 0);
}

async function load(key: string): Promise<Held> {
  const held = models.get(key);
  if (held) return held;
  const bundled = findModel(key);
  if (!bundled) throw new SeqlabError(`model '${key}' is not loaded`);
  const store = new MemoryStore(`models/${key}`);
  for (const file of bundledFiles(key)) {
    const bytes = await fetchBytes(`models/${key}/${file}`);
    if (bytes) store.write(file, bytes);
  }
  hold(key, store);
  return models.get(key)!;
}

function need<K extends 'suggest' | 'translate' | 'explain' | 'generate' | 'annotate' | 'motifs'>(held: Held, what: K): NonNullable<LoadedModel[K]> {
  const fn = held.model[what];
  if (!fn) throw new SeqlabError(`${held.info.key}: a ${held.info.task} model cannot ${what}`);
  return fn.bind(held.model) as NonNullable<LoadedModel[K]>;
}

function scoreKeyboard(model: LoadedModel, text: string): KeyboardScore {
  const m = model.evaluate({ test: ['held-out'], settings: { words: 60 } }, new MemorySource({ 'held-out': text }));
  return { top3: Number(m.top3_accuracy), keystrokeSavings: Number(m.keystroke_savings), words: Number(m.words), loss: Number(m.loss) };
}

async function train(spec: TrainSpec, progress: (p: Progress) => void): Promise<Results['train']> {
  const text = spec.dataset === 'own' ? spec.text ?? '' : await fetchText(DATASETS.find((d) => d.id === spec.dataset)?.path
    ?? `data/${spec.dataset}`);
  const { train: trainText, heldOut } = splitHeldOut(text, 0.1, 200_000);
  const key = `trained-${++trained}`;
  const store = new MemoryStore(key);
  const result = await runTraining(getTask('lm'), {
    train: ['train'], valid: ['valid'], arch: spec.arch, preset: spec.preset, tokenizer: 'char',
    settings: { evalTokens: 4096 }, seed: spec.seed,
  }, new MemorySource({ train: trainText, valid: heldOut }), store, {
    trainer: { steps: spec.steps, evalEvery: spec.evalEvery, timeBudget: 0 },
    events: {
      onStep: (s) => progress({ kind: 'step', step: s.step, loss: s.loss, tokensPerSecond: s.tokensPerSecond, elapsed: s.elapsed, totalSteps: s.totalSteps }),
      onEval: (e) => {
        const model = loadCheckpoint(store);
        progress({ kind: 'eval', step: e.step, loss: e.metrics.loss, elapsed: e.elapsed,
          explanation: model.explain ? model.explain(spec.probe) : null, suggestions: model.suggest ? model.suggest(spec.probe, 3) : [] });
      },
    },
  });
  hold(key, store);
  return { key, steps: result.steps, seconds: result.seconds, bestLoss: result.bestLoss };
}

async function finetune(key: string, text: string, steps: number): Promise<Results['finetune']> {
  const held = await load(key);
  const { train: mine, heldOut } = splitHeldOut(text, 0.25, Infinity);
  if (heldOut.trim().split(/\s+/).length < 5) throw new SeqlabError('give a few more sentences: a quarter of your text is kept aside to score the keyboard, and it needs at least 5 words');
  const before = scoreKeyboard(held.model, heldOut);
  const into = new MemoryStore(`${key}+yours`);
  const r = await fineTuneLm(held.store, mine, into, { steps });
  const info = hold(`${key}+yours`, into);
  const after = scoreKeyboard(models.get(info.key)!.model, heldOut);
  return { key: info.key, before, after, steps: r.steps, seconds: r.seconds, trainChars: mine.length, heldOutChars: heldOut.length };
}

async function memoryRace(lag: number, window: number, steps: number, archs: string[]): Promise<Results['memoryRace']> {
  const out: Results['memoryRace'] = [];
  for (const arch of archs) {
    const store = new MemoryStore(`memory-${arch}`);
    const settings: Record<string, unknown> = { kind: 'echo', lag, ...(arch === 'ffn' ? { window } : {}) };
    const run = await runTraining(getTask('memory'), { train: [], valid: null, arch, settings, seed: 1 }, new MemorySource({}), store,
      { trainer: { steps, evalEvery: steps } });
    const m = loadCheckpoint(store).evaluate({ test: null, settings: {} }, new MemorySource({}));
    out.push({ model: arch, accuracy: Number(m.accuracy), parameters: run.parameters });
  }
  return out;
}

async function handle(req: Request, progress: (p: Progress) => void): Promise<unknown> {
  switch (req.op) {
    case 'init': {
      const isolated = scope.crossOriginIsolated === true;
      return { threads: await setThreads(isolated ? 2 : 1), isolated };
    }
    case 'load': return (await load(req.key)).info;
    case 'loadFiles': {
      const store = new MemoryStore(`uploaded-${++uploads}`);
      for (const f of req.files) store.write(f.name, f.bytes);
      if (!store.has(FILES.config)) throw new SeqlabError('choose the checkpoint\'s config.json with its other files');
      if (!store.has(FILES.model)) throw new SeqlabError('choose the checkpoint\'s model.safetensors with its other files');
      return hold(store.name, store);
    }
    case 'suggest': {
      const suggest = need(await load(req.key), 'suggest');
      const t0 = performance.now();
      const suggestions = suggest(req.text, req.k);
      return { suggestions, ms: performance.now() - t0 };
    }
    case 'explain': return need(await load(req.key), 'explain')(req.text);
    case 'translate': {
      const translate = need(await load(req.key), 'translate');
      const t0 = performance.now();
      const [r] = translate([req.text], { beam: req.beam, nbest: req.nbest, alignments: true });
      return { ...r, ms: performance.now() - t0 };
    }
    case 'generate': {
      let text = '';
      need(await load(req.key), 'generate')({ prompt: req.prompt, length: req.length, seed: req.seed,
        sampling: { temperature: 0.8, topK: 0, topP: 0.95 } }, (piece) => { text += piece; });
      return { text };
    }
    case 'annotate': {
      const annotate = need(await load(req.key), 'annotate');
      const t0 = performance.now();
      const annotation = annotate(new MemorySource({ [FASTA]: req.fasta }), FASTA, req.saliency);
      return { ...annotation, ms: performance.now() - t0 };
    }
    case 'motifs': return need(await load(req.key), 'motifs')(new MemorySource({ [FASTA]: req.fasta }),
      { input: FASTA, from: req.from, width: req.width });
    case 'train': return train(req.spec, progress);
    case 'files': {
      const { store } = await load(req.key);
      return CHECKPOINT_FILES.filter((f) => store.has(f)).map((name): CheckpointFile => ({ name, bytes: store.read(name) }));
    }
    case 'finetune': return finetune(req.key, req.text, req.steps);
    case 'memoryRace': return memoryRace(req.lag, req.window, req.steps, req.models);
    case 'benchTrain': {
      const threads = await setThreads(req.threads);
      const text = await fetchText(DATASETS[0].path);
      return { ...(await lmTrainThroughput(text, req.arch, req.steps)), threads };
    }
  }
}

/** One request at a time, in order: the engine is single-threaded apart from its GEMM pool. */
let queue: Promise<void> = Promise.resolve();

(globalThis as unknown as { onmessage: (e: MessageEvent<{ id: number; req: Request; root?: string }>) => void }).onmessage = (e) => {
  const { id, req } = e.data;
  if (e.data.root) root = e.data.root;
  queue = queue.then(async () => {
    try {
      const result = await handle(req, (progress) => scope.postMessage({ id, type: 'progress', progress }));
      scope.postMessage({ id, type: 'done', result });
    } catch (err) {
      scope.postMessage({ id, type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  });
};
