"""fastText's character n-grams and their hash rows (Bojanowski et al. 2017, section 3.2).

As the fastText program computes them (`Dictionary::computeSubwords`,
`Dictionary::hash`) and gensim 4 checks them (`ft_ngram_hashes`):

    wrap       a word w becomes "<w>" (the brackets mark its start and end)
    n-grams    every run of min_n..max_n Unicode characters of "<w>" (3..6), in
               fastText's order: by start position, then by length; the single
               characters "<" and ">" are not n-grams (only matters for min_n=1)
    hash       FNV-1a (32 bit) over the n-gram's UTF-8 bytes, each byte read as a
               *signed* char as fastText's C++ does; row = hash % bucket
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["check_ngram_parameters", "ngrams", "fnv1a_hash", "ngram_hashes", "ngram_rows_bound", "subword_table",
           "ragged_rows"]


def check_ngram_parameters(min_n: int, max_n: int, bucket: int) -> None:
    if min_n < 1:
        raise ValueError(f"min_n must be >= 1 (fastText uses 3), got {min_n}")
    if max_n < min_n:
        raise ValueError(f"max_n must be >= min_n, got min_n={min_n}, max_n={max_n}: "
                         "swap them or raise max_n (fastText uses 3..6)")
    if bucket < 1:
        raise ValueError(f"bucket must be >= 1 hash rows (fastText uses 2_000_000), got {bucket}")


def ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """The character n-grams of "<word>", in fastText's order (start position, then length).

    >>> ngrams("où", 3, 4)
    ['<où', '<où>', 'où>']
    """
    check_ngram_parameters(min_n, max_n, 1)
    if not isinstance(word, str) or word == "":
        raise ValueError(f"the word must be a non-empty str, got {word!r}")
    wrapped = f"<{word}>"
    found = []
    for start in range(len(wrapped)):
        for length in range(min_n, min(max_n, len(wrapped) - start) + 1):
            if length == 1 and (start == 0 or start == len(wrapped) - 1):
                continue  # fastText never makes "<" or ">" alone an n-gram
            found.append(wrapped[start:start + length])
    return found


def fnv1a_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a hash of some bytes.

    fastText reads each byte as a C `char`, signed on x86: a byte >= 0x80 is
    sign-extended before the xor (0xC3 -> 0xFFFFFFC3). Standard FNV-1a would
    xor 0x000000C3, so non-ASCII n-grams would land in other rows than fastText's.

    >>> fnv1a_hash(b""), fnv1a_hash(b"a")
    (2166136261, 3826002220)
    """
    h = 2166136261  # FNV offset basis
    for byte in data:
        h ^= byte if byte < 0x80 else byte | 0xFFFFFF00  # (uint32)(int8)byte
        h = (h * 16777619) & 0xFFFFFFFF  # FNV prime, modulo 2**32
    return h


def ngram_hashes(word: str, min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000) -> list[int]:
    """The bucket row of every n-gram of `word`, in gensim's `ft_ngram_hashes` order.

    A word too short for min_n (len(word) + 2 < min_n) has none: [].

    >>> ngram_hashes("où", 3, 4, bucket=1000)
    [388, 926, 676]
    """
    check_ngram_parameters(min_n, max_n, bucket)
    return [fnv1a_hash(gram.encode("utf-8")) % bucket for gram in ngrams(word, min_n, max_n)]


def ngram_rows_bound(words: Sequence[str], min_n: int, max_n: int, bucket: int) -> int:
    """At most how many n-gram rows `words` use: "<word>" has len + 2 - n + 1 n-grams of n characters,
    and there are no more rows than buckets. (Cheap: no n-gram is formed or hashed.)

    >>> ngram_rows_bound(["ab", "b"], 3, 3, bucket=10)   # "<ab", "ab>"; "<b>"
    3
    """
    lengths = np.fromiter((len(word) + 3 for word in words), dtype=np.int64, count=len(words))  # (V,)
    grams = sum(int(np.maximum(lengths - n, 0).sum()) for n in range(min_n, max_n + 1))
    return min(bucket, grams)


def subword_table(words: Sequence[str], min_n: int, max_n: int, bucket: int):
    """The n-gram rows of every word, one after another (a CSR matrix's indices and indptr).

    Returns
        buckets   (R,) int64      the distinct buckets the words use, sorted: row r of
                                  the n-gram matrix N holds bucket buckets[r]
        rows      (T,) int32      every word's n-gram rows, word after word (repeats
                                  kept, as in fastText); T = total n-grams
        offsets   (V + 1,) int64  word w's rows are rows[offsets[w]:offsets[w + 1]]

    >>> buckets, rows, offsets = subword_table(["ab", "b"], 3, 3, bucket=10)
    >>> buckets.tolist(), rows.tolist(), offsets.tolist()   # "<ab" -> 8, "ab>" -> 6; "<b>" -> 3
    ([3, 6, 8], [2, 1, 0], [0, 2, 3])
    """
    hashes = [ngram_hashes(word, min_n, max_n, bucket) for word in words]
    count = np.array([len(h) for h in hashes], dtype=np.int64)  # (V,) int64
    flat = np.fromiter((b for h in hashes for b in h), dtype=np.int64, count=int(count.sum()))  # (T,) int64
    buckets = np.unique(flat)  # (R,) int64, sorted
    rows = np.searchsorted(buckets, flat).astype(np.int32)  # (T,) int32
    return buckets, rows, np.concatenate([[0], np.cumsum(count)])


def ragged_rows(rows: np.ndarray, offsets: np.ndarray, word_ids: np.ndarray):
    """The n-gram rows of the given words, one after another, and where each word's start.

    rows (T,), offsets (V + 1,) from `subword_table`; word_ids (U,)
    -> rows (S,) int32 and their offsets (U + 1,) int64.

    >>> picked, starts = ragged_rows(np.array([2, 1, 0]), np.array([0, 2, 3]), np.array([1, 0]))
    >>> picked.tolist(), starts.tolist()
    ([0, 2, 1], [0, 1, 3])
    """
    lengths = offsets[word_ids + 1] - offsets[word_ids]  # (U,) int64
    starts = np.concatenate([[0], np.cumsum(lengths)])  # (U + 1,) int64
    within = np.arange(starts[-1]) - np.repeat(starts[:-1], lengths)  # (S,) position inside each word
    return rows[np.repeat(offsets[word_ids], lengths) + within], starts
