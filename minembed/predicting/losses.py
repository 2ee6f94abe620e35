"""The losses of negative sampling, each beside its hand-written gradient.

Mikolov et al. (2013b), "Distributed Representations of Words and Phrases and
their Compositionality", section 2.2: instead of a softmax over the whole
vocabulary, each example scores its observed word against K noise words,

    loss = -log s(w . c_observed) - sum_k log s(-w . c_k)        s = sigmoid

The word2vec C tool and gensim compute the same loss one pair at a time, with a
lookup table for the sigmoid; here the sigmoid and the loss are exact (scores
are not clipped at +-6) and B examples are scored at once.

    sgns_loss_and_grads         skip-gram: one input vector against 1 + K output vectors
    cbow_loss_and_grads         CBOW: the mean of the context vectors against 1 + K outputs
    sgns_window_loss_and_grads  the pairs of one centre sharing its K noise words
    softplus_and_sigmoid        the two functions every term is made of, overflow-free

tests/test_losses.py checks every gradient here against torch's autograd and
central finite differences (minembed.training.gradcheck).
"""

from __future__ import annotations

import numpy as np

__all__ = ["sgns_loss_and_grads", "cbow_loss_and_grads", "sgns_window_loss_and_grads", "softplus_and_sigmoid"]


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
    used = use.astype(z.dtype)  # (B, 1 + K) 1 where used, else 0
    loss = np.einsum("bj,bj->b", terms, used).astype(np.float64)  # (B,) float64 ((terms * use).sum(1), ~3x slower)
    g = slope * used  # dloss/dz; dz/dscore is -1 for the observed word: g = s(score) - label
    g[:, 0] *= -1
    grad_in = np.matmul(g[:, None, :], c_outputs)[:, 0]  # (B, D): sum_j g_bj c_bj (einsum "bj,bjd->bd", ~1.6x slower)
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
