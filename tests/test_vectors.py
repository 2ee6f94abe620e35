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


def test_unknown_word_suggests_its_other_case_first():
    """`similar King` on GloVe (lower case) offered "ing, ying" but not "king": difflib compares as typed, and
    "King" differs from "ing" by one deletion but from "king" by a substitution. The case-folded form comes first."""
    words = ["ing", "ying", "xing", "wing", "king", "Paris", "banana", "bandana"]
    v = Vectors(words, np.random.default_rng(0).normal(size=(len(words), 4)))
    with pytest.raises(KeyError, match=r"^\"'King' is not in the vocabulary \(8 words\)\. Close known words: king, "):
        v["King"]
    with pytest.raises(KeyError, match=r"Close known words: Paris[.,]"):
        v.get_index("PARIS")
    with pytest.raises(KeyError, match=r"Close known words: banana, "):  # a misspelling in capitals
        v.most_similar("Bananna")
    with pytest.raises(KeyError, match=r"'qqq' is not in the vocabulary \(8 words\)\.\"$"):  # nothing close
        v["qqq"]


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


# ------------------------------------------------------------------ arguments, as gensim reads them (issue 23)


@pytest.fixture(scope="module")
def small():
    """12 random words in 7 dimensions, and gensim's KeyedVectors on the very same float32 rows."""
    rng = np.random.default_rng(23)
    words, vectors = [f"w{i}" for i in range(12)], rng.standard_normal((12, 7)).astype(np.float32)
    return Vectors(words, vectors), words, vectors


@pytest.fixture(scope="module")
def small_gensim(small, gensim):
    from gensim.models import KeyedVectors

    keyed = KeyedVectors(7)
    keyed.add_vectors(small[1], small[2])
    return keyed


def same_answers(ours, theirs):
    """Same words in the same order, scores within SCORE_TOLERANCE (see the module docstring)."""
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=0, atol=SCORE_TOLERANCE)


@pytest.mark.parametrize("method", ["most_similar", "most_similar_cosmul"])
def test_topn_below_one_none_and_counts_as_gensim(small, small_gensim, method):
    ours, theirs = getattr(small[0], method), getattr(small_gensim, method)
    for topn in (0, -1, -10**9):
        assert ours("w0", "w1", topn=topn) == theirs("w0", "w1", topn=topn) == []
    for topn in (1, np.int64(3), 10**12):  # more than the table: every other word, as gensim
        same_answers(ours("w0", "w1", topn=topn), theirs("w0", "w1", topn=min(topn, 10)))
    everything = ours("w0", "w1", topn=None)  # every row's score, the inputs included, as gensim
    assert isinstance(everything, np.ndarray) and everything.dtype == np.float32 and everything.shape == (12,)
    np.testing.assert_allclose(everything, theirs("w0", "w1", topn=None), rtol=1e-6, atol=SCORE_TOLERANCE)


def test_topn_none_with_restrict_vocab_as_gensim(small, small_gensim):
    ours = small[0].most_similar(["w2", "w5"], topn=None, restrict_vocab=6)
    np.testing.assert_allclose(ours, small_gensim.most_similar(["w2", "w5"], topn=None, restrict_vocab=6),
                               atol=SCORE_TOLERANCE)
    assert ours.shape == (6,)


@pytest.mark.parametrize("positive, negative", [
    ([("w1", 2.0), ("w2", 0.5)], None),
    (["w1"], [("w3", 0.5)]),  # gensim's rule: a pair's weight replaces the -1, so this adds w3
    ([("w1", 2.0)], [("w3", -0.25), "w4"]),
    ([(np.arange(7, dtype=np.float32), 3.0), "w2"], ["w5"]),  # a raw vector with a weight
    (np.eye(7, dtype=np.float32)[:3], None),  # a 2-D array: one query vector per row
    ("w6", "w7"),
])
def test_weighted_and_array_inputs_as_gensim(small, small_gensim, positive, negative):
    same_answers(small[0].most_similar(positive, negative, topn=5),
                 small_gensim.most_similar(positive, negative, topn=5))


def test_a_tuple_of_words_is_a_list_of_words(small):
    assert small[0].most_similar(("w1", "w2"), topn=4) == small[0].most_similar(["w1", "w2"], topn=4)


