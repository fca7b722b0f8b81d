/**
 * A model's architecture as blocks with tensor shapes, drawn from its config.json: top to
 * bottom from the token ids to the output distribution, e.g.
 *   tokens [B, T] → Embedding [B, T, E] → LSTM ×L [B, T, H] → Linear [B, T, V] → softmax.
 * Translation models get two columns, encoder and decoder, joined by the attention over the
 * source (cross-attention in a Transformer). Tasks: lm and memory (ffn | rnn | gru | lstm |
 * transformer), translate (transformer | rnn-attention | rnn). Anything else is a SeqlabError.
 */
import { SeqlabError } from '../errors.js';
import { arrow, esc, fmt, svgDoc, text } from './svg.js';

/** The parts of config.json the diagram reads. */
export interface ModelDiagramConfig {
  task?: unknown;
  arch?: unknown;
  model?: unknown;
  [key: string]: unknown;
}

export interface ModelDiagramOptions {
  title?: string;
}

interface Block {
  label: string;
  shape: string;
  detail?: string;
  /** Fill colour by kind of block. */
  tone: 'io' | 'embed' | 'recurrent' | 'attention' | 'dense';
}

interface Column {
  name: string;
  blocks: Block[];
}

/** A cross edge: from block `from` of the encoder column into block `to` of the decoder column. */
interface Link {
  from: number;
  to: number;
  label: string;
}

const TONES: Record<Block['tone'], string> = {
  io: '#eeeeee', embed: '#dbe9f6', recurrent: '#fde2c8', attention: '#e2f0d9', dense: '#ece2f4',
};

