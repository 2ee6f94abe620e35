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
the row is in cache and redoes a row in float64 only when the float32 sum
leaves [1e-30, 1e30] (overflow, underflow, NaN). The two sums can differ by a
float32 rounding, never more.
A zero vector therefore scores 0 against everything, never NaN. Ties are broken
by the lower row index, so results are deterministic.

``BACKEND`` says which implementation :func:`topk_cosine` runs:
``"cython+openmp"``, ``"cython"`` (built without OpenMP) or ``"numpy"`` (the
extension is missing; a warning says how to build it). Setting the environment
variable ``MINEMBED_BACKEND=numpy`` forces the reference.

Leaves out: approximate search (IVF, HNSW, product quantisation) - everything
here is exact; inner-product or Euclidean metrics.
"""

from __future__ import annotations

import contextlib
import operator
import os
import threading
import warnings
from typing import Iterable, Sequence

import numpy as np
import threadpoolctl

Exclusions = Sequence[Iterable[int]]  # for each query, the row ids it must not return

__all__ = [
    "BACKEND", "topk_cosine", "topk_cosine_numpy", "inverse_norms", "select_topk", "cosine_scores",
]

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
    finite float32), then rounded once to float32.

    >>> inverse_norms(np.array([[3, 4], [0, 0]], dtype=np.float32))
    array([0.2, 0. ], dtype=float32)
    """
    sum_of_squares = np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64)  # (N,) float64
    with np.errstate(divide="ignore"):
        inverse = np.where(sum_of_squares > 0, 1.0 / np.sqrt(sum_of_squares), 0.0)
    return inverse.astype(np.float32)  # (N,) float32


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
    table, queries, k, exclude_lists = _validate(table, queries, k, exclude)
    indices = np.full((len(queries), k), -1, dtype=np.int64)  # (Q, k) int64
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)  # (Q, k) float32
    if np.any(~np.isfinite(table)):
        bad = int(np.flatnonzero(~np.isfinite(table).all(axis=1))[0])
        raise _non_finite_row_error(bad)
    if row_inverse_norms is None:
        row_inverse = inverse_norms(table)  # (N,) float32
    else:
        row_inverse = _checked_row_inverse(row_inverse_norms, len(table))
    query_inverse = inverse_norms(queries)  # (Q,) float32

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
    table = _as_float32_matrix(table, "table", (2,))
    queries = np.atleast_2d(_as_float32_matrix(queries, "queries", (1, 2)))  # (Q, D)
    if row_inverse is None:
        row_inverse = inverse_norms(table)  # (N,) float32
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
    table, queries, k, exclude_lists = _validate(table, queries, k, exclude)
    if row_inverse_norms is None:
        known_row_inverse = np.empty(0, dtype=np.float32)  # the kernel computes them
    else:
        known_row_inverse = _checked_row_inverse(row_inverse_norms, len(table))
    exclude_offsets, exclude_ids = _flatten(exclude_lists)
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
        raise _non_finite_row_error(bad_row)
    return indices, scores


@contextlib.contextmanager
def _one_blas_thread(batch: bool):
    """For batches the kernel's own threads each call sgemm; BLAS must not
    start threads of its own inside them (2 x 2 threads on 2 cores).

    The limit is process-wide, so calls from several Python threads share
    one: the first batch call to enter sets it, the last to leave restores
    it. (A limit set and restored per call let one call's exit lift the
    limit while another call's sgemm still ran.)"""
    global _blas_controller, _blas_limiter, _blas_users
    if not batch:
        yield
        return
    with _blas_lock:
        if _blas_controller is None:  # scanning the loaded libraries costs ~1 ms: once
            _blas_controller = threadpoolctl.ThreadpoolController().select(user_api="blas")
        if _blas_users == 0:
            _blas_limiter = _blas_controller.limit(limits=1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


_blas_controller = None
_blas_limiter = None  # the limit in force while _blas_users > 0 batch calls run
_blas_users = 0
_blas_lock = threading.Lock()


# --------------------------------------------------------------------------- #
# Input checks shared by both backends.
# --------------------------------------------------------------------------- #

def _as_float32_matrix(array, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype.kind != "f":
        raise ValueError(
            f"{name} has dtype {array.dtype}; topk_cosine needs floating-point "
            f"vectors. Convert with np.asarray({name}, dtype=np.float32)."
        )
    if array.ndim not in ndim:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, ndim))} dimensions, got shape "
            f"{array.shape}. Pass a (rows, dimension) matrix."
        )
    return np.ascontiguousarray(array, dtype=np.float32)


