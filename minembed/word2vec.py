"""word2vec: skip-gram and CBOW with negative sampling, in NumPy.

Follows Mikolov et al. (2013a) "Efficient Estimation of Word Representations in
Vector Space" (CBOW, skip-gram) and (2013b) "Distributed Representations of
Words and Phrases and their Compositionality" (negative sampling, subsampling),
step for step as the word2vec C tool (`TrainModelThread`) and gensim 4
(`word2vec_inner.pyx`) run them, with gensim's parameter names:

    corpus      one int32 id array + sentence offsets (a memory-mappable .npy pair)
    subsample   keep each occurrence of word w with probability keep[w]   (sample=1e-3)
    window      for each centre word draw b in [1, window]: the "shrunk" window
    pairs       skip-gram: (context -> centre) for every context within b;
                CBOW: (mean of the contexts within b -> centre)
    negatives   `negative` noise words per example from unigram^0.75
    loss        -log s(v . c_target) - sum_k log s(-v . c_k),   s = sigmoid
    update      W (input vectors) and C (output vectors) by SGD, learning rate
                falling linearly from alpha to min_alpha over all epochs

The real departure is the update: the C tool updates the vectors after every
(context, centre) pair, one at a time; here a minibatch of `batch_size` centre
words is scored in one go from the same W and C, and the summed gradients are
then applied. Two things follow:

  - Repeated words in a minibatch are the trap: a plain `W[ids] -= lr * grad`
    keeps only one of the rows for a repeated id (NumPy's fancy assignment is
    "last write wins"), silently dropping updates for frequent words.
    `add_to_rows` sums them first (see there why it is correct and fast).
  - The centres of a minibatch are drawn at random from the current chunk of
    the corpus (`shuffle`, in blocks of 32), not taken consecutively: one
    document's topic words would otherwise get dozens of stale gradients in one
    step (see `shuffled_positions`).

`shared_negatives=True` (skip-gram, off by default) is the variant of Ji et
al. (2016, "Parallelizing Word2Vec in Shared and Distributed Memory"): the
pairs of one centre word share its K noise words, so each centre's scores are
one (2w, D) @ (D, 1 + K) product and the noise rows are gathered once per
centre instead of once per pair. (Sharing one set of noise words across the
whole minibatch, the other known variant, was slower here - every pair must
then be scored against every shared word - and, with word2vec's learning
rate, unstable: each shared word receives thousands of summed gradients at
once.) benchmarks/parity_word2vec.py shows its quality beside per-pair noise.

But: no hierarchical softmax, no CBOW with summed (rather than averaged)
contexts, no phrases, no exp/log lookup tables (the sigmoid and the loss are
exact, and scores are not clipped at +-6 as the C tool does), no threads
(NumPy's BLAS may use several cores), no `max_final_vocab`, no incremental
training.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse

from minembed.vectors import Vectors
from minembed.vocab import Vocabulary

__all__ = [
    "Word2VecConfig", "Corpus", "Word2Vec", "TrainingDiverged", "train",
    "skipgram_pairs", "cbow_contexts", "sgns_loss_and_grads", "sgns_window_loss_and_grads",
    "cbow_loss_and_grads", "add_to_rows", "add_to_rows_public", "AliasSampler", "softplus_and_sigmoid", "mix_rows",
]


@dataclass
class Word2VecConfig:
    sg: int = 1                 # 1 skip-gram, 0 CBOW (gensim's `sg`; gensim's default is 0)
    vector_size: int = 100      # dimensions D (gensim 100; the C tool 100)
    window: int = 5             # largest context distance (gensim and C tool: 5)
    negative: int = 5           # noise words per example (gensim 5; paper: 5-20 small data, 2-5 large)
    ns_exponent: float = 0.75   # noise distribution unigram^0.75 (paper, C tool, gensim)
    sample: float = 1e-3        # subsampling threshold (gensim and C tool 1e-3; 0 turns it off)
    min_count: int = 5          # drop rarer words (gensim and C tool: 5)
    max_vocab_size: int | None = None  # keep only the most frequent words (None: all)
    epochs: int = 5             # passes over the corpus (gensim 5; C tool `iter` 5)
    alpha: float = 0.025        # starting learning rate (gensim 0.025; the C tool uses 0.05 for CBOW)
    min_alpha: float = 0.0001   # final learning rate (gensim 1e-4; C tool alpha * 1e-4)
    seed: int = 0               # seeds the one np.random.Generator everything draws from
    batch_size: int = 1024      # centre words per minibatch (minembed's own: see benchmarks/bench_word2vec.py)
    shuffle: bool = True        # minibatches from blocks of centres drawn at random from each chunk (minembed's)
    shuffle_block: int = 32     # consecutive centres kept together when shuffling (for memory locality)
    shared_negatives: bool = False  # skip-gram only: True = the pairs of one centre share its noise words
    chunk_words: int = 1 << 18  # corpus tokens subsampled (and shuffled) at a time: bounds the working memory

    def validate(self) -> None:
        def need(condition: bool, message: str) -> None:
            if not condition:
                raise ValueError(message)

        need(self.sg in (0, 1), f"sg must be 1 (skip-gram) or 0 (CBOW), got {self.sg!r}")
        need(self.vector_size >= 1, f"vector_size must be >= 1 (100 is usual), got {self.vector_size}")
        need(self.window >= 1, f"window must be >= 1 (5 is usual), got {self.window}")
        need(self.negative >= 1, f"negative must be >= 1 (5 is usual): negative sampling is the only "
             f"objective here (no hierarchical softmax), got {self.negative}")
        need(0 <= self.sample < 1, f"sample must be in [0, 1) (1e-3 is usual, 0 turns subsampling off), got {self.sample}")
        need(self.min_count >= 1, f"min_count must be >= 1, got {self.min_count}")
        need(self.epochs >= 1, f"epochs must be >= 1, got {self.epochs}")
        need(self.alpha > 0 and math.isfinite(self.alpha), f"alpha must be a positive learning rate such as 0.025, got {self.alpha}")
        need(0 <= self.min_alpha <= self.alpha, f"min_alpha must be in [0, alpha={self.alpha}], got {self.min_alpha}")
        need(self.batch_size >= 1, f"batch_size must be >= 1 centre words, got {self.batch_size}")
        need(self.shared_negatives in (False, True), f"shared_negatives must be True or False, got {self.shared_negatives!r}")
        need(self.chunk_words >= 1, f"chunk_words must be >= 1, got {self.chunk_words}")


class TrainingDiverged(FloatingPointError):
    """The loss or the vectors became NaN or infinite; the message names the epoch and learning rate."""


# ----------------------------------------------------------------------------- corpus


class Corpus:
    """The whole corpus as one id array; sentence s is ids[offsets[s]:offsets[s + 1]].

    ids      (N,) int32     word ids, unknown and rare words already dropped
    offsets  (S + 1,) int64 where each sentence starts; offsets[-1] == N

    >>> vocab = Vocabulary(["the", "cat", "sat"], [2, 1, 1])
    >>> corpus = Corpus.from_sentences([["the", "cat"], ["the", "dog", "sat"]], vocab)
    >>> corpus.ids.tolist(), corpus.offsets.tolist()
    ([0, 1, 0, 2], [0, 2, 4])
    """

    def __init__(self, ids: np.ndarray, offsets: np.ndarray) -> None:
        self.ids = ids  # (N,) int32, may be a read-only np.memmap
        self.offsets = np.asarray(offsets, dtype=np.int64)  # (S + 1,) int64
        if self.ids.dtype != np.int32 or self.ids.ndim != 1:
            raise ValueError(f"corpus ids must be a 1-D int32 array, got {self.ids.dtype} of shape {self.ids.shape}")
        if self.offsets[0] != 0 or self.offsets[-1] != len(self.ids) or np.any(np.diff(self.offsets) < 0):
            raise ValueError("offsets must rise from 0 to len(ids); build them with Corpus.from_sentences")

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]], vocab: Vocabulary) -> Corpus:
        """Encode token lists, dropping words not in `vocab` (as vocab.encode does).

        The ids stream straight into one array (np.fromiter), never into a
        list of per-sentence arrays, which for a million short sentences would
        cost ~100 bytes of overhead each.
        """
        lengths: list[int] = []

        def all_ids():
            for sentence in sentences:
                if isinstance(sentence, str):
                    raise TypeError("each sentence must be a list of tokens, got a str; tokenize it first")
                ids = [vocab.index[word] for word in sentence if word in vocab.index]
                lengths.append(len(ids))
                yield from ids

        ids = np.fromiter(all_ids(), dtype=np.int32)  # (N,) int32
        return cls(ids, np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]))

    def save(self, prefix: str | Path) -> None:
        """Write `<prefix>.ids.npy` and `<prefix>.offsets.npy`."""
        np.save(f"{prefix}.ids.npy", self.ids)
        np.save(f"{prefix}.offsets.npy", self.offsets)

    @classmethod
    def load(cls, prefix: str | Path, mmap_mode: str | None = "r") -> Corpus:
        """Read a saved corpus; by default the ids stay on disk (memory-mapped)."""
        return cls(np.load(f"{prefix}.ids.npy", mmap_mode=mmap_mode), np.load(f"{prefix}.offsets.npy"))

    def __len__(self) -> int:
        return len(self.ids)


def subsample(ids: np.ndarray, sentence_of: np.ndarray, keep: np.ndarray, rng: np.random.Generator):
    """Drop frequent words at random, before any window is drawn (as the C tool and gensim do,
    so a window reaches over the dropped words).

    ids (n,) int32, sentence_of (n,) int32, keep (V,) float64 -> kept ids and their sentence numbers.
    """
    kept = rng.random(len(ids)) < keep[ids]  # (n,) bool
    return ids[kept], sentence_of[kept]


def shuffled_positions(n: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """0..n-1 in random order of blocks of `block` consecutive positions: (n,) int64.

    Why shuffle at all: a minibatch applies all its gradients at once, computed
    from the same vectors. Consecutive centres come from one document, whose
    topic words then receive dozens of stale gradients in one step. On gensim's
    Wikipedia sample (batch_size=1024, seeds 0 and 1) WordSim353 Spearman was
    0.20 and 0.18 with consecutive centres, 0.29 and 0.29 shuffled; gensim's
    sequential SGD gave 0.24-0.25.
    Blocks of ~32 keep neighbouring windows (which share context words)
    together, which is kinder to the caches than a full permutation.

    >>> shuffled_positions(7, 3, np.random.default_rng(0)).tolist()
    [6, 0, 1, 2, 3, 4, 5]
    """
    blocks = rng.permutation(-(-n // block))  # (ceil(n / block),) int64
    positions = (blocks[:, None] * block + np.arange(block)).ravel()  # (blocks * block,) int64
    return positions[positions < n]


# ----------------------------------------------------------------------------- windows


def shrunk_windows(n: int, window: int, rng: np.random.Generator) -> np.ndarray:
    """Each centre word's window, drawn uniformly from 1..window: (n,) int64.

    Near words fall inside more often, which weights context by distance
    (a word at distance d is used with probability (window - d + 1) / window).
    """
    return window - rng.integers(0, window, size=n)  # (n,) int64


def window_positions(centres: np.ndarray, sentence_of: np.ndarray, reach: np.ndarray, window: int):
    """Positions around each centre that fall inside its shrunk window and its sentence.

    centres (B,) int64 positions, sentence_of (n,), reach (B,) in 1..window
    -> positions (B, 2 window) int64 and inside (B, 2 window) bool.

    >>> p, inside = window_positions(np.array([1]), np.array([0, 0, 0, 1]), np.array([2]), 2)
    >>> p.tolist(), inside.tolist()   # -1 is clipped to 0 and outside; 3 is another sentence
    ([[0, 0, 2, 3]], [[False, True, True, False]])
    """
    distance = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2w,) int64
    positions = centres[:, None] + distance[None, :]  # (B, 2w) int64
    clipped = np.clip(positions, 0, len(sentence_of) - 1)  # (B, 2w) int64, safe to index with
    inside = (np.abs(distance)[None, :] <= reach[:, None]) & (positions == clipped)
    inside &= sentence_of[clipped] == sentence_of[centres][:, None]
    return clipped, inside


def skipgram_pairs(centres, sentence_of, reach, window):
    """(context position, centre position) for every context in each centre's window.

    As in the C tool and gensim, the context word is the input (W) and the centre
    word the predicted output (C); over a corpus this is the same set of pairs
    as the paper's centre -> context. Returns two (P,) int64 arrays, centre by
    centre, contexts left to right.
    """
    positions, inside = window_positions(centres, sentence_of, reach, window)  # (B, 2w), (B, 2w)
    centre_of_pair = np.broadcast_to(centres[:, None], positions.shape)[inside]  # (P,) int64
    return positions[inside], centre_of_pair


def cbow_contexts(centres, sentence_of, reach, window):
    """The context positions of each centre for CBOW: (B, 2w) int64 positions, (B, 2w) bool inside."""
    return window_positions(centres, sentence_of, reach, window)


# ----------------------------------------------------------------------------- losses and gradients


def sgns_loss_and_grads(w_in: np.ndarray, c_outputs: np.ndarray, use: np.ndarray | None = None):
    """Skip-gram negative-sampling loss of B examples and its gradients.

    w_in (B, D): input vectors W[context]. c_outputs (B, 1 + K, D): output
    vectors, column 0 the observed word C[centre], columns 1..K the noise
    words. use (B, 1 + K) bool: False where a noise word is the observed word
    itself (word2vec skips those); column 0 is always used.

        loss_b = -log s(w . c_0) - sum_k log s(-w . c_k)        s = sigmoid
        g_b0 = s(w . c_0) - 1,   g_bk = s(w . c_k)               (label 1, then 0s)
        dloss/dw   = sum_j g_bj c_j
        dloss/dc_j = g_bj w

    Returns loss (B,) float64, grad_in (B, D) and g (B, 1 + K). The output
    gradients are left as the scalars g (times w_in): `add_to_rows` forms the
    outer products while adding them, so no (B, 1 + K, D) array is built for them.
    """
    scores = np.matmul(c_outputs, w_in[:, :, None])[:, :, 0]  # (B, 1 + K): w . c_j (einsum "bd,bjd->bj", ~1.7x slower)
    use = np.ones(scores.shape, bool) if use is None else use  # (B, 1 + K) bool
    z = scores.copy()  # z = -score for the observed word, +score for noise words:
    z[:, 0] *= -1  # then every term of the loss is softplus(z) = -log s(-z)
    terms, slope = softplus_and_sigmoid(z)  # (B, 1 + K) each; dsoftplus(z)/dz = s(z)
    loss = (terms * use).sum(axis=1, dtype=np.float64)  # (B,) float64
    g = slope * use  # dloss/dz; dz/dscore is -1 for the observed word: g = s(score) - label
    g[:, 0] *= -1
    grad_in = np.einsum("bj,bjd->bd", g, c_outputs)  # (B, D)
    return loss, grad_in, g


def softplus_and_sigmoid(z: np.ndarray):
    """softplus(z) = log(1 + exp(z)) and its derivative sigmoid(z), with nothing that can overflow.

        softplus(z) = max(z, 0) + log1p(exp(-|z|))       exp of a non-positive number
        sigmoid(z)  = (1 + tanh(z / 2)) / 2               the same function as 1 / (1 + exp(-z))

    (np.logaddexp(0, z) and scipy's expit give the same numbers but ran ~10x
    and ~4x slower here, as did the np.where form of a stable sigmoid.)

    >>> [np.round(a, 4).tolist() for a in softplus_and_sigmoid(np.array([-1000.0, 0.0, 2.0]))]
    [[0.0, 0.6931, 2.1269], [0.0, 0.5, 0.8808]]
    """
    half = z.dtype.type(0.5)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))), half + half * np.tanh(half * z)


def sgns_window_loss_and_grads(w_ctx: np.ndarray, inside: np.ndarray, c_outputs: np.ndarray,
                               use: np.ndarray | None = None):
    """Skip-gram loss when all the pairs of one centre word share its K noise words.

    w_ctx (B, 2w, D) input vectors of each centre's context positions, inside
    (B, 2w) bool (which positions are in the window), c_outputs (B, 1 + K, D)
    the centre word then its K noise words, use (B, 1 + K) as in
    `sgns_loss_and_grads`. Each (context i, centre b) pair is an example of
    `sgns_loss_and_grads`; only the noise is drawn once per centre, not per pair.

        s_bij = w_bi . c_bj                  one (2w, D) @ (D, 1 + K) product per centre
        loss_b = sum_i inside_bi [-log s(s_bi0) - sum_k log s(-s_bik)]
        g_bij = (s(s_bij) - label_j) inside_bi use_bj
        dloss/dw_bi = sum_j g_bij c_bj,   dloss/dc_bj = sum_i g_bij w_bi

    Returns loss (B,) float64, grad_ctx (B, 2w, D), grad_outputs (B, 1 + K, D).
    """
    scores = np.matmul(w_ctx, c_outputs.transpose(0, 2, 1))  # (B, 2w, 1 + K)
    use = np.ones(scores.shape[::2], bool) if use is None else use  # (B, 1 + K) bool
    mask = inside[:, :, None] & use[:, None, :]  # (B, 2w, 1 + K) bool
    z = scores.copy()
    z[:, :, 0] *= -1  # as in sgns_loss_and_grads: every loss term is softplus(z)
    terms, slope = softplus_and_sigmoid(z)  # (B, 2w, 1 + K) each
    loss = (terms * mask).sum(axis=(1, 2), dtype=np.float64)  # (B,) float64
    g = slope * mask  # (B, 2w, 1 + K): s(score) - label where used, else 0
    g[:, :, 0] *= -1
    grad_ctx = np.matmul(g, c_outputs)  # (B, 2w, D)
    grad_outputs = np.matmul(g.transpose(0, 2, 1), w_ctx)  # (B, 1 + K, D)
    return loss, grad_ctx, grad_outputs


def cbow_loss_and_grads(w_ctx: np.ndarray, inside: np.ndarray, c_outputs: np.ndarray, use: np.ndarray | None = None):
    """CBOW negative-sampling loss of B examples and its gradients.

    w_ctx (B, 2w, D) input vectors of the context positions, inside (B, 2w)
    bool (which positions count), c_outputs and use as in `sgns_loss_and_grads`.

        h = mean of the inside context vectors                        (B, D)
        loss_b = -log s(h . c_0) - sum_k log s(-h . c_k)
        dloss/dh = sum_j g_bj c_j,   dloss/dc_j = g_bj h
        dloss/dw_i = dloss/dh / n_b  for each inside context i   (n_b = how many)

    Returns loss (B,) float64, grad_ctx (B, 2w, D), g (B, 1 + K), h (B, D).
    (Training follows word2vec.c and gensim, which add the whole dloss/dh to
    every context word, i.e. n_b times this gradient; see Word2Vec._cbow_step.)
    """
    weights = inside.astype(w_ctx.dtype)  # (B, 2w)
    count = weights.sum(axis=1)  # (B,), >= 1
    h = np.einsum("bi,bid->bd", weights, w_ctx) / count[:, None]  # (B, D)
    loss, grad_h, g = sgns_loss_and_grads(h, c_outputs, use)
    grad_ctx = (weights / count[:, None])[:, :, None] * grad_h[:, None, :]  # (B, 2w, D)
    return loss, grad_ctx, g, h


# ----------------------------------------------------------------------------- the scatter


def add_to_rows(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray) -> None:
    """table[row_ids[b, k]] += coefficients[b, k] * vectors[b] for every b and k, in place,
    summing the contributions of a row that appears more than once.

    table (V, D), row_ids (B, K) int, coefficients (B, K), vectors (B, D).

    Why this is correct: the B x K contributions are one sparse matrix M of
    shape (V, B), column b holding coefficients[b, k] in row row_ids[b, k].
    Then (M @ vectors)[v] = sum over all (b, k) with row_ids[b, k] = v of
    coefficients[b, k] * vectors[b]: every contribution, repeats summed, none
    lost - exactly what np.add.at computes, in the same order.

    Why this way: scipy's CSC @ dense is one C loop over the nonzeros (an axpy
    each) and the column pointers are simply 0, K, 2K, ...: no sort, and the
    (B, K, D) outer products are never built. The fast path calls that loop
    (`csc_matvecs`, which computes Y += M @ X) with Y = the table itself, so
    nothing is gathered or scattered at all; `add_to_rows_public` does the same
    through scipy's public API, on the distinct rows only. Measured here on
    21k contributions of 100 floats into a 42k-row table: fast path 3.4 ms,
    public path ~10 ms, np.add.at ~9x slower than that.

    >>> table = np.zeros((3, 1), np.float32)
    >>> add_to_rows(table, np.array([[2], [2], [0]]), np.ones((3, 1), np.float32), np.array([[1.], [2.], [5.]], np.float32))
    >>> table.ravel().tolist()      # row 2 receives 1 + 2; a plain table[ids] += ... would give 2
    [5.0, 0.0, 3.0]
    """
    n_vectors, per_vector = row_ids.shape
    if _csc_matvecs is None or not table.flags.c_contiguous or n_vectors * per_vector >= 2**31:
        return add_to_rows_public(table, row_ids, coefficients, vectors)
    _csc_matvecs(
        len(table), n_vectors, table.shape[1],  # M is (V, B); D right-hand sides
        np.arange(0, n_vectors * per_vector + 1, per_vector, dtype=np.int32),  # column pointers
        np.ascontiguousarray(row_ids, dtype=np.int32).ravel(),  # row of each nonzero
        np.ascontiguousarray(coefficients, dtype=table.dtype).ravel(),  # the nonzeros
        np.ascontiguousarray(vectors, dtype=table.dtype).ravel(),  # X (B, D)
        table.reshape(-1),  # Y (V, D), a view: updated in place
    )


def add_to_rows_public(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray) -> None:
    """`add_to_rows` through scipy's public API: M restricted to the U distinct rows,
    (U, B) @ (B, D), then each distinct row updated once (fancy `+=` is safe without repeats)."""
    n_vectors, per_vector = row_ids.shape
    rows, which = distinct_rows(row_ids.ravel(), len(table))  # (U,) int64, (B K,) int32
    contributions = scipy.sparse.csc_matrix(
        (coefficients.ravel().astype(table.dtype, copy=False), which, np.arange(0, n_vectors * per_vector + 1, per_vector)),
        shape=(len(rows), n_vectors),
    )  # (U, B), K nonzeros per column
    table[rows] += contributions @ vectors.astype(table.dtype, copy=False)  # (U, D)


try:  # the C loop behind scipy's CSC @ dense; private, but unchanged since scipy 0.7
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover
    _csc_matvecs = None


def mix_rows(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """sum over k of coefficients[b, k] * table[row_ids[b, k]], for each b: (B, D).

    The transpose of `add_to_rows`: a CSR matrix (B, V) with K entries per row,
    times the table. scipy reads the table rows where they are, so the (B, K, D)
    array that `np.einsum("bk,bkd->bd", coefficients, table[row_ids])` would
    gather first is never built.

    >>> mix_rows(np.array([[1.0], [10.0]]), np.array([[0, 1, 1]]), np.array([[1.0, 0.5, 0.5]])).tolist()
    [[11.0]]
    """
    n_vectors, per_vector = row_ids.shape
    mixing = scipy.sparse.csr_matrix(
        (coefficients.ravel().astype(table.dtype, copy=False), row_ids.ravel(), np.arange(0, n_vectors * per_vector + 1, per_vector)),
        shape=(n_vectors, len(table)),
    )  # (B, V), K nonzeros per row
    return mixing @ table  # (B, D)


def distinct_rows(row_ids: np.ndarray, n_rows: int):
    """The distinct ids, sorted, and each id's position among them, without sorting.

    >>> rows, which = distinct_rows(np.array([7, 3, 7]), 10)
    >>> rows.tolist(), which.tolist()
    ([3, 7], [1, 0, 1])
    """
    present = np.zeros(n_rows, dtype=bool)  # (V,) bool; np.zeros is lazily zeroed memory
    present[row_ids] = True
    rows = np.flatnonzero(present)  # (U,) int64
    position = np.empty(n_rows, dtype=np.int32)  # (V,) int32, only rows[] entries are read
    position[rows] = np.arange(len(rows), dtype=np.int32)
    return rows, position[row_ids]


# ----------------------------------------------------------------------------- noise words


_FIRST = np.array([True])  # `(outputs != outputs[:, :1]) | _FIRST` marks noise equal to the observed word; column 0 stays in


class AliasSampler:
    """Draws from a discrete distribution in O(1) per draw (Walker's alias method, Vose's construction).

    Split the V outcomes into V equal columns of height 1/V. Each column i keeps
    its own outcome with probability keep[i] and otherwise gives `alias[i]`: the
    tall outcomes fill up the short columns. A draw is one uniform u in [0, V):
    column i = floor(u), then i if frac(u) < keep[i] else alias[i]. Exact, like
    gensim's cumulative table + bisection (or np.searchsorted), which costs
    O(log V) per draw and measured ~8x slower here; the C tool's 1e8-entry
    table is also O(1) but 400 MB.

    >>> sampler = AliasSampler(np.array([0.5, 0.25, 0.25]))
    >>> counts = np.bincount(sampler.draw(100_000, np.random.default_rng(0)), minlength=3) / 100_000
    >>> bool(np.abs(counts - [0.5, 0.25, 0.25]).max() < 0.01)
    True
    """

    def __init__(self, probabilities: np.ndarray) -> None:
        p = np.asarray(probabilities, dtype=np.float64)  # (V,) float64
        n = len(p)
        scaled = p * n / p.sum()  # (V,) float64, mean 1
        self.keep = np.ones(n, dtype=np.float64)  # (V,) float64
        self.alias = np.arange(n, dtype=np.int32)  # (V,) int32
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, l = small.pop(), large.pop()
            self.keep[s], self.alias[s] = scaled[s], l  # column s: s itself, topped up with l
            scaled[l] -= 1.0 - scaled[s]
            (small if scaled[l] < 1.0 else large).append(l)
        # whatever is left has height 1 up to rounding: keep[i] = 1

    def draw(self, shape, rng: np.random.Generator) -> np.ndarray:
        u = rng.random(shape) * len(self.keep)  # float64 in [0, V)
        column = u.astype(np.int32)  # floor
        return np.where(u - column < self.keep[column], column, self.alias[column]).astype(np.int32, copy=False)


# ----------------------------------------------------------------------------- training


class Word2Vec:
    """A word2vec model: configuration, vocabulary, the two weight matrices and the training record.

        model = Word2Vec(sg=1, vector_size=100, seed=0).fit(sentences)
        model.wv                 Vectors of the input matrix W (what gensim's `model.wv` holds)
        model.W, model.C         (V, D) float32 input and output vectors
        model.losses             mean loss per pair (skip-gram) or per example (CBOW), one per epoch
        model.effective_words    words trained on per epoch, after subsampling
        model.words_per_second   effective words / training seconds (gensim's figure)
        model.trace              with fit(trace=True): one update, see `_record_trace`
    """

    def __init__(self, config: Word2VecConfig | None = None, **params) -> None:
        self.config = config if config is not None else Word2VecConfig(**params)
        if config is not None and params:
            raise ValueError("give either a Word2VecConfig or keyword parameters, not both")
        self.config.validate()
        self.vocab: Vocabulary | None = None
        self.W: np.ndarray | None = None  # (V, D) float32 input vectors
        self.C: np.ndarray | None = None  # (V, D) float32 output vectors
        self.losses: list[float] = []
        self.effective_words: list[int] = []
        self.train_seconds = 0.0
        self.trace: dict | None = None

    # -- public

    def fit(self, sentences: Iterable[Sequence[str]], *, callbacks: Sequence[Callable] = (),
            progress: bool = False, trace: bool = False) -> Word2Vec:
        """Build the vocabulary from `sentences` (a list, or any re-iterable, of token lists) and train."""
        if iter(sentences) is sentences:  # a one-shot iterator cannot be read twice
            sentences = list(sentences)
        vocab = Vocabulary.build(sentences, min_count=self.config.min_count, max_size=self.config.max_vocab_size)
        return self.fit_corpus(Corpus.from_sentences(sentences, vocab), vocab,
                               callbacks=callbacks, progress=progress, trace=trace)

    def fit_corpus(self, corpus: Corpus, vocab: Vocabulary, *, callbacks: Sequence[Callable] = (),
                   progress: bool = False, trace: bool = False) -> Word2Vec:
        """Train on an encoded corpus (e.g. `Corpus.load(prefix)`, memory-mapped).

        Each callback is called as callback(model, epoch) after every epoch
        (epoch counts from 1); model.losses[-1] is that epoch's loss.
        """
        cfg = self.config
        if len(corpus) == 0:
            raise ValueError("the corpus has no words left after dropping unknown and rare ones; "
                             "give more text or lower min_count")
        if len(vocab) < 2:
            raise ValueError(f"the vocabulary has only {vocab.words}; negative sampling needs at least two "
                             "words: give more text or lower min_count")
        if int(corpus.ids.max()) >= len(vocab) or int(corpus.ids.min()) < 0:
            raise ValueError(f"the corpus holds ids from {int(corpus.ids.min())} to {int(corpus.ids.max())} but the "
                             f"vocabulary has {len(vocab)} words: encode it with this vocabulary "
                             "(Corpus.from_sentences(sentences, vocab))")
        self.vocab = vocab
        V, D = len(vocab), cfg.vector_size
        rng = np.random.default_rng(cfg.seed)
        # the C tool's initialisation (and gensim 3's): W uniform in [-0.5/D, 0.5/D), C zero.
        # (gensim 4 draws W from [-1/D, 1/D); the parity figures in benchmarks/ use this one.)
        self.W = ((rng.random((V, D), dtype=np.float32) - np.float32(0.5)) / np.float32(D))  # (V, D) float32
        self.C = np.zeros((V, D), dtype=np.float32)  # (V, D) float32
        keep = vocab.keep_probabilities(cfg.sample)  # (V,) float64
        self.noise = AliasSampler(vocab.noise_distribution(cfg.ns_exponent))
        self.losses, self.effective_words, self.trace = [], [], None
        want_trace = trace

        planned = cfg.epochs * len(corpus)  # corpus tokens over all epochs, for the learning rate
        bar = _ProgressBar(cfg.epochs) if progress else None
        started = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below, with a clearer message
            self._train_epochs(corpus, keep, rng, planned, bar, callbacks, want_trace, started)
        if bar is not None:
            bar.close(sum(self.effective_words) / self.train_seconds, self.losses[-1])
        return self

    def _train_epochs(self, corpus, keep, rng, planned, bar, callbacks, want_trace, started):
        cfg = self.config
        for epoch in range(cfg.epochs):
            loss_sum, examples, effective = 0.0, 0, 0
            for first, last in _sentence_chunks(corpus.offsets, cfg.chunk_words):
                lengths = np.diff(corpus.offsets[first:last + 1])  # (s,) int64
                ids = np.asarray(corpus.ids[corpus.offsets[first]:corpus.offsets[last]])  # (n,) int32
                sentence_of = np.repeat(np.arange(first, last, dtype=np.int32), lengths)  # (n,) int32
                ids, sentence_of = subsample(ids, sentence_of, keep, rng)  # (m,) int32, (m,) int32
                effective += len(ids)
                order = shuffled_positions(len(ids), cfg.shuffle_block, rng) if cfg.shuffle else np.arange(len(ids))
                for start in range(0, len(ids), cfg.batch_size):
                    done = epoch * len(corpus) + corpus.offsets[first] + (
                        (corpus.offsets[last] - corpus.offsets[first]) * start / len(ids))
                    lr = cfg.alpha - (cfg.alpha - cfg.min_alpha) * min(1.0, done / planned)
                    centres = order[start:start + cfg.batch_size]  # (B,) int64 positions
                    reach = shrunk_windows(len(centres), cfg.window, rng)  # (B,) int64
                    if want_trace:
                        self.trace = self._record_trace(ids, sentence_of, centres, reach, lr, rng)
                        want_trace = False
                    step = self._skipgram_step if cfg.sg else self._cbow_step
                    batch_loss, batch_examples = step(ids, sentence_of, centres, reach, lr, rng)
                    if not math.isfinite(batch_loss):
                        self._diverged(epoch, lr, f"the loss became {batch_loss}")
                    loss_sum += batch_loss
                    examples += batch_examples
                    if bar is not None:
                        words_done = effective - len(ids) + start + len(centres)  # effective words this epoch
                        bar.update(epoch, done / len(corpus) - epoch, words_done, loss_sum / max(examples, 1), lr)
            if not (np.isfinite(self.W).all() and np.isfinite(self.C).all()):
                self._diverged(epoch, lr, "the vectors hold NaN or inf")
            self.losses.append(loss_sum / max(examples, 1))
            self.effective_words.append(effective)
            self.train_seconds = time.perf_counter() - started
            for callback in callbacks:
                callback(self, epoch + 1)

    @property
    def wv(self) -> Vectors:
        if self.W is None:
            raise RuntimeError("the model is not trained; call fit(sentences) first")
        return Vectors(self.vocab.words, self.W)

    @property
    def words_per_second(self) -> float:
        return sum(self.effective_words) / self.train_seconds if self.train_seconds else 0.0

    # -- one minibatch

    def _with_noise(self, targets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each observed word followed by `negative` noise words: (B,) -> (B, 1 + K) int32."""
        noise = self.noise.draw((len(targets), self.config.negative), rng)  # (B, K) int32
        return np.concatenate([targets[:, None], noise], axis=1)

    def _skipgram_step(self, ids, sentence_of, centres, reach, lr, rng):
        if self.config.shared_negatives:
            return self._skipgram_shared_step(ids, sentence_of, centres, reach, lr, rng)
        cfg, W, C = self.config, self.W, self.C
        context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, cfg.window)  # (P,), (P,)
        if len(context_pos) == 0:
            return 0.0, 0
        inputs, targets = ids[context_pos], ids[centre_pos]  # (P,) int32 each
        w_in = W[inputs]  # (P, D) float32
        outputs = self._with_noise(targets, rng)  # (P, 1 + K) int32
        loss, grad_in, g = sgns_loss_and_grads(w_in, C[outputs], (outputs != outputs[:, :1]) | _FIRST)
        add_to_rows(C, outputs, -lr * g, w_in)
        add_to_rows(W, inputs[:, None], np.full((len(inputs), 1), -lr, np.float32), grad_in)
        return float(loss.sum()), len(inputs)

    def _skipgram_shared_step(self, ids, sentence_of, centres, reach, lr, rng):
        """Skip-gram where the pairs of one centre word share its noise words (Ji et al. 2016)."""
        cfg, W, C = self.config, self.W, self.C
        positions, inside = window_positions(centres, sentence_of, reach, cfg.window)  # (B, 2w), (B, 2w)
        contexts = ids[positions]  # (B, 2w) int32
        outputs = self._with_noise(ids[centres], rng)  # (B, 1 + K) int32
        loss, grad_ctx, grad_outputs = sgns_window_loss_and_grads(
            W[contexts], inside, C[outputs], (outputs != outputs[:, :1]) | _FIRST)
        D = W.shape[1]
        add_to_rows(C, outputs.reshape(-1, 1), np.full((outputs.size, 1), -lr, np.float32), grad_outputs.reshape(-1, D))
        add_to_rows(W, contexts.reshape(-1, 1), np.full((contexts.size, 1), -lr, np.float32), grad_ctx.reshape(-1, D))
        return float(loss.sum()), int(inside.sum())

    def _cbow_step(self, ids, sentence_of, centres, reach, lr, rng):
        cfg, W, C = self.config, self.W, self.C
        positions, inside = cbow_contexts(centres, sentence_of, reach, cfg.window)  # (B, 2w), (B, 2w)
        has_context = inside.any(axis=1)  # a one-word sentence has no context: skip it, as gensim does
        positions, inside, centres = positions[has_context], inside[has_context], centres[has_context]
        if len(centres) == 0:
            return 0.0, 0
        contexts, targets = ids[positions], ids[centres]  # (B, 2w), (B,) int32
        weights = inside.astype(np.float32)  # (B, 2w) float32
        count = weights.sum(axis=1)  # (B,) float32
        h = mix_rows(W, contexts, weights / count[:, None])  # (B, D) float32, the mean context vector
        outputs = self._with_noise(targets, rng)  # (B, 1 + K) int32
        loss, grad_h, g = sgns_loss_and_grads(h, C[outputs], (outputs != outputs[:, :1]) | _FIRST)
        add_to_rows(C, outputs, -lr * g, h)
        # word2vec.c and gensim (cbow_mean=1) add the whole dloss/dh to every context
        # word, not dloss/dh / count (the true gradient of the mean); we do the same so
        # that alpha means what it means there.
        add_to_rows(W, contexts, -lr * weights, grad_h)
        return float(loss.sum()), len(targets)

    # -- failure and inspection

    def _diverged(self, epoch: int, lr: float, what: str):
        self.W = self.C = None  # never hand out NaN vectors
        raise TrainingDiverged(
            f"training diverged in epoch {epoch + 1} of {self.config.epochs}: {what} at learning rate "
            f"{lr:.4g} (alpha={self.config.alpha}); lower alpha, e.g. alpha={self.config.alpha / 10:g}, or "
            f"batch_size (now {self.config.batch_size}): a minibatch adds up the gradients of all the pairs of a "
            f"frequent word at once, which without subsampling (sample=0) can overshoot; batch_size="
            f"{max(self.config.batch_size // 4, 1)} may train at this alpha")

    def _record_trace(self, ids, sentence_of, centres, reach, lr, rng, examples: int = 2) -> dict:
        """One update written out: the inputs of the first `examples` examples of the first
        minibatch, their loss, the hand-written gradients and central finite differences
        (float64, step 1e-6). The noise words come from a separate generator (seed + 1),
        so tracing does not change the trained vectors. With shared_negatives the
        trace shows the per-pair loss, which the shared one sums per centre."""
        cfg = self.config
        trace_rng = np.random.default_rng(cfg.seed + 1)
        f64 = lambda a: np.array(a, dtype=np.float64)
        if cfg.sg:
            context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, cfg.window)
            inputs, targets = ids[context_pos][:examples], ids[centre_pos][:examples]
            outputs = np.concatenate([targets[:, None], self.noise.draw((len(targets), cfg.negative), trace_rng)], 1)
            use = (outputs != outputs[:, :1]) | _FIRST
            arrays = {"w_in": f64(self.W[inputs]), "c_outputs": f64(self.C[outputs])}
            loss_of = lambda a: sgns_loss_and_grads(a["w_in"], a["c_outputs"], use)[0].sum()
            loss, grad_in, g = sgns_loss_and_grads(arrays["w_in"], arrays["c_outputs"], use)
            grads = {"w_in": grad_in, "c_outputs": g[:, :, None] * arrays["w_in"][:, None, :]}
            words = {"inputs": [self.vocab.words[i] for i in inputs]}
        else:
            positions, inside = cbow_contexts(centres, sentence_of, reach, cfg.window)
            keep_rows = inside.any(1)
            positions, inside = positions[keep_rows][:examples], inside[keep_rows][:examples]
            targets = ids[centres[keep_rows]][:examples]
            outputs = np.concatenate([targets[:, None], self.noise.draw((len(targets), cfg.negative), trace_rng)], 1)
            use = (outputs != outputs[:, :1]) | _FIRST
            arrays = {"w_ctx": f64(self.W[ids[positions]]), "c_outputs": f64(self.C[outputs])}
            loss_of = lambda a: cbow_loss_and_grads(a["w_ctx"], inside, a["c_outputs"], use)[0].sum()
            loss, grad_ctx, g, h = cbow_loss_and_grads(arrays["w_ctx"], inside, arrays["c_outputs"], use)
            grads = {"w_ctx": grad_ctx, "c_outputs": g[:, :, None] * h[:, None, :]}
            words = {"contexts": [[self.vocab.words[i] for i in ids[p][m]] for p, m in zip(positions, inside)]}
        return {"learning_rate": lr, "targets": [self.vocab.words[i] for i in targets],
                "noise": [[self.vocab.words[i] for i in row[1:]] for row in outputs], **words,
                "inputs_arrays": arrays, "loss": float(loss.sum()), "gradients": grads,
                "finite_difference_gradients": finite_difference_gradients(loss_of, arrays)}


