"""k-means: Lloyd's iterations from k-means++ seeds, Euclidean or cosine (spherical).

    repeat  label_i = argmin_j |x_i - c_j|^2          assignment (through the top-k kernel)
            c_j     = mean of the points labelled j   update
    until   the labels stop changing, or sum_j |c_j(new) - c_j(old)|^2 <= tol * mean_d var(X[:, d])

Lloyd, "Least squares quantization in PCM" (Bell Labs 1957; IEEE Trans. Inf. Theory 1982).
Seeds by k-means++ (Arthur & Vassilvitskii, "k-means++: The Advantages of Careful Seeding",
SODA 2007): the first centre uniformly at random, each next one a point drawn with probability
proportional to D(x)^2, its squared distance to the nearest centre so far
(:func:`kmeans_plusplus_plain`); :func:`kmeans_plusplus` is the "greedy" form scikit-learn runs,
2 + ln k draws per step keeping the one that lowers the total D^2 most. Cosine k-means is
spherical k-means (Dhillon & Modha, "Concept decompositions for large sparse text data using
clustering", Machine Learning 42, 2001): rows scaled to unit length, each point to the centre of
largest cosine, each centre the mean of its points scaled back to unit length.

The reference program is scikit-learn's ``KMeans(algorithm="lloyd", n_init=1)``. From the same
initial centres :func:`kmeans` returns its labels, centres and inertia (the tests require it),
because it copies each of its rules:

- ``tol`` is relative: the loop stops once the squared centre shifts sum to at most
  tol x the mean of X's per-feature variances (sklearn's ``_tolerance``);
- X is centred (column means subtracted) before the loop, the centres moved back after;
- a cluster left empty takes the point farthest from its own centre (the farthest points in
  ``np.argpartition``'s order, as sklearn takes them), whose weight leaves its old cluster;
- unless the loop ended because no label changed, the points are assigned once more to the
  final centres, so the labels returned are those of the centres returned;
- the inertia is sum_i |x_i - c_label(i)|^2.

The assignment through the kernel. minembed's top-k kernel (``csrc/topk.pyx``) ranks rows by
cosine only. For Euclidean k-means the centres and points are augmented so that the cosine order
is the nearest-centre order (the reduction of Bachrach et al., "Speeding up the Xbox recommender
system using a Euclidean transformation for inner-product spaces", RecSys 2014, run backwards):

    x' = [x, 1, 0]     c' = [2c, -|c|^2, sqrt(M - 4|c|^2 - |c|^4)],   M = max_j (4|c_j|^2 + |c_j|^4)

Every c' has length sqrt(M), so cos(x', c') = (2 x.c - |c|^2) / (|x'| sqrt(M))
= (|x|^2 - |x - c|^2) / (|x'| sqrt(M)): largest exactly where |x - c| is smallest. The kernel scores
in float32, as scikit-learn does for float32 data; with float64 data, a point whose two nearest
centres are equally far to within float32 rounding (about 1e-7 of |x|^2) may take the other;
so may exact ties, which the kernel breaks by the float32 rounding of each c' length, not by index.

The kernel splits its work over tiles of 2,048 table rows; k centres make one tile, so here the
points are split over threads instead, each calling the compiled kernel (which releases the GIL)
on blocks of 4,096 points with an OpenMP team of one. The checks its wrapper ``topk_cosine``
makes on every call (finite queries, their norms: three passes over all points) run once per fit
here, not once per iteration. The update step's sums are kept from one iteration to the next
(:class:`ClusterSums`): only the points whose label changed move between sums, and after the first
few iterations those are a few per cent of the points. Without the compiled kernel
(``BACKEND == "numpy"``), the NumPy definition ``topk_cosine_numpy`` answers instead.

But: no Elkan or mini-batch variants, no ``n_init`` restarts (run again with another seed),
no sample weights, dense input only.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import scipy.sparse as sp
import threadpoolctl

from minembed.training.settings import require_number, whole_number
from minembed.vectors import topk

__all__ = ["kmeans", "lloyd", "kmeans_plusplus_plain", "kmeans_plusplus", "nearest_centres",
           "squared_distances_to", "KernelAssignment", "cluster_sums", "ClusterSums"]

Metric = Literal["euclidean", "cosine"]


# --------------------------------------------------------------------------- #
# Seeding: k-means++, the paper's rule first.
# --------------------------------------------------------------------------- #

def squared_distances_to(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """|x_i - c_j|^2 for every point and centre, (N, C) float64, as |x|^2 - 2 x.c + |c|^2 (>= 0).

    >>> squared_distances_to(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0]]))
    array([[ 0.],
           [25.]])
    """
    points, centres = np.asarray(points, np.float64), np.atleast_2d(np.asarray(centres, np.float64))
    distances = (np.einsum("ij,ij->i", points, points)[:, None] - 2 * points @ centres.T
                 + np.einsum("ij,ij->i", centres, centres)[None, :])  # (N, C)
    return np.maximum(distances, 0.0)


def kmeans_plusplus_plain(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ as Arthur & Vassilvitskii state it: indices of the k chosen points, (k,) int64.

    The first is uniform; each next is found where the running sum of D(x)^2 passes a uniform
    draw in [0, sum D^2), i.e. it is drawn with probability D(x)^2 / sum D^2.
    """
    points = np.asarray(points, np.float64)  # (N, D)
    chosen = [int(rng.integers(len(points)))]
    nearest = squared_distances_to(points, points[chosen[0]])[:, 0]  # (N,) D(x)^2
    for _ in range(1, k):
        target = rng.uniform(size=1) * nearest.sum()
        index = min(int(np.searchsorted(np.cumsum(nearest), target)[0]), len(points) - 1)
        chosen.append(index)
        nearest = np.minimum(nearest, squared_distances_to(points, points[index])[:, 0])
    return np.array(chosen, dtype=np.int64)


