"""Input checks for the top-k functions, shared by the kernel's wrapper and the NumPy reference.

Each check runs before any work and names what the caller passed (`table`,
`queries`, `k`, `exclude`, `row_inverse_norms`) with what to do about it; the
compiled kernel then trusts its input. Exclusions become the CSR arrays the
kernel reads (:func:`flatten_exclusions`).
"""

from __future__ import annotations

import numpy as np

from minembed.training.settings import whole_number

__all__ = ["as_float32_matrix", "validate", "checked_row_inverse", "flatten_exclusions", "non_finite_row_error"]


def as_float32_matrix(array, name: str, ndim: tuple[int, ...]) -> np.ndarray:
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


def validate(table, queries, k, exclude):
    table = as_float32_matrix(table, "table", (2,))  # (N, D) float32
    n_rows, dim = table.shape
    if n_rows == 0 or dim == 0:
        raise ValueError(
            f"table has shape {table.shape}; it needs at least one row and one "
            "column. Is the vocabulary empty?"
        )
    queries = as_float32_matrix(queries, "queries", (1, 2))
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
    k = min(whole_number("k", k, 1, "how many rows to return"), n_rows)

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


def checked_row_inverse(row_inverse_norms, n_rows: int) -> np.ndarray:
    row_inverse = np.ascontiguousarray(row_inverse_norms, dtype=np.float32)  # (N,) float32
    if row_inverse.shape != (n_rows,):
        raise ValueError(
            f"row_inverse_norms has shape {row_inverse.shape}; it must be ({n_rows},), "
            "one value per table row: pass inverse_norms(table)."
        )
    if not (np.isfinite(row_inverse).all() and (row_inverse >= 0).all()):
        raise ValueError("row_inverse_norms must be finite and >= 0: pass inverse_norms(table).")
    return row_inverse


def flatten_exclusions(exclude_lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged per-query lists -> CSR form: ids of query q are ids[offsets[q]:offsets[q+1]].

    >>> flatten_exclusions([np.array([4, 2]), np.array([], dtype=np.int64), np.array([7])])
    (array([0, 2, 2, 3]), array([4, 2, 7]))
    """
    lengths = np.fromiter((len(ids) for ids in exclude_lists), dtype=np.int64, count=len(exclude_lists))
    offsets = np.zeros(len(exclude_lists) + 1, dtype=np.int64)  # (Q + 1,) int64
    np.cumsum(lengths, out=offsets[1:])
    ids = np.concatenate(exclude_lists) if offsets[-1] else np.empty(0, dtype=np.int64)
    return offsets, np.ascontiguousarray(ids, dtype=np.int64)


def non_finite_row_error(row: int) -> ValueError:
    return ValueError(
        f"table row {row} contains NaN or inf, so its cosine is undefined. "
        "Find such rows with np.flatnonzero(~np.isfinite(table).all(axis=1)) "
        "and fix or drop them (a diverged training run produces them)."
    )
