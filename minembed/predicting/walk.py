"""The C tool's update order for skip-gram's output rows: each centre's row moves after every pair.

An option of `Word2Vec` (`c_tool_order=True`), off by default. What it changes:
in skip-gram the 2b pairs of one centre all predict the same word, the centre,
so they share its output row c = C[centre]. The word2vec C tool, fastText and
gensim update c after each pair, and the next pair is scored against the moved
row: once the first pairs have raised s(w . c), the later ones pull less. A
minibatch scores all the pairs from the same c, so every pair pulls as hard as
the first, and their summed pulls move c further.

By how much (experiments/RESULTS.md, measured after the redesign against
one-worker gensim): on the dictionary corpus, skip-gram's SimLex-999 is 0.343
with the default minibatch and 0.338 walked (gensim 0.337±0.003), both within
gensim's seed spread, as are WordSim353 and the analogies (#word2vec-dictionary).
For fastText on the Wikipedia sample the walk matters more: syntactic analogies
0.295 by default, above gensim's 0.273±0.004, and 0.278 walked (#fasttext-wiki).
Scoring above the reference is not a defect, so the default is the minibatch,
which is faster (the walk costs a skip-gram step about half again); the cause was
found with the C tool's loop (#sequential-walking).

How: the centres walk their pairs in step (`walk_schedule`): at step r, the
first live[r] centres score their r-th pair against their current row and move
it (`walk_observed_rows`). Each centre walks its own copy of the row; two
centres of one minibatch that are the same word both start from C[word], and
their moves are added up after. The input rows and the noise words' rows keep
the minibatch's rule: scored from its start, their gradients summed at its end.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from minembed.predicting.losses import sgns_loss_and_grads
from minembed.predicting.noise import usable
from minembed.training.scatter import add_to_rows

__all__ = ["walked_output_update", "walk_schedule", "walk_observed_rows"]


def walked_output_update(C: np.ndarray, w_in: np.ndarray, outputs: np.ndarray, walker: np.ndarray, lr: float):
    """One skip-gram minibatch's update of the output rows C, in place, in the C tool's order.

    w_in (P, D) the pairs' input vectors; outputs (P, 1 + K) int32, each pair's
    observed word (its centre) then its noise words; walker (P,) which centre
    each pair belongs to, the pairs in the order the C tool would meet them.
    Returns loss (P,) float64, every term at the minibatch's start (as the
    default step reports it), and dloss/dw_in (P, D), the observed term taken at
    the row each pair met.
    """
    c_outputs = C.take(outputs, axis=0)  # (P, 1 + K, D) float32: every output row at the start
    loss, grad_in, g = sgns_loss_and_grads(w_in, c_outputs, usable(outputs))  # all from the start
    order, live = walk_schedule(walker)  # (P,), (R,)
    first_pairs = order[:live[0]]  # (U,) each walker's first pair
    observed = outputs[first_pairs, 0]  # (U,) each walker's word
    c_walk = c_outputs[first_pairs, 0]  # (U, D) float32, copies the walk moves
    walked_grad = walk_observed_rows(w_in[order], c_walk, live, lr)  # (P, D), in walk order
    c_walk -= c_outputs[first_pairs, 0]  # (U, D): how far each centre moved its row
    grad_in -= g[:, :1] * c_outputs[:, 0]  # the observed term scored from the start out...
    grad_in[order] += walked_grad  # ...and the walked one in
    add_to_rows(C, outputs[:, 1:], -lr * g[:, 1:], w_in)  # the noise words: summed from the start
    add_to_rows(C, observed[:, None], np.ones((len(observed), 1), C.dtype), c_walk)  # repeated words add up
    return loss, grad_in


def walk_schedule(walker: np.ndarray):
    """The order in which `walk_observed_rows` takes a minibatch's pairs.

    walker (P,) int: who takes each pair (for skip-gram, the pair's centre
    position), the pairs in the order the C tool would meet them. A walker's
    steps are its pairs, in that order. The walkers are sorted by how many
    steps they take, most first (ties by walker id), and the pairs listed step
    by step: every walker's first pair, then every second pair, and so on. The
    r-th steps then belong to the first live[r] walkers, in the same order at
    every step.

    Returns order (P,) int64 (the walk is pairs[order]) and live (R,) int64,
    non-increasing, R = the most steps any walker takes.

    >>> order, live = walk_schedule(np.array([7, 3, 7, 7, 3, 5]))
    >>> order.tolist(), live.tolist()   # 7 walks pairs 0, 2, 3; 3 walks 1, 4; 5 walks 5
    ([0, 1, 5, 2, 4, 3], [3, 2, 1])
    """
    grouped = np.argsort(walker, kind="stable")  # (P,) each walker's pairs together, in their order
    sorted_walkers = walker[grouped]  # (P,)
    first = np.flatnonzero(np.concatenate([[True], sorted_walkers[1:] != sorted_walkers[:-1]]))  # (U,)
    steps = np.diff(np.append(first, len(walker)))  # (U,) each walker's pairs
    step = np.arange(len(walker)) - np.repeat(first, steps)  # (P,) the step each pair is, from 0
    place = np.empty(len(steps), np.int64)  # (U,) each walker's place
    place[np.argsort(-steps, kind="stable")] = np.arange(len(steps))
    live = np.bincount(steps - 1)[::-1].cumsum()[::-1]  # (R,) walkers with more than r steps
    # the r-th steps are taken by the walkers in places 0..live[r] - 1: a pair's slot is its step's
    # first slot plus its walker's place
    order = np.empty(len(walker), np.int64)  # (P,)
    order[np.cumsum(live)[step] - live[step] + np.repeat(place, steps)] = grouped
    return order, live



def walk_observed_rows(w_in: np.ndarray, c_observed: np.ndarray, live: np.ndarray, lr: float) -> np.ndarray:
    """The observed word's term of each pair, with each centre's output row moved after every pair.

    w_in (P, D) the pairs' input vectors, in walk order (`walk_schedule`);
    c_observed (U, D) each walker's output row, moved in place; live (R,)
    walkers per step. At step r the first live[r] walkers take their r-th pair:

        score = w . c,   dloss/dw = (s(score) - 1) c,   c <- c + lr (1 - s(score)) w

    Returns dloss/dw (P, D), each pair's at the c it met. (Walking a *word's*
    row through all its pairs of the minibatch, dozens for the most frequent
    words, fell below gensim instead: its pulls then shrink step by step while
    the noise words' pushes on the same row, summed from the start, do not.)

    >>> c = np.zeros((1, 1))   # one centre with two contexts, both w = 1; lr 1
    >>> grad = walk_observed_rows(np.ones((2, 1)), c, np.array([1, 1]), 1.0)
    >>> c.round(4).tolist(), grad.round(4).tolist()   # the first pair met c = 0, the second c = 0.5
    ([[0.8775]], [[-0.0], [-0.1888]])
    """
    met = np.empty_like(w_in)  # (P, D): the c each pair met
    pull = np.empty(len(w_in), w_in.dtype)  # (P,): 1 - s(score), each pair's pull on c
    move = np.empty(c_observed.shape)  # (U, D) float64 scratch, reused: a fresh (n, D) array per step cost more
    start = 0
    for n in live.tolist():  # one step of every walker still walking
        rows, c = slice(start, start + n), c_observed[:n]  # c: a view, moved in place
        met[rows] = c
        expit(np.negative(np.einsum("pd,pd->p", w_in[rows], c)), out=pull[rows])  # 1 - s(score) = s(-score)
        np.multiply(w_in[rows], lr, out=move[:n])  # in float64, then rounded once into c
        move[:n] *= pull[rows, None]
        c += move[:n]
        start += n
    met *= -pull[:, None]  # dloss/dw = (s(score) - 1) c
    return met
