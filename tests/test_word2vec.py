"""minembed.predicting.word2vec: the plain per-example loop (`train_plain`) and the minibatched
model tied together, the windows against gensim's loop, the noise sampler, and training on a
planted corpus (analogies recovered, loss falling, same seed -> same bytes). Thresholds were
calibrated on seeds 0-3 of the planted corpus, where every planted analogy came out first for
skip-gram, CBOW and shared negatives alike. The losses' gradients: tests/test_losses.py; the
C tool's update order: tests/test_walk.py; the row scatter: tests/test_scatter.py.
"""

import io
import math

import numpy as np
import pytest

from minembed.data.synthetic import planted_analogy_corpus
from minembed.predicting.corpus import Corpus, skipgram_pairs, window_positions
from minembed.predicting.losses import sgns_loss_and_grads
from minembed.predicting.noise import AliasSampler
from minembed.predicting.word2vec import TrainingDiverged, Word2Vec, Word2VecConfig, train, train_plain
from minembed.tokens.vocab import Vocabulary


def test_skipgram_pairs_match_gensims_loop():
    rng = np.random.default_rng(3)
    sentence_of = np.repeat(np.arange(5), [1, 7, 3, 12, 2])  # (n,) sentence number per position
    n = len(sentence_of)
    reach = 5 - rng.integers(0, 5, size=n)  # (n,) in 1..5
    context, centre = skipgram_pairs(np.arange(n), sentence_of, reach, 5)
    expected = []
    starts = {s: int(np.flatnonzero(sentence_of == s)[0]) for s in range(5)}
    ends = {s: int(np.flatnonzero(sentence_of == s)[-1]) + 1 for s in range(5)}
    for i in range(n):  # gensim's train_batch_sg: j from i - b to i + b, inside the sentence
        for j in range(max(i - reach[i], starts[sentence_of[i]]), min(i + reach[i] + 1, ends[sentence_of[i]])):
            if j != i:
                expected.append((j, i))
    assert list(zip(context.tolist(), centre.tolist())) == expected


# ----------------------------------------------------------------------------- the plain loop and the fast one


def encoded(sentences, **params):
    config = Word2VecConfig(**params)
    vocab = Vocabulary.build(sentences, min_count=config.min_count)
    return Corpus.from_sentences(sentences, vocab), vocab, config


TIE = dict(vector_size=12, window=3, negative=4, sample=1e-2, min_count=1, epochs=2, alpha=0.05, min_alpha=0.001,
           seed=3, batch_size=1, shuffle=False)
# Tolerance of the ties: both sides do the same float32 arithmetic but for the order of a few sums
# (the scatter's C loop against np.add.at, CBOW's mix_rows against a mean), so they may differ by
# float32 rounding (6e-8 relative) that training carries forward. Measured: skip-gram's default step
# gives identical bytes, the others differ by at most 2e-8 on rows of size ~0.1. atol 1e-6 leaves
# 50x room and is 10,000x smaller than one update (lr * |gradient| ~ 0.05 * 0.5): a skipped, doubled
# or reordered update fails it.
TIE_TOLERANCE = dict(rtol=0, atol=1e-6)


def test_cbow_minibatches_of_one_centre_are_the_plain_loop():
    """CBOW has one example per centre: batch_size=1 without shuffling is train_plain's loop,
    with the same random draws (subsampling, windows, noise) in the same order."""
    sentences = planted_analogy_corpus(n_sentences=150, seed=1).sentences
    corpus, vocab, config = encoded(sentences, **TIE, sg=0)
    W, C, losses = train_plain(corpus, vocab, config)
    fast = Word2Vec(config).fit_corpus(corpus, vocab)
    np.testing.assert_allclose(fast.W, W, **TIE_TOLERANCE)
    np.testing.assert_allclose(fast.C, C, **TIE_TOLERANCE)
    np.testing.assert_allclose(fast.losses, losses, rtol=1e-5)
    assert np.abs(fast.W - W).max() < 1e-3 * np.abs(W - train_plain(corpus, vocab, Word2VecConfig(
        **dict(TIE, seed=4), sg=0))[0]).max()  # far closer than another seed's vectors


