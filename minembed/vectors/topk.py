"""Exact cosine similarity with top-k selection: the one question every model answers.

``most_similar``, analogies and semantic search all reduce to the same step:
given a table of N row vectors and Q query vectors, return for every query the
k rows with the highest cosine similarity, best first.

    cos(row, q) = (row . q) / (|row| |q|)

Read :func:`topk_cosine_numpy` first: it is the definition, in a dozen lines of
NumPy. :func:`topk_cosine` gives the identical answer through the compiled
kernel in ``csrc/topk.pyx`` (``minembed._topk``), which never builds the whole
(Q, N) score matrix: it scores one tile of rows at a time and keeps a running
top-k per query, so memory stays O(tile) however large the table.

The arithmetic both backends share (so that they agree to the last bit
wherever the sums are exact, e.g. small-integer tables, and within float32
rounding elsewhere):

    inverse_norm = float32(1 / sqrt(sum of squares)), 0 for a zero row
    score        = float32((dot(row, q) * inverse_norm(row)) * inverse_norm(q))

The reference sums squares in float64; the kernel sums them in float32 while
the row is in cache. The two sums can differ by a float32 rounding, never more.
A zero vector therefore scores 0 against everything, never NaN. Ties are broken
by the lower row index, so results are deterministic.

float32's range: a row or query whose sum of squares leaves [1e-30, 1e30]
(entries beyond about 1e15 or below about 1e-15) would overflow the float32 dot
to inf or underflow it to 0. Both backends first multiply such a vector by the
power of two that brings its largest entry into [0.5, 1)
(:func:`power_of_two_scaled`). That is exact - only the exponents change - and
a cosine does not depend on length, so the score is the one the formula above
gives wherever float32 can hold the intermediate values, and stays right
from the smallest subnormal to float32's largest number.

``BACKEND`` says which implementation :func:`topk_cosine` runs:
``"cython+openmp"``, ``"cython"`` (built without OpenMP) or ``"numpy"`` (the
extension is missing; a warning says how to build it). Setting the environment
variable ``MINEMBED_BACKEND=numpy`` forces the reference.

Leaves out: approximate search (IVF, HNSW, product quantisation) - everything
here is exact; inner-product or Euclidean metrics.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from typing import Iterable, Sequence

import numpy as np
import threadpoolctl

from minembed.vectors.topk_inputs import (
    as_float32_matrix, checked_row_inverse, flatten_exclusions, non_finite_row_error, validate,
)

Exclusions = Sequence[Iterable[int]]  # for each query, the row ids it must not return

__all__ = [
    "BACKEND", "topk_cosine", "topk_cosine_numpy", "inverse_norms", "select_topk", "cosine_scores",
    "power_of_two_scaled", "unit_rows",
]

SAFE_INVERSE = (1e-15, 1e15)  # 1/|v| for sums of squares in [1e-30, 1e30]: the float32 arithmetic stays exact
FLOAT32_MAX = float(np.finfo(np.float32).max)

try:
    from minembed import _topk
except ImportError:  # pragma: no cover - exercised by the fallback test in a subprocess
    _topk = None

if os.environ.get("MINEMBED_BACKEND", "").lower() == "numpy":
    BACKEND = "numpy"
elif _topk is None:
    BACKEND = "numpy"
    warnings.warn(
        "minembed._topk (the compiled top-k kernel) is not built, so minembed falls "
        "back to the NumPy reference, which is slower. Build it with "
        "`pip install -e .` (needs a C compiler, Cython>=3 and scipy).",
        RuntimeWarning,
        stacklevel=2,
    )
else:
    BACKEND = "cython+openmp" if _topk.OPENMP else "cython"


# --------------------------------------------------------------------------- #
# The reference: read this first.
# --------------------------------------------------------------------------- #

def inverse_norms(matrix: np.ndarray) -> np.ndarray:
    """1 / L2 norm of each row, float32; 0 for a zero row (so it scores 0, not NaN).

    The sum of squares is taken in float64 (exact products, no overflow for any
    finite float32), then rounded once to float32. A row shorter than about
    3e-39, whose 1/|row| float32 cannot hold, gets float32's largest number;
    the top-k functions rescale such rows (see the module docstring).

    >>> inverse_norms(np.array([[3, 4], [0, 0]], dtype=np.float32))
    array([0.2, 0. ], dtype=float32)
    """
    sum_of_squares = np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64)  # (N,) float64
    with np.errstate(divide="ignore"):
        inverse = np.where(sum_of_squares > 0, 1.0 / np.sqrt(sum_of_squares), 0.0)
    return np.minimum(inverse, FLOAT32_MAX).astype(np.float32)  # (N,) float32


def power_of_two_scaled(rows: np.ndarray) -> np.ndarray:
    """Each row times the power of two that brings its largest |entry| into [0.5, 1), float32.

    Exact for every entry that stays a normal float32 (only the exponent
    changes), and the cosine of a row does not depend on its length: this is
    how rows and queries outside [1e-30, 1e30] in sum of squares are scored.
    A zero row stays zero.

    >>> power_of_two_scaled(np.array([[3e30, -1e30], [0, 0]], dtype=np.float32))  # 3e30 = 0.5916 * 2**102
    array([[ 0.5916...,  -0.1972...],
           [ 0.        ,  0.        ]], dtype=float32)
    """
    rows = np.asarray(rows, dtype=np.float32)  # (R, D) float32
    _, exponent = np.frexp(np.abs(rows).max(axis=1, initial=0.0))  # (R,): peak = m 2^e with m in [0.5, 1)
    return np.ldexp(rows, -exponent[:, None]).astype(np.float32)  # (R, D) float32


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its length, (N, D) float32 (zero rows stay zero), exact to float32
    rounding across float32's whole range (rows are rescaled by a power of two first).

    >>> unit_rows(np.array([[3e-40, 4e-40], [0, 0]], dtype=np.float32))
    array([[0.6, 0.8],
           [0. , 0. ]], dtype=float32)
    """
    scaled = power_of_two_scaled(np.atleast_2d(matrix))  # (N, D) float32
    return scaled * inverse_norms(scaled)[:, None]


