# %% [markdown]
# # 3. word2vec: skip-gram and CBOW, one update traced by hand
#
# word2vec (Mikolov et al. 2013) learns a vector per word by a fake task:
# from a word, tell its real neighbours apart from random words.
#
# * **skip-gram**: each (context word, centre word) pair within a window is
#   one example; **CBOW** averages the context words and predicts the centre.
# * **negative sampling**: instead of a softmax over the whole vocabulary,
#   score the true word against K noise words drawn from unigram^0.75.
#
# We build the training pairs, write the loss and its gradient by hand,
# watch one real update, train both models on a small news corpus, and
# finish next to gensim's `Word2Vec` on the same text and settings.

# %%
# %matplotlib inline
import numpy as np

from minembed.figures import plots as figures
from minembed.data.datasets import lee_background
from minembed.tokens.vocab import Vocabulary
from minembed.predicting.corpus import Corpus, skipgram_pairs
from minembed.predicting.losses import sgns_loss_and_grads
from minembed.predicting.word2vec import Word2Vec, Word2VecConfig, train_plain

sentences = lee_background()  # gensim's Lee corpus: 300 news articles, one token list each
print(f"{len(sentences)} documents, {sum(map(len, sentences)):,} tokens; first: {sentences[0][:12]}")

# %% [markdown]
# ## The training pairs
#
# For each centre word word2vec draws a window size b in 1..5, so near words
# are used more often than far ones, then pairs the centre with every word
# within b positions. (As in the C tool and gensim, the context word is the
# input and the centre word the prediction; over a corpus that is the same set of pairs.)

# %%
toy = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
positions = np.arange(len(toy))
sentence_of = np.zeros(len(toy), dtype=np.int64)  # all in sentence 0
reach = np.array([2] * len(toy))  # a fixed window of 2, for the picture
context, centre = skipgram_pairs(positions, sentence_of, reach, window=2)
print([(toy[c], toy[t]) for c, t in zip(context, centre)][:10], "...")

# %% [markdown]
# ## Noise words: unigram^0.75
#
# Raising counts to the power 0.75 flattens the distribution: frequent words
# are drawn a little less than their share, rare words more.

# %%
vocab = Vocabulary.build(sentences, min_count=3)
unigram = vocab.noise_distribution(power=1.0)
noise = vocab.noise_distribution(power=0.75)
for i in [0, 1, 2, 100, 1000]:
    print(f"{vocab.words[i]:>12}: unigram {unigram[i]:.5f}  noise {noise[i]:.5f}  x{noise[i] / unigram[i]:.2f}")

# %% [markdown]
# ## The loss and its gradient, by hand
#
# For an input vector w, the observed word's output vector c0 and K noise
# vectors ck (s is the sigmoid):
#
#     loss = -log s(w . c0) - sum_k log s(-w . ck)
#     dloss/dw  = (s(w . c0) - 1) c0 + sum_k s(w . ck) ck
#     dloss/dc0 = (s(w . c0) - 1) w,    dloss/dck = s(w . ck) w
#
# Below, the same formulas in NumPy next to `sgns_loss_and_grads`, and a
# central finite difference for one coordinate.

# %%
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

# %% [markdown]
# ## One real update, traced
#
# `fit(trace=True)` records two examples of the first minibatch (for
# skip-gram, the first pair of each of two centres):
# the words, the noise words drawn, the loss, the gradients written in the
# code, and finite-difference gradients. At the start W is small random and
# C is zero, so every score is 0 and the loss is (1 + K) log 2 per example.

# %%
traced = Word2Vec(sg=1, vector_size=50, min_count=3, epochs=1, seed=0).fit(sentences, trace=True)
trace = traced.trace
print("input words:", trace["inputs"], " predicted:", trace["targets"])
print("noise words:", trace["noise"])
print(f"loss {trace['loss']:.4f} (2 examples x 6 log 2 = {12 * np.log(2):.4f}), learning rate {trace['learning_rate']}")
for name, gradient in trace["gradients"].items():
    difference = np.abs(gradient - trace["finite_difference_gradients"][name]).max()
    print(f"d loss / d {name}: largest difference from finite differences {difference:.1e}")

# %% [markdown]
# ## One centre, several pairs
#
# In skip-gram every pair of one centre predicts the same word, so all of
# them pull on one output row, C[centre]. The C tool moves that row after
# each pair, so a later pair meets a row that already scores its context
# higher, and pulls less. A minibatch scores all of a centre's pairs against
# the starting row, so every pair pulls as hard as the first, and the row
# moves further. That is minembed's default (skip-gram still scores within
# gensim's spread; fastText's analogies come out a little above it, see
# experiments/RESULTS.md); `Word2Vec(c_tool_order=True)` walks the row as the C
# tool does (`minembed.predicting.walk`), every centre of the minibatch in
# step. Below, one centre with four context words whose input vectors happen
# to be equal, learning rate 1.

