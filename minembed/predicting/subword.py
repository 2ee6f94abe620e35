"""fastText subword vectors: skip-gram over a word and its character n-grams, in NumPy.

Follows Bojanowski et al. (2017) "Enriching Word Vectors with Subword
Information" and the fastText program (`Dictionary::computeSubwords`,
`Dictionary::hash`, `Model::update`), with gensim 4's `FastText` names:

    wrap       a word w becomes "<w>" (the brackets mark its start and end)
    n-grams    every run of min_n..max_n Unicode characters of "<w>" (3..6), in
               fastText's order: by start position, then by length; the single
               characters "<" and ">" are not n-grams (only matters for min_n=1)
    hash       FNV-1a (32 bit) over the n-gram's UTF-8 bytes, each byte read as a
               *signed* char as fastText's C++ does; row = hash % bucket
    input      h_w = (W[w] + sum_{g in G(w)} N[g]) / (1 + |G(w)|)   the mean of the
               word's own row and its n-gram rows
    objective  skip-gram with negative sampling, exactly word2vec's
               (`minembed.predicting.word2vec.sgns_loss_and_grads`) with h_w as the input vector
    unknown    a word never seen in training gets the mean of its n-gram rows

Training is minembed.predicting.word2vec's loop unchanged (subsampling, shrunk windows,
shuffled minibatches, linear learning-rate decay, unigram^0.75 noise): the
`FastText` class below only replaces how an input vector is formed and where
its gradient goes. Within a minibatch, h_w is formed once per distinct input
word, and the gradients of its pairs are summed before they are spread over
its rows (`add_to_rows_ragged`: a word has as many rows as n-grams).

The minibatch is smaller than word2vec's (256 centre words, not 1024): an
n-gram shared by many words collects the summed, stale gradients of all of
them in one step, and at 1024 training diverged on the planted corpus.

Storage: only the bucket rows that some vocabulary word uses are kept (a few
hundred thousand rather than 2 million), since the others are never trained.
fastText and gensim keep all `bucket` rows, so for an unknown word they also
add the untrained random rows of n-grams no training word had; here those
n-grams are skipped, and a word none of whose n-grams is known raises KeyError.

But: no CBOW, no hierarchical softmax, no supervised (classification) mode,
no word n-grams (`wordNgrams`), no `max_n=0` / `bucket=0` (plain word2vec:
use minembed.predicting.word2vec), no product quantisation, no .bin/.vec file I/O for the
n-gram rows (`Vectors.save` keeps only the vocabulary vectors), no threads.
Two departures from the programs. The update is applied per minibatch, not per
pair, as in word2vec.py, except each centre's output row, which walks the
centre's pairs one after another as the programs move it
(`negative_sampling.walk_observed_rows`). And, as in fastText and gensim, every
row of the mean receives the whole dloss/dh rather than dloss/dh / (1 + n) (see
`subword_sgns_loss_and_grads`). gensim's own skip-gram divides the sum by
|G(w)| instead of 1 + |G(w)| during training; fastText and this file divide by
1 + |G(w)|, as the paper's mean does. Without the walk the minibatches scored
about 0.02 above gensim on syntactic analogies. With it, on gensim's Wikipedia
sample cut into shuffled 32-token pieces, seeds 0-7, WordSim353 and syntactic
analogies: minembed 0.288±0.010 and 0.279±0.004, gensim 0.282±0.010 and
0.273±0.004, within gensim's spread (benchmarks/bench_subword.py --epochs 5
--quality-seeds 8 --quality-only --split-sentences 32 --sentence-order shuffled).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse

from minembed.vectors import formats
from minembed.predicting.corpus import Corpus, skipgram_pairs
from minembed.predicting.negative_sampling import (
    add_to_rows, distinct_rows, sgns_loss_and_grads, skipgram_output_update, walk_schedule,
)
from minembed.predicting.negative_sampling import _csc_matvecs  # scipy's private C loop behind CSC @ dense, as add_to_rows uses it
from minembed.vectors import Vectors
from minembed.tokens.vocab import Vocabulary
from minembed.predicting.word2vec import Word2Vec, Word2VecConfig

__all__ = [
    "ngrams", "fnv1a_hash", "ngram_hashes", "subword_table", "ragged_rows", "add_to_rows_ragged",
    "add_to_rows_ragged_public", "subword_sgns_loss_and_grads", "FastTextConfig", "FastText", "SubwordVectors",
    "train",
]


# ----------------------------------------------------------------------------- n-grams and their hash


def _check_ngram_parameters(min_n: int, max_n: int, bucket: int) -> None:
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
    _check_ngram_parameters(min_n, max_n, 1)
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
    _check_ngram_parameters(min_n, max_n, bucket)
    return [fnv1a_hash(gram.encode("utf-8")) % bucket for gram in ngrams(word, min_n, max_n)]


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


def add_to_rows_ragged(table: np.ndarray, rows: np.ndarray, starts: np.ndarray, coefficients: np.ndarray,
                       vectors: np.ndarray) -> None:
    """table[rows[s]] += coefficients[s] * vectors[u] for every s in starts[u]:starts[u + 1], in place,
    repeats summed: `minembed.predicting.word2vec.add_to_rows` with a different number of rows per vector.

    table (R, D), rows (S,) int, starts (U + 1,) int, coefficients (S,), vectors (U, D).
    The same sparse product: the contributions are a CSC matrix (R, U) whose
    column u holds coefficients[starts[u]:starts[u + 1]] in rows[starts[u]:starts[u + 1]],
    and table += M @ vectors. The fast path runs scipy's C loop straight into the
    table (as add_to_rows does); `add_to_rows_ragged_public` is the public-API fallback.

    >>> table = np.zeros((3, 1), np.float32)
    >>> add_to_rows_ragged(table, np.array([2, 2, 0]), np.array([0, 2, 3]), np.ones(3, np.float32),
    ...                    np.array([[1.0], [5.0]], np.float32))
    >>> table.ravel().tolist()      # row 2 receives 1 + 1 from vector 0
    [5.0, 0.0, 2.0]
    """
    if _csc_matvecs is None or not table.flags.c_contiguous or len(rows) >= 2**31:
        return add_to_rows_ragged_public(table, rows, starts, coefficients, vectors)
    _csc_matvecs(
        len(table), len(starts) - 1, table.shape[1],  # M is (R, U); D right-hand sides
        np.asarray(starts, dtype=np.int32),  # column pointers
        np.ascontiguousarray(rows, dtype=np.int32),  # row of each nonzero
        np.ascontiguousarray(coefficients, dtype=table.dtype),  # the nonzeros
        np.ascontiguousarray(vectors, dtype=table.dtype).ravel(),  # X (U, D)
        table.reshape(-1),  # Y (R, D), a view: updated in place
    )


def add_to_rows_ragged_public(table: np.ndarray, rows: np.ndarray, starts: np.ndarray, coefficients: np.ndarray,
                              vectors: np.ndarray) -> None:
    """`add_to_rows_ragged` through scipy's public API, on the distinct rows only."""
    distinct, which = distinct_rows(np.asarray(rows), len(table))  # (Q,) int64, (S,) int32
    contributions = scipy.sparse.csc_matrix(
        (np.asarray(coefficients, dtype=table.dtype), which, starts), shape=(len(distinct), len(starts) - 1))  # (Q, U)
    table[distinct] += contributions @ vectors.astype(table.dtype, copy=False)  # (Q, D)