def test_restrict_vocab_counts_as_gensim(small, small_gensim):
    for restrict_vocab in (1, 4, np.int64(7), 100):
        same_answers(small[0].most_similar("w0", restrict_vocab=restrict_vocab),
                     small_gensim.most_similar("w0", restrict_vocab=restrict_vocab))


@pytest.mark.parametrize("call, error, message", [
    (lambda v: v.most_similar("w0", topn=2.5), TypeError, r"topn must be an integer.*2\.5"),
    (lambda v: v.most_similar("w0", topn=True), TypeError, "topn must be an integer.*True"),
    (lambda v: v.most_similar("w0", topn="3"), TypeError, "topn must be an integer"),
    (lambda v: v.most_similar_cosmul("w0", topn=float("nan")), TypeError, "topn must be an integer"),
    (lambda v: v.most_similar("w0", restrict_vocab=1.5), TypeError, "restrict_vocab must be a positive integer"),
    (lambda v: v.most_similar("w0", restrict_vocab=True), TypeError, "restrict_vocab must be a positive integer"),
    (lambda v: v.most_similar_cosmul("w0", restrict_vocab=0), ValueError, "restrict_vocab must be a positive"),
    (lambda v: v.most_similar(5), TypeError, r"positive must be a word, a vector or a list.*got 5 \(int\)"),
    (lambda v: v.most_similar("w0", negative=5.0), TypeError, "negative must be a word, a vector or a list"),
    (lambda v: v.most_similar([["w0", "w1"]]), TypeError, r"positive\[0\] is \['w0', 'w1'\].*words themselves"),
    (lambda v: v.most_similar(("w0", 2.0)), TypeError, r"pair goes inside a list: positive=\[\('word', 2.0\)\]"),
    (lambda v: v.most_similar([("w0", "x")]), TypeError, r"weight of positive\[0\] must be a number"),
    (lambda v: v.most_similar([("w0", float("nan"))]), ValueError, r"weight of positive\[0\] must be finite"),
    (lambda v: v.most_similar([("w0", 1.0, 2.0)]), TypeError, r"positive\[0\] is \('w0', 1.0, 2.0\)"),
    (lambda v: v.most_similar([("zz", 1.0)]), KeyError, "'zz' is not in the vocabulary"),
    (lambda v: v.most_similar(), ValueError, "at least one word or vector"),
    (lambda v: v.most_similar("w0", topn=0, negative="zz"), KeyError, "'zz'"),  # checked whatever topn
    (lambda v: v.most_similar(np.ones(8, np.float32)), ValueError, r"positive\[0\].*shape \(8,\).*\(7,\)"),
    (lambda v: v.most_similar(np.ones((2, 2, 7))), TypeError, "positive is an array of shape"),
    (lambda v: v.most_similar(["w0"], ["w0"]), ValueError, "query vector is zero"),
    (lambda v: v.most_similar([("w0", 0.0)]), ValueError, "query vector is zero"),
    (lambda v: v.most_similar(np.full(7, np.nan, np.float32)), ValueError, r"positive\[0\] contains NaN"),
    (lambda v: v.most_similar_cosmul(np.array([np.nan] * 7)), ValueError, r"positive\[0\] contains NaN"),
    (lambda v: v.most_similar_cosmul(negative=[np.full(7, np.inf)]), ValueError, r"negative\[0\] contains NaN or inf"),
    (lambda v: v.most_similar_cosmul([("w0", 2.0)]), TypeError, "without weights"),
    (lambda v: v.most_similar_cosmul(negative=["w0"]), ValueError, "needs at least one word in positive="),
    (lambda v: v.most_similar_cosmul([["w0"]]), TypeError, r"positive\[0\] is \['w0'\]"),
    (lambda v: v.doesnt_match("w0w1"), TypeError, "a list of words, got the str 'w0w1'.*letter by letter"),
    (lambda v: v.doesnt_match(["w0"]), ValueError, "at least 2 words to compare, got 1"),
    (lambda v: v.doesnt_match(["w0", 5]), TypeError, r"words\[1\] is 5 \(int\)"),
    (lambda v: v.doesnt_match(5), TypeError, "a list of words"),
    (lambda v: v.analogy("w0", "w1", 5), TypeError, r"c is 5 \(int\)"),
    (lambda v: v.analogy("w0", "w1", "w2", topn=1.5), TypeError, "topn must be an integer"),
    (lambda v: v.similarity("w0", 5), TypeError, r"5 \(int\) is not a word"),
    (lambda v: v[5], TypeError, r"takes a word \(str\) or a list of words, got 5 \(int\)"),
    (lambda v: v[["w0", 5]], TypeError, r"words\[1\] is 5 \(int\), not a word \(str\)"),
])
def test_bad_arguments_fail_first_in_the_callers_words(small, call, error, message):
    with pytest.raises(error, match=message):
        call(small[0])


