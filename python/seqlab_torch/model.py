"""seqlab's models in PyTorch, built from a seqlab checkpoint's config.json.

Every module keeps seqlab's parameter names (which are PyTorch's wherever PyTorch has the module),
so `model.load_state_dict(weights, strict=True)` takes seqlab's model.safetensors as it is, and a
state dict saved from here loads back into seqlab. Shapes: B batch, T (or L, S) positions, E
embedding width, H hidden units, V vocabulary, C classes.

    lm         ffn | rnn | gru | lstm | transformer          ids [B, T] -> logits [B, T, V]
    translate  rnn-attention | rnn | transformer              src [B, S], tgt [B, T] -> [B, T, V]
    classify   cnn | bilstm | cnn-bilstm | transformer        letters [B, L] -> logits [B, C]
    tag        cnn | bilstm | cnn-bilstm | transformer        letters [B, L] -> logits [B, L, C]

Usage:
    config = json.load(open('config.json'))
    model = build_model(config)
    model.load_state_dict(read_safetensors('model.safetensors'))
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


# ----------------------------------------------------------------------------------------------
# shared layers


class MultiheadAttention(nn.Module):
    """nn.MultiheadAttention's parameters (in_proj_weight [3E, E], in_proj_bias, out_proj), written
    out so one path runs in training and evaluation alike. Masks: True = hidden."""

    def __init__(self, d_model, nhead, dropout):
        super().__init__()
        self.nhead, self.dropout = nhead, dropout
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d_model))
        self.out_proj = nn.Linear(d_model, d_model)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, query, key, attn_mask=None, key_padding_mask=None):
        B, Tq, E = query.shape
        Tk, Dh = key.shape[1], E // self.nhead
        wq, wk, wv = self.in_proj_weight.chunk(3)
        bq, bk, bv = self.in_proj_bias.chunk(3)
        q = F.linear(query, wq, bq).view(B, Tq, self.nhead, Dh).transpose(1, 2)  # [B, H, Tq, Dh]
        k = F.linear(key, wk, bk).view(B, Tk, self.nhead, Dh).transpose(1, 2)  # [B, H, Tk, Dh]
        v = F.linear(key, wv, bv).view(B, Tk, self.nhead, Dh).transpose(1, 2)  # [B, H, Tk, Dh]
        scores = q @ k.transpose(-2, -1) / math.sqrt(Dh)  # [B, H, Tq, Tk]
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask, float('-inf'))  # [Tq, Tk]
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask[:, None, None, :], float('-inf'))  # [B, 1, 1, Tk]
        weights = F.dropout(scores.softmax(-1), self.dropout, self.training)
        out = (weights @ v).transpose(1, 2).reshape(B, Tq, E)  # [B, H, Tq, Dh] -> [B, Tq, E]
        return self.out_proj(out)


class EncoderLayer(nn.Module):
    """nn.TransformerEncoderLayer (batch_first): self-attention and a feed-forward block, each with
    a residual; pre-norm x + f(norm(x)) or post-norm norm(x + f(x))."""

    def __init__(self, d_model, nhead, dim_ff, dropout, activation, norm_first):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout)
        self.linear1, self.linear2 = nn.Linear(d_model, dim_ff), nn.Linear(dim_ff, d_model)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.act = F.gelu if activation == 'gelu' else F.relu
        self.norm_first, self.p = norm_first, dropout

    def ff(self, x):
        h = F.dropout(self.act(self.linear1(x)), self.p, self.training)  # [B, T, F]
        return F.dropout(self.linear2(h), self.p, self.training)  # [B, T, E]

    def sa(self, x, mask, padding):
        return F.dropout(self.self_attn(x, x, mask, padding), self.p, self.training)

    def forward(self, x, mask=None, padding=None):
        if self.norm_first:
            x = x + self.sa(self.norm1(x), mask, padding)
            return x + self.ff(self.norm2(x))
        x = self.norm1(x + self.sa(x, mask, padding))
        return self.norm2(x + self.ff(x))


class DecoderLayer(EncoderLayer):
    """nn.TransformerDecoderLayer (batch_first): masked self-attention, cross-attention on the
    memory (multihead_attn, norm2), then the feed-forward block (norm3)."""

    def __init__(self, d_model, nhead, dim_ff, dropout, activation, norm_first):
        super().__init__(d_model, nhead, dim_ff, dropout, activation, norm_first)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(self, y, memory, mask=None, padding=None, memory_padding=None):
        ca = lambda z: F.dropout(self.multihead_attn(z, memory, None, memory_padding), self.p, self.training)
        if self.norm_first:
            y = y + self.sa(self.norm1(y), mask, padding)
            y = y + ca(self.norm2(y))
            return y + self.ff(self.norm3(y))
        y = self.norm1(y + self.sa(y, mask, padding))
        y = self.norm2(y + ca(y))
        return self.norm3(y + self.ff(y))


def causal_mask(t, device):
    """[T, T], True above the diagonal: position t sees 0..t."""
    return torch.ones(t, t, dtype=torch.bool, device=device).triu(1)


def sinusoidal_table(length, d_model, device):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...), computed in float64."""
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    i = torch.arange(0, d_model, 2, dtype=torch.float64)
    angle = pos / torch.pow(torch.tensor(10000.0, dtype=torch.float64), i / d_model)  # [L, ceil(d/2)]
    table = torch.zeros(length, d_model, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return table.to(torch.float32).to(device)


def run_rnn(rnn, x, lengths):
    """A batch_first nn.RNN/GRU/LSTM over padded x [B, T, In] with real lengths: packed, so the
    reverse direction starts at each sequence's end and outputs past it are zero."""
    if lengths is None:
        return rnn(x)
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, state = rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, state


# ----------------------------------------------------------------------------------------------
# language models (src/models/{window,recurrent,transformer}-lm.ts)


class FfnWindow(nn.Module):
    """y_t = linear2(tanh(linear1([x_{t-k+1}; ...; x_t]))), zeros before the start."""

    def __init__(self, d_in, hidden, window):
        super().__init__()
        self.window = window
        self.linear1, self.linear2 = nn.Linear(window * d_in, hidden), nn.Linear(hidden, hidden)

    def forward(self, x):
        B, T, E = x.shape
        padded = F.pad(x, (0, 0, self.window - 1, 0))  # [B, k-1+T, E]
        w = torch.cat([padded[:, j:j + T] for j in range(self.window)], -1)  # [B, T, k*E]
        return self.linear2(torch.tanh(self.linear1(w)))  # [B, T, H]


class CausalLm(nn.Module):
    """embedding -> dropout -> body (ffn window | rnn | gru | lstm | pre-norm GPT decoder)
    -> dropout -> head, or the embedding matrix itself when tied. ids [B, T] -> logits [B, T, V]."""

    def __init__(self, c):
        super().__init__()
        self.arch, E, H = c['arch'], c['embedDim'], c['hiddenSize']
        classes = c.get('outputSize') or c['vocabSize']
        self.p = c.get('dropout', 0.0)
        self.embedding = nn.Embedding(c['vocabSize'], E)
        if self.arch == 'ffn':
            self.ffn, width = FfnWindow(E, H, c['window']), H
        elif self.arch in ('rnn', 'gru', 'lstm'):
            kind = {'rnn': nn.RNN, 'gru': nn.GRU, 'lstm': nn.LSTM}[self.arch]
            self.rnn, width = kind(E, H, c['numLayers'], batch_first=True, dropout=self.p if c['numLayers'] > 1 else 0.0), H
        elif self.arch == 'transformer':
            self.pos = nn.Module()
            self.pos.embedding = nn.Embedding(c['context'], E)  # learned positions: pos.embedding.weight
            self.layers = nn.ModuleList(EncoderLayer(E, c['nhead'], H, self.p, 'gelu', True) for _ in range(c['numLayers']))
            self.norm, width = nn.LayerNorm(E), E
        else:
            raise ValueError(f"model.arch: unknown language model '{self.arch}'")
        tied = c.get('tieWeights', False)
        self.proj = nn.Linear(width, E) if tied and width != E else None
        self.head = None if tied else nn.Linear(width, classes)

    def forward(self, ids):
        B, T = ids.shape
        x = F.dropout(self.embedding(ids), self.p, self.training)  # [B, T, E]
        if self.arch == 'ffn':
            h = self.ffn(x)  # [B, T, H]
        elif self.arch == 'transformer':
            h = x + self.pos.embedding.weight[:T]  # [B, T, E]
            mask = causal_mask(T, ids.device)
            for layer in self.layers:
                h = layer(h, mask)
            h = self.norm(h)
        else:
            h, _ = self.rnn(x)  # [B, T, H]
        h = F.dropout(h, self.p, self.training)
        if self.proj is not None:
            h = self.proj(h)  # [B, T, E]
        return self.head(h) if self.head is not None else h @ self.embedding.weight.t()  # [B, T, V]


# ----------------------------------------------------------------------------------------------
# translation (src/models/rnn-seq2seq.ts, rnn-decoder.ts, transformer-seq2seq.ts)


class RnnEncoder(nn.Module):
    """Bidirectional GRU/LSTM over the source and a tanh bridge per decoder layer:
    memory [B, S, 2H]; s0 = tanh(W [h_fwd; h_bwd] + b) [B, H] (and c0 through bridge_c)."""

    def __init__(self, c):
        super().__init__()
        E, H, L = c['embedDim'], c['hiddenSize'], c['numLayers']
        self.p = c['dropout']
        self.embedding = nn.Embedding(c['sourceVocab'], E, padding_idx=c['padId'])
        kind = nn.LSTM if c['cell'] == 'lstm' else nn.GRU
        self.rnn = kind(E, H, L, batch_first=True, bidirectional=True, dropout=self.p if L > 1 else 0.0)
        self.bridge_h = nn.ModuleList(nn.Linear(2 * H, H) for _ in range(L))
        self.bridge_c = nn.ModuleList(nn.Linear(2 * H, H) for _ in range(L)) if c['cell'] == 'lstm' else nn.ModuleList()

    def forward(self, src, lengths):
        x = F.dropout(self.embedding(src), self.p, self.training)  # [B, S, E]
        memory, state = run_rnn(self.rnn, x, lengths)  # [B, S, 2H]
        finals = list(state) if isinstance(state, tuple) else [state]  # each [2L, B, H]
        bridges = [self.bridge_h, self.bridge_c]
        initial = [[torch.tanh(bridges[k][l](torch.cat([f[2 * l], f[2 * l + 1]], -1))) for k, f in enumerate(finals)]
                   for l in range(len(self.bridge_h))]  # per layer: [h] or [h, c], each [B, H]
        return memory, initial


class AdditiveAttention(nn.Module):
    """Bahdanau: score_s = v . tanh(W_q q + W_k k_s + b_k)."""

    def __init__(self, dq, dk, a):
        super().__init__()
        self.W_q, self.W_k, self.v = nn.Linear(dq, a, bias=False), nn.Linear(dk, a), nn.Linear(a, 1, bias=False)

    def scores(self, q, keys):
        return self.v(torch.tanh(self.W_q(q)[:, None] + self.W_k(keys))).squeeze(-1)  # [B, S]


class GeneralAttention(nn.Module):
    """Luong general: score_s = q^T W k_s."""

    def __init__(self, dq, dk):
        super().__init__()
        self.W = nn.Linear(dk, dq, bias=False)

    def scores(self, q, keys):
        return (self.W(keys) @ q[:, :, None]).squeeze(-1)  # [B, S, Dq] @ [B, Dq, 1] -> [B, S]


class DotAttention(nn.Module):
    def scores(self, q, keys):
        return (keys @ q[:, :, None]).squeeze(-1)  # [B, S]


class RnnDecoder(nn.Module):
    """Per target step (OpenNMT's input-feeding decoder):
    x = [emb(y_t); h~_{t-1}], h = cells(x), c, a = attn(h, memory), h~ = tanh(W_c [c; h]),
    logits = out(dropout(h~)) (or h~ . embedding^T when tied)."""

    def __init__(self, c):
        super().__init__()
        V, E, H, att = c['targetVocab'], c['embedDim'], c['hiddenSize'], c['attention']
        self.p, self.H, self.attention = c['dropout'], H, att
        self.feeding = c['inputFeeding'] and att != 'none'
        self.embedding = nn.Embedding(V, E, padding_idx=c['padId'])
        cell = nn.LSTMCell if c['cell'] == 'lstm' else nn.GRUCell
        self.cells = nn.ModuleList(cell(H if l > 0 else E + H if self.feeding else E, H) for l in range(c['numLayers']))
        self.memory_proj = nn.Linear(2 * H, H, bias=False) if att == 'dot' else None
        self.attn = {'additive': lambda: AdditiveAttention(H, 2 * H, H), 'general': lambda: GeneralAttention(H, 2 * H),
                     'dot': DotAttention, 'none': lambda: None}[att]()
        self.linear_out = None if att == 'none' else nn.Linear((H if att == 'dot' else 2 * H) + H, H, bias=False)
        self.out = None if c['tieDecoderEmbeddings'] else nn.Linear(H, V)

    def forward(self, tgt, memory, src_padding, initial):
        keys = self.memory_proj(memory) if self.memory_proj is not None else memory  # [B, S, K]
        state = initial
        feed = memory.new_zeros(tgt.shape[0], self.H) if self.feeding else None
        logits = []
        for t in range(tgt.shape[1]):
            x = F.dropout(self.embedding(tgt[:, t]), self.p, self.training)  # [B, E]
            if feed is not None:
                x = torch.cat([x, feed], -1)  # [B, E + H]
            layers = []
            for l, cell in enumerate(self.cells):
                s = cell(x, tuple(state[l])) if isinstance(cell, nn.LSTMCell) else (cell(x, state[l][0]),)
                layers.append(list(s))
                x = F.dropout(s[0], self.p, self.training) if l < len(self.cells) - 1 else s[0]
            state, h_tilde = layers, x  # [B, H]
            if self.attn is not None:
                weights = self.attn.scores(x, keys).masked_fill(src_padding, float('-inf')).softmax(-1)  # [B, S]
                context = (weights[:, None] @ keys).squeeze(1)  # [B, K]
                h_tilde = torch.tanh(self.linear_out(torch.cat([context, x], -1)))  # [B, H]
            dropped = F.dropout(h_tilde, self.p, self.training)
            feed = dropped if self.feeding else None
            logits.append(self.out(dropped) if self.out is not None else dropped @ self.embedding.weight.t())  # [B, V]
        return torch.stack(logits, 1)  # [B, T, V]


class RnnSeq2Seq(nn.Module):
    """rnn-attention (additive/dot/general) and rnn (no attention): encoder + decoder."""

    def __init__(self, c):
        super().__init__()
        self.encoder, self.decoder = RnnEncoder(c), RnnDecoder(c)

    def forward(self, src, src_lengths, tgt, tgt_lengths=None):
        memory, initial = self.encoder(src, src_lengths)
        padding = torch.arange(src.shape[1], device=src.device)[None] >= src_lengths[:, None]  # [B, S]
        return self.decoder(tgt, memory, padding, initial)


class Stack(nn.Module):
    """layers.<i> and a final norm, as nn.TransformerEncoder / Decoder."""

    def __init__(self, layers, d_model):
        super().__init__()
        self.layers, self.norm = nn.ModuleList(layers), nn.LayerNorm(d_model)


class TransformerSeq2Seq(nn.Module):
    """emb(x)*sqrt(E) + PE -> nn.Transformer (encoder, decoder, final norms) -> generator, or the
    target embedding when tied. src [B, S], tgt [B, T] -> logits [B, T, V]."""

    def __init__(self, c):
        super().__init__()
        E, h, ff, p, act, nf = c['dModel'], c['nhead'], c['dimFeedforward'], c['dropout'], c['activation'], c['normFirst']
        self.E, self.p = E, p
        self.transformer = nn.Module()
        self.transformer.encoder = Stack([EncoderLayer(E, h, ff, p, act, nf) for _ in range(c['numEncoderLayers'])], E)
        self.transformer.decoder = Stack([DecoderLayer(E, h, ff, p, act, nf) for _ in range(c['numDecoderLayers'])], E)
        self.generator = None if c['tieOutput'] else nn.Linear(E, c['targetVocab'])
        self.src_tok_emb = None if c['sharedEmbeddings'] else nn.Embedding(c['sourceVocab'], E, padding_idx=c['padId'])
        self.tgt_tok_emb = nn.Embedding(c['targetVocab'], E, padding_idx=c['padId'])

    def embed(self, emb, ids):
        T = ids.shape[1]
        x = emb(ids) * math.sqrt(self.E) + sinusoidal_table(T, self.E, ids.device)  # [B, T, E]
        return F.dropout(x, self.p, self.training)

    def forward(self, src, src_lengths, tgt, tgt_lengths):
        src_pad = torch.arange(src.shape[1], device=src.device)[None] >= src_lengths[:, None]  # [B, S]
        tgt_pad = torch.arange(tgt.shape[1], device=tgt.device)[None] >= tgt_lengths[:, None]  # [B, T]
        x = self.embed(self.src_tok_emb if self.src_tok_emb is not None else self.tgt_tok_emb, src)
        for layer in self.transformer.encoder.layers:
            x = layer(x, None, src_pad)
        memory = self.transformer.encoder.norm(x)  # [B, S, E]
        y = self.embed(self.tgt_tok_emb, tgt)
        mask = causal_mask(tgt.shape[1], tgt.device)
        for layer in self.transformer.decoder.layers:
            y = layer(y, memory, mask, tgt_pad, src_pad)
        y = self.transformer.decoder.norm(y)  # [B, T, E]
        return self.generator(y) if self.generator is not None else y @ self.tgt_tok_emb.weight.t()  # [B, T, V]


# ----------------------------------------------------------------------------------------------
# DNA and protein (src/models/sequence-net.ts)


class SequenceNet(nn.Module):
    """Letters [B, L] (pad = `letters` past each length) -> one-hot [B, L, A] (unknown letter spread
    as 1/A, padding zero) or an embedding; then cnn (conv -> ReLU -> max-pool), bilstm, cnn-bilstm
    (DanQ) or a conv stem + sinusoidal positions + pre-norm encoder layers. Classifiers pool
    (max || mean over real positions) and/or flatten, then fc -> head: [B, C]; taggers keep every
    position (dilated convs, no pooling): [B, L, C]."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        tagger, arch = c['output'] == 'position', c['arch']
        width = c['embedDim'] if c['input'] == 'embed' else c['letters'] - 1
        self.embed = nn.Embedding(c['letters'] + 1, c['embedDim'], padding_idx=c['letters']) if c['input'] == 'embed' else None
        self.convs = nn.ModuleList()
        for l in range(c['convLayers'] if arch == 'cnn' else 1 if arch == 'cnn-bilstm' else 0):
            k, d = c['kernel'] if l == 0 else c['kernel2'], 2 ** l if tagger else 1
            self.convs.append(nn.Conv1d(width, c['channels'], k, padding=d * (k - 1) // 2, dilation=d))
            width = c['channels']
        self.lstm = None
        if arch in ('bilstm', 'cnn-bilstm'):
            n = c['lstmLayers']
            self.lstm = nn.LSTM(width, c['hiddenSize'], n, batch_first=True, bidirectional=True, dropout=c['dropout'] if n > 1 else 0.0)
            width = 2 * c['hiddenSize']
        self.stem, self.layers, self.norm = None, nn.ModuleList(), None
        if arch == 'transformer':
            self.stem = nn.Conv1d(width, c['dModel'], c['kernel'], padding=(c['kernel'] - 1) // 2)
            self.layers.extend(EncoderLayer(c['dModel'], c['nhead'], c['dimFeedforward'], c['dropout'], 'gelu', True)
                               for _ in range(c['numLayers']))
            self.norm, width = nn.LayerNorm(c['dModel']), c['dModel']
        self.fc = None
        if not tagger:
            head = c['head']
            width *= (0 if head == 'pool' else self.positions_after_convs(c['length'])) + (0 if head == 'flatten' else 2)
            if c['fc'] > 0:
                self.fc, width = nn.Linear(width, c['fc']), c['fc']
        self.head = nn.Linear(width, c['classes'])
        self.p = c['dropout']

    def pool_after(self, l):
        c = self.c
        if c['output'] == 'position' or c['pool'] <= 1:
            return 1
        return c['pool'] if c['arch'] == 'cnn-bilstm' or l < len(self.convs) - 1 else 1

    def positions_after_convs(self, n):
        for l in range(len(self.convs)):
            p = self.pool_after(l)
            n = n // p if p > 1 and n >= p else n
        return n

    def features(self, ids):
        """ids [B, L] -> [B, L, F]: one-hot over the known letters, 1/A for the unknown, 0 at padding."""
        if self.embed is not None:
            return self.embed(ids)
        letters, unknown = self.c['letters'], self.c['unknown']
        eye = torch.eye(letters - 1, device=ids.device)
        table = torch.cat([eye[:unknown], torch.full((1, letters - 1), 1.0 / (letters - 1), device=ids.device),
                           eye[unknown:], torch.zeros(1, letters - 1, device=ids.device)])  # [letters + 1, A]
        return table[ids]

    def forward(self, ids, lengths):
        """ids [B, L] (long), lengths [B] (long) -> logits [B, C] or [B, L, C]."""
        c = self.c
        if c['output'] == 'sequence' and c['head'] != 'pool':
            ids, lengths = fit_length(ids, lengths, c['length'], c['letters'])
        h = self.features(ids)  # [B, L, F]
        if self.convs:
            h = h.transpose(1, 2)  # [B, F, L]
            for l, conv in enumerate(self.convs):
                h = F.relu(conv(h))
                p = self.pool_after(l)
                if p > 1 and h.shape[2] >= p:
                    h = F.max_pool1d(h, p, p)
                    lengths = torch.clamp(lengths // p, min=1)
                h = F.dropout(h, self.p, self.training)
            h = h.transpose(1, 2)  # [B, L', K]
        if self.lstm is not None:
            h = F.dropout(run_rnn(self.lstm, h, lengths)[0], self.p, self.training)  # [B, L', 2H]
        if self.stem is not None:
            L = h.shape[1]
            h = self.stem(h.transpose(1, 2)).transpose(1, 2) + sinusoidal_table(L, c['dModel'], h.device)  # [B, L, D]
            h = F.dropout(h, self.p, self.training)
            padding = torch.arange(L, device=h.device)[None] >= lengths[:, None]  # [B, L]
            for layer in self.layers:
                h = layer(h, None, padding if bool(padding.any()) else None)
            h = self.norm(h)
        if c['output'] == 'position':
            return self.head(h)  # [B, L, C]
        parts = []
        if c['head'] != 'pool':
            parts.append(h.reshape(h.shape[0], -1))  # [B, L'*W]
        if c['head'] != 'flatten':
            real = torch.arange(h.shape[1], device=h.device)[None, :, None] < lengths[:, None, None]  # [B, L', 1]
            top = (h + (~real) * -1e9).amax(1)  # [B, W]
            mean = (h * real).sum(1) / lengths[:, None].clamp(max=h.shape[1]).to(h.dtype)  # [B, W]
            parts.append(torch.cat([top, mean], 1))  # [B, 2W]
        pooled = F.dropout(torch.cat(parts, 1), self.p, self.training)
        if self.fc is not None:
            pooled = F.dropout(F.relu(self.fc(pooled)), self.p, self.training)
        return self.head(pooled)  # [B, C]


def fit_length(ids, lengths, length, pad):
    """Letters [B, L] brought to exactly `length` positions for a flatten head: cropped around the
    centre, or padded at both ends (with `pad`, read as zeros); every row then counts as full."""
    B = ids.shape[0]
    out = torch.full((B, length), pad, dtype=ids.dtype, device=ids.device)
    for b in range(B):
        n = int(lengths[b])
        if n >= length:
            s = (n - length) >> 1
            out[b] = ids[b, s:s + length]
        else:
            s = (length - n) >> 1
            out[b, s:s + n] = ids[b, :n]
    return out, torch.full_like(lengths, length)


# ----------------------------------------------------------------------------------------------


def build_model(config):
    """The model a seqlab config.json describes (its `task`, `arch` and `model` sections)."""
    task, arch, m = config['task'], config['arch'], dict(config.get('model') or {})
    if task == 'lm':
        if arch == 'ngram':
            raise ValueError('config.json: the n-gram model is counted, not a neural network')
        return CausalLm({**m, 'arch': arch})
    if task == 'translate':
        return TransformerSeq2Seq(m) if arch == 'transformer' else RnnSeq2Seq(m)
    if task in ('classify', 'tag'):
        return SequenceNet(m)
    raise ValueError(f"config.json: task '{task}' has no PyTorch model")
