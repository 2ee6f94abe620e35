"""Cutting documents into chunks for retrieval: by sentences, or by WordPiece tokens, with overlap.

An encoder reads a bounded number of tokens (all-MiniLM-L6-v2: 256 WordPiece tokens, trained on
128) and a generator's prompt has a budget, so retrieval-augmented generation (Lewis et al.,
"Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks", NeurIPS 2020, which split
Wikipedia into 100-word passages) searches chunks rather than whole documents. Two ways here, each
keeping where a chunk came from (`source`) and its character span in that text (`start`, `end`),
so that ``text[start:end] == chunk.text`` and a reader can be shown the place:

    chunk_sentences   `size` sentences a chunk, the next one starting `size - overlap` sentences
                      on (sentences as minembed.tokens.text.split_sentences finds them)
    chunk_tokens      as many whole words as fit in `size` WordPiece tokens, the next chunk
                      repeating the last words that fit in `overlap` tokens; a chunk's `tokens`
                      is len(tokenizer.tokenize(chunk.text)), which never exceeds `size`

A word here is a stretch of text between BERT's whitespace characters; the tokenizer splits it
further (punctuation, word pieces) but never across whitespace, so a chunk's token count is the sum
of its words' counts. A single word longer than `size` tokens (a long URL, a run of punctuation)
is cut between characters into parts of at most `size` tokens, each its own chunk.

But: the sentence rule's mistakes are split_sentences' (abbreviations such as "Dr." split);
no chunking by paragraphs, headings or semantic similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from minembed.contextual.wordpiece import WordPiece, is_whitespace
from minembed.tokens.text import SENTENCE_BOUNDARY_RE
from minembed.training.settings import require, whole_number

__all__ = ["Chunk", "sentence_spans", "word_spans", "chunk_sentences", "chunk_tokens", "chunk_documents"]


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: its text, where it came from, and where in that document it starts and ends."""

    text: str
    source: str    # the document's name (a file path, a title, an index)
    start: int     # character offset of the first character in the source document
    end: int       # one past the last: document[start:end] == text
    tokens: int    # WordPiece tokens in text (chunk_tokens), or sentences (chunk_sentences)


def _check_document(text: str, source: str) -> None:
    require(isinstance(text, str), f"document {source!r} is a {type(text).__name__}, not a str")
    require(text.strip() != "", f"document {source!r} is empty: drop it, or give it its text")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of text, surrounding whitespace left out.

    >>> text = "It rained. Then it stopped!  Sun."
    >>> [text[a:b] for a, b in sentence_spans(text)]
    ['It rained.', 'Then it stopped!', 'Sun.']
    """
    spans, start = [], 0
    for boundary in [*SENTENCE_BOUNDARY_RE.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        piece = text[start:end]
        if piece.strip():
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, left + len(piece.strip())))
        start = boundary.end() if boundary else len(text)
    return spans


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the stretches between BERT's whitespace characters (space, tab, newline, Zs).

    >>> word_spans("a  bc\\td")
    [(0, 1), (3, 5), (6, 7)]
    """
    spans, start = [], None
    for i, char in enumerate(text):
        if is_whitespace(char):
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _check_size(size: int, overlap: int, unit: str) -> None:
    whole_number("size", size, 1, f"how many {unit} a chunk holds")
    whole_number("overlap", overlap, 0, f"how many {unit} a chunk repeats from the one before")
    require(overlap < size, f"overlap ({overlap}) must be smaller than size ({size}), or chunking would not move "
                            "forward: lower overlap")


def chunk_sentences(text: str, source: str = "", *, size: int = 5, overlap: int = 1) -> list[Chunk]:
    """Chunks of `size` sentences, each starting `size - overlap` sentences after the one before.

    >>> [c.text for c in chunk_sentences("A b. C d. E f. G h.", "doc", size=2, overlap=1)]
    ['A b. C d.', 'C d. E f.', 'E f. G h.']
    """
    _check_document(text, source)
    _check_size(size, overlap, "sentences")
    spans = sentence_spans(text)
    chunks = []
    for first in range(0, len(spans), size - overlap):
        window = spans[first:first + size]
        start, end = window[0][0], window[-1][1]
        chunks.append(Chunk(text[start:end], source, start, end, len(window)))
        if first + size >= len(spans):
            break
    return chunks


