#!/usr/bin/env node
/* global process */
// The `seqlab` command: the compiled CLI (built by `npm install` through the prepare script).
// Node 20 validates relaxed SIMD only behind a flag; set it before any WebAssembly compiles so
// the backend can pick its fused multiply-add build (later Node versions have it on).
// The trainer gives tensor memory back between steps by asking for a collection through
// globalThis.gc, where the program provides one (src/backend/settle.ts): as `node --expose-gc`
// would, turn the flag on and take `gc` from a new context (the flag alone defines no global).
// Process flags are the program's to set, so this is done here and not in the library.
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
v8.setFlagsFromString('--expose-gc');
globalThis.gc ??= vm.runInNewContext('gc');
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
