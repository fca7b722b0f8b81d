"""PyTorch side of test/interop/ddp.test.ts: runs exported packages' model.py and tokenizers.

usage: python3 ddp_check.py JOBS.json OUT.json
JOBS.json: a list of jobs, each
  {"kind": "forward", "pkg": DIR, "inputs": {"ids": [[...]], "lengths": [...], ...}, "checkpoint": CKPT?}
      -> the logits of PKG/model.py on PKG's (or the checkpoint folder CKPT's) config.json and
         model.safetensors, in eval mode
  {"kind": "tokenize", "pkg": DIR, "side": "tokenizer"|"source"|"target", "text": TEXT}
      -> the ids of the package's Python tokenizer
One process for every job: importing torch is the slow part.
"""
import importlib
import json
import os
import sys

import torch


def load(pkg):
    sys.path.insert(0, pkg)
    for name in ('model', 'seqlab_io', 'seqlab_text', 'seqlab_data'):
        sys.modules.pop(name, None)
    modules = {name: importlib.import_module(name) for name in ('model', 'seqlab_io', 'seqlab_text')}
    sys.path.pop(0)
    return modules


def forward(job):
    m = load(job['pkg'])
    folder = job.get('checkpoint', job['pkg'])
    config = json.load(open(os.path.join(folder, 'config.json')))
    model = m['model'].build_model(config)
    model.load_state_dict(m['seqlab_io'].read_safetensors(os.path.join(folder, 'model.safetensors')), strict=True)
    model.eval()
    x = job['inputs']
    long = lambda key: torch.tensor(x[key], dtype=torch.long)
    with torch.no_grad():
        if config['task'] == 'lm':
            y = model(long('ids'))
        elif config['task'] == 'translate':
            y = model(long('src'), long('srcLengths'), long('tgt'), long('tgtLengths'))
        else:
            y = model(long('ids'), long('lengths'))
    return {'shape': list(y.shape), 'data': y.reshape(-1).tolist()}


def tokenize(job):
    m = load(job['pkg'])
    config = json.load(open(os.path.join(job['pkg'], 'config.json')))
    return m['seqlab_text'].Tokenizer(config[job.get('side', 'tokenizer')]).encode(job['text'])


def main():
    jobs = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    out = [forward(j) if j['kind'] == 'forward' else tokenize(j) for j in jobs]
    json.dump(out, open(sys.argv[2], 'w'))


if __name__ == '__main__':
    main()
