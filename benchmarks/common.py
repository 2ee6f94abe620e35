"""What the bench_* scripts (and experiments/) share: the corpora, the parity settings, timing, memory,
child processes and tables.

    >>> print(markdown_table(["system", "words/s"], [["minembed", "312,000"], ["gensim", "401,000"]]))
    | system   | words/s |
    |----------|---------|
    | minembed | 312,000 |
    | gensim   | 401,000 |

The machine is shared and noisy: a script compares minembed with its peers within one run, never
against a time measured in another. Tokenised corpora are cached as .npz files in
$MINEMBED_BENCH_CACHE (default /tmp/minembed-bench-cache; see minembed.data.datasets.cached_corpus).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent  # the checkout: children run `python -m` from here
CACHE_DIR = Path(os.environ.get("MINEMBED_BENCH_CACHE", "/tmp/minembed-bench-cache"))

# word2vec's parity hyperparameters: gensim 4's defaults with d = 100 (epochs are each script's own)
WORD2VEC = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, alpha=0.025, min_alpha=0.0001)
SUBWORDS = dict(min_n=3, max_n=6, bucket=2_000_000)  # fastText's character 3..6-grams in 2M buckets


def corpus(name: str) -> list[list[str]]:
    """A corpus of minembed.data.datasets.CORPORA ("wiki", "wordnet", "dictionary", ...), tokenised and cached.

    "wordnet" needs the Debian package wordnet-base, "dictionary" (WordNet glosses + GCIDE) also dict-gcide.
    """
    from minembed.data import datasets

    return datasets.cached_corpus(name, CACHE_DIR)


# ----------------------------------------------------------------------------- time


def timed(function: Callable, repeats: int = 1) -> tuple[object, float, float]:
    """(the last result, best wall seconds, best CPU seconds of this process) over `repeats` calls."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        best_wall, best_cpu = min(best_wall, time.perf_counter() - wall), min(best_cpu, time.process_time() - cpu)
    return result, best_wall, best_cpu


def best_time(function: Callable, repeats: int) -> float:
    """Best wall seconds of `repeats` calls, after one call that warms up (pages in the data, starts thread pools)."""
    function()
    return timed(function, repeats)[1]


# ----------------------------------------------------------------------------- memory


def resident_mb() -> float:
    """This process's resident set size, MB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakMemory:
    """Samples the resident set size in a thread every `every` seconds; stop() returns the highest
    seen above the size at the start, MB."""

    def __init__(self, every: float = 0.002) -> None:
        self.start = self.highest = resident_mb()
        self.every, self.running = every, True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            self.highest = max(self.highest, resident_mb())
            time.sleep(self.every)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        self.highest = max(self.highest, resident_mb())
        return self.highest - self.start


def traced_peak_mb(function: Callable) -> float:
    """Peak memory allocated during one call, MB, as tracemalloc sees it (NumPy and scipy report their arrays)."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------------------- child processes


def blas_threads(threads: int) -> dict[str, str]:
    """This process's environment with OpenBLAS, OpenMP and MKL limited to `threads` threads (for a child:
    the variables only act before NumPy loads its BLAS)."""
    return dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                MKL_NUM_THREADS=str(threads))


def run_child(module: str, arguments: list[str], environment: dict[str, str] | None = None) -> dict:
    """Run `python -m module arguments` from the checkout in a fresh process and return the JSON object
    it prints on its last line. A failed child raises RuntimeError with the end of its stderr."""
    done = subprocess.run([sys.executable, "-m", module, *arguments], cwd=ROOT, env=environment,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(arguments)} failed:\n{done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- tables


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table with padded columns: readable in a terminal and in experiments/RESULTS.md."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(f"{str(c):<{w}}" for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
