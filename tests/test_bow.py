"""Bag-of-words counts and TF-IDF against scikit-learn's CountVectorizer / TfidfVectorizer on the same tokens.

Tolerances, and why:
  counts   equal (integers).
  TF-IDF   1e-12 absolute on entries in [0, 1] (float64): the same formulas; the row lengths are
           sums of squares taken in another order, which moves the last bit or two.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from minembed.uses.bow import count_matrix, counts_plain, fit_tfidf, idf_weights, tfidf, vocabulary_of


@pytest.fixture(scope="module")
def lee(gensim):
    """gensim's Lee news corpus (300 documents, ~60k tokens), split on spaces."""
    from gensim.test.utils import datapath
    with open(datapath("lee_background.cor"), encoding="utf-8") as corpus:
        return [line.split() for line in corpus]


def identity(tokens):
    return tokens


def test_counts_equal_count_vectorizer_and_the_plain_definition(sklearn, lee):
    from sklearn.feature_extraction.text import CountVectorizer
    reference = CountVectorizer(analyzer=identity)
    expected = reference.fit_transform(lee)
    vocabulary = vocabulary_of(lee)
    counts = count_matrix(lee, vocabulary)
    assert vocabulary == reference.get_feature_names_out().tolist()
    assert isinstance(counts, sp.csr_matrix) and counts.dtype == np.int64
    assert (counts != expected).nnz == 0
    bags, plain_vocabulary = counts_plain(lee)
    assert plain_vocabulary == vocabulary
    column = {word: j for j, word in enumerate(vocabulary)}
    for row, bag in zip(counts[:25], bags):
        assert {vocabulary[j]: int(c) for j, c in zip(row.indices, row.data)} == bag
        assert set(column[word] for word in bag) == set(row.indices)


@pytest.mark.parametrize("settings", [
    {},
    {"sublinear_tf": True},
    {"smooth_idf": False},
    {"norm": "l1"},
    {"norm": None, "sublinear_tf": True, "smooth_idf": False},
    {"min_df": 2},
    {"min_df": 0.01, "max_df": 0.5},
    {"min_df": 3, "max_df": 40},
])
def test_tfidf_equals_tfidf_vectorizer(sklearn, lee, settings):
    from sklearn.feature_extraction.text import TfidfVectorizer
    reference = TfidfVectorizer(analyzer=identity, **settings)
    expected = reference.fit_transform(lee)
    matrix, vocabulary = tfidf(lee, **settings)
    assert isinstance(matrix, sp.csr_matrix) and matrix.dtype == np.float64 and matrix.shape == expected.shape
    assert vocabulary == reference.get_feature_names_out().tolist()  # columns in the same (sorted) order
    assert abs(matrix - expected).max() <= 1e-12
    assert_allclose(fit_tfidf(lee, **settings).idf, reference.idf_, rtol=0, atol=1e-12)


def test_transform_of_new_documents_equals_sklearn(sklearn, lee):
    from sklearn.feature_extraction.text import TfidfVectorizer
    train, test = lee[:200], lee[200:] + [["a-word-never-seen", "the"]]
    reference = TfidfVectorizer(analyzer=identity).fit(train)
    model = fit_tfidf(train)
    assert abs(model.transform(test) - reference.transform(test)).max() <= 1e-12


def test_empty_documents_are_refused_unless_allowed(sklearn):
    from sklearn.feature_extraction.text import TfidfVectorizer
    documents = [["cat", "sat"], [], ["cat"]]
    with pytest.raises(ValueError, match="document 1 has no tokens.*allow_empty=True"):
        tfidf(documents)
    matrix, _ = tfidf(documents, allow_empty=True)
    expected = TfidfVectorizer(analyzer=identity).fit_transform(documents)
    assert abs(matrix - expected).max() <= 1e-12
    assert matrix[1].nnz == 0


def test_idf_by_hand():
    # 3 documents; "a" in all 3, "b" in 1: smooth idf = ln(4/4) + 1 = 1 and ln(4/2) + 1 = 1.6931;
    # plain idf = ln(3/3) + 1 = 1 and ln(3/1) + 1 = 2.0986
    counts = sp.csr_matrix(np.array([[1, 0], [2, 5], [1, 0]]))
    assert_allclose(idf_weights(counts), [1.0, 1.0 + np.log(2.0)], rtol=1e-15)
    assert_allclose(idf_weights(counts, smooth_idf=False), [1.0, 1.0 + np.log(3.0)], rtol=1e-15)


@pytest.mark.parametrize("documents, error, message", [
    ("the cat sat", TypeError, "token_lists is one string"),
    (["the cat", "sat"], TypeError, "document 0 is a string"),
    ([["a"], ["b"]], ValueError, "no word is in at least 3"),
])
def test_bad_input_gets_a_clear_error(documents, error, message):
    with pytest.raises(error, match=message):
        tfidf(documents, min_df=3) if error is ValueError else tfidf(documents)


def test_bad_settings_get_a_clear_error():
    with pytest.raises(ValueError, match="min_df must be a whole number of documents"):
        tfidf([["a"]], min_df=1.5)
    with pytest.raises(ValueError, match="norm must be 'l2', 'l1' or None"):
        tfidf([["a"]], norm="l3")
    with pytest.raises(ValueError, match="lists a word twice"):
        count_matrix([["a"]], ["a", "a"])
    assert_array_equal(count_matrix([["a", "z"]], ["a", "b"]).toarray(), [[1, 0]])  # unknown words skipped
