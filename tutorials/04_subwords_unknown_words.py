# %% [markdown]
# # 4. Subwords: character n-grams and words never seen in training
#
# word2vec and GloVe learn one vector per vocabulary word; a word missing
# from the training text (a misspelling, a rare inflection, a new name) has
# none. fastText (Bojanowski et al. 2017) also gives every **character
# n-gram** a vector, and builds a word's vector from its pieces:
#
# 1. wrap the word in boundary markers, `<where>`, and cut it into all
#    character n-grams of length 3 to 6,
# 2. **hash** each n-gram into one of a fixed number of rows (buckets), so
#    the table does not grow with the number of distinct n-grams,
# 3. a word's input vector is the **mean** of its own row and its n-gram rows;
#    train it with word2vec's skip-gram, negative sampling,
# 4. an **unknown** word gets the mean of its n-gram rows.
#
# All of it is `minembed.predicting.subword`. The notebook ends by checking the
# n-grams and bucket ids against gensim's, and by training gensim's
# `FastText` on the same text with the same settings.

# %%
# %matplotlib inline
import numpy as np

from minembed.figures import plots as figures
from minembed.predicting.ngrams import fnv1a_hash, ngram_hashes, ngrams
from minembed.predicting.subword import FastText

# %% [markdown]
# ## Boundary markers and n-grams
#
# The brackets mark where a word starts and ends, so the prefix `<wh` and
# the suffix `re>` differ from the same letters inside a word: the n-gram
# `her` of *where* is not the word *her*, which is `<her>`. n-grams are
# listed as fastText lists them: by start position, then by length.

# %%
print(ngrams("where", 3, 3))
print(ngrams("her", 3, 6))
for max_n in (3, 4, 5, 6):
    print(f"where, 3..{max_n}: {len(ngrams('where', 3, max_n)):>2} n-grams")
print(ngrams("where", 3, 6))

# %% [markdown]
# ## Hashing n-grams into buckets
#
# There are far too many distinct n-grams to give each its own named row.
# fastText hashes each one (32-bit FNV-1a over its UTF-8 bytes) and keeps
# `hash % bucket`: 2,000,000 rows by default. Different n-grams may share a
# row (a collision); with enough buckets that is rare and harmless.
#
# One detail matters for non-ASCII text: fastText's C++ reads each byte as a
# *signed* char, so bytes from 0x80 up are sign-extended before the xor.
# `fnv1a_hash` does the same, or *naïve* would land in other rows than fastText's.

# %%
for gram in ["<wh", "whe", "her", "ere", "re>"]:
    h = fnv1a_hash(gram.encode("utf-8"))
    print(f"{gram:>4}: hash {h:>10}  bucket {h % 2_000_000:>7}")
print("naïve:", list(zip(ngrams("naïve", 3, 4), ngram_hashes("naïve", 3, 4, bucket=2_000_000))))
print("UTF-8 bytes of 'ï':", "ï".encode("utf-8"))

small = 1000  # a tiny table, to see collisions
grams = sorted({g for w in ["where", "here", "there", "whether", "sphere", "wheel"] for g in ngrams(w)})
rows = [fnv1a_hash(g.encode("utf-8")) % small for g in grams]
print(f"{len(grams)} distinct n-grams in {small} buckets use {len(set(rows))} rows")

# %% [markdown]
# ## Training on a small corpus
#
# Lee's corpus (300 news articles, 58,000 tokens), skip-gram with 5 noise
# words, 50 dimensions, 5 epochs, n-grams of 3 to 6 characters hashed into
# 100,000 buckets (fastText's 2,000,000 is meant for far more text).
# Training is minembed's word2vec loop; only the input vector changes.

# %%
from minembed.data.datasets import lee_background

sentences = lee_background()
settings = dict(vector_size=50, window=5, negative=5, sample=1e-3, min_count=5, epochs=5,
                min_n=3, max_n=6, bucket=100_000)