def _in_range(row_inverse: np.ndarray) -> np.ndarray:
    """Rows whose 1/|row| lies in SAFE_INVERSE: their float32 dots and norms neither overflow nor underflow."""
    return (row_inverse >= SAFE_INVERSE[0]) & (row_inverse <= SAFE_INVERSE[1])  # (N,) bool


def _rescaled_table(table: np.ndarray, row_inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The table and its inverse norms with every row outside the safe range replaced by its
    power-of-two rescaling (copies, made only when there is such a row). (N, D), (N,) float32."""
    redo = np.flatnonzero(~_in_range(row_inverse))  # (R,) rows too long or too short for float32 dots
    if redo.size == 0:
        return table, row_inverse
    table, row_inverse = table.copy(), row_inverse.copy()
    table[redo] = power_of_two_scaled(table[redo])
    row_inverse[redo] = inverse_norms(table[redo])
    return table, row_inverse


def _scaled_queries(queries: np.ndarray) -> np.ndarray:
    """Queries outside the safe range rescaled by a power of two (a copy; the others untouched)."""
    redo = np.flatnonzero(~_in_range(inverse_norms(queries)) & queries.any(axis=1))  # zero queries stay zero
    if redo.size == 0:
        return queries
    queries = queries.copy()
    queries[redo] = power_of_two_scaled(queries[redo])
    return queries


def topk_cosine_numpy(
    table: np.ndarray, queries: np.ndarray, k: int, exclude: Exclusions | None = None, *,
    row_inverse_norms: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine top-k in plain NumPy: the definition the kernel must match.

    Returns ``(indices, scores)``, int64 and float32 arrays of shape (Q, k),
    best first, ties broken by the lower row index. ``k`` larger than the table
    is clipped to N. ``exclude[q]`` lists row ids query q must not return (the
    query words themselves in ``most_similar``); where exclusions leave fewer
    than k rows, the missing slots hold index -1 and score -inf.

    >>> table = np.array([[1, 0], [0, 1], [1, 1], [2, 0]], dtype=np.float32)
    >>> topk_cosine_numpy(table, np.array([1, 0], dtype=np.float32), k=3)[0]
    array([[0, 3, 2]])
    """
    table, queries, k, exclude_lists = validate(table, queries, k, exclude)
    queries = _scaled_queries(queries)  # queries beyond float32's safe range rescaled
    indices = np.full((len(queries), k), -1, dtype=np.int64)  # (Q, k) int64
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)  # (Q, k) float32
    if np.any(~np.isfinite(table)):
        bad = int(np.flatnonzero(~np.isfinite(table).all(axis=1))[0])
        raise non_finite_row_error(bad)
    if row_inverse_norms is None:
        row_inverse = inverse_norms(table)  # (N,) float32
    else:
        row_inverse = checked_row_inverse(row_inverse_norms, len(table))
    query_inverse = inverse_norms(queries)  # (Q,) float32
    table, row_inverse = _rescaled_table(table, row_inverse)  # rows beyond float32's safe range rescaled

    for start in range(0, len(queries), 1024):  # blocks of queries bound memory
        block = slice(start, start + 1024)
        dots = queries[block] @ table.T  # (B, N) float32
        block_scores = (dots * row_inverse[None, :]) * query_inverse[block, None]  # (B, N)
        for offset, row_scores in enumerate(block_scores):
            q = start + offset
            best, best_scores = select_topk(row_scores, k, exclude_lists[q])
            indices[q, : len(best)] = best
            scores[q, : len(best)] = best_scores
    return indices, scores


