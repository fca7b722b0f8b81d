"""The data formats seqlab reads, as lists of examples for PyTorch, and how a batch of them is
padded. One function per task turns paths into examples; `collate` makes the batch tensors.

    lm         UTF-8 text -> windows of context + 1 token ids
    translate  TSV (source TAB target) or two line-aligned files -> (source ids, target ids)
    classify   CSV/TSV with sequence and label columns, or FASTA `>id label` -> (letter ids, class)
    tag        sequence FASTA + label FASTA or BED (+ mask FASTA) -> crops (letter ids, targets)
"""
import re

import torch

from seqlab_text import Alphabet, DataError, Tokenizer, read_text

IGNORE = -100  # a target that counts for nothing (PyTorch's ignore_index)


def lm_examples(config, paths, hold_out):
    """Token windows of context + 1 (input and next-token targets). Without validation text the
    last 10% of the training text, cut at a line start, is held out as seqlab does."""
    if len(paths) != 1:
        raise DataError(f'lm takes one text file, got {len(paths)}')
    text = read_text(paths[0])
    if hold_out is not None:
        cut = int(len(text) * 0.9)
        nl = text.find('\n', cut)
        if 0 <= nl < len(text) - 1:
            cut = nl + 1
        text = text[:cut] if hold_out == 'train' else text[cut:]
    ids = Tokenizer(config['tokenizer']).encode(text)
    T = config['model']['context']
    if len(ids) < 2:
        raise DataError(f'{paths[0]}: too little text')
    T = min(T, len(ids) - 1)
    return [ids[s:s + T + 1] for s in range(0, len(ids) - 1, T) if len(ids[s:s + T + 1]) > 1]


def text_lines(text):
    lines = text.split('\n')
    return lines[:-1] if lines and lines[-1] == '' else lines


def translate_examples(config, paths, hold_out):
    """Sentence pairs, BPE-tokenized with the checkpoint's vocabularies, filtered as seqlab trains."""
    if len(paths) == 1:
        pairs = []
        for n, line in enumerate(text_lines(read_text(paths[0])), 1):
            if '\t' not in line:
                raise DataError(f'{paths[0]}:{n}: no tab between source and target')
            src, tgt = line.split('\t')[:2]
            pairs.append((src, tgt))
    elif len(paths) == 2:
        a, b = text_lines(read_text(paths[0])), text_lines(read_text(paths[1]))
        if len(a) != len(b):
            raise DataError(f'{paths[0]}, {paths[1]}: {len(a)} source lines but {len(b)} target lines')
        pairs = list(zip(a, b))
    else:
        raise DataError(f'translate: give one TSV file or two line-aligned files, got {len(paths)} paths')
    if hold_out is not None:  # every tenth pair, as seqlab holds out
        pairs = [p for i, p in enumerate(pairs) if (i % 10 == 9) == (hold_out == 'valid')]
    source, target = Tokenizer(config['source']), Tokenizer(config['target'])
    s = config['translate']
    out = []
    for src, tgt in pairs:
        x, y = source.encode(src), target.encode(tgt)
        if not x or not y or max(len(x), len(y)) > s['maxLength'] or max(len(x), len(y)) / min(len(x), len(y)) > s['maxRatio']:
            continue
        out.append((x, y))
    return out


def read_fasta(path):
    """(id, description, sequence, line) per record; blank and ';' lines skipped."""
    records, current = [], None
    for n, raw in enumerate(read_text(path).split('\n'), 1):
        line = raw.strip()
        if not line or line.startswith(';'):
            continue
        if line.startswith('>'):
            head = line[1:].strip().split(None, 1)
            if not head:
                raise DataError(f"{path}:{n}: a FASTA header with no id (write '>id ...')")
            current = [head[0], head[1].strip() if len(head) > 1 else '', [], n]
            records.append(current)
        elif current is None:
            raise DataError(f"{path}:{n}: sequence data before the first FASTA header ('>id')")
        else:
            current[2].append(line)
    return [(r[0], r[1], ''.join(r[2]), r[3]) for r in records]


def looks_like_fasta(text):
    for line in text.split('\n'):
        line = line.strip()
        if line and not line.startswith(';'):
            return line.startswith('>')
    return False


def split_fields(line, delim):
    """A CSV/TSV line's fields (RFC 4180 quotes on one line)."""
    if '"' not in line:
        return line.split(delim)
    return [f[1:-1].replace('""', '"') if f.startswith('"') else f
            for f in re.findall(r'(?:^|(?<=%s))("(?:[^"]|"")*"|[^%s]*)' % (re.escape(delim), re.escape(delim)), line)]


def classify_records(path):
    """(id, sequence, label, line) from FASTA `>id label` or a table with sequence and label columns."""
    text = read_text(path)
    if looks_like_fasta(text):
        return [(i, seq, (desc.split() or [None])[0], n) for i, desc, seq, n in read_fasta(path)]
    lines = [(n, l.rstrip('\r')) for n, l in enumerate(text.split('\n'), 1) if l.strip()]
    if not lines:
        raise DataError(f"{path}: empty; expected a header line naming a 'sequence' column")
    delim = '\t' if '\t' in lines[0][1] else ','
    names = [f.strip().lower() for f in split_fields(lines[0][1], delim)]
    if 'sequence' not in names or 'label' not in names:
        raise DataError(f"{path}:{lines[0][0]}: the header needs 'sequence' and 'label' columns")
    s, l, i = names.index('sequence'), names.index('label'), names.index('id') if 'id' in names else -1
    out = []
    for row, (n, line) in enumerate(lines[1:], 1):
        f = split_fields(line, delim)
        if len(f) != len(names):
            raise DataError(f'{path}:{n}: {len(f)} fields, but the header has {len(names)}')
        out.append((f[i].strip() if i >= 0 else str(row), f[s].strip(), f[l].strip(), n))
    return out


