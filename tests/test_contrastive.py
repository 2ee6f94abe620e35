"""mnr_loss against sentence-transformers' MultipleNegativesRankingLoss (value and autograd gradient) and finite
differences.

Tolerances: in float64 the two sides compute the same sums in a different order, so they agree to ~1e-12;
1e-10 relative leaves room. Central differences with h = 1e-6 in float64 carry ~1e-9 of rounding noise on
gradients of order 1: 1e-6 absolute. In float32 the loss is compared to 1e-5 relative (a scale of 20 magnifies
the ~6e-8 rounding of a cosine to ~1e-6 of a score).
"""

from __future__ import annotations

import numpy as np
import pytest

from minembed.contextual.contrastive import mnr_loss
from minembed.training.gradcheck import finite_difference_gradients
from tests.conftest import library


def _pairs(B=6, D=8, seed=0, dtype=np.float64, noise=0.8):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(B, D)).astype(dtype)
    b = (a + rng.normal(scale=noise, size=(B, D))).astype(dtype) * rng.uniform(0.5, 3.0, size=(B, 1))
    return a, b.astype(dtype)


def _library_loss(torch, symmetric, scale):
    losses = library("sentence_transformers.sentence_transformer.losses")
    if symmetric:
        return losses.MultipleNegativesRankingLoss(model=None, scale=scale, directions=("query_to_doc", "doc_to_query"),
                                                   partition_mode="per_direction")
    return losses.MultipleNegativesRankingLoss(model=None, scale=scale)


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("scale", [20.0, 1.0])
def test_equals_sentence_transformers_value_and_gradient(torch, symmetric, scale):
    a, b = _pairs()
    loss, grad_a, grad_b = mnr_loss(a, b, scale=scale, symmetric=symmetric)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    reference = _library_loss(torch, symmetric, scale).compute_loss_from_embeddings([ta, tb], labels=None)
    reference.backward()
    np.testing.assert_allclose(loss, reference.item(), rtol=1e-10)
    np.testing.assert_allclose(grad_a, ta.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(grad_b, tb.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_symmetric_class_is_the_same_loss(torch):
    losses = library("sentence_transformers.sentence_transformer.losses")
    a, b = _pairs(seed=3)
    with pytest.warns(Warning):     # the library deprecates the class in favour of directions=...
        reference = losses.MultipleNegativesSymmetricRankingLoss(model=None)
    value = reference.compute_loss_from_embeddings([torch.tensor(a), torch.tensor(b)], labels=None).item()
    np.testing.assert_allclose(mnr_loss(a, b, symmetric=True)[0], value, rtol=1e-10)


@pytest.mark.parametrize("symmetric", [False, True])
def test_gradient_equals_finite_differences(symmetric):
    a, b = _pairs(B=4, D=5, seed=1)
    loss, grad_a, grad_b = mnr_loss(a, b, scale=5.0, symmetric=symmetric)
    numeric = finite_difference_gradients(lambda x: mnr_loss(x["a"], x["b"], 5.0, symmetric)[0],
                                          {"a": a.copy(), "b": b.copy()})
    np.testing.assert_allclose(grad_a, numeric["a"], atol=1e-6)
    np.testing.assert_allclose(grad_b, numeric["b"], atol=1e-6)


def test_float32_keeps_its_dtype_and_agrees(torch):
    a, b = _pairs(B=32, D=384, seed=2, dtype=np.float32, noise=4.0)   # a loss near 1, not 1e-5
    loss, grad_a, grad_b = mnr_loss(a, b)
    assert grad_a.dtype == grad_b.dtype == np.float32
    loss64, grad_a64, _ = mnr_loss(a.astype(np.float64), b.astype(np.float64))
    np.testing.assert_allclose(loss, loss64, rtol=1e-5)
    np.testing.assert_allclose(grad_a, grad_a64, rtol=1e-4, atol=1e-6)


def test_large_scores_do_not_overflow():
    a, b = _pairs()
    loss, grad_a, _ = mnr_loss(a, b, scale=1e4)          # exp(1e4) overflows without the max shift
    assert np.isfinite(loss) and np.isfinite(grad_a).all()


def test_loss_falls_along_the_negative_gradient():
    a, b = _pairs(seed=4)
    loss, grad_a, grad_b = mnr_loss(a, b)
    assert mnr_loss(a - 1e-3 * grad_a, b - 1e-3 * grad_b)[0] < loss


@pytest.mark.parametrize("a, b, error, words", [
    (np.ones((1, 4)), np.ones((1, 4)), ValueError, "at least 2 pairs"),
    (np.ones((3, 4)), np.ones((2, 4)), ValueError, "same shape"),
    (np.ones((3, 4), dtype=np.int64), np.ones((3, 4), dtype=np.int64), TypeError, "float"),
    (np.full((3, 4), np.nan), np.ones((3, 4)), FloatingPointError, "learning rate"),
    ([[1.0, 0.0]], [[0.0, 1.0]], TypeError, "NumPy arrays"),
])
def test_bad_input_says_what_to_do(a, b, error, words):
    with pytest.raises(error, match=words):
        mnr_loss(a, b)


def test_scale_must_be_positive():
    a, b = _pairs()
    with pytest.raises(ValueError, match="positive"):
        mnr_loss(a, b, scale=0.0)