@pytest.mark.parametrize("params", [dict(), dict(c_tool_order=True), dict(shared_negatives=True)],
                         ids=["minibatch", "c-tool-order", "shared-negatives"])
def test_skipgram_with_one_pair_per_centre_is_the_plain_loop(params):
    """With two-word sentences every centre has exactly one pair, so a minibatch of one centre
    is one of train_plain's steps, whichever way the fast path orders a centre's pairs."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    sentences = [[words[i], words[j]] for i, j in rng.integers(0, 40, size=(600, 2))]
    corpus, vocab, config = encoded(sentences, **TIE, sg=1, **params)
    W, C, losses = train_plain(corpus, vocab, config)
    fast = Word2Vec(config).fit_corpus(corpus, vocab)
    np.testing.assert_allclose(fast.W, W, **TIE_TOLERANCE)
    np.testing.assert_allclose(fast.C, C, **TIE_TOLERANCE)
    np.testing.assert_allclose(fast.losses, losses, rtol=1e-5)


def test_skipgram_step_is_every_pairs_gradient_from_the_same_start_summed():
    """The default minibatch step against a float64 loop over its pairs: each pair's loss and
    gradients from sgns_loss_and_grads at the minibatch's starting vectors, added with np.add.at."""
    planted = planted_analogy_corpus(n_sentences=300, seed=0)  # a smaller corpus than the fixture's
    model = Word2Vec(**dict(PLANTED, epochs=1), seed=0).fit(planted.sentences)
    ids = np.asarray(model.vocab.encode([w for s in planted.sentences[:30] for w in s]), dtype=np.int32)
    sentence_of = np.repeat(np.arange(30, dtype=np.int32), [len(s) for s in planted.sentences[:30]])
    centres = np.random.default_rng(1).permutation(len(ids))
    reach = np.random.default_rng(2).integers(1, 6, size=len(ids))
    W, C, lr = model.W.astype(np.float64), model.C.astype(np.float64), 0.05
    start_W, start_C = W.copy(), C.copy()
    loss, pairs = model.skipgram_step(ids, sentence_of, centres, reach, lr, np.random.default_rng(7))

    context_pos, centre_pos = skipgram_pairs(centres, sentence_of, reach, 5)
    noise = model.noise.draw((len(context_pos), 5), np.random.default_rng(7))  # (P, K), drawn as the step draws
    expected_loss = 0.0
    for context, centre, drawn in zip(ids[context_pos], ids[centre_pos], noise):
        outputs = np.concatenate([[centre], drawn])[None]  # (1, 1 + K)
        use = np.concatenate([[True], drawn != centre])[None]  # a noise word that is the centre is skipped
        pair_loss, grad_w, g = sgns_loss_and_grads(start_W[[context]], start_C[outputs], use)
        np.add.at(C, outputs[0], -lr * g[0][:, None] * start_W[context])
        np.add.at(W, context, -lr * grad_w[0])
        expected_loss += pair_loss[0]
    assert pairs == len(context_pos) and np.bincount(ids).max() > 10  # repeated words: sums must add up
    assert (noise == ids[centre_pos][:, None]).any()  # and some noise words are the pair's centre
    # float32 step against this float64 loop: a row sums up to ~100 terms of size lr * |w| ~ 0.01,
    # each rounded at float32's 6e-8 relative; 1e-6 bounds that with room
    np.testing.assert_allclose(model.C, C, atol=1e-6)
    np.testing.assert_allclose(model.W, W, atol=1e-6)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5)