def test_cosmul_and_analogy_answer_as_gensim(small, small_gensim):
    same_answers(small[0].most_similar_cosmul(["w1", "w2"], ["w3"], topn=4),
                 small_gensim.most_similar_cosmul(["w1", "w2"], ["w3"], topn=4))
    assert small[0].analogy("w1", "w2", "w3", topn=0) == []
    assert small[0].analogy("w1", "w2", "w3") == small_gensim.most_similar(["w2", "w3"], ["w1"], topn=1)[0][0]
    assert small[0].doesnt_match(["w0", "w1", "w2", "w3"]) == small_gensim.doesnt_match(["w0", "w1", "w2", "w3"])
    with pytest.raises(ValueError, match="no word is left"):
        Vectors(["a", "b", "c"], np.eye(3)).analogy("a", "b", "c")


def test_constructor_checks_words_and_float32s_range():
    with pytest.raises(TypeError, match="words must be a list of str.*letter by letter"):
        Vectors("cat", np.ones((3, 2)))  # was read as the three words 'c', 'a', 't'
    with pytest.raises(TypeError, match="words must be a list of str, got None"):
        Vectors(None, np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"word 1 is 5 \(int\), not a str"):
        Vectors(["a", 5], np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"'b' \(row 1\) holds 1e\+39, beyond float32's range") as caught:
        Vectors(["a", "b"], np.array([[1.0, 2.0], [1e39, 0.0]]))  # finite in float64: not "NaN ... diverged"
    assert "NaN" not in str(caught.value) and "diverged" not in str(caught.value)
    assert Vectors(("a", "b"), np.array([[3e38, 1.0], [1.0, 1.0]])).vectors.dtype == np.float32  # in range: kept


@pytest.mark.parametrize("scale", [1e20, 1e30, 1e36, 1e-25, 1e-30, 1e-40, "mixed"])
def test_questions_stay_right_across_float32s_range(small, scale):
    """At 1e20 a word's similarity with itself overflowed the float32 dot (inf), at 1e-25 it underflowed
    (0), at 1e-40 it was NaN. Every answer must be the unscaled table's, to float32 rounding (1e-6)."""
    table, words, vectors = small
    factors = np.array([1e30, 1e-30, 1.0, 1e20, 1e-25, 1e36] * 2) if scale == "mixed" else np.full(12, scale)
    scaled = Vectors(words, (vectors * factors[:, None]).astype(np.float32))
    exact = scaled.vectors.astype(np.float64)  # at 1e-40 the stored rows are subnormal: compare with them
    unit = exact / np.linalg.norm(exact, axis=1)[:, None]
    assert abs(scaled.similarity("w0", "w1") - unit[0] @ unit[1]) < 1e-6
    assert abs(scaled.similarity("w3", "w3") - 1.0) < 1e-6
    got = scaled.most_similar("w0", topn=None)
    np.testing.assert_allclose(got, unit @ unit[0], atol=1e-6)
    order = [w for w, _ in scaled.most_similar(["w0", "w5"], ["w2"], topn=11)]
    query = unit[0] + unit[5] - unit[2]
    expected = [words[i] for i in np.argsort(-(unit @ query), kind="stable") if i not in (0, 5, 2)]
    assert order == expected
    assert [w for w, _ in scaled.most_similar_cosmul("w0", topn=5)] == [w for w, _ in table.most_similar_cosmul(
        "w0", topn=5)] or scale == 1e-40
    assert scaled.doesnt_match(["w0", "w1", "w2", "w3"]) == table.doesnt_match(["w0", "w1", "w2", "w3"])
    np.testing.assert_allclose(np.linalg.norm(scaled.unit_vector("w4")), 1.0, atol=1e-6)
