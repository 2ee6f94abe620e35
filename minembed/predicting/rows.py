"""word2vec's input rows: the table W that a step reads its input vectors from and adds their updates to.

Mikolov et al. (2013a, b): each word has an input vector (a row of W) and an
output vector (a row of C). The step in word2vec.py reaches W only through two
methods, so that fastText (subword.py, `SubwordRows`) can put a word's n-gram
rows behind the same two methods:

    mix   the input vectors of some words, or weighted sums of them (CBOW's mean)
    add   the updates of those vectors, summed into the rows (repeats add up)

But: nothing else; W itself is made by word2vec.initial_vectors.
"""

from __future__ import annotations

import numpy as np

from minembed.training.scatter import add_to_rows, mix_rows

__all__ = ["WordRows"]


class WordRows:
    """word2vec's input vectors: one row of W per word. (fastText's `SubwordRows` has the same two
    methods and forms a word's vector from its n-gram rows too.)

        mix(ids (B, k), weights (B, k) or None) -> (B, D)   sum_k weights[b, k] W[ids[b, k]]
        add(ids (B, k), coefficients (B, k), vectors (B, D))  W[ids[b, k]] += coefficients[b, k] vectors[b]
    """

    def __init__(self, W: np.ndarray) -> None:
        self.W = W  # (V, D) float32

    def mix(self, ids: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        if weights is None and ids.shape[1] == 1:
            # W.take(ids, axis=0) is W[ids], faster here: the largest gather of a skip-gram step
            return self.W.take(ids[:, 0], axis=0)  # (B, D)
        return mix_rows(self.W, ids, np.ones(ids.shape, self.W.dtype) if weights is None else weights)

    def add(self, ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray) -> None:
        add_to_rows(self.W, ids, coefficients, vectors)

    def arrays(self) -> list[np.ndarray]:
        return [self.W]

