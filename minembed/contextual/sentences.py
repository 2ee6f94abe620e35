"""Sentence vectors from word vectors (mean, SIF) and semantic search over them.

Three ways to turn a sentence into one vector, simplest first:

    mean        the average of its words' vectors (any :class:`Vectors`)
    SIF         "smooth inverse frequency" (Arora, Liang & Ma 2017, "A Simple
                but Tough-to-Beat Baseline for Sentence Embeddings"; reference
                code PrincetonML/SIF, ``SIF_embedding.py``): a weighted mean
                with weight a / (a + p(w)), so frequent words count less, then
                the projection on the first singular vector of all the
                sentence vectors (the direction they share) is removed
    encoder     a Transformer reads the whole sentence and its token vectors
                are mean-pooled: ``minembed.contextual.encoder.load_minilm().encode``

and :func:`semantic_search`, which ranks a corpus of sentence vectors for each
query by cosine through the one top-k kernel (:func:`minembed.vectors.topk.topk_cosine`)
and answers in the format of ``sentence_transformers.util.semantic_search``.

    >>> from minembed import Vectors
    >>> words = Vectors(["cats", "purr", "dogs", "bark"], np.eye(4))
    >>> mean_vectors(words, [["cats", "purr"], ["dogs", "bark", "loudly"]])  # "loudly": unknown
    array([[0.5, 0.5, 0. , 0. ],
           [0. , 0. , 0.5, 0.5]], dtype=float32)

But: SIF's first component is computed exactly (the top eigenvector of
X^T X), where the reference code uses scikit-learn's randomized TruncatedSVD
(n_iter=7, random_state=0), so nothing here is random; words missing from the table are skipped (the
reference maps them to an UNK row); no tf-idf weighting, no uSIF, no
approximate (ANN) search.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, Mapping, Sequence, Union

import numpy as np

from minembed.training.settings import whole_number
from minembed.tokens.text import tokenize as regex_tokenize
from minembed.vectors.topk import topk_cosine
from minembed.vectors import Vectors

Sentence = Union[str, Sequence[str]]


def default_tokenize(text: str) -> list[str]:
    """Lowercase, then minembed's regex word tokenizer (GloVe and most tables are lowercase).

    >>> default_tokenize("The Cat's hat, 2 times.")
    ['the', "cat's", 'hat', '2', 'times']
    """
    return regex_tokenize(text.lower())


def _as_tokens(sentences: Sequence[Sentence], tokenize: Callable[[str], list[str]]) -> list[list[str]]:
    if isinstance(sentences, str):
        raise TypeError("pass a list of sentences; for one sentence pass [sentence].")
    tokens = []
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, str):
            tokens.append(tokenize(sentence))
        elif isinstance(sentence, (list, tuple)) and all(isinstance(w, str) for w in sentence):
            tokens.append(list(sentence))
        else:
            raise TypeError(
                f"sentence {i} is {sentence!r:.60}; give a str or a list of word strings."
            )
    return tokens


def _known_ids(vectors: Vectors, words: Sequence[str]) -> list[int]:
    return [vectors.index[w] for w in words if w in vectors.index]


def mean_vectors(
    vectors: Vectors,
    sentences: Sequence[Sentence],
    tokenize: Callable[[str], list[str]] = default_tokenize,
) -> np.ndarray:
    """The mean of the vectors of each sentence's known words, (n, D) float32.

    A sentence is a str (split by ``tokenize``) or a list of words. Words not in
    the table are skipped; a sentence with no known word gets a zero row (it
    scores 0 against everything in :func:`semantic_search`).
    """
    tokens = _as_tokens(sentences, tokenize)
    result = np.zeros((len(tokens), vectors.vector_size), dtype=np.float32)  # (n, D) float32
    for row, words in enumerate(tokens):
        ids = _known_ids(vectors, words)
        if ids:
            result[row] = vectors.vectors[ids].mean(axis=0, dtype=np.float64)
    return result


def sif_weights(word_counts: Mapping[str, int], a: float = 1e-3) -> dict[str, float]:
    """a / (a + p(w)) for every counted word, p(w) = count / total count.

    ``a`` is the paper's smoothing: 1e-3 is its default; it reports a good range of
    1e-4 .. 1e-3. A word seen in half the corpus gets weight ~0.002; a rare word ~1.

    >>> sif_weights({"the": 3, "cat": 1}, a=0.25)
    {'the': 0.25, 'cat': 0.5}
    """
    if isinstance(a, bool) or not isinstance(a, numbers.Real):
        raise TypeError(f"a must be a number > 0 (the paper uses 1e-3), got {a!r:.40} ({type(a).__name__}).")
    if not (a > 0 and math.isfinite(a)):  # NaN used to give NaN weights
        raise ValueError(f"a must be > 0 and finite (the paper uses 1e-3), got {a}.")
    negative = [word for word, count in word_counts.items() if not count >= 0]
    if negative:
        raise ValueError(f"the count of {negative[0]!r} is {word_counts[negative[0]]}; counts must be >= 0.")
    total = sum(word_counts.values())
    if total <= 0:
        raise ValueError("word_counts is empty or all zero; count the words of a corpus first.")
    return {word: a / (a + count / total) for word, count in word_counts.items()}


def weighted_mean_vectors(
    vectors: Vectors,
    sentences: Sequence[Sentence],
    weights: Mapping[str, float],
    tokenize: Callable[[str], list[str]] = default_tokenize,
) -> np.ndarray:
    """sum(weight(w) v_w) / (number of known words) per sentence, (n, D) float32.

    A known word without a weight gets weight 1, as in the reference code.
    """
    tokens = _as_tokens(sentences, tokenize)
    result = np.zeros((len(tokens), vectors.vector_size), dtype=np.float32)  # (n, D) float32
    for row, words in enumerate(tokens):
        known = [w for w in words if w in vectors.index]
        if not known:
            continue
        word_weights = np.array([weights.get(w, 1.0) for w in known])  # (k,) float64
        word_vectors = vectors.vectors[[vectors.index[w] for w in known]]  # (k, D) float32
        result[row] = word_weights @ word_vectors / len(known)
    return result


def remove_first_component(matrix: np.ndarray) -> np.ndarray:
    """Subtract from every row its projection on the first right singular vector u:
    x - (x . u) u. As in the reference code the rows are not centred first.

    u is the unit direction along which the rows have the largest sum of
    squares: the top eigenvector of the small (D, D) matrix X^T X (cheaper than
    an SVD of the (n, D) matrix, same vector). Its sign does not matter.

    >>> remove_first_component(np.array([[2.0, 1.0], [2.0, -1.0]]))
    array([[ 0.,  1.],
           [ 0., -1.]])
    """
    matrix = np.asarray(matrix, dtype=np.float64)  # (n, D)
    if matrix.ndim != 2 or len(matrix) < 2:
        raise ValueError(
            f"need at least two sentence vectors as a (n, D) matrix, got shape {matrix.shape}; "
            "the common direction is estimated from the whole set."
        )
    _, eigenvectors = np.linalg.eigh(matrix.T @ matrix)  # (D, D), eigenvalues ascending
    u = eigenvectors[:, -1]  # (D,) unit vector
    return matrix - np.outer(matrix @ u, u)  # (n, D)


def sif_vectors(
    vectors: Vectors,
    sentences: Sequence[Sentence],
    word_counts: Mapping[str, int],
    a: float = 1e-3,
    tokenize: Callable[[str], list[str]] = default_tokenize,
) -> np.ndarray:
    """SIF sentence vectors, (n, D) float32: SIF-weighted means, first component removed.

    ``word_counts`` maps words to corpus counts (a ``Vocabulary``'s
    ``dict(zip(vocab.words, vocab.counts))``, or a ``collections.Counter``).
    Needs at least two sentences: the removed direction is a property of the set.
    """
    weighted = weighted_mean_vectors(vectors, sentences, sif_weights(word_counts, a), tokenize)
    return remove_first_component(weighted).astype(np.float32)  # (n, D) float32


def semantic_search(
    query_embeddings: np.ndarray, corpus_embeddings: np.ndarray, top_k: int = 10
) -> list[list[dict[str, int | float]]]:
    """For each query vector, the top_k corpus vectors with the highest cosine, best first.

    query_embeddings (Q, D) or (D,), corpus_embeddings (N, D): any floating
    vectors (they need not be normalised). Returns, per query,
    ``[{"corpus_id": i, "score": cosine}, ...]``, the names and answer of
    ``sentence_transformers.util.semantic_search(query_embeddings,
    corpus_embeddings, top_k=top_k)``; ties go to the lower corpus id. top_k
    larger than the corpus gives the whole corpus.

    >>> corpus = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    >>> semantic_search(np.array([[1.0, 0.1]]), corpus, top_k=2)
    [[{'corpus_id': 0, 'score': 0.995...}, {'corpus_id': 1, 'score': 0.676...}]]
    """
    whole_number("top_k", top_k, 1, "how many corpus vectors to return per query")
    queries = np.asarray(query_embeddings)
    corpus = np.asarray(corpus_embeddings)
    if corpus.ndim != 2 or len(corpus) == 0:
        raise ValueError(f"corpus must be a non-empty (N, D) matrix of vectors, got shape {corpus.shape}.")
    if queries.size == 0:
        return []
    if corpus.dtype.kind in "fc" and not np.isfinite(corpus).all():
        bad = int(np.flatnonzero(~np.isfinite(corpus).all(axis=1))[0])
        raise ValueError(f"corpus row {bad} contains NaN or inf; fix or drop that sentence vector.")
    indices, scores = topk_cosine(corpus, queries, top_k)  # (Q, k) int64, (Q, k) float32
    return [
        [{"corpus_id": int(i), "score": float(s)} for i, s in zip(row_ids, row_scores)]
        for row_ids, row_scores in zip(indices, scores)
    ]