# ----------------------------------------------------------------------------- loss and gradients


def subword_sgns_loss_and_grads(w_word: np.ndarray, n_ngrams: np.ndarray, present: np.ndarray,
                                c_outputs: np.ndarray, use: np.ndarray | None = None):
    """Skip-gram negative-sampling loss of B examples whose input is a word and its n-grams.

    w_word (B, D) the words' own rows W[w]; n_ngrams (B, L, D) their n-gram rows
    N[g] (padding anywhere); present (B, L) bool, which of the L slots are real
    n-grams; c_outputs (B, 1 + K, D) and use (B, 1 + K) as in
    `minembed.predicting.word2vec.sgns_loss_and_grads`.

        n_b = sum_l present_bl                          n-grams of example b
        h_b = (w_b + sum_l present_bl N_bl) / (1 + n_b)   (B, D) the input vector
        loss_b, dloss/dh_b, g_b = sgns(h_b, c_outputs)    word2vec's loss and gradients
        dloss/dw_b  = dloss/dh_b / (1 + n_b)
        dloss/dN_bl = present_bl dloss/dh_b / (1 + n_b)

    Returns loss (B,) float64, grad_word (B, D), grad_ngrams (B, L, D),
    g (B, 1 + K) (dloss/dc_j = g_bj h_b) and h (B, D). Training adds the whole
    dloss/dh_b (1 + n_b times grad_word) to every row, as fastText's
    `Model::update` and gensim do, so that `alpha` means what it means there.
    """
    share = 1.0 / (1.0 + present.sum(axis=1, dtype=w_word.dtype))  # (B,) 1 / (1 + n_b)
    mask = present.astype(w_word.dtype)  # (B, L)
    h = (w_word + np.einsum("bl,bld->bd", mask, n_ngrams)) * share[:, None]  # (B, D)
    loss, grad_h, g = sgns_loss_and_grads(h, c_outputs, use)
    grad_word = grad_h * share[:, None]  # (B, D)
    grad_ngrams = mask[:, :, None] * grad_word[:, None, :]  # (B, L, D)
    return loss, grad_word, grad_ngrams, g, h


