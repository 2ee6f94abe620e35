"""Word vectors by counting: positive PMI and a truncated SVD.

Follows Levy, Goldberg & Dagan (2015), "Improving Distributional Similarity
with Lessons Learned from Word Embeddings", with the hyperparameters they
carried over from word2vec:

    P(w, c)     = X[w, c] / sum(X)                       X from `minembed.counting.cooccur.count`
    P(w)        = sum_c X[w, c] / sum(X)
    P_a(c)      = (sum_w X[w, c])^a / sum_c' (sum_w X[w, c'])^a      a = 0.75 ("cds")
    PMI(w, c)   = log P(w, c) / (P(w) P_a(c))  =  log X[w, c] - log sum_c X[w, c] - log P_a(c)
    SPPMI(w, c) = max(PMI(w, c) - log k, 0)              k = 1 is plain PPMI ("neg")
    W           = U_d S_d^p   from   SPPMI ~ U_d S_d V_d^T                   p = 0.5 ("eig")

Why shift by log k: Levy & Goldberg (2014, "Neural Word Embedding as Implicit
Matrix Factorization") showed that skip-gram with k negative samples drawn
from unigram^0.75 is at its optimum when w . c = PMI(w, c) - log k, with P_a
as above: SGNS factorises the shifted PMI matrix that this file builds
explicitly (`python -m experiments.parity_counting --levy-goldberg-only` checks it on trained vectors).

The truncated SVD is the randomized one of Halko, Martinsson & Tropp (2011):
a Gaussian sketch of the range of A, a few power iterations (each followed by
a QR, their algorithm 4.4), then the exact SVD of the small projected matrix
(their algorithm 5.1). The same seed gives the same vectors.

    >>> rows, cols, values = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([3.0, 1.0, 1.0])
    >>> ppmi(rows, cols, values, 2, context_smoothing=1.0).toarray().round(4)  # log(1 / (4 * 0.2)) = log 1.25
    array([[0.    , 0.2231],
           [0.2231, 0.    ]])

But: no subsampling of frequent words before counting ("sub"), no adding
of context vectors to word vectors in `train` (`svd_embeddings` returns them),
no exact dense SVD for large vocabularies, and no normalisation of the rows
of W (cosine similarity ignores their length anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse

from minembed.counting import cooccur
from minembed.training.settings import require, require_int, require_memory, require_neighbours, require_number
from minembed.vectors import Vectors
from minembed.tokens.vocab import Vocabulary

__all__ = ["PPMIConfig", "ppmi", "randomized_svd", "svd_embeddings", "train"]


@dataclass
class PPMIConfig:
    vector_size: int = 100          # SVD dimensions d (Levy et al. 2015: 500; 100 matches word2vec's default)
    window: int = 5                 # context words each side (Levy et al. 2015: 2, 5, 10; word2vec's default 5)
    distance_weighting: bool | str = "linear"  # word2vec's shrunk window ("dyn" in Levy et al. 2015);
                                    # True = GloVe's 1/d
    min_count: int = 5              # drop rarer words (word2vec's default)
    max_vocab_size: int | None = None  # keep only the most frequent words (None: all)
    context_smoothing: float = 0.75  # P_a(c) exponent ("cds", Levy et al. 2015; word2vec's noise exponent); 1 = none
    shift: float = 1.0              # k in max(PMI - log k, 0) ("neg"; Levy et al. 2015 found k = 1 best for SVD)
    eigenvalue_weight: float = 0.5  # p in W = U S^p ("eig"; Levy et al. 2015: 0 or 0.5 beat the textbook 1)
    oversamples: int = 10           # extra sketch columns (Halko et al. 2011 recommend 5-10)
    power_iterations: int = 5       # power iterations (scikit-learn's randomized_svd uses 4-7)
    seed: int = 0                   # seeds the Gaussian sketch
    chunk_tokens: int = 1 << 18     # corpus positions counted at a time (minembed.counting.cooccur.count)
    memory_limit: float = 4.0       # GB for the SVD's dense (V, d + oversamples) float64 arrays, checked first

    def validate(self) -> None:
        require_int("vector_size", self.vector_size, 1, "100 is usual")
        require_int("window", self.window, 1, "2 to 10 is usual")
        require_int("min_count", self.min_count, 1, "5 is usual")
        require_number("context_smoothing", self.context_smoothing, 0, low_open=True,
                       usual="0.75 as in word2vec; 1 turns it off")
        require_number("shift", self.shift, 1, usual="k in PMI - log k: 1 = no shift, 5 = word2vec's negative=5")
        require_number("eigenvalue_weight", self.eigenvalue_weight, 0, usual="0, 0.5 or 1")
        require_int("oversamples", self.oversamples, 0, "10 is usual")
        require_int("power_iterations", self.power_iterations, 0, "5 is usual")
        require_int("seed", self.seed, 0)
        require_int("chunk_tokens", self.chunk_tokens, 1)
        require_number("memory_limit", self.memory_limit, 0, low_open=True, usual="in GB; 4.0 as GloVe's")

    def check_size(self, vocab_size: int) -> None:
        """Refuse, before counting, an SVD whose six dense (V, d + oversamples) float64 arrays (the sketch,
        Q, the power iterations' Z, B and U) would pass memory_limit GB."""
        sketch = min(self.vector_size + self.oversamples, vocab_size)
        require_memory(6 * 8 * vocab_size * sketch, self.memory_limit, f"the SVD of {vocab_size:,} words x "
                       f"{self.vector_size:,} dimensions (float64)", "lower vector_size, or keep fewer words (raise "
                       "min_count or set max_vocab_size)")


def ppmi(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, vocab_size: int, *,
         context_smoothing: float = 0.75, shift: float = 1.0) -> scipy.sparse.csr_matrix:
    """The shifted positive PMI matrix of co-occurrence triples, (V, V) float64 CSR.

    rows, cols (K,) int, values (K,) > 0: X[rows[k], cols[k]] = values[k], each
    pair once (as `cooccur.count` returns them). Pairs never seen have PMI -inf
    and stay 0, so the result is at least as sparse as X.
    """
    values = np.asarray(values, dtype=np.float64)  # (K,) float64
    if len(values) == 0:
        raise ValueError("there are no co-occurrences to weigh; count a corpus with at least two words in a sentence")
    if values.min() <= 0:
        raise ValueError("co-occurrence values must be > 0 (leave the zeros out of the triples)")
    word_totals = np.bincount(rows, weights=values, minlength=vocab_size)  # (V,) float64: sum_c X[w, c]
    context_totals = np.bincount(cols, weights=values, minlength=vocab_size)  # (V,) float64: sum_w X[w, c]
    smoothed = context_totals ** context_smoothing  # (V,) float64
    context_probability = smoothed / smoothed.sum()  # (V,) float64: P_a(c)
    pmi = np.log(values) - np.log(word_totals[rows]) - np.log(context_probability[cols])  # (K,) float64
    shifted = pmi - np.log(shift)  # (K,) float64
    positive = shifted > 0  # (K,) bool
    return scipy.sparse.csr_matrix((shifted[positive], (rows[positive], cols[positive])),
                                   shape=(vocab_size, vocab_size))


def randomized_svd(matrix, rank: int, *, oversamples: int = 10, power_iterations: int = 5,
                   rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The `rank` largest singular triplets of a (m, n) sparse or dense matrix A = U S V^T.

    Returns U (m, rank), S (rank,) decreasing, Vt (rank, n), all float64. Each
    column of U is signed so that its largest-magnitude entry is positive
    (scikit-learn's `svd_flip` convention), so the result does not depend on
    LAPACK's sign choices.

    Accuracy (Halko, Martinsson & Tropp 2011): the error in the k-th triplet
    shrinks like (s_{rank + oversamples} / s_k)^(2 q + 1) for q power
    iterations, so the leading triplets converge fast while the last
    ones are only as good as the gap after them. A PPMI spectrum is flat in its
    tail: on the Lee corpus's 1,750-word PPMI (window 5) at rank 50 with the
    defaults, the 10th singular value is within 3e-4 of ARPACK's and the 50th is
    3.4% off (scikit-learn's randomized_svd with the same settings: 2.4%); our
    50 columns hold on average 90% of each exact top-50 direction (scikit-learn's:
    90%), but only 41% of the 50th. For exact trailing triplets raise
    power_iterations or oversamples, or
    use scipy.sparse.linalg.svds.
    """
    m, n = matrix.shape
    if not 1 <= rank <= min(m, n):
        raise ValueError(f"rank must be between 1 and min(matrix shape) = {min(m, n)}, got {rank}; "
                         "ask for fewer dimensions or count more words")
    rng = np.random.default_rng(0) if rng is None else rng
    sketch = min(rank + oversamples, min(m, n))  # columns of the sketch, l
    omega = rng.standard_normal((n, sketch))  # (n, l) float64: a Gaussian test matrix
    Q, _ = np.linalg.qr(matrix @ omega)  # (m, l): an orthonormal basis of the sampled range of A
    for _ in range(power_iterations):  # (A A^T)^q A omega: the small singular values fade by their power
        Z, _ = np.linalg.qr(matrix.T @ Q)  # (n, l)
        Q, _ = np.linalg.qr(matrix @ Z)  # (m, l)
    B = np.asarray((matrix.T @ Q).T)  # (l, n) = Q^T A: A projected on the basis
    U_small, S, Vt = np.linalg.svd(B, full_matrices=False)  # (l, l), (l,), (l, n)
    U = Q @ U_small  # (m, l)
    U, S, Vt = U[:, :rank], S[:rank], Vt[:rank]
    signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(rank)])  # (rank,) +-1
    signs[signs == 0] = 1
    return U * signs, S, Vt * signs[:, None]


def svd_embeddings(matrix, dimension: int, *, eigenvalue_weight: float = 0.5, oversamples: int = 10,
                   power_iterations: int = 5, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Word and context vectors from a truncated SVD: W = U S^p (V, d) and C = V S^p (V, d), float32.

    p = eigenvalue_weight: 1 is the textbook factorisation (W C^T ~ matrix),
    0.5 splits S evenly between words and contexts, 0 keeps only the directions.
    """
    U, S, Vt = randomized_svd(matrix, dimension, oversamples=oversamples, power_iterations=power_iterations, rng=rng)
    scale = S ** eigenvalue_weight  # (d,) float64
    return (U * scale).astype(np.float32), (Vt.T * scale).astype(np.float32)


def train(sentences: Iterable[Sequence[str]], *, vector_size: int = 100, window: int = 5, min_count: int = 5,
          seed: int = 0, **params) -> Vectors:
    """Count, weigh and factorise: PPMI + SVD word vectors for `sentences` (lists of tokens).

    `params` takes the rest of PPMIConfig (distance_weighting, context_smoothing,
    shift, eigenvalue_weight, max_vocab_size, ...).
    """
    config = PPMIConfig(vector_size=vector_size, window=window, min_count=min_count, seed=seed, **params)
    config.validate()
    sentences = list(sentences)
    vocab = Vocabulary.build(sentences, min_count=config.min_count, max_size=config.max_vocab_size)
    if config.vector_size > len(vocab):
        raise ValueError(f"vector_size={config.vector_size} is more than the {len(vocab)} words kept; "
                         "lower vector_size or min_count")
    config.check_size(len(vocab))
    encoded = [vocab.encode(s) for s in sentences]  # [(n_s,) int32]
    require_neighbours(map(len, encoded), "give sentences of two words or more, or lower min_count")
    rows, cols, values = cooccur.count(encoded, window=config.window, distance_weighting=config.distance_weighting,
                                       vocab_size=len(vocab), chunk_tokens=config.chunk_tokens)
    return vectors_from_counts(rows, cols, values, vocab.words, config)


def vectors_from_counts(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, words: Sequence[str],
                        config: PPMIConfig) -> Vectors:
    """Weigh and factorise given co-occurrence triples (row i is words[i]): PPMI + SVD word vectors.

    Uses config's weighing and SVD settings (context_smoothing, shift,
    vector_size, eigenvalue_weight, oversamples, power_iterations, seed); the
    counting ones (window, distance_weighting) were the counter's to apply.
    """
    config.validate()
    config.check_size(len(words))
    matrix = ppmi(rows, cols, values, len(words), context_smoothing=config.context_smoothing, shift=config.shift)
    require(matrix.nnz > 0, f"no pair of words has PMI above log(shift) = {np.log(config.shift):.3g}, so every vector "
                            "would be zero: lower shift (1 is plain PPMI) or give more text")
    W, _ = svd_embeddings(matrix, config.vector_size, eigenvalue_weight=config.eigenvalue_weight,
                          oversamples=config.oversamples, power_iterations=config.power_iterations,
                          rng=np.random.default_rng(config.seed))
    return Vectors(words, W)

