"""The one-line progress report of long training runs (word2vec, fastText, GloVe)."""

from __future__ import annotations

import sys
import time

__all__ = ["ProgressBar"]


class ProgressBar:
    """A one-line progress report on stderr: epoch, percent, items/s, loss, learning rate.

    word2vec and fastText count effective words and report their loss; GloVe counts
    non-zeros (`unit="non-zeros"`) and reports glove.c's cost (`loss_name="cost"`).
    """

    def __init__(self, epochs: int, every: float = 0.5, unit: str = "words", loss_name: str = "loss") -> None:
        self.epochs, self.every, self.unit, self.loss_name = epochs, every, unit, loss_name
        self.started = self.shown = time.perf_counter()
        self.words_before = 0  # items of the finished epochs
        self.epoch_words = 0  # items of the current epoch so far
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
        sys.stderr.write(f"\repoch {epoch + 1}/{self.epochs} {100 * fraction:5.1f}%  {rate:,.0f} {self.unit}/s  "
                         f"{self.loss_name} {loss:.4f}  lr {lr:.5f}   ")
        sys.stderr.flush()

    def close(self, rate: float, loss: float) -> None:
        sys.stderr.write(f"\rdone: {rate:,.0f} {self.unit}/s, final epoch {self.loss_name} {loss:.4f}"
                         + " " * 30 + "\n")
        sys.stderr.flush()
