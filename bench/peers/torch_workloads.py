"""Workloads A-F on PyTorch, one thread.

    python3 bench/peers/torch_workloads.py --workload A|B|C|D|E|F [--steps N] [--warmup N]
        [--repeats N] [--chars N]

Prints one JSON line: the median rate (tokens/s for A-C and E, chars/s for D, bases/s for F)
over `repeats` timed runs of `steps` training steps (or `chars` generated characters), after
`warmup` untimed steps (D: `warmup` x 500 characters),
and which BLAS library the process loaded. Run by bench/workloads.ts (`npm run bench`), which
sets OPENBLAS_CORETYPE=SkylakeX on CPUs with avx512f (Debian's OpenBLAS misdetects them) and
OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1.

The models are those of src/tasks/bench/workloads.ts:
  A: nn.Embedding(65, 64) -> nn.LSTM(64, 256) -> nn.Linear(256, 65);  B: the same with nn.GRU;
  C: GPT: learned positions, 2 x nn.TransformerEncoderLayer(128, 4 heads, FFN 512, GELU,
     norm_first, dropout 0) with a causal mask, final LayerNorm, Linear(128, 65);
  D: A's model at batch 1 under torch.no_grad(), one character per step carrying (h, c).
Batch 32, context 64, vocabulary 65, cross-entropy (mean), torch.optim.Adam(lr=1e-3).
  E: the translation Transformer of seqlab's TransformerSeq2Seq: token embeddings (8,000 each
     side) scaled by sqrt(256) plus sinusoidal positions, dropout 0.1, nn.Transformer(256, 4 heads,
     3 + 3 layers, FFN 1024, relu, norm_first, dropout 0.1) with a causal target mask and
     all-false key-padding masks, the output tied to the target embedding; 160 pairs of 25 tokens
     each way per batch (4,000 target tokens; the rate counts them), cross-entropy with label
     smoothing 0.1, torch.optim.Adam(lr=1e-3).
  F: the DanQ-style DNA classifier of seqlab's SequenceNet 'cnn-bilstm' (the classify recipe):
     one-hot ACGT [B, 4, 200] -> Conv1d(4, 128, 11, padding=5) -> ReLU -> MaxPool1d(4, 4) ->
     Dropout(0.2) -> LSTM(128, 64, bidirectional) -> Dropout -> max over time ‖ mean over time ->
     Dropout -> Linear(256, 64) -> ReLU -> Dropout -> Linear(64, 2); 64 random full-length sequences
     of 200 bases per batch (the rate counts bases), cross-entropy, torch.optim.Adam(lr=1e-3).
"""

import argparse
import ctypes
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = 65
BATCH = 32
TIME = 64


class RecurrentLM(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 64)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(64, 256, batch_first=True)
        self.head = nn.Linear(256, VOCAB)

    def forward(self, ids, state=None):
        out, state = self.rnn(self.embedding(ids), state)
        return self.head(out), state


class GPT(nn.Module):
    def __init__(self, d=128, heads=4, ffn=512, layers=2):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, d)
        self.pos = nn.Parameter(torch.randn(TIME, d) * 0.02)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d, heads, ffn, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=True)
            for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, VOCAB)
        self.register_buffer("mask", torch.triu(torch.full((TIME, TIME), float("-inf")), diagonal=1))

    def forward(self, ids):
        h = self.embedding(ids) + self.pos[: ids.shape[1]]
        for layer in self.layers:
            h = layer(h, src_mask=self.mask)
        return self.head(self.norm(h)), None


MT_VOCAB, MT_BATCH, MT_LENGTH, MT_D = 8000, 160, 25, 256


