/**
 * Splits a text file by lines into consecutive train / valid / test parts, for the figures in
 * README.md (War and Peace, word level):
 *
 *   npx tsx bench/split-text.ts ../shared/data/lm-war-and-peace/input.txt runs/wp 80,10,10
 *
 * writes runs/wp/train.txt, valid.txt and test.txt: the first 80% of the lines, the next 10%,
 * and the rest. Deterministic: no shuffling, so the test text is a stretch the model never saw.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [input, outDir, shares = '80,10,10'] = process.argv.slice(2);
if (!input || !outDir) {
  console.error('usage: npx tsx bench/split-text.ts INPUT OUT_DIR [TRAIN,VALID,TEST percent]');
  process.exit(2);
}
const parts = shares.split(',').map(Number);
if (parts.length !== 3 || parts.some((p) => !(p >= 0)) || parts[0] + parts[1] + parts[2] !== 100) {
  console.error(`split-text: shares '${shares}' must be three percentages adding up to 100`);
  process.exit(2);
}
const lines = readFileSync(input, 'utf8').split('\n');
const a = Math.floor((lines.length * parts[0]) / 100);
const b = Math.floor((lines.length * (parts[0] + parts[1])) / 100);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'train.txt'), `${lines.slice(0, a).join('\n')}\n`);
writeFileSync(join(outDir, 'valid.txt'), `${lines.slice(a, b).join('\n')}\n`);
writeFileSync(join(outDir, 'test.txt'), lines.slice(b).join('\n'));
console.log(`${input}: ${a} / ${b - a} / ${lines.length - b} lines → ${outDir}/{train,valid,test}.txt`);
