"""In-batch negatives: the multiple-negatives ranking loss of sentence encoders, beside its gradient.

Henderson et al. (2017), "Efficient Natural Language Response Suggestion for Smart Reply", section 4.4, and
sentence-transformers' ``MultipleNegativesRankingLoss`` (the InfoNCE / SimCSE loss): B (query, passage) pairs
are encoded, every query is scored against every passage of the batch by cosine similarity times a scale, and
each query's own passage must win a softmax over the B passages:

    S = scale * normalize(a) @ normalize(b).T              (B, B); S[i, j] = query i against passage j
    loss = mean_i [ logsumexp_j S[i, j] - S[i, i] ]        cross-entropy against the diagonal

Its kinship with word2vec's negative sampling (minembed/predicting/losses.py): there, a word's vector is scored
by dot product against its observed context word and K noise words drawn from the unigram table, each with its
own sigmoid, and the gradient of a score is (probability - label) times the other vector. Here the "noise
words" are the other B - 1 passages of the batch, already encoded and free of charge, the sigmoids become one
softmax, and the gradient of a score is again (probability - label), now (softmax(S) - I) / B. Both push the
observed pair together and the sampled ones apart; the in-batch version sees harder negatives (real passages,
not random words) and needs larger batches for more of them.

``symmetric=True`` adds the passages' view (each passage must also pick its query out of the B queries) and
averages the two, as sentence-transformers' ``MultipleNegativesSymmetricRankingLoss`` does
(``directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction"``).

But: no hard negatives (a third column of passages), no gathering across devices, no hardness weighting;
cosine similarity only (the library also takes a dot product).
"""

from __future__ import annotations

import numpy as np

__all__ = ["mnr_loss"]


def _check_embeddings(a: np.ndarray, b: np.ndarray, scale: float) -> None:
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        raise TypeError(f"mnr_loss takes two NumPy arrays (B, D) of sentence embeddings, not "
                        f"{type(a).__name__} and {type(b).__name__}")
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"mnr_loss needs queries and passages of the same shape (B, D); got {a.shape} and {b.shape}")
    if a.shape[0] < 2:
        raise ValueError(f"a batch of {a.shape[0]} pair(s) has no in-batch negatives: the loss of one pair is 0 "
                         f"whatever the model does. Use a batch of at least 2 pairs (sentence-transformers uses 32+)")
    if not np.issubdtype(a.dtype, np.floating) or not np.issubdtype(b.dtype, np.floating):
        raise TypeError(f"mnr_loss needs float embeddings; got {a.dtype} and {b.dtype}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number (sentence-transformers' default is 20.0); got {scale}")
    for name, x in (("a", a), ("b", b)):
        if not np.isfinite(x).all():
            raise FloatingPointError(f"the embeddings {name} hold NaN or inf (the encoder has diverged: "
                                     f"lower the learning rate)")


def _normalize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x / |x|, |x|) row by row; torch's F.normalize divides by max(|x|, 1e-12), as here."""
    norms = np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)    # (B, 1)
    return x / norms, norms


def _cross_entropy_diagonal(scores: np.ndarray) -> tuple[float, np.ndarray]:
    """mean_i [logsumexp_j S[i, j] - S[i, i]] and its gradient (softmax(S) - I) / B.

    >>> loss, d = _cross_entropy_diagonal(np.zeros((2, 2)))      # two equal scores per row: log 2
    >>> round(loss, 6), d.tolist()
    (0.693147, [[-0.25, 0.25], [0.25, -0.25]])
    """
    B = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)        # (B, B), max 0 per row: exp cannot overflow
    log_z = np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (B, 1)
    log_softmax = shifted - log_z                               # (B, B)
    loss = float(-np.trace(log_softmax) / B)
    d_scores = np.exp(log_softmax)                              # softmax: probability of each passage
    d_scores[np.arange(B), np.arange(B)] -= 1.0                 # minus the label (the diagonal)
    return loss, d_scores / B


def mnr_loss(a: np.ndarray, b: np.ndarray, scale: float = 20.0,
             symmetric: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """Multiple-negatives ranking loss of B pairs and its gradients: (loss, dloss/da, dloss/db).

    a (B, D): the queries' raw (not yet normalised) sentence embeddings; b (B, D): their passages', row i
    belonging to row i. Each query is scored against all B passages by cosine similarity times ``scale``
    (20 = temperature 0.05, sentence-transformers' default) and the loss is the cross-entropy of the diagonal;
    ``symmetric`` averages it with the passages' cross-entropy over the queries. The gradients flow back
    through the normalisation, so they are what the encoder's backward pass takes.

        d_S = (softmax(S) - I) / B                       (symmetric: (d_S_rows + d_S_columns) / 2)
        d_a_hat = scale * d_S @ b_hat,    d_b_hat = scale * d_S.T @ a_hat
        d_a = (d_a_hat - a_hat * sum(d_a_hat * a_hat)) / |a|        (the normalisation's backward)

    >>> a = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> loss, grad_a, grad_b = mnr_loss(a, a)                   # each query equals its passage
    >>> f"{loss:.3e}"                                           # log(1 + e^-20): the pairs already win
    '2.061e-09'
    >>> mnr_loss(a[:1], a[:1])
    Traceback (most recent call last):
    ...
    ValueError: a batch of 1 pair(s) has no in-batch negatives: ...
    """
    _check_embeddings(a, b, scale)
    a_hat, a_norm = _normalize(a)                  # (B, D), (B, 1)
    b_hat, b_norm = _normalize(b)
    scores = scale * (a_hat @ b_hat.T)             # (B, B) query i against passage j

    loss, d_scores = _cross_entropy_diagonal(scores)
    if symmetric:                                  # the passages' turn: each picks its query among the B
        loss_t, d_scores_t = _cross_entropy_diagonal(scores.T)
        loss, d_scores = (loss + loss_t) / 2, (d_scores + d_scores_t.T) / 2

    d_a_hat = scale * (d_scores @ b_hat)           # (B, D)
    d_b_hat = scale * (d_scores.T @ a_hat)         # (B, D)
    grad_a = (d_a_hat - a_hat * (d_a_hat * a_hat).sum(axis=1, keepdims=True)) / a_norm
    grad_b = (d_b_hat - b_hat * (d_b_hat * b_hat).sum(axis=1, keepdims=True)) / b_norm
    return loss, grad_a.astype(a.dtype, copy=False), grad_b.astype(b.dtype, copy=False)
