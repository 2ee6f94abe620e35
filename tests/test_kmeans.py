"""k-means and the cluster scores against scikit-learn, and the kernel's assignment against its definition.

Tolerances, and why:
  labels          equal: from the same initial centres both programs take the same steps; the blobs
                  leave no point within float32 rounding of two centres (the kernel scores in float32).
  centres         1e-10 absolute on data of scale ~10: float64 means of the same points, summed in
                  another order (a sparse product here, sklearn's per-thread chunks).
  inertia         1e-9 relative for float64 (the issue asks 1e-6; the sums differ in order only);
                  1e-5 for float32 data, where sklearn sums the squared distances in float32.
  NMI, ARI        1e-12 absolute: the same formulas, logs taken in another order (ARI is exact).
  k-means++       frequencies within 5 standard deviations of the D^2 probabilities (4,000 draws).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from minembed.uses import kmeans as kmeans_module
from minembed.uses.cluster_metrics import adjusted_rand, contingency_table, normalized_mutual_info
from minembed.uses.kmeans import (
    KernelAssignment, kmeans, kmeans_plusplus, kmeans_plusplus_plain, lloyd, nearest_centres, squared_distances_to,
)
from minembed.vectors import topk


@pytest.fixture(scope="module")
def blobs(sklearn):
    from sklearn.datasets import make_blobs

    def make(seed: int, n: int = 1500, dim: int = 8, centres: int = 6, std: float = 2.0):
        X, y = make_blobs(n, n_features=dim, centers=centres, cluster_std=std, random_state=seed)
        init = X[np.random.default_rng(seed).choice(n, centres, replace=False)]  # random points as seeds
        return X, y, init
    return make


def sklearn_kmeans(X, init, tol=1e-4, max_iter=300):
    from sklearn.cluster import KMeans
    return KMeans(len(init), init=init, n_init=1, algorithm="lloyd", tol=tol, max_iter=max_iter).fit(X)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("tol", [0.0, 1e-4, 1e-2])
def test_equals_sklearn_from_the_same_centres(blobs, seed, tol):
    X, _, init = blobs(seed)
    reference = sklearn_kmeans(X, init, tol)
    labels, centres, inertia = kmeans(X, len(init), init=init, tol=tol)
    assert_array_equal(labels, reference.labels_)
    assert_allclose(centres, reference.cluster_centers_, rtol=0, atol=1e-10)
    assert_allclose(inertia, reference.inertia_, rtol=1e-9)


def test_tol_is_relative_to_the_variance_of_x(blobs):
    """Scaled by 100, the data's mean variance is ~1e5: tol=1e-3 stops sklearn early. An absolute
    tol would run on to convergence and give other centres; ours equal sklearn's early ones."""
    X, _, init = blobs(3, std=4.0)
    X, init = 100 * X, 100 * init
    early, converged = sklearn_kmeans(X, init, tol=1e-3), sklearn_kmeans(X, init, tol=0.0)
    assert early.n_iter_ < converged.n_iter_  # the case can tell the two readings of tol apart
    assert not np.allclose(early.cluster_centers_, converged.cluster_centers_)
    _, centres, inertia = kmeans(X, len(init), init=init, tol=1e-3)
    assert_allclose(centres, early.cluster_centers_, rtol=0, atol=1e-8)
    assert_allclose(inertia, early.inertia_, rtol=1e-9)
    centred = X - X.mean(axis=0)
    *_, iterations = lloyd(centred, init - X.mean(axis=0), tol=1e-3 * np.var(X, axis=0).mean())
    assert iterations == early.n_iter_


def test_an_empty_cluster_takes_the_farthest_point_as_sklearn(blobs):
    X, _, init = blobs(4, centres=5)
    init = np.vstack([init, np.full((2, X.shape[1]), 1e3)])  # two centres no point is nearest to
    reference = sklearn_kmeans(X, init)
    labels, centres, inertia = kmeans(X, len(init), init=init)
    assert len(np.unique(reference.labels_)) == len(init)  # sklearn refilled them; so must we
    assert_array_equal(labels, reference.labels_)
    assert_allclose(centres, reference.cluster_centers_, rtol=0, atol=1e-10)
    assert_allclose(inertia, reference.inertia_, rtol=1e-9)


def test_float32_data_stays_float32_and_equals_sklearn(blobs):
    X, _, init = blobs(5)
    X, init = X.astype(np.float32), init.astype(np.float32)
    reference = sklearn_kmeans(X, init)
    labels, centres, inertia = kmeans(X, len(init), init=init)
    assert centres.dtype == np.float32
    assert_array_equal(labels, reference.labels_)
    assert_allclose(centres, reference.cluster_centers_, rtol=0, atol=1e-4)
    assert_allclose(inertia, reference.inertia_, rtol=1e-5)


