"""Multinomial logistic regression with an L2 penalty, as scikit-learn's LogisticRegression defines it.

For examples x_i (rows of X, dense or scipy.sparse) with classes y_i in 0..K-1, weights W (K, D)
and intercepts b (K,):

    p_i      = softmax(W x_i + b)                                   (K,) class probabilities
    loss     = C * sum_i -log p_i[y_i]  +  0.5 * ||W||^2            the intercept b is not penalised
    dloss/dW = C * (P - Y)^T X  +  W                                 Y one-hot (N, K), P stacked p_i
    dloss/db = C * sum_i (p_i - y_i)

This is the objective scikit-learn states (user guide, "Logistic regression", L2 penalty;
sklearn 1.9's ``_logistic.py``: "C * sum(pointwise_loss) + penalty"), so C scales the data term:
a larger C is a weaker penalty. With two classes scikit-learn fits one weight vector (the
binomial loss, ``coef_`` of shape (1, D)); that is the softmax above with the first class's row
and intercept held at zero, and it is done that way here, so the same C means the same model.

Two optimisers over the same function. :func:`gradient_descent` is the plain one, a fixed step
1/L from the loss's curvature bound. :func:`lbfgs` hands the same loss and gradient to scipy's
L-BFGS-B with the settings scikit-learn's ``solver="lbfgs"`` passes (objective divided by C N,
which moves no minimum; ``gtol=tol``, ``maxls=50``, ``ftol=64 eps``), which is what
:class:`LogisticRegression` runs by default.

But: L2 only (no L1, elastic net or ``class_weight``/``sample_weight``), no one-vs-rest, no
``warm_start``; X is used in float64, W is a dense (K, D) array even for sparse X.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import scipy.optimize
import scipy.sparse as sparse

from minembed.training.settings import require, require_number, whole_number

__all__ = ["loss_and_gradient", "gradient_descent", "lbfgs", "LogisticRegression"]


def loss_and_gradient(W: np.ndarray, b: np.ndarray, X, Y: np.ndarray, C: float) -> tuple[float, np.ndarray, np.ndarray]:
    """C * cross-entropy summed over the rows + 0.5 ||W||^2, and its gradients (dW, db).

    W (K, D) float64, b (K,) float64, X (N, D) dense or sparse, Y (N, K) one-hot float64.

    >>> loss, dW, db = loss_and_gradient(np.zeros((2, 1)), np.zeros(2), np.array([[1.0]]), np.array([[0.0, 1.0]]), 1.0)
    >>> round(loss, 6), dW.ravel().tolist(), db.tolist()   # p = (0.5, 0.5): -log 0.5, and p - y
    (0.693147, [0.5, -0.5], [0.5, -0.5])
    """
    logits = np.asarray(X @ W.T) + b                           # (N, K)
    logits -= logits.max(axis=1, keepdims=True)                # the same softmax, no overflow
    log_normaliser = np.log(np.exp(logits).sum(axis=1, keepdims=True))  # (N, 1)
    log_p = logits - log_normaliser                            # (N, K) log softmax
    loss = -C * float((Y * log_p).sum()) + 0.5 * float((W * W).sum())
    d_logits = C * (np.exp(log_p) - Y)                         # (N, K) C (P - Y)
    dW = np.asarray(X.T @ d_logits).T + W                      # (K, D)
    db = d_logits.sum(axis=0)                                  # (K,)
    return loss, dW, db


def _curvature_bound(X, C: float) -> float:
    """An upper bound L on the curvature of loss / (C N), so that a step of 1/L never overshoots.

    The softmax cross-entropy's second derivative in the logits is at most 1/2 (the largest
    eigenvalue of diag(p) - p p^T), the logits' derivative in (W, b) is [x, 1], and
    ||[X, 1]||_2^2 <= ||[X, 1]||_F^2; the penalty adds 1 / (C N)."""
    rows = X.shape[0]
    squared = X.multiply(X).sum() if sparse.issparse(X) else float((X * X).sum())
    return 0.5 * (float(squared) / rows + 1.0) + 1.0 / (C * rows)


def gradient_descent(X, Y: np.ndarray, C: float, *, free_rows: slice = slice(None), max_iter: int = 10_000,
                     tol: float = 1e-4, fit_intercept: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """Plain gradient descent on loss / (C N), step 1/L, until every gradient entry is below tol.

    Returns (W (K, D), b (K,), steps taken). Rows outside `free_rows` stay zero (two classes).
    Slow on badly conditioned problems (thousands of steps); :func:`lbfgs` is the one to use.
    """
    rows, classes = Y.shape
    W = np.zeros((classes, X.shape[1]))                        # (K, D) float64
    b = np.zeros(classes)                                      # (K,) float64
    step = 1.0 / _curvature_bound(X, C)
    scale = 1.0 / (C * rows)
    for iteration in range(1, max_iter + 1):
        _, dW, db = loss_and_gradient(W, b, X, Y, C)
        dW, db = dW[free_rows] * scale, db[free_rows] * scale
        if not fit_intercept:
            db = np.zeros_like(db)
        if max(np.abs(dW).max(), np.abs(db).max()) <= tol:
            return W, b, iteration - 1
        W[free_rows] -= step * dW
        b[free_rows] -= step * db
    return W, b, max_iter


def lbfgs(X, Y: np.ndarray, C: float, *, free_rows: slice = slice(None), max_iter: int = 100, tol: float = 1e-4,
          fit_intercept: bool = True) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """scipy's L-BFGS-B on loss / (C N), with scikit-learn's options; returns (W, b, iterations, converged).

    The free weights (and intercepts, with fit_intercept) travel as one flat float64 vector."""
    rows, classes = Y.shape
    features = X.shape[1]
    free = len(range(classes)[free_rows])
    scale = 1.0 / (C * rows)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        W = np.zeros((classes, features))                      # (K, D)
        b = np.zeros(classes)                                  # (K,)
        W[free_rows] = theta[: free * features].reshape(free, features)
        if fit_intercept:
            b[free_rows] = theta[free * features:]
        return W, b

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = unpack(theta)
        loss, dW, db = loss_and_gradient(W, b, X, Y, C)
        gradient = [dW[free_rows].ravel()] + ([db[free_rows]] if fit_intercept else [])
        return loss * scale, np.concatenate(gradient) * scale

    start = np.zeros(free * features + (free if fit_intercept else 0))
    result = scipy.optimize.minimize(objective, start, method="L-BFGS-B", jac=True,
                                     options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                                              "ftol": 64 * np.finfo(float).eps})
    W, b = unpack(result.x)
    return W, b, int(result.nit), bool(result.success)


def _check_features(X, name: str = "X"):
    """X as float64: a CSR matrix if sparse, else a 2-D array; refuses empty and non-finite input."""
    if sparse.issparse(X):
        X = sparse.csr_matrix(X, dtype=np.float64)
        values = X.data
    else:
        X = np.asarray(X, dtype=np.float64)
        require(X.ndim == 2, f"{name} must be 2-D, one row of features per example, got shape {X.shape}; "
                             "for one example use X.reshape(1, -1)")
        values = X
    require(X.shape[0] > 0, f"{name} has no rows: give at least one example")
    require(X.shape[1] > 0, f"{name} has no feature columns: give each example at least one feature")
    if not np.isfinite(values).all():
        first = np.flatnonzero(~np.isfinite(values.ravel()))[0]
        row = np.searchsorted(X.indptr, first, side="right") - 1 if sparse.issparse(X) else first // X.shape[1]
        raise ValueError(f"{name} holds NaN or infinite values (the first in row {row}): fill or drop them first, "
                         "e.g. with np.nan_to_num(X) or X[np.isfinite(X).all(axis=1)]")
    return X


class LogisticRegression:
    """Multinomial (softmax) logistic regression with an L2 penalty, scikit-learn's names and objective.

    C: the inverse penalty strength (sklearn's default 1.0); max_iter, tol: as sklearn's lbfgs
    (100, 1e-4); solver: "lbfgs" (default) or "gd", the plain :func:`gradient_descent`.
    After fit: classes_ (sorted labels), coef_ (K, D) or (1, D) for two classes, intercept_, n_iter_.

    >>> X = np.array([[0.0], [1.0], [3.0], [4.0]])
    >>> LogisticRegression(C=10.0).fit(X, ["a", "a", "b", "b"]).predict(np.array([[0.5], [3.5]])).tolist()
    ['a', 'b']
    """

    def __init__(self, C: float = 1.0, *, max_iter: int = 100, tol: float = 1e-4,
                 solver: Literal["lbfgs", "gd"] = "lbfgs", fit_intercept: bool = True):
        require_number("C", C, 0, low_open=True, usual="1.0 is scikit-learn's default; larger C, weaker penalty")
        whole_number("max_iter", max_iter, 1, "the optimiser's iterations; scikit-learn's default is 100")
        require_number("tol", tol, 0, low_open=True, usual="1e-4 is scikit-learn's default")
        require(solver in ("lbfgs", "gd"), f"solver must be 'lbfgs' or 'gd' (plain gradient descent), got {solver!r}")
        self.C, self.max_iter, self.tol, self.solver, self.fit_intercept = C, max_iter, tol, solver, fit_intercept

    def fit(self, X, y) -> "LogisticRegression":
        """Learn W and b from X (N, D) dense or sparse and labels y (N,) of any sortable type."""
        X = _check_features(X)
        y = np.asarray(y)
        require(y.ndim == 1, f"y must be 1-D, one label per row of X, got shape {y.shape}")
        require(len(y) == X.shape[0], f"X has {X.shape[0]} rows but y has {len(y)} labels: give one label per row")
        self.classes_, codes = np.unique(y, return_inverse=True)
        require(len(self.classes_) >= 2, f"y holds only one class ({self.classes_[0]!r}): a classifier needs "
                                         "examples of two classes or more")
        classes = len(self.classes_)
        Y = np.zeros((len(y), classes))                        # (N, K) one-hot float64
        Y[np.arange(len(y)), codes] = 1.0
        free_rows = slice(1, None) if classes == 2 else slice(None)  # two classes: sklearn's one vector
        settings = dict(free_rows=free_rows, max_iter=self.max_iter, tol=self.tol, fit_intercept=self.fit_intercept)
        if self.solver == "lbfgs":
            W, b, self.n_iter_, converged = lbfgs(X, Y, self.C, **settings)
        else:
            W, b, self.n_iter_ = gradient_descent(X, Y, self.C, **settings)
            converged = self.n_iter_ < self.max_iter
        if not converged:
            warnings.warn(f"LogisticRegression did not converge in max_iter={self.max_iter} iterations: raise "
                          "max_iter or scale the features (e.g. unit-length rows)", RuntimeWarning, stacklevel=2)
        self.coef_, self.intercept_ = W[free_rows].copy(), b[free_rows].copy()
        self._W, self._b = W, b
        return self

    def _logits(self, X) -> np.ndarray:
        require(hasattr(self, "_W"), "this LogisticRegression is not fitted yet: call fit(X, y) first")
        X = _check_features(X)
        require(X.shape[1] == self._W.shape[1], f"X has {X.shape[1]} features but the model was fitted on "
                                                f"{self._W.shape[1]}: transform it the same way as in fit")
        return np.asarray(X @ self._W.T) + self._b             # (N, K)

    def decision_function(self, X) -> np.ndarray:
        """sklearn's scores: (N, K) logits, or (N,) for two classes (the second class's logit)."""
        logits = self._logits(X)
        return logits[:, 1] if len(self.classes_) == 2 else logits

    def predict_proba(self, X) -> np.ndarray:
        """(N, K) float64 class probabilities, columns in the order of classes_."""
        logits = self._logits(X)
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row (ties: the first in classes_, as sklearn)."""
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, X, y) -> float:
        """Accuracy: the share of rows whose predicted class is y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

