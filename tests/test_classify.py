"""The classifier (minembed/uses/classify.py) against torch autograd, finite differences and scikit-learn.

The loss and its hand-written gradient are checked in float64 against torch's autograd (to 1e-10
relative: both evaluate the same sums, differing only in rounding) and central finite differences
(to 1e-6 relative, the method's h^2 error with h = 1e-6 plus rounding). The fitted model is checked
against sklearn.linear_model.LogisticRegression with the same C on the same features: both minimise
the same strictly convex objective, so with a tight tol their probabilities agree closely.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sparse

from minembed.training.gradcheck import finite_difference_gradients
from minembed.uses.classify import LogisticRegression, loss_and_gradient


def blobs(rows: int, features: int, classes: int, seed: int, noise: float = 1.0):
    """Labels from a random linear model plus noise, so the classes overlap (no separable data)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))                      # (N, D) float64
    true_W = rng.normal(size=(classes, features))              # (K, D)
    y = np.argmax(X @ true_W.T + noise * rng.gumbel(size=(rows, classes)), axis=1)
    return X, y


def small_problem(seed: int = 0, rows: int = 7, features: int = 4, classes: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    Y = np.eye(classes)[rng.integers(0, classes, size=rows)]   # (N, K) one-hot
    W = rng.normal(size=(classes, features))
    b = rng.normal(size=classes)
    return W, b, X, Y


@pytest.mark.parametrize("as_sparse", [False, True])
def test_gradient_equals_torch_autograd(torch, as_sparse):
    W, b, X, Y = small_problem()
    X[np.abs(X) < 0.5] = 0.0
    C = 2.5
    loss, dW, db = loss_and_gradient(W, b, sparse.csr_matrix(X) if as_sparse else X, Y, C)
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    logits = torch.tensor(X) @ Wt.T + bt
    reference = C * torch.nn.functional.cross_entropy(logits, torch.tensor(Y.argmax(1)), reduction="sum")
    reference = reference + 0.5 * (Wt ** 2).sum()
    reference.backward()
    np.testing.assert_allclose(loss, reference.item(), rtol=1e-10)
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gradient_equals_finite_differences():
    W, b, X, Y = small_problem(seed=1, classes=4)
    W *= 30.0   # large logits: the max-subtraction must keep the softmax exact
    _, dW, db = loss_and_gradient(W, b, X, Y, 0.7)
    numeric = finite_difference_gradients(lambda a: loss_and_gradient(a["W"], a["b"], X, Y, 0.7)[0],
                                          {"W": W.copy(), "b": b.copy()})
    np.testing.assert_allclose(dW, numeric["W"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(db, numeric["b"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("classes", [2, 3, 6])
@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
@pytest.mark.parametrize("as_sparse", [False, True])
def test_fit_equals_sklearn(sklearn, classes, C, as_sparse):
    from sklearn.linear_model import LogisticRegression as Reference
    X, y = blobs(240, 12, classes, seed=classes)
    if as_sparse:
        X = sparse.csr_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
    train, test = slice(0, 160), slice(160, None)
    # tol 1e-8 on the gradient of loss / (C N), whose curvature is at least 1 / (C N): each fit's weights
    # are within 1e-8 C N <= 4e-5 of the one minimum, which moves a probability by at most about that.
    ours = LogisticRegression(C=C, tol=1e-8, max_iter=2000).fit(X[train], y[train])
    theirs = Reference(C=C, tol=1e-8, max_iter=2000).fit(X[train], y[train])
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.coef_.shape == theirs.coef_.shape and ours.intercept_.shape == theirs.intercept_.shape
    np.testing.assert_allclose(ours.predict_proba(X[test]), theirs.predict_proba(X[test]), atol=1e-5)
    np.testing.assert_allclose(ours.decision_function(X[test]), theirs.decision_function(X[test]), atol=1e-4)
    accuracy = ours.score(X[test], y[test])
    assert abs(accuracy - theirs.score(X[test], y[test])) <= 0.01
    assert accuracy > 1.5 / classes   # the features carry the classes: well above chance


def test_default_settings_equal_sklearn_on_text(sklearn, gensim):
    """TF-IDF of 200 movie-review sentences (gensim's test data, read as bytes): sklearn's own features,
    default C, tol and max_iter for both; held-out accuracy within 1 point, probabilities to 1e-3
    (tol=1e-4 leaves each fit up to 1e-4 C N = 0.015 from the minimum in weight space)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression as Reference

    from minembed.data.labelled import polarity
    texts, labels = polarity()
    order = np.random.default_rng(0).permutation(len(texts))
    texts, labels = [texts[i] for i in order], np.array(labels)[order]
    X = TfidfVectorizer().fit_transform(texts)
    ours = LogisticRegression().fit(X[:150], labels[:150])
    theirs = Reference().fit(X[:150], labels[:150])
    assert abs(ours.score(X[150:], labels[150:]) - theirs.score(X[150:], labels[150:])) <= 0.01
    np.testing.assert_allclose(ours.predict_proba(X[150:]), theirs.predict_proba(X[150:]), atol=1e-3)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_gradient_descent_reaches_the_lbfgs_minimum():
    X, y = blobs(120, 5, 3, seed=7)
    plain = LogisticRegression(C=0.5, solver="gd", tol=1e-7, max_iter=50_000).fit(X, y)
    fast = LogisticRegression(C=0.5, tol=1e-9, max_iter=1000).fit(X, y)
    assert plain.n_iter_ > fast.n_iter_   # the point of L-BFGS
    # gradient 1e-7 on loss / (C N), curvature >= 1 / (C N) = 1/60: weights within 6e-6 of the minimum
    np.testing.assert_allclose(plain.coef_, fast.coef_, atol=1e-5)
    np.testing.assert_allclose(plain.predict_proba(X), fast.predict_proba(X), atol=1e-5)


def test_labels_of_any_kind_and_sparse_equals_dense():
    X, y = blobs(90, 4, 3, seed=3)
    names = np.array(["cat", "dog", "eel"])[y]
    dense = LogisticRegression().fit(X, names)
    from_sparse = LogisticRegression().fit(sparse.csr_matrix(X), list(names))
    assert dense.predict(X[:5]).tolist() == from_sparse.predict(sparse.csr_matrix(X[:5])).tolist()
    np.testing.assert_allclose(dense.predict_proba(X), from_sparse.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(dense.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)


def test_bad_input_is_refused_with_what_to_do():
    X, y = blobs(20, 3, 2, seed=0)
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit(X, np.zeros(20))
    with_nan = X.copy()
    with_nan[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values .*row 4"):
        LogisticRegression().fit(with_nan, y)
    with pytest.raises(ValueError, match="NaN or infinite values .*row 4"):
        LogisticRegression().fit(sparse.csr_matrix(with_nan), y)
    with pytest.raises(ValueError, match="X has 20 rows but y has 19 labels"):
        LogisticRegression().fit(X, y[:19])
    with pytest.raises(ValueError, match="X has no rows"):
        LogisticRegression().fit(np.zeros((0, 3)), [])
    with pytest.raises(ValueError, match="no feature columns"):
        LogisticRegression().fit(np.zeros((5, 0)), [0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="must be 2-D"):
        LogisticRegression().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="C must be in"):
        LogisticRegression(C=0.0)
    with pytest.raises(ValueError, match="not fitted yet"):
        LogisticRegression().predict(X)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features but the model was fitted on 3"):
        model.predict(X[:, :2])


def test_unconverged_fit_warns():
    X, y = blobs(100, 5, 3, seed=2)
    with pytest.warns(RuntimeWarning, match="raise max_iter"):
        LogisticRegression(C=100.0, max_iter=2).fit(X, y)
