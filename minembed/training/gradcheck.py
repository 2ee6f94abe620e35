"""Checking a hand-written gradient against central finite differences.

Every loss in minembed comes with its gradient written out beside it. The tests
hold each one to torch's autograd and to this: nudge one number of one input up
and down by h, and (loss(x + h) - loss(x - h)) / 2h is the slope in that
direction, with an error of order h^2. In float64 with h = 1e-6 that leaves
about 1e-9 of rounding noise, enough to catch any wrong term.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["finite_difference_gradients"]


def finite_difference_gradients(loss_of: Callable[[dict], float], arrays: dict, step: float = 1e-6) -> dict:
    """Central differences (loss(x + h) - loss(x - h)) / 2h for every element of every float64 array.

    loss_of(arrays) -> float; the arrays are nudged in place and restored.

    >>> grads = finite_difference_gradients(lambda a: float((a["x"] ** 2).sum()), {"x": np.array([1.0, -2.0])})
    >>> np.round(grads["x"], 6).tolist()   # d(x^2)/dx = 2x
    [2.0, -4.0]
    """
    gradients = {}
    for name, array in arrays.items():
        gradient = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            original = array[i]
            array[i] = original + step
            up = loss_of(arrays)
            array[i] = original - step
            down = loss_of(arrays)
            array[i] = original
            gradient[i] = (up - down) / (2 * step)
        gradients[name] = gradient
    return gradients
