"""PCA and t-SNE in NumPy: two ways to squeeze a table of word vectors onto a page.

PCA (Pearson 1901; here by the SVD of the centred data, as scikit-learn's
``PCA(svd_solver="full")`` computes it) keeps the directions of largest
variance. It is linear and global: parallel offsets such as king - queen and
man - woman stay parallel, which is why analogy pictures use it.

    X - mean = U S Vt        components = Vt[:k]        projection = (X - mean) Vt[:k].T
    explained_variance = S**2 / (N - 1)

Each component's sign is fixed as scikit-learn fixes it (``svd_flip`` with
``u_based_decision=False``): the entry of largest magnitude in each row of Vt
is positive. So the projections equal scikit-learn's, sign included.

t-SNE (van der Maaten & Hinton 2008, "Visualizing Data using t-SNE", JMLR 9)
keeps neighbourhoods instead: it is non-linear and local, good at showing
clusters, bad at distances between clusters.

    p_j|i = exp(-beta_i d_ij) / sum_k exp(-beta_i d_ik),  d = squared distance
            beta_i (the Gaussian's precision 1 / 2 sigma_i^2) found by bisection
            so that 2**entropy(p_.|i) equals the chosen perplexity
    p_ij  = (p_j|i + p_i|j) / 2N                   symmetric, sums to 1
    q_ij  = (1 + |y_i - y_j|^2)^-1 / sum_k!=l (1 + |y_k - y_l|^2)^-1   Student t, 1 dof
    C     = KL(P || Q) = sum_ij p_ij log(p_ij / q_ij)
    dC/dy_i = 4 sum_j (p_ij - q_ij) (1 + |y_i - y_j|^2)^-1 (y_i - y_j)

and gradient descent with momentum, "early exaggeration" (P multiplied by 12
for the first 250 steps, so clusters form first) and per-parameter gains
(Jacobs 1988: +0.2 while a coordinate's gradient keeps its sign, x0.8 when
it flips). The schedule and every default follow scikit-learn's ``TSNE(method="exact")``
step for step (the tests run both optimisers from the same start and P and
compare), which differs from the 2008 paper in three places, each noted in
:class:`TSNEConfig`: exaggeration 12 for 250 steps (paper: 4 for 50), the
learning rate max(N / 48, 50) (paper: 100), and momentum and gains that restart
when the exaggeration ends.

But: the exact O(N^2) gradient only (memory ~ 5 N^2 doubles: a few thousand
points, not the Barnes-Hut tree of van der Maaten 2014 that handles millions),
no out-of-sample ``transform``, only squared Euclidean and squared cosine
distances, and Q is not clipped at 2.2e-16 as scikit-learn clips it (so the KL
and gradient here are the exact ones; the two differ only for q_ij < 1e-16).
For figures of these projections see :mod:`minembed.figures.plots`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = [
    "PCA", "fit_pca", "TSNEConfig", "TSNEResult", "tsne", "squared_distances",
    "calibrate_precisions", "joint_probabilities", "kl_divergence_and_gradient",
]

MACHINE_EPSILON = np.finfo(np.float64).eps  # the floor scikit-learn puts under P


# --------------------------------------------------------------------------- #
# PCA
# --------------------------------------------------------------------------- #

@dataclass(frozen=True)
class PCA:
    """A fitted PCA: ``transform(X) = (X - mean) @ components.T``."""

    mean: np.ndarray  # (D,) float64
    components: np.ndarray  # (k, D) float64, orthonormal rows, largest variance first
    explained_variance: np.ndarray  # (k,) float64, variance along each component (ddof=1)
    explained_variance_ratio: np.ndarray  # (k,) float64, share of the total variance

    def transform(self, points: np.ndarray) -> np.ndarray:
        """Coordinates of ``points`` (N, D) on the components: (N, k) float64."""
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != self.mean.shape[0]:
            raise ValueError(f"points must be (N, {self.mean.shape[0]}), got shape {points.shape}.")
        return (points - self.mean) @ self.components.T  # (N, k)


def fit_pca(points: np.ndarray, n_components: int = 2) -> PCA:
    """Principal components of the rows of ``points`` (N, D), by SVD.

    >>> model = fit_pca(np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 2.0]]), n_components=1)
    >>> model.components.round(4), model.explained_variance.round(4)
    (array([[0.8944, 0.4472]]), array([5.]))
    """
    points = np.asarray(points, dtype=np.float64)  # (N, D) float64
    if points.ndim != 2:
        raise ValueError(f"points must be a (N, D) matrix, got shape {points.shape}.")
    n_points, dim = points.shape
    if not 1 <= n_components <= min(n_points, dim):
        raise ValueError(
            f"n_components must be between 1 and min(N, D) = {min(n_points, dim)} "
            f"for {n_points} points of dimension {dim}, got {n_components}."
        )
    if n_points < 2:
        raise ValueError("PCA needs at least two points (the variance of one point is undefined).")
    mean = points.mean(axis=0)  # (D,)
    centred = points - mean  # (N, D)
    _, singular_values, vt = np.linalg.svd(centred, full_matrices=False)  # S (r,), Vt (r, D)
    # Fix each component's sign: its largest-magnitude entry is positive (sklearn's svd_flip).
    largest = np.argmax(np.abs(vt), axis=1)  # (r,)
    signs = np.sign(vt[np.arange(len(vt)), largest])  # (r,) +-1
    vt = vt * signs[:, None]
    variance = singular_values**2 / (n_points - 1)  # (r,)
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)
    return PCA(mean, vt[:n_components], variance[:n_components], ratio[:n_components])


# --------------------------------------------------------------------------- #
# t-SNE, step 1: the input similarities P
# --------------------------------------------------------------------------- #

def squared_distances(points: np.ndarray, metric: Literal["euclidean", "cosine"] = "euclidean") -> np.ndarray:
    """Squared distance between every pair of rows, (N, N) float64, zero diagonal.

    "euclidean": |x_i - x_j|^2; "cosine": (1 - cos(x_i, x_j))^2, which is what
    scikit-learn's TSNE(metric="cosine") uses (it squares every non-Euclidean metric).

    >>> squared_distances(np.array([[0.0, 0.0], [3.0, 4.0]]))
    array([[ 0., 25.],
           [25.,  0.]])
    """
    points = np.asarray(points, dtype=np.float64)  # (N, D) float64
    if metric == "cosine":
        norms = np.linalg.norm(points, axis=1, keepdims=True)  # (N, 1)
        if np.any(norms == 0):
            raise ValueError("a zero vector has no cosine distance; drop it or use metric='euclidean'.")
        unit = points / norms  # (N, D)
        distances = (1.0 - np.clip(unit @ unit.T, -1.0, 1.0)) ** 2  # (N, N)
    elif metric == "euclidean":
        sq_norms = np.einsum("ij,ij->i", points, points)  # (N,)
        # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b; rounding can leave tiny negatives
        distances = np.maximum(sq_norms[:, None] + sq_norms[None, :] - 2.0 * points @ points.T, 0.0)
    else:
        raise ValueError(f"metric must be 'euclidean' or 'cosine', got {metric!r}.")
    np.fill_diagonal(distances, 0.0)
    return distances


def calibrate_precisions(
    sq_distances: np.ndarray, perplexity: float, tolerance: float = 1e-5, max_steps: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Conditional probabilities p_j|i with perplexity ``perplexity`` for every point i.

    For each row, bisect on the precision beta_i of the Gaussian until the
    entropy H_i = log sum_j exp(-beta_i d_ij) + beta_i sum_j d_ij p_j|i (in nats)
    is within ``tolerance`` of log(perplexity): start at beta = 1, double (or
    halve) until the target is bracketed, then halve the bracket. The rule,
    tolerance and step limit are those of scikit-learn's
    ``_binary_search_perplexity``; here all rows bisect at once, each with its
    own bracket, and exponents are shifted by the row's nearest distance so
    that exp never underflows to an all-zero row.

    Returns ``(conditional, beta)``: (N, N) float64 with row i = p_.|i (zero
    diagonal, rows sum to 1) and (N,) float64 precisions.

    >>> conditional, beta = calibrate_precisions(np.array([[0.0, 1.0, 1.0], [1.0, 0, 4], [1, 4, 0]]), 2.0)
    >>> conditional[0].round(6).tolist()  # two equidistant neighbours: perplexity 2 at any beta
    [0.0, 0.5, 0.5]
    """
    sq_distances = np.asarray(sq_distances, dtype=np.float64)
    n_points = len(sq_distances)
    if sq_distances.shape != (n_points, n_points) or n_points < 2:
        raise ValueError(f"sq_distances must be a square (N, N) matrix with N >= 2, got {sq_distances.shape}.")
    if not 1.0 <= perplexity < n_points:
        raise ValueError(
            f"perplexity must be at least 1 and less than the number of points ({n_points}), "
            f"got {perplexity}; it is the effective number of neighbours, try about N / 4."
        )
    off_diagonal = ~np.eye(n_points, dtype=bool)
    neighbour_d = sq_distances[off_diagonal].reshape(n_points, n_points - 1)  # (N, N-1) float64
    shifted = neighbour_d - neighbour_d.min(axis=1, keepdims=True)  # (N, N-1), row minimum 0
    target = np.log(perplexity)

    beta = np.ones(n_points)  # (N,) precisions
    beta_low = np.full(n_points, -np.inf)  # (N,) bracket, open until found
    beta_high = np.full(n_points, np.inf)
    active = np.arange(n_points)  # rows still searching
    probabilities = np.empty_like(shifted)  # (N, N-1)
    for _ in range(max_steps):
        b = beta[active, None]  # (A, 1)
        weights = np.exp(-b * shifted[active])  # (A, N-1), the largest is exp(0) = 1
        total = weights.sum(axis=1, keepdims=True)  # (A, 1) >= 1
        probabilities[active] = weights / total
        # H = log sum exp(-beta d) + beta E[d]; the shift cancels: both terms use d - d_min
        entropy = np.log(total[:, 0]) + beta[active] * np.einsum(
            "ij,ij->i", shifted[active], probabilities[active]
        )  # (A,)
        too_flat = entropy > target  # entropy too high: sharpen (raise beta)
        done = np.abs(entropy - target) <= tolerance
        rows, flat = active[~done], too_flat[~done]
        up, down = rows[flat], rows[~flat]
        beta_low[up] = beta[up]
        beta[up] = np.where(np.isinf(beta_high[up]), beta[up] * 2.0, (beta[up] + beta_high[up]) / 2.0)
        beta_high[down] = beta[down]
        beta[down] = np.where(np.isinf(beta_low[down]), beta[down] / 2.0, (beta[down] + beta_low[down]) / 2.0)
        active = rows
        if len(active) == 0:
            break
    conditional = np.zeros((n_points, n_points))  # (N, N) float64, zero diagonal
    conditional[off_diagonal] = probabilities.ravel()
    return conditional, beta


