"""minembed.counting.cooccur and minembed.counting.ppmi: counts against a corpus worked by hand,
`count` against `count_plain` (bit for bit) and both against a float double loop, chunked against
one-pass counting (bit for bit), PPMI against
a dense NumPy transcription of its definition, and the randomized SVD against
LAPACK, scikit-learn and scipy (up to sign).
"""

import numpy as np
import pytest
import scipy.sparse
import scipy.sparse.linalg

from minembed.counting import cooccur, ppmi, sort_reduce
from minembed.data.synthetic import planted_analogy_corpus
from minembed.tokens.vocab import Vocabulary

# ----------------------------------------------------------------------------- counting


def test_counts_equal_a_corpus_worked_by_hand():
    # vocabulary: the = 0, cat = 1, sat = 2, on = 3
    # sentence 1: "the cat sat"  distance 1: cat|the, sat|cat     distance 2: sat|the (1/2)
    # sentence 2: "the cat"      distance 1: cat|the
    # sentence 3: "on on"        distance 1: on|on
    # X[i, j] = left context of i + right context of i, each pair weighted 1/distance:
    #            the   cat   sat   on
    expected = [[0.0, 2.0, 0.5, 0.0],   # the: cat to its right twice (1 + 1), sat at distance 2
                [2.0, 0.0, 1.0, 0.0],   # cat: the on its left twice, sat on its right once
                [0.5, 1.0, 0.0, 0.0],   # sat
                [0.0, 0.0, 0.0, 2.0]]   # on: itself, once from each side (as cooccur.c counts it)
    sentences = [np.array([0, 1, 2]), np.array([0, 1]), np.array([3, 3])]
    rows, cols, values = cooccur.count(sentences, window=2)
    np.testing.assert_array_equal(cooccur.to_dense(rows, cols, values, 4), expected)
    assert list(zip(rows.tolist(), cols.tolist())) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (3, 3)]
    assert rows.dtype == np.int32 and cols.dtype == np.int32 and values.dtype == np.float64

    # left context only: X[i, j] counts j to the left of i
    rows, cols, values = cooccur.count(sentences, window=2, symmetric=False)
    np.testing.assert_array_equal(cooccur.to_dense(rows, cols, values, 4),
                                  [[0, 0, 0, 0], [2, 0, 0, 0], [0.5, 1, 0, 0], [0, 0, 0, 1]])
    # no distance weighting: sat|the counts 1; window 1: sat|the is out of reach
    rows, cols, values = cooccur.count(sentences, window=2, distance_weighting=False)
    assert cooccur.to_dense(rows, cols, values, 4)[2, 0] == 1.0
    rows, cols, values = cooccur.count(sentences, window=1)
    assert cooccur.to_dense(rows, cols, values, 4)[2, 0] == 0.0


def test_counts_of_tokens_through_a_vocabulary():
    text = [["the", "cat", "sat"], ["the", "cat"], ["on", "on"]]
    vocab = Vocabulary.build(text)  # the, cat, on, sat (on: 2 occurrences, before sat's 1)
    rows, cols, values = cooccur.count([vocab.encode(s) for s in text], window=2, vocab_size=len(vocab))
    table = {(vocab.words[r], vocab.words[c]): v for r, c, v in zip(rows, cols, values)}
    assert table == {("the", "cat"): 2.0, ("the", "sat"): 0.5, ("cat", "the"): 2.0, ("cat", "sat"): 1.0,
                     ("sat", "the"): 0.5, ("sat", "cat"): 1.0, ("on", "on"): 2.0}
    assert "the  cat  2.0000" in cooccur.format_counts(rows, cols, values, vocab.words)