def test_cbow_step_is_every_centres_gradient_from_the_same_start_summed():
    """The CBOW minibatch step (contexts as one ragged list) against a float64 loop over its
    centres: each centre's contexts read from window_positions' mask, h their mean at the
    minibatch's starting W, the loss and gradients of sgns_loss_and_grads, and the whole
    dloss/dh added to every context word (as word2vec.c and gensim do), all with np.add.at."""
    planted = planted_analogy_corpus(n_sentences=300, seed=0)
    model = Word2Vec(**dict(PLANTED, epochs=1), sg=0, seed=0).fit(planted.sentences)
    sentences = planted.sentences[:30] + [planted.sentences[30][:1]]  # the last has one word: no context
    ids = np.asarray(model.vocab.encode([w for s in sentences for w in s]), dtype=np.int32)
    sentence_of = np.repeat(np.arange(len(sentences), dtype=np.int32), [len(s) for s in sentences])
    centres = np.random.default_rng(1).permutation(len(ids))
    reach = np.random.default_rng(2).integers(1, 6, size=len(ids))
    W, C, lr = model.W.astype(np.float64), model.C.astype(np.float64), 0.05
    start_W, start_C = W.copy(), C.copy()
    loss, examples = model.cbow_step(ids, sentence_of, centres, reach, lr, np.random.default_rng(7))

    positions, inside = window_positions(centres, sentence_of, reach, 5)  # (B, 2w): the definition
    kept = inside.any(axis=1)
    noise = model.noise.draw((int(kept.sum()), 5), np.random.default_rng(7))  # (B', K), drawn as the step draws
    expected_loss = 0.0
    for row, (centre, drawn) in enumerate(zip(ids[centres[kept]], noise)):
        contexts = ids[positions[kept][row][inside[kept][row]]]  # this centre's context words
        outputs = np.concatenate([[centre], drawn])[None]  # (1, 1 + K)
        use = np.concatenate([[True], drawn != centre])[None]
        h = start_W[contexts].mean(axis=0, keepdims=True)  # (1, D)
        centre_loss, grad_h, g = sgns_loss_and_grads(h, start_C[outputs], use)
        np.add.at(C, outputs[0], -lr * g[0][:, None] * h[0])
        np.add.at(W, contexts, -lr * grad_h[0])
        expected_loss += centre_loss[0]
    assert examples == kept.sum() < len(centres)  # the one-word sentence's centre is skipped
    assert max(np.bincount(ids[positions[inside]])) > 10  # repeated context words: sums must add up
    # float32 against float64, as in the skip-gram step test above
    np.testing.assert_allclose(model.C, C, atol=1e-6)
    np.testing.assert_allclose(model.W, W, atol=1e-6)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5)


def test_no_examples_is_an_error_not_untrained_vectors():
    with pytest.raises(ValueError, match="no sentence has two known words or more.*two words or more"):
        Word2Vec(min_count=1).fit([["alone"], ["again"], ["alone"]])  # refused before training now
    # two frequent words kept with probability ~0.05 each: about 5 of the 102 words are kept, so the front
    # check lets it through, but their one shared sentence almost never keeps both (seed 0 does not)
    with pytest.raises(ValueError, match="no training examples in epoch 1.*longer sentences"):
        Word2Vec(min_count=1, sample=1e-3, seed=0).fit([["a", "b"]] + [["a"]] * 50 + [["b"]] * 50)
    corpus, vocab, config = encoded([["a", "b"]] * 5, min_count=1, sample=0)
    train_plain(corpus, vocab, config)  # the plain loop trains on the same pairs


def test_alias_sampler_draws_the_noise_distribution():
    probabilities = Vocabulary(list("abcdefgh"), [500, 200, 100, 50, 20, 10, 5, 1]).noise_distribution()
    draws = AliasSampler(probabilities).draw(400_000, np.random.default_rng(0))
    frequencies = np.bincount(draws, minlength=8) / len(draws)
    # 5 standard errors of a binomial proportion
    np.testing.assert_allclose(frequencies, probabilities, atol=5 * np.sqrt(probabilities / len(draws)).max())


