"""Negative sampling's pieces: the losses with their gradients, the scatter that
applies them, and the noise-word sampler. Shared by word2vec and subword.

Mikolov et al. (2013b), "Distributed Representations of Words and Phrases and
their Compositionality", section 2.2; the word2vec C tool and gensim 4 compute
the same loss one pair at a time, with a lookup table for the sigmoid.

    sgns_loss_and_grads         skip-gram: one input vector against 1 + K output vectors
    noise_loss_and_grads        the K noise words' half of the skip-gram loss, for a minibatch at once
    walk_schedule               the order of a minibatch's pairs for walk_observed_rows
    walk_observed_rows          the observed word's half, one pair after another per centre, as the C tool
    skipgram_output_update      both halves applied to the output rows: one skip-gram minibatch's C update
    sgns_window_loss_and_grads  the pairs of one centre sharing its K noise words
    cbow_loss_and_grads         CBOW: the mean of the context vectors against 1 + K outputs
    add_to_rows / mix_rows      sparse scatter-add and gather-mix over a (V, D) table
    AliasSampler                O(1) draws from unigram^0.75 (Walker / Vose)
    finite_difference_gradients central differences, to check every gradient above

But: no hierarchical softmax, no sigmoid lookup table (the sigmoid and the loss
are exact, and scores are not clipped at +-6 as the C tool does).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse
from scipy.special import expit as _expit

__all__ = [
    "sgns_loss_and_grads", "softplus_and_sigmoid", "noise_loss_and_grads", "walk_schedule",
    "walk_observed_rows", "skipgram_output_update",
    "sgns_window_loss_and_grads", "cbow_loss_and_grads",
    "add_to_rows", "add_to_rows_public", "mix_rows", "distinct_rows", "AliasSampler",
    "finite_difference_gradients",
]


# ----------------------------------------------------------------------------- losses and gradients


def sgns_loss_and_grads(w_in: np.ndarray, c_outputs: np.ndarray, use: np.ndarray | None = None):
    """Skip-gram negative-sampling loss of B examples and its gradients.

    w_in (B, D): input vectors W[context]. c_outputs (B, 1 + K, D): output
    vectors, column 0 the observed word C[centre], columns 1..K the noise
    words. use (B, 1 + K) bool: False where a noise word is the observed word
    itself (word2vec skips those); column 0 is always used.

        loss_b = -log s(w . c_0) - sum_k log s(-w . c_k)        s = sigmoid
        g_b0 = s(w . c_0) - 1,   g_bk = s(w . c_k)               (label 1, then 0s)
        dloss/dw   = sum_j g_bj c_j
        dloss/dc_j = g_bj w

    Returns loss (B,) float64, grad_in (B, D) and g (B, 1 + K). The output
    gradients are left as the scalars g (times w_in): `add_to_rows` forms the
    outer products while adding them, so no (B, 1 + K, D) array is built for them.
    """
    scores = np.matmul(c_outputs, w_in[:, :, None])[:, :, 0]  # (B, 1 + K): w . c_j (einsum "bd,bjd->bj", ~1.7x slower)
    use = np.ones(scores.shape, bool) if use is None else use  # (B, 1 + K) bool
    z = scores.copy()  # z = -score for the observed word, +score for noise words:
    z[:, 0] *= -1  # then every term of the loss is softplus(z) = -log s(-z)
    terms, slope = softplus_and_sigmoid(z)  # (B, 1 + K) each; dsoftplus(z)/dz = s(z)
    loss = (terms * use).sum(axis=1, dtype=np.float64)  # (B,) float64
    g = slope * use  # dloss/dz; dz/dscore is -1 for the observed word: g = s(score) - label
    g[:, 0] *= -1
    grad_in = np.einsum("bj,bjd->bd", g, c_outputs)  # (B, D)
    return loss, grad_in, g


def softplus_and_sigmoid(z: np.ndarray):
    """softplus(z) = log(1 + exp(z)) and its derivative sigmoid(z), with nothing that can overflow.

        softplus(z) = max(z, 0) + log1p(exp(-|z|))       exp of a non-positive number
        sigmoid(z)  = (1 + tanh(z / 2)) / 2               the same function as 1 / (1 + exp(-z))

    (np.logaddexp(0, z) and scipy's expit give the same numbers but ran ~10x
    and ~4x slower here, as did the np.where form of a stable sigmoid.)

    >>> [np.round(a, 4).tolist() for a in softplus_and_sigmoid(np.array([-1000.0, 0.0, 2.0]))]
    [[0.0, 0.6931, 2.1269], [0.0, 0.5, 0.8808]]
    """
    half = z.dtype.type(0.5)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))), half + half * np.tanh(half * z)


def noise_loss_and_grads(w_in: np.ndarray, c_noise: np.ndarray, use: np.ndarray):
    """The noise words' terms of `sgns_loss_and_grads`, alone: w_in (P, D), c_noise (P, K, D),
    use (P, K) bool (False where a noise word is the pair's observed word).

        loss_p = -sum_k log s(-w . c_k),   g_pk = s(w . c_k),   dloss/dw = sum_k g_pk c_k

    Returns loss (P,) float64, grad_in (P, D) and g (P, K), as `sgns_loss_and_grads`
    does for its columns 1..K.
    """
    scores = np.matmul(c_noise, w_in[:, :, None])[:, :, 0]  # (P, K)
    terms, slope = softplus_and_sigmoid(scores)  # -log s(-score) = softplus(score), and its slope s(score)
    loss = (terms * use).sum(axis=1, dtype=np.float64)  # (P,) float64
    g = slope * use  # (P, K)
    return loss, np.einsum("pk,pkd->pd", g, c_noise), g


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


def walk_observed_rows(w_in: np.ndarray, c_observed: np.ndarray, live: np.ndarray, lr: float):
    """The observed word's terms of the skip-gram loss, with each centre's output row moved
    after every one of its pairs, as the word2vec C tool and gensim move it.

    In skip-gram the 2b pairs of one centre all predict the same word, the centre,
    so they share its output row c = C[centre]. The C tool updates c after each
    pair, and the next pair is scored against the moved row. Scored all from the
    same c, as a minibatch would, the pulls on c add up without seeing one
    another: where the first pairs have already raised s(w . c), the later ones
    still pull as hard as the first. That overshoot is what put minembed's
    minibatches about 0.01 above gensim on SimLex-999 (see "Walking" in
    benchmarks/sequential_sgns.py for the measurements).

    So the centres walk their pairs in step (the order of `walk_schedule`): at
    step r, the first live[r] centres score their r-th pair against their current
    row and move it,

        score = w . c,   loss = -log s(score),   dloss/dw = (s(score) - 1) c,
        c <- c + lr (1 - s(score)) w          (c - lr dloss/dc)

    Each centre walks its own copy of the row: two centres of a minibatch that are
    the same word both start from C[word], and their moves are added up after.
    (Walking a word's row through all its pairs of the minibatch, dozens for the
    most frequent words, fell below gensim instead: SimLex-999 0.320 against
    0.336 on the dictionary corpus, seeds 0-2. Its pulls then shrink step by
    step while the noise words' pushes on the same row, summed from the
    minibatch's start, do not.)

    w_in (P, D) the pairs' input vectors, in walk order; c_observed (U, D) each
    walker's output row, moved in place; live (R,) walkers per step; lr the
    learning rate. Returns loss (P,) float64, each pair's at the c the walk
    started from, and grad_in (P, D), each pair's at the c it met. The loss is
    the loss of the vectors as they were at the start of the minibatch, like the
    noise words' terms; the loss at the c each pair met would also count what the
    walk has already learnt from the minibatch's own pairs. The input rows (W)
    and the noise words' rows stay as they were at the start of the minibatch:
    their gradients are applied at its end.

    >>> c = np.zeros((1, 1))   # one centre with two contexts, both w = 1; lr 1
    >>> loss, grad = walk_observed_rows(np.ones((2, 1)), c, np.array([1, 1]), 1.0)
    >>> c.round(4).tolist(), grad.round(4).tolist()   # the second pair met c = 0.5: pull 1 - s(0.5)
    ([[0.8775]], [[-0.0], [-0.1888]])
    >>> loss.round(4).tolist()   # both at c = 0: -log s(0)
    [0.6931, 0.6931]
    """
    met = np.empty_like(w_in)  # (P, D): the c each pair met
    pull = np.empty(len(w_in), w_in.dtype)  # (P,): 1 - s(score), each pair's pull on c
    walker = np.arange(len(w_in)) - np.repeat(np.cumsum(live) - live, live)  # (P,) each pair's walker
    c_at_start = c_observed[walker]  # (P, D)
    move = np.empty(c_observed.shape)  # (U, D) float64 scratch, reused: a fresh (n, D) array per step cost more
    start = 0
    for n in live.tolist():  # one step of every walker still walking
        rows, c = slice(start, start + n), c_observed[:n]  # c: a view, moved in place
        met[rows] = c
        _expit(np.negative(np.einsum("pd,pd->p", w_in[rows], c)), out=pull[rows])  # 1 - s(score) = s(-score)
        np.multiply(w_in[rows], lr, out=move[:n])  # in float64, then rounded once into c
        move[:n] *= pull[rows, None]
        c += move[:n]
        start += n
    met *= -pull[:, None]  # dloss/dw = (s(score) - 1) c
    loss = softplus_and_sigmoid(-np.einsum("pd,pd->p", w_in, c_at_start))[0]  # (P,) -log s(w . c at the start)
    return loss.astype(np.float64), met


def skipgram_output_update(C: np.ndarray, w_in: np.ndarray, targets: np.ndarray, noise: np.ndarray,
                           live: np.ndarray, lr: float):
    """One skip-gram minibatch's updates of the output rows C, in place; returns what the
    input rows need.

    The pairs come in walk order (`walk_schedule` of their centres): w_in (P, D)
    their input vectors, targets (P,) their observed words, noise (P, K) their
    noise words, live (R,) centres per step. The noise words' terms are scored
    from the minibatch's start and their pushes summed into C; each centre's
    observed row walks its pairs (`walk_observed_rows`) and its move is added.
    Returns loss (P,) float64 and dloss/dw_in (P, D), which the caller applies
    to its input rows (W, and for fastText the n-gram rows).
    """
    loss, grad_in, g = noise_loss_and_grads(w_in, C.take(noise, axis=0), noise != targets[:, None])
    observed = targets[:live[0]]  # (U,) each centre's word, in walk order
    c_observed = C.take(observed, axis=0)  # (U, D), copies that the walk moves
    own_loss, own_grad = walk_observed_rows(w_in, c_observed, live, lr)  # (P,), (P, D)
    c_observed -= C.take(observed, axis=0)  # (U, D): how far each centre moved its row
    add_to_rows(C, noise, -lr * g, w_in)
    add_to_rows(C, observed[:, None], np.ones((len(observed), 1), C.dtype), c_observed)  # repeated words add up
    return loss + own_loss, grad_in + own_grad


def sgns_window_loss_and_grads(w_ctx: np.ndarray, inside: np.ndarray, c_outputs: np.ndarray,
                               use: np.ndarray | None = None):
    """Skip-gram loss when all the pairs of one centre word share its K noise words.

    w_ctx (B, 2w, D) input vectors of each centre's context positions, inside
    (B, 2w) bool (which positions are in the window), c_outputs (B, 1 + K, D)
    the centre word then its K noise words, use (B, 1 + K) as in
    `sgns_loss_and_grads`. Each (context i, centre b) pair is an example of
    `sgns_loss_and_grads`; only the noise is drawn once per centre, not per pair.

        s_bij = w_bi . c_bj                  one (2w, D) @ (D, 1 + K) product per centre
        loss_b = sum_i inside_bi [-log s(s_bi0) - sum_k log s(-s_bik)]
        g_bij = (s(s_bij) - label_j) inside_bi use_bj
        dloss/dw_bi = sum_j g_bij c_bj,   dloss/dc_bj = sum_i g_bij w_bi

    Returns loss (B,) float64, grad_ctx (B, 2w, D), grad_outputs (B, 1 + K, D).
    """
    scores = np.matmul(w_ctx, c_outputs.transpose(0, 2, 1))  # (B, 2w, 1 + K)
    use = np.ones(scores.shape[::2], bool) if use is None else use  # (B, 1 + K) bool
    mask = inside[:, :, None] & use[:, None, :]  # (B, 2w, 1 + K) bool
    z = scores.copy()
    z[:, :, 0] *= -1  # as in sgns_loss_and_grads: every loss term is softplus(z)
    terms, slope = softplus_and_sigmoid(z)  # (B, 2w, 1 + K) each
    loss = (terms * mask).sum(axis=(1, 2), dtype=np.float64)  # (B,) float64
    g = slope * mask  # (B, 2w, 1 + K): s(score) - label where used, else 0
    g[:, :, 0] *= -1
    grad_ctx = np.matmul(g, c_outputs)  # (B, 2w, D)
    grad_outputs = np.matmul(g.transpose(0, 2, 1), w_ctx)  # (B, 1 + K, D)
    return loss, grad_ctx, grad_outputs


def cbow_loss_and_grads(w_ctx: np.ndarray, inside: np.ndarray, c_outputs: np.ndarray, use: np.ndarray | None = None):
    """CBOW negative-sampling loss of B examples and its gradients.

    w_ctx (B, 2w, D) input vectors of the context positions, inside (B, 2w)
    bool (which positions count), c_outputs and use as in `sgns_loss_and_grads`.

        h = mean of the inside context vectors                        (B, D)
        loss_b = -log s(h . c_0) - sum_k log s(-h . c_k)
        dloss/dh = sum_j g_bj c_j,   dloss/dc_j = g_bj h
        dloss/dw_i = dloss/dh / n_b  for each inside context i   (n_b = how many)

    Returns loss (B,) float64, grad_ctx (B, 2w, D), g (B, 1 + K), h (B, D).
    (Training follows word2vec.c and gensim, which add the whole dloss/dh to
    every context word, i.e. n_b times this gradient; see Word2Vec._cbow_step.)
    """
    weights = inside.astype(w_ctx.dtype)  # (B, 2w)
    count = weights.sum(axis=1)  # (B,), >= 1
    h = np.einsum("bi,bid->bd", weights, w_ctx) / count[:, None]  # (B, D)
    loss, grad_h, g = sgns_loss_and_grads(h, c_outputs, use)
    grad_ctx = (weights / count[:, None])[:, :, None] * grad_h[:, None, :]  # (B, 2w, D)
    return loss, grad_ctx, g, h


# ----------------------------------------------------------------------------- the scatter


def add_to_rows(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray) -> None:
    """table[row_ids[b, k]] += coefficients[b, k] * vectors[b] for every b and k, in place,
    summing the contributions of a row that appears more than once.

    table (V, D), row_ids (B, K) int, coefficients (B, K), vectors (B, D).

    Why this is correct: the B x K contributions are one sparse matrix M of
    shape (V, B), column b holding coefficients[b, k] in row row_ids[b, k].
    Then (M @ vectors)[v] = sum over all (b, k) with row_ids[b, k] = v of
    coefficients[b, k] * vectors[b]: every contribution, repeats summed, none
    lost - exactly what np.add.at computes, in the same order.

    Why this way: scipy's CSC @ dense is one C loop over the nonzeros (an axpy
    each) and the column pointers are simply 0, K, 2K, ...: no sort, and the
    (B, K, D) outer products are never built. The fast path calls that loop
    (`csc_matvecs`, which computes Y += M @ X) with Y = the table itself, so
    nothing is gathered or scattered at all; `add_to_rows_public` does the same
    through scipy's public API, on the distinct rows only. Measured here on
    21k contributions of 100 floats into a 42k-row table: fast path 3.4 ms,
    public path ~10 ms, np.add.at ~9x slower than that.

    >>> table = np.zeros((3, 1), np.float32)
    >>> add_to_rows(table, np.array([[2], [2], [0]]), np.ones((3, 1), np.float32), np.array([[1.], [2.], [5.]], np.float32))
    >>> table.ravel().tolist()      # row 2 receives 1 + 2; a plain table[ids] += ... would give 2
    [5.0, 0.0, 3.0]
    """
    n_vectors, per_vector = row_ids.shape
    if _csc_matvecs is None or not table.flags.c_contiguous or n_vectors * per_vector >= 2**31:
        return add_to_rows_public(table, row_ids, coefficients, vectors)
    _csc_matvecs(
        len(table), n_vectors, table.shape[1],  # M is (V, B); D right-hand sides
        np.arange(0, n_vectors * per_vector + 1, per_vector, dtype=np.int32),  # column pointers
        np.ascontiguousarray(row_ids, dtype=np.int32).ravel(),  # row of each nonzero
        np.ascontiguousarray(coefficients, dtype=table.dtype).ravel(),  # the nonzeros
        np.ascontiguousarray(vectors, dtype=table.dtype).ravel(),  # X (B, D)
        table.reshape(-1),  # Y (V, D), a view: updated in place
    )


def add_to_rows_public(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray, vectors: np.ndarray) -> None:
    """`add_to_rows` through scipy's public API: M restricted to the U distinct rows,
    (U, B) @ (B, D), then each distinct row updated once (fancy `+=` is safe without repeats)."""
    n_vectors, per_vector = row_ids.shape
    rows, which = distinct_rows(row_ids.ravel(), len(table))  # (U,) int64, (B K,) int32
    contributions = scipy.sparse.csc_matrix(
        (coefficients.ravel().astype(table.dtype, copy=False), which, np.arange(0, n_vectors * per_vector + 1, per_vector)),
        shape=(len(rows), n_vectors),
    )  # (U, B), K nonzeros per column
    table[rows] += contributions @ vectors.astype(table.dtype, copy=False)  # (U, D)


try:  # the C loop behind scipy's CSC @ dense; private, but unchanged since scipy 0.7
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover
    _csc_matvecs = None


def mix_rows(table: np.ndarray, row_ids: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """sum over k of coefficients[b, k] * table[row_ids[b, k]], for each b: (B, D).

    The transpose of `add_to_rows`: a CSR matrix (B, V) with K entries per row,
    times the table. scipy reads the table rows where they are, so the (B, K, D)
    array that `np.einsum("bk,bkd->bd", coefficients, table[row_ids])` would
    gather first is never built.

    >>> mix_rows(np.array([[1.0], [10.0]]), np.array([[0, 1, 1]]), np.array([[1.0, 0.5, 0.5]])).tolist()
    [[11.0]]
    """
    n_vectors, per_vector = row_ids.shape
    mixing = scipy.sparse.csr_matrix(
        (coefficients.ravel().astype(table.dtype, copy=False), row_ids.ravel(), np.arange(0, n_vectors * per_vector + 1, per_vector)),
        shape=(n_vectors, len(table)),
    )  # (B, V), K nonzeros per row
    return mixing @ table  # (B, D)


def distinct_rows(row_ids: np.ndarray, n_rows: int):
    """The distinct ids, sorted, and each id's position among them, without sorting.

    >>> rows, which = distinct_rows(np.array([7, 3, 7]), 10)
    >>> rows.tolist(), which.tolist()
    ([3, 7], [1, 0, 1])
    """
    present = np.zeros(n_rows, dtype=bool)  # (V,) bool; np.zeros is lazily zeroed memory
    present[row_ids] = True
    rows = np.flatnonzero(present)  # (U,) int64
    position = np.empty(n_rows, dtype=np.int32)  # (V,) int32, only rows[] entries are read
    position[rows] = np.arange(len(rows), dtype=np.int32)
    return rows, position[row_ids]


# ----------------------------------------------------------------------------- noise words


_FIRST = np.array([True])  # `(outputs != outputs[:, :1]) | _FIRST` marks noise equal to the observed word; column 0 stays in


class AliasSampler:
    """Draws from a discrete distribution in O(1) per draw (Walker's alias method, Vose's construction).

    Split the V outcomes into V equal columns of height 1/V. Each column i keeps
    its own outcome with probability keep[i] and otherwise gives `alias[i]`: the
    tall outcomes fill up the short columns. A draw is one uniform u in [0, V):
    column i = floor(u), then i if frac(u) < keep[i] else alias[i]. Exact, like
    gensim's cumulative table + bisection (or np.searchsorted), which costs
    O(log V) per draw and measured ~8x slower here; the C tool's 1e8-entry
    table is also O(1) but 400 MB.

    >>> sampler = AliasSampler(np.array([0.5, 0.25, 0.25]))
    >>> counts = np.bincount(sampler.draw(100_000, np.random.default_rng(0)), minlength=3) / 100_000
    >>> bool(np.abs(counts - [0.5, 0.25, 0.25]).max() < 0.01)
    True
    """

    def __init__(self, probabilities: np.ndarray) -> None:
        p = np.asarray(probabilities, dtype=np.float64)  # (V,) float64
        n = len(p)
        scaled = p * n / p.sum()  # (V,) float64, mean 1
        self.keep = np.ones(n, dtype=np.float64)  # (V,) float64
        self.alias = np.arange(n, dtype=np.int32)  # (V,) int32
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, l = small.pop(), large.pop()
            self.keep[s], self.alias[s] = scaled[s], l  # column s: s itself, topped up with l
            scaled[l] -= 1.0 - scaled[s]
            (small if scaled[l] < 1.0 else large).append(l)
        # whatever is left has height 1 up to rounding: keep[i] = 1

    def draw(self, shape, rng: np.random.Generator) -> np.ndarray:
        u = rng.random(shape) * len(self.keep)  # float64 in [0, V)
        column = u.astype(np.int32)  # floor
        # .take(column) is [column]: for 30,000 int32 indices it took 0.03 ms here, fancy indexing 0.08
        return np.where(u - column < self.keep.take(column), column, self.alias.take(column)).astype(np.int32, copy=False)


# ----------------------------------------------------------------------------- checking gradients


def finite_difference_gradients(loss_of: Callable[[dict], float], arrays: dict, step: float = 1e-6) -> dict:
    """Central differences (loss(x + h) - loss(x - h)) / 2h for every element of every float64 array."""
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