def naive_counts(sentences, window, symmetric, weighting, vocab_size):
    """The definition as a double loop: every position, every earlier word within the window."""
    weight = {True: lambda d: 1.0 / d, False: lambda d: 1.0, "linear": lambda d: (window - d + 1) / window}[weighting]
    X = np.zeros((vocab_size, vocab_size))
    for sentence in sentences:
        for p in range(len(sentence)):
            for d in range(1, window + 1):
                if p - d < 0:
                    break
                X[sentence[p], sentence[p - d]] += weight(d)
                if symmetric:
                    X[sentence[p - d], sentence[p]] += weight(d)
    return X


def random_corpus(seed, vocab_size=12, n_sentences=30):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 25, size=n_sentences)  # some empty and one-word sentences
    zipf = 1.0 / np.arange(1, vocab_size + 1)
    return [rng.choice(vocab_size, size=n, p=zipf / zipf.sum()).astype(np.int32) for n in lengths]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("window", [1, 3, 8, 25])  # 25: past lcm(1..22), the float64 fallback
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("weighting", [True, False, "linear"])
@pytest.mark.parametrize("max_product", [0, 30, sort_reduce.MAX_PRODUCT])  # sort all; split (rows 0-1 whole, 2+ partly); table all
def test_count_is_count_plain_bit_for_bit(seed, window, symmetric, weighting, max_product):
    sentences = random_corpus(seed)
    rows, cols, values = cooccur.count(sentences, window, symmetric, weighting, vocab_size=12, max_product=max_product)
    plain = cooccur.count_plain(sentences, window, symmetric, weighting, vocab_size=12)
    np.testing.assert_array_equal(rows, plain[0])
    np.testing.assert_array_equal(cols, plain[1])
    if window <= 22 or weighting is not True:  # whole units, summed exactly: the same bits
        np.testing.assert_array_equal(values, plain[2])
    else:  # float64 units past lcm(1..22), summed in another order; see the table test below for the bound
        np.testing.assert_allclose(values, plain[2], rtol=1e-12)
    # and count_plain is the definition: a float double loop over a dense matrix gives the same numbers
    expected = naive_counts(sentences, window, symmetric, weighting, 12)
    np.testing.assert_allclose(cooccur.to_dense(*plain, 12), expected, rtol=1e-12)
    assert (values > 0).all()
    keys = rows.astype(np.int64) * 12 + cols
    assert (np.diff(keys) > 0).all(), "triples must be sorted by (row, col), each pair once"
    assert len(values) == np.count_nonzero(expected)


@pytest.mark.parametrize("window", [1, 2, 5, 10])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("max_product", [0, 100])
def test_chunked_and_one_pass_counts_agree_exactly(window, symmetric, max_product):
    sentences = random_corpus(7, vocab_size=40, n_sentences=200)
    one_pass = cooccur.count(sentences, window, symmetric, vocab_size=40, chunk_tokens=10**9, max_product=max_product)
    # chunks of 1 token, and sizes that cut sentences anywhere
    for chunk_tokens in [1, 2, 3, 17, 100, 1000]:
        chunked = cooccur.count(sentences, window, symmetric, vocab_size=40, chunk_tokens=chunk_tokens,
                                max_product=max_product)
        for a, b in zip(one_pass, chunked):
            np.testing.assert_array_equal(a, b)  # the same bits, not merely close


@pytest.mark.parametrize("window", [2, 10, 25])  # 25: float64 weights, where only the rounding may differ
@pytest.mark.parametrize("symmetric", [True, False])
def test_the_frequent_pair_table_changes_no_count(window, symmetric):
    sentences = random_corpus(11, vocab_size=40, n_sentences=300)
    sorted_only = cooccur.count(sentences, window, symmetric, vocab_size=40, chunk_tokens=500, max_product=0)
    for max_product in [1, 7, 100, 1600]:  # 1: the pair (0, 0) only; 1600 = 40 * 40: every pair
        with_table = cooccur.count(sentences, window, symmetric, vocab_size=40, chunk_tokens=500,
                                   max_product=max_product)
        np.testing.assert_array_equal(with_table[0], sorted_only[0])
        np.testing.assert_array_equal(with_table[1], sorted_only[1])
        if window <= 22:  # whole units: the same bits
            np.testing.assert_array_equal(with_table[2], sorted_only[2])
        else:  # float64 sums of positive terms 1/d in another order: each within (n - 1) 2^-53 of exact,
            # with n <= 2,966 terms a cell here, so at most 6.6e-13 apart (measured: 4e-15)
            np.testing.assert_allclose(with_table[2], sorted_only[2], rtol=1e-12)


