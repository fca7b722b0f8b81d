/**
 * Serves the repository's bundled models and data to the explorer, and copies them into the
 * static build: `/models/NAME/FILE` from models/, `/data/NAME/FILE` from data/, and
 * `/docs/memory/FILE` (the memory experiment's chart). Only the files these folders hold are
 * served, by exact name: no path from a request reaches anything else.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

const FOLDERS = ['models', 'data', 'docs/memory'];
const TYPES: Record<string, string> = {
  json: 'application/json', jsonl: 'application/json', txt: 'text/plain; charset=utf-8', svg: 'image/svg+xml',
  md: 'text/markdown; charset=utf-8', de: 'text/plain; charset=utf-8', en: 'text/plain; charset=utf-8',
};

/** Every servable file: URL path (`/models/x/config.json`) → absolute path. */
function listAssets(repo: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (rel: string): void => {
    const abs = join(repo, rel);
    if (!existsSync(abs)) return;
    for (const name of readdirSync(abs)) {
      const child = `${rel}/${name}`;
      if (statSync(join(repo, child)).isDirectory()) walk(child);
      else found.set(`/${child}`, join(repo, child));
    }
  };
  for (const f of FOLDERS) walk(f);
  return found;
}

export function seqlabAssets(repo: string): Plugin {
  return {
    name: 'seqlab-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]);
        const file = listAssets(repo).get(path);
        if (!file) return next();
        const ext = path.slice(path.lastIndexOf('.') + 1);
        res.setHeader('Content-Type', TYPES[ext] ?? 'application/octet-stream');
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [url, file] of listAssets(repo)) this.emitFile({ type: 'asset', fileName: url.slice(1), source: readFileSync(file) });
    },
  };
}
