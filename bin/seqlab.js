#!/usr/bin/env node
/* global process */
// The `seqlab` command: the compiled CLI (built by `npm install` through the prepare script).
// Node 20 validates relaxed SIMD only behind a flag; set it before any WebAssembly compiles so
// the backend can pick its fused multiply-add build (later Node versions have it on).
import v8 from 'node:v8';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
