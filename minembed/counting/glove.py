"""GloVe: global vectors from weighted least squares on log co-occurrence counts.

Follows Pennington, Socher & Manning (2014), "GloVe: Global Vectors for Word
Representation", step for step as the Stanford programs run it (vocab_count ->
cooccur -> shuffle -> glove, see their demo.sh):

    vocabulary   words seen at least min_count times          (vocab_count; minembed.tokens.vocab)
    counts       X[i, j], 1/distance weighted, symmetric window (cooccur; minembed.counting.cooccur)
    cost         J = 1/2 sum_{X_ij > 0} f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2
    weighting    f(x) = min(1, (x / x_max)^alpha)              x_max = 100 (10 below 1e9 tokens), alpha = 3/4
    training     AdaGrad over the non-zero X_ij in random order  (glove.c, learning rate 0.05)
    output       W + W~, the sum of word and context vectors    (glove.c's -model 2)

(The paper's J has no 1/2. The "cost" glove.c prints after each epoch is this
J divided by the number of non-zeros, and so is each entry of `GloVe.costs`.)

AdaGrad as glove.c does it, for every parameter theta (each entry of W, W~, b, b~):

    step      = learning_rate * dJ/dtheta
    theta    -= step / sqrt(G)            G starts at 1, "so initial value of eta is
    G        += step^2                    equal to initial learning rate" (glove.c)

Note the accumulator sums squared *steps* (gradient times learning rate) and is
read before it is updated; textbook AdaGrad (Duchi et al. 2011) sums squared
gradients and reads after.

The one real departure is the minibatch: glove.c updates the parameters after
every non-zero, one at a time (in 8 lock-free threads). Here `batch_size`
non-zeros are scored in one go from the same parameters, the gradient of their
summed cost is taken, and each touched row takes one AdaGrad step.
`train_epoch_plain` is glove.c's loop written out, one non-zero at a time: read
it first. With batch_size=1 `train_epoch` gives its numbers (the tests check it,
and both against a line-by-line transcription of glove.c).

One addition: `sample` > 0 drops frequent words before counting, as word2vec
does (Levy, Goldberg & Dagan 2015 tune it for GloVe too); glove.c has no such step.

But: no per-thread file reading, no "<unk>" vector (glove.c writes the mean of
the 100 rarest words as one), no gradient-squared output file, no checkpoints,
and the non-zeros are reshuffled every epoch where glove.c reads the file that
`shuffle` shuffled once (set shuffle="once" for that).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from minembed.counting import cooccur
from minembed.tokens.vocab import Vocabulary
from minembed.training.lifecycle import TrainedModel, TrainingDiverged
from minembed.training.scatter import sum_by_row
from minembed.training.settings import require, require_int, require_memory, require_neighbours, require_number
from minembed.vectors import Vectors

__all__ = ["GloVeConfig", "GloVe", "GloVeDiverged", "Parameters", "Gradients", "initial_parameters", "weighting",
           "cost_and_gradients", "adagrad_step", "train_epoch_plain", "train_epoch", "train", "OUTPUTS"]

OUTPUTS = ("word+context", "word", "context", "concat")


@dataclass
class GloVeConfig:
    vector_size: int = 50           # dimensions D (glove.c and demo.sh: 50; the paper reports 50-300)
    window: int = 10                # context words each side (the paper: 10; cooccur.c and demo.sh: 15)
    symmetric: bool = True          # left and right context (cooccur.c's default)
    distance_weighting: bool | str = True  # a pair d words apart counts 1/d (the paper and cooccur.c); False: 1
                                    # (cooccur.c's -distance-weighting 0); "linear": word2vec's shrunk window
    x_max: float | None = None      # f(x) = 1 from x_max on. None: 100 (the paper and glove.c, for billions of
                                    # tokens) from 1e9 corpus tokens up, else 10 (demo.sh's, on text8's 17M): on the
                                    # 453k-token Wikipedia sample 100 gave WordSim353 0.00, 10 gave 0.23
    alpha: float = 0.75             # f(x) = (x / x_max)^alpha below x_max (the paper and glove.c: 3/4)
    epochs: int = 25                # passes over the non-zeros (glove.c's -iter: 25; demo.sh: 15; paper: 50-100)
    learning_rate: float = 0.05     # AdaGrad's initial step (glove.c's -eta: 0.05)
    min_count: int = 5              # drop rarer words (demo.sh: 5; vocab_count's own default is 1)
    sample: float = 0.0             # drop frequent words before counting, with word2vec's keep probability; 0, as
                                    # glove.c: off. On the parity corpora: experiments/RESULTS.md#counting-wiki
    max_vocab_size: int | None = None  # keep only the most frequent words (vocab_count's -max-vocab; None: all)
    batch_size: int = 2048          # non-zeros per update (glove.c: 1). Wikipedia sample: 512 and 4096 train alike,
                                    # 4096 1.6x faster; on the planted corpus's 6,785 non-zeros 4096 leaves 2 updates an
                                    # epoch and W finds 56 of 60 analogies (512-2048: 60); experiments/RESULTS.md
    shuffle: str = "every epoch"    # "every epoch", or "once" as glove.c (shuffle.c shuffles the file once)
    output: str = "word+context"    # W + W~ (glove.c -model 2); "word" (-model 1), "context", "concat" (-model 0)
    seed: int = 0                   # seeds the one np.random.Generator everything draws from
    chunk_tokens: int = 1 << 18     # corpus positions counted at a time (minembed.counting.cooccur.count)
    memory_limit: float = 4.0       # GB for parameters, AdaGrad sums and non-zeros (demo.sh's -memory 4.0)

    def validate(self) -> None:
        require_int("vector_size", self.vector_size, 1, "50 as in glove.c")
        require_int("window", self.window, 1, "10 in the paper")
        require(self.x_max is None or isinstance(self.x_max, (int, float)) and 0 < self.x_max < math.inf,
                f"x_max must be a positive count (100 in the paper, 10 for small corpora as in demo.sh), "
                f"got {self.x_max}")
        require_number("alpha", self.alpha, 0, usual="0.75 in the paper")
        require_int("epochs", self.epochs, 1, "25 as in glove.c")
        require(isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate < math.inf,
                f"learning_rate must be a positive number (0.05 as in glove.c), got {self.learning_rate}")
        require_int("min_count", self.min_count, 1, "5 as in demo.sh")
        require_number("sample", self.sample, 0, 1, high_open=True,
                       usual="1e-3 as word2vec; 0, glove.c's, turns it off")
        cooccur.check_distance_weighting(self.distance_weighting)  # the values cooccur.count takes
        require_int("batch_size", self.batch_size, 1, "non-zeros per update; 1 is glove.c's update")
        require(self.shuffle in ("every epoch", "once"),
                f"shuffle must be 'every epoch' or 'once', got {self.shuffle!r}")
        require(self.output in OUTPUTS, f"output must be one of {OUTPUTS}, got {self.output!r}")
        require_int("seed", self.seed, 0)
        require_int("chunk_tokens", self.chunk_tokens, 1)
        require_number("memory_limit", self.memory_limit, 0, low_open=True, usual="in GB; 4.0 as in demo.sh")


class GloVeDiverged(TrainingDiverged):
    """The cost or the vectors became NaN or infinite; the message names the epoch and learning rate."""


# ----------------------------------------------------------------------------- the model's pieces


@dataclass
class Parameters:
    """GloVe's four parameter arrays (or, for AdaGrad, the sums G beside each of them)."""
    W: np.ndarray  # (V, D) float64 word vectors w_i
    W_context: np.ndarray  # (V, D) float64 context vectors w~_j
    b: np.ndarray  # (V,) float64 word biases b_i
    b_context: np.ndarray  # (V,) float64 context biases b~_j


