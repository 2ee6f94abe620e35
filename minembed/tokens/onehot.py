"""Ordinal and one-hot codes: the first way to turn words into numbers, and why it fails.

An ordinal code gives each word its vocabulary id. A one-hot code gives word i
the vector with a 1 in column i and 0 everywhere else: row i of the V x V
identity matrix.

    >>> vocab = Vocabulary(["cat", "dog", "car"], [3, 2, 1])
    >>> onehot_encode(["dog", "cat"], vocab)
    array([[0., 1., 0.],
           [1., 0., 0.]], dtype=float32)

Why one-hot fails as a word embedding:
1. Every pair of distinct words is orthogonal. The dot product of two one-hot
   vectors is 1 if they are the same word and 0 otherwise, so cosine("cat", "dog")
   = cosine("cat", "car") = 0: the code knows nothing about meaning. Ask
   `most_similar` of `onehot_vectors(vocab)` and every other word ties at 0.
2. The dimension is the vocabulary size. 400,000 words need 400,000 columns,
   and the full table is V x V (640 GB in float32 for V = 400,000), almost all zeros.

    >>> pairwise_cosine(onehot_vectors(vocab).vectors)
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]], dtype=float32)

One-hot is still how an embedding layer is *defined*: `onehot(word) @ W` picks
row `W[id]`, which is what `torch.nn.Embedding` computes without building the
one-hot vector. A learned (V, D) W with D ~ 50-300 is what the rest of minembed
trains.

But: no multi-hot / bag-of-words counts (one row per token only), no "unknown"
category column (unknown tokens raise, or give an all-zero row with
handle_unknown="ignore", like scikit-learn's OneHotEncoder).
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import scipy.sparse

from minembed.vectors import Vectors
from minembed.tokens.vocab import Vocabulary


def ordinal_encode(tokens: Sequence[str], vocab: Vocabulary) -> np.ndarray:
    """Vocabulary id of each token, (N,) int64; an unknown token raises KeyError.

    >>> ordinal_encode(["dog", "cat", "dog"], Vocabulary(["cat", "dog"], [2, 2]))
    array([1, 0, 1])
    """
    return vocab.encode(tokens, unknown="error").astype(np.int64)  # (N,) int64


def onehot_encode(
    tokens: Sequence[str],
    vocab: Vocabulary,
    sparse: bool = False,
    handle_unknown: Literal["error", "ignore"] = "error",
) -> np.ndarray | scipy.sparse.csr_matrix:
    """One row per token with a 1 in the token's id column: (N, V) float32.

    sparse          False: a dense ndarray; True: a scipy.sparse csr_matrix
                    (N stored ones instead of N x V floats).
    handle_unknown  "error": an unknown token raises KeyError naming close words;
                    "ignore": its row is all zeros (scikit-learn's name for this).

    >>> vocab = Vocabulary(["cat", "dog"], [2, 2])
    >>> onehot_encode(["dog", "bird"], vocab, handle_unknown="ignore")
    array([[0., 1.],
           [0., 0.]], dtype=float32)
    >>> onehot_encode(["dog", "cat"], vocab, sparse=True).indices.tolist()
    [1, 0]
    """
    if handle_unknown not in ("error", "ignore"):
        raise ValueError(f'handle_unknown must be "error" or "ignore", got {handle_unknown!r}')
    unknown = "error" if handle_unknown == "error" else "minus_one"
    ids = vocab.encode(tokens, unknown=unknown).astype(np.int64)  # (N,) int64, -1 = unknown
    n_tokens, n_words = len(ids), len(vocab)
    known = ids >= 0  # (N,) bool
    if sparse:
        # CSR by hand: row r holds entries indptr[r]:indptr[r+1] of (indices, data).
        indptr = np.concatenate([[0], np.cumsum(known)])  # (N + 1,) int64
        data = np.ones(int(known.sum()), dtype=np.float32)  # (nnz,) float32
        return scipy.sparse.csr_matrix((data, ids[known], indptr), shape=(n_tokens, n_words))
    onehot = np.zeros((n_tokens, n_words), dtype=np.float32)  # (N, V) float32
    onehot[np.flatnonzero(known), ids[known]] = 1.0
    return onehot


def onehot_vectors(vocab: Vocabulary, max_bytes: int = 2**30) -> Vectors:
    """The one-hot table as a `Vectors`: word i -> row i of the (V, V) float32 identity.

    max_bytes guards against the point this module makes: the table takes
    4 * V * V bytes, so the default 1 GiB allows about 16,000 words.

    >>> table = onehot_vectors(Vocabulary(["cat", "dog"], [2, 1]))
    >>> table.words, table.vectors.tolist()
    (['cat', 'dog'], [[1.0, 0.0], [0.0, 1.0]])
    """
    n_words = len(vocab)
    n_bytes = 4 * n_words * n_words
    if n_bytes > max_bytes:
        raise ValueError(
            f"a one-hot table for {n_words:,} words takes {n_bytes / 2**30:.1f} GiB "
            f"({n_words:,} x {n_words:,} float32), over max_bytes={max_bytes:,}. That size is "
            "why one-hot fails; build a smaller vocabulary (Vocabulary.build(..., max_size=5000)) "
            "or raise max_bytes"
        )
    return Vectors(vocab.words, np.eye(n_words, dtype=np.float32))  # (V, V) float32


def pairwise_cosine(matrix: np.ndarray) -> np.ndarray:
    """Cosine similarity of every pair of rows, (N, N); a zero row scores 0 with everything.

    >>> pairwise_cosine(np.array([[1.0, 0.0], [3.0, 4.0]]))
    array([[1. , 0.6],
           [0.6, 1. ]])
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"pairwise_cosine takes a 2-D (N, D) matrix, got shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)  # (N, 1)
    unit = matrix / np.where(norms > 0, norms, 1)  # (N, D); zero rows stay zero
    return unit @ unit.T  # (N, N)
