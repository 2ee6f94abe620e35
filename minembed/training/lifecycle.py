"""The life of a trained model, written once for word2vec, fastText and GloVe.

    model = Word2Vec(vector_size=50, seed=0)     settings checked here, before any work
    model.fit(sentences, callbacks=[...], progress=True)
        for each epoch:   one pass over the data (the model's own `run_epoch`)
                          -> stop with a clear error if the loss or the vectors
                             became NaN or infinite (never hand out NaN vectors)
                          -> record the loss, items seen and seconds
                          -> call each callback(model, epoch) (epoch from 1)
    model.wv                                     the `Vectors` table; an error before fit

A model class names its settings dataclass (`Settings`) and supplies three
things: `trained_arrays()` (what must stay finite), `vectors()` (the table it
returns) and `divergence_advice()` (which setting to change when it diverges).
"""

from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import numpy as np

from minembed.training.progress import ProgressBar
from minembed.training.settings import settings_from
from minembed.vectors import Vectors

__all__ = ["TrainedModel", "TrainingDiverged"]


class TrainingDiverged(FloatingPointError):
    """The loss or the vectors became NaN or infinite; the message names the epoch and what to lower."""


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
        bar = ProgressBar(self.config.epochs, unit=self.unit, loss_name=self.loss_name) if progress else None
        self.losses, self.epoch_items, self.epoch_seconds = [], [], []
        try:
            self._epochs(run_epoch, callbacks, bar)
        finally:
            if bar is not None:
                bar.close()

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