def test_frequent_pair_table_keeps_the_pairs_of_cooccur_c():
    # the table keeps the pairs whose ranks from 1 multiply to at most max_product, each in its
    # own cell, and nothing else (cooccur.c keeps j < max_product / i, one column fewer per row)
    V, max_product = 30, 40
    for symmetric in [True, False]:
        table = sort_reduce.FrequentPairs(V, max_product, symmetric, np.int64)
        kept = {(r, c) for r in range(V) for c in range(V)
                if (r + 1) * (c + 1) <= max_product and (c >= r or not symmetric)}
        cells = {(r, c): int(table.offset[r] + c) for r, c in kept}
        # one cell each, no gaps
        assert sorted(cells.values()) == list(range(len(kept))) == list(range(len(table.values)))
        assert {(r, c) for r in range(V) for c in range(V) if c < table.limit[r] and (c >= r or not symmetric)} == kept


@pytest.mark.parametrize("window", [1, 10, 25])
def test_wide_keys_count_as_narrow_ones(window):
    # 12 words pack (row, col, distance) into 32 bits (uint32 keys); 2**20 words need int64 keys
    sentences = random_corpus(5, vocab_size=12, n_sentences=200)
    # max_product=0: every pair goes through the keys (with the default table 12 words never would)
    narrow = cooccur.count(sentences, window, vocab_size=12, chunk_tokens=300, max_product=0)
    wide = cooccur.count(sentences, window, vocab_size=2**20, chunk_tokens=300, max_product=0)
    for a, b in zip(narrow, wide):
        np.testing.assert_array_equal(a, b)


def test_symmetric_counts_are_left_counts_plus_their_transpose():
    sentences = random_corpus(3, vocab_size=30, n_sentences=100)
    left = cooccur.to_dense(*cooccur.count(sentences, 6, symmetric=False, vocab_size=30), 30)
    both = cooccur.to_dense(*cooccur.count(sentences, 6, symmetric=True, vocab_size=30), 30)
    np.testing.assert_allclose(both, left + left.T, rtol=1e-15)  # each side exact; their float sum is rounded


def test_distance_weights_are_whole_units():
    units, unit = cooccur.distance_weights(10)
    assert unit == 2520 and units[1:].tolist() == [2520, 1260, 840, 630, 504, 420, 360, 315, 280, 252]
    units, unit = cooccur.distance_weights(22)
    assert unit == 232_792_560 and units.dtype == np.int64
    units, unit = cooccur.distance_weights(23)  # lcm(1..23) > 2**32: float64 weights
    assert units.dtype == np.float64 and unit == 1.0


def test_partial_count_matrices_add_up_in_any_order():
    rng = np.random.default_rng(0)
    id_bits, V = 3, 8  # keys row << 3 | col for an 8 x 8 matrix
    parts = []
    for _ in range(5):
        keys = np.unique(rng.integers(0, V * V, size=20))
        parts.append((keys, rng.integers(1, 10, size=len(keys))))
    matrices = [sort_reduce.as_matrix(keys, weights, id_bits, V) for keys, weights in parts]
    forward, backward = sum(matrices[1:], matrices[0]), sum(matrices[-2::-1], matrices[-1])
    dense = np.zeros(V * V, np.int64)
    for keys, weights in parts:
        dense[keys] += weights
    np.testing.assert_array_equal(forward.toarray().ravel(), dense)
    np.testing.assert_array_equal(backward.toarray().ravel(), dense)
    assert forward.has_canonical_format and forward.dtype == np.int64  # sorted, exact integer units


