"""minembed.counting.glove: the cost's gradients against torch autograd and a case worked by
hand, batch_size=1 training against a line-by-line transcription of glove.c's
update loop, minibatches against a plain loop that sums every gradient, and
training on the planted corpus (cost falls every epoch, the planted analogies
come out first, same seed -> same bytes). Thresholds were calibrated on seeds
0-3 of the planted corpus.
"""

import math

import numpy as np
import pytest

from minembed.counting import cooccur, glove
from minembed.predicting.corpus import subsample
from minembed.counting.glove import GloVe, GloVeConfig, GloVeDiverged, Parameters
from minembed.data.synthetic import planted_analogy_corpus

V, D = 7, 5


def random_problem(seed=0, nonzeros=40):
    """Parameters and a minibatch in which words repeat, in rows and in cols."""
    rng = np.random.default_rng(seed)
    params = Parameters(rng.normal(size=(V, D)), rng.normal(size=(V, D)), rng.normal(size=V), rng.normal(size=V))
    rows = rng.integers(0, V, size=nonzeros)
    cols = rng.integers(0, V, size=nonzeros)
    x = rng.choice([0.5, 1.0, 3.0, 10.0, 150.0], size=nonzeros)
    return params, rows, cols, np.log(x), glove.weighting(x, x_max=100, alpha=0.75), x


def scatter(ids, rows_of_gradient, shape):
    full = np.zeros(shape)
    full[ids] = rows_of_gradient  # ids are distinct: plain assignment is safe
    return full


def test_weighting_function_by_hand():
    # f(x) = (x / x_max)^alpha below x_max, 1 from there on; (1/16)^(3/4) = 1/8, (1/16)^(1/2) = 1/4
    np.testing.assert_allclose(glove.weighting([6.25, 100.0, 250.0], x_max=100, alpha=0.75), [0.125, 1.0, 1.0])
    np.testing.assert_allclose(glove.weighting([0.625, 10.0], x_max=10, alpha=0.5), [0.25, 1.0])