model = FastText(seed=0, **settings).fit(sentences)
wv = model.wv  # SubwordVectors
print(f"{len(model.vocab):,} words; {len(model.N):,} of the {settings['bucket']:,} bucket rows are used "
      f"by some vocabulary word (only those are kept); {model.words_per_second:,.0f} words/s")
figures.loss_curves(model.losses, title="fastText skip-gram on Lee's corpus")

# %% [markdown]
# ## A word's vector is the mean of its rows
#
# h_w = (W[w] + sum of the rows of its n-grams) / (1 + number of n-grams).
# `model.W` holds the words' own rows, `model.N` the n-gram rows that are in
# use, row r for bucket `model.buckets[r]`. Rebuild the vector of
# *government* by hand:

# %%
word = "government"
buckets = ngram_hashes(word, 3, 6, settings["bucket"])  # one bucket id per n-gram, repeats kept
rows = np.searchsorted(model.buckets, buckets)  # (n,) rows of model.N
by_hand = (model.W[model.vocab.index[word]] + model.N[rows].sum(axis=0)) / (1 + len(rows))  # (50,)
np.testing.assert_allclose(wv[word], by_hand, rtol=1e-5, atol=1e-7)
print(f"{word}: its own row and {len(rows)} n-gram rows, e.g. {ngrams(word)[:5]}")
print("nearest:", [(w, round(s, 3)) for w, s in wv.most_similar(word, topn=6)])

# %% [markdown]
# On so little text (58,000 tokens, 5 epochs) the n-gram rows dominate:
# *government*'s neighbours share its letters (*governor*, *-ment*) more
# than its meaning, and every cosine is near 0.99 (gensim's too, below).
#
# ## Words never seen in training
#
# An unknown word has no row of its own; its vector is the mean of the rows
# of its n-grams that training has seen (n-grams no vocabulary word had
# are skipped; fastText and gensim would add their untrained random rows).
# The neighbours show what n-grams capture: spelling and morphology (a
# plural, a misspelling, a shared suffix) more than meaning. *goverment*
# lands near other *-ment* words; *palestine* near *palestinians*.

# %%
unknown = ["firefighter", "soldier", "governments", "goverment", "refugee", "palestine"]
for word in unknown:
    assert word not in wv  # `in` means "in the vocabulary"
    grams = ngram_hashes(word, 3, 6, settings["bucket"])
    known = np.isin(grams, model.buckets)
    by_hand = model.N[np.searchsorted(model.buckets, np.array(grams)[known])].mean(axis=0)
    np.testing.assert_allclose(wv[word], by_hand, rtol=1e-5, atol=1e-7)
    print(f"{word:>12} ({known.sum():>2} of {len(grams)} n-grams known): "
          f"{[w for w, _ in wv.most_similar(word, topn=5)]}")

# %% [markdown]
# ## Compare with gensim
#
# * gensim's `compute_ngrams_bytes` and `ft_ngram_hashes` (its port of
#   fastText's n-grams and hashing) give the same n-grams in the same order
#   and the same bucket ids, for English and non-ASCII words alike
#   (`compute_ngrams`, the str version, lists the same n-grams by length first).
# * gensim's `FastText` on the same sentences with the same settings (one
#   worker) builds the same vocabulary with the same counts. Its random
#   draws differ, so the vectors differ; the unknown words' neighbours are
#   printed side by side. As for word2vec (notebook 3), agreement is measured as the
#   overlap of the 10 nearest neighbours of the 100 most frequent words, set
#   beside the overlap between two gensim runs that differ only in the seed.
#   Measured here: minembed (seeds 0-2) against gensim 0.40-0.44, gensim
#   seed 0 against seed 1 0.52; an untrained minembed model (learning rate
#   1e-7) scores 0.03 and shuffled vectors 0.01. So minembed must agree with
#   gensim at least 70 % as well as gensim agrees with itself: a model that
#   learned nothing fails, seed-to-seed noise passes.

# %%
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
