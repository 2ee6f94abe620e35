"""Tests for minembed.tokens.vocab, checked against gensim 4's Word2Vec vocabulary build."""

import doctest

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import minembed.tokens.vocab
from minembed.tokens.text import lowercase, tokenize
from minembed.tokens.vocab import Vocabulary

# Counts: b 3, a 3, c 2, d 2, e 2, f 1, g 1. First appearance: b a c d e f g.
TIED_CORPUS = [["b", "a", "c", "a", "b"], ["d", "e", "c", "f"], ["e", "g", "d", "a", "b"]]


def gensim_model(corpus, **settings):
    """A gensim Word2Vec with its vocabulary built (no training)."""
    Word2Vec = pytest.importorskip("gensim.models", reason="needs gensim: pip install -e '.[compare]'").Word2Vec
    model = Word2Vec(vector_size=4, workers=1, seed=1, **settings)
    model.build_vocab(corpus)
    return model


@pytest.fixture(scope="module")
def lee_corpus(gensim) -> list[list[str]]:
    """gensim's Lee news corpus: 300 documents, ~60,000 tokens, many tied counts."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        return [tokenize(lowercase(line)) for line in f]


def test_docstring_examples():
    results = doctest.testmod(minembed.tokens.vocab)
    assert results.attempted >= 10
    assert results.failed == 0


def test_build_orders_by_count_then_first_appearance():
    vocab = Vocabulary.build(TIED_CORPUS)
    assert vocab.words == ["b", "a", "c", "d", "e", "f", "g"]
    assert vocab.counts.dtype == np.int64
    assert_array_equal(vocab.counts, [3, 3, 2, 2, 2, 1, 1])
    assert vocab.index == {w: i for i, w in enumerate(vocab.words)}
    assert vocab.total_words == 14
    assert len(vocab) == 7


@pytest.mark.parametrize("min_count", [1, 2, 3])
def test_gensim_ties_equal_gensim_index_to_key(min_count):
    model = gensim_model(TIED_CORPUS, min_count=min_count)
    vocab = Vocabulary.build(TIED_CORPUS, min_count=min_count, ties="gensim")
    assert vocab.words == model.wv.index_to_key
    assert_array_equal(vocab.counts, [model.wv.get_vecattr(w, "count") for w in vocab.words])
    # gensim's ties run in reverse order of first appearance.
    assert model.wv.index_to_key[:2] == ["a", "b"]


@pytest.mark.parametrize("min_count", [1, 2, 5])
def test_ordering_on_lee_corpus_equals_gensim(lee_corpus, min_count):
    model = gensim_model(lee_corpus, min_count=min_count)
    gensim_order = Vocabulary.build(lee_corpus, min_count=min_count, ties="gensim")
    assert gensim_order.words == model.wv.index_to_key
    assert_array_equal(gensim_order.counts, model.wv.expandos["count"])

    # "first_seen" is the same list with each group of tied words reversed.
    first_seen = Vocabulary.build(lee_corpus, min_count=min_count)
    assert_array_equal(first_seen.counts, gensim_order.counts)
    for count in np.unique(first_seen.counts):
        tied = first_seen.counts == count
        assert [first_seen.words[i] for i in np.flatnonzero(tied)] == [
            gensim_order.words[i] for i in np.flatnonzero(tied)[::-1]
        ]
    assert len(np.unique(first_seen.counts)) < len(first_seen) / 5  # the corpus has real ties


def test_max_size_keeps_the_most_frequent_words():
    assert Vocabulary.build(TIED_CORPUS, max_size=3).words == ["b", "a", "c"]
    assert Vocabulary.build(TIED_CORPUS, max_size=3, ties="gensim").words == ["a", "b", "e"]
    assert Vocabulary.build(TIED_CORPUS, min_count=2, max_size=100).words == ["b", "a", "c", "d", "e"]
    assert Vocabulary.build(TIED_CORPUS, max_size=3).total_words == 8


def test_build_accepts_a_generator_of_tuples():
    vocab = Vocabulary.build(tuple(s) for s in TIED_CORPUS)
    assert vocab.words == ["b", "a", "c", "d", "e", "f", "g"]


def test_encode_decode():
    vocab = Vocabulary.build(TIED_CORPUS)
    ids = vocab.encode(["a", "zzz", "g", "b"])
    assert ids.dtype == np.int32
    assert_array_equal(ids, [1, 6, 0])  # "zzz" dropped
    assert_array_equal(vocab.encode(["a", "zzz", "g"], unknown="minus_one"), [1, -1, 6])
    assert vocab.encode([]).shape == (0,)
    assert vocab.decode(ids) == ["a", "g", "b"]
    assert vocab.decode(np.array([6, 0], dtype=np.int64)) == ["g", "b"]
    assert vocab.decode([]) == []
    assert vocab["c"] == 2
    assert "c" in vocab and "zzz" not in vocab


@pytest.mark.parametrize("sample", [1e-3, 1e-4, 1e-5])
def test_keep_probabilities_equal_gensim_sample_int(lee_corpus, sample):
    model = gensim_model(lee_corpus, min_count=2, sample=sample)
    vocab = Vocabulary.build(lee_corpus, min_count=2, ties="gensim")
    keep = vocab.keep_probabilities(sample)
    assert keep.shape == (len(vocab),) and keep.dtype == np.float64
    # gensim stores uint32(p * (2**32 - 1)): truncation costs < 1e-7 relative here.
    gensim_keep = model.wv.expandos["sample_int"].astype(np.float64) / 2**32
    assert_allclose(keep, gensim_keep, rtol=1e-6)
    assert (keep < 1).sum() > 5  # some frequent words really are thinned


def test_keep_probabilities_by_hand_and_sample_zero():
    vocab = Vocabulary(["the", "of", "cat"], [900, 90, 10])
    threshold = 1e-2 * 1000  # sample * T = 10 occurrences
    expected = [(np.sqrt(900 / threshold) + 1) * threshold / 900, (np.sqrt(9) + 1) * 10 / 90, 1.0]
    assert_allclose(vocab.keep_probabilities(1e-2), expected, rtol=1e-12)
    assert_array_equal(vocab.keep_probabilities(0), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("power", [0.75, 0.5, 1.0])
def test_noise_distribution_equals_gensim_cum_table(lee_corpus, power):
    model = gensim_model(lee_corpus, min_count=2, ns_exponent=power, negative=5)
    vocab = Vocabulary.build(lee_corpus, min_count=2, ties="gensim")
    noise = vocab.noise_distribution(power)
    assert noise.shape == (len(vocab),) and noise.dtype == np.float64
    assert_allclose(noise.sum(), 1.0, rtol=1e-12)
    # gensim's cum_table[i] = round(cumulative share * (2**31 - 1)), so the two
    # cumulative sums agree to the rounding, 0.5 / (2**31 - 1) ~ 2.3e-10.
    domain = 2**31 - 1
    assert_allclose(np.cumsum(noise), model.cum_table / domain, rtol=0, atol=1e-9)


def test_noise_distribution_by_hand():
    vocab = Vocabulary(["the", "cat", "dog"], [81, 16, 1])
    assert_allclose(vocab.noise_distribution(0.75), np.array([27, 8, 1]) / 36, rtol=1e-12)
    assert_allclose(vocab.noise_distribution(0.0), np.full(3, 1 / 3), rtol=1e-12)


def test_unknown_word_names_close_known_words():
    vocab = Vocabulary.build([["king", "kingdom", "queen", "kings", "banana"]])
    message = r"'kng' is not in the vocabulary \(5 words\); closest known words: king"
    with pytest.raises(KeyError, match=message):
        vocab["kng"]
    with pytest.raises(KeyError, match="no known word is close"):
        vocab["xylophone"]
    with pytest.raises(KeyError, match="closest known words: queen"):
        vocab.encode(["queen", "queene"], unknown="error")


@pytest.mark.parametrize(
    "corpus, settings, message",
    [
        ([], {}, "the corpus has no tokens"),
        ([[], []], {}, "the corpus has no tokens"),
        (TIED_CORPUS, {"min_count": 4},
         r"no word occurs min_count=4 .*'b', occurs 3 times.*lower min_count to at most 3"),
        (TIED_CORPUS, {"min_count": 0}, "min_count must be a positive integer \\(1 keeps every word\\), got 0"),
        (TIED_CORPUS, {"max_size": 0}, "max_size must be a positive integer \\(or None for no limit\\)"),
        (TIED_CORPUS, {"ties": "random"}, "ties must be one of"),
    ],
)
def test_build_errors_say_what_to_change(corpus, settings, message):
    with pytest.raises(ValueError, match=message):
        Vocabulary.build(corpus, **settings)


def test_other_errors_say_what_to_do():
    vocab = Vocabulary.build(TIED_CORPUS)
    with pytest.raises(TypeError, match="tokenize first"):
        Vocabulary.build(["the cat sat", "a dog"])
    with pytest.raises(TypeError, match="tokenize it first"):
        vocab.encode("b a")
    with pytest.raises(ValueError, match="unknown must be one of"):
        vocab.encode(["a"], unknown="skip")
    with pytest.raises(IndexError, match=r"id 7 is outside the vocabulary \(valid ids 0..6\)"):
        vocab.decode([0, 7])
    with pytest.raises(IndexError, match="id -1 .*encode\\(unknown='minus_one'\\)"):
        vocab.decode([-1])
    with pytest.raises(ValueError, match=r"sample must be in \[0, 1\)"):
        vocab.keep_probabilities(5)
    with pytest.raises(ValueError, match="power must be a finite number"):
        vocab.noise_distribution(float("nan"))
    with pytest.raises(ValueError, match="'a' appears twice"):
        Vocabulary(["a", "b", "a"], [3, 2, 1])
    with pytest.raises(ValueError, match="same length"):
        Vocabulary(["a", "b"], [3])
    with pytest.raises(ValueError, match="integers >= 1"):
        Vocabulary(["a", "b"], [3, 0])


@pytest.mark.parametrize("call, error, message", [
    (lambda: Vocabulary("abc", [1, 1, 1]), TypeError, "words must be a list of str.*letter by letter"),  # was 3 words
    (lambda: Vocabulary(["a", 5], [1, 1]), TypeError, r"word 1 is 5 \(int\), not a str"),  # was accepted
    (lambda: Vocabulary.build([["a", "b"]], min_count=2.5), TypeError,
     "min_count must be a positive integer .*got 2.5 \\(float\\)"),
    (lambda: Vocabulary.build([["a", "b"]], min_count=None), TypeError, "min_count must be a positive integer"),
    (lambda: Vocabulary.build([["a", "b"]], min_count=True), TypeError, "min_count must be a positive integer"),
    (lambda: Vocabulary.build([["a", "b"]], max_size=2.5), TypeError, "max_size must be a positive integer"),
    (lambda: Vocabulary.build("the cat"), TypeError, "sentences must be a list of token lists, got a str"),
    (lambda: Vocabulary.build([["a", "b"], [1, 2]]), TypeError, r"token 1 \(int\) in sentence 1 is not a str"),
    (lambda: Vocabulary.build([["a", None]]), TypeError, r"token None \(NoneType\) in sentence 0 is not a str"),
    (lambda: Vocabulary.build(iter([["a"], [2.5]])), TypeError, r"token 2.5 \(float\) is not a str"),
    (lambda: Vocabulary.build([["a"], 5]), TypeError, "sentence 1 is 5; each sentence must be a list of str"),
    (lambda: Vocabulary.build([["a", ["b"]]]), TypeError, "sentence 0 is .*each sentence must be a list of str"),
    (lambda: Vocabulary(["a"], [1]).keep_probabilities(None), TypeError, r"sample must be a number in \[0, 1\)"),
    (lambda: Vocabulary(["a"], [1]).keep_probabilities(float("nan")), ValueError, r"sample must be in \[0, 1\)"),
    (lambda: Vocabulary(["a"], [1]).noise_distribution("x"), TypeError, "power must be a finite number"),
    (lambda: Vocabulary(["a"], [1]).noise_distribution(True), TypeError, "power must be a finite number"),
])
def test_types_are_checked_before_counting(call, error, message):
    """Tokens that are not str used to count and train to the end, failing only in Vectors();
    2.5 for min_count compared silently; None gave Python's '<' not supported."""
    with pytest.raises(error, match=message):
        call()
