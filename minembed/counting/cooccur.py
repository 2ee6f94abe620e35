"""Windowed word-word co-occurrence counts, the input of PPMI + SVD and of GloVe.

Follows the counting step of GloVe (Pennington, Socher & Manning 2014, section
3: "X_ij ... the number of times word j occurs in the context of word i") as the
Stanford program `cooccur.c` runs it:

    window               context = the `window` words on each side (the paper: 10;
                         cooccur.c and demo.sh: 15), never across a sentence
    distance_weighting   a pair d words apart adds 1/d (cooccur.c's default), or 1
    symmetric            X[i, j] sums over words j left *and* right of each i, so X
                         is symmetric; otherwise only the left context counts

    >>> rows, cols, values = count([np.array([0, 1, 0])], window=2)
    >>> [(int(r), int(c), float(v)) for r, c, v in zip(rows, cols, values)]
    [(0, 0, 1.0), (0, 1, 2.0), (1, 0, 2.0)]

(word 0 sees word 1 once on each side at distance 1, and itself at distance 2,
which counts 1/2 from each side.)

Read `count_plain` first: it is the definition, a loop over every word and every
earlier word of its sentence within the window, adding each pair's weight.
`count` returns the same triples, bit for bit (tests/test_cooccur.py), computed
in whole arrays with cooccur.c's two tricks, a dense table for the pairs of
frequent words and a sort-reduce for the rest (minembed/counting/sort_reduce.py
says how and why). Its speed against scipy: benchmarks/bench_glove.py.

Both count weights as whole numbers of a unit, 1 / lcm(1, ..., window), so that
1/d is a whole number of units: integer sums are exact in any order, and the
counts are the same bits however they are added up. The values are divided by
the unit once at the end.

But: no spilling of partial counts to disk (cooccur.c's `-memory` machinery
sizes its table and its temporary files from a memory budget), no vocabulary
building (use `minembed.tokens.vocab.Vocabulary` and `encode`), and windows over 22
words with 1/d weighting fall back to float64 sums, where chunked and one-pass
counts agree only to rounding.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import scipy.sparse

from minembed.counting.sort_reduce import DEFAULT_TABLE_MB, MAX_PRODUCT, FrequentPairs, as_matrix, chunk_counts

__all__ = ["count_plain", "count", "distance_weights", "check_distance_weighting", "to_dense", "format_counts"]

MAX_EXACT_UNIT = 2**32  # lcm(1..22) = 232,792,560 fits; lcm(1..23) = 5,354,228,880 does not


def distance_weights(window: int, distance_weighting: bool | str = True) -> tuple[np.ndarray, float]:
    """The weight of a pair d = 1..window words apart, as whole units, and the size of one unit.

    True or "harmonic": 1/d (GloVe's cooccur.c); False: 1 for every d;
    "linear": (window - d + 1) / window, the chance that word2vec's shrunk window
    (drawn uniformly from 1..window) reaches distance d.

    Returns units (window + 1,) with units[d] the weight of distance d in units
    (units[0] unused), and the unit: the weight of distance d is units[d] / unit.
    The dtype is int64 when the unit fits (window <= 22 for 1/d), else float64.

    >>> distance_weights(4)   # lcm(1, 2, 3, 4) = 12; 1/3 = 4 units of 1/12
    (array([ 0, 12,  6,  4,  3]), 12)
    >>> distance_weights(3, "linear")
    (array([0, 3, 2, 1]), 3)
    """
    check_distance_weighting(distance_weighting)
    if distance_weighting is True or distance_weighting == "harmonic":
        unit = math.lcm(*range(1, window + 1))
        if unit <= MAX_EXACT_UNIT:
            return np.array([0] + [unit // d for d in range(1, window + 1)], dtype=np.int64), unit
        return np.array([0.0] + [1.0 / d for d in range(1, window + 1)]), 1.0
    if distance_weighting is False:
        return np.array([0] + [1] * window, dtype=np.int64), 1
    return np.array([0] + [window - d + 1 for d in range(1, window + 1)], dtype=np.int64), window  # "linear"


def check_distance_weighting(distance_weighting) -> None:
    """Refuse anything but True / "harmonic", False and "linear" (a model's settings check calls it too)."""
    if not (isinstance(distance_weighting, bool) or distance_weighting in ("harmonic", "linear")):
        raise ValueError(f"distance_weighting must be True (1/d, GloVe's), False (every pair counts 1) or "
                         f"'linear' ((window - d + 1) / window, word2vec's shrunk window), got {distance_weighting!r}")


def count_plain(sentences: Sequence[np.ndarray], window: int = 10, symmetric: bool = True,
                distance_weighting: bool | str = True, *, vocab_size: int | None = None):
    """The definition of the counts, one pair at a time. Slow (a Python loop); `count` is the same, fast.

    For every position p of every sentence and every d = 1..window with p - d in
    the sentence, the pair (word at p, word at p - d) adds the weight of
    distance d; with `symmetric`, so does (word at p - d, word at p).
    Returns rows, cols (K,) int32 and values (K,) float64, sorted by (row, col).

    >>> rows, cols, values = count_plain([np.array([0, 1, 0])], window=2)
    >>> [(int(r), int(c), float(v)) for r, c, v in zip(rows, cols, values)]
    [(0, 0, 1.0), (0, 1, 2.0), (1, 0, 2.0)]
    """
    ids, _ = _concatenate(sentences)
    _check_window(window)
    _check_ids(ids, vocab_size, window)
    units, unit = distance_weights(window, distance_weighting)  # units[d]: the weight of distance d, in units
    X: dict[tuple[int, int], int] = {}  # (word, context) -> summed units
    for sentence in sentences:
        for p in range(len(sentence)):
            for d in range(1, min(window, p) + 1):
                word, context = int(sentence[p]), int(sentence[p - d])
                X[word, context] = X.get((word, context), 0) + units[d]
                if symmetric:
                    X[context, word] = X.get((context, word), 0) + units[d]
    pairs = sorted(X)
    rows = np.array([row for row, _ in pairs], dtype=np.int32)  # (K,) int32
    cols = np.array([col for _, col in pairs], dtype=np.int32)  # (K,) int32
    values = np.array([X[pair] for pair in pairs], dtype=np.float64) / unit  # (K,) float64, divided once
    return rows, cols, values


def count(sentences: Sequence[np.ndarray], window: int = 10, symmetric: bool = True,
          distance_weighting: bool | str = True, *, vocab_size: int | None = None,
          chunk_tokens: int = 1 << 18, max_product: int = MAX_PRODUCT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Co-occurrence counts of an encoded corpus as sparse triples.

    sentences     a list of 1-D integer id arrays (e.g. `[vocab.encode(s) for s in text]`)
    window        how many words on each side count as context (>= 1)
    symmetric     True: left and right context (X is symmetric); False: X[i, j]
                  counts j to the left of i only (cooccur.c's `-symmetric 0`
                  writes the transpose: its word1 is the earlier word)
    distance_weighting  True: 1/d (GloVe), False: 1, "linear": word2vec's shrunk window
    vocab_size    V, if more than max(id) + 1 (the shape of X is (V, V))
    chunk_tokens  corpus positions counted at a time; bounds the working memory
    max_product   the pairs (i, j) with (i + 1) (j + 1) <= max_product are added up
                  in a dense table (`FrequentPairs`), the others sorted; 0: sort all.
                  Only the speed and the memory change, never a count (but for the
                  float64 weights past 22 words at 1/d: there, the rounding).

    Returns rows (K,) int32, cols (K,) int32 and values (K,) float64, sorted by
    (row, col), each pair once: X[rows[k], cols[k]] = values[k].
    """
    _check_window(window)
    if chunk_tokens < 1:
        raise ValueError(f"chunk_tokens must be >= 1 (2**18 keeps a chunk under 7 MB per window word), got {chunk_tokens}")
    if isinstance(max_product, bool) or not isinstance(max_product, (int, np.integer)) or max_product < 0:
        raise ValueError(f"max_product must be a whole number >= 0 (0 sorts every pair; {MAX_PRODUCT:,} keeps "
                         f"the frequent pairs in a table of about {DEFAULT_TABLE_MB} MB at most), got {max_product!r}")
    ids, position_in_sentence = _concatenate(sentences)  # (N,) integer, (N,) int32
    vocab_size = _check_ids(ids, vocab_size, window)
    ids = ids.astype(np.int32, copy=False)  # (N,) int32: every id is in [0, vocab_size)
    units, unit = distance_weights(window, distance_weighting)
    id_bits = max(vocab_size - 1, 1).bit_length()  # a pair is the key row << id_bits | col

    # Count chunk by chunk, each chunk a sparse matrix. Adding two sorted CSR matrices is
    # one merge of their rows (scipy, in C). The partial sums are kept on a stack of
    # roughly halving sizes, as a binary counter carries: a new chunk is merged into the
    # top while it is at least as large, so each count is rewritten O(log chunks) times.
    table = FrequentPairs(vocab_size, max_product, symmetric, units.dtype)
    stack: list[scipy.sparse.csr_matrix] = []
    for start in range(0, len(ids), chunk_tokens):
        stop = min(start + chunk_tokens, len(ids))
        counts = as_matrix(*chunk_counts(ids, position_in_sentence, start, stop, window, units, id_bits, symmetric,
                                         table), id_bits, vocab_size)
        while stack and counts.nnz >= stack[-1].nnz:
            counts = stack.pop() + counts
        stack.append(counts)
    X = table.as_matrix()  # (V, V) CSR, in units: the frequent pairs
    del table
    while stack:
        X = stack.pop() + X
    del stack

    if symmetric:
        # Each pair was counted once, as U[min(i, j), max(i, j)], whichever side the context
        # word was on. X = U + U^T: an off-diagonal count appears at (i, j) and at (j, i); a
        # word next to itself counts twice (once from each side, as in cooccur.c). The
        # transpose is a counting sort by column (CSR -> CSC), and the sum another merge.
        X = X + X.T.tocsr()
    rows = np.repeat(np.arange(vocab_size, dtype=np.int32), np.diff(X.indptr))  # (K,) int32
    cols = X.indices.astype(np.int32, copy=False)  # (K,) int32
    values = X.data / unit  # (K,) float64: an exact number of units divided once, so correctly rounded
    return rows, cols, values


def _concatenate(sentences: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All sentences as one (N,) integer id array, and each position's place in its sentence, (N,) int32.

    >>> [a.tolist() for a in _concatenate([np.array([4, 5, 6]), np.array([], int), np.array([7, 8])])]
    [[4, 5, 6, 7, 8], [0, 1, 2, 0, 1]]
    """
    if isinstance(sentences, np.ndarray) and sentences.ndim == 1 and sentences.dtype != object:
        raise TypeError("sentences must be a list of 1-D id arrays, not one array; wrap it: [ids]")
    pieces = [np.asarray(sentence) for sentence in sentences]
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)) if pieces else np.zeros(0, np.int64)
    if lengths.sum() == 0:
        raise ValueError("the corpus is empty: no sentence has a word id; pass a list of 1-D id arrays such as "
                         "[vocab.encode(s) for s in sentences] and check that the vocabulary knows the words")
    nonempty = [piece for piece in pieces if len(piece)] if len(lengths) > np.count_nonzero(lengths) else pieces
    ids = np.concatenate(nonempty) if all(piece.ndim == 1 for piece in nonempty) else None
    if ids is None or ids.dtype.kind not in "iu":  # find the sentence to blame, only when there is one
        for number, sentence in enumerate(pieces):
            if sentence.ndim != 1 or (sentence.dtype.kind not in "iu" and sentence.size):
                raise TypeError(f"sentence {number} is not a 1-D array of integer word ids (shape {sentence.shape}, "
                                f"dtype {sentence.dtype}); encode tokens first: [vocab.encode(s) for s in sentences]")
        raise TypeError(f"the sentences mix integer types that NumPy joins as {ids.dtype} (e.g. uint64 with "
                        "int64); give every sentence the same integer dtype, as vocab.encode does")
    sentence_starts = np.cumsum(lengths) - lengths  # (S,) int64
    position_in_sentence = np.arange(len(ids), dtype=np.int32) - np.repeat(sentence_starts.astype(np.int32), lengths)
    return ids, position_in_sentence  # (N,) integer ids as given, (N,) int32


def _check_window(window) -> None:
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a whole number of words >= 1 (GloVe's paper uses 10, word2vec 5), got {window!r}")


def _check_ids(ids: np.ndarray, vocab_size: int | None, window: int) -> int:
    low, high = int(ids.min()), int(ids.max())
    if low < 0:
        raise ValueError(f"word id {low} is negative; drop unknown words before counting "
                         "(vocab.encode(tokens) with the default unknown='drop')")
    if high > np.iinfo(np.int32).max:
        raise ValueError(f"word id {high} does not fit in int32; no vocabulary is that large: "
                         "encode the sentences with a Vocabulary")
    if vocab_size is None:
        vocab_size = high + 1
    elif high >= vocab_size:
        raise ValueError(f"word id {high} is outside vocab_size={vocab_size}; pass vocab_size=len(vocab)")
    if 2 * max(vocab_size - 1, 1).bit_length() + (window - 1).bit_length() > 62:
        raise ValueError(f"a vocabulary of {vocab_size:,} words is too large to pack (row, col, distance) into "
                         f"one int64 key with window={window}; keep fewer words (Vocabulary.build(max_size=...))")
    return vocab_size


def to_dense(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, vocab_size: int) -> np.ndarray:
    """The (V, V) float64 matrix of the triples, for small examples and tests."""
    dense = np.zeros((vocab_size, vocab_size))  # (V, V) float64
    dense[rows, cols] = values  # each (row, col) appears once, so plain assignment is safe
    return dense


def format_counts(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, words: Sequence[str], limit: int = 20) -> str:
    """The largest counts as "word  context  value" lines, to print.

    >>> print(format_counts(*count([np.array([0, 1, 0])], window=2), ["a", "b"]))
    a  b  2.0000
    b  a  2.0000
    a  a  1.0000
    """
    order = np.argsort(-values, kind="stable")[:limit]
    width = max(len(words[i]) for i in np.concatenate([rows[order], cols[order]])) if len(order) else 0
    return "\n".join(f"{words[rows[k]]:<{width}}  {words[cols[k]]:<{width}}  {values[k]:.4f}" for k in order)