def finite_difference_gradients(loss_of: Callable[[dict], float], arrays: dict, step: float = 1e-6) -> dict:
    """Central differences (loss(x + h) - loss(x - h)) / 2h for every element of every float64 array."""
    gradients = {}
    for name, array in arrays.items():
        gradient = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            original = array[i]
            array[i] = original + step
            up = loss_of(arrays)
            array[i] = original - step
            down = loss_of(arrays)
            array[i] = original
            gradient[i] = (up - down) / (2 * step)
        gradients[name] = gradient
    return gradients


def _sentence_chunks(offsets: np.ndarray, chunk_words: int):
    """(first sentence, end sentence) ranges of about chunk_words tokens each."""
    n_sentences = len(offsets) - 1
    first = 0
    while first < n_sentences:
        last = int(np.searchsorted(offsets, offsets[first] + chunk_words, side="right")) - 1
        last = min(max(last, first + 1), n_sentences)
        yield first, last
        first = last


class _ProgressBar:
    """A one-line progress report on stderr: epoch, percent, words/s, loss, learning rate."""

    def __init__(self, epochs: int, every: float = 0.5) -> None:
        self.epochs, self.every = epochs, every
        self.started = self.shown = time.perf_counter()
        self.words_before = 0  # effective words of the finished epochs
        self.epoch_words = 0  # effective words of the current epoch so far
        self.last_epoch = 0

    def update(self, epoch: int, fraction: float, effective: int, loss: float, lr: float) -> None:
        now = time.perf_counter()
        if epoch != self.last_epoch:
            self.words_before += self.epoch_words
            self.last_epoch = epoch
        self.epoch_words = effective
        if now - self.shown < self.every:
            return
        self.shown = now
        rate = (self.words_before + effective) / (now - self.started)
        sys.stderr.write(f"\repoch {epoch + 1}/{self.epochs} {100 * fraction:5.1f}%  {rate:,.0f} words/s  "
                         f"loss {loss:.4f}  lr {lr:.5f}   ")
        sys.stderr.flush()

    def close(self, rate: float, loss: float) -> None:
        sys.stderr.write(f"\rdone: {rate:,.0f} words/s, final epoch loss {loss:.4f}" + " " * 30 + "\n")
        sys.stderr.flush()


def train(sentences: Iterable[Sequence[str]], *, sg: int = 1, vector_size: int = 100, window: int = 5,
          negative: int = 5, sample: float = 1e-3, min_count: int = 5, epochs: int = 5, alpha: float = 0.025,
          min_alpha: float = 0.0001, seed: int = 0, callbacks: Sequence[Callable] = (), progress: bool = False,
          trace: bool = False, **params) -> Vectors:
    """Train word2vec on `sentences` (lists of tokens) and return the word vectors (W).

    Parameters are gensim's Word2Vec names and defaults, except sg=1 (skip-gram);
    `params` takes the rest of Word2VecConfig (batch_size, shared_negatives,
    ns_exponent, max_vocab_size, chunk_words). For the losses, the output vectors
    and the trace, use Word2Vec(...).fit(sentences) instead.
    """
    model = Word2Vec(sg=sg, vector_size=vector_size, window=window, negative=negative, sample=sample,
                     min_count=min_count, epochs=epochs, alpha=alpha, min_alpha=min_alpha, seed=seed, **params)
    return model.fit(sentences, callbacks=callbacks, progress=progress, trace=trace).wv
