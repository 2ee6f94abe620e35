"""Tests for minembed.figures.projection (PCA, t-SNE) against scikit-learn and torch, and for minembed.figures.plots.

Tolerances, and why:
* PCA: 1e-10 on float64 data (both are one LAPACK SVD; signs fixed the same way).
* perplexity calibration: 1e-12 relative when both get the same float32-rounded
  distances (scikit-learn rounds them to float32; the bisection is then step
  for step the same), 1e-5 relative when minembed keeps float64 distances
  (both stop within 1e-5 nats of the target entropy).
* KL gradient: 1e-10 against torch autograd and scikit-learn (same float64
  sums in another order), 1e-6 relative against central finite differences.
* the optimiser: 1e-8 against scikit-learn's over a short schedule. Early
  t-SNE is chaotic (a 1e-16 difference grows ~10x per step while the map
  expands), so long runs are compared by their KL, not coordinate by coordinate.

scikit-learn and torch come with the `[compare]` extra, matplotlib with `[test]`,
the GloVe table with `[data]`: a test that needs one takes it as a fixture (see
conftest.py) and is skipped without it; the other PCA and t-SNE tests still run.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import squareform

from minembed.figures.projection import (
    TSNEConfig, calibrate_precisions, fit_pca, joint_probabilities, kl_divergence_and_gradient,
    squared_distances, tsne,
)
from minembed.vectors import Vectors


def clusters(n_per_cluster: int = 40, n_clusters: int = 3, dim: int = 10, seed: int = 0):
    """Gaussian blobs (unit spread) whose centres are 10 apart along a diagonal."""
    rng = np.random.default_rng(seed)
    points = np.concatenate([rng.normal(10.0 * c, 1.0, size=(n_per_cluster, dim)) for c in range(n_clusters)])
    labels = np.repeat(np.arange(n_clusters), n_per_cluster)
    return points, labels  # (N, dim) float64, (N,) int


def knn_purity(embedding: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Share of each point's k nearest neighbours (in the embedding) with its own label."""
    distances = squared_distances(embedding)
    np.fill_diagonal(distances, np.inf)
    neighbours = np.argsort(distances, axis=1)[:, :k]  # (N, k)
    return float(np.mean(labels[neighbours] == labels[:, None]))


# --------------------------------------------------------------------------- PCA

def test_pca_equals_sklearn_including_sign(sklearn):
    from sklearn.decomposition import PCA as SklearnPCA

    rng = np.random.default_rng(1)
    points = rng.normal(size=(200, 12)) * np.linspace(5, 0.5, 12) + rng.normal(size=12)  # (200, 12)
    ours = fit_pca(points, n_components=4)
    theirs = SklearnPCA(n_components=4, svd_solver="full").fit(points)
    assert_allclose(ours.components, theirs.components_, rtol=1e-10, atol=1e-10)
    assert_allclose(ours.explained_variance, theirs.explained_variance_, rtol=1e-10)
    assert_allclose(ours.explained_variance_ratio, theirs.explained_variance_ratio_, rtol=1e-10)
    assert_allclose(ours.transform(points), theirs.transform(points), rtol=1e-10, atol=1e-10)


def test_pca_on_glove_rows_matches_sklearn_float32_to_1e5(glove_6b_50d_package, sklearn):
    from sklearn.decomposition import PCA as SklearnPCA

    from minembed.data.pretrained import glove_6b_50d

    table = glove_6b_50d(limit=2000).vectors  # (2000, 50) float32
    ours = fit_pca(table, 2).transform(table)  # computed in float64
    # sklearn keeps float32 input in float32: agreement to float32 rounding of the SVD
    assert_allclose(ours, SklearnPCA(n_components=2, svd_solver="full").fit_transform(table), atol=1e-5)
    theirs64 = SklearnPCA(n_components=2, svd_solver="full").fit_transform(table.astype(np.float64))
    assert_allclose(ours, theirs64, atol=1e-10)


def test_pca_rejects_too_many_components():
    with pytest.raises(ValueError, match="n_components must be between 1 and min"):
        fit_pca(np.zeros((3, 5)), n_components=4)


# --------------------------------------------------------------------------- t-SNE: P

