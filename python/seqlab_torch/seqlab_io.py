"""safetensors by hand (8-byte little-endian header length, JSON header, raw little-endian
float32 data), so nothing beyond PyTorch is needed, and the checkpoint folder seqlab loads."""
import json
import os
import struct

import torch


DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'F64': torch.float64}


def read_safetensors(path):
    """{name: float32 tensor} from a safetensors file (F32, or F16, BF16, F64 read as float32)."""
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] not in DTYPES:
            raise ValueError(f"{path}: tensor '{name}' is {info['dtype']}, expected one of {', '.join(DTYPES)}")
        a, b = info['data_offsets']
        data = torch.frombuffer(bytearray(raw[8 + n + a:8 + n + b]), dtype=DTYPES[info['dtype']])
        out[name] = data.to(torch.float32).reshape(info['shape'])
    return out


def safetensors_bytes(tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in sorted(tensors):
        data = tensors[name].detach().to('cpu', torch.float32).contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(chunks)


def write_atomic(path, data):
    """Writes a whole file: a temporary file beside it, then a rename."""
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def write_checkpoint(out, package, state_dict, metrics):
    """A seqlab checkpoint folder: the package's config.json and vocabularies, the weights under
    seqlab's names, and metrics.jsonl (one JSON object per evaluation)."""
    os.makedirs(out, exist_ok=True)
    for name in ('config.json', 'vocab.json'):
        if os.path.exists(os.path.join(package, name)):
            write_atomic(os.path.join(out, name), open(os.path.join(package, name), 'rb').read())
    write_atomic(os.path.join(out, 'model.safetensors'), safetensors_bytes(state_dict, {'format': 'pt'}))
    write_atomic(os.path.join(out, 'metrics.jsonl'), ''.join(json.dumps(m) + '\n' for m in metrics))