def _split_long_word(tokenizer: WordPiece, text: str, start: int, end: int, size: int) -> list[tuple[int, int, int]]:
    """Cut text[start:end] between characters into parts of at most `size` tokens: (start, end, tokens)."""
    parts = []
    while start < end:
        low, high = start + 1, end        # the longest prefix that fits, by bisection on its end
        while low < high:
            middle = (low + high + 1) // 2
            if len(tokenizer.tokenize(text[start:middle])) <= size:
                low = middle
            else:
                high = middle - 1
        parts.append((start, low, len(tokenizer.tokenize(text[start:low]))))
        start = low
    return parts


def chunk_tokens(text: str, tokenizer: WordPiece, source: str = "", *, size: int = 128,
                 overlap: int = 32) -> list[Chunk]:
    """Chunks of whole words holding at most `size` WordPiece tokens, each repeating up to `overlap`
    tokens' worth of the previous chunk's last words.

    >>> tokenizer = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "b", "c", "d", "."])
    >>> [(c.text, c.tokens) for c in chunk_tokens("a b c. d", tokenizer, "doc", size=3, overlap=1)]
    [('a b', 2), ('b c.', 3), ('d', 1)]
    """
    _check_document(text, source)
    _check_size(size, overlap, "WordPiece tokens")
    words = []                                                   # (start, end, tokens) per word
    for start, end in word_spans(text):
        count = len(tokenizer.tokenize(text[start:end]))
        if count > size:
            words.extend((a, b, n) for a, b, n in _split_long_word(tokenizer, text, start, end, size))
        elif count > 0:                                         # control characters alone make no token
            words.append((start, end, count))
    chunks, first = [], 0
    while first < len(words):
        last, total = first, 0
        while last < len(words) and total + words[last][2] <= size:
            total += words[last][2]
            last += 1
        last = max(last, first + 1)                              # an over-long part stands alone
        start, end = words[first][0], words[last - 1][1]
        chunks.append(Chunk(text[start:end], source, start, end, sum(w[2] for w in words[first:last])))
        if last == len(words):
            break
        back, repeated = last, 0                                 # step back over the overlap's words
        while back - 1 > first and repeated + words[back - 1][2] <= overlap:
            back -= 1
            repeated += words[back][2]
        while back < last and repeated + words[last][2] > size:  # the next chunk must take a new word
            repeated -= words[back][2]
            back += 1
        first = back
    return chunks


def chunk_documents(documents: Sequence[str], sources: Sequence[str] | None = None, *, by: str = "tokens",
                    tokenizer: WordPiece | None = None, size: int = 128, overlap: int = 32) -> list[Chunk]:
    """Chunk every document (by "tokens", needing a WordPiece tokenizer, or by "sentences"), in order.

    sources name the documents (default "0", "1", ...)."""
    require(not isinstance(documents, str), "documents must be a list of texts; for one text pass [text]")
    sources = [str(i) for i in range(len(documents))] if sources is None else list(sources)
    require(len(sources) == len(documents), f"{len(documents)} documents but {len(sources)} sources: give one "
                                             "source per document")
    require(by in ("tokens", "sentences"), f"by must be 'tokens' or 'sentences', got {by!r}")
    chunks = []
    for text, source in zip(documents, sources):
        if by == "tokens":
            require(tokenizer is not None, "chunking by tokens needs a WordPiece tokenizer, e.g. "
                                           "load_minilm().tokenizer (minembed.contextual.encoder)")
            chunks.extend(chunk_tokens(text, tokenizer, source, size=size, overlap=overlap))
        else:
            chunks.extend(chunk_sentences(text, source, size=size, overlap=overlap))
    return chunks