def kmeans_plusplus(points: np.ndarray, k: int, rng: np.random.Generator,
                    n_local_trials: int | None = None) -> np.ndarray:
    """Greedy k-means++ (scikit-learn's ``_kmeans_plusplus``): indices of the k chosen points, (k,) int64.

    Each step draws ``n_local_trials`` candidates (default 2 + int(ln k)) as the plain rule draws
    one, and keeps the candidate that leaves the smallest total D^2. With one trial it is
    :func:`kmeans_plusplus_plain`, draw for draw.
    """
    points = np.asarray(points, np.float64)  # (N, D)
    trials = 2 + int(np.log(k)) if n_local_trials is None else n_local_trials
    chosen = [int(rng.integers(len(points)))]
    nearest = squared_distances_to(points, points[chosen[0]])[:, 0]  # (N,) D(x)^2
    potential = nearest.sum()
    for _ in range(1, k):
        targets = rng.uniform(size=trials) * potential  # (T,)
        candidates = np.minimum(np.searchsorted(np.cumsum(nearest), targets), len(points) - 1)  # (T,)
        with_candidate = np.minimum(nearest[None, :], squared_distances_to(points, points[candidates]).T)  # (T, N)
        potentials = with_candidate.sum(axis=1)  # (T,)
        best = int(np.argmin(potentials))
        chosen.append(int(candidates[best]))
        nearest, potential = with_candidate[best], potentials[best]
    return np.array(chosen, dtype=np.int64)


# --------------------------------------------------------------------------- #
# Assignment: each point's nearest centre, through the top-k kernel.
# --------------------------------------------------------------------------- #

