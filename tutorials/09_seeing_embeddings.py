# %% [markdown]
# # 9. Seeing embeddings: PCA, t-SNE, heatmaps
#
# Fifty dimensions do not fit on a page. Two projections are standard:
#
# * **PCA** keeps the directions of largest variance: linear, global, honest
#   about distances, good for offsets such as man -> woman.
# * **t-SNE** keeps each word's nearest neighbours: non-linear and local,
#   good at clusters, silent about the distances between them.
#
# Both are written in NumPy in `minembed.figures.projection`; the figures come from
# `minembed.figures.plots`. The notebook ends by checking both projections
# against scikit-learn.

# %%
# %matplotlib inline
import numpy as np

from minembed.figures import plots as figures
from minembed.figures.projection import TSNEConfig, calibrate_precisions, fit_pca, squared_distances, tsne
from minembed.data.pretrained import glove_6b_50d

glove = glove_6b_50d(limit=50_000)
source = dict(model="GloVe 6B 50d (pretrained)", corpus="Wikipedia 2014 + Gigaword 5, 6B tokens")  # for the titles
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

# %% [markdown]
# ## PCA in four lines
#
# Centre the rows, take the SVD `X - mean = U S Vt`; the rows of `Vt` are
# the principal directions, `S**2 / (N - 1)` the variance along each.

# %%
centred = X - X.mean(axis=0)
U, S, Vt = np.linalg.svd(centred, full_matrices=False)
by_hand = centred @ Vt[:2].T  # (72, 2)
variance_share = S**2 / np.sum(S**2)
print(f"the first two components keep {variance_share[:2].round(3)} of the variance")

model = fit_pca(X, 2)  # the same, with each component's sign fixed as scikit-learn fixes it
assert np.allclose(np.abs(model.transform(X)), np.abs(by_hand), atol=1e-4)
figures.word_scatter(glove, groups, method="pca", **source)

# %% [markdown]
# Each figure's caption says how to read it; here, that two components keep
# only about a third of the variance, so two words close on the page can be
# far apart in 50 dimensions. Labels that had to move away from a crowded
# point are joined to it by a thin line.
#
# PCA keeps offsets: the arrows man -> woman and king -> queen are nearly
# parallel and of similar length. The x marks king - man + woman, and the
# caption says which word 3CosAdd actually answers: the x is drawn in a plane
# fitted to four words, while the answer is found in all 50 dimensions.

# %%
figures.analogy_arrows(glove, [("man", "woman"), ("king", "queen")], **source)

# %% [markdown]
# ## A heatmap of cosine similarities
#
# Twenty words in pairs; the diagonal is 1, the dark 2 x 2 blocks are the
# pairs (dog/cat, car/bicycle, king/queen, ...). The colour scale is fixed:
# white is a cosine of 0, so a table of unrelated random vectors would be
# white off the diagonal. These frequent words are pale red nearly everywhere
# (the caption gives their mean cosine): compare the cells with each other,
# not with white. Word vectors trained with skip-gram go further: there all
# vectors share one direction and every cell is red (`minembed demo` shows it).

# %%
figures.similarity_heatmap(glove, **source)  # the default 20 words

# %% [markdown]
# ## t-SNE, step 1: a neighbourhood of the right size for every word
#
# Each word gets a Gaussian over the other words, p(j | i), whose width is
# chosen by bisection so that its *perplexity* (2 to the entropy: the
# effective number of neighbours) is the same for every word. Words in dense
# regions get narrow Gaussians, isolated words wide ones.

# %%
distances = squared_distances(X, metric="cosine")  # (72, 72) squared cosine distances
conditional, beta = calibrate_precisions(distances, perplexity=10.0)
entropy = -np.sum(conditional * np.log(np.where(conditional > 0, conditional, 1.0)), axis=1)
print("perplexity of each row, first five:", np.exp(entropy)[:5].round(4))
i = words.index("dog")
top = np.argsort(-conditional[i])[:6]
print("p(j | dog):", [(words[j], round(float(conditional[i, j]), 3)) for j in top])

# %% [markdown]
# ## t-SNE, step 2: move points in 2-D until their neighbourhoods match
#
# The 2-D map uses a heavy-tailed Student-t kernel, so moderately distant
# words can sit far apart without penalty. Gradient descent on KL(P || Q),
# with P exaggerated x12 for the first 250 steps so that clusters form
# early, then released. The KL is logged every 50 steps:

# %%
config = TSNEConfig(perplexity=10.0, metric="cosine")
result = tsne(X, config)
print(f"KL(P || Q) = {result.kl_divergence:.4f} after {result.n_iter} steps")
steps, kl = zip(*result.kl_history)
figures.loss_curves(list(kl), steps=list(steps), xlabel="gradient step (exaggeration ends at 250)",
                    ylabel="KL(P || Q)", title="t-SNE objective on 72 words", **source,
                    caption="Until step 250 the map is fitted to the exaggerated 12 P, so the KL to the real P "
                            "stays high; once the exaggeration ends the clusters spread out and it drops within 50 "
                            "steps. That drop is the switch, not a sudden leap of the descent.")

# %%
figures.word_scatter(glove, groups, method="tsne", tsne_config=config, **source)  # runs it again: the same map

# %% [markdown]
# Two rules of thumb for reading t-SNE maps: sizes of clusters and gaps
# between them mean little, and different perplexities (try 3 or 30) give
# different pictures of the same data.
#
# ## Compare with scikit-learn
#
# * `sklearn.decomposition.PCA` gives the same projection, sign included.
# * `sklearn.manifold.TSNE(method="exact")`, with the same perplexity and
#   metric, reaches a KL divergence within 10 % of ours, scored on the same
#   P, and both maps keep the groups together (the share of each word's 5
#   nearest map neighbours from its own group).

# %%
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
