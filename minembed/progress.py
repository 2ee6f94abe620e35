"""The one-line progress report of long training runs (word2vec, fastText, GloVe)."""

from __future__ import annotations

import sys
import time

__all__ = ["ProgressBar"]


class ProgressBar:
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