@pytest.mark.parametrize("window", [0, -1, 1.5, True])
def test_bad_window_is_refused(window):
    with pytest.raises(ValueError, match="window must be a whole number of words >= 1"):
        cooccur.count([np.array([0, 1])], window=window)


@pytest.mark.parametrize("max_product", [-1, 2.5, True, None])
def test_bad_max_product_is_refused(max_product):
    with pytest.raises(ValueError, match="max_product must be a whole number >= 0"):
        cooccur.count([np.array([0, 1])], max_product=max_product)


def test_a_table_too_large_for_memory_is_refused_before_it_is_made():
    # 100,000 words at max_product 10**10: every one of the 5 * 10**9 pairs would have a cell (40 GB)
    with pytest.raises(ValueError, match=r"max_product=10,000,000,000 needs a table of 37\.3 GB"):
        cooccur.count([np.array([0, 1])], vocab_size=100_000, max_product=10**10)


@pytest.mark.parametrize("sentences", [[], [np.array([], np.int32)], [[], []]])
def test_empty_corpus_is_refused(sentences):
    with pytest.raises(ValueError, match="the corpus is empty"):
        cooccur.count(sentences)


def test_bad_ids_are_refused_with_what_to_do():
    with pytest.raises(ValueError, match="drop unknown words"):
        cooccur.count([np.array([0, -1, 2])])  # vocab.encode(..., unknown="minus_one") output
    with pytest.raises(ValueError, match="pass vocab_size=len"):
        cooccur.count([np.array([0, 5])], vocab_size=3)
    with pytest.raises(ValueError, match="too large to pack"):
        cooccur.count([np.array([0, 5])], vocab_size=2**31)
    with pytest.raises(TypeError, match="encode tokens first"):
        cooccur.count([["the", "cat"]])
    with pytest.raises(TypeError, match="same integer dtype"):  # NumPy joins uint64 and int64 as float64
        cooccur.count([np.array([0], np.uint64), np.array([1], np.int64)])
    with pytest.raises(TypeError, match="wrap it"):
        cooccur.count(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="chunk_tokens"):
        cooccur.count([np.array([0, 1])], chunk_tokens=0)


# ----------------------------------------------------------------------------- PPMI


def dense_ppmi(X, context_smoothing, shift):
    """PPMI straight from its definition, with probabilities, on a dense matrix."""
    P_wc = X / X.sum()
    P_w = X.sum(axis=1) / X.sum()
    smoothed = X.sum(axis=0) ** context_smoothing
    P_c = smoothed / smoothed.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(P_wc / np.outer(P_w, P_c))  # -inf where X is 0 (NaN for a word never seen)
    return np.where(X > 0, np.maximum(pmi - np.log(shift), 0), 0.0)


@pytest.mark.parametrize("context_smoothing, shift", [(0.75, 1.0), (1.0, 1.0), (0.75, 5.0), (0.5, 15.0)])
def test_ppmi_matches_a_dense_computation(context_smoothing, shift):
    sentences = random_corpus(4, vocab_size=25, n_sentences=60)
    rows, cols, values = cooccur.count(sentences, window=4, vocab_size=25)
    X = cooccur.to_dense(rows, cols, values, 25)
    X[3, :] = X[:, 3] = 0  # a word with no co-occurrences at all
    rows, cols = np.nonzero(X)
    result = ppmi.ppmi(rows, cols, X[rows, cols], 25, context_smoothing=context_smoothing, shift=shift)
    assert scipy.sparse.issparse(result) and result.shape == (25, 25)
    np.testing.assert_allclose(result.toarray(), dense_ppmi(X, context_smoothing, shift), rtol=1e-12, atol=1e-14)
    assert (result.data > 0).all()


