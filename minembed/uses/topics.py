"""Topics as BERTopic finds them: embed, reduce, cluster, then name each cluster by class-based TF-IDF.

    1 embed     one vector per document, from any minembed model (mean word vectors, SIF, MiniLM)
    2 reduce    PCA to a few dimensions (minembed.figures.projection.fit_pca)
    3 cluster   k-means on the reduced vectors (minembed.uses.kmeans)
    4 describe  c-TF-IDF: all documents of a cluster joined into one, and a word scored by

                    W[t, c] = tf[t, c] * log(1 + A / f[t])

                tf[t, c]  frequency of word t in cluster c, divided by the number of words in c
                f[t]      frequency of word t over all clusters
                A         average number of words per cluster

Grootendorst, "BERTopic: Neural topic modeling with a class-based TF-IDF procedure"
(arXiv:2203.05794, 2022). The reference program is BERTopic's ``ClassTfidfTransformer``
(``bertopic/vectorizers/_ctfidf.py``): as there, tf is the L1-normalised row of counts and A is
``int(mean words per cluster)``, truncated to a whole number (the paper writes the plain
average; the program truncates, and this follows the program). The tests check the formula
on a case worked by hand.

But: BERTopic reduces with UMAP and clusters with HDBSCAN (which leaves outliers in a topic -1);
here PCA and k-means, two of the alternatives its documentation lists, so every document gets a
topic and the number of topics is chosen. Left out: BM25 weighting, ``reduce_frequent_words``,
seed words, topic merging, representations by MMR or KeyBERT, and BERTopic's own tokeniser
(pass token lists; filter stop words first, as BERTopic's docs advise with
``CountVectorizer(stop_words="english")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from minembed.figures.projection import fit_pca
from minembed.uses.bow import count_matrix, vocabulary_of
from minembed.uses.kmeans import kmeans

__all__ = ["class_counts", "class_tfidf", "top_words", "topic_keywords", "Topics", "find_topics"]


def class_counts(token_lists: Sequence[Sequence[str]], labels: Sequence) -> tuple[sp.csr_matrix, np.ndarray, list]:
    """Each class's documents joined into one bag of words: (counts (C, V) CSR int64, the classes
    in row order (sorted), the vocabulary in column order (sorted)).

    >>> counts, classes, words = class_counts([["a", "b"], ["a"], ["c"]], [1, 1, 0])
    >>> counts.toarray(), classes, words
    (array([[0, 0, 1],
           [2, 1, 0]]), array([0, 1]), ['a', 'b', 'c'])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(token_lists):
        raise ValueError(f"labels must give one class per document: {len(token_lists)} documents, "
                         f"labels of shape {labels.shape}.")
    classes, rows = np.unique(labels, return_inverse=True)  # (C,), (N,) each document's class row
    vocabulary = vocabulary_of(token_lists)
    per_document = count_matrix(token_lists, vocabulary, allow_empty=True)  # (N, V)
    joined = sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, np.arange(len(rows)))),
                           shape=(len(classes), len(rows)))  # (C, N) one-hot: which documents each class joins
    return sp.csr_matrix(joined @ per_document), classes, vocabulary


def class_tfidf(counts) -> np.ndarray:
    """c-TF-IDF of a (C, V) matrix of class word counts: W = tf * log(1 + A / f), (C, V) float64.

    tf = each row divided by its sum; f = column sums; A = int(mean row sum) (BERTopic truncates).

    >>> class_tfidf(np.array([[3, 1, 0], [0, 1, 1]])).round(4)   # A = int(6 / 2) = 3
    array([[0.5199, 0.2291, 0.    ],
           [0.    , 0.4581, 0.6931]])
    """
    counts = np.asarray(counts.toarray() if sp.issparse(counts) else counts, dtype=np.float64)  # (C, V)
    if counts.ndim != 2 or (counts < 0).any():
        raise ValueError("counts must be a (classes, words) matrix of non-negative word counts.")
    words_per_class = counts.sum(axis=1)  # (C,)
    frequency = counts.sum(axis=0)  # (V,) f[t], over all classes
    if (words_per_class == 0).any() or (frequency == 0).any():
        raise ValueError("every class needs at least one word and every word at least one occurrence: "
                         "drop the empty classes and the unused columns first.")
    average = int(words_per_class.mean())  # A, truncated as BERTopic's int(X.sum(axis=1).mean())
    idf = np.log(1.0 + average / frequency)  # (V,)
    tf = counts / words_per_class[:, None]  # (C, V) each row sums to 1 (BERTopic's L1 normalisation)
    return tf * idf[None, :]


def top_words(scores: np.ndarray, vocabulary: Sequence[str], top_n: int = 10) -> list[list[tuple[str, float]]]:
    """For each row of ``scores`` (C, V), its ``top_n`` (word, score) pairs, best first, ties by
    vocabulary order; words that score 0 in a row are left out of it.

    >>> top_words(np.array([[0.1, 0.5, 0.0]]), ["a", "b", "c"], top_n=5)
    [[('b', 0.5), ('a', 0.1)]]
    """
    keywords = []
    for row in np.asarray(scores):
        order = np.argsort(-row, kind="stable")[:top_n]  # best first; equal scores keep column order
        keywords.append([(vocabulary[j], float(row[j])) for j in order if row[j] > 0])
    return keywords


def topic_keywords(token_lists: Sequence[Sequence[str]], labels: Sequence,
                   top_n: int = 10) -> dict[object, list[tuple[str, float]]]:
    """The ``top_n`` c-TF-IDF words of each class or cluster, {label: [(word, score), ...]}, best first."""
    counts, classes, vocabulary = class_counts(token_lists, labels)
    keywords = top_words(class_tfidf(counts), vocabulary, top_n)
    return {label.item() if hasattr(label, "item") else label: words for label, words in zip(classes, keywords)}


@dataclass(frozen=True)
class Topics:
    """What :func:`find_topics` found."""

    labels: np.ndarray  # (N,) int64, each document's topic 0..n_topics-1
    keywords: dict  # {topic: [(word, c-TF-IDF score), ...]}, best first
    reduced: np.ndarray  # (N, n_components) float64, the documents after PCA
    centres: np.ndarray  # (n_topics, n_components) the k-means centres in the reduced space
    explained_variance_ratio: np.ndarray  # (n_components,) the share of variance PCA kept

    def sizes(self) -> np.ndarray:
        """Documents per topic, (n_topics,) int64."""
        return np.bincount(self.labels, minlength=len(self.centres))


def find_topics(embeddings: np.ndarray, token_lists: Sequence[Sequence[str]], n_topics: int, *,
                n_components: int | None = 5, top_n: int = 10, seed: int = 0) -> Topics:
    """BERTopic's pipeline with PCA and k-means: documents' vectors (N, D) and their tokens in,
    topics with their keywords out.

    n_components: PCA dimensions before clustering (BERTopic's UMAP default is 5); None clusters
                  the embeddings as they are.
    seed:         for k-means++ (the same seed gives the same topics).
    """
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2 or len(embeddings) != len(token_lists):
        raise ValueError(f"embeddings must be (N, D) with one row per document: {len(token_lists)} documents, "
                         f"embeddings of shape {embeddings.shape}.")
    if n_components is None:
        reduced, ratio = embeddings, np.ones(0)
    else:
        pca = fit_pca(embeddings, n_components)
        reduced, ratio = pca.transform(embeddings), pca.explained_variance_ratio  # (N, n_components)
    labels, centres, _ = kmeans(reduced, n_topics, seed=seed)
    return Topics(labels, topic_keywords(token_lists, labels, top_n), reduced, centres, ratio)
