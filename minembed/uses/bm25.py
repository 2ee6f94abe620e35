"""Okapi BM25, the lexical baseline of retrieval, as the rank-bm25 package's BM25Okapi scores it.

For a query q (a list of tokens, repeats counted) and a document d of |d| tokens:

    score(q, d) = sum over query tokens t of  idf(t) * f(t, d) (k1 + 1) / (f(t, d) + k1 (1 - b + b |d| / avgdl))
    idf(t)      = log(N - n(t) + 0.5) - log(n(t) + 0.5)

f(t, d) is how often t occurs in d, n(t) how many of the N documents hold t, avgdl the mean
document length. Robertson & Walker (1994) and Robertson & Zaragoza, "The Probabilistic
Relevance Framework: BM25 and Beyond" (2009), with rank-bm25's (0.2.2) choices: k1 = 1.5,
b = 0.75, and an idf floor: a term in more than half of the documents has a negative idf, which
is replaced by epsilon x the mean idf over the vocabulary (epsilon = 0.25). A query token seen
in no document adds 0. :func:`score_plain` is this formula for one document, term by term;
:class:`BM25` precomputes every document's term weights as one sparse (N, V) matrix, so that the
scores of a batch of queries are one sparse product with their token counts.

But: no BM25+ / BM25L variants, no stemming or stopwords (tokenise the way you want first:
:func:`simple_tokenize` lowercases and keeps runs of word characters), no index updates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

import numpy as np
import scipy.sparse as sparse

from minembed.training.settings import require, require_number, whole_number

__all__ = ["simple_tokenize", "score_plain", "BM25"]

WORD_RE = re.compile(r"\w+")


def simple_tokenize(text: str) -> list[str]:
    """Lowercase, then runs of word characters: the tokens BM25 counts.

    >>> simple_tokenize("Cats' beds, and DOGS' beds.")
    ['cats', 'beds', 'and', 'dogs', 'beds']
    """
    return WORD_RE.findall(text.lower())


def score_plain(query: Sequence[str], document: Sequence[str], document_frequency: dict[str, int],
                documents: int, average_length: float, *, k1: float = 1.5, b: float = 0.75,
                idf_floor: float = 0.0) -> float:
    """BM25 of one document for one query, term by term (the definition :class:`BM25` is tested against).

    idf_floor is the value a negative idf takes (rank-bm25: epsilon x the mean idf).

    >>> round(score_plain(["cat"], ["cat", "sat"], {"cat": 1, "sat": 2}, 3, 2.0), 6)  # log(2.5/1.5)
    0.510826
    """
    counts = Counter(document)
    total = 0.0
    for term in query:
        if term not in document_frequency:
            continue
        n = document_frequency[term]
        idf = math.log(documents - n + 0.5) - math.log(n + 0.5)
        if idf < 0:
            idf = idf_floor
        f = counts[term]
        total += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(document) / average_length))
    return total


class BM25:
    """A BM25 index over tokenised documents, rank-bm25's BM25Okapi scores from one sparse product.

    >>> index = BM25([["the", "cat", "sat"], ["the", "dog", "ran"], ["a", "bird"]])
    >>> index.top_k([["cat"]], 2)[0].tolist()   # doc 0, then a tie at 0 goes to the lower index
    [[0, 1]]
    """

    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.5, b: float = 0.75,
                 epsilon: float = 0.25):
        require_number("k1", k1, 0, usual="1.2-2.0 is usual; rank-bm25's default is 1.5")
        require_number("b", b, 0, 1, usual="0.75 is usual")
        require_number("epsilon", epsilon, 0, usual="rank-bm25's default is 0.25")
        require(not isinstance(documents, str) and len(documents) > 0,
                "documents must be a non-empty list of token lists, e.g. [simple_tokenize(text) for text in texts]")
        for i, document in enumerate(documents):
            require(not isinstance(document, str), f"document {i} is a str: give each document as a list of "
                                                   "tokens, e.g. simple_tokenize(text)")
            require(len(document) > 0, f"document {i} has no tokens: drop it, or give it its text")
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.vocabulary: dict[str, int] = {}
        rows, columns, counts = [], [], []
        for row, document in enumerate(documents):
            for term, count in Counter(document).items():
                rows.append(row)
                columns.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                counts.append(count)
        shape = (len(documents), len(self.vocabulary))
        frequencies = sparse.csr_matrix((np.array(counts, dtype=np.float64), (rows, columns)), shape=shape)  # (N, V)
        self.lengths = np.array([len(d) for d in documents], dtype=np.float64)   # (N,)
        self.average_length = float(self.lengths.mean())
        self.document_frequency = np.bincount(columns, minlength=shape[1])          # (V,) int64
        n, N = self.document_frequency.astype(np.float64), float(len(documents))
        idf = np.log(N - n + 0.5) - np.log(n + 0.5)                                  # (V,) float64
        self.idf_floor = epsilon * float(idf.mean())     # rank-bm25: the mean over all terms, before the floor
        self.idf = np.where(idf < 0, self.idf_floor, idf)
        # Each stored f(t, d) becomes idf(t) f (k1 + 1) / (f + k1 (1 - b + b |d| / avgdl)): the (N, V) weights.
        f = frequencies.data
        length_of_entry = np.repeat(self.lengths, np.diff(frequencies.indptr))
        norm = k1 * (1 - b + b * length_of_entry / self.average_length)
        self.weights = sparse.csr_matrix((self.idf[frequencies.indices] * f * (k1 + 1) / (f + norm),
                                          frequencies.indices, frequencies.indptr), shape=shape)  # (N, V) float64

    def __len__(self) -> int:
        return self.weights.shape[0]

    def query_counts(self, queries: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """(Q, V) how often each known term occurs in each query (unknown tokens are dropped)."""
        require(not isinstance(queries, str), "queries must be a list of token lists; for one query pass [tokens]")
        rows, columns = [], []
        for row, query in enumerate(queries):
            require(not isinstance(query, str), f"query {row} is a str: give its tokens, e.g. simple_tokenize(text)")
            for term in query:
                if term in self.vocabulary:
                    rows.append(row)
                    columns.append(self.vocabulary[term])
        return sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(queries), len(self.vocabulary)))

    def scores(self, queries: Sequence[Sequence[str]]) -> np.ndarray:
        """(Q, N) float64 BM25 scores of every document for each query (a list of token lists)."""
        return np.asarray((self.query_counts(queries) @ self.weights.T).todense())  # (Q, N)

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """(N,) scores for one tokenised query, rank-bm25's name."""
        return self.scores([query])[0]

    def top_k(self, queries: Sequence[Sequence[str]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices int64 (Q, k), scores float64 (Q, k)) of the k best documents per query, best first,
        ties broken by the lower document index (k is clipped to the number of documents)."""
        k = min(whole_number("k", k, 1, "how many documents to return per query"), len(self))
        scores = self.scores(queries)                                               # (Q, N)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]                  # stable: lower index first
        return order.astype(np.int64), np.take_along_axis(scores, order, axis=1)
