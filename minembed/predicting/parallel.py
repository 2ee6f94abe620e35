"""Training on several threads with the same bytes: a fixed schedule around the readable steps.

Not from a paper: the word2vec C tool and gensim run `workers` threads that
each train on their own part of the corpus and update W and C without locks
("Hogwild", Recht et al. 2011), so the same seed does not give the same
vectors twice. minembed promises the same seed, the same bytes, and keeps it
with two rules, both about *when* the step's own NumPy calls run, not what
they compute:

    pieces    a minibatch's examples are scored in pieces of `piece_rows` rows
              (`Workers.by_rows`), all from the same W and C, on the threads;
              each example's loss and gradients are the same numbers whichever
              piece it is in, and the pieces are put back in order
    updates   the summed updates are added afterwards (`Workers.together`):
              the input rows (W, fastText's n-gram rows) as one task, on the
              calling thread, and C's rows as another; with more than two threads
              C's rows are split into one range per remaining thread (`scatter_tasks`).
              No two tasks touch the same row, and every row receives its
              contributions in the minibatch's order, as the one-thread scatter adds them

So `workers=2` gives the bytes of `workers=1`, and `workers=1` the bytes of
the loop before this module existed (tests/test_workers.py holds all three to
that). Threads can help because NumPy and scipy's sparse kernels release the GIL
inside their loops; the Python between them runs one thread at a time.

Measured, not promised: on this project's 2-core machine two threads gain 10-30 % over one.
On the Wikipedia sample (`python -m benchmarks.bench_word2vec --corpus wiki --rounds 3`,
2026-12-07, medians of 3 rounds), against gensim's one worker: skip-gram 1.18x on two
threads and 1.03x on one, CBOW 1.21x and 1.08x, fastText 1.35x and 1.26x. On the dictionary
corpus (`--rounds 2`): skip-gram 1.21x and 0.99x (1.40x and 1.09x in a 3-round run of
skip-gram alone), CBOW 1.41x and 1.17x, fastText 1.14x and 1.00x. gensim's two workers
reached 1.3-2.0x its one; against them, minembed's two threads reach 0.64-0.93x on
skip-gram. A minibatch takes a few milliseconds; its gathers and scatters are bound by
memory, and the Python between the NumPy calls holds the GIL, so the loss in pieces runs
1.2-1.6x faster on two threads, and the noise draws and windows stay on one. Two threads
were faster than one in the medians of every run here, not in every round; on another
machine, time both.

Pieces help one thread too: a skip-gram minibatch of 1,024 centres on the
Wikipedia sample has ~6,100 pairs, whose gathered output rows (P, 1 + K, D)
float32 are 14.7 MB, larger than the caches; the products then read them from
main memory twice. In pieces of 1,024 pairs (2.5 MB) they stay in cache:
the loss and gradients took 27 % less time (benchmarks/bench_word2vec.py).

But: the noise words, the windows and the subsampling are drawn on the calling
thread, in the order one thread draws them (that is what keeps the bytes);
the C tool's walk (`c_tool_order=True`) and fastText's n-gram sums (`mix`) run
on one thread; no processes, no lock-free updates.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Callable

import numpy as np

from minembed.training.scatter import add_to_ragged_rows, add_to_rows

__all__ = ["Workers", "row_ranges", "scatter_tasks"]


class Workers:
    """`count` threads that run a minibatch's work in a fixed order; serial with count=1 or outside `with`.

        with Workers(2) as workers:
            loss, grad = workers.by_rows(score, w_in, outputs)     # the pieces on the threads, in order
            workers.together(*scatter_tasks(C, ...), update_W)     # tasks on disjoint rows, then wait

    >>> with Workers(2, piece_rows=2) as workers:
    ...     workers.by_rows(lambda a, b: (a * b, a.sum(axis=1)), np.arange(6.0)[:, None], np.ones((6, 1)))
    (array([[0.],
           [1.],
           [2.],
           [3.],
           [4.],
           [5.]]), array([0., 1., 2., 3., 4., 5.]))
    """

    def __init__(self, count: int = 1, piece_rows: int = 1024) -> None:
        self.count = count  # threads (the config's `workers`)
        self.piece_rows = piece_rows  # examples per piece: 1,024 pairs keep the (P, 1 + K, D) rows in cache
        self.pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Workers:
        if self.count > 1:  # the calling thread is one of the `count`: it runs a share itself (`run_all`)
            self.pool = ThreadPoolExecutor(max_workers=self.count - 1, thread_name_prefix="minembed-worker")
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    @property
    def output_parts(self) -> int:
        """The tasks C's scatter is cut into: the threads left once the input rows' update has one.

        On two threads C is one task. When it was cut into two row ranges beside the input rows'
        task (three tasks on two cores, each range scanning all the ids for its own), two threads
        ran a skip-gram step slower than one thread did (Wikipedia sample, 3 paired runs).
        """
        return max(self.count - 1, 1)

    def by_rows(self, function: Callable[..., tuple], *arrays: np.ndarray, piece_rows: int | None = None) -> tuple:
        """``function(*arrays)``, computed on pieces of at most ``piece_rows`` rows (axis 0; default
        self.piece_rows) and put back together.

        The pieces are of equal size, as many as a multiple of the threads: 1,500 rows on two threads
        are two pieces of 750, not 1,024 and 476, which would leave one thread waiting for the other.
        `function` must treat its rows independently (row b of each output depends only on row b of
        each input): then the result is, byte for byte, the one call's. Returns a tuple of arrays.
        """
        total, most = len(arrays[0]), max(piece_rows or self.piece_rows, 1)
        pieces = self.count * -(-total // (self.count * most))  # ceil, rounded up to a multiple of count
        rows = max(-(-total // max(pieces, 1)), 1)  # the equal share of each piece, <= most
        starts = range(0, total, rows)  # piece p holds rows starts[p] .. starts[p] + rows - 1
        if len(starts) <= 1:
            return tuple(function(*arrays))
        results = self.run_all([lambda start=start: function(*(a[start:start + rows] for a in arrays))
                                for start in starts])  # in order
        return tuple(np.concatenate(outputs) for outputs in zip(*results))

    def together(self, *tasks: Callable[[], None]) -> None:
        """Run the tasks (they must write disjoint memory) and wait for all; one after another when serial."""
        self.run_all(list(tasks))

    def run_all(self, jobs: list[Callable[[], object]]) -> list:
        """Every job's result, in the jobs' order. Serial: one after another. On the threads, thread k
        runs jobs k, k + n, ... one after another (n = count, or the number of jobs if fewer, so no
        thread is woken for nothing), and the calling thread is thread 0.

        One handoff per thread, not one per job: handing each of six 1,024-pair pieces to a pool thread
        (the calling thread waiting) took 1.4-1.7 ms, against 1.2-1.4 ms for two shares of three
        (6,144 pairs of random rows of a (30000, 100) C, the size of a skip-gram minibatch of the
        Wikipedia sample, timed alone); every handoff wakes a thread and passes the GIL.
        """
        if self.pool is None or len(jobs) <= 1:
            return [job() for job in jobs]
        threads = min(self.count, len(jobs))
        shares = [jobs[k::threads] for k in range(threads)]  # (threads,) non-empty lists of jobs
        run_share = lambda share: [job() for job in share]  # noqa: E731
        # each share in a copy of the caller's context: NumPy's errstate (training's over="ignore") too
        futures = [self.pool.submit(contextvars.copy_context().run, run_share, share) for share in shares[1:]]
        try:
            done = [run_share(shares[0])]
        finally:  # never return, or raise, while a thread still works on the caller's arrays
            wait(futures)
        done += [future.result() for future in futures]  # re-raises a thread's error here
        results = [None] * len(jobs)
        for k, share_results in enumerate(done):
            results[k::threads] = share_results
        return results


def row_ranges(row_ids: np.ndarray, n_rows: int, parts: int) -> np.ndarray:
    """Cut the table's rows 0..n_rows-1 into `parts` ranges that receive about as many contributions each.

    row_ids (...,) int -> bounds (parts + 1,) int64, rising from 0 to n_rows (a range may be empty).

    >>> row_ranges(np.array([0, 0, 0, 1, 2, 3]), 4, 2).tolist()   # row 0 takes half the contributions
    [0, 1, 4]
    """
    contributions = np.cumsum(np.bincount(np.ravel(row_ids), minlength=n_rows))  # (n_rows,) int64
    targets = contributions[-1] * np.arange(1, parts) / parts  # (parts - 1,) float64
    cuts = np.searchsorted(contributions, targets, side="left") + 1  # the row reaching each target ends a range
    return np.concatenate([[0], np.minimum(cuts, n_rows), [n_rows]]).astype(np.int64)


def scatter_tasks(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray,
                  parts: int) -> list[Callable[[], None]]:
    """`add_to_rows(table, row_ids, coefficients, vectors)` as `parts` tasks on disjoint row ranges.

    table (V, D), row_ids (B, K) int, coefficients (B, K), vectors (B, D). Task i adds the
    contributions whose row falls in range i of `row_ranges`, in the same order as the one
    call (b, then k), so every row gets the same sum, rounded the same way. parts=1: the one call.
    """
    if parts == 1:
        return [lambda: add_to_rows(table, row_ids, coefficients, vectors)]
    bounds = row_ranges(row_ids, len(table), parts)  # (parts + 1,)
    coefficients = np.broadcast_to(coefficients, row_ids.shape)  # (B, K)

    def task(low: int, high: int) -> Callable[[], None]:
        def add() -> None:
            mine = (row_ids >= low) & (row_ids < high)  # (B, K) bool, read row-major: b, then k
            starts = np.concatenate([[0], np.cumsum(mine.sum(axis=1))])  # (B + 1,) each vector's first
            add_to_ragged_rows(table, row_ids[mine], starts, coefficients[mine], vectors)
        return add

    return [task(int(low), int(high)) for low, high in zip(bounds[:-1], bounds[1:]) if high > low]