# ----------------------------------------------------------------------------- training


PLANTED = dict(vector_size=20, window=5, negative=5, sample=0, min_count=1, epochs=10, batch_size=256)


@pytest.mark.parametrize("params", [dict(sg=1), dict(sg=0), dict(sg=1, shared_negatives=True)],
                         ids=["skipgram", "cbow", "skipgram-shared"])
def test_planted_analogies_come_first_and_loss_falls(planted, params):
    model = Word2Vec(**PLANTED, **params, seed=0).fit(planted.sentences)
    assert all(np.diff(model.losses) < 0), model.losses  # falls every epoch
    assert model.losses[0] < 5 * math.log(2) + math.log(2)  # below the loss of all-zero scores
    wrong = [(a, b, c, d) for a, b, c, d in planted.analogies
             if model.wv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] != d]
    assert not wrong, f"{len(wrong)} of {len(planted.analogies)} planted analogies missed, e.g. {wrong[:3]}"


def test_too_little_training_warns_that_the_vectors_collapsed(planted):
    """gensim's 5 epochs on the lee corpus (58k tokens) leave every word pointing one way (mean cosine 0.97,
    every neighbour 0.998): a CollapsedVectors warning says so and what to raise. Trained enough (the planted
    corpus, 10 epochs, its analogies recovered), no warning."""
    import warnings

    from minembed.training.lifecycle import CollapsedVectors, mean_pair_cosine

    pytest.importorskip("gensim", reason="the lee corpus ships with gensim's test data: pip install -e '.[data]'")
    from minembed.data.datasets import lee_background

    with pytest.warns(CollapsedVectors, match=r"mean cosine 0\.9\d .*Raise epochs \(now 5"):
        collapsed = Word2Vec(seed=0).fit(lee_background())
    assert mean_pair_cosine(collapsed.W) > 0.9
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapsedVectors)
        trained = Word2Vec(**PLANTED, seed=0).fit(planted.sentences)
    assert mean_pair_cosine(trained.W) < 0.5


def test_mean_pair_cosine_tells_many_directions_from_one():
    from minembed.training.lifecycle import mean_pair_cosine

    rng = np.random.default_rng(0)
    spread = rng.standard_normal((1000, 50))  # (V, D) independent directions: mean cosine ~ 0 (sd ~ 0.14 / sqrt(n))
    assert abs(mean_pair_cosine(spread)) < 0.02
    one_way = spread * 0.1 + 3.0  # a shared direction dominates every row
    assert mean_pair_cosine(one_way) > 0.99
    assert mean_pair_cosine(spread) == mean_pair_cosine(spread)  # its own fixed seed: the same answer


def test_same_seed_same_bytes_and_a_memory_mapped_corpus_changes_nothing(planted, tmp_path):
    params = dict(PLANTED, epochs=2, sample=1e-3)
    first = Word2Vec(**params, seed=7).fit(planted.sentences)
    again = Word2Vec(**params, seed=7).fit(planted.sentences)
    assert first.W.tobytes() == again.W.tobytes() and first.C.tobytes() == again.C.tobytes()
    other = Word2Vec(**params, seed=8).fit(planted.sentences)
    assert first.W.tobytes() != other.W.tobytes()
    corpus = Corpus.from_sentences(planted.sentences, first.vocab)
    corpus.save(tmp_path / "planted")
    mapped = Corpus.load(tmp_path / "planted")
    assert isinstance(mapped.ids, np.memmap)
    from_disk = Word2Vec(**params, seed=7).fit_corpus(mapped, first.vocab)
    assert from_disk.W.tobytes() == first.W.tobytes()
    # small chunks subsample piece by piece; the vectors are the same but for the random draws' order
    chunked = Word2Vec(**params, seed=7, chunk_words=1000).fit(planted.sentences)
    assert chunked.effective_words[0] > 0.5 * first.effective_words[0]