# %%
from minembed.predicting.walk import walk_observed_rows

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

# %% [markdown]
# ## The algorithm, then the same algorithm fast
#
# `train_plain` is word2vec as the paper states it: for each centre word in
# corpus order, one SGD step per (context, centre) pair, each step
# `sgns_loss_and_grads` and then the update of the rows it touched. It is a
# Python loop over every pair, so we run it on the small planted corpus of
# the tests (`planted_analogy_corpus`), whose analogies we know.
#
# `Word2Vec` is the same algorithm in minibatches: a thousand centres scored
# at once from the same vectors, their updates summed into the rows. With a
# minibatch of one centre and no shuffling it draws the same random numbers
# as the plain loop; on two-word sentences (one pair per centre) it then
# trains the very same bytes, which is what the tests check.

# %%
import time

from minembed.data.synthetic import planted_analogy_corpus

planted = planted_analogy_corpus(n_sentences=1000, seed=0)
small = dict(vector_size=20, window=3, negative=5, sample=0, min_count=1, epochs=5, seed=0)
planted_vocab = Vocabulary.build(planted.sentences, min_count=1)
planted_corpus = Corpus.from_sentences(planted.sentences, planted_vocab)

started = time.perf_counter()
W_plain, C_plain, plain_losses = train_plain(planted_corpus, planted_vocab, Word2VecConfig(**small))
plain_seconds = time.perf_counter() - started
started = time.perf_counter()
fast = Word2Vec(**small).fit_corpus(planted_corpus, planted_vocab)
fast_seconds = time.perf_counter() - started
print(f"plain loop: {plain_seconds:.1f} s, losses {np.round(plain_losses, 3)}")
print(f"minibatches: {fast_seconds:.2f} s, losses {np.round(fast.losses, 3)}")

from minembed.vectors import Vectors

for name, vectors in [("plain", Vectors(planted_vocab.words, W_plain)), ("minibatch", fast.wv)]:
    hits = sum(vectors.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] == d
               for a, b, c, d in planted.analogies)
    print(f"{name:>9}: {hits} of {len(planted.analogies)} planted analogies answered first")

# %% [markdown]
# ## Training skip-gram and CBOW
#
# Small settings: 50 dimensions, words seen at least 3 times, 10 epochs over
# about 58,000 tokens. The loss is the mean per example, one value per epoch.

# %%
import warnings

from minembed.training.lifecycle import CollapsedVectors, mean_pair_cosine

settings = dict(vector_size=50, window=5, negative=5, sample=1e-3, min_count=3, epochs=10)
skipgram = Word2Vec(sg=1, seed=0, **settings).fit(sentences)
with warnings.catch_warnings(record=True) as caught:  # shown below instead of on stderr
    warnings.simplefilter("always", CollapsedVectors)
    cbow = Word2Vec(sg=0, seed=0, **settings).fit(sentences)
print(f"{len(skipgram.vocab):,} words; skip-gram {skipgram.words_per_second:,.0f} words/s, "
      f"CBOW {cbow.words_per_second:,.0f} words/s")
for warning in caught:
    print("minembed warned:", warning.message)
print(f"mean cosine of random word pairs: skip-gram {mean_pair_cosine(skipgram.W):.2f}, "
      f"CBOW {mean_pair_cosine(cbow.W):.2f}")
figures.loss_curves({"skip-gram": skipgram.losses, "CBOW": cbow.losses})

# %% [markdown]
# CBOW averages its context before predicting, so each word's input vector gets
# a share of every update, and on 58,000 tokens ten epochs leave the vectors
# pointing nearly one way: the mean cosine between random words is close to 1,
# and every neighbour list below scores about the same. minembed checks this
# after training and warns (`CollapsedVectors`), as it did above. Skip-gram,
# with one update per (word, context) pair, separates the words sooner. gensim's
# CBOW at the same settings collapses in the same way (measured when this was
# written: mean cosine 0.97 for seeds 0 and 1, and 0.36 after 40 epochs), so the
# comparison below still holds the two to the same standard.

# %%
for word in ["government", "fire", "cricket", "israeli"]:
    print(f"{word:>10}  skip-gram: {[w for w, _ in skipgram.wv.most_similar(word, topn=5)]}")
    print(f"{'':>10}  CBOW:      {[w for w, _ in cbow.wv.most_similar(word, topn=5)]}")

# %% [markdown]
# ## Compare with gensim
#
# gensim's `Word2Vec` on the same sentences and settings (one worker) builds
# the same vocabulary with the same counts. Random draws differ, so the
# vectors differ; what should agree is what they say. Measure it as the
# overlap of the 10 nearest neighbours of 100 mid-frequency words, and set
# it beside the overlap between two gensim runs that differ only in the seed.
# minembed's skip-gram and CBOW must agree with gensim's at least 70 % as well
# as gensim agrees with itself.

# %%
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
