"""Vectors against gensim's KeyedVectors on the same pretrained GloVe 6B 50d table.

Tolerance: similarity scores within 1e-5 absolute. gensim multiplies unit
vectors it normalised in float32; minembed scales the raw dot product by
float32 inverse norms. Both are float32 sums of 50 products, so they differ by
a few ulps (~1e-7); 1e-5 leaves margin without hiding a wrong formula (a wrong
normalisation or weighting moves scores by 1e-2 or more).

Ranking: the words must come in the same order. Where two neighbours' scores
are closer than float32 rounding (1e-6), either order is correct; such a swap
is allowed only if gensim itself scores both words within 1e-6.

The table comes with the `[data]` extra and gensim with `[compare]`: without them
those tests are skipped (see conftest.py), and the tests of Vectors alone still run.
"""

import os

import numpy as np
import pytest

from minembed import Vectors
from minembed.tokens.onehot import onehot_vectors
from minembed.data.pretrained import glove_6b_50d
from minembed.tokens.vocab import Vocabulary

N_QUERIES = 200
SCORE_TOLERANCE = 1e-5
TIE_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def glove(glove_6b_50d_package):
    return glove_6b_50d()


@pytest.fixture(scope="module")
def gensim_glove(glove, gensim):
    from gensim.models import KeyedVectors

    keyed = KeyedVectors(glove.vector_size)
    keyed.add_vectors(glove.words, glove.vectors)
    return keyed


def assert_same_ranking(ours, theirs, gensim_score):
    """Same words in the same order, scores within tolerance (ties excepted, see module doc)."""
    assert len(ours) == len(theirs)
    for (our_word, our_score), (their_word, their_score) in zip(ours, theirs):
        assert abs(our_score - their_score) < SCORE_TOLERANCE, (our_word, their_word)
        if our_word != their_word:
            assert abs(gensim_score(our_word) - their_score) < TIE_TOLERANCE, (ours, theirs)


def analogy_questions(glove, count):
    """`count` of gensim's Google analogy questions (questions-words.txt) whose words are all in `glove`."""
    from gensim.test.utils import datapath  # the callers take gensim_glove, so gensim is there

    questions = []
    with open(datapath("questions-words.txt")) as handle:
        for line in handle:
            if line.startswith(":"):
                continue
            words = line.lower().split()
            if all(w in glove for w in words):
                questions.append(words)
    rng = np.random.default_rng(0)
    return [questions[i] for i in rng.choice(len(questions), size=count, replace=False)]


def test_most_similar_equals_gensim_single_words(glove, gensim_glove):
    rng = np.random.default_rng(1)
    for word in (glove.words[i] for i in rng.choice(30_000, size=N_QUERIES, replace=False)):
        ours = glove.most_similar(word, topn=10)
        theirs = gensim_glove.most_similar(word, topn=10)
        assert_same_ranking(ours, theirs, lambda w: gensim_glove.similarity(word, w))


def test_most_similar_equals_gensim_on_analogies(glove, gensim_glove):
    for a, b, c, _ in analogy_questions(glove, N_QUERIES):
        ours = glove.most_similar(positive=[b, c], negative=[a], topn=5)
        theirs = gensim_glove.most_similar(positive=[b, c], negative=[a], topn=5)
        query = gensim_glove.get_vector(b, norm=True) + gensim_glove.get_vector(c, norm=True)
        query = (query - gensim_glove.get_vector(a, norm=True)) / 3
        query /= np.linalg.norm(query)
        assert_same_ranking(
            ours, theirs, lambda w: float(gensim_glove.get_vector(w, norm=True) @ query)
        )


def test_most_similar_cosmul_equals_gensim(glove, gensim_glove):
    for a, b, c, _ in analogy_questions(glove, N_QUERIES):
        ours = glove.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
        theirs = gensim_glove.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)

        def cosmul(w):
            shifted = [(1 + gensim_glove.similarity(w, x)) / 2 for x in (b, c, a)]
            return shifted[0] * shifted[1] / (shifted[2] + 1e-6)

        assert_same_ranking(ours, theirs, cosmul)


