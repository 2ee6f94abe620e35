"""Retrieval: dense search through the top-k kernel, hybrid by reciprocal rank fusion, and its evaluation.

    dense_search             the k chunks whose vectors have the highest cosine with each query's
                             vector: minembed.vectors.topk.topk_cosine, the kernel every
                             similarity question goes through
    reciprocal_rank_fusion   Cormack, Clarke & Buettcher, "Reciprocal Rank Fusion outperforms
                             Condorcet and individual Rank Learning Methods" (SIGIR 2009):
                             score(d) = sum over rankings r of 1 / (k + rank_r(d)), rank from 1,
                             k = 60 as in the paper; a document missing from a ranking gets
                             nothing from it. Scores of different scales (BM25, cosine) need no
                             calibration, only the order counts
    recall_at_k, mrr         the share of a query's relevant documents in its top k, and the mean
                             of 1 / (rank of the first relevant document), 0 when none is ranked
    ndcg_at_k                normalised discounted cumulative gain with graded relevance, linear
                             gains and 1 / log2(rank + 1) discounts: scikit-learn's ``ndcg_score``
                             (Jarvelin & Kekalainen, "Cumulated gain-based evaluation of IR
                             techniques", TOIS 2002)

The evaluation takes rankings as (Q, K) arrays of document ids, best first, -1 marking an empty
slot (the kernel's convention when fewer than K exist), and relevance as one set of relevant ids
per query (recall, MRR) or a (Q, N) array of grades (nDCG).

But: ties in a ranking are taken in the order given (sklearn's ndcg_score averages the gains of
tied scores; the two agree whenever no two scores tie); no MAP, no significance tests; known-item
tasks such as title -> article (one relevant document per query) are derived tasks, not human
relevance judgements.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from minembed.training.settings import require, whole_number
from minembed.vectors.topk import topk_cosine

__all__ = ["dense_search", "reciprocal_rank_fusion", "recall_at_k", "mrr", "ndcg_at_k"]


def dense_search(chunk_vectors: np.ndarray, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices int64 (Q, k), cosines float32 (Q, k)) of the k nearest chunks per query, through the kernel.

    >>> chunks = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    >>> dense_search(chunks, np.array([[0.0, 2.0]], dtype=np.float32), 2)[0].tolist()
    [[2, 1]]
    """
    whole_number("k", k, 1, "how many chunks to return per query")
    chunk_vectors = np.asarray(chunk_vectors)
    require(chunk_vectors.ndim == 2 and len(chunk_vectors) > 0,
            f"chunk_vectors must be a non-empty (N, D) array, one row per chunk, got shape {chunk_vectors.shape}")
    return topk_cosine(chunk_vectors, np.atleast_2d(query_vectors), k)


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: int = 60,
                           top_k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fuse rankings of the same queries: (indices int64 (Q, top_k), fused scores float64 (Q, top_k)).

    rankings: arrays (Q, K_r) of document ids, best first (-1: empty). Ties in the fused score go to
    the lower document id; top_k defaults to every document that appears; empty slots are -1, 0.0.

    >>> bm25, dense = np.array([[3, 1, 2]]), np.array([[1, 2, 5]])
    >>> ids, scores = reciprocal_rank_fusion([bm25, dense])
    >>> ids.tolist()            # 1: 1/62 + 1/61; 2: 1/63 + 1/62; 3: 1/61; 5: 1/63
    [[1, 2, 3, 5]]
    """
    require(len(rankings) > 0, "give at least one ranking to fuse")
    whole_number("k", k, 1, "the constant added to each rank; Cormack et al. use 60")
    rankings = [np.atleast_2d(np.asarray(r, dtype=np.int64)) for r in rankings]
    queries = len(rankings[0])
    require(all(len(r) == queries for r in rankings), f"every ranking needs a row per query; got "
                                                       f"{[len(r) for r in rankings]} rows")
    fused = []
    for q in range(queries):
        score: dict[int, float] = {}
        for ranking in rankings:
            for rank, document in enumerate(ranking[q], start=1):
                if document >= 0:
                    score[int(document)] = score.get(int(document), 0.0) + 1.0 / (k + rank)
        fused.append(sorted(score.items(), key=lambda item: (-item[1], item[0])))
    width = max((len(f) for f in fused), default=0) if top_k is None else whole_number("top_k", top_k, 1, "how "
                                                                                       "many fused ids per query")
    ids = np.full((queries, width), -1, dtype=np.int64)            # (Q, top_k) int64
    scores = np.zeros((queries, width))                            # (Q, top_k) float64
    for q, ranked in enumerate(fused):
        ranked = ranked[:width]
        ids[q, :len(ranked)] = [d for d, _ in ranked]
        scores[q, :len(ranked)] = [s for _, s in ranked]
    return ids, scores


def _check_ranking(ranked: np.ndarray, queries: int, k: int | None) -> np.ndarray:
    ranked = np.atleast_2d(np.asarray(ranked))
    require(ranked.ndim == 2 and len(ranked) == queries, f"the ranking has {len(ranked)} rows but there are "
                                                         f"{queries} queries: give one ranked row per query")
    if k is not None:
        whole_number("k", k, 1, "how many ranks to look at")
        require(k <= ranked.shape[1], f"k={k} but the rankings hold only {ranked.shape[1]} ids per query: "
                                      "retrieve more, or lower k")
        ranked = ranked[:, :k]
    return ranked


def recall_at_k(ranked: np.ndarray, relevant: Sequence[set], k: int) -> float:
    """Mean over queries of |relevant in the top k| / |relevant| (with one relevant id: the hit rate).

    >>> recall_at_k(np.array([[4, 2, 7], [1, 0, 3]]), [{2}, {3, 9}], k=2)   # (1 + 0) / 2
    0.5
    """
    ranked = _check_ranking(ranked, len(relevant), k)
    shares = []
    for q, (row, wanted) in enumerate(zip(ranked, relevant)):
        require(len(wanted) > 0, f"query {q} has no relevant document: drop it, recall is undefined for it")
        shares.append(len(set(row.tolist()) & set(wanted)) / len(wanted))
    return float(np.mean(shares))


def mrr(ranked: np.ndarray, relevant: Sequence[set]) -> float:
    """Mean reciprocal rank: mean over queries of 1 / (rank of the first relevant id), 0 if none is ranked.

    >>> mrr(np.array([[4, 2, 7], [1, 0, 3]]), [{2}, {5}])   # (1/2 + 0) / 2
    0.25
    """
    ranked = _check_ranking(ranked, len(relevant), None)
    reciprocal = []
    for row, wanted in zip(ranked, relevant):
        hits = [rank for rank, document in enumerate(row.tolist(), start=1) if document in wanted]
        reciprocal.append(1.0 / hits[0] if hits else 0.0)
    return float(np.mean(reciprocal))


def ndcg_at_k(ranked: np.ndarray, relevance: np.ndarray, k: int | None = None) -> float:
    """Mean nDCG@k: DCG = sum over the top k of relevance[q, id] / log2(rank + 1), over the DCG of the ideal order.

    relevance (Q, N): graded, >= 0; a query with no relevant document scores 0 (as sklearn's ndcg_score).

    >>> ndcg_at_k(np.array([[1, 0, 2]]), np.array([[3.0, 2.0, 0.0]]))   # (2/1 + 3/1.585) / (3 + 2/1.585)
    0.913...
    """
    relevance = np.atleast_2d(np.asarray(relevance, dtype=np.float64))  # (Q, N)
    require(np.isfinite(relevance).all() and (relevance >= 0).all(), "relevance grades must be finite and >= 0")
    ranked = _check_ranking(ranked, len(relevance), k)
    width = ranked.shape[1]
    discounts = 1.0 / np.log2(np.arange(2, width + 2))                 # (K,) 1 / log2(rank + 1)
    require(((ranked >= -1) & (ranked < relevance.shape[1])).all(),
            f"the rankings hold ids outside 0..{relevance.shape[1] - 1} (and -1 for an empty slot)")
    gains = np.where(ranked >= 0, np.take_along_axis(relevance, np.maximum(ranked, 0), axis=1), 0.0)  # (Q, K)
    ideal = -np.sort(-relevance, axis=1)[:, :width]                  # (Q, <=K) best grades first
    dcg = gains @ discounts
    ideal_dcg = ideal @ discounts[: ideal.shape[1]]
    return float(np.mean(np.where(ideal_dcg > 0, dcg / np.where(ideal_dcg > 0, ideal_dcg, 1.0), 0.0)))