def test_trace_records_one_update_with_matching_finite_differences(planted):
    for sg in (1, 0):
        traced = Word2Vec(**dict(PLANTED, epochs=1), sg=sg, seed=0).fit(planted.sentences, trace=True)
        trace = traced.trace
        assert trace["learning_rate"] == pytest.approx(0.025)
        assert len(trace["targets"]) == 2 and len(trace["noise"][0]) == 5
        for name, gradient in trace["gradients"].items():
            np.testing.assert_allclose(gradient, trace["finite_difference_gradients"][name], rtol=1e-5, atol=1e-7)
        untraced = Word2Vec(**dict(PLANTED, epochs=1), sg=sg, seed=0).fit(planted.sentences)
        assert untraced.W.tobytes() == traced.W.tobytes()  # tracing does not disturb training


def test_callbacks_progress_and_effective_words(planted, monkeypatch):
    seen = []
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    model = Word2Vec(**dict(PLANTED, epochs=3, sample=1e-3)).fit(
        planted.sentences, callbacks=[lambda m, epoch: seen.append((epoch, m.losses[-1]))], progress=True)
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    assert [loss for _, loss in seen] == model.losses
    log = stderr.getvalue()  # stderr is not a terminal: one line per epoch, no bar redrawn with carriage returns
    assert "\r" not in log and log.splitlines() == [
        line for line in log.splitlines() if line.startswith("epoch ") and "words/s, loss" in line]
    assert len(log.splitlines()) == 3
    # subsampling keeps sum(count * keep) words per epoch on average
    expected = float((model.vocab.counts * model.vocab.keep_probabilities(1e-3)).sum())
    assert abs(model.effective_words[0] - expected) < 5 * math.sqrt(expected)
    assert model.effective_words[0] < 0.9 * model.vocab.total_words


