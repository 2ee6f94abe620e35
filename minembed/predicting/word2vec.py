"""word2vec: skip-gram and CBOW with negative sampling, in NumPy.

Follows Mikolov et al. (2013a) "Efficient Estimation of Word Representations in
Vector Space" (CBOW, skip-gram) and (2013b) "Distributed Representations of
Words and Phrases and their Compositionality" (negative sampling, subsampling),
step for step as the word2vec C tool (`TrainModelThread`) and gensim 4
(`word2vec_inner.pyx`) run them, with gensim's parameter names:

    subsample   keep each occurrence of word w with probability keep[w]   (sample=1e-3)
    window      for each centre word draw b in [1, window]: the "shrunk" window
    examples    skip-gram: (context -> centre) for every context within b;
                CBOW: (mean of the contexts within b -> centre)
    negatives   `negative` noise words per example from unigram^0.75
    loss        -log s(v . c_centre) - sum_k log s(-v . c_k),   s = sigmoid
    update      W (input vectors) and C (output vectors) by SGD, learning rate
                falling linearly from alpha to min_alpha over all epochs

Read `train_plain` first: it is the algorithm, one SGD step per example, as the
paper and the C tool state it (slow: a Python loop over the pairs). `Word2Vec`
below it is the same algorithm made fast by minibatches: `batch_size` centre
words are scored at once from the same W and C with the same loss function, and
the summed updates are added by the one row scatter (`add_to_rows`, which sums
the updates of repeated words where `W[ids] -= ...` would drop them). With
batch_size=1 and shuffle=False it draws the same random numbers as
`train_plain`; tests/test_word2vec.py shows where the two must agree.

Two choices of the fast path change what is learnt, a little:
  - `shuffle`: a minibatch's centres are drawn at random from the current chunk (in blocks
    of 32), so one document's topic words do not get dozens of stale gradients in one step.
  - A skip-gram minibatch scores all of a centre's pairs against the same
    output row C[centre], where the C tool moves that row after every pair.
    `c_tool_order=True` restores the C tool's order (minembed/predicting/walk.py
    says what it changes and by how much); it is off by default.

`shared_negatives=True` (skip-gram, off by default) is Ji et al.'s (2016) variant: a centre's
pairs share its K noise words, one (2w, D) @ (D, 1 + K) product per centre. Scores beside gensim:
experiments/RESULTS.md#word2vec-dictionary and after it; speed: benchmarks/bench_word2vec.py.

But: no hierarchical softmax, no CBOW with summed (rather than averaged)
contexts, no phrases, no exp/log lookup tables (the sigmoid and the loss are
exact, not clipped at +-6 as in the C tool), no lock-free threads (`workers` threads
score a minibatch in pieces and add its updates in a fixed order: parallel.py; the same
seed gives the same bytes for any `workers`), no `max_final_vocab`, no incremental training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from minembed.predicting.corpus import (
    Corpus, cbow_contexts, learning_rate, shrunk_windows, shuffled_positions, skipgram_pairs, subsampled_chunks,
    window_positions,
)
from minembed.predicting.losses import sgns_loss_and_grads, sgns_window_loss_and_grads
from minembed.predicting.noise import AliasSampler, usable, with_noise
from minembed.predicting.parallel import Workers, scatter_tasks
from minembed.predicting.rows import WordRows
from minembed.predicting.trace import record_trace
from minembed.predicting.walk import walked_output_update
from minembed.tokens.vocab import Vocabulary
from minembed.training.lifecycle import TrainedModel, TrainingDiverged
from minembed.training.scatter import add_to_rows_plain
from minembed.training.settings import (
    require, require_int, require_kept, require_neighbours, require_number, require_word2vec_memory)
from minembed.vectors import Vectors

__all__ = ["Word2VecConfig", "train_plain", "initial_vectors", "WordRows", "Word2Vec", "TrainingDiverged", "train"]


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
                                   # gensim's spread (experiments/RESULTS.md#notes-on-word2vec)
    shuffle: bool = True        # minibatches from blocks of centres drawn at random from each chunk (minembed's)
    shuffle_block: int = 32     # consecutive centres kept together when shuffling (for memory locality)
    c_tool_order: bool = False  # skip-gram: move each centre's output row after every pair, as the C tool
                                # does (minembed/predicting/walk.py); False: one summed update per minibatch
    shared_negatives: bool = False  # skip-gram only: True = the pairs of one centre share its noise words
    chunk_words: int = 1 << 18  # corpus tokens subsampled (and shuffled) at a time: bounds the working memory
    memory_limit: float = 4.0   # GB for W, C and a minibatch, checked before allocating (as GloVe's, demo.sh's 4.0)
    workers: int = 1            # threads (gensim's name): the same bytes for any number; see parallel.py
                                # (parallel.py); more than the machine's cores is allowed but only adds switching

    def __post_init__(self) -> None:
        if self.batch_size is None:
            self.batch_size = 1024 if self.sg else 4096

    def validate(self) -> None:
        require(isinstance(self.sg, int) and self.sg in (0, 1),
                f"sg must be 1 (skip-gram) or 0 (CBOW), got {self.sg!r}")
        require_int("vector_size", self.vector_size, 1, "100 is usual")
        require_int("window", self.window, 1, "5 is usual")
        require_int("negative", self.negative, 1, "5 is usual; negative sampling is the only objective here")
        require_number("ns_exponent", self.ns_exponent, -10, 10, usual="0.75 is usual")
        require_number("sample", self.sample, 0, 1, high_open=True, usual="1e-3 is usual, 0 turns subsampling off")
        require_int("min_count", self.min_count, 1, "5 is usual")
        require(self.max_vocab_size is None or (isinstance(self.max_vocab_size, int) and self.max_vocab_size >= 2),
                f"max_vocab_size must be None or a whole number >= 2, got {self.max_vocab_size!r}")
        require_int("epochs", self.epochs, 1, "5 is usual")
        require_number("alpha", self.alpha, 0, low_open=True, usual="a learning rate such as 0.025")
        require_number("min_alpha", self.min_alpha, 0, self.alpha, usual=f"between 0 and alpha={self.alpha}")
        require_int("seed", self.seed, 0)
        require_int("batch_size", self.batch_size, 1, "centre words per minibatch")
        require_int("shuffle_block", self.shuffle_block, 1)
        require_int("chunk_words", self.chunk_words, 1)
        require_number("memory_limit", self.memory_limit, 0, low_open=True, usual="in GB; 4.0 as GloVe's")
        require_int("workers", self.workers, 1, "threads; 2 uses both cores of a 2-core machine")
        for name in ("shuffle", "c_tool_order", "shared_negatives"):
            require(isinstance(getattr(self, name), bool), f"{name} must be True or False, got {getattr(self, name)!r}")


def initial_vectors(vocab_size: int, vector_size: int, rng: np.random.Generator):
    """gensim 4's start: W uniform in [-1/D, 1/D), C zero. Returns W, C (V, D) float32 each.
    (The C tool and gensim 3 draw W from [-0.5/D, 0.5/D); with that start CBOW scored above
    gensim 4's seed spread on SimLex-999, experiments/RESULTS.md#notes-on-word2vec.)"""
    V, D = vocab_size, vector_size
    W = (rng.random((V, D), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(D)  # (V, D) float32
    return W, np.zeros((V, D), dtype=np.float32)


# ----------------------------------------------------------------------------- the algorithm


def train_plain(corpus: Corpus, vocab: Vocabulary, config: Word2VecConfig):
    """word2vec as the paper and the C tool state it: one SGD step per example. Slow; the definition.
    Returns W, C (V, D) float32 and the mean loss of each epoch. For each centre
    word, in corpus order: draw its window b, then
      skip-gram: for each context word within b, one step on
                 -log s(W[context] . C[centre]) - sum_k log s(-W[context] . C[noise_k]);
      CBOW:      one step on the same loss with the mean of the contexts' W rows in place of W[context].
    """
    cfg = config
    rng = np.random.default_rng(cfg.seed)
    W, C = initial_vectors(len(vocab), cfg.vector_size, rng)  # (V, D) float32 each
    keep = vocab.keep_probabilities(cfg.sample)  # (V,) float64
    noise = AliasSampler(vocab.noise_distribution(cfg.ns_exponent))
    planned, losses = cfg.epochs * len(corpus), []
    for epoch in range(cfg.epochs):
        loss_sum, examples = 0.0, 0
        for ids, sentence_of, before, size in subsampled_chunks(corpus, keep, cfg.chunk_words, rng):
            for centre in range(len(ids)):
                done = epoch * len(corpus) + before + size * centre / len(ids)  # corpus tokens, all epochs
                lr = learning_rate(cfg.alpha, cfg.min_alpha, done, planned)
                reach = shrunk_windows(1, cfg.window, rng)  # (1,) b in 1..window
                positions, inside = window_positions(np.array([centre]), sentence_of, reach, cfg.window)
                contexts = ids[positions[inside]]  # (n,) int32 the context words, left to right
                if len(contexts) == 0:
                    continue  # a one-word sentence: nothing to predict from
                minus_lr = np.float32(-lr)
                if cfg.sg:  # each context word predicts the centre: one step per (context, centre) pair
                    outputs = with_noise(np.full(len(contexts), ids[centre]), noise, cfg.negative, rng)  # (n, 1 + K)
                    for context, row in zip(contexts, outputs):
                        w, row = W[[context]], row[None]  # (1, D), (1, 1 + K)
                        loss, grad_w, g = sgns_loss_and_grads(w, C[row], usable(row))
                        add_to_rows_plain(C, row, minus_lr * g, w)  # dloss/dc_j = g_j w
                        W[context] += minus_lr * grad_w[0]  # one row, nothing to sum
                        loss_sum, examples = loss_sum + float(loss[0]), examples + 1
                else:  # the mean of the context words predicts the centre: one step per centre
                    outputs = with_noise(ids[[centre]], noise, cfg.negative, rng)  # (1, 1 + K)
                    h = W[contexts].mean(axis=0, keepdims=True)  # (1, D) float32
                    loss, grad_h, g = sgns_loss_and_grads(h, C[outputs], usable(outputs))
                    add_to_rows_plain(C, outputs, minus_lr * g, h)
                    # the C tool and gensim add the whole dloss/dh to every context word, not dloss/dh / n
                    add_to_rows_plain(W, contexts[None], np.full((1, len(contexts)), minus_lr), grad_h)
                    loss_sum, examples = loss_sum + float(loss[0]), examples + 1
        losses.append(loss_sum / max(examples, 1))
    return W, C, losses


# ----------------------------------------------------------------------------- the same, in minibatches


class Word2Vec(TrainedModel):
    """A word2vec model: settings, vocabulary, the weights and the training record.

        model = Word2Vec(sg=1, vector_size=100, seed=0).fit(sentences)
        model.wv                 Vectors of the input matrix W (what gensim's `model.wv` holds)
        model.W, model.C         (V, D) float32 input and output vectors
        model.inputs             the input rows: WordRows(W) here, SubwordRows for fastText
        model.losses             mean loss per pair (skip-gram) or per example (CBOW), one per epoch
        model.epoch_items        words trained on per epoch, after subsampling (also `effective_words`)
        model.words_per_second   effective words / training seconds (gensim's figure)
        model.trace              with fit(trace=True): one update written out (minembed/predicting/trace.py)
        model.threads            the minibatch's threads (parallel.py), config.workers of them during fit
    """

    Settings = Word2VecConfig

    def __init__(self, config: Word2VecConfig | None = None, **params) -> None:
        super().__init__(config, **params)
        self.vocab: Vocabulary | None = None
        self.inputs: WordRows | None = None  # the input rows W (fastText: W and the n-gram rows)
        self.C: np.ndarray | None = None  # (V, D) float32 output vectors
        self.trace: dict | None = None
        self._want_trace = False
        self.threads = Workers(1)  # a minibatch's threads (parallel.py): config.workers during fit, else serial
        self.learning_rate_now = self.config.alpha

    W = property(lambda self: None if self.inputs is None else self.inputs.W)  # (V, D) float32 input vectors
    effective_words = property(lambda self: self.epoch_items)  # gensim's figures, by their names
    words_per_second = property(lambda self: self.items_per_second)

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
        require(len(corpus) > 0 and len(vocab) >= 2, f"the corpus has {len(corpus)} known words and the vocabulary "
                f"{vocab.words[:5]}; negative sampling needs at least two words: give more text or lower min_count")
        require(0 <= corpus.ids.min() and corpus.ids.max() < len(vocab), f"corpus ids {corpus.ids.min()}.."
                f"{corpus.ids.max()} for {len(vocab)} words: encode it with this vocabulary (Corpus.from_sentences)")
        require_neighbours(np.diff(corpus.offsets), "give sentences of two words or more, or lower min_count")
        keep = vocab.keep_probabilities(self.config.sample)  # (V,) float64
        require_kept(keep[corpus.ids].sum(), len(corpus), self.config.sample)
        require_word2vec_memory(self.config, len(vocab), self.extra_input_rows(vocab))  # before W and C exist
        rng = np.random.default_rng(self.config.seed)
        self.initialise(vocab, rng)
        self.noise = AliasSampler(vocab.noise_distribution(self.config.ns_exponent))
        self.trace, self._want_trace = None, trace
        with Workers(self.config.workers) as self.threads:  # the same bytes for any number (parallel.py)
            self.run_epochs(lambda epoch, show: self.run_epoch(epoch, corpus, keep, rng, show),
                            callbacks=callbacks, progress=progress)
        return self

    def initialise(self, vocab: Vocabulary, rng: np.random.Generator) -> None:
        """Set the arrays training starts from, drawing from `rng` (fit_corpus passes
        np.random.default_rng(seed) and goes on drawing from it to train)."""
        self.vocab = vocab
        W, self.C = initial_vectors(len(vocab), self.config.vector_size, rng)  # (V, D) float32 each
        self.inputs = self.input_rows(vocab, W)

    def input_rows(self, vocab: Vocabulary, W: np.ndarray) -> WordRows:
        """The input side of the model: one row of W per word (fastText adds n-gram rows)."""
        return WordRows(W)

    def extra_input_rows(self, vocab: Vocabulary) -> int:  # beyond one per word, for the size guard
        return 0  # fastText: its n-gram rows

    def run_epoch(self, epoch: int, corpus: Corpus, keep: np.ndarray, rng: np.random.Generator, show=None):
        """One pass over the corpus in minibatches; returns (mean loss, effective words)."""
        cfg = self.config
        planned, loss_sum, examples, effective = cfg.epochs * len(corpus), 0.0, 0, 0
        for ids, sentence_of, before, size in subsampled_chunks(corpus, keep, cfg.chunk_words, rng):
            effective += len(ids)
            order = shuffled_positions(len(ids), cfg.shuffle_block, rng) if cfg.shuffle else np.arange(len(ids))
            for start in range(0, len(ids), cfg.batch_size):
                done = epoch * len(corpus) + before + size * start / len(ids)  # corpus tokens, all epochs
                lr = self.learning_rate_now = learning_rate(cfg.alpha, cfg.min_alpha, done, planned)
                centres = order[start:start + cfg.batch_size]  # (B,) int64 positions
                reach = shrunk_windows(len(centres), cfg.window, rng)  # (B,) int64
                if self._want_trace:
                    self.trace, self._want_trace = record_trace(self, ids, sentence_of, centres, reach, lr), False
                batch_loss, batch_examples = self.step(ids, sentence_of, centres, reach, lr, rng)
                if not np.isfinite(batch_loss):
                    return batch_loss, effective  # run_epochs reports the divergence
                loss_sum, examples = loss_sum + batch_loss, examples + batch_examples
                if show is not None:
                    show(done / len(corpus) - epoch, effective - len(ids) + start + len(centres),
                         loss_sum / max(examples, 1), lr)
        if examples == 0:
            raise ValueError(f"no training examples in epoch {epoch + 1}: no kept word has a neighbour in its "
                             f"sentence (sample={cfg.sample} kept {effective} of {len(corpus)} words); give longer "
                             "sentences, lower min_count, or raise sample (0 turns subsampling off)")
        return loss_sum / examples, effective

    def step(self, ids, sentence_of, centres, reach, lr, rng) -> tuple[float, int]:
        """One minibatch: the centres' examples scored at once, their summed updates applied."""
        if not self.config.sg:
            return self.cbow_step(ids, sentence_of, centres, reach, lr, rng)
        if self.config.shared_negatives:
            return self.skipgram_shared_step(ids, sentence_of, centres, reach, lr, rng)
        return self.skipgram_step(ids, sentence_of, centres, reach, lr, rng)

    def skipgram_step(self, ids, sentence_of, centres, reach, lr, rng) -> tuple[float, int]:
        cfg, C = self.config, self.C
        context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, cfg.window)  # (P,), (P,)
        if len(context_pos) == 0:
            return 0.0, 0
        inputs = ids[context_pos]  # (P,) int32: each pair's context word
        w_in = self.inputs.mix(inputs)  # (P, D) float32
        outputs = with_noise(ids[centre_pos], self.noise, cfg.negative, rng)  # (P, 1 + K) int32
        if cfg.c_tool_order:
            loss, grad_in = walked_output_update(C, w_in, outputs, centre_pos, lr)  # C updated; (P,), (P, D)
            self.inputs.add(inputs, -lr, grad_in)
            return float(loss.sum()), len(inputs)
        # every pair scored from the same W and C: in pieces, on the threads (parallel.py; the same bytes)
        loss, grad_in, g = self.threads.by_rows(
            lambda w, out: sgns_loss_and_grads(w, C.take(out, axis=0), usable(out)), w_in, outputs)
        self.threads.together(lambda: self.inputs.add(inputs, -lr, grad_in),  # the input rows, and C's:
                              *scatter_tasks(C, outputs, -lr * g, w_in, self.threads.output_parts))  # g_j w
        return float(loss.sum()), len(inputs)

    def skipgram_shared_step(self, ids, sentence_of, centres, reach, lr, rng) -> tuple[float, int]:
        """Skip-gram where the pairs of one centre word share its noise words (Ji et al. 2016)."""
        cfg, C = self.config, self.C
        positions, inside = window_positions(centres, sentence_of, reach, cfg.window)  # (B, 2w), (B, 2w)
        has_context = inside.any(axis=1)  # a centre alone in its sentence draws no noise (as in train_plain)
        positions, inside, centres = positions[has_context], inside[has_context], centres[has_context]
        if len(centres) == 0:
            return 0.0, 0
        contexts = ids[positions].reshape(-1)  # (B 2w,) int32
        D = C.shape[1]
        w_ctx = self.inputs.mix(contexts).reshape(*positions.shape, D)  # (B, 2w, D)
        outputs = with_noise(ids[centres], self.noise, cfg.negative, rng)  # (B, 1 + K) int32
        loss, grad_ctx, grad_outputs = self.threads.by_rows(  # one piece per thread (smaller ones ran slower)
            lambda w, i, out: sgns_window_loss_and_grads(w, i, C.take(out, axis=0), usable(out)), w_ctx, inside,
            outputs, piece_rows=-(-len(centres) // self.threads.count))
        self.threads.together(lambda: self.inputs.add(contexts, -lr, grad_ctx.reshape(-1, D)),
                              *scatter_tasks(C, outputs.reshape(-1, 1), np.full((outputs.size, 1), -lr, np.float32),
                                             grad_outputs.reshape(-1, D), self.threads.output_parts))
        return float(loss.sum()), int(inside.sum())

    def cbow_step(self, ids, sentence_of, centres, reach, lr, rng) -> tuple[float, int]:
        cfg, C = self.config, self.C
        context_pos, starts, centres = cbow_contexts(centres, sentence_of, reach, cfg.window)  # (S,), (B + 1,), (B,)
        if len(centres) == 0:
            return 0.0, 0
        contexts = ids[context_pos]  # (S,) int32: centre b's context words are contexts[starts[b]:starts[b + 1]]
        h = self.inputs.mix(contexts, starts)  # (B, D) the mean context vector of each centre
        outputs = with_noise(ids[centres], self.noise, cfg.negative, rng)  # (B, 1 + K) int32
        loss, grad_h, g = self.threads.by_rows(  # in pieces, on the threads (parallel.py; the same bytes)
            lambda x, out: sgns_loss_and_grads(x, C.take(out, axis=0), usable(out)), h, outputs)
        # word2vec.c and gensim (cbow_mean=1) add the whole dloss/dh to every context word, not
        # dloss/dh / count (the true gradient of the mean); so does train_plain, so alpha means the same
        self.threads.together(lambda: self.inputs.add(contexts, -lr, grad_h, starts),
                              *scatter_tasks(C, outputs, -lr * g, h, self.threads.output_parts))
        return float(loss.sum()), len(centres)

    # -- the life cycle's hooks

    def trained_arrays(self) -> list[np.ndarray]:
        return [] if self.inputs is None else [*self.inputs.arrays(), self.C]

    def vectors(self) -> Vectors:
        return Vectors(self.vocab.words, self.W)

    def forget(self) -> None:
        self.inputs = self.C = None

    def divergence_advice(self) -> str:
        cfg = self.config
        return (f"at learning rate {self.learning_rate_now:.4g} (alpha={cfg.alpha}); lower alpha, e.g. "
                f"alpha={cfg.alpha / 10:g}, or batch_size (now {cfg.batch_size}): a minibatch adds up the gradients "
                "of all the pairs of a frequent word at once, which without subsampling (sample=0) can overshoot; "
                f"batch_size={max(cfg.batch_size // 4, 1)} may train at this alpha")


def train(sentences: Iterable[Sequence[str]], *, sg: int = 1, vector_size: int = 100, window: int = 5,
          negative: int = 5, sample: float = 1e-3, min_count: int = 5, epochs: int = 5, alpha: float = 0.025,
          min_alpha: float = 0.0001, seed: int = 0, callbacks: Sequence[Callable] = (), progress: bool = False,
          trace: bool = False, **params) -> Vectors:
    """Train word2vec on `sentences` (lists of tokens) and return the word vectors (W).

    Parameters are gensim's Word2Vec names and defaults, except sg=1 (skip-gram);
    `params` takes the rest of Word2VecConfig (batch_size, shared_negatives,
    c_tool_order, ns_exponent, max_vocab_size, chunk_words, workers). For the losses, the
    output vectors and the trace, use Word2Vec(...).fit(sentences) instead.
    """
    model = Word2Vec(sg=sg, vector_size=vector_size, window=window, negative=negative, sample=sample,
                     min_count=min_count, epochs=epochs, alpha=alpha, min_alpha=min_alpha, seed=seed, **params)
    return model.fit(sentences, callbacks=callbacks, progress=progress, trace=trace).wv
