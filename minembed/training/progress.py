"""The progress report of long training runs (word2vec, fastText, GloVe), through tqdm.

On a terminal: one live bar over all epochs, with items/s, the loss so far and
the learning rate. In a log (stderr is not a terminal): no bar, which would
redraw itself with carriage returns into one endless line, but one line per
epoch, written when the epoch ends. The bar is tqdm's, the ecosystem's
progress bar; minembed only says what to show.
"""

from __future__ import annotations

import sys

from tqdm import tqdm

__all__ = ["ProgressBar"]


class ProgressBar:
    """Progress over `epochs` epochs, counted in epochs (a float: 2.5 is half-way through the third).

        update(epoch, fraction, items, loss, lr)    during an epoch (epoch from 0; items done so far in it)
        epoch_done(epoch, items, loss, seconds)     after it: the log line when stderr is not a terminal
        close()

    word2vec and fastText count effective words and report their loss; GloVe counts
    non-zeros (`unit="non-zeros"`) and reports glove.c's cost (`loss_name="cost"`).
    """

    def __init__(self, epochs: int, unit: str = "words", loss_name: str = "loss") -> None:
        self.epochs, self.unit, self.loss_name = epochs, unit, loss_name
        self.live = sys.stderr.isatty()
        self.bar = tqdm(total=epochs, unit="epoch", file=sys.stderr, disable=not self.live, dynamic_ncols=True,
                        bar_format="{l_bar}{bar}| {n:.2f}/{total} epochs [{elapsed}<{remaining}{postfix}]")

    def update(self, epoch: int, fraction: float, items: int, loss: float, lr: float) -> None:
        if not self.live:
            return
        self.bar.n = epoch + fraction
        self.bar.set_postfix_str(f"{self.loss_name} {loss:.4f}, lr {lr:.5f}", refresh=False)
        self.bar.refresh()

    def epoch_done(self, epoch: int, items: int, loss: float, seconds: float) -> None:
        rate = items / seconds if seconds > 0 else 0.0
        if self.live:
            self.bar.n = epoch + 1
            self.bar.set_postfix_str(f"{self.loss_name} {loss:.4f}, {rate:,.0f} {self.unit}/s", refresh=True)
        else:
            print(f"epoch {epoch + 1}/{self.epochs}: {rate:,.0f} {self.unit}/s, {self.loss_name} {loss:.4f}",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        self.bar.close()
