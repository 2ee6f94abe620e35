# %% [markdown]
# # 2. Counting: co-occurrences, PPMI + SVD, and GloVe
#
# "You shall know a word by the company it keeps" (Firth 1957). Before any
# neural network, the company can simply be **counted**. This notebook
# builds word vectors from counts in three steps, each a module of minembed:
#
# 1. count how often each word appears near each other word, nearer words
#    counting more (`minembed.counting.cooccur`),
# 2. reweigh the counts by **positive pointwise mutual information** and
#    compress them with a truncated **SVD** (`minembed.counting.ppmi`),
# 3. fit **GloVe** (Pennington et al. 2014): vectors whose dot products
#    predict the log counts, by weighted least squares (`minembed.counting.glove`).
#
# Every step is first done by hand on six short sentences, then run on a
# small news corpus. It ends by checking the SVD against scikit-learn and
# the GloVe gradient against torch autograd.

# %%
# %matplotlib inline
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

# %% [markdown]
# ## Counting with a window
#
# For every word, look at the `window` words on each side, inside its
# sentence. A pair d words apart adds 1/d to X[word, context], as GloVe's
# `cooccur.c` does; counting both sides makes X symmetric. `cooccur.count_plain`
# is exactly that loop, and returns the non-zeros as triples (rows, cols, values).

# %%
rows, cols, values = cooccur.count_plain(encoded, window=2)  # (K,) int32, (K,) int32, (K,) float64
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

# %% [markdown]
# *cat* and *dog* share their company (*the*, *sat*, *chased*), and so do
# *king* and *queen*: that shared company is what the vectors will encode.
#
# The loop is slow on real text. `cooccur.count` gives the same triples bit
# for bit without looping over words: it adds the pairs of frequent words up
# in a dense table (as GloVe's `cooccur.c` does) and sorts packed integer keys
# for the rest (`minembed/counting/sort_reduce.py`). Below it is checked
# against the plain loop, with the table and without it (`max_product=0` sorts
# every pair), and both against a double loop over a dense matrix. (A word within
# the window of itself, as in "the the", would count from both sides: twice.
# Here the two *the*s of a sentence are 4 apart, outside the window, so
# X[the, the] = 0.)

# %%
window = 2
naive = np.zeros((V, V))  # (V, V) float64
for sentence in encoded:
    for i, word in enumerate(sentence):
        for j in range(max(0, i - window), i):  # the context words to the left of i
            naive[word, sentence[j]] += 1 / (i - j)  # context on the left of `word`
            naive[sentence[j], word] += 1 / (i - j)  # and `word` on the right of the context
np.testing.assert_allclose(X, naive, rtol=1e-12)
for max_product in (0, 300_000):  # every pair sorted; the default table
    for fast, plain in zip(cooccur.count(encoded, window=2, max_product=max_product), (rows, cols, values)):
        np.testing.assert_array_equal(fast, plain)
cat, dog, the, sat = vocab.encode(["cat", "dog", "the", "sat"])
print(f"X[cat, the] = {X[cat, the]:.4f}, X[dog, sat] = {X[dog, sat]:.4f}, X[the, the] = {X[the, the]:.4f}: "
      "the double loop agrees everywhere")

# %% [markdown]
# ## Positive PMI, by hand
#
# Raw counts are dominated by *the*. Pointwise mutual information asks how
# much more often two words meet than they would by chance:
#
#     PMI(w, c) = log P(w, c) / (P(w) P(c)),   PPMI = max(PMI, 0)
#
# with P(w, c) = X[w, c] / sum(X) and P(w) the row sums over sum(X). As in
# Levy, Goldberg & Dagan (2015), the context probability is smoothed:
# P_a(c) is proportional to (column sum)^0.75, which keeps rare contexts from
# getting huge PMIs. Pairs never seen have PMI = -inf and stay 0.

# %%
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


# %% [markdown]
# *the* has lost its weight: it meets everything, so it is no evidence of
# anything. Row by row, each word is now a V-dimensional vector. Cosines
# between rows say cat ~ dog and king ~ queen for counts and PPMI alike, but
# with raw counts *cat* and *king* also look alike, only because both sit
# next to *the*; PPMI removes that.

# %%
def cosine(a, b):
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))

king, queen = vocab.encode(["king", "queen"])
for a, b in [(cat, dog), (king, queen), (cat, king)]:
    print(f"{vocab.words[a]:>5} ~ {vocab.words[b]:<6} counts {cosine(X[a], X[b]):.2f}   "
          f"PPMI {cosine(ppmi_by_hand[a], ppmi_by_hand[b]):.2f}")

# %% [markdown]
# ## Truncated SVD: from V columns to d dimensions
#
# The PPMI rows are as long as the vocabulary. A truncated SVD,
# PPMI ~ U_d S_d V_d^T, keeps the d strongest directions; the word vectors
# are W = U_d S_d^0.5 (Levy et al.'s "eig = 0.5", splitting S between words
# and contexts). `svd_embeddings` uses a randomized SVD (Halko et al. 2011)
# that scales to large sparse matrices; here it matches NumPy's exact dense
# SVD, once each column's sign is fixed the same way (its largest entry positive).

# %%
d = 2
U, S, Vt = np.linalg.svd(ppmi_by_hand)  # exact: (V, V), (V,), (V, V)
U = U[:, :d] * np.sign(U[np.abs(U[:, :d]).argmax(axis=0), np.arange(d)])  # (V, d), signs fixed
W_by_hand = U * np.sqrt(S[:d])  # (V, d)

