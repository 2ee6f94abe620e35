"""The life of a trained model, written once for word2vec, fastText and GloVe.

    model = Word2Vec(vector_size=50, seed=0)     settings checked here, before any work
    model.fit(sentences, callbacks=[...], progress=True)
        for each epoch:   one pass over the data (the model's own `run_epoch`)
                          -> stop with a clear error if the loss or the vectors
                             became NaN or infinite (never hand out NaN vectors)
                          -> record the loss, items seen and seconds
                          -> call each callback(model, epoch) (epoch from 1)
        after the last:   warn (CollapsedVectors) if the word vectors all point
                          nearly one way, as too little training leaves them
    model.wv                                     the `Vectors` table; an error before fit

A model class names its settings dataclass (`Settings`) and supplies three
things: `trained_arrays()` (what must stay finite), `vectors()` (the table it
returns) and `divergence_advice()` (which setting to change when it diverges).
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from typing import Callable, Sequence

import numpy as np

from minembed.training.memory import keep_freed_memory
from minembed.training.progress import ProgressBar
from minembed.training.settings import settings_from
from minembed.vectors import Vectors

__all__ = ["CollapsedVectors", "TrainedModel", "TrainingDiverged", "mean_pair_cosine"]


class TrainingDiverged(FloatingPointError):
    """The loss or the vectors became NaN or infinite; the message names the epoch and what to lower."""


class CollapsedVectors(UserWarning):
    """The trained word vectors nearly all point one way: training was too short for the corpus."""


COLLAPSED_COSINE = 0.9  # mean cosine of random word pairs above which the table is reported collapsed.
# Measured: skip-gram on the lee corpus (58k tokens) after 5 epochs 0.97 (every neighbour scores 0.998),
# after 20 epochs 0.32, after 40 0.17; GloVe 6B 50d and skip-gram on the Wikipedia sample stay below 0.4.


def _outside_minembed() -> int:
    """The stacklevel of the first caller outside the minembed package (the user's fit() line)."""
    frame, level = sys._getframe(2), 2  # frame 1 (level 1) calls warnings.warn; frame 2 is its caller
    while frame is not None and frame.f_globals.get("__name__", "").startswith("minembed"):
        frame, level = frame.f_back, level + 1
    return level


def mean_pair_cosine(vectors: np.ndarray, pairs: int = 2000) -> float:
    """Mean cosine of `pairs` random pairs of rows of vectors (V, D) (a fixed seed: the same answer each
    call); near 0 for a table whose words point many ways, near 1 when they all point one way.

    >>> round(mean_pair_cosine(np.array([[1.0, 0.0], [2.0, 0.1], [3.0, -0.1]])), 2)
    1.0
    """
    rng = np.random.default_rng(0)  # its own generator: the model's random stream is not touched
    first, second = rng.integers(0, len(vectors), (2, pairs))  # (pairs,) each
    first, second = first[first != second], second[first != second]
    a, b = vectors[first].astype(np.float64), vectors[second].astype(np.float64)  # (n, D) each
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)  # (n,)
    keep = norms > 0
    return float(((a * b).sum(axis=1)[keep] / norms[keep]).mean()) if keep.any() else 0.0


# show(fraction of the epoch done, items done this epoch, mean loss so far, learning rate): the progress line
Show = Callable[[float, int, float, float], None]


class TrainedModel:
    """Settings, the epoch loop with its checks, the training record and `wv`, shared by every trained model.

        model.config            the settings dataclass, validated
        model.losses            the mean loss (GloVe: glove.c's cost) of each epoch
        model.epoch_items       items trained on in each epoch (effective words; GloVe: non-zeros)
        model.epoch_seconds     training seconds of each epoch
        model.items_per_second  all items / all seconds
    """

    Settings: type  # the settings dataclass of the model
    Diverged: type[FloatingPointError] = TrainingDiverged
    unit, loss_name = "words", "loss"  # what the progress line counts and reports

    def __init__(self, config=None, **params) -> None:
        self.config = settings_from(self.Settings, config, params)
        self.losses: list[float] = []
        self.epoch_items: list[int] = []
        self.epoch_seconds: list[float] = []

    # -- what each model supplies

    def trained_arrays(self) -> list[np.ndarray]:
        """The arrays training changes; [] before fit."""
        raise NotImplementedError

    def vectors(self) -> Vectors:
        """The word vectors as a `Vectors` table."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the trained arrays (after a divergence: never hand out NaN vectors)."""
        raise NotImplementedError

    def divergence_advice(self) -> str:
        """Where training diverged and which setting to change, e.g. "at learning rate 0.02; lower alpha"."""
        raise NotImplementedError

    # -- shared

    def run_epochs(self, run_epoch: Callable[[int, Show | None], tuple[float, int]], *,
                   callbacks: Sequence[Callable] = (), progress: bool = False) -> None:
        """Train for config.epochs epochs: run_epoch(epoch, show) makes one pass and returns
        (mean loss, items), returning early with a non-finite loss when one appears."""
        keep_freed_memory()  # a speed optimisation: each minibatch's temporaries reuse the last one's memory
        bar = ProgressBar(self.config.epochs, unit=self.unit, loss_name=self.loss_name) if progress else None
        self.losses, self.epoch_items, self.epoch_seconds = [], [], []
        try:
            self._epochs(run_epoch, callbacks, bar)
        finally:
            if bar is not None:
                bar.close()
        self._warn_if_collapsed()

    def _warn_if_collapsed(self) -> None:
        """Warn when the word rows (the first trained array) nearly all point one way."""
        words = self.trained_arrays()[0]  # (V, D): W, the word (input) vectors
        if len(words) < 3:
            return
        cosine = mean_pair_cosine(words)
        if cosine > COLLAPSED_COSINE:
            warnings.warn(
                f"the trained word vectors nearly all point one way (mean cosine {cosine:.2f} between random "
                f"pairs of words; a useful table sits near 0 to 0.4), so every word's neighbours will score "
                f"about {cosine:.2f}: too little training for this corpus. Raise epochs (now "
                f"{self.config.epochs}; on a corpus of about 60,000 tokens 40 worked) or use more text.",
                CollapsedVectors, stacklevel=_outside_minembed())  # at the line that called fit()

    def _epochs(self, run_epoch, callbacks, bar) -> None:
        """The epochs of run_epochs, which closes the progress bar however they end."""
        for epoch in range(self.config.epochs):
            show = (lambda *report, epoch=epoch: bar.update(epoch, *report)) if bar is not None else None
            started = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below, with a clearer message
                loss, items = run_epoch(epoch, show)
            if not math.isfinite(loss):
                self._diverged(epoch, f"the {self.loss_name} became {loss}")
            if not all(np.isfinite(array).all() for array in self.trained_arrays()):
                self._diverged(epoch, "the vectors hold NaN or inf")
            self.losses.append(loss)
            self.epoch_items.append(items)
            self.epoch_seconds.append(time.perf_counter() - started)
            if bar is not None:
                bar.epoch_done(epoch, items, loss, self.epoch_seconds[-1])
            for callback in callbacks:
                callback(self, epoch + 1)

    @property
    def items_per_second(self) -> float:
        seconds = sum(self.epoch_seconds)
        return sum(self.epoch_items) / seconds if seconds else 0.0

    @property
    def wv(self) -> Vectors:
        if not self.trained_arrays():
            raise RuntimeError("the model is not trained; call fit(sentences) first")
        return self.vectors()

    def _diverged(self, epoch: int, what: str):
        self.forget()
        raise self.Diverged(f"training diverged in epoch {epoch + 1} of {self.config.epochs}: {what} "
                            + self.divergence_advice())