# ----------------------------------------------------------------------------- training


@dataclass
class FastTextConfig(Word2VecConfig):
    """word2vec's settings (see Word2VecConfig; skip-gram only) plus the n-gram ones."""

    batch_size: int = 256       # word2vec's 1024 diverged on the planted corpus (tests/test_subword.py):
                                # n-grams such as "<g0" are shared by most words there and a minibatch
                                # sums hundreds of their stale gradients; 256 trained on seeds tried
    min_n: int = 3              # shortest n-gram (paper, fastText and gensim: 3)
    max_n: int = 6              # longest n-gram (paper, fastText and gensim: 6)
    bucket: int = 2_000_000     # hash rows (fastText and gensim: 2,000,000)

    def validate(self) -> None:
        super().validate()
        if self.sg != 1:
            raise ValueError(f"minembed's FastText is skip-gram only: use sg=1, got sg={self.sg}")
        if self.shared_negatives:
            raise ValueError("shared_negatives is a word2vec option; FastText draws noise words per pair: "
                             "leave shared_negatives=False")
        _check_ngram_parameters(self.min_n, self.max_n, self.bucket)


class FastText(Word2Vec):
    """Skip-gram whose input vectors are means of word and n-gram rows.

        model = FastText(vector_size=100, seed=0).fit(sentences)
        model.wv                 SubwordVectors: the vocabulary's input vectors h_w, and
                                 vectors for unknown words from their n-grams
        model.W                  (V, D) float32 the words' own rows
        model.N                  (R, D) float32 n-gram rows, row r for bucket model.buckets[r]
        model.C                  (V, D) float32 output vectors
        model.losses, model.effective_words, model.words_per_second   as in Word2Vec
    """

    def __init__(self, config: FastTextConfig | None = None, **params) -> None:
        if config is not None and params:
            raise ValueError("give either a FastTextConfig or keyword parameters, not both")
        super().__init__(config if config is not None else FastTextConfig(**params))
        self.N: np.ndarray | None = None  # (R, D) float32 n-gram rows
        self.buckets: np.ndarray | None = None  # (R,) int64

    def fit_corpus(self, corpus: Corpus, vocab: Vocabulary, *, callbacks: Sequence[Callable] = (),
                   progress: bool = False, trace: bool = False) -> FastText:
        """Train on an encoded corpus; see Word2Vec.fit_corpus."""
        if trace:
            raise ValueError("trace=True records a word2vec update; FastText has none: "
                             "use subword_sgns_loss_and_grads to inspect one")
        return super().fit_corpus(corpus, vocab, callbacks=callbacks, progress=progress)

    def initialise(self, vocab: Vocabulary, rng: np.random.Generator) -> None:
        """word2vec's W and C from `rng` (see Word2Vec.initialise), then the n-gram table and N."""
        super().initialise(vocab, rng)
        cfg = self.config
        self.buckets, self.ngram_rows, self.ngram_offsets = subword_table(
            vocab.words, cfg.min_n, cfg.max_n, cfg.bucket)  # (R,) int64, (T,) int32, (V + 1,) int64
        self.word_share = (1.0 / (1.0 + np.diff(self.ngram_offsets))).astype(np.float32)  # (V,) 1 / (1 + n_w)
        # gensim's initialisation of its n-gram rows, uniform in [-1/D, 1/D), from the seed + 1
        # stream (the word rows W come from Word2Vec.fit_corpus's stream, seed)
        n_rng = np.random.default_rng(cfg.seed + 1)
        D = cfg.vector_size
        self.N = (n_rng.random((len(self.buckets), D), dtype=np.float32) * 2 - 1) / np.float32(D)  # (R, D) float32

    def input_vectors(self, word_ids: np.ndarray, rows: np.ndarray | None = None,
                      starts: np.ndarray | None = None) -> np.ndarray:
        """h_w = (W[w] + sum of w's n-gram rows) / (1 + n_w) for each id: (U,) -> (U, D) float32.

        rows, starts: the words' `ragged_rows`, if already at hand."""
        if rows is None:
            rows, starts = ragged_rows(self.ngram_rows, self.ngram_offsets, word_ids)  # (S,), (U + 1,)
        share = self.word_share[word_ids]  # (U,) float32
        mean_of_ngrams = scipy.sparse.csr_matrix(
            (np.repeat(share, np.diff(starts)), rows, starts), shape=(len(word_ids), len(self.N)))  # (U, R)
        return self.W[word_ids] * share[:, None] + mean_of_ngrams @ self.N  # (U, D)

    def _skipgram_step(self, ids, sentence_of, centres, reach, lr, rng):
        cfg, W, N, C = self.config, self.W, self.N, self.C
        context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, cfg.window)  # (P,), (P,)
        if len(context_pos) == 0:
            return 0.0, 0
        order, live = walk_schedule(centre_pos)  # (P,), (R,): see Word2Vec._skipgram_step
        inputs, targets = ids[context_pos[order]], ids[centre_pos[order]]  # (P,) int32 each
        # a word is the input of several pairs: form its h once, for the U distinct inputs
        words, which = distinct_rows(inputs, len(W))  # (U,) int64, (P,) int32: inputs == words[which]
        rows, starts = ragged_rows(self.ngram_rows, self.ngram_offsets, words)  # (S,) int32, (U + 1,) int64
        h = self.input_vectors(words, rows, starts)  # (U, D) float32
        h_pairs = h[which]  # (P, D) float32
        noise = self.noise.draw((len(inputs), cfg.negative), rng)  # (P, K) int32
        loss, grad_h = skipgram_output_update(C, h_pairs, targets, noise, live, lr)  # C updated; (P,), (P, D)
        grad_words = np.zeros_like(h)  # (U, D) float32: dloss/dh summed over each word's pairs
        add_to_rows(grad_words, which[:, None], np.ones((len(which), 1), np.float32), grad_h)
        # every row of the mean gets the whole dloss/dh (fastText, gensim); repeats are summed
        W[words] -= lr * grad_words  # the words are distinct: a fancy -= loses nothing
        add_to_rows_ragged(N, rows, starts, np.full(len(rows), -lr, np.float32), grad_words)
        return float(loss.sum()), len(inputs)

    def _diverged(self, epoch: int, lr: float, what: str):
        self.N = None
        super()._diverged(epoch, lr, what)

    @property
    def wv(self) -> SubwordVectors:
        if self.W is None or self.N is None:
            raise RuntimeError("the model is not trained; call fit(sentences) first")
        cfg = self.config
        words = np.arange(len(self.vocab), dtype=np.int64)  # (V,)
        return SubwordVectors(self.vocab.words, self.input_vectors(words), self.N, self.buckets,
                              min_n=cfg.min_n, max_n=cfg.max_n, bucket=cfg.bucket)


