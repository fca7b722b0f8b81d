"""Trains an exported seqlab model with DistributedDataParallel, starting from its weights, on the
data formats seqlab reads, and writes a seqlab checkpoint folder that every seqlab command loads.

    torchrun --nproc_per_node N train_ddp.py --train PATH [PATH ...] [--valid PATH [PATH ...]] \\
        --steps N --out DIR [--batch N] [--lr X] [--seed N]

gloo on CPU, nccl on GPUs (one process per GPU). Each process reads its own shard of the examples
(DistributedSampler); DDP averages the gradients, so every process holds the same weights. Rank 0
evaluates on the validation data (given, or the 10% seqlab holds out) and writes DIR. Run without
torchrun (`python train_ddp.py ...`) it trains in one process.
"""
import argparse
import json
import math
import os
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import build_model  # noqa: E402
from seqlab_data import IGNORE, collate, examples  # noqa: E402
from seqlab_io import read_safetensors, write_checkpoint  # noqa: E402
from seqlab_text import DataError  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--train', nargs='+', required=True, help='training data, in the format of the model\'s task')
    p.add_argument('--valid', nargs='+', help='validation data (default: the 10%% seqlab holds out)')
    p.add_argument('--steps', type=int, required=True, help='optimizer steps')
    p.add_argument('--out', required=True, help='the seqlab checkpoint folder to write')
    p.add_argument('--batch', type=int, help='examples per process and step (default: the checkpoint\'s)')
    p.add_argument('--lr', type=float, help='learning rate (default: the checkpoint\'s recipe)')
    p.add_argument('--seed', type=int, default=1)
    return p.parse_args()


def loss_of(config, model, inputs, targets):
    """seqlab's training loss of the task: token or class cross-entropy, IGNORE targets skipped."""
    logits = model(*inputs)
    C = logits.shape[-1]
    task = config['task']
    if task == 'translate':
        smoothing = config['translate'].get('labelSmoothing', 0.0) if model.training else 0.0
        return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1), ignore_index=IGNORE, label_smoothing=smoothing), logits
    weight = torch.tensor(config['weights'], device=logits.device) if config.get('weights') and model.training else None
    return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1), weight=weight, ignore_index=IGNORE), logits


def default_batch(config):
    return {'lm': config.get('batch', 32), 'translate': 32}.get(config['task'], config.get('bio', {}).get('batch', 32))


@torch.no_grad()
def evaluate(config, model, valid, batch, device):
    """Mean loss per counted target over the validation examples (and accuracy)."""
    model.eval()
    total, count, right = 0.0, 0, 0
    for i in range(0, len(valid), batch):
        inputs, targets = collate(config, valid[i:i + batch])
        inputs, targets = [x.to(device) for x in inputs], targets.to(device)
        logits = model(*inputs)
        flat, t = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
        total += F.cross_entropy(flat, t, ignore_index=IGNORE, reduction='sum').item()
        counted = t != IGNORE
        count += int(counted.sum())
        right += int((flat.argmax(-1)[counted] == t[counted]).sum())
    model.train()
    loss = total / max(1, count)
    return {'loss': loss, 'perplexity': math.exp(min(loss, 700)), 'accuracy': right / max(1, count)}


def single_process_defaults():
    """Run as plain `python train_ddp.py ...` (no torchrun): a group of one process."""
    if 'RANK' in os.environ:
        return
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    os.environ.update(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0', MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))


def main():
    args = parse_args()
    single_process_defaults()
    gpu = torch.cuda.is_available()
    dist.init_process_group('nccl' if gpu else 'gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get('LOCAL_RANK', 0))
    device = torch.device(f'cuda:{local}' if gpu else 'cpu')
    if gpu:
        torch.cuda.set_device(device)
    config = json.load(open(os.path.join(HERE, 'config.json')))
    try:
        train = examples(config, args.train, None if args.valid else 'train')
        valid = examples(config, args.valid or args.train, None if args.valid else 'valid')
    except (DataError, OSError) as err:
        if rank == 0:
            print(f'train_ddp: error: {err}', file=sys.stderr)
        sys.exit(2)
    if not train:
        sys.exit(f'train_ddp: error: {args.train[0]}: no training examples')

    torch.manual_seed(args.seed)
    model = build_model(config)
    model.load_state_dict(read_safetensors(os.path.join(HERE, 'model.safetensors')), strict=True)
    model.to(device).train()
    ddp = DistributedDataParallel(model, device_ids=[local] if gpu else None)
    recipe = config.get('train', {})
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr or recipe.get('lr', 1e-3), weight_decay=recipe.get('weightDecay', 0.01))
    clip = recipe.get('clip', 1.0)
    batch = args.batch or default_batch(config)
    sampler = DistributedSampler(range(len(train)), num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    augment = torch.Generator().manual_seed(args.seed * 1000 + rank)

    start, epoch, order, losses = time.time(), 0, [], []
    for step in range(1, args.steps + 1):
        if len(order) < batch:  # the next epoch of this process's shard
            sampler.set_epoch(epoch)
            epoch += 1
            order += list(sampler)
        picked, order = order[:batch], order[batch:]
        inputs, targets = collate(config, [train[i] for i in picked], augment)
        loss, _ = loss_of(config, ddp, [x.to(device) for x in inputs], targets.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # DDP all-reduces (averages) the gradients here
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        mean = loss.detach().clone()
        dist.all_reduce(mean)
        losses.append(mean.item() / world)
        if rank == 0 and (step % 50 == 0 or step == args.steps):
            print(f'step {step}/{args.steps}  loss {losses[-1]:.4f}  ({time.time() - start:.1f}s, {world} processes)', file=sys.stderr)

    if rank == 0:
        metrics = {'step': args.steps, 'seconds': round(time.time() - start, 3), 'train_loss': sum(losses[-50:]) / len(losses[-50:]),
                   **(evaluate(config, model, valid, batch, device) if valid else {}), 'processes': world}
        write_checkpoint(args.out, HERE, model.state_dict(), [metrics])
        print(json.dumps(metrics))
    dist.barrier()
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
