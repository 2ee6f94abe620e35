"""Bag-of-words counts and TF-IDF: the sparse baseline every course on text starts from.

A document becomes one row with a column per vocabulary word:

    count[d, t] = how many times word t occurs in document d
    idf[t]      = ln((1 + n) / (1 + df[t])) + 1      n documents, df[t] of them contain t (smooth_idf=True)
                = ln(n / df[t]) + 1                  (smooth_idf=False)
    tf[d, t]    = count[d, t], or 1 + ln(count[d, t]) with sublinear_tf=True (0 stays 0)
    tfidf[d]    = tf[d] * idf, scaled to unit length (norm="l2"; "l1": sum of |values| 1; None: unscaled)

Sparck Jones, "A statistical interpretation of term specificity and its application in
retrieval" (J. Documentation 28, 1972) for idf; Salton & Buckley, "Term-weighting approaches in
automatic text retrieval" (1988) for the tf x idf product and length normalisation. The
reference program is scikit-learn's ``CountVectorizer`` / ``TfidfVectorizer`` given the same
token lists (``analyzer=lambda tokens: tokens``): the same columns (the vocabulary in sorted
order), the same numbers (the tests require equality to 1e-12), ``min_df`` / ``max_df`` with
sklearn's meaning (an int counts documents, a float is a share of them), and the same sparse
CSR matrices (int64 counts, float64 TF-IDF).

Read :func:`counts_plain` first: the definition, a dict per document. :func:`count_matrix`
builds the same matrix straight into CSR arrays.

But: no tokenising here (pass token lists: minembed.tokens.text), no n-grams, no
``max_features``, no stop-word list, no hashing trick. Unlike scikit-learn, an empty document
is refused unless ``allow_empty=True`` (it would be an all-zero row that no query or centre can
reach, usually a sign that the tokeniser or a filter removed everything).
"""

from __future__ import annotations

import numbers
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["counts_plain", "vocabulary_of", "count_matrix", "idf_weights", "tfidf_weighting", "TfidfModel",
           "fit_tfidf", "tfidf"]

TokenLists = Sequence[Sequence[str]]


def _checked(token_lists, allow_empty: bool) -> list:
    """The documents as a list, each a list of tokens; a str where a token list belongs, or an
    empty document (unless allowed), is refused with its position."""
    if isinstance(token_lists, (str, bytes)):
        raise TypeError("token_lists is one string; pass a list of documents, each a list of tokens, "
                        "e.g. [text.split() for text in texts].")
    documents = list(token_lists)
    for number, tokens in enumerate(documents):
        if isinstance(tokens, (str, bytes)):
            raise TypeError(f"document {number} is a string ({tokens[:30]!r}...), not a list of tokens; "
                            "split each text first, e.g. [text.split() for text in texts].")
        if not allow_empty and len(tokens) == 0:
            raise ValueError(f"document {number} has no tokens; drop the empty documents, or pass "
                             "allow_empty=True to give each an all-zero row as scikit-learn does.")
    return documents


# --------------------------------------------------------------------------- #
# Counts: the definition first.
# --------------------------------------------------------------------------- #

def counts_plain(token_lists: TokenLists) -> tuple[list[dict[str, int]], list[str]]:
    """Each document's word counts as a dict, and the sorted vocabulary: the bag of words as written.

    >>> counts_plain([["the", "cat", "the"], ["a", "cat"]])
    ([{'the': 2, 'cat': 1}, {'a': 1, 'cat': 1}], ['a', 'cat', 'the'])
    """
    bags = [dict(Counter(tokens)) for tokens in token_lists]
    return bags, sorted(set().union(*bags))


def vocabulary_of(token_lists: TokenLists, min_df: float = 1, max_df: float = 1.0) -> list[str]:
    """The sorted words whose document frequency df is at least ``min_df`` and at most ``max_df``
    (an int: that many documents; a float in [0, 1]: that share of them, as scikit-learn reads it).

    >>> vocabulary_of([["b", "a"], ["a"], ["a", "c"]], min_df=2)
    ['a']
    """
    documents = _checked(token_lists, allow_empty=True)
    n = len(documents)
    df = Counter(word for tokens in documents for word in set(tokens))  # word -> documents holding it
    low = _document_count("min_df", min_df, n)
    high = _document_count("max_df", max_df, n)
    words = sorted(word for word, count in df.items() if low <= count <= high)
    if not words:
        raise ValueError(f"no word is in at least {low} and at most {high} of the {n} documents; "
                         "lower min_df or raise max_df (or check that the documents hold tokens).")
    return words


def _document_count(name: str, value, n_documents: int) -> float:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0:
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
        return value * n_documents
    raise ValueError(f"{name} must be a whole number of documents (>= 0) or a share of them in [0.0, 1.0], "
                     f"got {value!r}")


def count_matrix(token_lists: TokenLists, vocabulary: Sequence[str], *, allow_empty: bool = False) -> sp.csr_matrix:
    """count[d, t], an (n_documents, len(vocabulary)) CSR int64 matrix; words outside the
    vocabulary are skipped (as ``CountVectorizer.transform`` skips them).

    >>> count_matrix([["the", "cat", "the"], ["a", "dog"]], ["a", "cat", "the"]).toarray()
    array([[0, 1, 2],
           [1, 0, 0]])
    """
    documents = _checked(token_lists, allow_empty)
    column = {word: j for j, word in enumerate(vocabulary)}
    if len(column) != len(vocabulary):
        raise ValueError("the vocabulary lists a word twice; pass each word once (vocabulary_of gives one).")
    ids = [np.fromiter((column[w] for w in tokens if w in column), dtype=np.int64) for tokens in documents]
    indptr = np.zeros(len(documents) + 1, dtype=np.int64)  # (n + 1,) row d's entries are indptr[d]:indptr[d + 1]
    np.cumsum([len(row) for row in ids], out=indptr[1:])
    all_ids = np.concatenate(ids) if ids else np.empty(0, dtype=np.int64)  # (T,) every kept token's column
    matrix = sp.csr_matrix((np.ones(len(all_ids), dtype=np.int64), all_ids, indptr),
                           shape=(len(documents), len(vocabulary)))
    matrix.sum_duplicates()  # one entry per (document, word), its count; columns sorted within rows
    return matrix


