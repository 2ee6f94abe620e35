"""minembed.training.scatter: the one row scatter, fast and public-API paths, held to its
definition (np.add.at), for every shape the models use.

Tolerances: float32 sums of up to ~120 terms of size ~1, added in the order of b by every
path, so the fast paths match np.add.at to float32 rounding (rtol 1e-5, atol 1e-5); the
float64 ones to 1e-13.
"""

import numpy as np
import pytest

from minembed.training import scatter
from minembed.training.scatter import (
    add_to_ragged_rows, add_to_rows, add_to_rows_plain, distinct_rows, mix_rows, sum_by_row,
)


@pytest.fixture(params=["fast", "public"])
def path(request, monkeypatch):
    """Run a test once through scipy's C loop and once through its public API."""
    if request.param == "public":
        monkeypatch.setattr(scatter, "FAST_SCATTER", False)
    return request.param


def test_add_to_rows_sums_repeated_rows_like_add_at(path):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 5, size=(200, 3))  # (B, K): only 5 distinct rows, so almost all repeat
    coefficients = rng.normal(size=(200, 3)).astype(np.float32)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    start = rng.normal(size=(10, 8)).astype(np.float32)
    ours, reference = start.copy(), start.copy()
    add_to_rows(ours, rows, coefficients, vectors)
    add_to_rows_plain(reference, rows, coefficients, vectors)
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)
    by_hand = start.copy()
    np.add.at(by_hand, rows.ravel(), (coefficients[:, :, None] * vectors[:, None, :]).reshape(-1, 8))
    np.testing.assert_allclose(reference, by_hand, rtol=1e-6)  # the definition is np.add.at
    naive = start.copy()
    naive[rows.ravel()] += (coefficients[:, :, None] * vectors[:, None, :]).reshape(-1, 8)
    assert not np.allclose(naive, reference)  # the bug the scatter exists to avoid


def test_ragged_rows_equal_np_add_at(path):
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 9, size=50)  # (U,) some vectors go nowhere
    starts = np.concatenate([[0], np.cumsum(lengths)])  # (U + 1,)
    rows = rng.integers(0, 20, size=starts[-1]).astype(np.int32)  # (S,) many repeats in 20 rows
    coefficients = rng.normal(size=starts[-1]).astype(np.float32)  # (S,)
    vectors = rng.normal(size=(50, 7)).astype(np.float32)  # (U, D)
    expected = rng.normal(size=(20, 7)).astype(np.float32)  # (R, D)
    ours = expected.copy()
    np.add.at(expected, rows, coefficients[:, None] * np.repeat(vectors, lengths, axis=0))
    add_to_ragged_rows(ours, rows, starts, coefficients, vectors)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


def test_sum_by_row_loses_no_repeated_row(path):
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 6, size=50)
    coefficients, vectors = rng.normal(size=50), rng.normal(size=(50, 3))
    distinct, summed, coefficient_sums = sum_by_row(ids, coefficients, vectors, n_rows=6)
    expected = np.zeros((6, 3))
    np.add.at(expected, ids, coefficients[:, None] * vectors)
    np.testing.assert_array_equal(distinct, np.unique(ids))
    np.testing.assert_allclose(summed, expected[distinct], rtol=1e-13)
    np.testing.assert_allclose(coefficient_sums, np.bincount(ids, coefficients, 6)[distinct], rtol=1e-13)


def test_mix_rows_is_the_transpose_of_the_scatter(path):
    """mix_rows(table, rows, starts, c) is M @ table for the M whose transpose add_to_ragged_rows adds:
    both held to np.einsum / np.add.at on the same ragged lists, empty groups included."""
    rng = np.random.default_rng(2)
    lengths = rng.integers(0, 5, size=6)  # (U,) a group may be empty: its mix is 0
    starts = np.concatenate([[0], np.cumsum(lengths)])  # (U + 1,)
    rows = rng.integers(0, 9, size=starts[-1])  # (S,) repeats within and across groups
    coefficients, table = rng.normal(size=starts[-1]), rng.normal(size=(9, 4))
    group = np.repeat(np.arange(6), lengths)  # (S,) the group of each entry
    expected = np.zeros((6, 4))
    np.add.at(expected, group, coefficients[:, None] * table[rows])
    np.testing.assert_allclose(mix_rows(table, rows, starts, coefficients), expected, rtol=1e-13, atol=1e-15)
    # the transpose: <M table, Y> = <table, M^T Y> for any Y, with M^T Y added by add_to_ragged_rows
    Y = rng.normal(size=(6, 4))
    transposed = np.zeros_like(table)
    add_to_ragged_rows(transposed, rows, starts, coefficients, Y)
    assert np.isclose(np.sum(mix_rows(table, rows, starts, coefficients) * Y), np.sum(table * transposed), rtol=1e-12)


def test_distinct_rows_maps_every_id_to_its_place():
    ids = np.random.default_rng(3).integers(0, 30, size=100)
    rows, which = distinct_rows(ids, 30)
    np.testing.assert_array_equal(rows, np.unique(ids))
    np.testing.assert_array_equal(rows[which], ids)
