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
then applied. Three things follow:

  - Repeated words in a minibatch are the trap: a plain `W[ids] -= lr * grad`
    keeps only one of the rows for a repeated id (NumPy's fancy assignment is
    "last write wins"), silently dropping updates for frequent words.
    `add_to_rows` sums them first (see there why it is correct and fast).
  - The centres of a minibatch are drawn at random from the current chunk of
    the corpus (`shuffle`, in blocks of 32), not taken consecutively: one
    document's topic words would otherwise get dozens of stale gradients in one
    step (see `shuffled_positions`).
  - One centre's pairs all predict the centre, so they share its output row
    C[centre]. Scored all from the same row, their pulls on it overshoot, and
    that alone lifted SimLex-999 about 0.01 above gensim. So skip-gram moves
    that one row pair by pair, in step across the minibatch's centres, as the C
    tool does (`walk_observed_rows`); every other row is updated at the end.

This file is the training loop. What it stands on lives beside it:
minembed/predicting/corpus.py (the id corpus, subsampling, windows, pairs) and
minembed/predicting/negative_sampling.py (the losses and their gradients, the scatter
`add_to_rows`, the noise sampler); their names are re-exported here.

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
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from minembed.predicting.corpus import (
    Corpus, cbow_contexts, sentence_chunks, shrunk_windows, shuffled_positions, skipgram_pairs, subsample,
    window_positions,
)
from minembed.predicting.negative_sampling import (
    _FIRST, AliasSampler, add_to_rows, add_to_rows_public, cbow_loss_and_grads, finite_difference_gradients,
    mix_rows, sgns_loss_and_grads, sgns_window_loss_and_grads, skipgram_output_update, softplus_and_sigmoid,
    walk_observed_rows, walk_schedule,
)
from minembed.training.progress import ProgressBar
from minembed.vectors import Vectors
from minembed.tokens.vocab import Vocabulary

