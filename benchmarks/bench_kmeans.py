"""k-means: minembed's Lloyd iterations against scikit-learn's KMeans, per iteration, in one run.

    python -m benchmarks.bench_kmeans            # 50,000 x 384 float32, k = 100 (about a minute)
    python -m benchmarks.bench_kmeans --quick    # 10,000 x 384

The points are 384-d float32 vectors (the size of MiniLM's sentence vectors) drawn around
4 x k Gaussian centres that overlap, so labels keep changing for many iterations; both
programs start from the same k random points as centres, with tol = 0. The time of an
iteration is measured as scikit-learn's own loop would report it, without the fixed costs
(checks, centring, the last assignment and the inertia):

    per iteration = (time of max_iter = LONG - time of max_iter = SHORT) / (LONG - SHORT)

i.e. over iterations SHORT + 1 .. LONG, where (in these points) 4 % and then under 1 % of the
labels change per iteration. That matters for minembed, whose update step moves only the points
whose label changed (kmeans.ClusterSums), so its early iterations, when most labels change, cost
more than the average it reports; hence the script also prints the ratio for the whole fit.
Each time is the best of 3 rounds, taken in turns (a 0.2 s pause before each call lets the other
program's OpenMP threads stop spinning; see bench_topk). Both use every core: scikit-learn its
OpenMP threads over chunks of points, minembed one thread per block of points, each calling
the compiled top-k kernel. The script checks that both ran LONG iterations and prints how
many of the final labels agree (they start equal; float32 sums in another order can move a
point on the boundary of two clusters, and the difference then grows).

Target (issue 25): at least as fast per iteration as scikit-learn (ratio >= 1). The machine is
shared: compare the ratio from one run, not times across runs.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

SHORT, LONG = 3, 13  # iterations: the difference of the two runs is LONG - SHORT iterations


def points_around_centres(n: int, dim: int, k: int, seed: int = 0) -> np.ndarray:
    """(n, dim) float32: around 4k centres of spread 1, with noise of spread 1 (the blobs overlap)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((4 * k, dim), dtype=np.float32)
    return centres[rng.integers(0, 4 * k, n)] + rng.standard_normal((n, dim), dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 points instead of 50,000")
    parser.add_argument("--k", type=int, default=100, help="clusters (default 100)")
    arguments = parser.parse_args()

    from sklearn import __version__ as sklearn_version
    from sklearn.cluster import KMeans

    from minembed.uses.kmeans import kmeans
    from minembed.vectors.topk import BACKEND

    n, dim, k = (10_000 if arguments.quick else 50_000), 384, arguments.k
    X = points_around_centres(n, dim, k)
    init = X[np.random.default_rng(1).choice(n, k, replace=False)].copy()  # (k, dim) float32

    def ours(iterations: int):
        return kmeans(X, k, init=init, max_iter=iterations, tol=0.0)

    def theirs(iterations: int):
        return KMeans(k, init=init, n_init=1, max_iter=iterations, tol=0.0, algorithm="lloyd").fit(X)

    runs = {("minembed", SHORT): lambda: ours(SHORT), ("minembed", LONG): lambda: ours(LONG),
            ("scikit-learn", SHORT): lambda: theirs(SHORT), ("scikit-learn", LONG): lambda: theirs(LONG)}
    print(f"k-means, {n:,} x {dim} float32, k = {k}, tol = 0; {len(os.sched_getaffinity(0))} cores; "
          f"minembed top-k backend {BACKEND}, scikit-learn {sklearn_version}", flush=True)
    ours(1), theirs(1)  # warm up: page in X, start the thread pools
    best = {name: float("inf") for name in runs}
    results = {}
    for _ in range(3):
        for name, run in runs.items():
            time.sleep(0.2)
            started = time.perf_counter()
            results[name] = run()
            best[name] = min(best[name], time.perf_counter() - started)

    fitted = results["scikit-learn", LONG]
    assert fitted.n_iter_ == LONG, f"scikit-learn converged after {fitted.n_iter_} iterations; the timing needs {LONG}"
    labels, _, inertia = results["minembed", LONG]
    per_iteration = {name: (best[name, LONG] - best[name, SHORT]) / (LONG - SHORT)
                     for name in ("minembed", "scikit-learn")}
    for name in ("minembed", "scikit-learn"):
        fixed = best[name, SHORT] - SHORT * per_iteration[name]
        print(f"{name:<13} {1000 * per_iteration[name]:7.1f} ms per iteration   "
              f"({1000 * fixed:.0f} ms fixed cost; max_iter={LONG}: {best[name, LONG]:.2f} s)")
    ratio = per_iteration["scikit-learn"] / per_iteration["minembed"]
    print(f"scikit-learn / minembed per iteration: {ratio:.2f}x (target >= 1: minembed at least as fast)")
    print(f"scikit-learn / minembed for the whole fit of {LONG} iterations: "
          f"{best['scikit-learn', LONG] / best['minembed', LONG]:.2f}x")
    print(f"after {LONG} iterations: {np.mean(labels == fitted.labels_):.1%} of labels equal, "
          f"inertia {inertia:.6g} vs {fitted.inertia_:.6g} ({inertia / fitted.inertia_ - 1:+.1e} relative)")


if __name__ == "__main__":
    main()
