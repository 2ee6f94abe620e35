"""One word2vec update written out, for a learner to inspect: `Word2Vec.fit(..., trace=True)`.

The first minibatch's first `examples` examples: their words, the noise drawn for
them, the loss, the hand-written gradients and central finite differences of the
same loss (float64, step 1e-6), side by side. The noise words come from a
separate generator (seed + 1), so tracing does not change the trained vectors.
For skip-gram the examples are the first pair of each of the first centres; with
shared_negatives the trace shows the per-pair loss, which the shared one sums per
centre. For fastText the input vectors are the words' means of word and n-gram
rows (what `model.inputs.mix` forms), and the gradients are with respect to them.
"""

from __future__ import annotations

import numpy as np

from minembed.predicting.corpus import skipgram_pairs, window_positions
from minembed.predicting.losses import cbow_loss_and_grads, sgns_loss_and_grads
from minembed.predicting.noise import usable, with_noise
from minembed.training.gradcheck import finite_difference_gradients

__all__ = ["record_trace"]


def record_trace(model, ids, sentence_of, centres, reach, lr: float, examples: int = 2) -> dict:
    """The trace of one update of `model` (a Word2Vec or FastText) on the given minibatch."""
    cfg, words_of = model.config, model.vocab.words
    trace_rng = np.random.default_rng(cfg.seed + 1)
    f64 = lambda a: np.array(a, dtype=np.float64)  # noqa: E731
    if cfg.sg:
        context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, cfg.window)  # (P,), (P,)
        first = np.flatnonzero(np.r_[True, centre_pos[1:] != centre_pos[:-1]])[:examples]  # each centre's first pair
        inputs, targets = ids[context_pos[first]], ids[centre_pos[first]]
        outputs = with_noise(targets, model.noise, cfg.negative, trace_rng)  # (E, 1 + K)
        use = usable(outputs)
        arrays = {"w_in": f64(model.inputs.mix(inputs)), "c_outputs": f64(model.C[outputs])}
        loss_of = lambda a: sgns_loss_and_grads(a["w_in"], a["c_outputs"], use)[0].sum()  # noqa: E731
        loss, grad_in, g = sgns_loss_and_grads(arrays["w_in"], arrays["c_outputs"], use)
        grads = {"w_in": grad_in, "c_outputs": g[:, :, None] * arrays["w_in"][:, None, :]}
        words = {"inputs": [words_of[i] for i in inputs]}
    else:
        positions, inside = window_positions(centres, sentence_of, reach, cfg.window)  # (B, 2w), (B, 2w)
        keep_rows = inside.any(1)
        positions, inside = positions[keep_rows][:examples], inside[keep_rows][:examples]
        targets = ids[centres[keep_rows]][:examples]
        outputs = with_noise(targets, model.noise, cfg.negative, trace_rng)  # (E, 1 + K)
        use = usable(outputs)
        contexts = ids[positions]  # (E, 2w)
        w_ctx = model.inputs.mix(contexts.reshape(-1)).reshape(*contexts.shape, -1)  # (E, 2w, D)
        arrays = {"w_ctx": f64(w_ctx), "c_outputs": f64(model.C[outputs])}
        loss_of = lambda a: cbow_loss_and_grads(a["w_ctx"], inside, a["c_outputs"], use)[0].sum()  # noqa: E731
        loss, grad_ctx, g, h = cbow_loss_and_grads(arrays["w_ctx"], inside, arrays["c_outputs"], use)
        grads = {"w_ctx": grad_ctx, "c_outputs": g[:, :, None] * h[:, None, :]}
        words = {"contexts": [[words_of[i] for i in c[m]] for c, m in zip(contexts, inside)]}
    return {"learning_rate": lr, "targets": [words_of[i] for i in targets],
            "noise": [[words_of[i] for i in row[1:]] for row in outputs], **words,
            "inputs_arrays": arrays, "loss": float(loss.sum()), "gradients": grads,
            "finite_difference_gradients": finite_difference_gradients(loss_of, arrays)}