def joint_probabilities(sq_distances: np.ndarray, perplexity: float) -> np.ndarray:
    """Symmetric t-SNE input probabilities p_ij = (p_j|i + p_i|j) / sum, (N, N) float64.

    Off-diagonal entries are floored at 2.2e-16 (as in scikit-learn's
    ``_joint_probabilities``) so that log p_ij is finite; the diagonal is 0.
    """
    conditional, _ = calibrate_precisions(sq_distances, perplexity)  # (N, N)
    joint = conditional + conditional.T  # (N, N) symmetric
    joint /= max(joint.sum(), MACHINE_EPSILON)  # = 2N, each row of conditional sums to 1
    joint = np.maximum(joint, MACHINE_EPSILON)
    np.fill_diagonal(joint, 0.0)
    return joint


# --------------------------------------------------------------------------- #
# t-SNE, step 2: the objective and its gradient
# --------------------------------------------------------------------------- #

def kl_divergence_and_gradient(
    embedding: np.ndarray, joint: np.ndarray, degrees_of_freedom: float = 1.0
) -> tuple[float, np.ndarray]:
    """KL(P || Q) and its exact gradient with respect to the embedding Y, (N, k) float64.

    With alpha degrees of freedom, K_ij = (1 + |y_i - y_j|^2 / alpha)^-1 and
    q_ij = K_ij^((alpha + 1) / 2) / sum_k!=l K_kl^((alpha + 1) / 2):

        C       = sum_ij p_ij log(p_ij / q_ij)
        dC/dy_i = (2 (alpha + 1) / alpha) sum_j (p_ij - q_ij) K_ij (y_i - y_j)

    which is the paper's 4 sum_j (p_ij - q_ij) K_ij (y_i - y_j) at alpha = 1.
    (scikit-learn multiplies by K_ij^((alpha + 1) / 2) in place of K_ij, the
    same thing at alpha = 1 only; the tests check this one against autograd.)
    """
    embedding = np.asarray(embedding, dtype=np.float64)  # (N, k)
    sq_norms = np.einsum("ij,ij->i", embedding, embedding)  # (N,)
    distances = np.maximum(sq_norms[:, None] + sq_norms[None, :] - 2.0 * embedding @ embedding.T, 0.0)  # (N, N)
    kernel = 1.0 / (1.0 + distances / degrees_of_freedom)  # (N, N) K_ij
    heavy_tail = kernel if degrees_of_freedom == 1.0 else kernel ** ((degrees_of_freedom + 1.0) / 2.0)
    np.fill_diagonal(heavy_tail, 0.0)  # q_ii = 0: a point is not its own neighbour
    q = heavy_tail / heavy_tail.sum()  # (N, N), sums to 1

    positive = joint > 0  # the diagonal, and nothing else after joint_probabilities' floor
    kl = float(np.sum(joint[positive] * np.log(joint[positive] / q[positive])))

    forces = (joint - q) * kernel  # (N, N) attraction minus repulsion; diagonal 0
    # sum_j F_ij (y_i - y_j) = (row sums of F) * y_i - F @ Y
    gradient = forces.sum(axis=1)[:, None] * embedding - forces @ embedding  # (N, k)
    gradient *= 2.0 * (degrees_of_freedom + 1.0) / degrees_of_freedom
    return kl, gradient