def test_doesnt_match_equals_gensim(glove, gensim_glove):
    rng = np.random.default_rng(2)
    for _ in range(N_QUERIES):
        words = [glove.words[i] for i in rng.choice(5_000, size=4, replace=False)]
        assert glove.doesnt_match(words) == gensim_glove.doesnt_match(words)


def test_similarity_and_analogy(glove, gensim_glove):
    assert abs(glove.similarity("king", "queen") - gensim_glove.similarity("king", "queen")) < 1e-6
    assert glove.analogy("man", "king", "woman") == "queen"
    assert glove.analogy("france", "paris", "italy") == "rome"


def test_restrict_vocab_equals_gensim(glove, gensim_glove):
    ours = glove.most_similar(positive=["paris", "germany"], negative=["france"], topn=5, restrict_vocab=30_000)
    theirs = gensim_glove.most_similar(
        positive=["paris", "germany"], negative=["france"], topn=5, restrict_vocab=30_000
    )
    assert [w for w, _ in ours] == [w for w, _ in theirs]


def test_one_hot_vectors_show_the_tie():
    vocab = Vocabulary.build([["the", "cat", "sat", "on", "the", "mat"]])
    onehot = onehot_vectors(vocab)
    neighbours = onehot.most_similar("cat", topn=10)
    # Every other word is orthogonal to "cat": all score 0, so order is by row id.
    assert [s for _, s in neighbours] == [0.0] * (len(vocab) - 1)
    assert [w for w, _ in neighbours] == [w for w in vocab.words if w != "cat"]


def test_lookup_and_unknown_words():
    v = Vectors(["apple", "apply", "banana"], np.eye(3, dtype=np.float32))
    assert "apple" in v and "pear" not in v
    np.testing.assert_array_equal(v["banana"], [0, 0, 1])
    assert v[["apple", "banana"]].shape == (2, 3)
    with pytest.raises(KeyError, match="'appel' is not in the vocabulary.*apple"):
        v["appel"]
    with pytest.raises(KeyError, match="'bananna'.*banana"):
        v.most_similar("bananna")


def test_constructor_rejects_bad_tables():
    with pytest.raises(ValueError, match="empty"):
        Vectors([], np.empty((0, 3)))
    with pytest.raises(ValueError, match="2 words but 3 vectors"):
        Vectors(["a", "b"], np.ones((3, 2)))
    with pytest.raises(ValueError, match="'b' .*NaN"):
        Vectors(["a", "b"], np.array([[1.0, 2.0], [np.nan, 0.0]]))
    with pytest.raises(ValueError, match="appears twice"):
        Vectors(["a", "a"], np.ones((2, 2)))
    with pytest.raises(ValueError, match="matrix"):
        Vectors(["a"], np.ones(3))
    with pytest.raises(ValueError, match="dtype"):
        Vectors(["a"], np.array([["x", "y"]]))


def test_save_load_npz_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    v = Vectors(["ä", "b", "日本"], rng.standard_normal((3, 4)).astype(np.float32))
    v.save(tmp_path / "table.npz")
    back = Vectors.load(tmp_path / "table.npz")
    assert back.words == v.words
    np.testing.assert_array_equal(back.vectors, v.vectors)


def test_word2vec_format_round_trip_through_gensim(tmp_path, glove, gensim):
    from gensim.models import KeyedVectors

    small = Vectors(glove.words[:2000], glove.vectors[:2000])
    for binary in (False, True):
        path = os.fspath(tmp_path / f"table_{binary}.w2v")
        small.save_word2vec_format(path, binary=binary)
        theirs = KeyedVectors.load_word2vec_format(path, binary=binary)
        assert theirs.index_to_key == small.words
        np.testing.assert_array_equal(theirs.vectors, small.vectors)
        back = Vectors.load_word2vec_format(path, binary=binary)
        np.testing.assert_array_equal(back.vectors, small.vectors)


def test_to_torch_is_an_embedding_lookup(torch):
    rng = np.random.default_rng(4)
    v = Vectors(["a", "b", "c"], rng.standard_normal((3, 5)).astype(np.float32))
    embedding = v.to_torch()
    assert isinstance(embedding, torch.nn.Embedding)
    out = embedding(torch.tensor([2, 0])).numpy()
    np.testing.assert_array_equal(out, v.vectors[[2, 0]])
