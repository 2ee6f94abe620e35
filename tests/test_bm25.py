"""BM25 (minembed/uses/bm25.py) against the rank-bm25 package's BM25Okapi on the same tokens.

Both compute the same float64 formula; the sums run in another order (a sparse product here, a loop
over query tokens there), so scores agree to rounding: 1e-12 relative, 1e-12 absolute near 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from minembed.uses.bm25 import BM25, score_plain, simple_tokenize


@pytest.fixture(scope="module")
def rank_bm25():
    return pytest.importorskip("rank_bm25", reason="needs rank-bm25: pip install -e '.[compare]'")


def random_corpus(seed: int, documents: int = 60, words: int = 40):
    """Zipf-like word draws, so some terms are in more than half of the documents (negative idf)."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(words)]
    probabilities = 1.0 / np.arange(1, words + 1)
    probabilities /= probabilities.sum()
    corpus = [[vocabulary[i] for i in rng.choice(words, size=rng.integers(1, 30), p=probabilities)]
              for _ in range(documents)]
    queries = [[vocabulary[i] for i in rng.choice(words, size=rng.integers(1, 6))] + ["unseen"] for _ in range(15)]
    return corpus, queries


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("settings", [{}, {"k1": 1.2, "b": 0.5, "epsilon": 0.1}, {"k1": 2.0, "b": 1.0, "epsilon": 0.5}])
def test_scores_equal_rank_bm25(rank_bm25, seed, settings):
    corpus, queries = random_corpus(seed)
    reference = rank_bm25.BM25Okapi(corpus, **settings)
    ours = BM25(corpus, **settings)
    assert any(reference.idf[t] == reference.epsilon * reference.average_idf for t in reference.idf)  # floor used
    expected = np.array([reference.get_scores(q) for q in queries])
    np.testing.assert_allclose(ours.scores(queries), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.get_scores(queries[0]), expected[0], rtol=1e-12, atol=1e-12)


def test_real_text_equals_rank_bm25(rank_bm25, gensim):
    """gensim's Lee news background (300 stories), 12 queries of each's first 8 words."""
    from gensim.test.utils import datapath
    with open(datapath("lee_background.cor"), encoding="utf-8") as handle:
        corpus = [simple_tokenize(line) for line in handle if simple_tokenize(line)]
    queries = [document[:8] for document in corpus[::25]]
    reference = rank_bm25.BM25Okapi(corpus)
    np.testing.assert_allclose(BM25(corpus).scores(queries), [reference.get_scores(q) for q in queries],
                               rtol=1e-12, atol=1e-12)


def test_matrix_equals_the_plain_formula():
    corpus, queries = random_corpus(5)
    index = BM25(corpus, k1=1.3, b=0.6)
    frequency = {term: int(index.document_frequency[i]) for term, i in index.vocabulary.items()}
    for query in queries[:5]:
        plain = [score_plain(query, d, frequency, len(corpus), index.average_length, k1=1.3, b=0.6,
                             idf_floor=index.idf_floor) for d in corpus]
        np.testing.assert_allclose(index.get_scores(query), plain, rtol=1e-12, atol=1e-12)


def test_top_k_orders_best_first_ties_by_lower_index():
    corpus, queries = random_corpus(3)
    index = BM25(corpus)
    scores = index.scores(queries)
    ids, best = index.top_k(queries, 10)
    for q in range(len(queries)):
        expected = sorted(range(len(corpus)), key=lambda d: (-scores[q, d], d))[:10]
        assert ids[q].tolist() == expected
        np.testing.assert_array_equal(best[q], scores[q, expected])
    assert index.top_k(queries[:1], 1000)[0].shape == (1, len(corpus))   # k clipped to the documents


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="document 1 has no tokens"):
        BM25([["a"], [], ["b"]])
    with pytest.raises(ValueError, match="non-empty list of token lists"):
        BM25([])
    with pytest.raises(ValueError, match="document 0 is a str"):
        BM25(["a text, not tokens"])
    with pytest.raises(ValueError, match="b must be in"):
        BM25([["a"]], b=1.5)
    with pytest.raises(ValueError, match="query 0 is a str"):
        BM25([["a"]]).scores(["a"])
    with pytest.raises(TypeError, match="k must be a positive integer"):
        BM25([["a"]]).top_k([["a"]], 0.5)
