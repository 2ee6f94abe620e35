# %% [markdown]
# # 1. Words as numbers: tokens, ids, one-hot codes, and why they fail
#
# A model cannot read text; it reads numbers. This notebook walks the first,
# obvious route from text to numbers and shows where it breaks:
#
# 1. clean the text and split it into **tokens** (`minembed.tokens.text`),
# 2. count them into a **vocabulary** that gives each word an id (`minembed.tokens.vocab`),
# 3. encode words as **ordinal** ids or **one-hot** vectors (`minembed.tokens.onehot`),
# 4. see why neither knows that *cat* is closer to *dog* than to *car*.
#
# It ends by checking the one-hot codes against scikit-learn's `OneHotEncoder`.

# %%
# %matplotlib inline
import numpy as np

from minembed.figures import plots as figures
from minembed.tokens.onehot import onehot_encode, onehot_vectors, ordinal_encode, pairwise_cosine
from minembed.tokens.text import DEFAULT_STEPS, clean, remove_stopwords, split_sentences
from minembed.tokens.vocab import Vocabulary

# %% [markdown]
# ## Text to tokens
#
# `clean` runs small steps in order: lowercase, drop URLs, @mentions and
# #hashtags, drop numbers, turn punctuation into spaces, split into words,
# drop short words and stopwords. Each step is a plain function you can leave out.

# %%
text = (
    "The cat sat on the mat. The dog sat on the log! "
    "A cat and a dog met near a car on the road: https://example.com #pets. "
    "My dog chased 3 cats past the car."
)
sentences = split_sentences(text)
print([step.__name__ for step in DEFAULT_STEPS])
for sentence in sentences:
    print(f"{sentence!r:60} -> {clean(sentence)}")

# %% [markdown]
# Stopword removal suits topic models; for embeddings we usually keep the
# small words, because they carry syntax ("the cat" vs "a cat"). Drop that step:

# %%
keep_stopwords = [step for step in DEFAULT_STEPS if step is not remove_stopwords]
tokenized = [clean(sentence, steps=keep_stopwords) for sentence in sentences]
tokenized

# %% [markdown]
# ## Tokens to ids: the vocabulary
#
# Ids are given by descending count (ties: first seen first), so id 0 is the
# most frequent word, as in word2vec and GloVe.

# %%
vocab = Vocabulary.build(tokenized)
print(vocab)
print(list(zip(vocab.words, vocab.counts.tolist())))
ids = vocab.encode(tokenized[0])
print(tokenized[0], "->", ids.tolist(), "->", vocab.decode(ids))

# %% [markdown]
# ## Ordinal codes: one number per word
#
# The id itself is an *ordinal code*. It is compact, but a model reading it
# as a number sees an order and distances that mean nothing: they are
# accidents of counting.

# %%
cat, dog, car = ordinal_encode(["cat", "dog", "car"], vocab)
print(f"cat={cat}  dog={dog}  car={car}")
print(f"|cat - dog| = {abs(cat - dog)},  |cat - car| = {abs(cat - car)}")

# %% [markdown]
# ## One-hot codes: one column per word
#
# Word *i* becomes row *i* of the identity matrix: a 1 in its own column,
# zeros elsewhere. No false order any more, but look at the similarities.

# %%
onehot = onehot_encode(["cat", "dog", "car"], vocab)  # (3, V) float32
print(onehot.astype(int))
print("cosine of every pair:")
print(pairwise_cosine(onehot))

# %% [markdown]
# **Failure 1: every pair of different words is orthogonal.** The cosine is 1
# for a word with itself and 0 for everything else, so the one-hot "neighbours"
# of *cat* are all tied at 0, listed in id order. The code knows nothing.

# %%
table = onehot_vectors(vocab)  # Vectors: the (V, V) identity
table.most_similar("cat", topn=5)

# %% [markdown]
# **Failure 2: the size.** The dimension is the vocabulary size. A realistic
# 400,000-word vocabulary needs 400,000 columns; the full table is
# 400,000 x 400,000 float32 = 640 GB (596 GiB). The sparse form stores only the ones,
# which helps storage but not meaning.

# %%
sparse = onehot_encode(vocab.words, vocab, sparse=True)
print(f"sparse: {sparse.nnz} stored ones in a {sparse.shape} matrix")
big = Vocabulary([f"w{i}" for i in range(400_000)], np.ones(400_000, dtype=np.int64))
try:
    onehot_vectors(big)
except ValueError as error:
    print(error)

# %% [markdown]
# ## One-hot is still how an embedding layer is defined
#
# Multiplying a one-hot row by a (V, D) matrix `W` just picks row `W[id]`.
# An embedding layer (`torch.nn.Embedding`, gensim's `wv`) is that lookup,
# done without building the one-hot vector. Learning a small dense `W`, D ~ 50
# to 300, is what the rest of the tutorials do.

# %%
rng = np.random.default_rng(0)
W = rng.normal(size=(len(vocab), 4)).astype(np.float32)  # (V, D) float32
ids = vocab.encode(["cat", "dog"])
assert np.array_equal(onehot_encode(["cat", "dog"], vocab) @ W, W[ids])
W[ids]

# %% [markdown]
# ## A preview: learned vectors know that cats are like dogs
#
# The same six words in the one-hot table and in pretrained GloVe vectors
# (Pennington et al. 2014, 50 dimensions, learned from 6 billion tokens):

# %%
words = ["cat", "dog", "car", "road", "mat", "log"]
figures.similarity_heatmap(table, words, title="one-hot: all pairs 0")

# %%
from minembed.data.pretrained import glove_6b_50d

glove = glove_6b_50d(limit=20_000)
figures.similarity_heatmap(glove, words, title="GloVe 6B 50d")

# %% [markdown]
# ## Compare with scikit-learn
#
# scikit-learn's `OrdinalEncoder` and `OneHotEncoder`, given our vocabulary
# as the category order, produce exactly the same codes (dense and sparse),
# and both treat unknown words alike with `handle_unknown="ignore"`: an all-zero row.

# %%
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
