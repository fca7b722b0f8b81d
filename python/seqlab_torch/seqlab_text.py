"""seqlab's tokenizers and alphabets in Python, rebuilt from config.json, giving the same ids:

    char   one token per Unicode code point
    word   the pieces of `word_pieces` (" the", ",", "\\n")
    bpe    the merges applied in rank order inside each word piece, with UTF-8 byte fallback
    dna    ACGTN (ids 0-4); the IUPAC codes RYSWKMBDHV read as N
    protein  ACDEFGHIKLMNPQRSTVWY then X (ids 0-20); B Z J U O read as X

Id 0 is <unk>; <pad>, <bos>, <eos> are 1, 2, 3 in vocabularies built by seqlab today. Files are
read as seqlab reads them: UTF-8 (an error names the file), a byte-order mark dropped, CRLF -> LF.
"""
import unicodedata

# JavaScript's \s (WhiteSpace and LineTerminator), which seqlab's word pieces split on.
JS_SPACE = set('\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff') | {chr(c) for c in range(0x2000, 0x200b)}


class DataError(Exception):
    """Bad input data: the message names the file and line or record."""


def read_text(path):
    """A UTF-8 text file as seqlab reads it (BOM dropped, CRLF -> LF)."""
    raw = open(path, 'rb').read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b'\n') + 1
        raise DataError(f'{path}:{line}: not valid UTF-8') from None
    if text.startswith('\ufeff'):
        text = text[1:]
    return text.replace('\r\n', '\n')


def _wordy(ch):
    """Whether ch is in [\\p{L}\\p{N}\\p{M}'’]."""
    return ch in "'’" or unicodedata.category(ch)[0] in 'LNM'


def word_pieces(text):
    """seqlab's `wordPieces`: / ?[\\p{L}\\p{N}\\p{M}'’]+| ?[^\\s\\p{L}\\p{N}\\p{M}'’]|\\s/gu."""
    pieces, i, n = [], 0, len(text)
    while i < n:
        start = i
        if text[i] == ' ' and i + 1 < n and text[i + 1] not in JS_SPACE:
            i += 1  # a space leads the word or symbol after it
        if _wordy(text[i]):
            while i < n and _wordy(text[i]):
                i += 1
        else:
            i += 1  # one symbol, or one whitespace character
        pieces.append(text[start:i])
    return pieces


class Tokenizer:
    """Text <-> ids from config.json's tokenizer section ({kind, vocab, merges?, byteFallback?})."""

    def __init__(self, spec):
        self.kind, self.vocab = spec['kind'], list(spec['vocab'])
        if self.kind not in ('char', 'word', 'bpe'):
            raise DataError(f"config.json: unknown tokenizer kind '{self.kind}'")
        self.index = {t: i for i, t in enumerate(self.vocab)}
        self.merges = [tuple(m) for m in spec.get('merges') or []]
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self.byte_ids = [self.index[f'<0x{b:02X}>'] for b in range(256)] if spec.get('byteFallback') else None
        self.cache = {}

    def special(self, token):
        return self.index.get(token)

    def encode(self, text):
        if self.kind == 'char':
            return [self.index.get(ch, 0) for ch in text]
        if self.kind == 'word':
            return [self.index.get(w, 0) for w in word_pieces(text)]
        return [i for piece in word_pieces(text) for i in self.encode_piece(piece)]

    def encode_piece(self, piece):
        hit = self.cache.get(piece)
        if hit is not None:
            return hit
        symbols = list(piece)
        while True:  # merge the lowest-ranked adjacent pair everywhere, until none is left
            ranked = [self.ranks.get(pair) for pair in zip(symbols, symbols[1:])]
            best = min((r for r in ranked if r is not None), default=None)
            if best is None:
                break
            a, b = self.merges[best]
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            symbols = out
        ids = []
        for s in symbols:
            if s in self.index or self.byte_ids is None:
                ids.append(self.index.get(s, 0))
            else:
                ids.extend(self.byte_ids[b] for b in s.encode('utf-8', 'surrogatepass'))
        if len(self.cache) < 100000:
            self.cache[piece] = ids
        return ids


ALPHABETS = {
    'dna': ('ACGTN', 'N', 'RYSWKMBDHV', 'TGCAN'),
    'protein': ('ACDEFGHIKLMNPQRSTVWYX', 'X', 'BZJUO', None),
}


class Alphabet:
    """Letters -> ids as seqlab's alphabet.ts; `pad` (= size) marks positions past a sequence."""

    def __init__(self, name):
        if name not in ALPHABETS:
            raise DataError(f"config.json: unknown alphabet '{name}'")
        letters, unknown, ambiguous, complement = ALPHABETS[name]
        self.name, self.size, self.pad = name, len(letters), len(letters)
        self.table = {ch: i for i, ch in enumerate(letters)}
        self.table.update({ch: letters.index(unknown) for ch in ambiguous})
        self.table.update({ch.lower(): i for ch, i in list(self.table.items())})
        self.complement = [letters.index(ch) for ch in complement] if complement else None

    def encode(self, seq, where):
        ids = []
        for pos, ch in enumerate(seq):
            i = self.table.get(ch)
            if i is None:
                raise DataError(f"{where}: invalid character {ch!r} at position {pos + 1} ({self.name})")
            ids.append(i)
        return ids
