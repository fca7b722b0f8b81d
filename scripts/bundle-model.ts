/**
 * Makes a trained checkpoint folder into a model to ship in `models/`: the files `seqlab`
 * needs to use it (config.json, vocab.json where there is one, metrics.jsonl as its record),
 * with model.safetensors stored in half precision (F16: half the bytes; seqlab and PyTorch read
 * it back as float32). The training state (last.safetensors, optimizer, trainer state) stays out.
 *
 *   npx tsx scripts/bundle-model.ts SRC_DIR DEST_DIR
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, serializeSafetensors } from '../src/train/safetensors.js';

const [src, dest] = process.argv.slice(2);
if (!src || !dest) {
  process.stderr.write('usage: tsx scripts/bundle-model.ts SRC_DIR DEST_DIR\n');
  process.exit(2);
}
for (const file of ['config.json', 'model.safetensors']) {
  if (!existsSync(join(src, file))) {
    process.stderr.write(`bundle-model: ${join(src, file)} is missing\n`);
    process.exit(2);
  }
}
mkdirSync(dest, { recursive: true });
for (const file of ['config.json', 'vocab.json', 'metrics.jsonl']) {
  if (existsSync(join(src, file))) copyFileSync(join(src, file), join(dest, file));
}
const { tensors, metadata } = parseSafetensors(readFileSync(join(src, 'model.safetensors')));
writeFileSync(join(dest, 'model.safetensors'), serializeSafetensors(tensors, { ...metadata, stored: 'F16, rounded from F32' }, 'F16'));
process.stdout.write(`${dest}: ${tensors.size} tensors in half precision\n`);