def test_progress_on_a_terminal_is_one_live_bar(planted, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    Word2Vec(**dict(PLANTED, epochs=2)).fit(planted.sentences, progress=True)
    shown = terminal.getvalue()
    assert "\r" in shown and "2.00/2 epochs" in shown and "words/s" in shown  # redrawn in place, to the end


def test_train_returns_vectors_with_gensims_parameter_names(planted):
    vectors = train(planted.sentences, sg=0, vector_size=8, window=2, negative=3, sample=0, min_count=1,
                    epochs=1, alpha=0.05, min_alpha=0.001, seed=1)
    assert vectors.vectors.shape == (len(vectors.words), 8) and vectors.vectors.dtype == np.float32


@pytest.mark.parametrize("params, message", [
    (dict(vector_size=0), "vector_size must be >= 1"),
    (dict(window=0), "window must be >= 1"),
    (dict(negative=0), "negative must be >= 1"),
    (dict(sg=2), "sg must be 1"),
    (dict(sample=1.5), r"sample must be in \[0, 1\)"),
    (dict(alpha=0.01, min_alpha=0.1), "min_alpha must be in"),
])
def test_bad_parameters_say_what_to_change(params, message):
    with pytest.raises(ValueError, match=message):
        train([["a", "b"]] * 10, **params)


def test_bad_corpora_say_what_to_change():
    with pytest.raises(ValueError, match="no tokens"):
        train([])
    with pytest.raises(ValueError, match="lower min_count"):
        train([["rare", "words", "only"]], min_count=5)
    with pytest.raises(ValueError, match="at least two"):
        train([["same"] * 10], min_count=1)
    corpus = Corpus(np.array([0, 1, 5], np.int32), np.array([0, 3]))  # id 5 is not in a 2-word vocabulary
    with pytest.raises(ValueError, match="encode it with this vocabulary"):
        Word2Vec(min_count=1).fit_corpus(corpus, Vocabulary(["a", "b"], [2, 1]))


def test_divergence_stops_with_epoch_and_learning_rate(planted):
    model = Word2Vec(**dict(PLANTED, epochs=3), alpha=1e6, min_alpha=0)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+ of 3: .* at learning rate [\d.e+]+ .*lower alpha") as caught:
        model.fit(planted.sentences)
    batch_size = model.config.batch_size
    assert f"or batch_size (now {batch_size})" in str(caught.value)  # the other remedy, with a smaller value
    assert f"batch_size={batch_size // 4} may train" in str(caught.value)
    assert model.W is None and model.C is None  # no NaN vectors are left to return
    with pytest.raises(RuntimeError, match="not trained"):
        model.wv


# ----------------------------------------------------------------------------- refusing to hand back untrained vectors


def fasttext_model(**params):
    from minembed.predicting.subword import FastText  # fastText is Word2Vec with n-gram rows: the same checks

    return FastText(**params)


MODELS = [Word2Vec, fasttext_model]
SMALL = [["the", "cat", "sat", "on", "a", "mat"], ["a", "dog", "sat", "on", "the", "log"]] * 10  # 120 words


@pytest.mark.parametrize("model", MODELS)
def test_corpora_with_nothing_to_learn_are_refused_before_training(model):
    with pytest.raises(ValueError, match=r"no sentence has two known words or more \(the longest has 1\)"):
        model(min_count=1).fit([["cat"], ["dog"], ["cat"], ["mouse"]] * 5)
    with pytest.raises(ValueError, match=r"no sentence has two known words or more.*lower min_count"):
        model(min_count=2).fit([["cat", "rare1"], ["dog", "rare2"], ["cat"], ["dog"]])  # min_count leaves one each
    with pytest.raises(ValueError, match=r"sample=1e-12 would keep about 0.00\d+ of the corpus's 120 words.*sample=0"):
        model(min_count=1, sample=1e-12).fit(SMALL)  # every word subsampled away: it used to "train" with loss 0


@pytest.mark.parametrize("model", MODELS)
def test_tokens_that_are_not_str_are_refused_before_training(model):
    """They used to train to the end and fail only when the vectors were built (Vectors())."""
    with pytest.raises(TypeError, match=r"token 3 \(int\) in sentence 0 is not a str"):
        model(min_count=1, sample=0).fit([[3, 1, 4, 1, 5]] * 4)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("params, message", [
    (dict(seed=-1), "seed must be >= 0 and a whole number, got -1"),
    (dict(seed=None), "seed must be >= 0 and a whole number, got None"),
    (dict(vector_size=2.5), "vector_size must be >= 1 and a whole number.*got 2.5"),
    (dict(min_count=2.5), "min_count must be >= 1 and a whole number"),
    (dict(memory_limit=0), r"memory_limit must be in \(0, inf\)"),
    (dict(memory_limit=float("nan")), r"memory_limit must be in \(0, inf\)"),
])
def test_settings_are_checked_in_their_own_words(model, params, message):
    with pytest.raises(ValueError, match=message):
        model(**params)


def test_a_table_too_large_is_refused_before_it_is_allocated():
    """5 words x 1e8 dimensions used to allocate W and C (4 GB) and write a 2 GB file; the guard refuses it
    before a byte of them exists (peak traced allocation under 10 MB)."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"needs about [\d,.]+ GB for 5 words x 100,000,000 dimensions .*"
                                             r"over memory_limit=4.0 GB: lower vector_size or batch_size"):
            Word2Vec(min_count=1, sample=0, vector_size=10**8).fit([["a", "b", "c", "d", "e"]] * 4)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10e6
    with pytest.raises(ValueError, match=r"and up to [\d,]+ n-gram rows x 300 dimensions"):  # fastText counts N too
        fasttext_model(min_count=1, sample=0, vector_size=300, memory_limit=0.01).fit(SMALL)
    Word2Vec(min_count=1, sample=0, vector_size=8, epochs=1, memory_limit=0.1).fit(SMALL)  # small enough: trains
