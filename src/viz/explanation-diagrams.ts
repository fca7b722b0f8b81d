/**
 * Every diagram that applies to an Explanation (src/inspect/explanation.ts): the model's
 * architecture; per recurrent layer its unrolled cell (both directions of a bidirectional layer
 * in one drawing) and its gate heatmap; an alignment matrix per cross-attention module; the
 * self-attention heads of each attention stack. The CLI and the explorer both draw with it.
 */
import type { AttentionTrace, Explanation, RecurrentTrace } from '../inspect/explanation.js';
import { alignmentMatrix } from './alignment-matrix.js';
import { attentionHeads } from './attention-heads.js';
import { gateHeatmap } from './gate-heatmap.js';
import { modelDiagram } from './model-diagram.js';
import { unrolledRnn } from './unrolled-rnn.js';

/** One drawn diagram: a stable id (usable as an HTML id), a heading, and the SVG markup. */
export interface Diagram {
  id: string;
  title: string;
  svg: string;
}

export interface ExplanationDiagramOptions {
  /** Steps drawn in unrolled RNNs; default 16. */
  maxSteps?: number;
  /** Units shown per gate heatmap (the most varying); default 32. */
  topUnits?: number;
  /** How self-attention heads are drawn; default 'matrix'. */
  attentionMode?: 'matrix' | 'lines';
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'root';

/** Recurrent traces grouped by cell stack and layer (forward first): one group per drawn layer. */
function recurrentGroups(traces: readonly RecurrentTrace[]): RecurrentTrace[][] {
  const groups = new Map<string, RecurrentTrace[]>();
  for (const t of traces) {
    const stack = t.module.replace(/\.?l\d+(_reverse)?$/, '');
    const key = `${stack}#${t.layer}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()].map((g) => [...g].sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'forward' ? -1 : 1)));
}

/** Self-attention traces grouped by stack (the module path up to `layers.N`), layers in order. */
function selfAttentionStacks(traces: readonly AttentionTrace[]): AttentionTrace[][] {
  const stacks = new Map<string, AttentionTrace[]>();
  for (const t of traces.filter((a) => a.kind === 'self')) {
    const stack = t.module.replace(/\.?layers\.\d+\..*$/, '') || 'model';
    stacks.set(stack, [...(stacks.get(stack) ?? []), t]);
  }
  return [...stacks.values()].map((s) => [...s].sort((a, b) => a.layer - b.layer));
}

const directionTitle = (g: readonly RecurrentTrace[]): string => (g.length === 2 ? ', bidirectional' : g[0].direction === 'backward' ? ', backward' : '');

/** The diagrams of `e`, in reading order; see the file comment. */
export function explanationDiagrams(e: Explanation, options: ExplanationDiagramOptions = {}): Diagram[] {
  const out: Diagram[] = [];
  const modelTitle = `Architecture: ${e.task} ${e.arch}`;
  out.push({ id: 'model', title: modelTitle, svg: modelDiagram(e.config, { title: modelTitle }) });
  const groups = recurrentGroups(e.recurrent);
  for (const group of groups) {
    const first = group[0];
    const where = `${first.module.replace(/\.?l\d+(_reverse)?$/, '') || 'rnn'} layer ${first.layer + 1}`;
    const unrolledTitle = `Unrolled ${first.kind.toUpperCase()}: ${where}${directionTitle(group)}`;
    // A language model's top layer outputs the next token: the following input, then the prediction.
    const top = e.task === 'lm' && first.layer === Math.max(...groups.map((g) => g[0].layer));
    const outputs = top ? [...first.tokens.slice(1), e.prediction?.items[0]?.text ?? '?'] : undefined;
    out.push({
      id: `unrolled-${slug(first.module)}`, title: unrolledTitle,
      svg: unrolledRnn({
        kind: first.kind, tokens: first.tokens, outputs,
        rows: group.map((t) => ({ direction: t.direction, h: t.states.h, ...(t.states.c ? { c: t.states.c } : {}) })),
      }, { title: unrolledTitle, maxSteps: options.maxSteps }),
    });
    for (const t of group) {
      const gatesTitle = `Gates of ${t.kind.toUpperCase()}: ${where}${group.length === 2 ? `, ${t.direction}` : ''}`;
      out.push({ id: `gates-${slug(t.module)}`, title: gatesTitle, svg: gateHeatmap(t, { title: gatesTitle, topUnits: options.topUnits ?? 32 }) });
    }
  }
  for (const a of e.attention.filter((x) => x.kind === 'cross')) {
    const heads = a.heads.length;
    // The alignment is the mean over heads, as `seqlab translate --alignments` reports it.
    const weights = a.heads[0].map((row, q) => row.map((_, k) => a.heads.reduce((s, h) => s + h[q][k], 0) / heads));
    const title = `Cross-attention: ${a.module}${heads > 1 ? ` (mean of ${heads} heads)` : ''}`;
    out.push({ id: `align-${slug(a.module)}`, title, svg: alignmentMatrix({ source: a.keys, target: a.queries, weights }, { title }) });
  }
  for (const stack of selfAttentionStacks(e.attention)) {
    const name = stack[0].module.replace(/\.?layers\.\d+\..*$/, '') || 'model';
    const title = `Self-attention: ${name}`;
    out.push({
      id: `heads-${slug(name)}`, title,
      svg: attentionHeads({ layers: stack.map((a) => ({ label: `layer ${a.layer + 1}`, queries: a.queries, keys: a.keys, heads: a.heads })) },
        { title, mode: options.attentionMode ?? 'matrix' }),
    });
  }
  return out;
}