class Seq2SeqTransformer(nn.Module):
    def __init__(self, d=MT_D, heads=4, layers=3, ffn=1024, dropout=0.1, max_len=256):
        super().__init__()
        self.d = d
        self.src_tok_emb = nn.Embedding(MT_VOCAB, d, padding_idx=1)
        self.tgt_tok_emb = nn.Embedding(MT_VOCAB, d, padding_idx=1)
        self.transformer = nn.Transformer(d, heads, layers, layers, ffn, dropout, batch_first=True, norm_first=True)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        table = torch.zeros(max_len, d)
        table[:, 0::2] = torch.sin(pos * div)
        table[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pos", table)
        self.dropout = nn.Dropout(dropout)

    def embed(self, emb, ids):
        return self.dropout(emb(ids) * math.sqrt(self.d) + self.pos[: ids.shape[1]])

    def forward(self, src, tgt):
        causal = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        src_pad = torch.zeros(src.shape, dtype=torch.bool)
        tgt_pad = torch.zeros(tgt.shape, dtype=torch.bool)
        h = self.transformer(self.embed(self.src_tok_emb, src), self.embed(self.tgt_tok_emb, tgt), tgt_mask=causal,
                             src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)
        return h @ self.tgt_tok_emb.weight.t()


DNA_BATCH, DNA_LENGTH, DNA_CLASSES = 64, 200, 2


class DanQ(nn.Module):
    """SequenceNet.forward for arch 'cnn-bilstm', output 'sequence', all sequences full length."""

    def __init__(self, letters=4, channels=128, kernel=11, pool=4, hidden=64, fc=64, dropout=0.2):
        super().__init__()
        self.conv = nn.Conv1d(letters, channels, kernel, padding=kernel // 2)
        self.pool = nn.MaxPool1d(pool, pool)
        self.lstm = nn.LSTM(channels, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(4 * hidden, fc)
        self.head = nn.Linear(fc, DNA_CLASSES)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):  # x: one-hot [B, 4, L]
        h = self.drop(self.pool(F.relu(self.conv(x))))  # [B, 128, L/4]
        h, _ = self.lstm(h.transpose(1, 2))  # [B, L/4, 128]
        h = self.drop(h)
        pooled = self.drop(torch.cat([h.max(dim=1).values, h.mean(dim=1)], dim=1))  # [B, 256]
        return self.head(self.drop(F.relu(self.fc(pooled))))  # [B, 2]


def train_rates(workload, steps, warmup, repeats):
    torch.manual_seed(1)
    if workload == "E":
        model = Seq2SeqTransformer()
    elif workload == "F":
        model = DanQ()
    else:
        model = RecurrentLM("lstm" if workload == "A" else "gru") if workload in ("A", "B") else GPT()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(2)
    losses = []
    tokens = {"E": MT_BATCH * MT_LENGTH, "F": DNA_BATCH * DNA_LENGTH}.get(workload, BATCH * TIME)

    def lm_step():
        seqs = torch.randint(0, VOCAB, (BATCH, TIME + 1), generator=gen)
        logits, _ = model(seqs[:, :-1])
        return F.cross_entropy(logits.reshape(-1, VOCAB), seqs[:, 1:].reshape(-1))

    def mt_step():
        src, tgt_in, tgt_out = (torch.randint(4, MT_VOCAB, (MT_BATCH, MT_LENGTH), generator=gen) for _ in range(3))
        logits = model(src, tgt_in)
        return F.cross_entropy(logits.reshape(-1, MT_VOCAB), tgt_out.reshape(-1), label_smoothing=0.1)

    def dna_step():
        letters = torch.randint(0, 4, (DNA_BATCH, DNA_LENGTH), generator=gen)  # A C G T
        labels = torch.randint(0, DNA_CLASSES, (DNA_BATCH,), generator=gen)
        x = F.one_hot(letters, 4).float().transpose(1, 2)  # [B, 4, L]
        return F.cross_entropy(model(x), labels)

    def step():
        loss = {"E": mt_step, "F": dna_step}.get(workload, lm_step)()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        losses.append(step())
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            losses.append(step())
        rates.append(steps * tokens / (time.perf_counter() - t0))
    return rates, [losses[0], losses[-1]]


def generate_rates(chars, warmup, repeats):
    torch.manual_seed(1)
    model = RecurrentLM("lstm").eval()
    rates = []
    with torch.no_grad():
        _, state = model(torch.tensor([[1, 2, 3]]))
        token = 4
        x = torch.empty((1, 1), dtype=torch.long)

        def step(state, token):
            x[0, 0] = token
            logits, state = model(x, state)
            return state

        for _ in range(warmup):
            state = step(state, token)
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(chars):
                state = step(state, token)
                token = (token + 1) % VOCAB
            rates.append(chars / (time.perf_counter() - t0))
    return rates


def loaded_blas():
    """The BLAS/LAPACK shared objects this process has mapped (symlinks resolved) and, for
    OpenBLAS, the kernel set it chose (openblas_get_corename) and its build configuration."""
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and any(k in os.path.basename(fields[-1]) for k in ("blas", "lapack", "mkl", "blis", "atlas")):
                paths.add(os.path.realpath(fields[-1]))
    info = {"libraries": sorted(paths), "openblas_corename": None, "openblas_config": None}
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
        except (OSError, AttributeError):
            continue
        info["openblas_corename"] = lib.openblas_get_corename().decode()
        info["openblas_config"] = lib.openblas_get_config().decode()
    if info["openblas_corename"]:
        info["kind"] = "OpenBLAS"
    elif any("mkl" in p for p in paths):
        info["kind"] = "MKL"
    elif any("blis" in p for p in paths):
        info["kind"] = "BLIS"
    elif any("/blas/libblas.so" in p for p in paths):
        info["kind"] = "reference BLAS (netlib libblas3)"
    else:
        info["kind"] = "unknown"
    return info


def blas_check():
    """Whether the BLAS kernel in use (OPENBLAS_CORETYPE may force one) computes right: the largest
    error of float32 matrix products, plain and transposed as the models use them, against float64,
    relative to the largest product."""
    gen = torch.Generator().manual_seed(3)
    worst = 0.0
    for m, k, n in ((512, 256, 384), (4000, 256, 1024), (33, 17, 65)):
        a = torch.randn(m, k, generator=gen)
        b = torch.randn(n, k, generator=gen)
        for got in (a @ b.t(), (b @ a.t()).t()):
            want = a.double() @ b.double().t()
            worst = max(worst, ((got.double() - want).abs().max() / want.abs().max()).item())
    return {"max_relative_error": worst, "ok": worst < 1e-5}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", choices=["A", "B", "C", "D", "E", "F"], required=True)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--chars", type=int, default=2000)
    a = p.parse_args()
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    losses = None
    if a.workload == "D":
        rates = generate_rates(a.chars, a.warmup * 500, a.repeats)
    else:
        rates, losses = train_rates(a.workload, a.steps, a.warmup, a.repeats)
    config = torch.__config__.show()
    out = {
        "system": "pytorch", "workload": a.workload,
        "unit": {"D": "chars_per_s", "F": "bases_per_s"}.get(a.workload, "tokens_per_s"),
        "rate": statistics.median(rates), "repeats": rates, "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "blas": loaded_blas(),
        "blas_check": blas_check(),
        "blas_info": next((s.split("BLAS_INFO=", 1)[1] for s in config.split(",") if "BLAS_INFO=" in s), None),
        "cpu_capability": next((s.split(":", 1)[1].strip() for s in config.splitlines() if "CPU capability" in s), None),
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
    }
    if losses:
        out["loss_first"], out["loss_last"] = losses
    print(json.dumps(out))


if __name__ == "__main__":
    main()