def test_ppmi_worked_by_hand():
    # X = [[3, 1], [1, 0]]: row sums 4, 1; column sums 4, 1 -> P(c) = 0.8, 0.2 unsmoothed
    # PMI(0, 0) = log(3 / (4 * 0.8)) < 0 -> 0;  PMI(0, 1) = log(1 / (4 * 0.2)) = log 1.25;  PMI(1, 0) = log(1 / (1 * 0.8))
    result = ppmi.ppmi(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([3.0, 1.0, 1.0]), 2, context_smoothing=1.0)
    np.testing.assert_allclose(result.toarray(), [[0, np.log(1.25)], [np.log(1.25), 0]], rtol=1e-15)
    # smoothing 0.75 moves probability to the rare context: P(c) = 4^0.75 / (4^0.75 + 1) = 0.7388.., 0.2612..
    # PMI(0, 0) = log(3 / (4 * 0.7388)) = 0.0150 > 0 now, PMI(0, 1) = log(1 / (4 * 0.2612)) < 0, PMI(1, 0) = log(1 / 0.7388)
    result = ppmi.ppmi(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([3.0, 1.0, 1.0]), 2)
    p_c = np.array([4 ** 0.75, 1.0]) / (4 ** 0.75 + 1)
    np.testing.assert_allclose(result.toarray(), [[np.log(3 / (4 * p_c[0])), 0], [np.log(1 / p_c[0]), 0]], rtol=1e-14, atol=1e-15)


def test_ppmi_refuses_zeros():
    with pytest.raises(ValueError, match="leave the zeros out"):
        ppmi.ppmi(np.array([0]), np.array([1]), np.array([0.0]), 2)


# ----------------------------------------------------------------------------- truncated SVD


def matrix_with_spectrum(m, n, singular_values, seed=0):
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, len(singular_values))))
    V, _ = np.linalg.qr(rng.standard_normal((n, len(singular_values))))
    return (U * singular_values) @ V.T


def assert_same_up_to_sign(a, b, **tolerance):
    """Columns of a equal those of b, each possibly negated."""
    signs = np.sign(np.sum(a * b, axis=0))
    np.testing.assert_allclose(a, b * signs, **tolerance)


def test_randomized_svd_matches_lapack_up_to_sign():
    spectrum = 10.0 * 0.7 ** np.arange(40)  # decaying, as a PPMI matrix's
    A = matrix_with_spectrum(120, 90, spectrum)
    U, S, Vt = ppmi.randomized_svd(A, 10, rng=np.random.default_rng(0))
    U_ref, S_ref, Vt_ref = np.linalg.svd(A, full_matrices=False)
    np.testing.assert_allclose(S, S_ref[:10], rtol=1e-10)
    assert_same_up_to_sign(U, U_ref[:, :10], atol=1e-8)
    assert_same_up_to_sign(Vt.T, Vt_ref[:10].T, atol=1e-8)
    # the sign convention: each column of U has its largest-magnitude entry positive
    assert (U[np.argmax(np.abs(U), axis=0), np.arange(10)] > 0).all()


def test_svd_of_a_ppmi_matrix_matches_scikit_learn_and_scipy(sklearn):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.utils.extmath import randomized_svd as sklearn_randomized_svd

    # The planted corpus's PPMI spectrum has a gap after 12 singular values (12.3, then 8.9),
    # so every method converges to the same 12 directions.
    corpus = planted_analogy_corpus(n_sentences=2000, seed=0)
    vocab = Vocabulary.build(corpus.sentences)
    rows, cols, values = cooccur.count([vocab.encode(s) for s in corpus.sentences], window=5, vocab_size=len(vocab))
    M = ppmi.ppmi(rows, cols, values, len(vocab))
    U, S, Vt = ppmi.randomized_svd(M, 12, power_iterations=10, rng=np.random.default_rng(1))
    U_sk, S_sk, Vt_sk = sklearn_randomized_svd(M, 12, n_iter=10, random_state=0)
    np.testing.assert_allclose(S, S_sk, rtol=1e-8)
    assert_same_up_to_sign(U, U_sk, atol=1e-6)
    U_sp, S_sp, Vt_sp = scipy.sparse.linalg.svds(M, k=12, random_state=0)  # ascending order
    np.testing.assert_allclose(S, S_sp[::-1], rtol=1e-8)
    assert_same_up_to_sign(Vt.T, Vt_sp[::-1].T, atol=1e-6)
    # scikit-learn's TruncatedSVD embeds as U S: ours with eigenvalue_weight=1 (float32 output)
    W, _ = ppmi.svd_embeddings(M, 12, eigenvalue_weight=1.0, power_iterations=10, rng=np.random.default_rng(1))
    embedded = TruncatedSVD(12, algorithm="arpack").fit_transform(M)
    assert_same_up_to_sign(W.astype(np.float64), embedded, rtol=1e-5, atol=1e-5)


