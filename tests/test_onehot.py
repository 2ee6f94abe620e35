"""Tests for minembed.tokens.onehot against scikit-learn's encoders and torch.nn.Embedding."""

import doctest

import numpy as np
import pytest
import scipy.sparse
from numpy.testing import assert_allclose, assert_array_equal

import minembed.tokens.onehot
from minembed.tokens.onehot import onehot_encode, onehot_vectors, ordinal_encode, pairwise_cosine
from minembed.tokens.text import clean, split_sentences
from minembed.vectors import Vectors
from minembed.tokens.vocab import Vocabulary

TEXT = """The quick brown fox jumps over the lazy dog. The dog sleeps all day long!
A lazy fox watches the quick dog. Brown dogs and brown foxes rarely meet in town."""


@pytest.fixture(scope="module")
def sentences() -> list[list[str]]:
    return [clean(s) for s in split_sentences(TEXT)]


@pytest.fixture(scope="module")
def vocab(sentences) -> Vocabulary:
    return Vocabulary.build(sentences)


@pytest.fixture(scope="module")
def tokens(sentences) -> list[str]:
    return [t for s in sentences for t in s]


def sklearn_onehot(tokens, vocab, sparse, handle_unknown="error"):
    reason = "needs scikit-learn: pip install -e '.[compare]'"
    OneHotEncoder = pytest.importorskip("sklearn.preprocessing", reason=reason).OneHotEncoder
    encoder = OneHotEncoder(
        categories=[vocab.words], sparse_output=sparse, dtype=np.float32, handle_unknown=handle_unknown
    )
    return encoder.fit_transform(np.array(tokens, dtype=object).reshape(-1, 1))


def test_docstring_examples():
    results = doctest.testmod(minembed.tokens.onehot)
    assert results.attempted >= 8
    assert results.failed == 0


def test_ordinal_equals_sklearn_ordinal_encoder(tokens, vocab, sklearn):
    from sklearn.preprocessing import OrdinalEncoder

    ids = ordinal_encode(tokens, vocab)
    assert ids.dtype == np.int64 and ids.shape == (len(tokens),)
    column = np.array(tokens, dtype=object).reshape(-1, 1)  # (N, 1) object
    expected = OrdinalEncoder(categories=[vocab.words]).fit_transform(column)  # (N, 1) float64
    assert_array_equal(ids, expected[:, 0].astype(np.int64))


def test_dense_onehot_equals_sklearn(tokens, vocab):
    onehot = onehot_encode(tokens, vocab)
    assert isinstance(onehot, np.ndarray)
    assert onehot.shape == (len(tokens), len(vocab)) and onehot.dtype == np.float32
    # Entries are exactly 0 or 1, so the tolerance is zero.
    assert_allclose(onehot, sklearn_onehot(tokens, vocab, sparse=False), rtol=0, atol=0)


def test_sparse_onehot_equals_sklearn(tokens, vocab):
    onehot = onehot_encode(tokens, vocab, sparse=True)
    expected = sklearn_onehot(tokens, vocab, sparse=True)
    assert isinstance(onehot, scipy.sparse.csr_matrix)
    assert onehot.shape == expected.shape and onehot.dtype == np.float32
    assert onehot.nnz == len(tokens) == expected.nnz
    assert_allclose(onehot.toarray(), expected.toarray(), rtol=0, atol=0)


@pytest.mark.parametrize("sparse", [False, True])
def test_unknown_tokens_ignored_like_sklearn(vocab, sparse):
    tokens = ["dog", "cat", "fox", "zebra"]
    onehot = onehot_encode(tokens, vocab, sparse=sparse, handle_unknown="ignore")
    expected = sklearn_onehot(tokens, vocab, sparse=sparse, handle_unknown="ignore")
    if sparse:
        onehot, expected = onehot.toarray(), expected.toarray()
    assert_allclose(onehot, expected, rtol=0, atol=0)
    assert_allclose(onehot.sum(axis=1), [1, 0, 1, 0], rtol=0, atol=0)


def test_onehot_times_weights_equals_torch_embedding(tokens, vocab, torch):
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((len(vocab), 8)).astype(np.float32)  # (V, D) float32
    embedding = torch.nn.Embedding.from_pretrained(torch.from_numpy(weights))
    looked_up = embedding(torch.from_numpy(ordinal_encode(tokens, vocab))).numpy()  # (N, D) float32

    # A one-hot row times W adds one weight row to zeros: exact, so zero tolerance.
    assert_allclose(onehot_encode(tokens, vocab) @ weights, looked_up, rtol=0, atol=0)
    assert_allclose(onehot_encode(tokens, vocab, sparse=True) @ weights, looked_up, rtol=0, atol=0)


def test_every_pair_of_onehot_vectors_is_orthogonal(vocab):
    table = onehot_vectors(vocab)
    assert isinstance(table, Vectors)
    assert table.words == vocab.words
    assert table.vectors.shape == (len(vocab), len(vocab)) and table.vectors.dtype == np.float32

    cosine = pairwise_cosine(table.vectors)  # (V, V)
    off_diagonal = ~np.eye(len(vocab), dtype=bool)
    assert len(vocab) >= 15
    assert_allclose(cosine[off_diagonal], 0.0, rtol=0, atol=0)  # every distinct pair: exactly 0
    assert_allclose(np.diag(cosine), 1.0, rtol=0, atol=1e-7)
    # And so "dog" is exactly as far from "fox" as from "day".
    dog, fox, day = (vocab[w] for w in ("dog", "fox", "day"))
    assert_allclose([cosine[dog, fox], cosine[dog, day]], [0.0, 0.0], rtol=0, atol=0)


def test_pairwise_cosine_equals_sklearn(sklearn):
    from sklearn.metrics.pairwise import cosine_similarity

    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((20, 5))  # (N, D) float64
    matrix[3] = 0.0  # a zero row scores 0, never NaN
    assert_allclose(pairwise_cosine(matrix), cosine_similarity(matrix), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="2-D"):
        pairwise_cosine(np.ones(3))


def test_errors_say_what_to_do(vocab):
    with pytest.raises(KeyError, match="'dgo' is not in the vocabulary.*closest known words: dog"):
        onehot_encode(["dog", "dgo"], vocab)
    with pytest.raises(KeyError, match="'foxs' is not in the vocabulary.*fox"):
        ordinal_encode(["foxs"], vocab)
    with pytest.raises(ValueError, match='handle_unknown must be "error" or "ignore"'):
        onehot_encode(["dog"], vocab, handle_unknown="zeros")
    big = Vocabulary([f"w{i}" for i in range(20_000)], np.ones(20_000, dtype=np.int64))
    with pytest.raises(ValueError, match=r"20,000 words takes 1\.5 GiB.*max_size=5000"):
        onehot_vectors(big)