def initial_parameters(vocab_size: int, vector_size: int, rng: np.random.Generator) -> Parameters:
    """glove.c's start: every entry of W, W~, b and b~ uniform in [-1/2, 1/2) / (D + 1).

    (D + 1 because glove.c counts the bias as one more slot of each vector.)
    W, W~ and then b, b~ are drawn in that order from `rng`.
    """
    V, D = vocab_size, vector_size
    return Parameters(*(((rng.random(shape) - 0.5) / (D + 1)) for shape in [(V, D), (V, D), (V,), (V,)]))


def weighting(x: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """f(x) = min(1, (x / x_max)^alpha): rare pairs weigh less, frequent ones no more than 1.

    >>> weighting(np.array([100 / 16, 100.0, 1e6]), x_max=100, alpha=0.75).tolist()  # (1/16)^(3/4) = 1/8
    [0.125, 1.0, 1.0]
    """
    return np.minimum(1.0, (np.asarray(x, dtype=np.float64) / x_max) ** alpha)


@dataclass
class Gradients:
    """dJ/dtheta for the rows a minibatch touches: each distinct word and context id once."""
    word_ids: np.ndarray  # (U,) int64 distinct rows of W and b
    W: np.ndarray  # (U, D) float64
    b: np.ndarray  # (U,) float64
    context_ids: np.ndarray  # (U~,) int64 distinct rows of W~ and b~
    W_context: np.ndarray  # (U~, D) float64
    b_context: np.ndarray  # (U~,) float64


def cost_and_gradients(params: Parameters, rows: np.ndarray, cols: np.ndarray, log_x: np.ndarray,
                       weight: np.ndarray) -> tuple[float, Gradients]:
    """J and its gradient for a minibatch of B non-zeros X[rows[n], cols[n]].

    rows, cols (B,) int; log_x (B,) = log X; weight (B,) = f(X).

        diff_n = w_i . w~_j + b_i + b~_j - log X_ij         (i, j) = (rows[n], cols[n])
        J      = 1/2 sum_n f_n diff_n^2
        dJ/dw_i  = sum over the n with rows[n] = i of f_n diff_n w~_j
        dJ/dw~_j = sum over the n with cols[n] = j of f_n diff_n w_i
        dJ/db_i  = sum over the n with rows[n] = i of f_n diff_n      (and b~_j likewise)

    A word that occurs in several non-zeros of the batch gets the sum of their
    gradients (`sum_by_row`, the one row scatter of minembed.training.scatter),
    as the derivative of J demands: `W[rows] -= step` would keep only one of a
    repeated row's updates ("last write wins").
    """
    # a.take(ids, axis=0) is a[ids], the same rows; with the int32 ids of the counts it made
    # an epoch ~10% faster here (3 epochs on the Wikipedia sample: 10.3-11.5 s against 11.4-12.8 s)
    w = params.W.take(rows, axis=0)  # (B, D)
    w_context = params.W_context.take(cols, axis=0)  # (B, D)
    diff = np.einsum("bd,bd->b", w, w_context) + params.b.take(rows) + params.b_context.take(cols) - log_x  # (B,)
    fdiff = weight * diff  # (B,) dJ/ddiff
    cost = 0.5 * float(fdiff @ diff)
    V = len(params.b)
    word_ids, grad_W, grad_b = sum_by_row(rows, fdiff, w_context, V)  # (U,), (U, D), (U,)
    context_ids, grad_W_context, grad_b_context = sum_by_row(cols, fdiff, w, V)  # (U~,), (U~, D), (U~,)
    return cost, Gradients(word_ids, grad_W, grad_b, context_ids, grad_W_context, grad_b_context)


def adagrad_step(theta: np.ndarray, squared: np.ndarray, ids: np.ndarray, gradient: np.ndarray,
                 learning_rate: float) -> None:
    """glove.c's AdaGrad on the distinct rows `ids` of theta, in place (see the module docstring).

    theta, squared (V, ...) float64; ids (U,) distinct; gradient (U, ...).

    >>> theta, squared = np.zeros(2), np.ones(2)
    >>> adagrad_step(theta, squared, np.array([1]), np.array([4.0]), learning_rate=0.5)  # step 2 / sqrt(1)
    >>> theta.tolist(), squared.tolist()
    ([0.0, -2.0], [1.0, 5.0])
    """
    step = learning_rate * gradient  # (U, ...)
    theta[ids] -= step / np.sqrt(squared[ids])
    squared[ids] += step * step


def train_epoch_plain(params: Parameters, squared: Parameters, rows: np.ndarray, cols: np.ndarray,
                      log_x: np.ndarray, weight: np.ndarray, *, learning_rate: float) -> float:
    """glove.c's loop, the definition: one AdaGrad step per non-zero, in the given order. Slow.

    For each non-zero X_ij: diff = w_i . w~_j + b_i + b~_j - log X_ij, the cost
    1/2 f(X_ij) diff^2, and one AdaGrad step on each of w_i, w~_j, b_i, b~_j with
    the gradients taken before any of them moves. Returns the summed cost J.
    `train_epoch` is the same with minibatches; with batch_size=1 it gives these
    numbers (tests/test_glove.py).
    """
    total = 0.0
    for i, j, lx, f in zip(rows, cols, log_x, weight):
        diff = params.W[i] @ params.W_context[j] + params.b[i] + params.b_context[j] - lx
        total += 0.5 * f * diff * diff
        fdiff = f * diff  # dJ/ddiff
        for theta, sums, row, gradient in ((params.W, squared.W, i, fdiff * params.W_context[j]),
                                           (params.W_context, squared.W_context, j, fdiff * params.W[i]),
                                           (params.b, squared.b, i, fdiff),
                                           (params.b_context, squared.b_context, j, fdiff)):
            step = learning_rate * gradient
            theta[row] -= step / np.sqrt(sums[row])
            sums[row] += step * step
    return total


def train_epoch(params: Parameters, squared: Parameters, rows: np.ndarray, cols: np.ndarray, log_x: np.ndarray,
                weight: np.ndarray, *, batch_size: int, learning_rate: float) -> float:
    """One pass over the non-zeros in the given order, updating params and squared in place.

    Returns the summed cost J of the epoch, each minibatch scored before its
    update (as glove.c adds up its cost while it trains). Stops at the first
    minibatch whose cost is not finite and returns that cost (inf or NaN).
    """
    total = 0.0
    for start in range(0, len(rows), batch_size):
        batch = slice(start, start + batch_size)
        cost, grads = cost_and_gradients(params, rows[batch], cols[batch], log_x[batch], weight[batch])
        if not math.isfinite(cost):
            return cost
        total += cost
        adagrad_step(params.W, squared.W, grads.word_ids, grads.W, learning_rate)
        adagrad_step(params.b, squared.b, grads.word_ids, grads.b, learning_rate)
        adagrad_step(params.W_context, squared.W_context, grads.context_ids, grads.W_context, learning_rate)
        adagrad_step(params.b_context, squared.b_context, grads.context_ids, grads.b_context, learning_rate)
    return total


# ----------------------------------------------------------------------------- training


class GloVe(TrainedModel):
    """A GloVe model: configuration, vocabulary, parameters and the training record.

        model = GloVe(vector_size=50, seed=0).fit(sentences)
        model.wv                 Vectors of `config.output` (W + W~ by default)
        model.vectors("word")    any other output: "word", "context", "concat"
        model.params             W, W_context, b, b_context (float64, as glove.c's `real`)
        model.costs              glove.c's cost per epoch: 1/2 J / number of non-zeros (also `losses`)
        model.epoch_seconds      training time of each epoch
        model.counts             the co-occurrence triples (rows, cols, values) trained on
    """

    Settings = GloVeConfig
    Diverged = GloVeDiverged
    unit, loss_name = "non-zeros", "cost"

    def __init__(self, config: GloVeConfig | None = None, **params) -> None:
        super().__init__(config, **params)
        self.vocab: Vocabulary | None = None
        self.params: Parameters | None = None
        self.counts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.count_seconds = 0.0
        self.x_max: float | None = None  # the x_max trained with: config.x_max, or set from the corpus's size

    costs = property(lambda self: self.losses)

    def fit(self, sentences: Iterable[Sequence[str]], *, callbacks: Sequence[Callable] = (),
            progress: bool = False) -> GloVe:
        """Build the vocabulary, count co-occurrences and train on `sentences` (lists of tokens).
        progress=True prints a line on stderr after each epoch (non-zeros/s, cost)."""
        cfg = self.config
        sentences = list(sentences)
        vocab = Vocabulary.build(sentences, min_count=cfg.min_count, max_size=cfg.max_vocab_size)
        self._check_memory(len(vocab), nonzeros=0)
        started = time.perf_counter()
        encoded = [vocab.encode(s) for s in sentences]  # [(n_s,) int32]
        require_neighbours(map(len, encoded), "give sentences of two words or more, or lower min_count")
        if cfg.sample > 0:  # as word2vec, before the windows, so they reach over the dropped words
            keep = vocab.keep_probabilities(cfg.sample)  # (V,) float64
            rng = np.random.default_rng(cfg.seed + 1)  # seed + 1: seed's own stream starts the parameters
            encoded = [ids[rng.random(len(ids)) < keep[ids]] for ids in encoded]
            require_neighbours(map(len, encoded), f"after subsampling with sample={cfg.sample}; raise it or set 0")
        counts = cooccur.count(encoded, window=cfg.window, symmetric=cfg.symmetric,
                               distance_weighting=cfg.distance_weighting, vocab_size=len(vocab),
                               chunk_tokens=cfg.chunk_tokens)
        self.count_seconds = time.perf_counter() - started
        return self.fit_counts(*counts, vocab, callbacks=callbacks, progress=progress,
                               tokens=sum(len(ids) for ids in encoded))

    def fit_counts(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, vocab: Vocabulary | Sequence[str],
                   *, callbacks: Sequence[Callable] = (), progress: bool = False, tokens: int | None = None) -> GloVe:
        """Train on given co-occurrence triples X[rows[k], cols[k]] = values[k] > 0.

        vocab: a Vocabulary or the list of words (row i is words[i]). Each
        callback is called as callback(model, epoch) after every epoch (from 1).
        tokens: the size of the corpus counted, which sets x_max when the settings
        leave it None (100 from 1e9 tokens up, else 10; 10 when tokens is not given).
        """
        cfg = self.config
        if isinstance(vocab, (str, bytes)):
            raise TypeError(f"vocab must be a Vocabulary or a list of words, got the str {vocab!r:.40}")
        vocab = vocab if isinstance(vocab, Vocabulary) else Vocabulary(list(vocab), np.ones(len(vocab), np.int64))
        values = np.asarray(values, dtype=np.float64)  # (K,) float64
        if len(values) == 0:
            raise ValueError("there are no co-occurrences to train on: no sentence has two known words within "
                             "the window; give more text or lower min_count")
        if values.min() <= 0 or not np.isfinite(values).all():
            raise ValueError("co-occurrence values must be finite and > 0 (log X must exist); leave zeros out")
        if max(int(np.max(rows)), int(np.max(cols))) >= len(vocab):
            raise ValueError(f"a co-occurrence row or column is outside the {len(vocab)} words given; "
                             "pass the vocabulary the counts were made with")
        self._check_memory(len(vocab), nonzeros=len(values))
        V, D = len(vocab), cfg.vector_size
        self.vocab, self.counts = vocab, (rows, cols, values)
        rng = np.random.default_rng(cfg.seed)
        self.params = initial_parameters(V, D, rng)
        squared = Parameters(np.ones((V, D)), np.ones((V, D)), np.ones(V), np.ones(V))  # AdaGrad's sums start at 1
        self.x_max = cfg.x_max if cfg.x_max is not None else (100.0 if (tokens or 0) >= 1e9 else 10.0)
        log_x, weight = np.log(values), weighting(values, self.x_max, cfg.alpha)  # (K,) float64 each, once
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)  # (K,) int64 each
        order = rng.permutation(len(values))  # (K,) int64: shuffle.c's one shuffle

        def run_epoch(epoch: int, show) -> tuple[float, int]:
            nonlocal order
            if epoch > 0 and cfg.shuffle == "every epoch":
                order = rng.permutation(len(values))
            cost = train_epoch(self.params, squared, rows[order], cols[order], log_x[order], weight[order],
                               batch_size=cfg.batch_size, learning_rate=cfg.learning_rate)
            if show is not None:
                show(1.0, len(values), cost / len(values), cfg.learning_rate)
            return cost / len(values), len(values)

        self.run_epochs(run_epoch, callbacks=callbacks, progress=progress)
        return self

    def vectors(self, output: str | None = None) -> Vectors:
        """The word vectors: "word+context" (W + W~), "word" (W), "context" (W~), or "concat"
        ([W, b, W~, b~], glove.c's -model 0 layout, (V, 2 D + 2))."""
        if self.params is None:
            raise RuntimeError("the model is not trained; call fit(sentences) first")
        output = self.config.output if output is None else output
        require(output in OUTPUTS, f"output must be one of {OUTPUTS}, got {output!r}")
        p = self.params
        tables = {"word+context": lambda: p.W + p.W_context, "word": lambda: p.W, "context": lambda: p.W_context,
                  "concat": lambda: np.hstack([p.W, p.b[:, None], p.W_context, p.b_context[:, None]])}  # (V, 2D + 2)
        return Vectors(self.vocab.words, tables[output]())  # (V, D) but for concat

    def _check_memory(self, vocab_size: int, nonzeros: int) -> None:
        parameter_bytes = 2 * 8 * (2 * vocab_size * self.config.vector_size + 2 * vocab_size)  # params + AdaGrad sums
        nonzero_bytes = 88 * nonzeros  # the triples (16), int64 ids, log X, f(X) (40) and their shuffled copy (32)
        what = f"{nonzeros:,} non-zeros and " if nonzeros else ""
        require_memory(parameter_bytes + nonzero_bytes, self.config.memory_limit,
                       f"{what}{vocab_size:,} words x {self.config.vector_size} dimensions (W, W~, b, b~ and their "
                       "AdaGrad sums, float64)", "keep fewer words (raise min_count or set max_vocab_size), lower "
                       "vector_size or the window")

    # -- the life cycle's hooks

    def trained_arrays(self) -> list[np.ndarray]:
        return [] if self.params is None else list(vars(self.params).values())

    def forget(self) -> None:
        self.params = None

    def divergence_advice(self) -> str:
        rate = self.config.learning_rate
        return f"at learning_rate={rate}; lower it, e.g. learning_rate={rate / 10:g}"


def train(sentences: Iterable[Sequence[str]], *, vector_size: int = 50, window: int = 10, x_max: float | None = None,
          alpha: float = 0.75, epochs: int = 25, learning_rate: float = 0.05, min_count: int = 5, seed: int = 0,
          callbacks: Sequence[Callable] = (), progress: bool = False, **params) -> Vectors:
    """Train GloVe on `sentences` (lists of tokens) and return W + W~ as Vectors.

    Defaults are glove.c's (vector_size 50, 25 epochs, learning rate 0.05,
    alpha 0.75) with the paper's window of 10, and x_max scaled to the corpus
    (see GloVeConfig: 100 from a billion tokens up, else 10); `params` takes the
    rest of GloVeConfig (batch_size, output, symmetric, max_vocab_size, ...).
    For the cost per epoch, use GloVe(...).fit(sentences).costs, or a callback.
    """
    model = GloVe(vector_size=vector_size, window=window, x_max=x_max, alpha=alpha, epochs=epochs,
                  learning_rate=learning_rate, min_count=min_count, seed=seed, **params)
    return model.fit(sentences, callbacks=callbacks, progress=progress).wv