# --------------------------------------------------------------------------- #
# TF-IDF
# --------------------------------------------------------------------------- #

def idf_weights(counts: sp.spmatrix, smooth_idf: bool = True) -> np.ndarray:
    """idf[t] = ln((1 + n) / (1 + df[t])) + 1 (smooth_idf), else ln(n / df[t]) + 1; (V,) float64.

    Smoothing acts as if one more document held every word once, so no df is 0.

    >>> idf_weights(sp.csr_matrix(np.array([[1, 0], [3, 1]]))).round(4)
    array([1.    , 1.4055])
    """
    counts = sp.csr_matrix(counts)
    n_documents = counts.shape[0]
    df = np.bincount(counts.indices[counts.data > 0], minlength=counts.shape[1]).astype(np.float64)  # (V,)
    if smooth_idf:
        return np.log((1.0 + n_documents) / (1.0 + df)) + 1.0
    with np.errstate(divide="ignore"):
        return np.log(n_documents / df) + 1.0  # inf for a word in no document, as scikit-learn gives


def tfidf_weighting(counts: sp.spmatrix, idf: np.ndarray, *, sublinear_tf: bool = False,
                    norm: str | None = "l2") -> sp.csr_matrix:
    """tf x idf per entry, then each row scaled to unit length (l2 / l1) or left (None): CSR float64.

    >>> tfidf_weighting(sp.csr_matrix(np.array([[3, 4]])), np.array([1.0, 1.0])).toarray()
    array([[0.6, 0.8]])
    """
    if norm not in ("l2", "l1", None):
        raise ValueError(f"norm must be 'l2', 'l1' or None, got {norm!r}")
    weights = sp.csr_matrix(counts, dtype=np.float64, copy=True)  # (n, V) float64
    weights.sort_indices()
    if sublinear_tf:
        weights.data = np.log(weights.data) + 1.0
    weights.data *= idf[weights.indices]  # each entry times its column's idf
    if norm is not None:
        entries_per_row = np.diff(weights.indptr)  # (n,)
        if norm == "l2":
            lengths = np.sqrt(np.add.reduceat(weights.data**2, weights.indptr[:-1])) if weights.nnz else None
        else:
            lengths = np.add.reduceat(np.abs(weights.data), weights.indptr[:-1]) if weights.nnz else None
        if lengths is not None:
            lengths = np.where(entries_per_row > 0, lengths, 1.0)  # reduceat's value for an empty row is junk
            lengths[lengths == 0] = 1.0  # a row of zeros stays zeros
            weights.data /= np.repeat(lengths, entries_per_row)
    return weights


@dataclass(frozen=True)
class TfidfModel:
    """A fitted TF-IDF: its vocabulary (words in column order, sorted) and their idf weights."""

    vocabulary: list[str]  # (V,) column t holds vocabulary[t]
    idf: np.ndarray  # (V,) float64
    sublinear_tf: bool = False
    norm: str | None = "l2"

    def transform(self, token_lists: TokenLists, *, allow_empty: bool = False) -> sp.csr_matrix:
        """TF-IDF rows of new documents, (n, V) CSR float64; unknown words are skipped."""
        counts = count_matrix(token_lists, self.vocabulary, allow_empty=allow_empty)
        return tfidf_weighting(counts, self.idf, sublinear_tf=self.sublinear_tf, norm=self.norm)


def fit_tfidf(token_lists: TokenLists, *, smooth_idf: bool = True, sublinear_tf: bool = False,
              norm: str | None = "l2", min_df: float = 1, max_df: float = 1.0,
              allow_empty: bool = False) -> TfidfModel:
    """Learn the vocabulary and idf weights of a collection (``TfidfVectorizer.fit``)."""
    documents = _checked(token_lists, allow_empty)
    vocabulary = vocabulary_of(documents, min_df, max_df)
    idf = idf_weights(count_matrix(documents, vocabulary, allow_empty=True), smooth_idf)
    return TfidfModel(vocabulary, idf, sublinear_tf, norm)


def tfidf(token_lists: Iterable[Sequence[str]], *, smooth_idf: bool = True, sublinear_tf: bool = False,
          norm: str | None = "l2", min_df: float = 1, max_df: float = 1.0,
          allow_empty: bool = False) -> tuple[sp.csr_matrix, list[str]]:
    """TF-IDF of a collection: (matrix (n_documents, V) CSR float64, vocabulary), where the
    vocabulary is the list of words in column order (sorted, as scikit-learn orders its columns;
    ``{word: j for j, word in enumerate(vocabulary)}`` is sklearn's ``vocabulary_``).

    >>> matrix, words = tfidf([["cat", "sat"], ["cat", "cat"]])
    >>> words, matrix.toarray().round(3)
    (['cat', 'sat'], array([[0.58 , 0.815],
           [1.   , 0.   ]]))
    """
    documents = _checked(token_lists, allow_empty)
    model = fit_tfidf(documents, smooth_idf=smooth_idf, sublinear_tf=sublinear_tf, norm=norm,
                      min_df=min_df, max_df=max_df, allow_empty=allow_empty)
    return model.transform(documents, allow_empty=allow_empty), model.vocabulary