# --------------------------------------------------------------------------- #
# t-SNE, step 3: the optimiser
# --------------------------------------------------------------------------- #

@dataclass
class TSNEConfig:
    """t-SNE settings; defaults are scikit-learn's ``TSNE(method="exact")``."""

    n_components: int = 2
    perplexity: float = 30.0  # sklearn; the paper recommends 5 to 50 (it uses 40)
    metric: Literal["euclidean", "cosine"] = "euclidean"  # cosine suits word vectors
    early_exaggeration: float = 12.0  # sklearn, and van der Maaten 2014; the 2008 paper: 4
    exaggeration_iters: int = 250  # sklearn; the 2008 paper: 50
    learning_rate: float | Literal["auto"] = "auto"  # "auto" = max(N / exaggeration / 4, 50) (sklearn); paper: 100
    max_iter: int = 1000  # the paper and sklearn
    momentum_early: float = 0.5  # the paper, during the first 250 steps
    momentum_late: float = 0.8  # the paper, afterwards
    min_gain: float = 0.01  # the paper's tsne.m and sklearn
    min_grad_norm: float = 1e-7  # sklearn: stop when |gains * gradient| falls below this
    n_iter_without_progress: int = 300  # sklearn: stop when the KL has not improved for this long
    check_every: int = 50  # sklearn checks the two stopping rules (and we log the KL) this often
    init: Literal["pca", "random"] = "pca"  # sklearn's default; "random" needs rng


