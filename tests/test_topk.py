"""The compiled kernel against its NumPy twin, and both against brute force.

Tolerance: scores within 1e-6 absolute. Cosines lie in [-1, 1]; the two
backends sum float32 dot products in different orders (BLAS blocking vs a
vectorised loop vs NumPy's matmul), which moves a score by a few float32 ulps
(~1e-7). On integer-valued tables every dot product is exact in float32, so
there the two backends must agree bit for bit, ties included.
"""

import subprocess
import sys

import numpy as np
import pytest

from minembed.vectors import topk
from minembed.vectors.topk import topk_cosine, topk_cosine_numpy

requires_kernel = pytest.mark.skipif(
    topk.BACKEND == "numpy", reason="the compiled kernel is not built"
)


def brute_force(table, queries, k, exclude=None):
    """Cosine in float64 and a Python sort on (-score, index): the plain definition."""
    table = np.asarray(table, dtype=np.float64)
    queries = np.atleast_2d(np.asarray(queries, dtype=np.float64))
    results = []
    for q, query in enumerate(queries):
        norms = np.linalg.norm(table, axis=1) * np.linalg.norm(query)
        cosines = np.divide(table @ query, norms, out=np.zeros(len(table)), where=norms > 0)
        skip = set() if exclude is None else set(exclude[q])
        ranked = sorted((-c, i) for i, c in enumerate(cosines) if i not in skip)
        results.append([i for _, i in ranked[:k]])
    return results


def integer_table(rng, rows, dim, low=-3, high=4):
    """Small integers: exact float32 dot products, and many exact ties."""
    return rng.integers(low, high, size=(rows, dim)).astype(np.float32)


def planted(rng, rows, dim):
    """Gaussian table with duplicated rows (ties), scaled copies (ties) and zero rows."""
    table = rng.standard_normal((rows, dim)).astype(np.float32)
    table[10] = table[3]  # identical rows: equal score, 3 must come before 10
    table[20] = 2.0 * table[3]  # same direction: equal cosine in exact arithmetic
    table[[5, 6]] = 0.0  # zero rows score 0, never NaN
    return table


@requires_kernel
@pytest.mark.parametrize(
    "rows, dim, n_queries, k",
    [
        (1, 4, 1, 1),
        (50, 8, 1, 1),
        (50, 8, 1, 50),  # k == N
        (50, 8, 3, 80),  # k > N: clipped
        (2000, 16, 1, 10),  # scan path, one query
        (2000, 16, 7, 10),  # scan path, several queries
        (5000, 24, 300, 10),  # gemm path, more than one row tile
        (5000, 24, 1000, 5),
        (300, 8, 1030, 3),  # more queries than one query block
        (5000, 24, 300, 1),  # gemm path, top-1 (minembed_tile_best), ties across row tiles
        (100, 8, 2000, 1),  # top-1 of a small table for many queries: k-means's assignment
        (37, 3, 500, 1),  # top-1 over a tile that is no multiple of 8 rows: the scalar tail
    ],
)
def test_backends_identical_on_integer_tables(rows, dim, n_queries, k):
    rng = np.random.default_rng(rows * 7 + n_queries)
    table = integer_table(rng, rows, dim)
    if rows > 6:
        table[6] = 0.0
    queries = integer_table(rng, n_queries, dim)
    fast = topk_cosine(table, queries, k)
    reference = topk_cosine_numpy(table, queries, k)
    np.testing.assert_array_equal(fast[0], reference[0])
    np.testing.assert_array_equal(fast[1], reference[1])  # bit for bit: exact arithmetic
    assert fast[0].dtype == np.int64 and fast[1].dtype == np.float32
    assert fast[0].shape == (n_queries, min(k, rows))


@requires_kernel
@pytest.mark.parametrize("n_queries", [1, 5, 1000])
@pytest.mark.parametrize("k", [10, 1])
def test_backends_agree_on_gaussian_tables_with_planted_ties(n_queries, k):
    rng = np.random.default_rng(n_queries)
    table = planted(rng, 6000, 32)
    queries = rng.standard_normal((n_queries, 32)).astype(np.float32)
    queries[0] = table[3]  # rows 3, 10, 20 tie at the top for this query
    fast = topk_cosine(table, queries, k)
    reference = topk_cosine_numpy(table, queries, k)
    np.testing.assert_array_equal(fast[0], reference[0])
    np.testing.assert_allclose(fast[1], reference[1], rtol=0, atol=1e-6)
    assert fast[0][0, 0] == 3 and (k == 1 or fast[0][0, 1] == 10)
    assert np.isfinite(fast[1]).all()