def classify_examples(config, paths, hold_out):
    alphabet, classes = Alphabet(config['alphabet']), {c: k for k, c in enumerate(config['classes'])}
    records = classify_records(paths[0])
    if hold_out is not None and len(records) >= 2:
        records = [r for k, r in enumerate(records) if (k % 10 == 9) == (hold_out == 'valid')]
    out = []
    for rid, seq, label, n in records:
        if label not in classes:
            raise DataError(f"{paths[0]}:{n}: record '{rid}' has label '{label}', which the model does not know")
        out.append((alphabet.encode(seq, f"{paths[0]}:{n}: record '{rid}'"), classes[label]))
    return out


def tag_examples(config, paths, hold_out):
    """Crops of `bio.window` positions with one target per position (IGNORE where masked)."""
    if not 2 <= len(paths) <= 3:
        raise DataError(f'tag: give a sequence FASTA, a label FASTA or BED file, and optionally a mask FASTA (got {len(paths)} paths)')
    alphabet, index = Alphabet(config['alphabet']), {c: k for k, c in enumerate(config['classes'])}
    seqs = read_fasta(paths[0])
    labels = {}
    if looks_like_fasta(read_text(paths[1])):
        for rid, _, chars, _ in read_fasta(paths[1]):
            labels[rid] = list(chars)
    else:
        lengths = {rid: len(seq) for rid, _, seq, _ in seqs}
        labels = {rid: ['-'] * n for rid, n in lengths.items()}
        for n, line in enumerate(read_text(paths[1]).split('\n'), 1):
            line = line.strip()
            if not line or line.startswith('#') or re.match(r'^(track|browser)(\s|$)', line):
                continue
            f = [x.strip() for x in line.split('\t')] if '\t' in line else line.split()
            if f[0] not in labels:
                raise DataError(f"{paths[1]}:{n}: chrom '{f[0]}' is not among the sequences in {paths[0]}")
            name = f[3] if len(f) > 3 and f[3] else 'region'
            labels[f[0]][int(f[1]):int(f[2])] = [name] * (int(f[2]) - int(f[1]))
    masks = {rid: chars for rid, _, chars, _ in read_fasta(paths[2])} if len(paths) == 3 else {}
    window, out = config['bio']['window'], []
    for rid, _, seq, n in seqs:
        ids = alphabet.encode(seq, f"{paths[0]}:{n}: record '{rid}'")
        if rid not in labels or len(labels[rid]) != len(ids):
            raise DataError(f"{paths[1]}: record '{rid}' has no labels of its length ({len(ids)})")
        mask = masks.get(rid, '1' * len(ids))
        targets = [index.get(lab, IGNORE) if m == '1' else IGNORE for lab, m in zip(labels[rid], mask)]
        out.extend((ids[s:s + window], targets[s:s + window]) for s in range(0, len(ids), window))
    if hold_out is not None and len(out) >= 2:
        out = [e for k, e in enumerate(out) if (k % 10 == 9) == (hold_out == 'valid')]
    return out


READERS = {'lm': lm_examples, 'translate': translate_examples, 'classify': classify_examples, 'tag': tag_examples}


def examples(config, paths, hold_out=None):
    """The examples of `paths` for config's task; hold_out 'train'/'valid' splits as seqlab does."""
    return READERS[config['task']](config, paths, hold_out)


def translate_specials(config):
    """The source's <pad> and the target's <bos> and <eos> ids."""
    return (config['source']['vocab'].index('<pad>'), config['target']['vocab'].index('<bos>'),
            config['target']['vocab'].index('<eos>'))


def pad(rows, value):
    """Rows of ids -> [B, max length] long tensor filled with `value`, and the lengths [B]."""
    width = max(1, max(len(r) for r in rows))
    out = torch.full((len(rows), width), value, dtype=torch.long)
    for b, r in enumerate(rows):
        out[b, :len(r)] = torch.tensor(r, dtype=torch.long)
    return out, torch.tensor([max(1, len(r)) for r in rows], dtype=torch.long)


def collate(config, batch, generator=None):
    """A list of examples -> (model inputs as a tuple, targets)."""
    task = config['task']
    if task == 'lm':
        ids, _ = pad(batch, 0)
        targets, _ = pad([row[1:] for row in batch], IGNORE)
        return (ids[:, :-1],), targets[:, :ids.shape[1] - 1]  # [B, T], [B, T]
    if task == 'translate':
        pad_id, bos, eos = translate_specials(config)
        src, src_len = pad([x for x, _ in batch], pad_id)
        tgt_in, tgt_len = pad([[bos] + y for _, y in batch], pad_id)
        tgt_out, _ = pad([y + [eos] for _, y in batch], IGNORE)
        return (src, src_len, tgt_in, tgt_len), tgt_out
    alphabet = Alphabet(config['alphabet'])
    if task == 'classify':
        rows = [x for x, _ in batch]
        if generator is not None and config['bio'].get('reverseComplement') == 'on' and alphabet.complement:
            flip = torch.rand(len(rows), generator=generator) < 0.5
            rows = [[alphabet.complement[i] for i in reversed(r)] if f else r for r, f in zip(rows, flip.tolist())]
        ids, lengths = pad(rows, alphabet.pad)
        return (ids, lengths), torch.tensor([y for _, y in batch], dtype=torch.long)
    ids, lengths = pad([x for x, _ in batch], alphabet.pad)
    targets, _ = pad([y for _, y in batch], IGNORE)
    return (ids, lengths), targets
