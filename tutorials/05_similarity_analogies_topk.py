# %% [markdown]
# # 5. Similarity, analogies and the top-k kernel
#
# Every question we ask an embedding (nearest words, analogies, search)
# reduces to one step: **score every row of the table by cosine similarity
# with a query vector and keep the k best.** This notebook builds that step
# in a few lines of NumPy on the pretrained GloVe 6B 50d vectors, then
# shows minembed's compiled kernel giving the same answers faster, and ends
# by checking `Vectors` against gensim's `KeyedVectors`, word for word.

# %%
import time

import numpy as np

from minembed.vectors import topk
from minembed.data.pretrained import glove_6b_50d

glove = glove_6b_50d(limit=100_000)  # the 100,000 most frequent words
glove


# %% [markdown]
# ## Cosine similarity
#
# cos(a, b) = a . b / (|a| |b|): the angle between the vectors, blind to
# their length (which mostly tracks word frequency).

# %%
def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

for first, second in [("cat", "dog"), ("cat", "car"), ("king", "queen"), ("king", "cabbage")]:
    print(f"{first:>5} {second:<8} by hand {cosine(glove[first], glove[second]):.4f}"
          f"   Vectors.similarity {glove.similarity(first, second):.4f}")

# %% [markdown]
# ## Nearest neighbours: the top-k of all cosines
#
# Normalise every row once, then one matrix-vector product scores the whole
# table. `argsort` ranks it; the query word itself (cosine 1) is dropped.

# %%
unit = glove.vectors / np.linalg.norm(glove.vectors, axis=1, keepdims=True)  # (V, 50)

def neighbours(word: str, k: int = 8) -> list[str]:
    scores = unit @ unit[glove.get_index(word)]  # (V,)
    best = np.argsort(-scores, kind="stable")[: k + 1]
    return [glove.words[i] for i in best if glove.words[i] != word][:k]

for word in ["frog", "computer", "paris"]:
    print(f"{word:>9}: {neighbours(word)}")
    assert neighbours(word) == [w for w, _ in glove.most_similar(word, topn=8)]


# %% [markdown]
# ## Analogies: king - man + woman
#
# Mikolov et al. (2013) noticed that offsets between vectors carry relations.
# **3CosAdd** looks for the word nearest to b - a + c (each input as a unit
# vector), excluding the three inputs. **3CosMul** (Levy & Goldberg 2014)
# multiplies shifted cosines instead of adding them, which stops one large
# similarity from dominating.

# %%
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

# %% [markdown]
# ## The kernel and its NumPy twin
#
# `minembed.vectors.topk.topk_cosine_numpy` is the definition in plain NumPy.
# `topk_cosine` gives the same answer through a compiled Cython kernel
# (`csrc/topk.pyx`) that scores the table in cache-sized tiles and keeps a
# running top-k per query, so it never builds the full (queries x V) score
# matrix. Both break ties by the lower row index.

# %%
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

# %% [markdown]
# ## Compare with gensim
#
# Load the same table into gensim's `KeyedVectors` and ask the same
# questions: the same neighbours in the same order, the same analogy
# answers, the same odd one out, with scores equal to float32 rounding.

# %%
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
