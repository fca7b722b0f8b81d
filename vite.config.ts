/**
 * The explorer's build (Vite). `npm start` serves web/ on http://127.0.0.1:5173 (`--port N` to
 * change it); `npm run build:web` writes the static site to dist-web/. Both send the
 * cross-origin isolation headers (COOP/COEP), so the WebAssembly backend may use a shared memory
 * and two threads in the page's Worker. Bundled models and data come from the repository's
 * models/ and data/ folders (web/assets-plugin.ts): nothing is fetched from another host.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { seqlabAssets } from './web/assets-plugin.js';

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const root = resolve(import.meta.dirname, 'web');
const pages = (dir: string): string[] => readdirSync(resolve(root, dir)).filter((f) => f.endsWith('.html')).map((f) => resolve(root, dir, f));

export default defineConfig({
  root,
  base: './',
  appType: 'mpa',
  clearScreen: false,
  plugins: [seqlabAssets(import.meta.dirname)],
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: ISOLATION, fs: { allow: [import.meta.dirname] } },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: ISOLATION },
  worker: { format: 'es' },
  optimizeDeps: { include: ['d3-scale', 'd3-scale-chromatic'] },
  build: {
    outDir: resolve(import.meta.dirname, 'dist-web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rollupOptions: { input: [...pages('.'), ...pages('guide')] },
  },
});