def test_cost_and_gradients_match_torch_autograd(torch):
    params, rows, cols, log_x, weight, _ = random_problem()
    assert len(np.unique(rows)) < len(rows) and len(np.unique(cols)) < len(cols)  # repeats are the point
    cost, grads = glove.cost_and_gradients(params, rows, cols, log_x, weight)

    tensors = {name: torch.tensor(a, requires_grad=True) for name, a in vars(params).items()}
    W, Wc, b, bc = tensors["W"], tensors["W_context"], tensors["b"], tensors["b_context"]
    r, c = torch.as_tensor(rows), torch.as_tensor(cols)
    diff = (W[r] * Wc[c]).sum(dim=1) + b[r] + bc[c] - torch.as_tensor(log_x)
    torch_cost = 0.5 * (torch.as_tensor(weight) * diff ** 2).sum()
    torch_cost.backward()  # autograd adds up the gradient of a row indexed twice

    tolerance = dict(rtol=1e-5, atol=1e-12)  # float64 on both sides: in fact they agree to ~1e-15
    np.testing.assert_allclose(cost, torch_cost.item(), **tolerance)
    np.testing.assert_allclose(scatter(grads.word_ids, grads.W, (V, D)), W.grad.numpy(), **tolerance)
    np.testing.assert_allclose(scatter(grads.word_ids, grads.b, V), b.grad.numpy(), **tolerance)
    np.testing.assert_allclose(scatter(grads.context_ids, grads.W_context, (V, D)), Wc.grad.numpy(), **tolerance)
    np.testing.assert_allclose(scatter(grads.context_ids, grads.b_context, V), bc.grad.numpy(), **tolerance)
    # and to rounding, not merely to 1e-5
    np.testing.assert_allclose(scatter(grads.word_ids, grads.W, (V, D)), W.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_cost_and_gradients_worked_by_hand():
    # one non-zero: w = (1, 2), w~ = (3, 1), b = 0.5, b~ = -0.5, X = e^2 above x_max, so f = 1
    # diff = 1*3 + 2*1 + 0.5 - 0.5 - 2 = 3;  J = 1/2 * 3^2 = 4.5
    # dJ/dw = diff * w~ = (9, 3);  dJ/dw~ = diff * w = (3, 6);  dJ/db = dJ/db~ = 3
    params = Parameters(np.array([[1.0, 2.0]]), np.array([[3.0, 1.0]]), np.array([0.5]), np.array([-0.5]))
    cost, grads = glove.cost_and_gradients(params, np.array([0]), np.array([0]), np.array([2.0]), np.array([1.0]))
    assert cost == 4.5
    assert grads.W.tolist() == [[9.0, 3.0]] and grads.W_context.tolist() == [[3.0, 6.0]]
    assert grads.b.tolist() == [3.0] and grads.b_context.tolist() == [3.0]
    # the same non-zero twice in one batch: twice the cost, twice every gradient
    cost, grads = glove.cost_and_gradients(params, np.array([0, 0]), np.array([0, 0]), np.array([2.0, 2.0]),
                                           np.array([1.0, 1.0]))
    assert cost == 9.0 and grads.W.tolist() == [[18.0, 6.0]] and grads.b.tolist() == [6.0]


def glove_c_epoch(params, squared, rows, cols, values, x_max, alpha, eta):
    """glove.c's glove_thread, line by line, for one thread: one non-zero at a time."""
    W, Wc, b, bc = params.W, params.W_context, params.b, params.b_context
    gW, gWc, gb, gbc = squared.W, squared.W_context, squared.b, squared.b_context
    cost = 0.0
    for l1, l2, val in zip(rows, cols, values):
        diff = sum(W[l1, k] * Wc[l2, k] for k in range(W.shape[1]))
        diff += b[l1] + bc[l2] - math.log(val)
        fdiff = diff if val > x_max else (val / x_max) ** alpha * diff
        cost += 0.5 * fdiff * diff
        fdiff *= eta
        for k in range(W.shape[1]):
            temp1 = fdiff * Wc[l2, k]
            temp2 = fdiff * W[l1, k]
            W[l1, k] -= temp1 / math.sqrt(gW[l1, k])
            Wc[l2, k] -= temp2 / math.sqrt(gWc[l2, k])
            gW[l1, k] += temp1 * temp1
            gWc[l2, k] += temp2 * temp2
        b[l1] -= fdiff / math.sqrt(gb[l1])
        bc[l2] -= fdiff / math.sqrt(gbc[l2])
        fdiff *= fdiff
        gb[l1] += fdiff
        gbc[l2] += fdiff
    return cost


def copy(params):
    return Parameters(*(a.copy() for a in vars(params).values()))


def test_batch_size_one_is_the_plain_loop_and_glove_c_update_loop():
    params, rows, cols, log_x, weight, x = random_problem(seed=2, nonzeros=60)
    params = Parameters(*(a * 0.1 for a in vars(params).values()))
    squared = Parameters(np.ones((V, D)), np.ones((V, D)), np.ones(V), np.ones(V))
    ours, ours_squared = copy(params), copy(squared)
    theirs, theirs_squared = copy(params), copy(squared)
    plain, plain_squared = copy(params), copy(squared)
    for _ in range(3):  # three epochs, so the AdaGrad sums grow
        cost = glove.train_epoch(ours, ours_squared, rows, cols, log_x, weight, batch_size=1, learning_rate=0.05)
        plain_cost = glove.train_epoch_plain(plain, plain_squared, rows, cols, log_x, weight, learning_rate=0.05)
        np.testing.assert_allclose(cost, plain_cost, rtol=1e-12)
        expected_cost = glove_c_epoch(theirs, theirs_squared, rows, cols, x, x_max=100, alpha=0.75, eta=0.05)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    for name in vars(params):  # the minibatch of one, the library's plain loop and glove.c's all agree
        for other, other_squared in ((theirs, theirs_squared), (plain, plain_squared)):
            np.testing.assert_allclose(getattr(ours, name), getattr(other, name), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(getattr(ours_squared, name), getattr(other_squared, name), rtol=1e-12)


def test_minibatch_update_is_one_adagrad_step_on_the_summed_gradient():
    params, rows, cols, log_x, weight, _ = random_problem(seed=3, nonzeros=16)
    squared = Parameters(1 + np.arange(V * D).reshape(V, D) / 10, np.ones((V, D)), np.ones(V) * 2, np.ones(V))
    ours, ours_squared = copy(params), copy(squared)
    glove.train_epoch(ours, ours_squared, rows, cols, log_x, weight, batch_size=8, learning_rate=0.05)

    expected, expected_squared = copy(params), copy(squared)
    for batch in (slice(0, 8), slice(8, 16)):
        gradient = {name: np.zeros_like(a) for name, a in vars(params).items()}
        for i, j, lx, f in zip(rows[batch], cols[batch], log_x[batch], weight[batch]):  # from the batch's start
            fdiff = f * (expected.W[i] @ expected.W_context[j] + expected.b[i] + expected.b_context[j] - lx)
            gradient["W"][i] += fdiff * expected.W_context[j]
            gradient["W_context"][j] += fdiff * expected.W[i]
            gradient["b"][i] += fdiff
            gradient["b_context"][j] += fdiff
        for name, g in gradient.items():
            theta, G = getattr(expected, name), getattr(expected_squared, name)
            theta -= 0.05 * g / np.sqrt(G)  # rows not in the batch have g = 0: unchanged
            G += (0.05 * g) ** 2
    for name in vars(params):
        np.testing.assert_allclose(getattr(ours, name), getattr(expected, name), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(getattr(ours_squared, name), getattr(expected_squared, name), rtol=1e-12)


# ----------------------------------------------------------------------------- training

PLANTED = dict(vector_size=20, window=8, epochs=60, min_count=1, x_max=100)  # demo.sh's 10 finds few analogies here


@pytest.fixture(scope="module")
def trained():
    corpus = planted_analogy_corpus(n_sentences=3000, seed=0)
    return corpus, GloVe(**PLANTED, seed=0).fit(corpus.sentences)


def test_cost_falls_every_epoch(trained):
    _, model = trained
    costs = np.array(model.costs)
    assert len(costs) == PLANTED["epochs"]
    assert (np.diff(costs) < 0).all(), f"the cost rose: {costs.round(5).tolist()}"
    assert costs[-1] < 0.03 * costs[0]  # calibrated: 0.019 on seeds 0-3


def test_planted_analogies_come_out_first(trained):
    corpus, model = trained

    def share_found(vectors):
        return np.mean([vectors.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] == d
                        for a, b, c, d in corpus.analogies])

    assert share_found(model.wv) >= 0.85  # W + W~; calibrated: 0.90-1.00 on seeds 0-3
    assert share_found(model.vectors("word")) >= 0.95  # W alone: 0.98-1.00


def test_outputs_are_glove_c_models(trained):
    _, model = trained
    p = model.params
    np.testing.assert_array_equal(model.vectors("word+context").vectors, (p.W + p.W_context).astype(np.float32))
    np.testing.assert_array_equal(model.vectors("word").vectors, p.W.astype(np.float32))
    np.testing.assert_array_equal(model.vectors("context").vectors, p.W_context.astype(np.float32))
    concat = model.vectors("concat").vectors  # glove.c -model 0: w, b, w~, b~
    assert concat.shape == (len(model.vocab), 2 * 20 + 2)
    np.testing.assert_array_equal(concat[:, 20], p.b.astype(np.float32))
    with pytest.raises(ValueError, match="output must be one of"):
        model.vectors("sum")


def test_same_seed_gives_identical_vectors():
    corpus = planted_analogy_corpus(n_sentences=500, seed=1)
    settings = dict(vector_size=8, window=4, epochs=3, min_count=1, batch_size=64)
    first = glove.train(corpus.sentences, seed=5, **settings)
    second = glove.train(corpus.sentences, seed=5, **settings)
    other = glove.train(corpus.sentences, seed=6, **settings)
    assert first.words == second.words and first.vectors.tobytes() == second.vectors.tobytes()
    assert first.vectors.tobytes() != other.vectors.tobytes()
    once = GloVe(**settings, seed=5, shuffle="once").fit(corpus.sentences).wv
    assert once.vectors.tobytes() != first.vectors.tobytes()  # the order of non-zeros matters


def test_callbacks_see_every_epoch():
    corpus = planted_analogy_corpus(n_sentences=300, seed=2)
    seen = []
    model = GloVe(vector_size=4, window=3, epochs=3, min_count=1).fit(
        corpus.sentences, callbacks=[lambda m, epoch: seen.append((epoch, m.costs[-1]))])
    assert seen == list(zip([1, 2, 3], model.costs))
    assert len(model.epoch_seconds) == 3 and model.counts[0].dtype == np.int32


def test_progress_reports_on_stderr_and_changes_nothing(capsys):
    corpus = planted_analogy_corpus(n_sentences=300, seed=2)
    settings = dict(vector_size=4, window=3, epochs=3, min_count=1, seed=3)
    quiet = GloVe(**settings).fit(corpus.sentences)
    assert capsys.readouterr().err == ""
    shown = GloVe(**settings).fit(corpus.sentences, progress=True)
    line = capsys.readouterr().err
    assert "non-zeros/s" in line and line.splitlines()[-1].endswith(f"cost {shown.costs[-1]:.4f}")
    assert len(line.splitlines()) == 3  # one line per epoch: stderr is not a terminal here
    assert shown.wv.vectors.tobytes() == quiet.wv.vectors.tobytes()  # reporting draws no random numbers


def test_sample_counts_the_corpus_word2vec_would_subsample():
    """sample > 0 drops words with word2vec's keep probability before counting:
    the counts equal those of minembed.predicting.corpus.subsample's output (word2vec's path)
    drawn from the seed + 1 stream; sample = 0 counts the whole corpus."""
    corpus = planted_analogy_corpus(n_sentences=400, seed=3)
    settings = dict(vector_size=4, window=3, epochs=1, min_count=1, seed=2)
    model = GloVe(**settings, sample=1e-3).fit(corpus.sentences)
    whole = GloVe(**settings).fit(corpus.sentences)
    vocab = model.vocab
    encoded = [vocab.encode(s) for s in corpus.sentences]
    ids = np.concatenate(encoded).astype(np.int32)
    sentence_of = np.repeat(np.arange(len(encoded), dtype=np.int32), [len(e) for e in encoded])
    kept, kept_sentence = subsample(ids, sentence_of, vocab.keep_probabilities(1e-3), np.random.default_rng(3))
    pieces = np.split(kept, np.flatnonzero(np.diff(kept_sentence)) + 1)
    expected = cooccur.count(pieces, window=3, vocab_size=len(vocab))
    assert 0.2 < len(kept) / len(ids) < 0.95  # the setting drops a real share of the tokens
    for got, want in zip(model.counts, expected):
        np.testing.assert_array_equal(got, want)
    assert whole.counts[2].sum() > model.counts[2].sum()
    np.testing.assert_array_equal(whole.counts[2], cooccur.count(encoded, window=3, vocab_size=len(vocab))[2])


# ----------------------------------------------------------------------------- bad input


SENTENCES = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 5


@pytest.mark.parametrize("params, message", [
    (dict(window=0), "window must be >= 1"),
    (dict(x_max=0), "x_max must be a positive count"),
    (dict(x_max=-5.0), "x_max must be a positive count"),
    (dict(vector_size=0), "vector_size must be >= 1"),
    (dict(learning_rate=0), "learning_rate must be a positive number"),
    (dict(epochs=0), "epochs must be >= 1"),
    (dict(batch_size=0), "batch_size must be >= 1"),
    (dict(output="W+C"), "output must be one of"),
    (dict(sample=-1e-3), "sample must be in"),
    (dict(sample=1.0), "sample must be in"),
])
def test_bad_settings_are_refused_with_what_to_change(params, message):
    with pytest.raises(ValueError, match=message):
        glove.train(SENTENCES, min_count=1, **params)


def test_empty_corpus_is_refused():
    with pytest.raises(ValueError, match="the corpus has no tokens"):
        glove.train([])
    with pytest.raises(ValueError, match="lower min_count"):
        glove.train(SENTENCES, min_count=100)
    with pytest.raises(ValueError, match="no co-occurrences to train on"):
        GloVe().fit_counts(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), ["a"])


def test_a_vocabulary_too_large_for_the_memory_bound_is_refused():
    with pytest.raises(ValueError, match=r"keep fewer words \(raise min_count or set max_vocab_size\)"):
        glove.train(SENTENCES, min_count=1, vector_size=1000, memory_limit=1e-4)


def test_divergence_stops_with_a_clear_error_and_no_nan_vectors():
    model = GloVe(vector_size=4, window=3, epochs=5, min_count=1, learning_rate=1e200)
    with pytest.raises(GloVeDiverged, match=r"diverged in epoch [12] of 5: the cost became (inf|nan) at learning_rate=1e\+200; lower it"):
        model.fit(SENTENCES)
    assert model.params is None
    with pytest.raises(RuntimeError, match="not trained"):
        model.wv


@pytest.mark.parametrize("weighting", ["cubic", 1])
def test_bad_distance_weighting_is_refused_before_any_counting(weighting):
    with pytest.raises(ValueError, match="distance_weighting must be True .* or 'linear'"):
        GloVe(distance_weighting=weighting)  # no corpus: the settings alone are checked


def test_unknown_parameter_is_named():
    with pytest.raises(TypeError, match="unknown GloVe parameter"):
        glove.train(SENTENCES, min_count=1, negative=5)
    with pytest.raises(ValueError, match="either a GloVeConfig or keyword parameters"):
        GloVe(GloVeConfig(), epochs=3)


def test_counts_outside_the_vocabulary_are_refused():
    with pytest.raises(ValueError, match="pass the vocabulary the counts were made with"):
        GloVe().fit_counts(np.array([0, 3]), np.array([1, 0]), np.array([1.0, 2.0]), ["a", "b"])
    with pytest.raises(ValueError, match="leave zeros out"):
        GloVe().fit_counts(np.array([0, 1]), np.array([1, 0]), np.array([1.0, 0.0]), ["a", "b"])


def test_x_max_is_scaled_to_the_corpus_unless_given():
    """x_max=None (the default): 10, demo.sh's, below a billion tokens; 100, the paper's, from there up.
    (On the 453k-token Wikipedia sample, glove.train's defaults scored WordSim353 0.00 with 100, 0.23 with 10.)"""
    corpus = planted_analogy_corpus(n_sentences=200, seed=4)
    settings = dict(vector_size=4, window=3, epochs=1, min_count=1, seed=0)
    assert GloVe(**settings).fit(corpus.sentences).x_max == 10.0
    assert GloVe(**settings, x_max=100).fit(corpus.sentences).x_max == 100.0
    rows, cols, values = cooccur.count([np.array([0, 1, 2, 1, 0])], window=2)
    assert GloVe(**settings).fit_counts(rows, cols, values, ["a", "b", "c"], tokens=2 * 10**9).x_max == 100.0
    auto = GloVe(**settings).fit_counts(rows, cols, values, ["a", "b", "c"])
    given = GloVe(**settings, x_max=10).fit_counts(rows, cols, values, ["a", "b", "c"])
    assert auto.x_max == 10.0 and auto.wv.vectors.tobytes() == given.wv.vectors.tobytes()



ONE_WORD = [["cat"], ["dog"], ["cat"], ["mouse"]] * 5
SMALL = [["the", "cat", "sat", "on", "a", "mat"], ["a", "dog", "sat", "on", "the", "log"]] * 10


def test_corpora_with_nothing_to_learn_are_refused_before_counting():
    with pytest.raises(ValueError, match=r"no sentence has two known words or more \(the longest has 1\)"):
        GloVe(min_count=1).fit(ONE_WORD)
    with pytest.raises(TypeError, match=r"token 3 \(int\) in sentence 0 is not a str"):
        GloVe(min_count=1).fit([[3, 1, 4, 1, 5]] * 4)  # used to train on them and fail only in Vectors()
    with pytest.raises(ValueError, match=r"no sentence has two known words.*after subsampling with sample=1e-12"):
        GloVe(min_count=1, sample=1e-12).fit(SMALL)  # was cooccur's "the corpus is empty: no sentence has a word id"


def test_fit_counts_refuses_a_str_vocabulary():
    with pytest.raises(TypeError, match="vocab must be a Vocabulary or a list of words, got the str 'ab'"):
        GloVe(epochs=1).fit_counts(np.array([0, 1]), np.array([1, 0]), np.array([1.0, 1.0]), "ab")
