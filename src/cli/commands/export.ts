import type { Command } from 'commander';
import { exportOnnx } from '../../export/onnx/index.js';
import { exportPytorch } from '../../export/pytorch/index.js';
import { folder, UsageError } from '../run.js';

const FORMATS = ['pytorch', 'onnx'] as const;

export function registerExport(program: Command): void {
  program.command('export')
    .description('write a checkpoint for another engine: a PyTorch package (model.py, train_ddp.py, config, weights) or one ONNX graph')
    .argument('<dir>', 'checkpoint folder')
    .requiredOption('--format <format>', `pytorch (a folder a PyTorch user runs, with torchrun for DistributedDataParallel) or onnx (one .onnx file)`)
    .requiredOption('--out <path>', 'pytorch: the package folder to write; onnx: the .onnx file to write')
    .action((dir: string, flags: { format: string; out: string }) => {
      if (!(FORMATS as readonly string[]).includes(flags.format)) {
        throw new UsageError(`--format: '${flags.format}' is not one of ${FORMATS.join(', ')}`);
      }
      const store = folder(dir);
      if (flags.format === 'pytorch') exportPytorch(store, flags.out);
      else exportOnnx(store, flags.out);
    });
}
