"""PyTorch side of the safetensors interop test (test/interop/torch.test.ts).

Reads a safetensors file by hand (torch 1.13 has no safetensors module): 8-byte little-endian
header length, JSON header, raw little-endian data. Loads it into the PyTorch module that seqlab
claims to match, runs it on the given input and writes the outputs; then writes PyTorch's own
freshly initialised weights back as safetensors for seqlab to load.

usage: python3 torch_roundtrip.py KIND IN.safetensors INPUT.json OUT.json TORCH_WEIGHTS.safetensors
"""
import json
import struct
import sys

import torch


def read_safetensors(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        assert info['dtype'] == 'F32', info
        a, b = info['data_offsets']
        t = torch.frombuffer(bytearray(raw[base + a:base + b]), dtype=torch.float32)
        out[name] = t.reshape(info['shape'])
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def build(kind):
    torch.manual_seed(0)
    if kind == 'lstm':
        return torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True)
    if kind == 'gru':
        return torch.nn.GRU(4, 6, num_layers=1, bidirectional=True, batch_first=True)
    if kind == 'encoder':
        return torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=True)
    raise ValueError(kind)


def main():
    kind, weights, inputs, out_path, torch_weights = sys.argv[1:6]
    model = build(kind).eval()
    model.load_state_dict(read_safetensors(weights), strict=True)
    spec = json.load(open(inputs))
    x = torch.tensor(spec['data'], dtype=torch.float32).reshape(spec['shape'])
    with torch.no_grad():
        y = model(x)
        y = y[0] if isinstance(y, tuple) else y
    json.dump({'shape': list(y.shape), 'data': y.reshape(-1).tolist()}, open(out_path, 'w'))
    fresh = build(kind)
    write_safetensors(torch_weights, fresh.state_dict())
    with torch.no_grad():
        z = fresh.eval()(x)
        z = z[0] if isinstance(z, tuple) else z
    json.dump({'shape': list(z.shape), 'data': z.reshape(-1).tolist()}, open(out_path + '.fresh.json', 'w'))


if __name__ == '__main__':
    main()
