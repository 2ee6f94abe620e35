"""minembed.predicting.losses: every hand-written gradient against torch autograd and central
finite differences (minembed.training.gradcheck), in float32 and float64.
"""

import numpy as np
import pytest

from minembed.predicting.losses import cbow_loss_and_grads, sgns_loss_and_grads, sgns_window_loss_and_grads
from minembed.training.gradcheck import finite_difference_gradients

torch = pytest.importorskip("torch", reason="the gradients are checked against torch autograd")

B, K, D, WINDOW = 6, 4, 7, 3


def random_batch(dtype, seed=0):
    rng = np.random.default_rng(seed)
    w_in = rng.normal(size=(B, D)).astype(dtype)  # (B, D)
    c_outputs = rng.normal(size=(B, 1 + K, D)).astype(dtype)  # (B, 1 + K, D)
    w_ctx = rng.normal(size=(B, 2 * WINDOW, D)).astype(dtype)  # (B, 2w, D)
    inside = rng.random((B, 2 * WINDOW)) < 0.6  # (B, 2w) bool
    inside[:, 0] = True  # every example has a context
    use = rng.random((B, 1 + K)) < 0.8  # (B, 1 + K) bool: some noise words skipped
    use[:, 0] = True
    return w_in, c_outputs, w_ctx, inside, use


def torch_sgns(w_in, c_outputs, use):
    scores = torch.einsum("bd,bjd->bj", w_in, c_outputs)
    sign = torch.ones(scores.shape[1], dtype=scores.dtype)
    sign[0] = -1
    return (torch.nn.functional.softplus(scores * sign) * torch.as_tensor(use)).sum()  # softplus(x) = -log s(-x)


def torch_grads(loss_fn, arrays):
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    loss = loss_fn(*tensors)
    loss.backward()
    return loss.item(), [t.grad.numpy() for t in tensors]


# the float32 tolerance is the brief's "relative 1e-5" (atol for entries near 0);
# in float64 both sides agree to rounding
TOLERANCES = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgns_gradients_match_torch(dtype):
    w_in, c_outputs, _, _, use = random_batch(dtype)
    loss, grad_in, g = sgns_loss_and_grads(w_in, c_outputs, use)
    grad_outputs = g[:, :, None] * w_in[:, None, :]  # (B, 1 + K, D): the outer product add_to_rows forms
    expected_loss, (expected_in, expected_outputs) = torch_grads(
        lambda w, c: torch_sgns(w, c, use), [w_in, c_outputs])
    np.testing.assert_allclose(loss.sum(), expected_loss, rtol=1e-6)
    np.testing.assert_allclose(grad_in, expected_in, **TOLERANCES[dtype])
    np.testing.assert_allclose(grad_outputs, expected_outputs, **TOLERANCES[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cbow_gradients_match_torch(dtype):
    _, c_outputs, w_ctx, inside, use = random_batch(dtype)
    loss, grad_ctx, g, h = cbow_loss_and_grads(w_ctx, inside, c_outputs, use)

    def torch_cbow(w, c):
        weights = torch.as_tensor(inside, dtype=w.dtype)
        mean = torch.einsum("bi,bid->bd", weights, w) / weights.sum(1, keepdim=True)
        return torch_sgns(mean, c, use)

    expected_loss, (expected_ctx, expected_outputs) = torch_grads(torch_cbow, [w_ctx, c_outputs])
    np.testing.assert_allclose(loss.sum(), expected_loss, rtol=1e-6)
    np.testing.assert_allclose(grad_ctx, expected_ctx, **TOLERANCES[dtype])
    np.testing.assert_allclose(g[:, :, None] * h[:, None, :], expected_outputs, **TOLERANCES[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shared_window_gradients_match_torch(dtype):
    _, c_outputs, w_ctx, inside, use = random_batch(dtype)
    loss, grad_ctx, grad_outputs = sgns_window_loss_and_grads(w_ctx, inside, c_outputs, use)

    def torch_window(w, c):
        scores = torch.einsum("bid,bjd->bij", w, c)
        sign = torch.ones(scores.shape[2], dtype=scores.dtype)
        sign[0] = -1
        mask = torch.as_tensor(inside[:, :, None] & use[:, None, :])
        return (torch.nn.functional.softplus(scores * sign) * mask).sum()

    expected_loss, (expected_ctx, expected_outputs) = torch_grads(torch_window, [w_ctx, c_outputs])
    np.testing.assert_allclose(loss.sum(), expected_loss, rtol=1e-6)
    np.testing.assert_allclose(grad_ctx, expected_ctx, **TOLERANCES[dtype])
    np.testing.assert_allclose(grad_outputs, expected_outputs, **TOLERANCES[dtype])


def test_gradients_match_finite_differences():
    w_in, c_outputs, w_ctx, inside, use = random_batch(np.float64, seed=1)
    # central differences with step 1e-6 in float64: error ~1e-9, well under atol
    check = dict(rtol=1e-6, atol=1e-7)

    _, grad_in, g = sgns_loss_and_grads(w_in, c_outputs, use)
    numeric = finite_difference_gradients(lambda a: sgns_loss_and_grads(a["w"], a["c"], use)[0].sum(),
                                          {"w": w_in.copy(), "c": c_outputs.copy()})
    np.testing.assert_allclose(grad_in, numeric["w"], **check)
    np.testing.assert_allclose(g[:, :, None] * w_in[:, None, :], numeric["c"], **check)

    _, grad_ctx, g, h = cbow_loss_and_grads(w_ctx, inside, c_outputs, use)
    numeric = finite_difference_gradients(lambda a: cbow_loss_and_grads(a["w"], inside, a["c"], use)[0].sum(),
                                          {"w": w_ctx.copy(), "c": c_outputs.copy()})
    np.testing.assert_allclose(grad_ctx, numeric["w"], **check)
    np.testing.assert_allclose(g[:, :, None] * h[:, None, :], numeric["c"], **check)

    _, grad_ctx, grad_outputs = sgns_window_loss_and_grads(w_ctx, inside, c_outputs, use)
    numeric = finite_difference_gradients(
        lambda a: sgns_window_loss_and_grads(a["w"], inside, a["c"], use)[0].sum(),
        {"w": w_ctx.copy(), "c": c_outputs.copy()})
    np.testing.assert_allclose(grad_ctx, numeric["w"], **check)
    np.testing.assert_allclose(grad_outputs, numeric["c"], **check)


def test_loss_is_exact_for_huge_scores():
    # logaddexp, not log(sigmoid): a score of 200 must give loss 200, not inf
    w_in = np.full((1, 1), 20.0, np.float32)
    c_outputs = np.array([[[-10.0], [10.0]]], np.float32)  # observed word at -200, noise at +200
    loss, grad_in, _ = sgns_loss_and_grads(w_in, c_outputs)
    np.testing.assert_allclose(loss, [400.0], rtol=1e-6)
    assert np.isfinite(grad_in).all()
