"""Retrieval (minembed/uses/retrieval.py, rag.py): dense search, reciprocal rank fusion, the metrics.

nDCG is compared with sklearn.metrics.ndcg_score on random graded relevance with untied scores (the
two differ only in how ties are averaged); recall@k, MRR and fusion with brute-force definitions
written out here; dense search with a NumPy argsort of the cosines.
"""

from __future__ import annotations

import numpy as np
import pytest

from minembed.contextual.wordpiece import WordPiece
from minembed.uses.chunking import Chunk
from minembed.uses.rag import build_context, read_folder, retrieve, search_folder
from minembed.uses.retrieval import dense_search, mrr, ndcg_at_k, recall_at_k, reciprocal_rank_fusion


def test_dense_search_equals_argsort_of_cosines():
    rng = np.random.default_rng(0)
    chunks = rng.normal(size=(200, 16)).astype(np.float32)
    queries = rng.normal(size=(7, 16)).astype(np.float32)
    ids, scores = dense_search(chunks, queries, 10)
    unit = chunks / np.linalg.norm(chunks, axis=1, keepdims=True)
    cosines = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ unit.T
    np.testing.assert_array_equal(ids, np.argsort(-cosines, axis=1, kind="stable")[:, :10])
    np.testing.assert_allclose(scores, np.take_along_axis(cosines, ids, axis=1), atol=1e-6)


def test_fusion_equals_the_definition():
    rng = np.random.default_rng(1)
    rankings = [np.array([rng.permutation(50)[:20] for _ in range(4)]) for _ in range(3)]
    rankings[1][2, 15:] = -1                          # empty slots
    ids, scores = reciprocal_rank_fusion(rankings, k=60, top_k=10)
    for q in range(4):
        expected: dict[int, float] = {}
        for ranking in rankings:
            for position, document in enumerate(ranking[q]):
                if document >= 0:
                    expected[document] = expected.get(document, 0.0) + 1 / (60 + position + 1)
        best = sorted(expected, key=lambda d: (-expected[d], d))[:10]
        assert ids[q].tolist() == best
        np.testing.assert_allclose(scores[q], [expected[d] for d in best], rtol=1e-15)


def test_ndcg_equals_sklearn(sklearn):
    from sklearn.metrics import ndcg_score
    rng = np.random.default_rng(2)
    relevance = rng.integers(0, 4, size=(25, 40)).astype(float)
    relevance[rng.random(size=relevance.shape) < 0.6] = 0.0
    relevance[5] = 0.0                                # a query with nothing relevant: 0, as sklearn
    scores = rng.normal(size=relevance.shape)         # no ties
    ranked = np.argsort(-scores, axis=1)
    for k in (None, 1, 3, 10, 40):
        np.testing.assert_allclose(ndcg_at_k(ranked, relevance, k), ndcg_score(relevance, scores, k=k), rtol=1e-12)
    # a ranking cut at 10 ids gives nDCG@10 as well
    np.testing.assert_allclose(ndcg_at_k(ranked[:, :10], relevance), ndcg_score(relevance, scores, k=10), rtol=1e-12)


def test_recall_and_mrr_by_hand():
    ranked = np.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]])
    relevant = [{4, 7}, {5}, {0}]
    assert recall_at_k(ranked, relevant, 3) == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert recall_at_k(ranked, relevant, 1) == pytest.approx((0 + 1 + 0) / 3)
    assert mrr(ranked, relevant) == pytest.approx((1 / 3 + 1 + 0) / 3)
    with pytest.raises(ValueError, match="k=5 but the rankings hold only 4"):
        recall_at_k(ranked, relevant, 5)
    with pytest.raises(ValueError, match="query 0 has no relevant document"):
        recall_at_k(ranked, [set(), {1}, {2}], 2)
    with pytest.raises(ValueError, match="3 rows but there are 2 queries"):
        mrr(ranked, relevant[:2])


TOKENIZER = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *"abcdefghijklmnopqrstuvwxyz.",
                       *("##" + c for c in "abcdefghijklmnopqrstuvwxyz")])


def test_context_keeps_rank_order_within_the_budget():
    chunks = [Chunk("ab cd", "x.txt", 0, 5, 0), Chunk("abcdefgh", "y.txt", 3, 11, 0), Chunk("a", "z.txt", 7, 8, 0)]
    costs = [len(TOKENIZER.tokenize(c.text)) for c in chunks]
    context = build_context("q", chunks, [1, 0, 2], [0.9, 0.5, 0.1], TOKENIZER, budget_tokens=costs[1] + 1)
    assert [c.source for c in context.chunks] == ["y.txt", "z.txt"]    # x does not fit after y; z does
    assert context.tokens == costs[1] + costs[2] <= context.budget
    assert context.text.splitlines()[0] == "[1] y.txt, characters 3-11"
    assert len(build_context("q", chunks, [0, 1, 2], [3, 2, 1], TOKENIZER, top_k=2).chunks) == 2


class WordCountEncoder:
    """A stand-in encoder: counts of words hashed into 101 buckets (a fixed rule), so dense search is
    testable without MiniLM."""

    tokenizer = TOKENIZER
    max_seq_length = 256

    def encode(self, texts):
        vectors = np.zeros((len(texts), 101), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(".", " ").split():
                vectors[row, sum(ord(c) * 31 ** i for i, c in enumerate(word)) % 101] += 1
            vectors[row, 0] += 1e-3              # no all-zero row
        return vectors


def test_search_folder_bm25_dense_hybrid(tmp_path):
    (tmp_path / "cats.txt").write_text("cats sleep in the sun. cats purr.", encoding="utf-8")
    (tmp_path / "dogs.txt").write_text("dogs bark at night. dogs dig.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "fish.txt").write_text("fish swim in the sea.", encoding="utf-8")
    (tmp_path / "blank.txt").write_text("\n \n", encoding="utf-8")
    for method in ("bm25", "dense", "hybrid"):
        context = search_folder(tmp_path, "where do cats sleep", top_k=2, budget_tokens=400, chunk_size=8,
                                overlap=2, method=method, encoder=WordCountEncoder())
        assert context.chunks[0].source.endswith("cats.txt"), method
        assert context.skipped == [str(tmp_path / "blank.txt")] and context.documents == 3
        for chunk in context.chunks:
            text = open(chunk.source, encoding="utf-8").read()
            assert text[chunk.start:chunk.end] == chunk.text
    ids, scores = retrieve("cats", context.chunks, "hybrid", encoder=WordCountEncoder())
    assert np.all(np.diff(scores) <= 0)
    with pytest.raises(ValueError, match="need an encoder"):
        retrieve("cats", context.chunks, "dense")


def test_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="holds no .txt files"):
        read_folder(tmp_path)
    (tmp_path / "a.txt").write_text(" ", encoding="utf-8")
    with pytest.raises(ValueError, match="every .txt file .* is empty"):
        read_folder(tmp_path)
    (tmp_path / "b.txt").write_bytes(b"caf\xe9")
    with pytest.raises(ValueError, match="b.txt: byte 0xe9 .* not UTF-8"):
        read_folder(tmp_path)
    with pytest.raises(ValueError, match="the query is empty"):
        search_folder(tmp_path, "  ", method="bm25")