W, C = ppmi.svd_embeddings(M, d, eigenvalue_weight=0.5, rng=np.random.default_rng(0))  # (V, d) float32 each
np.testing.assert_allclose(W, W_by_hand, atol=1e-5)
figures.word_scatter(W, vocab.words, method="none", title="PPMI + SVD, 2 dimensions, six sentences")

# %% [markdown]
# ## The same pipeline on real text
#
# Lee's corpus (gensim's test data): 300 news articles, about 58,000 tokens.
# The steps are those of `ppmi.train`, written out: a vocabulary of words
# seen at least 5 times, counts in a window of 5 with word2vec's linear
# weighting (its shrunk window reaches distance d with probability
# (6 - d) / 5), PPMI, and 50 SVD dimensions.

# %%
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

# %% [markdown]
# ## GloVe: fit the log counts
#
# GloVe learns a word vector w_i, a context vector w~_j and two biases so
# that w_i . w~_j + b_i + b~_j ~ log X_ij, for every non-zero X_ij, by
# weighted least squares:
#
#     J = 1/2 sum_{X_ij > 0} f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2
#
# The weight f(x) = min(1, (x / x_max)^alpha) keeps the many rare, noisy
# pairs from dominating and caps the frequent ones at 1. The paper uses
# x_max = 100, alpha = 3/4; the Stanford demo script uses x_max = 10 for
# small corpora, as we do below.

# %%
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

# %% [markdown]
# ## The cost and its gradient, by hand
#
# With diff = w_i . w~_j + b_i + b~_j - log X_ij, the derivatives of J are
#
#     dJ/dw_i = sum_j f(X_ij) diff_ij w~_j,   dJ/dw~_j = sum_i f(X_ij) diff_ij w_i
#     dJ/db_i = sum_j f(X_ij) diff_ij,        dJ/db~_j = sum_i f(X_ij) diff_ij
#
# A word in several non-zeros collects the sum of their gradients. Below:
# J and dJ/dw for *cat* on the toy counts, written with dense matrices,
# against `glove.cost_and_gradients`, and a finite difference.

# %%
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

# %% [markdown]
# ## Training GloVe
#
# `GloVe.fit` runs the Stanford pipeline: vocabulary, counts (window 10,
# 1/d), then AdaGrad over the non-zeros in random order, in minibatches of
# 2,048 (`batch_size`; glove.c updates after every non-zero). The cost
# printed is glove.c's: J divided by the number of non-zeros.
# Ten epochs on Lee's corpus take seconds; the word vectors are W + W~.

# glove.c's own loop takes one non-zero at a time; `glove.train_epoch_plain`
# writes it out, and with `batch_size=1` the minibatch code gives its numbers:

# %%
toy_params = glove.initial_parameters(V, 8, np.random.default_rng(0))
toy_sums = glove.Parameters(np.ones((V, 8)), np.ones((V, 8)), np.ones(V), np.ones(V))  # AdaGrad starts at 1
copies = [glove.Parameters(*(a.copy() for a in vars(p).values())) for p in (toy_params, toy_sums)]
toy_log_x, toy_f = np.log(values), glove.weighting(values, x_max=10)
plain_cost = glove.train_epoch_plain(toy_params, toy_sums, rows, cols, toy_log_x, toy_f, learning_rate=0.05)
batch_cost = glove.train_epoch(*copies, rows, cols, toy_log_x, toy_f, batch_size=1, learning_rate=0.05)
np.testing.assert_allclose(copies[0].W, toy_params.W, rtol=1e-12)
print(f"one epoch on the toy counts: cost {plain_cost:.6f} one pair at a time, {batch_cost:.6f} as minibatches of one")

# %%
model = glove.GloVe(vector_size=50, window=10, x_max=10, epochs=10, min_count=5, seed=0).fit(lee)
print(f"{len(model.vocab):,} words, {len(model.counts[2]):,} non-zeros; counting {model.count_seconds:.1f} s, "
      f"{np.mean(model.epoch_seconds):.1f} s per epoch")
print("cost per epoch:", np.round(model.costs, 4).tolist())
assert model.costs[-1] < 0.7 * model.costs[0]  # measured: 0.53 of the first epoch's cost
figures.loss_curves(model.costs, ylabel="cost (J / non-zeros)", title="GloVe on Lee's corpus")

# %%
for word in probes:
    print(f"{word:>10}  GloVe:     {[w for w, _ in model.wv.most_similar(word, topn=6)]}")
    print(f"{'':>10}  PPMI+SVD:  {[w for w, _ in svd_vectors.most_similar(word, topn=6)]}")

# %% [markdown]
# On 58,000 tokens both are rough; PPMI + SVD is usually the better of the
# two on so little text (Levy et al. 2015 make the same point), while GloVe
# needs more data and more epochs to pull ahead.
#
# ## Compare with scikit-learn and torch
#
# * scikit-learn's `TruncatedSVD` (ARPACK, an exact iterative solver) on the
#   same PPMI matrices. On the toy matrix our randomized SVD is exact. On
#   Lee's matrix the randomized sketch (10 extra columns, 5 power
#   iterations) gets the leading directions right and the tail only
#   roughly, because the PPMI spectrum is flat there: the top 10 singular
#   values must agree to 1e-3 and their vectors to cosine 0.999 up to sign.
# * torch autograd, on a minibatch of the trained model's non-zeros, gives
#   the same cost and gradients as `glove.cost_and_gradients` (float64, to
#   relative 1e-5; in fact to rounding).

# %%
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
