"""word2vec's input rows: the table W that a step reads its input vectors from and adds their updates to.

Mikolov et al. (2013a, b): each word has an input vector (a row of W) and an
output vector (a row of C). The step in word2vec.py reaches W only through two
methods, so that fastText (subword.py, `SubwordRows`) can put a word's n-gram
rows behind the same two methods:

    mix   the input vectors of some words, or the mean of each group of them (CBOW's context)
    add   the updates of those vectors, summed into the rows (repeats add up)

A group of words is a ragged list: ids (S,) with starts (B + 1,), group b being
ids[starts[b]:starts[b + 1]] (the layout of a CSR matrix's rows). Without starts
every id is a group of its own, as in skip-gram, where each pair has one input word.

But: nothing else; W itself is made by word2vec.initial_vectors.
"""

from __future__ import annotations

import numpy as np

from minembed.training.scatter import add_to_ragged_rows, add_to_rows, mix_rows

__all__ = ["WordRows", "group_means"]


class WordRows:
    """word2vec's input vectors: one row of W per word. (fastText's `SubwordRows` has the same two
    methods and forms a word's vector from its n-gram rows too.)

        mix(ids (S,), starts (B + 1,) or None) -> (B, D)   W[ids], or the mean of each group's rows
        add(ids (S,), coefficient, vectors (B, D), starts)   W[id] += coefficient * vectors[its group]
    """

    def __init__(self, W: np.ndarray) -> None:
        self.W = W  # (V, D) float32

    def mix(self, ids: np.ndarray, starts: np.ndarray | None = None) -> np.ndarray:
        if starts is None:
            # W.take(ids, axis=0) is W[ids], faster here: the largest gather of a skip-gram step
            return self.W.take(ids, axis=0)  # (S, D)
        return group_means(self.W, ids, starts)  # (B, D)

    def add(self, ids: np.ndarray, coefficient: float, vectors: np.ndarray, starts: np.ndarray | None = None) -> None:
        if starts is None:  # one id per vector
            add_to_rows(self.W, ids[:, None], np.full((len(ids), 1), coefficient, self.W.dtype), vectors)
        else:
            add_to_ragged_rows(self.W, ids, starts, np.full(len(ids), coefficient, self.W.dtype), vectors)

    def arrays(self) -> list[np.ndarray]:
        return [self.W]


def group_means(table: np.ndarray, ids: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The mean of table[ids[starts[b]:starts[b + 1]]] for each group b: (B, D). Every group is non-empty.

    >>> group_means(np.array([[1.0], [3.0], [10.0]]), np.array([0, 1, 2]), np.array([0, 2, 3])).tolist()
    [[2.0], [10.0]]
    """
    sizes = np.diff(starts)  # (B,) int64, >= 1
    share = table.dtype.type(1) / sizes.astype(table.dtype)  # (B,) 1 / n_b, in the table's dtype
    return mix_rows(table, ids, starts, np.repeat(share, sizes))  # (B, D)