@pytest.mark.parametrize("dim, k, n", [(1, 1, 100), (3, 7, 5000), (64, 40, 9001)])
@pytest.mark.parametrize("backend", ["kernel", "numpy"])
def test_kernel_assignment_is_the_nearest_centre(monkeypatch, dim, k, n, backend):
    """Against argmin |x - c|^2 in float64: the same label wherever the two nearest centres are
    more than 1e-5 (relative to |x|^2 + |c|^2) apart; elsewhere a centre as near to float32 rounding."""
    if backend == "numpy":
        monkeypatch.setattr(topk, "BACKEND", "numpy")
    elif topk.BACKEND == "numpy":
        pytest.skip("the compiled kernel is not built")
    rng = np.random.default_rng(dim + k)
    points, centres = rng.standard_normal((n, dim)), rng.standard_normal((k, dim))
    labels = KernelAssignment(points, "euclidean")(centres)
    distances = squared_distances_to(points, centres)  # (n, k)
    best = np.sort(distances, axis=1)[:, :2] if k > 1 else np.hstack([distances, distances + 1])
    scale = (points**2).sum(axis=1) + (centres**2).sum(axis=1).max()
    clear = best[:, 1] - best[:, 0] > 1e-5 * scale
    assert clear.mean() > 0.99
    assert_array_equal(labels[clear], distances.argmin(axis=1)[clear])
    assert (distances[np.arange(n), labels] - best[:, 0] <= 1e-5 * scale).all()