# ----------------------------------------------------------------------------- vectors for any word


class SubwordVectors(Vectors):
    """Vectors of the vocabulary (each word's h_w, as gensim's `wv.vectors`) plus the n-gram
    rows, so that `vectors[word]`, `vector_for`, `similarity` and `most_similar` also
    answer for words never seen in training. `word in vectors` still means "in the vocabulary".
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, ngram_vectors: np.ndarray,
                 buckets: np.ndarray, *, min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000) -> None:
        super().__init__(words, vectors)
        _check_ngram_parameters(min_n, max_n, bucket)
        self.ngram_vectors = np.array(ngram_vectors, dtype=np.float32, copy=True)  # (R, D) float32
        self.ngram_vectors.flags.writeable = False
        self.buckets = np.asarray(buckets, dtype=np.int64)  # (R,) int64, sorted
        if self.ngram_vectors.shape != (len(self.buckets), self.vector_size):
            raise ValueError(f"ngram_vectors has shape {self.ngram_vectors.shape}; with {len(self.buckets)} "
                             f"buckets and dimension {self.vector_size} it must be "
                             f"({len(self.buckets)}, {self.vector_size})")
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket

    def save(self, path: str | os.PathLike) -> None:
        """Save as ``.npz``: words and vectors as `Vectors.save` writes them, plus the n-gram
        rows, their bucket ids and (min_n, max_n, bucket); loads without pickle."""
        formats.save_npz(path, self.words, self.vectors, ngram_vectors=self.ngram_vectors, buckets=self.buckets,
                         ngram_parameters=np.array([self.min_n, self.max_n, self.bucket], np.int64))

    @classmethod
    def load(cls, path: str | os.PathLike) -> SubwordVectors:
        """Read what `save` wrote. (`Vectors.load` reads the same file as plain vectors.)"""
        words, vectors = formats.load_npz(path)
        path = os.fspath(path)
        with np.load(path, allow_pickle=False) as archive:
            missing = {"ngram_vectors", "buckets", "ngram_parameters"} - set(archive.files)
            if missing:
                raise ValueError(f"{path} holds no n-gram rows ({', '.join(sorted(missing))} missing): it was "
                                 "written by Vectors.save, not SubwordVectors.save; load it with Vectors.load")
            ngram_vectors, buckets, parameters = archive["ngram_vectors"], archive["buckets"], archive["ngram_parameters"]
        if parameters.shape != (3,) or parameters.dtype.kind not in "iu":
            raise ValueError(f"{path}: 'ngram_parameters' must be three integers (min_n, max_n, bucket), "
                             f"got {parameters.dtype} of shape {parameters.shape}")
        min_n, max_n, bucket = (int(x) for x in parameters)
        if ngram_vectors.dtype.kind != "f" or buckets.dtype.kind not in "iu" or buckets.ndim != 1:
            raise ValueError(f"{path}: 'ngram_vectors' must be floats and 'buckets' a 1-D integer array, got "
                             f"{ngram_vectors.dtype} and {buckets.dtype} of shape {buckets.shape}")
        if len(buckets) and (np.any(np.diff(buckets) <= 0) or buckets[0] < 0 or buckets[-1] >= bucket):
            raise ValueError(f"{path}: 'buckets' must be distinct bucket ids in [0, {bucket}), sorted")
        if not np.isfinite(ngram_vectors).all():
            raise ValueError(f"{path}: 'ngram_vectors' holds NaN or infinite values")
        try:
            return cls(words, vectors, ngram_vectors, buckets, min_n=min_n, max_n=max_n, bucket=bucket)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    def vector_for(self, word: str) -> np.ndarray:
        """A vocabulary word's vector, or the mean of the known n-gram rows of any other word: (D,) float32.

        Raises ValueError for an empty word and KeyError when none of the word's
        n-grams was seen in training (or it has none: len(word) + 2 < min_n).
        """
        if word in self.index:
            return self.vectors[self.index[word]]
        hashes = np.array(ngram_hashes(word, self.min_n, self.max_n, self.bucket), dtype=np.int64)  # (n,)
        rows = np.searchsorted(self.buckets, hashes)  # (n,) int64
        known = rows < len(self.buckets)
        known[known] = self.buckets[rows[known]] == hashes[known]
        if not known.any():
            raise KeyError(f"{word!r} is not in the vocabulary and none of its {len(hashes)} character "
                           f"{self.min_n}..{self.max_n}-grams was seen in training, so it has no vector. "
                           + self._unknown_word_message(word).split(". ", 1)[-1])
        return self.ngram_vectors[rows[known]].mean(axis=0, dtype=np.float64).astype(np.float32)  # (D,)

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        if isinstance(word, str):
            return self.vector_for(word)
        return np.stack([self.vector_for(w) for w in word])  # (n, D) float32

    def similarity(self, word_a: str, word_b: str) -> float:
        a, b = self.vector_for(word_a).astype(np.float64), self.vector_for(word_b).astype(np.float64)
        norms = np.linalg.norm(a) * np.linalg.norm(b)
        return float(a @ b / norms) if norms > 0 else 0.0

    def most_similar(self, positive=None, negative=None, topn: int = 10,
                     restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Vectors.most_similar, where an unknown word enters as the unit vector of `vector_for`.

        (Unknown words cannot be excluded from the answer: they are not in it.)
        """
        return super().most_similar(self._known_or_unit(positive), self._known_or_unit(negative),
                                    topn=topn, restrict_vocab=restrict_vocab)

    def _known_or_unit(self, items):
        if items is None:
            return None
        if isinstance(items, (str, np.ndarray)):
            items = [items]
        converted = []
        for item in items:
            if isinstance(item, str) and item not in self.index:
                vector = self.vector_for(item).astype(np.float64)
                norm = np.linalg.norm(vector)
                item = (vector / norm if norm > 0 else vector).astype(np.float32)  # (D,) float32
            converted.append(item)
        return converted


def train(sentences: Iterable[Sequence[str]], *, min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000,
          vector_size: int = 100, window: int = 5, negative: int = 5, sample: float = 1e-3, min_count: int = 5,
          epochs: int = 5, alpha: float = 0.025, min_alpha: float = 0.0001, seed: int = 0,
          callbacks: Sequence[Callable] = (), progress: bool = False, **params) -> SubwordVectors:
    """Train fastText-style subword skip-gram on `sentences` (lists of tokens).

    Parameters are gensim's FastText names and defaults, except that this is
    always skip-gram; `params` takes the rest of FastTextConfig (batch_size,
    ns_exponent, max_vocab_size, chunk_words, shuffle). The result answers
    `vectors[word]` and `most_similar(word)` for unseen words too.
    """
    model = FastText(min_n=min_n, max_n=max_n, bucket=bucket, vector_size=vector_size, window=window,
                     negative=negative, sample=sample, min_count=min_count, epochs=epochs, alpha=alpha,
                     min_alpha=min_alpha, seed=seed, **params)
    return model.fit(sentences, callbacks=callbacks, progress=progress).wv