@requires_kernel
@pytest.mark.parametrize("dim", [5, 8, 16, 23, 50, 300])
@pytest.mark.parametrize("cached", [False, True])
def test_equal_rows_score_equally_wherever_they_sit(dim, cached):
    """The scan takes rows four at a time and a chunk's last rows one at a time.
    Copies of one row placed at every position in a group of four and in the
    one-at-a-time tail (1024-row chunks, so rows 1024.. of 1027 are the tail)
    must get bit-identical scores: the tie is then broken by index alone. Dims
    cover no full 8-block, exactly one, 16-blocks only, and all three loops."""
    rng = np.random.default_rng(dim)
    table = rng.standard_normal((1027, dim)).astype(np.float32)
    copies = [1, 6, 11, 16, 1024, 1026]  # positions 1, 2, 3, 0 of a group, then the tail
    table[copies] = table[1]
    query = rng.standard_normal(dim).astype(np.float32)
    query = table[1] + 1e-3 * query  # the copies score best, at a cosine just under 1
    norms = topk.inverse_norms(table) if cached else None
    for queries in (query, np.stack([query, -query, 2 * query])):  # one query, and several
        indices, scores = topk_cosine(table, queries, len(copies) + 1, row_inverse_norms=norms)
        assert indices[0, : len(copies)].tolist() == copies
        assert len(set(scores[0, : len(copies)].tolist())) == 1  # bit-identical, not just close


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
def test_matches_brute_force_definition(backend):
    rng = np.random.default_rng(1)
    table = integer_table(rng, 300, 6)
    table[[0, 7]] = 0.0
    queries = integer_table(rng, 20, 6)
    exclude = [rng.choice(300, size=q % 4, replace=False) for q in range(20)]
    indices, _ = backend(table, queries, 12, exclude=exclude)
    assert indices.tolist() == brute_force(table, queries, 12, exclude)


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
@pytest.mark.parametrize("n_queries", [1, 20])
def test_exclude_drops_rows_and_pads_when_too_few_remain(backend, n_queries):
    rng = np.random.default_rng(2)
    table = rng.standard_normal((6, 4)).astype(np.float32)
    queries = table[:n_queries % 6 + 1].repeat(n_queries // (n_queries % 6 + 1) + 1, axis=0)[:n_queries]
    exclude = [[0, 1, 2, 3] for _ in range(n_queries)]
    indices, scores = backend(table, queries, 6, exclude=exclude)
    assert indices.shape == (n_queries, 6)
    assert set(indices[0, :2].tolist()) == {4, 5}
    assert (indices[:, 2:] == -1).all() and np.isneginf(scores[:, 2:]).all()


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
def test_zero_query_and_zero_rows_score_zero(backend):
    table = np.array([[0, 0], [1, 0], [0, 0], [-1, 0]], dtype=np.float32)
    indices, scores = backend(table, np.zeros(2, dtype=np.float32), 4)
    assert indices.tolist() == [[0, 1, 2, 3]]  # all tie at 0: by index
    np.testing.assert_array_equal(scores, 0.0)
    indices, scores = backend(table, np.array([1, 0], dtype=np.float32), 4)
    assert indices.tolist() == [[1, 0, 2, 3]]
    np.testing.assert_array_equal(scores, [[1, 0, 0, -1]])


def test_single_query_gives_one_row_and_float64_input_is_accepted():
    rng = np.random.default_rng(3)
    table = rng.standard_normal((100, 5))  # float64 in, converted to float32
    indices, scores = topk_cosine(table, table[4], 3)
    assert indices.shape == (1, 3) and indices[0, 0] == 4
    np.testing.assert_allclose(scores[0, 0], 1.0, atol=1e-6)


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
def test_bad_input_gets_clear_errors(backend):
    table = np.ones((4, 3), dtype=np.float32)
    query = np.ones(3, dtype=np.float32)
    with pytest.raises(ValueError, match="at least one row"):
        backend(np.empty((0, 3), dtype=np.float32), query, 1)
    with pytest.raises(ValueError, match="positive integer"):
        backend(table, query, 0)
    with pytest.raises(TypeError, match="k must be a positive integer.*got 2.5"):  # a type error: not a number of rows
        backend(table, query, 2.5)
    for not_a_count in (True, None, "3", np.float32(2)):  # True was taken as 1
        with pytest.raises(TypeError, match="k must be a positive integer"):
            backend(table, query, not_a_count)
    with pytest.raises(ValueError, match="dimension 2 but the table has dimension 3"):
        backend(table, np.ones(2, dtype=np.float32), 1)
    with pytest.raises(ValueError, match="dtype int64"):
        backend(np.ones((4, 3), dtype=np.int64), query, 1)
    with pytest.raises(ValueError, match="2 dimensions"):
        backend(np.ones(3, dtype=np.float32), query, 1)
    with pytest.raises(ValueError, match="query 0 contains NaN"):
        backend(table, np.array([np.nan, 1, 1], dtype=np.float32), 1)
    with pytest.raises(ValueError, match="outside the table"):
        backend(table, query, 1, exclude=[[7]])
    with pytest.raises(ValueError, match="one list of row ids per query"):
        backend(table, np.ones((2, 3), dtype=np.float32), 1, exclude=[[1]])


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
@pytest.mark.parametrize("n_queries", [1, 50])
def test_non_finite_rows_are_reported_by_row(backend, n_queries):
    table = np.ones((5000, 3), dtype=np.float32)
    table[4321, 1] = np.inf
    table[4500, 0] = np.nan
    with pytest.raises(ValueError, match="table row 4321 contains NaN or inf"):
        backend(table, np.ones((n_queries, 3), dtype=np.float32), 2)


def test_huge_finite_values_are_not_mistaken_for_inf():
    """Squares of 1e30 overflow float32 but not the float64 sum of squares."""
    table = np.array([[1e30, 1e30], [1, 0]], dtype=np.float32)
    for backend in (topk_cosine, topk_cosine_numpy):
        indices, scores = backend(table, np.array([1, 1], dtype=np.float32), 2)
        assert indices.tolist() == [[0, 1]]
        np.testing.assert_allclose(scores, [[1.0, np.sqrt(0.5)]], atol=1e-6)


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
@pytest.mark.parametrize("n_queries", [1, 5, 40])  # the scan with one and several queries, and sgemm tiles
@pytest.mark.parametrize("cached", [False, True])
def test_scaling_by_a_power_of_two_changes_no_bit(backend, n_queries, cached):
    """Rows and queries far outside float32's comfortable range (sums of squares beyond
    [1e-30, 1e30]: the dot overflowed to inf or underflowed to 0) are rescaled by a power of
    two, which is exact. So a table whose rows are multiplied by 2^100, 2^-100 or mixed powers
    must give the very bits of the unscaled table, ties and order included, in both backends."""
    rng = np.random.default_rng(11)
    table = planted(rng, 3000, 21)
    queries = rng.standard_normal((n_queries, 21)).astype(np.float32)
    queries[0] = table[3]  # rows 3, 10, 20 tie at the top
    want = backend(table, queries, 8, row_inverse_norms=topk.inverse_norms(table) if cached else None)
    row_scales = rng.choice([1.0, 2.0**100, 2.0**-100], size=3000).astype(np.float32)  # a mixed table
    # 2^+-45: rows still inside the safe range, whose dots with the 2^+-110 queries overflow or underflow
    # unless the queries are rescaled too
    for scaled in [table * np.float32(2.0**100), table * np.float32(2.0**-100), table * row_scales[:, None],
                   table * np.float32(2.0**45), table * np.float32(2.0**-45)]:
        norms = topk.inverse_norms(scaled) if cached else None
        for scaled_queries in (queries, queries * np.float32(2.0**110), queries * np.float32(2.0**-110)):
            got = backend(scaled, scaled_queries, 8, row_inverse_norms=norms)
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
@pytest.mark.parametrize("n_queries", [1, 3, 20])
@pytest.mark.parametrize("scale", [1e30, 1e-30, 1e36, 1e-39, "mixed"])
def test_cosines_stay_right_across_float32s_range(backend, n_queries, scale):
    """At 1e30 the float32 dot of a row with itself is inf, at 1e-30 it underflows to 0; the
    cosines must still be the float64 ones (to 1e-6, float32 rounding of unit-length terms)
    and the kernel must give the reference's indices."""
    rng = np.random.default_rng(12)
    base = rng.standard_normal((500, 19)).astype(np.float32)
    scales = rng.choice([1e30, 1e-30, 1e20, 1e-25, 1.0, 1e36], size=500) if scale == "mixed" else np.full(500, scale)
    table = (base * scales[:, None]).astype(np.float32)
    queries = table[:n_queries]  # raw rows as queries, as Vectors.similarity passes them
    indices, scores = backend(table, queries, 10)
    truth = brute_force(table, queries, 10)
    assert indices.tolist() == truth
    exact = table.astype(np.float64)
    unit = exact / np.linalg.norm(exact, axis=1)[:, None]
    np.testing.assert_allclose(scores, np.take_along_axis(unit[:n_queries] @ unit.T, indices, axis=1), atol=1e-6)
    np.testing.assert_array_equal(indices, topk_cosine_numpy(table, queries, 10)[0])


def test_cosine_scores_and_unit_rows_stay_right_across_float32s_range():
    rng = np.random.default_rng(13)
    base = rng.standard_normal((6, 9)).astype(np.float32)
    for scale in (1e30, 1e-30, 1e-40, 3e37):  # 1e-40: subnormal entries, so compare with the stored values
        table = (base * np.float32(scale)).astype(np.float32)
        exact = table.astype(np.float64) / np.linalg.norm(table.astype(np.float64), axis=1)[:, None]
        np.testing.assert_allclose(topk.cosine_scores(table, table), exact @ exact.T, atol=1e-6)
        np.testing.assert_allclose(topk.unit_rows(table), exact, atol=1e-6)
    assert np.isfinite(topk.inverse_norms(np.array([[1e-45, 0]], dtype=np.float32))).all()  # clipped, not inf


def test_missing_extension_warns_and_falls_back_to_numpy():
    code = (
        "import sys, warnings\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'minembed._topk': raise ImportError('hidden')\n"
        "sys.meta_path.insert(0, Block())\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import minembed.vectors.topk as t\n"
        "    import numpy as np\n"
        "    print(t.BACKEND, sum('not built' in str(w.message) for w in caught))\n"
        "    print(t.topk_cosine(np.eye(3, dtype=np.float32), np.ones(3, dtype=np.float32), 2)[0].tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["numpy 1", "[[0, 1]]"]


@requires_kernel
def test_backend_names_openmp_when_built_with_it():
    assert topk.BACKEND in {"cython+openmp", "cython"}
    assert (topk.BACKEND == "cython+openmp") == bool(topk._topk.OPENMP)


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
@pytest.mark.parametrize("n_queries", [1, 3, 40])
def test_cached_row_norms_give_the_same_answer(backend, n_queries):
    rng = np.random.default_rng(5)
    table = integer_table(rng, 3000, 12)
    table[[1, 2]] = 0.0
    queries = integer_table(rng, n_queries, 12)
    exclude = [[q, q + 1] for q in range(n_queries)]
    cached = backend(table, queries, 9, exclude, row_inverse_norms=topk.inverse_norms(table))
    fresh = topk_cosine_numpy(table, queries, 9, exclude)
    np.testing.assert_array_equal(cached[0], fresh[0])
    np.testing.assert_array_equal(cached[1], fresh[1])


@pytest.mark.parametrize("backend", [topk_cosine, topk_cosine_numpy])
def test_cached_row_norms_are_checked(backend):
    table = np.ones((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"must be \(4,\)"):
        backend(table, table[0], 1, row_inverse_norms=np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match="finite and >= 0"):
        backend(table, table[0], 1, row_inverse_norms=np.array([1, np.nan, 1, 1]))
    table[2, 1] = np.nan  # a NaN row is still caught when the norms come cached
    with pytest.raises(ValueError, match="table row 2"):
        backend(table, np.ones(3, dtype=np.float32), 1, row_inverse_norms=np.ones(4, dtype=np.float32))


def test_results_are_the_same_from_many_threads_at_once():
    """Heaps live per call, and the kernel releases the GIL: calls from
    several Python threads must not disturb each other."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(6)
    table = rng.standard_normal((20_000, 32)).astype(np.float32)
    batches = [rng.standard_normal((n, 32)).astype(np.float32) for n in (1, 4, 50, 1, 300, 7)]
    # The reference comes from one call at a time, off the main thread. On an AMD EPYC (AVX2; scipy's OpenBLAS
    # 0.3.30, whose sgemm the kernel calls, on its Haswell kernels) the sgemm batches (50 and 300 queries)
    # called from the main thread differ from the same calls made from any other thread in 8 of 250 and 34 of
    # 1500 scores, by one float32 ulp; calls from other threads, one or four at once, agree bit for bit. That
    # is OpenBLAS's business, not concurrency's.
    with ThreadPoolExecutor(max_workers=1) as pool:
        expected = list(pool.map(lambda b: topk_cosine(table, b, 5), batches))
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda b: topk_cosine(table, b, 5), batches * 3))
    for (indices, scores), (want_indices, want_scores) in zip(got, expected * 3):
        np.testing.assert_array_equal(indices, want_indices)
        np.testing.assert_array_equal(scores, want_scores)


@requires_kernel
def test_batch_memory_stays_per_tile_not_queries_times_rows():
    """1,000 queries x 200,000 rows: the full score matrix would be 800 MB of
    float32. The kernel keeps one 2,048-row tile of dots per thread (8 MB) and
    its heaps, so peak memory must grow by far less than that matrix."""
    code = (
        "import resource, numpy as np\n"
        "from minembed.vectors.topk import topk_cosine\n"
        "rng = np.random.default_rng(0)\n"
        "table = rng.standard_normal((200_000, 16), dtype=np.float32)\n"
        "queries = rng.standard_normal((1000, 16), dtype=np.float32)\n"
        "topk_cosine(table, queries[:10], 10)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "topk_cosine(table, queries, 10)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    grown_mb = int(out.stdout.strip())
    assert grown_mb < 100, f"peak memory grew by {grown_mb} MB for a batch (expected ~20 MB)"