class KernelAssignment:
    """The points prepared once for the kernel; calling it with centres gives each point's label.

    ``points`` (N, D): centred data for "euclidean" (augmented to [x, 1, 0]), unit rows for "cosine".
    """

    BLOCK = 4096  # points per kernel call: blocks are shared out over the threads

    def __init__(self, points: np.ndarray, metric: Metric) -> None:
        n_points, dim = points.shape
        self.metric = metric
        if metric == "euclidean":
            self.queries = np.zeros((n_points, dim + 2), dtype=np.float32)  # (N, D + 2) float32: [x, 1, 0]
            self.queries[:, :dim] = points
            self.queries[:, dim] = 1.0
        else:
            self.queries = np.ascontiguousarray(points, dtype=np.float32)  # (N, D) float32
        self.indices = np.empty((n_points, 1), dtype=np.int64)  # (N, 1) int64: the kernel's top-1
        self.scores = np.empty((n_points, 1), dtype=np.float32)  # (N, 1) float32
        self.ones = np.ones(n_points, dtype=np.float32)  # query "inverse norms": any positive per-point
        # factor leaves each point's order of centres unchanged, and 1 keeps the scores plain
        self.no_exclusions = np.zeros(self.BLOCK + 1, dtype=np.int64), np.array([-1], dtype=np.int64)

    def table(self, centres: np.ndarray) -> np.ndarray:
        """The centres as kernel rows: [2c, -|c|^2, sqrt(M - 4|c|^2 - |c|^4)] (Euclidean), (k, D') float32."""
        centres = np.asarray(centres, dtype=np.float64)  # (k, D)
        if self.metric == "cosine":
            return np.ascontiguousarray(centres, dtype=np.float32)  # the kernel divides by |c| itself
        squares = np.einsum("ij,ij->i", centres, centres)  # (k,) |c|^2
        lengths = 4 * squares + squares**2  # (k,) |[2c, -|c|^2]|^2
        pad = np.sqrt(np.maximum(lengths.max() - lengths, 0.0))  # (k,) makes every row's length sqrt(M)
        return np.hstack([2 * centres, -squares[:, None], pad[:, None]]).astype(np.float32)  # (k, D + 2)

    def __call__(self, centres: np.ndarray) -> np.ndarray:
        """Each point's nearest centre, (N,) int64, ties to the lower centre index."""
        table = self.table(centres)
        if topk.BACKEND == "numpy":
            return topk.topk_cosine_numpy(table, self.queries, 1)[0][:, 0]
        starts = range(0, len(self.queries), self.BLOCK)
        with topk._one_blas_thread(True):  # the kernel's threads each call sgemm: BLAS on one thread
            bad_rows = list(_pool().map(lambda start: self._block(table, start), starts))
        if max(bad_rows) >= 0:  # cannot happen for finite centres; checked as the wrapper checks
            raise topk.non_finite_row_error(max(bad_rows))
        return self.indices[:, 0].copy()

    def _block(self, table: np.ndarray, start: int) -> int:
        stop = min(start + self.BLOCK, len(self.queries))
        offsets, ids = self.no_exclusions
        return topk._topk.topk_cosine(table, self.queries[start:stop], self.ones[start:stop], self.ones[:0],
                                      offsets[: stop - start + 1], ids, self.indices[start:stop],
                                      self.scores[start:stop])