@dataclass
class TSNEResult:
    embedding: np.ndarray  # (N, k) float64
    kl_divergence: float  # KL(P || Q) at the final embedding
    n_iter: int  # gradient steps taken
    kl_history: list[tuple[int, float]] = field(default_factory=list)  # (step, KL(P || Q)) every check_every steps
    joint: np.ndarray | None = None  # (N, N) float64, the P that was fitted


def tsne(
    points: np.ndarray,
    config: TSNEConfig | None = None,
    rng: np.random.Generator | None = None,
    init: np.ndarray | None = None,
) -> TSNEResult:
    """Embed the rows of ``points`` (N, D) in ``config.n_components`` dimensions.

    init: an (N, k) starting embedding, overriding ``config.init`` ("pca": the
    first k principal components scaled so that the first has standard
    deviation 1e-4, deterministic; "random": N(0, 1e-4^2) drawn from ``rng``).
    The same input, config and rng state give the same embedding, bit for bit.
    """
    config = config or TSNEConfig()
    points = np.asarray(points, dtype=np.float64)  # (N, D) float64
    if points.ndim != 2 or len(points) < 2:
        raise ValueError(f"points must be a (N, D) matrix with N >= 2, got shape {points.shape}.")
    if not np.isfinite(points).all():
        raise ValueError("points contain NaN or inf; drop those rows first.")
    n_points, k = len(points), config.n_components
    if n_points > 10_000:
        raise ValueError(
            f"exact t-SNE on {n_points:,} points needs ~{5 * 8 * n_points**2 / 2**30:.0f} GiB; "
            "embed a sample of at most a few thousand (e.g. the most frequent words)."
        )
    joint = joint_probabilities(squared_distances(points, config.metric), config.perplexity)  # (N, N)

    if init is not None:
        embedding = np.array(init, dtype=np.float64)  # (N, k) float64, a copy we may update
        if embedding.shape != (n_points, k):
            raise ValueError(f"init must have shape ({n_points}, {k}), got {embedding.shape}.")
    elif config.init == "pca":
        embedding = fit_pca(points, k).transform(points)  # (N, k)
        embedding = embedding / np.std(embedding[:, 0]) * 1e-4
    elif config.init == "random":
        if rng is None:
            raise ValueError("init='random' draws from rng: pass rng=np.random.default_rng(seed).")
        embedding = 1e-4 * rng.standard_normal((n_points, k))  # (N, k) float64
    else:
        raise ValueError(f"config.init must be 'pca' or 'random', got {config.init!r}.")

    if config.learning_rate == "auto":
        learning_rate = max(n_points / config.early_exaggeration / 4.0, 50.0)
    else:
        learning_rate = float(config.learning_rate)
    degrees_of_freedom = max(k - 1, 1)  # van der Maaten 2009; 1 for a 2-D map
    history: list[tuple[int, float]] = []

    def descend(start: int, stop: int, momentum: float, exaggeration: float, patience: int) -> int:
        """Steps start..stop-1 of gradient descent on KL(exaggeration * P || Q); returns the last step."""
        nonlocal embedding
        update = np.zeros_like(embedding)  # (N, k) the momentum term
        gains = np.ones_like(embedding)  # (N, k) per-parameter step multipliers
        best_error, best_step = np.inf, start
        step = start
        for step in range(start, stop):
            error, gradient = kl_divergence_and_gradient(embedding, exaggeration * joint, degrees_of_freedom)
            # Gains (Jacobs 1988): grow while the gradient keeps its sign, shrink once
            # it points back along our last step (we overshot).
            overshot = update * gradient >= 0.0  # (N, k) bool
            gains = np.where(overshot, gains * 0.8, gains + 0.2)
            np.clip(gains, config.min_gain, None, out=gains)
            gradient *= gains
            update = momentum * update - learning_rate * gradient
            embedding = embedding + update
            if (step + 1) % config.check_every == 0:
                history.append((step + 1, kl_divergence_and_gradient(embedding, joint, degrees_of_freedom)[0]))
                if error < best_error:
                    best_error, best_step = error, step
                elif step - best_step > patience:
                    break
                if np.linalg.norm(gradient) <= config.min_grad_norm:
                    break
        return step

    # Stage 1: early exaggeration, low momentum. Stage 2: the real P, higher momentum.
    last = descend(0, min(config.exaggeration_iters, config.max_iter), config.momentum_early, config.early_exaggeration,
                   patience=config.exaggeration_iters)
    if last + 1 < config.exaggeration_iters or config.max_iter > config.exaggeration_iters:
        last = descend(last + 1, config.max_iter, config.momentum_late, 1.0,
                       patience=config.n_iter_without_progress)
    kl, _ = kl_divergence_and_gradient(embedding, joint, degrees_of_freedom)
    return TSNEResult(embedding, kl, last + 1, history, joint)