def test_nearest_centres_by_cosine_is_the_largest_cosine():
    rng = np.random.default_rng(7)
    points, centres = rng.standard_normal((3000, 16)), rng.standard_normal((9, 16))
    cosines = (points / np.linalg.norm(points, axis=1, keepdims=True)) @ (
        centres / np.linalg.norm(centres, axis=1, keepdims=True)).T  # (N, k)
    top2 = np.sort(cosines, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-5
    assert clear.mean() > 0.99
    assert_array_equal(nearest_centres(points, centres, "cosine")[clear], cosines.argmax(axis=1)[clear])


def spherical_kmeans_plain(X, centres, max_iter=300):
    """The textbook spherical k-means loop, float64, for comparison: argmax cosine, mean, renormalise."""
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    labels = None
    for _ in range(max_iter):
        new_labels = (unit @ centres.T).argmax(axis=1)
        if labels is not None and (new_labels == labels).all():
            break
        labels = new_labels
        centres = np.array([unit[labels == j].mean(axis=0) for j in range(len(centres))])
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    return labels, centres


def test_cosine_is_spherical_kmeans(blobs):
    X, _, init = blobs(6, dim=12, std=3.0)
    expected_labels, expected_centres = spherical_kmeans_plain(X, init)
    labels, centres, inertia = kmeans(X, len(init), init=init, metric="cosine", tol=0.0)
    assert_array_equal(labels, expected_labels)
    assert_allclose(centres, expected_centres, rtol=0, atol=1e-10)
    assert_allclose(np.linalg.norm(centres, axis=1), 1.0, rtol=1e-12)
    cosines = np.sum(X / np.linalg.norm(X, axis=1, keepdims=True) * centres[labels], axis=1)
    assert_allclose(inertia, np.sum(2 * (1 - cosines)), rtol=1e-9)


def test_kmeans_plusplus_with_one_trial_is_the_plain_rule():
    X = np.random.default_rng(0).standard_normal((500, 5))
    for seed in range(5):
        plain = kmeans_plusplus_plain(X, 12, np.random.default_rng(seed))
        greedy = kmeans_plusplus(X, 12, np.random.default_rng(seed), n_local_trials=1)
        assert_array_equal(plain, greedy)
        assert len(set(plain.tolist())) == 12


def test_kmeans_plusplus_draws_in_proportion_to_squared_distance():
    """Points 0, 1, 10 on a line: after a first centre i, the second is j with probability d_ij^2 / sum."""
    X = np.array([[0.0], [1.0], [10.0]])
    seen = np.zeros((3, 3))
    for seed in range(4000):
        first, second = kmeans_plusplus_plain(X, 2, np.random.default_rng(seed))
        seen[first, second] += 1
    squared = (X - X.T) ** 2  # (3, 3)
    expected = seen.sum(axis=1, keepdims=True) * squared / squared.sum(axis=1, keepdims=True)
    sigma = np.sqrt(expected * (1 - squared / squared.sum(axis=1, keepdims=True))) + 1e-9
    assert (np.abs(seen - expected) <= 5 * sigma).all(), (seen, expected)
    assert_allclose(seen.sum(axis=1) / 4000, 1 / 3, atol=0.03)  # the first centre is uniform


def test_kmeans_plusplus_finds_one_seed_per_separated_blob(blobs):
    X, y, _ = blobs(8, centres=10, std=0.5, dim=4)
    for seed in range(5):
        chosen = kmeans_plusplus(X, 10, np.random.default_rng(seed))
        assert sorted(y[chosen]) == list(range(10))


def test_the_same_seed_gives_the_same_bytes(blobs):
    X, _, _ = blobs(9)
    first, second = kmeans(X, 6, seed=3), kmeans(X, 6, seed=3)
    assert first[0].tobytes() == second[0].tobytes() and first[1].tobytes() == second[1].tobytes()
    other = kmeans(X, 6, seed=4, max_iter=1)
    assert first[1].tobytes() != other[1].tobytes()


@pytest.mark.parametrize("X, k, kwargs, message", [
    (np.zeros((3, 2)), 4, {}, "k=4 clusters need at least 4 points"),
    (np.array([[0.0, 1.0], [np.nan, 2.0]]), 1, {}, "row 1 of X holds NaN"),
    (np.zeros((3, 2)), 0, {}, "k must be a positive integer"),
    (np.zeros((0, 2)), 1, {}, "nothing to cluster"),
    (np.zeros(5), 1, {}, r"X.reshape\(-1, 1\)"),
    (np.eye(3), 2, {"init": np.zeros((3, 3))}, r"must be \(k, D\) = \(2, 3\)"),
    (np.eye(3), 2, {"metric": "cos"}, "metric must be 'euclidean' or 'cosine'"),
    (np.vstack([np.eye(3), np.zeros(3)]), 2, {"metric": "cosine"}, "row 3 of X is all zeros"),
    (np.eye(3), 2, {"tol": -1.0}, "tol must be in"),
    (np.eye(3), 2, {"init": "random"}, "init must be 'k-means..' or a"),
])
def test_bad_input_gets_a_clear_error(X, k, kwargs, message):
    with pytest.raises(ValueError, match=message):
        kmeans(X, k, **kwargs)


def test_k_that_is_not_a_whole_number_is_a_type_error():
    with pytest.raises(TypeError, match="k must be a positive integer"):
        kmeans(np.eye(3), 2.5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cluster_sums_kept_up_to_date_equal_sums_taken_afresh(dtype):
    """ClusterSums moves only the points whose label changed; after every step its sums and counts
    must be those of the new labels. Steps change 0, 1, a few, a third and all labels (all: the sums
    are taken afresh). Tolerance, against exact (float64) sums: 4 eps x sum_i |x_i| over the
    cluster's points, eps of the points' dtype; summing in float, each add rounds by at most eps
    of the running |sum| <= sum |x|, and the roundings of many adds largely cancel (the worst case,
    (n - 1) eps sum |x|, is n/4 times looser). cluster_sums itself must meet the same bound."""
    rng = np.random.default_rng(5)
    points, k = rng.standard_normal((3000, 16)).astype(dtype), 12
    summed, labels = kmeans_module.ClusterSums(points, k), rng.integers(0, k, 3000)
    for changes in [3000, 0, 1, 7, 1000, 40, 3000, 2, 0, 900]:
        labels = labels.copy()
        moved = rng.choice(3000, changes, replace=False)
        labels[moved] = (labels[moved] + rng.integers(1, k, changes)) % k  # each moved point changes cluster
        sums, counts = summed(labels)
        exact, exact_counts = kmeans_module.cluster_sums(points.astype(np.float64), labels, k)
        bound = 4 * np.finfo(dtype).eps * kmeans_module.cluster_sums(np.abs(points.astype(np.float64)), labels, k)[0]
        assert sums.dtype == counts.dtype == dtype
        assert_array_equal(counts, exact_counts)
        assert (np.abs(sums - exact) <= bound).all()
        assert (np.abs(kmeans_module.cluster_sums(points, labels, k)[0] - exact) <= bound).all()


def test_kmeans_module_lists_its_public_names():
    assert {"kmeans", "lloyd", "nearest_centres"} <= set(kmeans_module.__all__)


# --------------------------------------------------------------------------- cluster scores


def random_labellings(rng, count):
    for number in range(count):
        n = int(rng.integers(0, 80))
        truth = rng.integers(0, rng.integers(1, 7), n)
        predicted = truth.copy() if number % 4 == 0 else rng.integers(0, rng.integers(1, 7), n)
        if number % 4 == 1:
            predicted = (truth + 3) % 5  # the same partition under other names
        yield truth, predicted


def test_nmi_and_ari_equal_sklearn(sklearn):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    for truth, predicted in random_labellings(np.random.default_rng(0), 400):
        assert_allclose(normalized_mutual_info(truth, predicted), normalized_mutual_info_score(truth, predicted),
                        rtol=0, atol=1e-12)
        assert_allclose(adjusted_rand(truth, predicted), adjusted_rand_score(truth, predicted), rtol=0, atol=1e-12)


@pytest.mark.parametrize("truth, predicted", [([], []), ([1, 1, 1], [0, 0, 0]), ([1, 1, 1], [0, 1, 2]),
                                              ([0, 1, 2], [5, 5, 5]), (["a", "b", "b"], ["x", "x", "y"])])
def test_special_cases_equal_sklearn(sklearn, truth, predicted):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    assert normalized_mutual_info(truth, predicted) == pytest.approx(normalized_mutual_info_score(truth, predicted))
    assert adjusted_rand(truth, predicted) == pytest.approx(adjusted_rand_score(truth, predicted))


def test_contingency_table_and_mismatched_lengths():
    assert_array_equal(contingency_table([0, 0, 1], ["b", "a", "a"]), [[1, 1], [1, 0]])
    with pytest.raises(ValueError, match="one true class and one cluster for each point"):
        adjusted_rand([0, 1], [0])
