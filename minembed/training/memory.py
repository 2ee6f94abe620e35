"""Freed memory kept for the next minibatch: glibc's malloc thresholds, raised once training starts.

An optimisation outside the algorithms, and only a speed one (the numbers trained are the same).
A NumPy minibatch step builds its temporaries afresh and frees them when it ends: skip-gram's
gather of output rows alone is (1024, 1 + K, D) float32, 2.4 MB. glibc's malloc hands blocks
above a threshold back to the kernel when they are freed (through munmap, or by trimming the top
of its heap), so the next step's arrays land on fresh pages that the kernel must zero on first
touch. glibc raises that threshold by itself as it sees large blocks freed, but a training step's
sizes keep changing and the heap keeps being trimmed: one epoch of skip-gram on the Wikipedia
sample, in a fresh process, ran at 96-103k words/s as glibc left it and at 156-163k words/s with
the two thresholds below (``python -m benchmarks.bench_word2vec --corpus wiki`` measures it).
The C tool and gensim never meet this: they allocate their few buffers once and work in place.

    M_MMAP_THRESHOLD  blocks at least this large get their own mapping, returned on free:
                      32 MB (glibc's largest), so a step's arrays come from the heap
    M_TRIM_THRESHOLD  the free top of the heap is returned beyond this: 64 MB, above
                      what one step of any model here frees (the benchmarks' peaks are
                      below 25 MB for word2vec and 100 MB for fastText, counting W, C
                      and the n-gram rows, which stay allocated)

Setting either turns glibc's own adjustment off for the rest of the process, so the process keeps
up to 64 MB of freed memory for reuse instead of returning it. Elsewhere than Linux with glibc
(macOS, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["keep_freed_memory"]

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's <malloc.h>
MMAP_THRESHOLD = 32 << 20  # bytes: glibc's largest (HEAP_MAX_SIZE / 2 on 64-bit)
TRIM_THRESHOLD = 64 << 20  # bytes

_kept = False


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (once per process); True where they are now raised."""
    global _kept
    if _kept or not sys.platform.startswith("linux"):
        return _kept
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):  # no mallopt: not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _kept = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return _kept