__all__ = [  # the model, then the pieces re-exported from corpus.py and negative_sampling.py
    "Word2VecConfig", "Corpus", "Word2Vec", "TrainingDiverged", "train",
    "skipgram_pairs", "cbow_contexts", "sgns_loss_and_grads", "sgns_window_loss_and_grads",
    "cbow_loss_and_grads", "add_to_rows", "add_to_rows_public", "AliasSampler", "softplus_and_sigmoid", "mix_rows",
    "walk_schedule", "walk_observed_rows",
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
    batch_size: int | None = None  # centre words per minibatch (minembed's own); None: 1024 for skip-gram,
                                   # 4096 for CBOW, whose B centres make B examples where skip-gram's make
                                   # ~6B pairs: 4096 ran CBOW ~1.2x faster than 1024 and stayed within
                                   # gensim's spread (benchmarks/parity_word2vec.py --batch-size)
    shuffle: bool = True        # minibatches from blocks of centres drawn at random from each chunk (minembed's)
    shuffle_block: int = 32     # consecutive centres kept together when shuffling (for memory locality)
    shared_negatives: bool = False  # skip-gram only: True = the pairs of one centre share its noise words
    chunk_words: int = 1 << 18  # corpus tokens subsampled (and shuffled) at a time: bounds the working memory

    def __post_init__(self) -> None:
        if self.batch_size is None:
            self.batch_size = 1024 if self.sg else 4096

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
        rng = np.random.default_rng(cfg.seed)
        self.initialise(vocab, rng)
        keep = vocab.keep_probabilities(cfg.sample)  # (V,) float64
        self.noise = AliasSampler(vocab.noise_distribution(cfg.ns_exponent))
        self.losses, self.effective_words, self.trace = [], [], None
        want_trace = trace

        planned = cfg.epochs * len(corpus)  # corpus tokens over all epochs, for the learning rate
        bar = ProgressBar(cfg.epochs) if progress else None
        started = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below, with a clearer message
            self._train_epochs(corpus, keep, rng, planned, bar, callbacks, want_trace, started)
        if bar is not None:
            bar.close(sum(self.effective_words) / self.train_seconds, self.losses[-1])
        return self

    def initialise(self, vocab: Vocabulary, rng: np.random.Generator) -> None:
        """Set the arrays training starts from, drawing from `rng` (fit_corpus passes
        np.random.default_rng(seed) and goes on drawing from it to train).

        A fresh np.random.default_rng(seed) here gives exactly the start of
        fit_corpus with that seed: benchmarks/sequential_sgns.py trains it another way."""
        self.vocab = vocab
        V, D = len(vocab), self.config.vector_size
        # gensim 4's initialisation: W uniform in [-1/D, 1/D), C zero. (The C tool and
        # gensim 3 draw W from [-0.5/D, 0.5/D). With that half-size start, CBOW on the
        # Wikipedia sample scored SimLex-999 0.056+-0.019 against gensim 4's 0.032+-0.018
        # and analogies 0.006 against 0.009 over 10 seeds; with this one 0.035 and 0.009.
        # CBOW's mean of ~2b small rows is smaller still, and C, starting at zero, learns
        # in proportion to it.)
        self.W = (rng.random((V, D), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(D)  # (V, D) float32
        self.C = np.zeros((V, D), dtype=np.float32)  # (V, D) float32

    def _train_epochs(self, corpus, keep, rng, planned, bar, callbacks, want_trace, started):
        cfg = self.config
        for epoch in range(cfg.epochs):
            loss_sum, examples, effective = 0.0, 0, 0
            for first, last in sentence_chunks(corpus.offsets, cfg.chunk_words):
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
        # the pairs in the order in which each centre's output row will walk them (see walk_observed_rows)
        order, live = walk_schedule(centre_pos)  # (P,), (R,)
        inputs, targets = ids[context_pos[order]], ids[centre_pos[order]]  # (P,) int32 each
        # W.take(ids, axis=0) is W[ids], the same rows. For these gathers, the largest cost of a
        # step, it is faster: one epoch on the dictionary corpus ran at 149-180k words/s with
        # take, 118-121k with fancy indexing (the same vectors).
        w_in = W.take(inputs, axis=0)  # (P, D) float32
        noise = self.noise.draw((len(inputs), cfg.negative), rng)  # (P, K) int32
        loss, grad_in = skipgram_output_update(C, w_in, targets, noise, live, lr)  # C updated; (P,), (P, D)
        add_to_rows(W, inputs[:, None], np.full((len(inputs), 1), -lr, np.float32), grad_in)
        return float(loss.sum()), len(inputs)

    def _skipgram_shared_step(self, ids, sentence_of, centres, reach, lr, rng):
        """Skip-gram where the pairs of one centre word share its noise words (Ji et al. 2016)."""
        cfg, W, C = self.config, self.W, self.C
        positions, inside = window_positions(centres, sentence_of, reach, cfg.window)  # (B, 2w), (B, 2w)
        contexts = ids[positions]  # (B, 2w) int32
        outputs = self._with_noise(ids[centres], rng)  # (B, 1 + K) int32
        loss, grad_ctx, grad_outputs = sgns_window_loss_and_grads(
            W.take(contexts, axis=0), inside, C.take(outputs, axis=0), (outputs != outputs[:, :1]) | _FIRST)
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
        loss, grad_h, g = sgns_loss_and_grads(h, C.take(outputs, axis=0), (outputs != outputs[:, :1]) | _FIRST)
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
        so tracing does not change the trained vectors. For skip-gram the examples are
        the first pair of each of the first centres, which meet C as it is (a centre's
        later pairs meet its row moved by `walk_observed_rows`). With shared_negatives
        the trace shows the per-pair loss, which the shared one sums per centre."""
        cfg = self.config
        trace_rng = np.random.default_rng(cfg.seed + 1)
        f64 = lambda a: np.array(a, dtype=np.float64)
        if cfg.sg:
            context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, cfg.window)
            first_steps = walk_schedule(centre_pos)[0][:examples]  # the first pair of the first centres
            inputs, targets = ids[context_pos[first_steps]], ids[centre_pos[first_steps]]
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