function num(model: Record<string, unknown>, key: string, fallback?: number): number {
  const v = model[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SeqlabError(`modelDiagram: model.${key} should be a number, got ${JSON.stringify(v)}`);
  return v;
}

const times = (n: number): string => (n > 1 ? ` ×${n}` : '');

function causalColumn(arch: string, m: Record<string, unknown>, outputName: string): Column {
  const E = num(m, 'embedDim', 64);
  const H = num(m, 'hiddenSize', 256);
  const L = num(m, 'numLayers', 1);
  const V = num(m, 'outputSize', 0) || num(m, 'vocabSize');
  const head = { label: 'Linear', shape: `[B, T, ${V}]`, detail: `${outputName} scores`, tone: 'dense' } as const;
  const soft = { label: 'softmax', shape: `[B, T, ${V}]`, detail: `P(${outputName})`, tone: 'io' } as const;
  const blocks: Block[] = [{ label: 'tokens', shape: '[B, T]', detail: `ids < ${num(m, 'vocabSize')}`, tone: 'io' }];
  switch (arch) {
    case 'ffn': {
      const k = num(m, 'window', 4);
      blocks.push({ label: 'Embedding', shape: `[B, T, ${E}]`, tone: 'embed' },
        { label: `window of ${k}`, shape: `[B, T, ${k * E}]`, detail: 'last k embeddings, concatenated', tone: 'dense' },
        { label: 'Linear + tanh', shape: `[B, T, ${H}]`, tone: 'dense' });
      break;
    }
    case 'rnn': case 'gru': case 'lstm':
      blocks.push({ label: 'Embedding', shape: `[B, T, ${E}]`, tone: 'embed' },
        { label: `${arch.toUpperCase()}${times(L)}`, shape: `[B, T, ${H}]`, detail: `${L} layer${L > 1 ? 's' : ''}, state carried over time`, tone: 'recurrent' });
      break;
    case 'transformer': {
      const heads = num(m, 'nhead', 4);
      blocks.push({ label: 'Embedding + positions', shape: `[B, T, ${E}]`, detail: `learned, ${num(m, 'context', 64)} positions`, tone: 'embed' },
        { label: `Decoder layer${times(L)}`, shape: `[B, T, ${E}]`, detail: `masked self-attention (${heads} heads), FFN ${H}`, tone: 'attention' },
        { label: 'LayerNorm', shape: `[B, T, ${E}]`, tone: 'dense' });
      break;
    }
    default:
      throw new SeqlabError(`modelDiagram: unknown architecture '${arch}' for a causal model (expected ffn, rnn, gru, lstm or transformer)`);
  }
  blocks.push(head, soft);
  return { name: 'model', blocks };
}

function translateColumns(arch: string, m: Record<string, unknown>): { columns: Column[]; links: Link[] } {
  const Vs = num(m, 'sourceVocab');
  const Vt = num(m, 'targetVocab');
  if (arch === 'transformer') {
    const d = num(m, 'dModel', 256);
    const heads = num(m, 'nhead', 4);
    const ff = num(m, 'dimFeedforward', 1024);
    const encoder: Column = { name: 'encoder', blocks: [
      { label: 'source tokens', shape: '[B, S]', detail: `ids < ${Vs}`, tone: 'io' },
      { label: 'Embedding + sinusoids', shape: `[B, S, ${d}]`, tone: 'embed' },
      { label: `Encoder layer${times(num(m, 'numEncoderLayers', 3))}`, shape: `[B, S, ${d}]`, detail: `self-attention (${heads} heads), FFN ${ff}`, tone: 'attention' },
    ] };
    const decoder: Column = { name: 'decoder', blocks: [
      { label: 'target tokens', shape: '[B, T]', detail: `<bos> + ids < ${Vt}`, tone: 'io' },
      { label: 'Embedding + sinusoids', shape: `[B, T, ${d}]`, tone: 'embed' },
      { label: `Decoder layer${times(num(m, 'numDecoderLayers', 3))}`, shape: `[B, T, ${d}]`, detail: `masked self-attn + cross-attn (${heads} heads), FFN ${ff}`, tone: 'attention' },
      { label: 'Linear', shape: `[B, T, ${Vt}]`, tone: 'dense' },
      { label: 'softmax', shape: `[B, T, ${Vt}]`, detail: 'P(next target token)', tone: 'io' },
    ] };
    return { columns: [encoder, decoder], links: [{ from: 2, to: 2, label: `memory [B, S, ${d}] → cross-attention` }] };
  }
  if (arch !== 'rnn-attention' && arch !== 'rnn') {
    throw new SeqlabError(`modelDiagram: unknown translation architecture '${arch}' (expected transformer, rnn-attention or rnn)`);
  }
  const E = num(m, 'embedDim', 256);
  const H = num(m, 'hiddenSize', 256);
  const L = num(m, 'numLayers', 1);
  const cell = String(m.cell ?? 'gru').toUpperCase();
  const attention = String(m.attention ?? (arch === 'rnn' ? 'none' : 'additive'));
  const encoder: Column = { name: 'encoder', blocks: [
    { label: 'source tokens', shape: '[B, S]', detail: `ids < ${Vs}`, tone: 'io' },
    { label: 'Embedding', shape: `[B, S, ${E}]`, tone: 'embed' },
    { label: `bidirectional ${cell}${times(L)}`, shape: `[B, S, ${2 * H}]`, detail: 'forward and backward states, side by side', tone: 'recurrent' },
    { label: 'bridge (Linear + tanh)', shape: `[${L}, B, ${H}]`, detail: 'initial decoder state', tone: 'dense' },
  ] };
  const blocks: Block[] = [
    { label: 'target tokens', shape: '[B, T]', detail: `<bos> + ids < ${Vt}`, tone: 'io' },
    { label: 'Embedding', shape: `[B, T, ${E}]`, tone: 'embed' },
    { label: `${cell}${times(L)}`, shape: `[B, T, ${H}]`, detail: 'one step per target token', tone: 'recurrent' },
  ];
  if (attention !== 'none') blocks.push({ label: `${attention} attention`, shape: `[B, T, ${H}]`, detail: 'weights over the S source states', tone: 'attention' });
  blocks.push({ label: 'Linear', shape: `[B, T, ${Vt}]`, tone: 'dense' }, { label: 'softmax', shape: `[B, T, ${Vt}]`, detail: 'P(next target token)', tone: 'io' });
  const links: Link[] = [{ from: 3, to: 2, label: 'initial state' }];
  if (attention !== 'none') links.push({ from: 2, to: 3, label: `memory [B, S, ${2 * H}]` });
  return { columns: [encoder, { name: 'decoder', blocks }], links };
}

const BOX_W = 290;
const BOX_H = 44;
const GAP = 26;
const COL_GAP = 200;

function drawBlock(b: Block, x: number, y: number): string {
  return `<g class="block"><rect x="${fmt(x)}" y="${fmt(y)}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${TONES[b.tone]}" stroke="#555"><title>${esc(`${b.label} ${b.shape}`)}</title></rect>`
    + text(x + 10, y + 17, b.label, { size: 12, weight: 'bold' })
    + text(x + BOX_W - 10, y + 17, b.shape, { anchor: 'end', size: 11, fill: '#333', cls: 'shape' })
    + (b.detail ? text(x + 10, y + 34, b.detail, { size: 10, fill: '#555' }) : '')
    + '</g>';
}

/** SVG of the architecture `config` (a config.json object) describes; see the file comment. */
export function modelDiagram(config: ModelDiagramConfig, options: ModelDiagramOptions = {}): string {
  const { task, arch, model } = config;
  if (typeof model !== 'object' || model === null) throw new SeqlabError('modelDiagram: the config has no "model" section');
  const m = model as Record<string, unknown>;
  let columns: Column[];
  let links: Link[] = [];
  if (task === 'lm' || task === 'memory') columns = [causalColumn(String(arch), m, task === 'lm' ? 'next token' : 'class')];
  else if (task === 'translate') ({ columns, links } = translateColumns(String(arch), m));
  else throw new SeqlabError(`modelDiagram: unknown task '${String(task)}' (expected lm, memory or translate)`);
  const title = options.title ?? `${String(task)} model: ${String(arch)}`;
  const top = 56;
  const left = 20;
  const colX = (c: number): number => left + c * (BOX_W + COL_GAP);
  const blockY = (i: number): number => top + i * (BOX_H + GAP);
  const body: string[] = [text(8, 18, title, { size: 14, weight: 'bold' }), text(8, 36, 'B: batch, T: target/sequence length, S: source length', { size: 10, fill: '#666' })];
  columns.forEach((col, c) => {
    if (columns.length > 1) body.push(text(colX(c) + BOX_W / 2, top - 6, col.name, { anchor: 'middle', size: 12, fill: '#333' }));
    col.blocks.forEach((b, i) => {
      body.push(drawBlock(b, colX(c), blockY(i)));
      if (i > 0) body.push(arrow(colX(c) + BOX_W / 2, blockY(i) - GAP + 2, colX(c) + BOX_W / 2, blockY(i) - 2));
    });
  });
  for (const l of links) {
    const [x1, x2] = [colX(0) + BOX_W, colX(1)];
    const [y1, y2] = [blockY(l.from) + BOX_H / 2, blockY(l.to) + BOX_H / 2];
    body.push(`<g class="link">${arrow(x1 + 2, y1, x2 - 2, y2, '#2a7a2a')}${text(x1 + 8, y1 - 5, l.label, { size: 9, fill: '#2a7a2a' })}</g>`);
  }
  const rows = Math.max(...columns.map((c) => c.blocks.length));
  return svgDoc(Math.max(380, colX(columns.length - 1) + BOX_W + 20), blockY(rows) + 4, title, body);
}