@pytest.mark.parametrize("perplexity", [2.0, 10.0, 30.0, 80.0])
def test_perplexity_calibration_equals_sklearn_binary_search(perplexity, sklearn):
    from sklearn.manifold import _utils

    points, _ = clusters()
    distances = squared_distances(points)  # (120, 120) float64
    reference = _utils._binary_search_perplexity(distances.astype(np.float32), perplexity, 0)
    # Same float32-rounded distances: the same bisection steps, to rounding.
    rounded, _ = calibrate_precisions(distances.astype(np.float32).astype(np.float64), perplexity)
    assert_allclose(rounded, reference, rtol=1e-12, atol=1e-15)
    # float64 distances: both stop within 1e-5 nats of the target entropy.
    ours, beta = calibrate_precisions(distances, perplexity)
    assert_allclose(ours, reference, rtol=1e-5, atol=1e-5 * reference.max())
    entropy = -np.sum(ours * np.log(np.where(ours > 0, ours, 1.0)), axis=1)  # (N,) nats
    assert_allclose(np.exp(entropy), perplexity, rtol=1.1e-5)
    assert_allclose(ours.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(np.diag(ours) == 0) and np.all(beta > 0)


def test_calibration_survives_distances_that_underflow_exp():
    # exp(-1 * 2000) is 0 in float64: scikit-learn falls back to a 1e-8 sum; the shift avoids it.
    points = np.array([[0.0], [45.0], [90.0], [135.0]])
    conditional, _ = calibrate_precisions(squared_distances(points), perplexity=1.5)
    assert np.isfinite(conditional).all()
    assert_allclose(conditional.sum(axis=1), 1.0)


def test_joint_probabilities_equal_sklearn(sklearn):
    from sklearn.manifold._t_sne import _joint_probabilities

    points, _ = clusters()
    distances = squared_distances(points).astype(np.float32).astype(np.float64)
    theirs = squareform(_joint_probabilities(distances, 30.0, 0))  # (N, N), zero diagonal
    assert_allclose(joint_probabilities(distances, 30.0), theirs, rtol=1e-12, atol=1e-18)


def test_cosine_metric_is_squared_cosine_distance_like_sklearn(sklearn):
    from sklearn.metrics import pairwise_distances

    points, _ = clusters(n_per_cluster=10)
    expected = pairwise_distances(points, metric="cosine") ** 2
    assert_allclose(squared_distances(points, "cosine"), expected, atol=1e-12)


def test_perplexity_must_be_below_the_number_of_points():
    with pytest.raises(ValueError, match="less than the number of points"):
        calibrate_precisions(np.zeros((5, 5)), perplexity=5)


# --------------------------------------------------------------------------- t-SNE: KL and gradient

def random_joint(n: int, rng: np.random.Generator) -> np.ndarray:
    joint = rng.random((n, n))
    joint = joint + joint.T
    np.fill_diagonal(joint, 0.0)
    return joint / joint.sum()  # (n, n) symmetric, sums to 1


def torch_kl(embedding: np.ndarray, joint: np.ndarray, dof: float):
    """KL(P || Q) written directly in torch, float64, for autograd (skips the calling test without torch)."""
    torch = pytest.importorskip("torch", reason="needs torch: pip install -e '.[compare]'")
    y = torch.tensor(embedding, dtype=torch.float64, requires_grad=True)
    p = torch.tensor(joint, dtype=torch.float64)
    distances = ((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)  # (n, n)
    heavy_tail = (1 + distances / dof) ** (-(dof + 1) / 2) * (1 - torch.eye(len(y), dtype=torch.float64))
    q = heavy_tail / heavy_tail.sum()
    mask = p > 0
    kl = (p[mask] * torch.log(p[mask] / q[mask])).sum()
    kl.backward()
    return kl.item(), y.grad.numpy()


@pytest.mark.parametrize("n_components, dof", [(2, 1.0), (3, 2.0)])
def test_kl_gradient_equals_torch_autograd_and_finite_differences(n_components, dof):
    rng = np.random.default_rng(3)
    embedding = rng.normal(size=(12, n_components))  # (12, k)
    joint = random_joint(12, rng)
    kl, gradient = kl_divergence_and_gradient(embedding, joint, dof)

    # finite differences first: they need no torch, so they run with the core install too
    step = 1e-6
    numeric = np.zeros_like(embedding)
    for index in np.ndindex(embedding.shape):
        plus, minus = embedding.copy(), embedding.copy()
        plus[index] += step
        minus[index] -= step
        numeric[index] = (kl_divergence_and_gradient(plus, joint, dof)[0]
                          - kl_divergence_and_gradient(minus, joint, dof)[0]) / (2 * step)
    assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-9)

    torch_value, torch_gradient = torch_kl(embedding, joint, dof)
    assert kl == pytest.approx(torch_value, rel=1e-12)
    assert_allclose(gradient, torch_gradient, rtol=1e-10, atol=1e-14)


def test_kl_and_gradient_equal_sklearn_in_2d(sklearn):
    from sklearn.manifold._t_sne import _kl_divergence

    rng = np.random.default_rng(4)
    embedding = rng.normal(size=(30, 2))
    joint = random_joint(30, rng)
    kl, gradient = kl_divergence_and_gradient(embedding, joint)
    their_kl, their_gradient = _kl_divergence(embedding.ravel(), squareform(joint, checks=False), 1, 30, 2)
    assert kl == pytest.approx(their_kl, rel=1e-12)
    assert_allclose(gradient.ravel(), their_gradient, rtol=1e-10, atol=1e-15)


# --------------------------------------------------------------------------- t-SNE: the optimiser

def test_optimiser_steps_equal_sklearn_including_the_stage_switch(sklearn):
    from sklearn.manifold import TSNE

    points, _ = clusters()
    n = len(points)
    rng = np.random.default_rng(5)
    start = 1e-4 * rng.standard_normal((n, 2))  # (N, 2)
    config = TSNEConfig(perplexity=30.0, exaggeration_iters=5, max_iter=15, check_every=5)
    ours = tsne(points, config, init=start)

    reference = TSNE(method="exact", perplexity=30.0, max_iter=15, init=start)
    reference._EXPLORATION_MAX_ITER = 5
    reference._N_ITER_CHECK = 5
    reference.learning_rate_ = max(n / 12.0 / 4.0, 50.0)
    theirs = reference._tsne(squareform(ours.joint, checks=False).copy(), 1, n, start.copy())
    assert ours.n_iter == 15
    assert_allclose(ours.embedding, theirs, rtol=1e-8, atol=1e-12 * np.abs(theirs).max())


@pytest.fixture(scope="module")
def cluster_embedding():
    points, labels = clusters(n_per_cluster=40, n_clusters=4, dim=20)
    config = TSNEConfig(perplexity=20.0, init="random")
    result = tsne(points, config, rng=np.random.default_rng(0))
    return points, labels, config, result


def test_tsne_separates_well_separated_clusters(cluster_embedding):
    points, labels, _, result = cluster_embedding
    assert knn_purity(result.embedding, labels) >= 0.95
    assert result.embedding.shape == (160, 2)
    # the KL fell from the first check to the last
    assert result.kl_history[-1][1] < result.kl_history[0][1]


def test_same_seed_same_embedding_other_seed_another(cluster_embedding):
    points, _, config, result = cluster_embedding
    again = tsne(points, config, rng=np.random.default_rng(0))
    assert again.embedding.tobytes() == result.embedding.tobytes()
    short = TSNEConfig(perplexity=20.0, init="random", max_iter=260)
    other = tsne(points, short, rng=np.random.default_rng(1))
    same_start = tsne(points, short, rng=np.random.default_rng(0))
    assert not np.allclose(other.embedding, same_start.embedding)


def test_tsne_kl_within_1_1x_of_sklearn_exact(sklearn):
    from sklearn.manifold import TSNE

    points, _ = clusters(n_per_cluster=30, n_clusters=3)
    ours = tsne(points, TSNEConfig(perplexity=20.0))
    theirs = TSNE(method="exact", perplexity=20.0, init="pca", random_state=0).fit_transform(points)
    their_kl, _ = kl_divergence_and_gradient(theirs, ours.joint)  # both scored on the same P
    assert ours.kl_divergence <= 1.1 * their_kl


def test_random_init_requires_a_generator():
    with pytest.raises(ValueError, match="default_rng"):
        tsne(np.eye(6), TSNEConfig(perplexity=2.0, init="random"))


# --------------------------------------------------------------------------- figures

WORDS = ["king", "queen", "man", "woman", "apple", "orange", "car", "bicycle"]


@pytest.fixture(scope="module")
def figures(matplotlib):
    """minembed.figures.plots, which imports matplotlib (drawing with Agg, set by the fixture)."""
    from minembed.figures import plots

    return plots


@pytest.fixture(scope="module")
def table() -> Vectors:
    """A small table with a planted gender offset: woman - man = queen - king exactly."""
    rng = np.random.default_rng(6)
    base = {w: rng.normal(size=16) for w in ["king", "man", "apple", "orange", "car", "bicycle"]}
    offset = rng.normal(size=16)
    base["queen"] = base["king"] + offset
    base["woman"] = base["man"] + offset
    return Vectors(WORDS, np.stack([base[w] for w in WORDS]))


def texts_of(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_heatmap_shows_the_cosine_matrix(figures, table, sklearn):
    from matplotlib.image import AxesImage
    from sklearn.metrics.pairwise import cosine_similarity

    figure = figures.similarity_heatmap(table, WORDS)
    ax = figure.axes[0]
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert len(images) == 1
    data = np.asarray(images[0].get_array())
    assert_allclose(data, cosine_similarity(table.vectors), atol=1e-6)
    assert data[0, 1] == pytest.approx(table.similarity("king", "queen"), abs=1e-7)
    assert [t.get_text() for t in ax.get_xticklabels()] == WORDS
    assert [t.get_text() for t in ax.get_yticklabels()] == WORDS
    assert len(ax.texts) == len(WORDS) ** 2  # 8 words: every cell annotated
    assert texts_of(ax)[1] == f"{data[0, 1]:.2f}"


def test_heatmap_default_is_the_twenty_words_and_skips_unknown_ones(figures, table):
    assert len(figures.HEATMAP_WORDS) == 20
    figure = figures.similarity_heatmap(table, missing="skip")
    ax = figure.axes[0]
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert shown == [w for w in figures.HEATMAP_WORDS if w in table]
    assert "dog" in ax.get_title() and "not in the vocabulary" in ax.get_title()
    with pytest.raises(KeyError, match="'dog' is not in the vocabulary"):
        figures.similarity_heatmap(table)


def test_scatter_labels_every_word_at_its_pca_point(figures, table):
    from matplotlib.collections import PathCollection

    figure = figures.word_scatter(table, {"royal": ["king", "queen"], "people": ["man", "woman"],
                                          "fruit": ["apple", "orange"]})
    ax = figure.axes[0]
    words = ["king", "queen", "man", "woman", "apple", "orange"]
    expected = fit_pca(table[words], 2).transform(table[words])
    assert texts_of(ax) == words
    assert_allclose([t.xy for t in ax.texts], expected, rtol=1e-6)
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 3  # one colour per group
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["royal", "people", "fruit"]
    assert ax.get_xlabel().startswith("PC1 (")


def test_scatter_of_arrays_with_tsne_and_as_given(figures, table):
    points, labels = clusters(n_per_cluster=8, n_clusters=2)
    names = [f"w{i}" for i in range(len(points))]
    figure = figures.word_scatter(points, names, method="tsne")
    assert texts_of(figure.axes[0]) == names
    flat = figures.word_scatter(np.array([[0.0, 1.0], [2.0, 3.0]]), ["a", "b"], method="none")
    assert_allclose([t.xy for t in flat.axes[0].texts], [[0, 1], [2, 3]])
    with pytest.raises(ValueError, match="give one word per row"):
        figures.word_scatter(points, names[:3])


def test_loss_curves_plot_the_given_losses(figures):
    figure = figures.loss_curves({"skip-gram": [3.0, 2.5, 2.25], "cbow": [3.5, 3.0, 2.0]})
    lines = figure.axes[0].get_lines()
    assert len(lines) == 2
    assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    assert_array_equal(lines[1].get_ydata(), [3.5, 3.0, 2.0])
    with pytest.raises(ValueError, match="diverge"):
        figures.loss_curves([1.0, float("nan")])


def test_analogy_arrows_join_the_pairs_in_the_pca_plane(figures, table):
    figure = figures.analogy_arrows(table)
    ax = figure.axes[0]
    words = ["man", "woman", "king", "queen"]
    where = dict(zip(words, fit_pca(table[words], 2).transform(table[words])))
    arrows = ax.patches
    assert len(arrows) == 2
    for arrow, (start, end) in zip(arrows, figures.ANALOGY_PAIRS):
        assert_allclose(arrow._posA_posB, [where[start], where[end]], atol=1e-6)
    # planted offset: the arrows are the same vector, and king - man + woman lands on queen
    first, second = (np.subtract(*a._posA_posB[::-1]) for a in arrows)
    assert_allclose(first, second, atol=1e-5)
    marker = [c for c in ax.collections if c.get_label() == "king - man + woman"][0]
    assert_allclose(marker.get_offsets()[0], where["queen"], atol=1e-5)
    assert texts_of(ax) == words


def test_save_is_atomic_and_errors_are_clear(figures, table, tmp_path):
    path = tmp_path / "heat.png"
    figures.similarity_heatmap(table, WORDS, path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["heat.png"]  # no temporary file left behind
    with pytest.raises(ValueError, match="end the name in .png"):
        figures.loss_curves([1.0], path=tmp_path / "loss.xyz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        figures.loss_curves([1.0], path=tmp_path / "no" / "loss.png")
    with pytest.raises(ValueError, match="empty"):
        figures.similarity_heatmap(table, [])


def test_demo_figures_writes_pngs(figures, table, tmp_path):
    written = figures.demo_figures(table, tmp_path / "out", losses=[2.0, 1.5])
    assert sorted(written) == ["analogy", "heatmap", "loss", "pca"]
    for path in written.values():
        assert path.read_bytes()[:4] == b"\x89PNG"
    (tmp_path / "a_file").write_text("")
    with pytest.raises(OSError, match="cannot create the output folder"):
        figures.demo_figures(table, tmp_path / "a_file" / "out")


# ------------------------------------------------------- what the figures say (minembed.figures.labels)

def caption_of(figure) -> str:
    """The caption under the axes (the figure's bottom label), with its line breaks joined."""
    return " ".join(" ".join(t.get_text() for t in figure.texts).split())


def test_titles_name_the_method_model_and_corpus(figures, table):
    named = dict(model="skip-gram", corpus="a toy corpus")
    points, _ = clusters(n_per_cluster=5, n_clusters=2)
    cases = {
        "PCA of 6 words in 3 groups": figures.word_scatter(
            table, {"royal": ["king", "queen"], "people": ["man", "woman"], "fruit": ["apple", "orange"]}, **named),
        "t-SNE of 10 words": figures.word_scatter(points, [f"w{i}" for i in range(10)], method="tsne", **named),
        "cosine similarity of 8 words": figures.similarity_heatmap(table, WORDS, **named),
        "training loss": figures.loss_curves([3.0, 2.0], **named),
        "man -> woman, king -> queen": figures.analogy_arrows(table, **named),
    }
    for what, figure in cases.items():
        assert figure.axes[0].get_title() == f"{what}\nskip-gram, trained on a toy corpus"
    # the old call forms still work, and say nothing about vectors they were not told of
    assert figures.word_scatter(table, WORDS).axes[0].get_title() == "PCA of 8 words"
    assert figures.word_scatter(table, WORDS, title="mine", model="GloVe").axes[0].get_title() == "mine\nGloVe"
    assert figures.loss_curves([1.0], corpus="Lee").axes[0].get_title() == "training loss\ntrained on Lee"


def test_demo_figures_pass_the_model_and_corpus_to_every_title(figures, table, tmp_path, monkeypatch):
    titles = {}

    def keep_title(figure, path):
        titles[path.stem] = figure.axes[0].get_title()
        return path

    monkeypatch.setattr(figures, "save_figure", keep_title)
    figures.demo_figures(table, tmp_path, losses=[2.0, 1.5], model="skip-gram", corpus="toy")
    assert sorted(titles) == ["analogy", "heatmap", "loss", "pca"]
    assert all("skip-gram, trained on toy" in title for title in titles.values()), titles
    titles.clear()
    figures.demo_figures(table, tmp_path)  # not told: the table's size tells two demos apart
    assert all(title.split("\n")[1] == "8 words x 16 dimensions" for title in titles.values()), titles


def test_default_captions_say_how_to_read_the_projection(figures, table):
    points, _ = clusters(n_per_cluster=5, n_clusters=2)
    pca = figures.word_scatter(table, WORDS)
    share = np.sum(fit_pca(table[WORDS], 2).explained_variance_ratio)
    assert caption_of(pca).startswith(f"The plane keeps {100 * share:.0f}% of the variance of these 8 words in 16")
    assert "not distances" in caption_of(figures.word_scatter(points, [f"w{i}" for i in range(10)], method="tsne"))
    assert caption_of(figures.word_scatter(table, WORDS, caption="")) == ""
    assert caption_of(figures.word_scatter(table, WORDS, caption="my words")) == "my words"


def test_analogy_caption_names_what_3cosadd_answers(figures, table):
    planted = caption_of(figures.analogy_arrows(table))
    assert planted.endswith("3CosAdd (the nearest word by cosine, inputs excluded) answers 'queen' "
                            f"({table.most_similar(positive=['woman', 'king'], negative=['man'], topn=1)[0][1]:.2f}).")
    # a pair that the offset does not predict: the caption names the real answer and the expected word's rank
    pairs = [("man", "woman"), ("apple", "orange")]
    answers = [w for w, _ in table.most_similar(positive=["woman", "apple"], negative=["man"], topn=len(table))]
    assert answers[0] != "orange"
    caption = caption_of(figures.analogy_arrows(table, pairs))
    assert f"answers {answers[0]!r}" in caption and f"'orange' is at rank {answers.index('orange') + 1}." in caption


def test_heatmap_colours_are_fixed_and_diverging_around_zero(figures, table):
    from matplotlib.image import AxesImage

    figure = figures.similarity_heatmap(table, WORDS)
    image = [a for a in figure.axes[0].get_children() if isinstance(a, AxesImage)][0]
    assert image.get_clim() == (-1.0, 1.0)  # the same scale whatever the values: heatmaps compare by eye
    assert image.get_cmap().name == "RdBu_r"
    white = np.asarray(image.get_cmap()(image.norm(0.0))[:3])
    assert_allclose(white, 1.0, atol=0.06)  # cosine 0 is (nearly) white
    colourbar = figure.axes[1]
    assert_allclose(colourbar.get_yticks(), [-1, -0.5, 0, 0.5, 1])


def shared_direction_table(shift: float, n_words: int = 400, dim: int = 20, seed: int = 3) -> Vectors:
    """Random vectors plus ``shift`` times one common unit direction (skip-gram's vectors look like this)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=dim)
    vectors = rng.normal(size=(n_words, dim)) + shift * np.sqrt(dim) * common / np.linalg.norm(common)
    return Vectors([f"w{i}" for i in range(n_words)], vectors)


def test_heatmap_caption_blames_a_shared_direction_only_when_it_is_there(figures):
    words = [f"w{i}" for i in range(12)]
    shared = shared_direction_table(shift=1.5)
    cosines = shared.vectors[:12] / np.linalg.norm(shared.vectors[:12], axis=1, keepdims=True)
    cosines = cosines @ cosines.T
    mean = (cosines.sum() - 12) / (12 * 11)
    centred = shared.vectors[:12] - shared.vectors.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    after = ((centred @ centred.T).sum() - 12) / (12 * 11)
    assert mean > 0.5 and abs(after) < 0.1  # the planted direction, measured independently of the caption
    caption = caption_of(figures.similarity_heatmap(shared, words))
    assert caption.startswith("Red: the two vectors point the same way (cosine 1)")
    assert (f"Mean cosine of these 66 pairs: {mean:.2f}. Most of it is one direction that all vectors share: "
            f"subtracting the mean of all 400 vectors leaves {after:.2f}.") in caption
    isotropic = caption_of(figures.similarity_heatmap(shared_direction_table(shift=0.0), words))
    assert "Mean cosine of these 66 pairs" in isotropic and "share" not in isotropic
    # only the shown words lean one way (as GloVe's frequent words do): stated, but not blamed on the mean
    isotropic_rows = shared_direction_table(shift=0.0).vectors.copy()  # (400, 20)
    isotropic_rows[:12] += 3.0  # the 12 shown words, and no others, get a common component
    local = Vectors([f"w{i}" for i in range(400)], isotropic_rows)
    caption = caption_of(figures.similarity_heatmap(local, words))
    assert "the table's mean direction does not explain it" in caption and "all vectors share" not in caption


# Non-overlapping labels: the text boxes of the drawn figure, measured with the Agg renderer.

def label_boxes(figure, dpi: float | None = None):
    """(text boxes of the axes' labels, the axes) in display pixels, after drawing at ``dpi``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(figure)
    if dpi is not None:
        figure.set_dpi(dpi)
    canvas.draw()
    ax = figure.axes[0]
    # Text's own extent: an Annotation's would include its leader line
    return [Text.get_window_extent(label, canvas.get_renderer()) for label in ax.texts], ax


def overlapping_pairs(boxes, words) -> list[tuple[str, str]]:
    return [(words[i], words[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].overlaps(boxes[j])]


def crowded_points(seed: int = 0):
    """30 words in 2-D: three tight clumps of 8 (as PCA draws the numbers two to seven) and 6 loners."""
    rng = np.random.default_rng(seed)
    clumps = [rng.normal(centre, 0.01, size=(8, 2)) for centre in ([0, 0], [1, 0.2], [0.4, 1])]
    points = np.vstack(clumps + [rng.uniform(-0.5, 1.5, size=(6, 2))])  # (30, 2)
    words = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "uncle", "father", "mother", "aunt",
             "brother", "sister", "cousin", "son", "red", "green", "blue", "yellow", "black", "white", "brown",
             "purple", "france", "germany", "italy", "spain", "china", "japan"]
    return points, words


@pytest.fixture(params=["adjustText", "without adjustText"])
def placement(request, monkeypatch):
    """Run a test with adjustText and again as if it were not installed (the repair step alone)."""
    if request.param == "adjustText":
        pytest.importorskip("adjustText", reason="needs adjustText: pip install -e '.[test]'")
    else:
        monkeypatch.setitem(sys.modules, "adjustText", None)  # import adjustText now raises ImportError
    return request.param


def test_scatter_labels_do_not_overlap_each_other_or_the_points(figures, placement):
    from matplotlib.figure import Figure

    from minembed.figures.labels import place_labels

    points, words = crowded_points()
    figure = figures.word_scatter(points, words, method="none")
    boxes, ax = label_boxes(figure)
    assert [t.get_text() for t in ax.texts] == words
    assert_allclose([t.xy for t in ax.texts], points)  # each label still points at its own point
    assert overlapping_pairs(boxes, words) == []
    dots = ax.transData.transform(points)  # (30, 2) pixels
    assert not any(box.contains(x, y) for box in boxes for x, y in dots)
    frame = ax.get_window_extent()
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    # the placement holds when saved at another resolution (demo PNGs are 150 dpi)
    assert overlapping_pairs(label_boxes(figure, dpi=150)[0], words) == []
    # and it was needed: at the old fixed offset the clumps' labels pile up
    plain = Figure(figsize=(8.5, 6.5), layout="constrained")
    plain_ax = plain.subplots()
    plain_ax.scatter(points[:, 0], points[:, 1])
    place_labels(plain_ax, points, words, spread=False)
    assert len(overlapping_pairs(label_boxes(plain)[0], words)) > 20


def test_analogy_labels_do_not_overlap(figures, table, placement):
    figure = figures.analogy_arrows(table, [("man", "woman"), ("king", "queen"), ("apple", "orange")])
    boxes, ax = label_boxes(figure)
    assert overlapping_pairs(boxes, texts_of(ax)) == []


def test_label_placement_is_deterministic(figures):
    points, words = crowded_points()
    first, second = (figures.word_scatter(points, words, method="none") for _ in range(2))
    assert_array_equal([t.get_position() for t in first.axes[0].texts],
                       [t.get_position() for t in second.axes[0].texts])