def _validate(table, queries, k, exclude):
    table = _as_float32_matrix(table, "table", (2,))  # (N, D) float32
    n_rows, dim = table.shape
    if n_rows == 0 or dim == 0:
        raise ValueError(
            f"table has shape {table.shape}; it needs at least one row and one "
            "column. Is the vocabulary empty?"
        )
    queries = _as_float32_matrix(queries, "queries", (1, 2))
    single = queries.ndim == 1
    if single:
        queries = queries[None, :]  # (1, D)
    if queries.shape[1] != dim:
        raise ValueError(
            f"queries have dimension {queries.shape[1]} but the table has "
            f"dimension {dim}; both must come from the same embedding."
        )
    if not np.isfinite(queries).all():
        bad = int(np.flatnonzero(~np.isfinite(queries).all(axis=1))[0])
        raise ValueError(f"query {bad} contains NaN or inf; fix or drop that query.")
    try:
        k = operator.index(k)
    except TypeError:
        raise ValueError(f"k must be a positive integer, got {k!r}.") from None
    if k <= 0 or isinstance(k, bool):
        raise ValueError(f"k must be a positive integer (how many rows to return), got {k}.")
    k = min(k, n_rows)

    n_queries = len(queries)
    if exclude is None:
        exclude_lists = [np.empty(0, dtype=np.int64)] * n_queries
    else:
        exclude = list(exclude)
        if single and (len(exclude) == 0 or np.ndim(exclude[0]) == 0):
            exclude = [exclude]  # one flat list of ids for the one query
        if len(exclude) != n_queries:
            raise ValueError(
                f"exclude has {len(exclude)} entries but there are {n_queries} "
                "queries; give one list of row ids per query."
            )
        exclude_lists = []
        for q, ids in enumerate(exclude):
            ids = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
            if ids.size and ids.dtype.kind not in "iu":
                raise ValueError(f"exclude[{q}] must hold integer row ids, got {ids.dtype}.")
            ids = ids.astype(np.int64).ravel()
            if ids.size and (ids.min() < 0 or ids.max() >= n_rows):
                raise ValueError(
                    f"exclude[{q}] has row id {int(ids[(ids < 0) | (ids >= n_rows)][0])} "
                    f"outside the table (0..{n_rows - 1})."
                )
            exclude_lists.append(ids)
    return table, queries, k, exclude_lists


def _checked_row_inverse(row_inverse_norms, n_rows: int) -> np.ndarray:
    row_inverse = np.ascontiguousarray(row_inverse_norms, dtype=np.float32)  # (N,) float32
    if row_inverse.shape != (n_rows,):
        raise ValueError(
            f"row_inverse_norms has shape {row_inverse.shape}; it must be ({n_rows},), "
            "one value per table row: pass inverse_norms(table)."
        )
    if not (np.isfinite(row_inverse).all() and (row_inverse >= 0).all()):
        raise ValueError("row_inverse_norms must be finite and >= 0: pass inverse_norms(table).")
    return row_inverse


def _flatten(exclude_lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged per-query lists -> CSR form: ids of query q are ids[offsets[q]:offsets[q+1]].

    >>> _flatten([np.array([4, 2]), np.array([], dtype=np.int64), np.array([7])])
    (array([0, 2, 2, 3]), array([4, 2, 7]))
    """
    lengths = np.fromiter((len(ids) for ids in exclude_lists), dtype=np.int64, count=len(exclude_lists))
    offsets = np.zeros(len(exclude_lists) + 1, dtype=np.int64)  # (Q + 1,) int64
    np.cumsum(lengths, out=offsets[1:])
    ids = np.concatenate(exclude_lists) if offsets[-1] else np.empty(0, dtype=np.int64)
    return offsets, np.ascontiguousarray(ids, dtype=np.int64)


def _non_finite_row_error(row: int) -> ValueError:
    return ValueError(
        f"table row {row} contains NaN or inf, so its cosine is undefined. "
        "Find such rows with np.flatnonzero(~np.isfinite(table).all(axis=1)) "
        "and fix or drop them (a diverged training run produces them)."
    )
