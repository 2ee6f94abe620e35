"""AdamW with the linear warm-up schedule against torch.optim.AdamW driven by transformers'
get_linear_schedule_with_warmup, over 120 steps.

Tolerances: float64 runs the same operations in the same order as torch's single-tensor path, so 120 steps
agree to 1e-12 relative; float32 to 1e-6 relative (a few ulps per step, which Adam's normalised steps do not
amplify: each weight moves by at most lr per step).
"""

from __future__ import annotations

import numpy as np
import pytest

from minembed.training.adamw import AdamW, AdamWConfig, linear_schedule_with_warmup
from tests.conftest import library

STEPS, WARMUP, LR = 120, 12, 3e-2


def _params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return {"layer.dense.weight": rng.normal(size=(5, 4)).astype(dtype),
            "layer.dense.bias": rng.normal(size=4).astype(dtype),
            "layer.LayerNorm.weight": (1 + 0.1 * rng.normal(size=4)).astype(dtype)}


def _gradient(params, targets):
    """Gradient of sum(w^3 / 3 - targets w): depends on the weights, so any drift between the two sides grows."""
    return {name: w * w - targets[name] for name, w in params.items()}


def _torch_run(torch, params, targets, weight_decay, no_decay):
    optimization = library("transformers.optimization")
    tensors = {name: torch.tensor(w.copy(), requires_grad=True) for name, w in params.items()}
    decayed = [t for n, t in tensors.items() if not any(p in n for p in no_decay)]
    kept = [t for n, t in tensors.items() if any(p in n for p in no_decay)]
    groups = [{"params": decayed, "weight_decay": weight_decay}] + ([{"params": kept, "weight_decay": 0.0}]
                                                                    if kept else [])
    optimizer = torch.optim.AdamW(groups, lr=LR)
    schedule = optimization.get_linear_schedule_with_warmup(optimizer, WARMUP, STEPS)
    lrs = []
    for _ in range(STEPS):
        lrs.append(optimizer.param_groups[0]["lr"])
        current = {n: t.detach().numpy() for n, t in tensors.items()}
        for name, g in _gradient(current, targets).items():
            tensors[name].grad = torch.tensor(g)
        optimizer.step()
        schedule.step()
    return {n: t.detach().numpy() for n, t in tensors.items()}, lrs


def _minembed_run(params, targets, weight_decay, no_decay):
    optimizer = AdamW(params, AdamWConfig(lr=LR, weight_decay=weight_decay, no_decay=no_decay))
    lrs = []
    for step in range(STEPS):
        lr = LR * linear_schedule_with_warmup(step, WARMUP, STEPS)
        lrs.append(lr)
        optimizer.step(_gradient(params, targets), lr=lr)
    return params, lrs


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-6)])
@pytest.mark.parametrize("weight_decay, no_decay", [(0.01, ()), (0.1, ("bias", "LayerNorm.weight")), (0.0, ())])
def test_equals_torch_adamw_with_linear_warmup(torch, dtype, rtol, weight_decay, no_decay):
    params = _params(dtype)
    targets = {n: np.random.default_rng(1).normal(size=w.shape).astype(dtype) for n, w in params.items()}
    expected, torch_lrs = _torch_run(torch, params, targets, weight_decay, no_decay)
    got, lrs = _minembed_run(params, targets, weight_decay, no_decay)
    np.testing.assert_allclose(lrs, torch_lrs, rtol=1e-15)
    for name in expected:
        assert got[name].dtype == dtype
        np.testing.assert_allclose(got[name], expected[name], rtol=rtol, atol=rtol, err_msg=name)
    assert not np.allclose(got["layer.dense.weight"], _params(dtype)["layer.dense.weight"], atol=0.1)  # it moved


def test_updates_the_arrays_in_place():
    params = _params(np.float32)
    same = params["layer.dense.bias"]
    AdamW(params).step({n: np.ones_like(w) for n, w in params.items()})
    assert params["layer.dense.bias"] is same


def test_bad_settings_and_gradients_are_refused():
    with pytest.raises(ValueError, match="lr"):
        AdamWConfig(lr=float("nan"))
    with pytest.raises(ValueError, match="beta2"):
        AdamWConfig(beta2=1.0)
    with pytest.raises(TypeError, match="float NumPy arrays"):
        AdamW({"w": np.arange(3)})
    with pytest.raises(KeyError, match="same arrays"):
        AdamW(_params(np.float64)).step({"w": np.zeros(3)})
