import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// As bin/seqlab.js does for the CLI: the program, not the library, exposes the collector that the
// wasm backend's afterStep asks between training steps (src/backend/settle.ts), so training in the
// tests recycles heap blocks as it does from the command line. The flag alone defines no global.
setFlagsFromString('--expose-gc');
globalThis.gc ??= runInNewContext('gc') as NodeJS.GCFunction;
