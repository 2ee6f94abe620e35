"""fastText subword vectors: word2vec whose input vector is a word's mean with its character n-grams.

Follows Bojanowski et al. (2017) "Enriching Word Vectors with Subword
Information" and the fastText program (`Model::update`), with gensim 4's
`FastText` names. The n-grams and their hash rows are in ngrams.py:

    input      h_w = (W[w] + sum_{g in G(w)} N[g]) / (1 + |G(w)|)   the mean of the
               word's own row and its n-gram rows
    objective  word2vec's negative sampling with h_w as the input vector
               (`subword_sgns_loss_and_grads` below is that loss with its gradients)
    unknown    a word never seen in training gets the mean of its n-gram rows
               (subword_vectors.py)

fastText is word2vec with other input rows, and it is built so: `FastText` is
`Word2Vec` whose `input_rows` are `SubwordRows` instead of `WordRows`. Both
have the same two methods, `mix` (form the input vectors of some words) and
`add` (spread their gradients back onto the rows), so skip-gram, CBOW and
shared negatives, the minibatches and the plain settings all carry over. As in
fastText and gensim, every row of the mean receives the whole dloss/dh rather
than dloss/dh / (1 + n). gensim's own skip-gram divides the sum by |G(w)|
instead of 1 + |G(w)| during training; fastText and this file divide by
1 + |G(w)|, as the paper's mean does. Quality beside gensim's FastText:
experiments/RESULTS.md#fasttext-wiki.

The minibatch is smaller than word2vec's (256 centre words, not 1024): an
n-gram shared by many words collects the summed, stale gradients of all of
them in one step, and at 1024 training diverged on the planted corpus.

Storage: only the bucket rows that some vocabulary word uses are kept (a few
hundred thousand rather than 2 million), since the others are never trained.

But: no hierarchical softmax, no supervised (classification) mode, no word
n-grams (`wordNgrams`), no `max_n=0` / `bucket=0` (plain word2vec: use
minembed.predicting.word2vec), no product quantisation, no .bin/.vec file I/O
for the n-gram rows (`Vectors.save` keeps only the vocabulary vectors), no
lock-free threads (`workers` runs word2vec's schedule, parallel.py: the loss in
pieces on the threads, C's rows and the word + n-gram rows updated as separate
tasks; the n-gram sums of `mix` stay on the calling thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from minembed.predicting.losses import sgns_loss_and_grads
from minembed.predicting.ngrams import check_ngram_parameters, ngram_rows_bound, ragged_rows, subword_table
from minembed.predicting.rows import WordRows, group_means
from minembed.predicting.subword_vectors import SubwordVectors
from minembed.predicting.word2vec import Word2Vec, Word2VecConfig
from minembed.tokens.vocab import Vocabulary
from minembed.training.scatter import add_to_ragged_rows, distinct_rows, mix_rows

__all__ = ["subword_sgns_loss_and_grads", "SubwordRows", "FastTextConfig", "FastText", "SubwordVectors", "train"]


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


# ----------------------------------------------------------------------------- the input rows


class SubwordRows:
    """fastText's input vectors: h_w = (W[w] + sum of w's n-gram rows N[g]) / (1 + n_w).

    The same two methods as word2vec's `WordRows`:
        mix(ids (S,), starts (B + 1,) or None) -> (B, D)   h[ids], or the mean of each group's h
        add(ids (S,), coefficient, vectors (B, D), starts)   coefficient * vectors[its group] added
                                                             to W[id] and to every n-gram row of id
    A word is the input of many pairs of a minibatch: h is formed once per distinct word, and the
    gradients of its pairs are summed before they are spread over its rows. `add` reuses the
    selection `mix` made when it is given the same ids array (as every step does).
    """

    def __init__(self, W: np.ndarray, N: np.ndarray, buckets: np.ndarray, ngram_rows: np.ndarray,
                 ngram_offsets: np.ndarray) -> None:
        self.W = W  # (V, D) float32 the words' own rows
        self.N = N  # (R, D) float32 n-gram rows, row r for bucket buckets[r]
        self.buckets = buckets  # (R,) int64
        self.ngram_rows, self.ngram_offsets = ngram_rows, ngram_offsets  # (T,) int32, (V + 1,) int64
        self.share = (1.0 / (1.0 + np.diff(ngram_offsets))).astype(np.float32)  # (V,) 1 / (1 + n_w)
        self._selection = None

    def vectors_of(self, words: np.ndarray, rows: np.ndarray | None = None,
                   starts: np.ndarray | None = None) -> np.ndarray:
        """h_w for each word id: (U,) -> (U, D) float32 (rows, starts: the words' `ragged_rows`, if at hand)."""
        if rows is None:
            rows, starts = ragged_rows(self.ngram_rows, self.ngram_offsets, words)  # (S,), (U + 1,)
        share = self.share[words]  # (U,) float32
        mean_of_ngrams = mix_rows(self.N, rows, starts, np.repeat(share, np.diff(starts)))  # (U, D)
        return self.W[words] * share[:, None] + mean_of_ngrams  # (U, D)

    def select(self, ids: np.ndarray):
        """The distinct words of `ids` (S,), where each id sits among them, and their n-gram rows."""
        if self._selection is not None and self._selection[0] is ids:
            return self._selection[1:]
        words, which = distinct_rows(ids, len(self.W))  # (U,) int64, (S,) int32
        rows, starts = ragged_rows(self.ngram_rows, self.ngram_offsets, words)  # (T,) int32, (U + 1,) int64
        self._selection = (ids, words, which, rows, starts)
        return self._selection[1:]

    def mix(self, ids: np.ndarray, starts: np.ndarray | None = None) -> np.ndarray:
        words, which, rows, ngram_starts = self.select(ids)
        h = self.vectors_of(words, rows, ngram_starts)  # (U, D) float32
        return h.take(which, axis=0) if starts is None else group_means(h, which, starts)  # (B, D)

    def add(self, ids: np.ndarray, coefficient: float, vectors: np.ndarray, starts: np.ndarray | None = None) -> None:
        words, which, rows, ngram_starts = self.select(ids)
        per_word = np.zeros((len(words), self.W.shape[1]), self.W.dtype)  # (U, D): each word's summed update
        WordRows(per_word).add(which, coefficient, vectors, starts)
        self.W[words] += per_word  # the words are distinct: a fancy += loses nothing
        # every row of the mean gets the word's whole update (fastText, gensim); repeated n-grams add up
        add_to_ragged_rows(self.N, rows, ngram_starts, np.ones(len(rows), self.N.dtype), per_word)

    def arrays(self) -> list[np.ndarray]:
        return [self.W, self.N]


# ----------------------------------------------------------------------------- the model


@dataclass
class FastTextConfig(Word2VecConfig):
    """word2vec's settings (see Word2VecConfig) plus the n-gram ones."""

    batch_size: int = 256       # word2vec's 1024 diverged on the planted corpus (tests/test_subword.py):
                                # n-grams such as "<g0" are shared by most words there and a minibatch
                                # sums hundreds of their stale gradients; 256 trained on seeds tried
    min_n: int = 3              # shortest n-gram (paper, fastText and gensim: 3)
    max_n: int = 6              # longest n-gram (paper, fastText and gensim: 6)
    bucket: int = 2_000_000     # hash rows (fastText and gensim: 2,000,000)

    def validate(self) -> None:
        super().validate()
        check_ngram_parameters(self.min_n, self.max_n, self.bucket)


class FastText(Word2Vec):
    """word2vec (skip-gram or CBOW) whose input vectors are means of word and n-gram rows.

        model = FastText(vector_size=100, seed=0).fit(sentences)
        model.wv                 SubwordVectors: the vocabulary's input vectors h_w, and
                                 vectors for unknown words from their n-grams
        model.W                  (V, D) float32 the words' own rows
        model.N                  (R, D) float32 n-gram rows, row r for bucket model.buckets[r]
        model.C                  (V, D) float32 output vectors
        everything else          as in Word2Vec
    """

    Settings = FastTextConfig

    N = property(lambda self: None if self.inputs is None else self.inputs.N)
    buckets = property(lambda self: None if self.inputs is None else self.inputs.buckets)

    def input_rows(self, vocab: Vocabulary, W: np.ndarray) -> SubwordRows:
        """W and the n-gram rows N: gensim's initialisation, uniform in [-1/D, 1/D), drawn from the
        seed + 1 stream (W comes from the seed's own stream, as in Word2Vec)."""
        cfg = self.config
        buckets, rows, offsets = subword_table(vocab.words, cfg.min_n, cfg.max_n, cfg.bucket)  # (R,), (T,), (V + 1,)
        n_rng = np.random.default_rng(cfg.seed + 1)
        D = cfg.vector_size
        N = (n_rng.random((len(buckets), D), dtype=np.float32) * 2 - 1) / np.float32(D)  # (R, D) float32
        return SubwordRows(W, N, buckets, rows, offsets)

    def extra_input_rows(self, vocab: Vocabulary) -> int:
        """The n-gram rows the vocabulary may use, for the size guard before anything is allocated."""
        return ngram_rows_bound(vocab.words, self.config.min_n, self.config.max_n, self.config.bucket)

    def vectors(self) -> SubwordVectors:
        cfg = self.config
        words = np.arange(len(self.vocab), dtype=np.int64)  # (V,)
        return SubwordVectors(self.vocab.words, self.inputs.vectors_of(words), self.inputs.N, self.inputs.buckets,
                              min_n=cfg.min_n, max_n=cfg.max_n, bucket=cfg.bucket)


def train(sentences: Iterable[Sequence[str]], *, min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000,
          vector_size: int = 100, window: int = 5, negative: int = 5, sample: float = 1e-3, min_count: int = 5,
          epochs: int = 5, alpha: float = 0.025, min_alpha: float = 0.0001, seed: int = 0,
          callbacks: Sequence[Callable] = (), progress: bool = False, **params) -> SubwordVectors:
    """Train fastText-style subword vectors on `sentences` (lists of tokens).

    Parameters are gensim's FastText names and defaults, except sg=1 (skip-gram;
    pass sg=0 for CBOW); `params` takes the rest of FastTextConfig (sg,
    batch_size, shared_negatives, c_tool_order, ns_exponent, max_vocab_size,
    chunk_words, shuffle, workers). The result answers
    `vectors[word]` and `most_similar(word)` for unseen words too.
    """
    model = FastText(min_n=min_n, max_n=max_n, bucket=bucket, vector_size=vector_size, window=window,
                     negative=negative, sample=sample, min_count=min_count, epochs=epochs, alpha=alpha,
                     min_alpha=min_alpha, seed=seed, **params)
    return model.fit(sentences, callbacks=callbacks, progress=progress).wv
