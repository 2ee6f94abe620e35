"""minembed.predicting.walk: the C tool's update order for skip-gram's output rows. The schedule
keeps each centre's pairs in order; the walk equals a pair-by-pair loop whose gradients come from
torch autograd; a whole `c_tool_order` step equals a plain float64 loop over its pairs.
"""

import numpy as np
import pytest

from minembed.data.synthetic import planted_analogy_corpus
from minembed.predicting.corpus import skipgram_pairs
from minembed.predicting.walk import walk_observed_rows, walk_schedule
from minembed.predicting.word2vec import Word2Vec


D = 7
PLANTED = dict(vector_size=20, window=5, negative=5, sample=0, min_count=1, epochs=1, batch_size=256)


@pytest.mark.parametrize("seed", range(4))
def test_walk_schedule_takes_each_words_pairs_in_order_step_by_step(seed):
    rng = np.random.default_rng(seed)
    observed = rng.zipf(1.5, size=300) % 40  # (P,) a few words with many pairs, many with one
    order, live = walk_schedule(observed)
    assert sorted(order.tolist()) == list(range(300))  # every pair once
    assert (np.diff(live) <= 0).all() and live.sum() == 300 and live[-1] >= 1
    slots = np.split(order, np.cumsum(live)[:-1])  # the pairs of step 0, step 1, ...
    walkers = observed[slots[0]]  # (U,) the walkers' words, in their places
    assert len(set(walkers.tolist())) == len(walkers) == len(np.unique(observed))
    for step, pairs in enumerate(slots):
        assert observed[pairs].tolist() == walkers[:len(pairs)].tolist()  # the same places at every step
    for word in np.unique(observed):  # a word's steps are its pairs in their first order
        steps = [int(pair) for pairs in slots for pair in pairs if observed[pair] == word]
        assert steps == np.flatnonzero(observed == word).tolist()


def test_walk_equals_a_pair_by_pair_loop_with_torch_gradients(torch):
    """walk_observed_rows against the C tool's order written out: each walker's pairs one at
    a time, every gradient from torch autograd of -log s(w . c) at the c that pair meets."""
    rng = np.random.default_rng(0)
    observed = rng.integers(0, 6, size=40)  # (P,) 6 walkers (centres), ~7 pairs each
    w_pairs = rng.normal(scale=0.5, size=(40, D))  # (P, D) float64
    c_start = {word: rng.normal(scale=0.5, size=D) for word in range(6)}
    lr = 0.3  # large, so that each step moves c visibly
    order, live = walk_schedule(observed)
    c_walk = np.stack([c_start[word] for word in observed[order[:live[0]]]])  # (U, D)
    grad_in = walk_observed_rows(w_pairs[order], c_walk, live, lr)

    expected_grad = np.zeros_like(w_pairs)
    c_now = {word: torch.tensor(c) for word, c in c_start.items()}
    for p, word in enumerate(observed.tolist()):  # the pairs in their own order
        w = torch.tensor(w_pairs[p], requires_grad=True)
        c = c_now[word].clone().requires_grad_(True)
        (-torch.nn.functional.logsigmoid(w @ c)).backward()
        expected_grad[p] = w.grad.numpy()
        c_now[word] = (c - lr * c.grad).detach()
    np.testing.assert_allclose(grad_in, expected_grad[order], rtol=1e-12, atol=1e-15)  # float64 both ways
    np.testing.assert_allclose(c_walk, np.stack([c_now[w].numpy() for w in observed[order[:live[0]]]]),
                               rtol=1e-12, atol=1e-15)
    # the walk matters: scored all from the starting rows, the gradients differ
    one_shot = -(1 - 1 / (1 + np.exp(-np.einsum("pd,pd->p", w_pairs, np.stack([c_start[w] for w in observed])))))
    assert not np.allclose(grad_in, (one_shot[:, None] * np.stack([c_start[w] for w in observed]))[order])


def test_c_tool_order_step_walks_the_observed_rows_and_adds_the_rest():
    """One skip-gram minibatch against a plain loop over its pairs: each centre's output row
    moved pair after pair (the C tool's order), in a copy per centre whose moves add up; the
    noise rows and the input rows summed from the minibatch's starting vectors with np.add.at."""
    planted = planted_analogy_corpus(n_sentences=500, seed=0)
    model = Word2Vec(**PLANTED, c_tool_order=True, seed=0).fit(planted.sentences)
    ids = np.asarray(model.vocab.encode([w for s in planted.sentences[:30] for w in s]), dtype=np.int32)
    sentence_of = np.repeat(np.arange(30, dtype=np.int32), [len(s) for s in planted.sentences[:30]])
    centres = np.random.default_rng(1).permutation(len(ids))
    reach = np.random.default_rng(2).integers(1, 6, size=len(ids))
    W0, C0, lr = model.W.astype(np.float64), model.C.astype(np.float64), 0.05
    model.skipgram_step(ids, sentence_of, centres, reach, lr, np.random.default_rng(7))

    context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, 5)  # the C tool's order
    inputs, targets = ids[context_pos], ids[centre_pos]
    noise = model.noise.draw((len(inputs), 5), np.random.default_rng(7))  # (P, K) as the step draws them
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    W, C, c_now = W0.copy(), C0.copy(), {}
    for p in range(len(inputs)):
        w, word = W0[inputs[p]], targets[p]
        c = c_now.setdefault(centre_pos[p], C0[word].copy())  # this centre's copy of its word's row
        grad_w = (sigmoid(w @ c) - 1) * c
        c += lr * (1 - sigmoid(w @ c)) * w  # in place: the centre's next pair meets the moved row
        for n in noise[p][noise[p] != word]:
            grad_w += sigmoid(w @ C0[n]) * C0[n]
            np.add.at(C, n, -lr * sigmoid(w @ C0[n]) * w)
        np.add.at(W, inputs[p], -lr * grad_w)
    for centre, c in c_now.items():
        C[ids[centre]] += c - C0[ids[centre]]
    assert np.bincount(ids).max() > 10  # many centres share a word: their moves must add up
    # float32 training against this float64 loop: a row sums up to ~100 terms of size
    # lr * |w| ~ 0.01, each rounded at float32's 6e-8 relative; 1e-6 bounds that with room
    np.testing.assert_allclose(model.C, C, atol=1e-6)
    np.testing.assert_allclose(model.W, W, atol=1e-6)
