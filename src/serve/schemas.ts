/**
 * The JSON schemas of the request bodies. Fastify checks every body against its route's schema
 * before the handler runs: unknown fields, wrong types and texts over the length limit are 400s
 * naming the field (errors.ts words them). The task routes' fields mirror the CLI's flags.
 */

/** The limits a server runs under (the serve command's flags). */
export interface Limits {
  /** Largest request body in bytes (`--max-body`). */
  maxBody: number;
  /** Longest text field, sequence or generation, in characters or tokens (`--max-length`). */
  maxLength: number;
}

/** Most sentences in one translate request and most suggestions in one suggest request. */
export const MAX_SENTENCES = 1000;
export const MAX_K = 100;
/** Widest beam a request may ask for (the cost grows with it). */
export const MAX_BEAM = 32;

type Schema = Record<string, unknown>;

const modelId: Schema = { type: 'string', minLength: 1, maxLength: 256 };
const text = (limits: Limits, minLength = 0): Schema => ({ type: 'string', minLength, maxLength: limits.maxLength });
const whole = (minimum: number, maximum: number, value?: number): Schema =>
  ({ type: 'integer', minimum, maximum, ...(value === undefined ? {} : { default: value }) });

function body(required: string[], properties: Record<string, Schema>): Schema {
  return { type: 'object', additionalProperties: false, required, properties };
}

/** `POST /v1/suggest`: as `seqlab suggest DIR --text TEXT -k N`. */
export interface SuggestBody { model: string; text: string; k: number }
export const suggestSchema = (l: Limits): Schema => body(['model', 'text'], { model: modelId, text: text(l), k: whole(1, MAX_K, 3) });

/** `POST /v1/translate`: as `seqlab translate DIR --beam N --nbest N [--alignments] --json`, one `source` or many `sentences`. */
export interface TranslateBody { model: string; source?: string; sentences?: string[]; beam: number; nbest: number; alignments: boolean }
export const translateSchema = (l: Limits): Schema => body(['model'], {
  model: modelId,
  source: text(l),
  sentences: { type: 'array', minItems: 1, maxItems: MAX_SENTENCES, items: text(l) },
  beam: whole(1, MAX_BEAM, 5),
  nbest: whole(1, MAX_BEAM, 1),
  alignments: { type: 'boolean', default: false },
});

/**
 * `POST /v1/annotate`: as `seqlab annotate DIR --input FILE --format json [--saliency]`, with the
 * sequences inline (never a path): `fasta` text, or `csv` text (CSV or TSV with a `sequence` column).
 */
export interface AnnotateBody { model: string; fasta?: string; csv?: string; format: 'json'; saliency: boolean }
export const annotateSchema = (): Schema => body(['model'], {
  model: modelId,
  fasta: { type: 'string', minLength: 1 },
  csv: { type: 'string', minLength: 1 },
  format: { type: 'string', enum: ['json'], default: 'json' },
  saliency: { type: 'boolean', default: false },
});

/** `POST /v1/explain`: as `seqlab explain DIR --input TEXT --out FILE.json`. */
export interface ExplainBody { model: string; input: string }
export const explainSchema = (l: Limits): Schema => body(['model', 'input'], { model: modelId, input: text(l, 1) });

/** `POST /v1/completions`: OpenAI's completions request, the fields a seqlab language model can honour (and `top_k`). */
export interface CompletionBody {
  model: string;
  prompt: string;
  max_tokens: number;
  temperature: number;
  top_p: number;
  top_k: number;
  seed?: number;
  n: number;
  echo: boolean;
  stream: boolean;
  stream_options?: { include_usage?: boolean } | null;
  user?: string;
}
export const completionSchema = (l: Limits): Schema => body(['model', 'prompt'], {
  model: modelId,
  prompt: text(l),
  max_tokens: whole(0, l.maxLength, 16),
  temperature: { type: 'number', minimum: 0, maximum: 2, default: 1 },
  top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1 },
  top_k: whole(0, 1_000_000, 0),
  seed: whole(0, 2 ** 31 - 1),
  n: whole(1, 1, 1),
  echo: { type: 'boolean', default: false },
  stream: { type: 'boolean', default: false },
  stream_options: {
    anyOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, properties: { include_usage: { type: 'boolean' } } }],
  },
  user: { type: 'string', maxLength: 256 },
});

/**
 * Each sequence's length in `text` (FASTA records, or the rows of a CSV/TSV table), checked
 * against `maxLength`: the first one over it is returned as a problem, else null. The tasks
 * check the letters themselves; this bounds the work one request can ask for.
 */
export function longSequence(text: string, maxLength: number): string | null {
  const lines = text.split(/\r?\n/);
  if (lines.find((l) => l.trim() !== '')?.startsWith('>')) {
    let id = '';
    let length = 0;
    for (const line of [...lines, '>']) {
      if (line.startsWith('>')) {
        if (length > maxLength) return `record '${id}' has ${length} letters, over the limit of ${maxLength}`;
        id = line.slice(1).trim().split(/\s/, 1)[0];
        length = 0;
      } else length += line.trim().length;
    }
    return null;
  }
  const row = lines.findIndex((l, i) => i > 0 && l.length > maxLength);
  return row < 0 ? null : `line ${row + 1} has ${lines[row].length} characters, over the limit of ${maxLength}`;
}