_threads: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """One worker per core; each runs the kernel with an OpenMP team of one thread."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0)), thread_name_prefix="kmeans",
                                      initializer=_one_openmp_thread)
    return _threads


def _one_openmp_thread() -> None:
    """The workers are the parallelism here: a kernel call with a team of two would leave its
    second thread idle (one tile) yet waited for at every block's barrier, which on a busy machine
    costs a time slice per call. OpenMP's thread count is per calling thread, so this sets it
    for this worker only."""
    threadpoolctl.threadpool_limits(limits=1, user_api="openmp")


def nearest_centres(points: np.ndarray, centres: np.ndarray, metric: Metric = "euclidean") -> np.ndarray:
    """The label of each point, (N,) int64: its nearest centre ("euclidean") or the centre of largest
    cosine ("cosine"), through the top-k kernel; ties to the lower centre index.

    >>> nearest_centres(np.array([[0.0, 0.1], [5.0, 5.0], [0.9, 1.0]]), np.array([[0.0, 0.0], [1.0, 1.0]]))
    array([0, 1, 1])
    """
    metric = _checked_metric(metric)
    points = _checked_points(points, 1)
    centres = np.asarray(centres, dtype=np.float64)
    centres = _checked_init(centres, len(centres) if centres.ndim == 2 else -1, points.shape[1])
    if metric == "cosine":
        return KernelAssignment(_unit(points), metric)(centres)
    mean = points.mean(axis=0)  # (D,) distances are taken between centred points and centres
    return KernelAssignment(points - mean, metric)(centres - mean)


# --------------------------------------------------------------------------- #
# Lloyd's iterations, rule for rule as scikit-learn's lloyd.
# --------------------------------------------------------------------------- #

def cluster_sums(points: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of each cluster's points: (k, D) in the points' dtype, (k,) float.

    The sums are one sparse product, one_hot (k, N) @ points (N, D): a column of one_hot per
    point, its single 1 in the row of its label.
    """
    n_points = len(points)
    one_hot = sp.csc_matrix((np.ones(n_points, dtype=points.dtype), labels, np.arange(n_points + 1)),
                            shape=(k, n_points))  # (k, N)
    return np.asarray(one_hot @ points), np.bincount(labels, minlength=k).astype(points.dtype)


