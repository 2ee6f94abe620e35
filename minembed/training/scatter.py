"""Adding a minibatch's updates into a table of rows: the one scatter every model uses.

A minibatch touches the same row many times (a frequent word is the context of
dozens of pairs, a noise word is drawn again and again). The update of a row is
then the *sum* of its contributions. The definition is one NumPy call:

    np.add.at(table, row_ids, coefficients[..., None] * vectors[:, None, :])

and `add_to_rows_plain` is exactly that. The trap it avoids is the obvious
`table[row_ids] += ...`: NumPy's fancy assignment is "last write wins", so a
repeated row keeps only one of its contributions and frequent words silently
lose most of their gradient.

`add_to_rows` computes the same sums fast (tests/test_scatter.py holds it to
the definition): the contributions form one sparse matrix M of shape (V, B),
column b holding coefficients[b, k] in row row_ids[b, k], and the update is
table += M @ vectors. scipy's CSC @ dense is one C loop over the nonzeros (an
axpy each), summing every row's contributions in the order of b as np.add.at
does; the (B, K, D) outer products are never built. `add_to_ragged_rows` is the
same with a different number of rows per vector (fastText: a word and its
n-grams). Both run scipy's C loop (`csc_matvecs`, Y += M @ X) straight into the
table; where that private function is missing they go through scipy's public
API on the distinct rows only (`_add_through_public_api`), which the tests also
hold to the definition.

    add_to_rows_plain   the definition (np.add.at)
    add_to_rows         (B, K) rows per minibatch: the same sums, fast
    add_to_ragged_rows  a CSC list of rows per vector
    sum_by_row          the summed contributions of each distinct row, for AdaGrad
    mix_rows            the transpose: sum over s of coefficients[s] table[rows[s]], for each vector's s
    distinct_rows       the distinct ids and where each id sits among them

Measured here on 21k contributions of 100 floats into a 42k-row table: the C
loop 3.4 ms, the public API ~10 ms, np.add.at ~9x slower than that. `mix_rows`
calls scipy's CSR loop (`csr_matvecs`) the same way: building a csr_matrix first
checks its arrays, which cost a fastText minibatch a sixth of its n-gram mean.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

try:  # the C loops behind scipy's CSC @ dense and CSR @ dense; private, but unchanged since scipy 0.7
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover
    _csc_matvecs = _csr_matvecs = None

__all__ = ["add_to_rows_plain", "add_to_rows", "add_to_ragged_rows", "sum_by_row", "mix_rows", "distinct_rows",
           "FAST_SCATTER"]

FAST_SCATTER = _csc_matvecs is not None  # False: the public-API path runs (tests switch it off to check it)


def add_to_rows_plain(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray) -> None:
    """The definition: table[row_ids[b, k]] += coefficients[b, k] * vectors[b], repeats summed.

    table (V, D), row_ids (B, K) int, coefficients (B, K), vectors (B, D).

    >>> table = np.zeros((3, 1))
    >>> add_to_rows_plain(table, np.array([[2], [2], [0]]), np.ones((3, 1)), np.array([[1.], [2.], [5.]]))
    >>> table.ravel().tolist()      # row 2 receives 1 + 2; a plain table[ids] += ... would give 2
    [5.0, 0.0, 3.0]
    """
    contributions = np.asarray(coefficients)[:, :, None] * np.asarray(vectors)[:, None, :]  # (B, K, D)
    np.add.at(table, row_ids, contributions.astype(table.dtype, copy=False))


def add_to_rows(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray) -> None:
    """`add_to_rows_plain`, computed as table += M @ vectors with M the (V, B) CSC matrix of the contributions.

    >>> table = np.zeros((3, 1), np.float32)
    >>> add_to_rows(table, np.array([[2], [2], [0]]), np.ones((3, 1), np.float32), np.array([[1.], [2.], [5.]]))
    >>> table.ravel().tolist()
    [5.0, 0.0, 3.0]
    """
    n_vectors, per_vector = row_ids.shape
    starts = np.arange(0, n_vectors * per_vector + 1, per_vector)  # (B + 1,): K rows per vector
    add_to_ragged_rows(table, row_ids.ravel(), starts, np.ravel(coefficients), vectors)


def add_to_ragged_rows(table: np.ndarray, rows: np.ndarray, starts: np.ndarray, coefficients: np.ndarray,
                       vectors: np.ndarray) -> None:
    """table[rows[s]] += coefficients[s] * vectors[u] for every s in starts[u]:starts[u + 1], repeats summed.

    table (R, D), rows (S,) int, starts (U + 1,) int, coefficients (S,), vectors (U, D): the CSC
    matrix M (R, U) has column u's nonzeros coefficients[starts[u]:starts[u + 1]] in rows
    rows[starts[u]:starts[u + 1]].

    >>> table = np.zeros((3, 1), np.float32)
    >>> add_to_ragged_rows(table, np.array([2, 2, 0]), np.array([0, 2, 3]), np.ones(3), np.array([[1.0], [5.0]]))
    >>> table.ravel().tolist()      # vector 0 goes to row 2 twice, vector 1 to row 0
    [5.0, 0.0, 2.0]
    """
    if not _c_loop_fits(table, rows):
        return _add_through_public_api(table, rows, starts, coefficients, vectors)
    _csc_matvecs(
        len(table), len(starts) - 1, table.shape[1],  # M is (R, U); D right-hand sides
        np.asarray(starts, dtype=np.int32),  # column pointers
        np.ascontiguousarray(rows, dtype=np.int32),  # row of each nonzero
        np.ascontiguousarray(coefficients, dtype=table.dtype),  # the nonzeros
        np.ascontiguousarray(vectors, dtype=table.dtype).ravel(),  # X (U, D)
        table.reshape(-1),  # Y (R, D), a view: updated in place
    )


def _c_loop_fits(table: np.ndarray, rows: np.ndarray) -> bool:
    """Whether scipy's C loops can run on these arrays in place: present, a C-contiguous table
    (updated or read through a flat view) and int32 indices."""
    return FAST_SCATTER and table.flags.c_contiguous and len(rows) < 2**31


def _add_through_public_api(table, rows, starts, coefficients, vectors) -> None:
    """The same sums through scipy's public API: M restricted to the Q distinct rows, (Q, U) @ (U, D),
    then each distinct row updated once (a fancy `+=` is safe without repeats)."""
    distinct, which = distinct_rows(np.asarray(rows), len(table))  # (Q,) int64, (S,) int32
    contributions = scipy.sparse.csc_matrix(
        (np.asarray(coefficients, dtype=table.dtype), which, starts), shape=(len(distinct), len(starts) - 1))  # (Q, U)
    table[distinct] += contributions @ np.asarray(vectors, dtype=table.dtype)  # (Q, D)


def sum_by_row(row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray, n_rows: int):
    """The distinct rows of `row_ids` (B,), each with the sum of its coefficients[b] * vectors[b]:
    the update a row receives, before an optimiser such as AdaGrad scales it per row.

    Returns rows (U,) int64 sorted, sums (U, D) and coefficient sums (U,).

    >>> rows, sums, weights = sum_by_row(np.array([2, 0, 2]), np.array([1.0, 1.0, 2.0]),
    ...                                  np.array([[1.0], [5.0], [3.0]]), n_rows=3)
    >>> rows.tolist(), sums.tolist(), weights.tolist()   # row 2: 1 * 1 + 2 * 3
    ([0, 2], [[5.0], [7.0]], [1.0, 3.0])
    """
    rows, which = distinct_rows(row_ids, n_rows)  # (U,) int64, (B,) int32
    sums = np.zeros((len(rows), vectors.shape[1]), dtype=vectors.dtype)  # (U, D)
    add_to_rows(sums, which[:, None], coefficients[:, None], vectors)
    return rows, sums, np.bincount(which, weights=coefficients, minlength=len(rows))


def mix_rows(table: np.ndarray, rows: np.ndarray, starts: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """sum over s in starts[u]:starts[u + 1] of coefficients[s] * table[rows[s]], for each u: (U, D).

    The transpose of `add_to_ragged_rows` (same arguments, without the vectors): a CSR
    matrix (U, R) with row u's nonzeros coefficients[starts[u]:starts[u + 1]] in columns
    rows[starts[u]:starts[u + 1]], times the table. scipy's C loop reads the table rows
    where they are, so the (S, D) array that gathering `table[rows]` first would build
    is never made. CBOW's mean context vector and fastText's mean of n-gram rows are this.

    >>> mix_rows(np.array([[1.0], [10.0]]), np.array([0, 1, 1]), np.array([0, 3]), np.array([1.0, 0.5, 0.5])).tolist()
    [[11.0]]
    """
    n_vectors = len(starts) - 1
    if not _c_loop_fits(table, rows):
        mixing = scipy.sparse.csr_matrix((np.asarray(coefficients, dtype=table.dtype), rows, starts),
                                         shape=(n_vectors, len(table)))  # (U, R)
        return mixing @ table  # (U, D)
    mixed = np.zeros((n_vectors, table.shape[1]), dtype=table.dtype)  # (U, D)
    _csr_matvecs(
        n_vectors, len(table), table.shape[1],  # M is (U, R); D right-hand sides
        np.asarray(starts, dtype=np.int32),  # row pointers
        np.ascontiguousarray(rows, dtype=np.int32),  # column of each nonzero
        np.ascontiguousarray(coefficients, dtype=table.dtype),  # the nonzeros
        table.reshape(-1),  # X (R, D)
        mixed.reshape(-1),  # Y (U, D): Y += M @ X
    )
    return mixed


def distinct_rows(row_ids: np.ndarray, n_rows: int):
    """The distinct ids, sorted, and each id's position among them, without sorting.

    >>> rows, which = distinct_rows(np.array([7, 3, 7]), 10)
    >>> rows.tolist(), which.tolist()
    ([3, 7], [1, 0, 1])
    """
    present = np.zeros(n_rows, dtype=bool)  # (V,) bool; np.zeros is lazily zeroed memory
    present[row_ids] = True
    rows = np.flatnonzero(present)  # (U,) int64
    position = np.empty(n_rows, dtype=np.int32)  # (V,) int32, only rows[] entries are read
    position[rows] = np.arange(len(rows), dtype=np.int32)
    return rows, position[row_ids]
