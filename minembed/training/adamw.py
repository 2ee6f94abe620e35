"""AdamW with a linear warm-up and decay of the learning rate, the optimiser of BERT fine-tuning.

Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization", Algorithm 2, as torch.optim.AdamW runs it
(its single-tensor path, the one CPU tensors take), and transformers' ``get_linear_schedule_with_warmup``:

    lr_t = lr * schedule(t)                     0 -> 1 over warmup_steps, then 1 -> 0 at total_steps
    w   *= 1 - lr_t * weight_decay              decoupled: the decay does not pass through m and v
    m    = m + (1 - beta1) (g - m)              torch's lerp, the same number as beta1 m + (1 - beta1) g
    v    = beta2 v + (1 - beta2) g^2
    w   -= lr_t / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

The arrays are updated in place, so an optimiser built on ``backward.parameters(encoder, ...)`` trains the
encoder itself. Defaults are torch's (betas 0.9, 0.999; eps 1e-8; weight_decay 0.01). ``no_decay`` names
tensors kept out of the decay by a substring, as sentence-transformers' old ``fit`` and many BERT recipes do for
biases and LayerNorm weights (torch applies the decay to everything it is given; such recipes pass two groups).

But: no AMSGrad, no maximize, no fused or foreach kernels, no parameter groups beyond decay / no decay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AdamW", "AdamWConfig", "linear_schedule_with_warmup"]


def linear_schedule_with_warmup(step: int, warmup_steps: int, total_steps: int) -> float:
    """The learning-rate multiplier of step ``step`` (0-based), as transformers' get_linear_schedule_with_warmup.

    >>> [linear_schedule_with_warmup(t, 2, 6) for t in range(7)]
    [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0]
    """
    if step < warmup_steps:
        return float(step) / float(max(1, warmup_steps))
    return max(0.0, float(total_steps - step) / float(max(1, total_steps - warmup_steps)))


@dataclass
class AdamWConfig:
    """AdamW's settings; every default is torch.optim.AdamW's."""
    lr: float = 1e-3                    # torch's default; BERT fine-tuning uses 2e-5 .. 5e-5
    beta1: float = 0.9                  # decay of the mean of gradients (Kingma & Ba 2015)
    beta2: float = 0.999                # decay of the mean of squared gradients
    eps: float = 1e-8                   # added to sqrt(v) so a weight that saw no gradient does not divide by 0
    weight_decay: float = 0.01          # torch's AdamW default (Adam's is 0)
    no_decay: tuple[str, ...] = ()      # tensor names containing one of these are not decayed, e.g. ("bias",)

    def __post_init__(self) -> None:
        for name in ("lr", "eps", "weight_decay"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"AdamW's {name} must be a finite number >= 0; got {value}")
        for name in ("beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"AdamW's {name} must be in [0, 1); got {getattr(self, name)}")


class AdamW:
    """AdamW over a dict of named float arrays, updated in place by ``step(gradients)``.

    >>> w = {"w": np.array([1.0, -1.0])}
    >>> opt = AdamW(w, AdamWConfig(lr=0.1, weight_decay=0.0))
    >>> opt.step({"w": np.array([0.5, -2.0])})        # the first step moves every weight by lr, whatever |g|
    >>> np.round(w["w"], 6).tolist()
    [0.9, -0.9]
    """

    def __init__(self, params: dict[str, np.ndarray], config: AdamWConfig | None = None) -> None:
        self.params = params
        self.config = config or AdamWConfig()
        for name, array in params.items():
            if not (isinstance(array, np.ndarray) and np.issubdtype(array.dtype, np.floating)):
                raise TypeError(f"AdamW updates float NumPy arrays in place; {name!r} is {type(array).__name__}")
        self.m = {name: np.zeros_like(array) for name, array in params.items()}    # first moments, as params
        self.v = {name: np.zeros_like(array) for name, array in params.items()}    # second moments
        self.steps = 0

    def decays(self, name: str) -> bool:
        """Whether the tensor ``name`` gets weight decay (not when it contains one of ``no_decay``)."""
        return not any(part in name for part in self.config.no_decay)

    def step(self, gradients: dict[str, np.ndarray], lr: float | None = None) -> None:
        """One update of every array with its gradient; ``lr`` overrides the config's (a schedule's value)."""
        if gradients.keys() != self.params.keys():
            missing = sorted(set(self.params) ^ set(gradients))[:3]
            raise KeyError(f"the gradients must name the same arrays as the parameters; differing: {missing}")
        c = self.config
        lr = c.lr if lr is None else float(lr)
        self.steps += 1
        bias_correction1 = 1 - c.beta1 ** self.steps
        bias_correction2_sqrt = (1 - c.beta2 ** self.steps) ** 0.5
        step_size = lr / bias_correction1
        for name, w in self.params.items():
            g, m, v = gradients[name], self.m[name], self.v[name]
            if self.decays(name) and c.weight_decay:
                w *= w.dtype.type(1 - lr * c.weight_decay)
            m += (g - m) * m.dtype.type(1 - c.beta1)                  # (..) as w: lerp(m, g, 1 - beta1)
            v *= v.dtype.type(c.beta2)
            v += g * g * v.dtype.type(1 - c.beta2)
            denominator = np.sqrt(v) / v.dtype.type(bias_correction2_sqrt) + v.dtype.type(c.eps)
            w -= w.dtype.type(step_size) * (m / denominator)