class ClusterSums:
    """``cluster_sums(points, labels, k)`` for each iteration's labels, kept from the last call: only the
    points whose label changed move, each out of its old cluster's sum and into its new one's.

    Lloyd's labels settle fast (in the benchmark's 50,000 points, 21 % change in the second iteration,
    4 % in the fourth, under 1 % from the seventh), so after the first iterations an update reads a few
    hundred rows instead of all N. When more than half the labels change (the first call, always),
    the sums are taken afresh. They are kept in float64, so moving points in and out adds no more
    rounding than float32 sums taken afresh would; they are returned in the points' dtype.
    """

    def __init__(self, points: np.ndarray, k: int) -> None:
        self.points, self.k = points, k
        self.labels: np.ndarray | None = None  # (N,) the labels self.sums and self.counts belong to
        self.sums = np.zeros((k, points.shape[1]))  # (k, D) float64
        self.counts = np.zeros(k, dtype=np.int64)  # (k,)

    def __call__(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sum and count of each cluster's points for ``labels`` (N,): fresh (k, D) and (k,) arrays."""
        changed = None if self.labels is None else np.flatnonzero(labels != self.labels)  # (m,)
        if changed is None or 2 * changed.size > len(labels):
            sums, counts = cluster_sums(self.points, labels, self.k)
            self.sums, self.counts = sums.astype(np.float64), counts.astype(np.int64)
        elif changed.size:
            old, new, m = self.labels[changed], labels[changed], changed.size
            # one_hot(new) - one_hot(old), (k, m): a column per moved point, +1 at its new label, -1 at its old
            moves = sp.csc_matrix((np.tile(np.array([1, -1], dtype=self.points.dtype), m),
                                   np.column_stack([new, old]).ravel(), np.arange(0, 2 * m + 1, 2)), shape=(self.k, m))
            self.sums += moves @ self.points[changed]  # (k, D)
            self.counts += np.bincount(new, minlength=self.k) - np.bincount(old, minlength=self.k)
        self.labels = labels.copy()
        return self.sums.astype(self.points.dtype), self.counts.astype(self.points.dtype)


def relocate_empty_clusters(points: np.ndarray, old_centres: np.ndarray, labels: np.ndarray,
                            sums: np.ndarray, counts: np.ndarray) -> None:
    """Give each empty cluster the point farthest from its own centre, in place (sklearn's
    ``_relocate_empty_clusters_dense``): that point's sum moves from its old cluster to the empty one."""
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return
    distances = ((points - old_centres[labels]) ** 2).sum(axis=1)  # (N,)
    if distances.max() == 0:  # more clusters than distinct points: nothing to move
        return
    farthest = np.argpartition(distances, -empty.size)[: -empty.size - 1: -1]  # sklearn's order, not sorted
    for cluster, point in zip(empty, farthest):
        old = labels[point]
        sums[old] -= points[point]
        sums[cluster] = points[point]
        counts[cluster], counts[old] = 1, counts[old] - 1


def lloyd(points: np.ndarray, centres: np.ndarray, *, metric: Metric = "euclidean", max_iter: int = 300,
          tol: float = 0.0, assign=None) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Lloyd's iterations from ``centres`` (k, D) on prepared ``points`` (N, D): centred data
    ("euclidean") or unit rows ("cosine"); ``tol`` already absolute. Returns (labels (N,) int64,
    centres (k, D), inertia, iterations run). ``assign(centres) -> labels`` defaults to the kernel."""
    assign = assign or KernelAssignment(points, metric)
    summed = ClusterSums(points, len(centres))  # summed(labels) = cluster_sums(points, labels, k), kept up to date
    previous = np.full(len(points), -1, dtype=np.int64)
    labels_match_centres = False
    for iteration in range(1, max_iter + 1):
        labels = assign(centres)  # (N,)
        sums, counts = summed(labels)  # (k, D), (k,)
        relocate_empty_clusters(points, centres, labels, sums, counts)
        new = sums / np.maximum(counts, 1)[:, None]  # (k, D) each cluster's mean
        new[counts == 0] = new[np.argmax(counts)]  # still empty (all points alike): on the largest cluster
        if metric == "cosine":
            new = _unit(new)
        shift = float(((new - centres) ** 2).sum())
        centres = new.astype(points.dtype)
        if np.array_equal(labels, previous):
            labels_match_centres = True  # no label changed, so the centres did not either
            break
        if shift <= tol:
            break
        previous = labels
    if not labels_match_centres:
        labels = assign(centres)
    return labels, centres, _inertia(points, centres, labels), iteration


def _inertia(points: np.ndarray, centres: np.ndarray, labels: np.ndarray) -> float:
    """sum_i |x_i - c_label(i)|^2, in blocks of points (no (N, D) temporary): each point's squared
    distance in the points' dtype (a float32 sum of D squares is good to about 1e-7 of itself), their
    total in float64."""
    total = 0.0
    for start in range(0, len(points), 8192):
        block = slice(start, start + 8192)
        difference = points[block] - centres[labels[block]]  # (B, D)
        total += float(np.einsum("ij,ij->i", difference, difference).sum(dtype=np.float64))
    return total


def _mean_square(centred: np.ndarray) -> float:
    """mean_i,d x_id^2 of centred points, which is the mean over features of np.var(X, axis=0): each
    row's sum of squares in the points' dtype, their total in float64 (np.var is a slower pass)."""
    return float(np.einsum("ij,ij->i", centred, centred).sum(dtype=np.float64)) / centred.size


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1)


# --------------------------------------------------------------------------- #
# The interface: checks first, then seeds, then Lloyd.
# --------------------------------------------------------------------------- #

def kmeans(X: np.ndarray, k: int, *, init: str | np.ndarray = "k-means++", metric: Metric = "euclidean",
           max_iter: int = 300, tol: float = 1e-4, seed: int | np.random.Generator = 0,
           ) -> tuple[np.ndarray, np.ndarray, float]:
    """Cluster the rows of ``X`` (N, D) into ``k`` groups: (labels (N,) int64, centres (k, D), inertia).

    init:     "k-means++" (greedy, seeded by ``seed``) or a (k, D) array of starting centres.
    metric:   "euclidean" (scikit-learn's KMeans) or "cosine" (spherical k-means: rows and
              centres unit length; the inertia is then sum_i |x_i/|x_i| - c|^2 = sum_i 2 (1 - cos)).
    max_iter: at most this many Lloyd iterations.
    tol:      relative, as scikit-learn's: stop once the squared centre shifts sum to at most
              tol x mean per-feature variance of X (of the unit rows, for "cosine").
    seed:     an int or a np.random.Generator, for k-means++ (the same seed gives the same bytes).

    float32 data stays float32 (centres too); any other numbers are computed in float64.

    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 8.0]])
    >>> labels, centres, inertia = kmeans(X, 2, init=X[[0, 2]])
    >>> labels, centres.tolist(), inertia
    (array([0, 0, 1, 1]), [[0.0, 0.5], [9.0, 8.5]], 1.0)
    """
    metric = _checked_metric(metric)
    k = whole_number("k", k, 1, "how many clusters")
    points = _checked_points(X, k)
    max_iter = whole_number("max_iter", max_iter, 1, "the most Lloyd iterations to run")
    require_number("tol", tol, 0, usual="1e-4 is scikit-learn's default")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    if metric == "cosine":
        zero = np.flatnonzero(~points.any(axis=1))
        if zero.size:
            raise ValueError(f"row {zero[0]} of X is all zeros and has no direction for cosine k-means: "
                             "drop the empty rows (e.g. documents with no known words) first.")
        points, mean = _unit(points).astype(points.dtype), np.zeros(points.shape[1], points.dtype)
    else:
        mean = points.mean(axis=0)  # (D,) subtracted for accurate distances, as scikit-learn does
    points = points - mean
    # sklearn's _tolerance: tol x the mean over features of np.var(X, axis=0) (of the unit rows, for cosine)
    absolute_tol = _mean_square(points if metric == "euclidean" else points - points.mean(axis=0)) * tol

    if isinstance(init, str):
        if init != "k-means++":
            raise ValueError(f"init must be 'k-means++' or a (k, D) array of centres, got {init!r}")
        centres = points[kmeans_plusplus(points, k, rng)]
    else:
        centres = _checked_init(init, k, points.shape[1]).astype(points.dtype) - mean
        if metric == "cosine":
            centres = _unit(centres).astype(points.dtype)
    labels, centres, inertia, _ = lloyd(points, centres, metric=metric, max_iter=max_iter, tol=absolute_tol)
    return labels, centres + mean, inertia


def _checked_metric(metric) -> Metric:
    if metric not in ("euclidean", "cosine"):
        raise ValueError(f"metric must be 'euclidean' or 'cosine' (spherical k-means), got {metric!r}")
    return metric


def _checked_points(X, k: int) -> np.ndarray:
    """X as a float32 (if it is float32) or float64 (N, D) array, finite, with at least k rows."""
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise TypeError(f"X must hold numbers, got dtype {X.dtype}; pass an (N, D) array of vectors.")
    if X.ndim != 2:
        raise ValueError(f"X must be an (N, D) matrix of N points, got shape {X.shape}; "
                         "for one feature per point use X.reshape(-1, 1).")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X has shape {X.shape}: there is nothing to cluster; pass at least one point "
                         "with at least one feature.")
    points = np.ascontiguousarray(X, dtype=np.float32 if X.dtype == np.float32 else np.float64)
    if not np.isfinite(points).all():
        row = int(np.flatnonzero(~np.isfinite(points).all(axis=1))[0])
        raise ValueError(f"row {row} of X holds NaN or inf; drop or impute those rows before clustering.")
    if k > len(points):
        raise ValueError(f"k={k} clusters need at least {k} points, but X has {len(points)}: "
                         f"lower k to at most {len(points)} or pass more points.")
    return points


def _checked_init(init, k: int, dim: int) -> np.ndarray:
    centres = np.asarray(init, dtype=np.float64)
    if centres.shape != (k, dim):
        raise ValueError(f"init has shape {centres.shape}; it must be (k, D) = ({k}, {dim}), "
                         "one starting centre per cluster, or 'k-means++'.")
    if not np.isfinite(centres).all():
        raise ValueError("init holds NaN or inf; pass finite starting centres.")
    return centres