def select_topk(
    scores: np.ndarray, k: int, exclude: Iterable[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The k best entries of a score vector, best first, ties by the lower index.

    Returns (ids, scores) of length min(k, number of ids not excluded).

    >>> select_topk(np.array([0.5, 0.9, 0.5, 0.1], dtype=np.float32), k=3, exclude=[1])
    (array([0, 2, 3]), array([0.5, 0.5, 0.1], dtype=float32))
    """
    allowed = np.ones(len(scores), dtype=bool)  # (N,) bool
    allowed[np.asarray(list(exclude) if not isinstance(exclude, np.ndarray) else exclude, dtype=np.int64)] = False
    candidates = np.flatnonzero(allowed)  # ids still in play, ascending
    candidate_scores = scores[candidates]
    take = min(k, len(candidates))
    if take == 0:
        return candidates[:0], candidate_scores[:0]
    # The take-th best score; every candidate scoring at least that much (ties
    # included) is sorted by -score, and a stable sort keeps ascending ids
    # among equal scores.
    threshold = np.partition(candidate_scores, len(candidates) - take)[len(candidates) - take]
    finalists = np.flatnonzero(candidate_scores >= threshold)
    order = finalists[np.argsort(-candidate_scores[finalists], kind="stable")][:take]
    return candidates[order], candidate_scores[order]


def cosine_scores(
    table: np.ndarray, queries: np.ndarray, row_inverse: np.ndarray | None = None
) -> np.ndarray:
    """Every cosine, (Q, N) float32, in the kernel's arithmetic (for 3CosMul,
    which needs all of them rather than the top k). ``row_inverse`` may pass
    the table's cached :func:`inverse_norms`."""
    table = as_float32_matrix(table, "table", (2,))
    queries = _scaled_queries(np.atleast_2d(as_float32_matrix(queries, "queries", (1, 2))))  # (Q, D)
    if row_inverse is None:
        row_inverse = inverse_norms(table)  # (N,) float32
    table, row_inverse = _rescaled_table(table, row_inverse)  # (N, D), (N,) float32
    dots = queries @ table.T  # (Q, N) float32
    return (dots * row_inverse[None, :]) * inverse_norms(queries)[:, None]


# --------------------------------------------------------------------------- #
# The fast path: validation here, the loop in csrc/topk.pyx.
# --------------------------------------------------------------------------- #

def topk_cosine(
    table: np.ndarray, queries: np.ndarray, k: int, exclude: Exclusions | None = None, *,
    row_inverse_norms: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine top-k through the compiled kernel; same contract as
    :func:`topk_cosine_numpy` (which it falls back to when ``BACKEND == "numpy"``).

    table:   (N, D) floating array, converted to contiguous float32.
    queries: (Q, D) or (D,) floating array; a single query gives Q = 1.
    k:       how many rows per query, >= 1 (clipped to N).
    exclude: None, or for each query an iterable of row ids to skip
             (for a single 1-D query, one iterable of ids is also accepted).
    row_inverse_norms: optional (N,) float32 ``inverse_norms(table)``, cached
             by the caller (``Vectors`` does); saves recomputing the norms.

    Returns ``(indices int64 (Q, k), scores float32 (Q, k))``.
    """
    if BACKEND == "numpy":
        return topk_cosine_numpy(table, queries, k, exclude, row_inverse_norms=row_inverse_norms)
    table, queries, k, exclude_lists = validate(table, queries, k, exclude)
    queries = _scaled_queries(queries)  # queries beyond float32's safe range rescaled
    if row_inverse_norms is None:
        known_row_inverse = np.empty(0, dtype=np.float32)  # the kernel computes them
    else:
        known_row_inverse = checked_row_inverse(row_inverse_norms, len(table))
    exclude_offsets, exclude_ids = flatten_exclusions(exclude_lists)
    exclude_ids = np.append(exclude_ids, -1)  # never empty: the kernel takes &ids[0]
    query_inverse = inverse_norms(queries)  # (Q,) float32
    indices = np.empty((len(queries), k), dtype=np.int64)  # (Q, k) int64
    scores = np.empty((len(queries), k), dtype=np.float32)  # (Q, k) float32
    with _one_blas_thread(len(queries) > _topk.MAX_SCAN_QUERIES):
        bad_row = _topk.topk_cosine(
            table, queries, query_inverse, known_row_inverse,
            exclude_offsets, exclude_ids, indices, scores,
        )
    if bad_row >= 0:
        raise non_finite_row_error(bad_row)
    return indices, scores


@contextlib.contextmanager
def _one_blas_thread(batch: bool):
    """For batches the kernel's own threads each call sgemm; BLAS must not
    start threads of its own inside them (2 x 2 threads on 2 cores).

    The limit is process-wide, so calls from several Python threads share
    one: the first batch call to enter sets it, the last to leave restores
    it. (A limit set and restored per call let one call's exit lift the
    limit while another call's sgemm still ran.)"""
    global _blas_limiter, _blas_users
    if not batch:
        yield
        return
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = _blas_libraries().limit(limits=1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def _blas_libraries():
    """threadpoolctl's controller of the loaded BLAS libraries (their ``num_threads`` read live), made
    at first use: scanning the loaded libraries costs ~1 ms. Shared with the encoder's thread split."""
    global _blas_controller
    if _blas_controller is None:
        _blas_controller = threadpoolctl.ThreadpoolController().select(user_api="blas")
    return _blas_controller


_blas_controller = None
_blas_limiter = None  # the limit in force while _blas_users > 0 batch calls run
_blas_users = 0
_blas_lock = threading.Lock()