def test_svd_embeddings_split_the_singular_values():
    A = matrix_with_spectrum(50, 50, 5.0 * 0.5 ** np.arange(6), seed=2)
    W, C = ppmi.svd_embeddings(A, 6, eigenvalue_weight=0.5, rng=np.random.default_rng(0))
    np.testing.assert_allclose(W @ C.T, A, atol=1e-5)  # rank 6 exactly: W C^T = U S V^T = A
    W0, _ = ppmi.svd_embeddings(A, 6, eigenvalue_weight=0.0, rng=np.random.default_rng(0))
    np.testing.assert_allclose(W0.T @ W0, np.eye(6), atol=1e-5)  # p = 0: orthonormal columns
    again, _ = ppmi.svd_embeddings(A, 6, eigenvalue_weight=0.5, rng=np.random.default_rng(0))
    assert W.tobytes() == again.tobytes()
    with pytest.raises(ValueError, match="rank must be between 1 and"):
        ppmi.randomized_svd(A, 51)


def test_ppmi_svd_recovers_planted_analogies():
    # Calibrated on seeds 0-3: every planted analogy's answer is the top word.
    corpus = planted_analogy_corpus(n_sentences=3000, seed=0)
    vectors = ppmi.train(corpus.sentences, vector_size=20, window=8, min_count=1)
    found = sum(vectors.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] == d
                for a, b, c, d in corpus.analogies)
    assert found / len(corpus.analogies) >= 0.9
    with pytest.raises(ValueError, match="lower vector_size"):
        ppmi.train(corpus.sentences, vector_size=10_000, min_count=1)


SMALL = [["the", "cat", "sat", "on", "a", "mat"], ["a", "dog", "sat", "on", "the", "log"]] * 10


def test_ppmi_refuses_corpora_and_settings_with_nothing_to_factorise():
    with pytest.raises(ValueError, match=r"no sentence has two known words or more \(the longest has 1\)"):
        ppmi.train([["cat"], ["dog"], ["cat"], ["mouse"]] * 5, min_count=1, vector_size=2)
    with pytest.raises(TypeError, match=r"token 3 \(int\) in sentence 0 is not a str"):
        ppmi.train([[3, 1, 4, 1, 5]] * 4, min_count=1, vector_size=2)
    with pytest.raises(ValueError, match=r"no pair of words has PMI above log\(shift\).*lower shift"):
        ppmi.train(SMALL, min_count=1, vector_size=2, shift=1e9)  # used to return all-zero vectors


def test_ppmi_refuses_an_svd_too_large_before_counting(monkeypatch):
    words = [f"w{i}" for i in range(60_000)]  # the SVD's six (60,000, 50,010) float64 arrays: 144 GB
    monkeypatch.setattr(cooccur, "count", lambda *args, **kwargs: pytest.fail("counted before the size check"))
    with pytest.raises(ValueError, match=r"needs about [\d.]+ GB for the SVD of 60,000 words x 50,000 dimensions"):
        ppmi.train([words[i:i + 10] for i in range(0, 60_000, 5)], min_count=1, vector_size=50_000)
    with pytest.raises(ValueError, match=r"memory_limit must be in \(0, inf\)"):
        ppmi.train(SMALL, min_count=1, vector_size=2, memory_limit=0)
