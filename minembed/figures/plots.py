"""The figures a learner wants of an embedding, in matplotlib.

    word_scatter        words as labelled points after PCA or t-SNE (minembed.figures.projection)
    similarity_heatmap  the cosine similarity of every pair in a word list
    loss_curves         training loss per epoch, one line per run
    analogy_arrows      man -> woman beside king -> queen: parallel offsets in a PCA plane
    demo_figures        all four into a folder (what ``minembed demo --out DIR`` writes)

Each function takes a :class:`~minembed.vectors.Vectors` (or plain arrays),
returns the ``matplotlib.figure.Figure`` and, given ``path=``, also saves it
there atomically (a temporary file renamed into place, so a failed save never
leaves half a PNG). Figures are built with ``Figure()`` rather than pyplot, so
no window opens, nothing accumulates in pyplot's global state, and any backend
(Agg included) works. In a notebook a returned Figure displays itself.

Each figure says what it shows (minembed.figures.labels): ``model=`` and
``corpus=`` name the vectors in the title under what is drawn ("PCA of 33
words in 5 groups" / "skip-gram, trained on the Wikipedia sample"); a caption
under the axes says how to read it where a learner would misread it (t-SNE's
distances, PCA's lost variance, a heatmap that is red all over, an analogy
that the arrows seem to answer); word labels are moved apart by adjustText.
``title=`` replaces the first line, ``caption=`` the caption ("" for none).

Words missing from the table raise KeyError naming close known words, or with
``missing="skip"`` are dropped and listed in the figure's title.

But: no interactive plots, no 3-D; label placement handles a few dozen words,
not thousands (and without adjustText labels sit at a fixed offset).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from minembed.vectors.formats import atomic_open
from minembed.figures.labels import add_caption, analogy_reading, headline, heatmap_reading, place_labels
from minembed.figures.projection import TSNEConfig, fit_pca, tsne
from minembed.vectors.topk import cosine_scores
from minembed.vectors import Vectors

__all__ = [
    "HEATMAP_WORDS", "ANALOGY_PAIRS", "WORD_GROUPS", "save_figure", "word_scatter",
    "similarity_heatmap", "loss_curves", "analogy_arrows", "demo_figures",
]

HEATMAP_WORDS = (
    "dog", "cat", "apple", "orange", "car", "bicycle", "university", "school", "happy", "sad",
    "king", "queen", "man", "woman", "city", "village", "computer", "phone", "music", "art",
)
ANALOGY_PAIRS = (("man", "woman"), ("king", "queen"))
WORD_GROUPS = {  # themes a small corpus still covers, for the demo's scatter plot
    "animals": ["dog", "cat", "horse", "cow", "bird", "fish", "lion"],
    "countries": ["france", "germany", "italy", "spain", "china", "japan", "india"],
    "numbers": ["one", "two", "three", "four", "five", "six", "seven"],
    "family": ["father", "mother", "brother", "sister", "son", "daughter", "wife"],
    "colours": ["red", "green", "blue", "yellow", "black", "white", "brown"],
}
Missing = Literal["error", "skip"]


def save_figure(figure: Figure, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Write ``figure`` to ``path`` atomically; the format comes from the suffix (.png, .pdf, .svg)."""
    path = Path(path)
    file_format = path.suffix.lstrip(".").lower()
    if file_format not in figure.canvas.get_supported_filetypes():
        raise ValueError(
            f"cannot tell the image format of {str(path)!r}: end the name in .png, .pdf or .svg."
        )
    try:
        with atomic_open(path) as file:
            figure.savefig(file, format=file_format, dpi=dpi, bbox_inches="tight")
    except PermissionError:
        raise PermissionError(
            f"cannot write {path}: no permission to create files in {path.parent.resolve()}; "
            "choose a folder you can write to."
        ) from None
    return path


def _rows(
    vectors: Vectors | np.ndarray, words: Sequence[str] | None, missing: Missing
) -> tuple[list[str], np.ndarray, list[str]]:
    """(words kept, their vectors (n, D) float32, words dropped as unknown)."""
    if missing not in ("error", "skip"):
        raise ValueError(f"missing must be 'error' or 'skip', got {missing!r}.")
    if isinstance(vectors, Vectors):
        words = list(vectors.words[:50] if words is None else words)
        dropped = [w for w in words if w not in vectors] if missing == "skip" else []
        kept = [w for w in words if w not in dropped]
        matrix = vectors[kept] if kept else np.empty((0, vectors.vector_size), np.float32)  # (n, D)
    else:
        matrix = np.asarray(vectors, dtype=np.float32)  # (n, D) float32
        if matrix.ndim != 2:
            raise ValueError(f"vectors must be a Vectors table or an (n, D) array, got shape {matrix.shape}.")
        kept = list(words) if words is not None else [str(i) for i in range(len(matrix))]
        dropped = []
        if len(kept) != len(matrix):
            raise ValueError(f"{len(kept)} words label {len(matrix)} rows; give one word per row.")
    if not kept:
        raise ValueError(
            "no words to draw: the word list is empty"
            + (f" after dropping the unknown words {dropped}." if dropped else ".")
        )
    return kept, matrix, dropped


def _finish(figure: Figure, path: str | os.PathLike | None) -> Figure:
    if path is not None:
        save_figure(figure, path)
    return figure


def word_scatter(
    vectors: Vectors | np.ndarray,
    words: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    *,
    method: Literal["pca", "tsne", "none"] = "pca",
    tsne_config: TSNEConfig | None = None,
    missing: Missing = "error",
    title: str | None = None, model: str | None = None, corpus: str | None = None, caption: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """Words as labelled points in 2-D.

    vectors  a Vectors table (``words`` picks the rows; default its first 50
             words) or an (n, D) array whose rows ``words`` labels.
    words    a list, or {group name: words}, coloured by group with a legend.
    method   "pca" (the first two principal components, axes labelled with their
             share of the variance), "tsne" (minembed.figures.projection.tsne on cosine
             distance; perplexity min(30, (n - 1) / 3) unless ``tsne_config``
             says otherwise) or "none" (the rows are already 2-D points).
    model, corpus  name the vectors in the title, e.g. "skip-gram", "the Wikipedia sample".
    caption  under the axes; by default, for PCA the share of the variance the
             plane keeps, for t-SNE what its distances do not mean.
    """
    if isinstance(words, Mapping):
        group_of = {word: group for group, members in words.items() for word in members}
        words = list(group_of)
    else:
        group_of = {}
    labels, matrix, dropped = _rows(vectors, words, missing)
    if method == "pca":
        pca = fit_pca(matrix, 2)
        points = pca.transform(matrix)  # (n, 2) float64
        axis_names = [f"PC{i + 1} ({100 * r:.0f}% of variance)" for i, r in enumerate(pca.explained_variance_ratio)]
        reading = (f"The plane keeps {100 * np.sum(pca.explained_variance_ratio):.0f}% of the variance of these "
                   f"{len(labels)} words in {matrix.shape[1]} dimensions: words close together here may still be "
                   "far apart in the full space.")
    elif method == "tsne":
        config = tsne_config or TSNEConfig(perplexity=min(30.0, max(1.0, (len(labels) - 1) / 3)), metric="cosine")
        points = tsne(matrix, config).embedding  # (n, 2) float64
        axis_names = ["t-SNE 1", "t-SNE 2"]
        reading = (f"t-SNE (perplexity {config.perplexity:g}) keeps each word's nearest neighbours, not distances: "
                   "the size of a cluster and the gaps between clusters mean little, and the axes have no units.")
    elif method == "none":
        if matrix.shape[1] != 2:
            raise ValueError(f"method='none' plots 2-D points as given; these have {matrix.shape[1]} columns.")
        points = matrix.astype(np.float64)
        axis_names = ["x", "y"]
        reading = None
    else:
        raise ValueError(f"method must be 'pca', 'tsne' or 'none', got {method!r}.")

    figure = Figure(figsize=(8.5, 6.5), layout="constrained")
    ax = figure.subplots()
    groups = list(dict.fromkeys(group_of[w] for w in labels)) if group_of else [None]
    for group in groups:
        members = [i for i, w in enumerate(labels) if group is None or group_of[w] == group]
        ax.scatter(points[members, 0], points[members, 1], s=18, label=group)
    if group_of:  # outside the axes, where no label can hide under it
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=9)
    ax.margins(0.08)
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    if method == "tsne":
        ax.set_xticks([])  # t-SNE coordinates carry no meaning
        ax.set_yticks([])
    shown_as = {"pca": "PCA of", "tsne": "t-SNE of", "none": "2-D points of"}[method]
    what = f"{shown_as} {len(labels)} words" + (f" in {len(groups)} groups" if group_of else "")
    ax.set_title(headline(title or what, model, corpus, dropped))
    add_caption(figure, reading if caption is None else caption)
    place_labels(ax, points, labels)  # last: placement needs the final size of the axes
    return _finish(figure, path)


def similarity_heatmap(
    vectors: Vectors | np.ndarray,
    words: Sequence[str] | None = HEATMAP_WORDS,
    *,
    annotate: bool | None = None,
    missing: Missing = "error",
    title: str | None = None, model: str | None = None, corpus: str | None = None, caption: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """Cosine similarity of every pair of ``words`` as an (n, n) colour grid on [-1, 1].

    The colour scale is fixed and diverging: white is cosine 0 (orthogonal),
    red +1, blue -1, whatever the values, so two heatmaps compare by eye. The
    cell values are the kernel's cosines (:func:`minembed.vectors.topk.cosine_scores`),
    so they equal ``Vectors.similarity``. ``annotate`` writes each value in its
    cell (default: only for at most 12 words, where the digits stay readable).
    The default caption says how to read the colours and gives the mean cosine
    (with what is left after subtracting the table's mean vector, when the
    cells are mostly red).
    """
    labels, matrix, dropped = _rows(vectors, words, missing)
    cosines = cosine_scores(matrix, matrix)  # (n, n) float32
    n = len(labels)
    size = max(4.0, 0.4 * n + 2.0)
    figure = Figure(figsize=(size + 1.2, size + 0.5), layout="constrained")  # + room for the caption
    ax = figure.subplots()
    image = ax.imshow(cosines, cmap="RdBu_r", vmin=-1.0, vmax=1.0)  # diverging around 0
    ax.set_xticks(range(n), labels, rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), labels)
    figure.colorbar(image, ax=ax, shrink=0.8, label="cosine similarity", ticks=[-1, -0.5, 0, 0.5, 1])
    if annotate if annotate is not None else n <= 12:
        for i in range(n):
            for j in range(n):
                colour = "white" if abs(cosines[i, j]) > 0.6 else "black"
                ax.text(j, i, f"{cosines[i, j]:.2f}", ha="center", va="center", fontsize=8, color=colour)
    ax.set_title(headline(title or f"cosine similarity of {n} words", model, corpus, dropped))
    add_caption(figure, heatmap_reading(vectors, matrix, cosines) if caption is None else caption)
    return _finish(figure, path)


def loss_curves(
    losses: Sequence[float] | Mapping[str, Sequence[float]],
    *,
    steps: Sequence[float] | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    log_y: bool = False,
    title: str | None = None, model: str | None = None, corpus: str | None = None, caption: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """Loss per epoch: one list, or {run name: list} for several lines.

    ``steps`` gives the x values (default 1, 2, ... for epochs), e.g. the
    iterations at which t-SNE logged its KL divergence.
    """
    runs = dict(losses) if isinstance(losses, Mapping) else {None: losses}
    if not runs or any(len(values) == 0 for values in runs.values()):
        raise ValueError("loss_curves needs at least one loss per run; got an empty list.")
    figure = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = figure.subplots()
    for name, values in runs.items():
        values = np.asarray(values, dtype=np.float64)  # (epochs,)
        if values.ndim != 1 or not np.isfinite(values).all():
            raise ValueError(f"losses of run {name!r} must be a flat list of finite numbers (did training diverge?).")
        x = np.arange(1, len(values) + 1) if steps is None else np.asarray(steps, dtype=np.float64)
        if len(x) != len(values):
            raise ValueError(f"{len(x)} steps for {len(values)} losses of run {name!r}; give one step per loss.")
        ax.plot(x, values, marker="o" if len(values) <= 30 else None, label=name)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    if log_y:
        ax.set_yscale("log")
    if len(runs) > 1:
        ax.legend()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.set_title(headline(title or "training loss", model, corpus))
    add_caption(figure, caption)
    return _finish(figure, path)


def analogy_arrows(
    vectors: Vectors,
    pairs: Sequence[tuple[str, str]] = ANALOGY_PAIRS,
    *,
    show_sum: bool = True,
    title: str | None = None, model: str | None = None, corpus: str | None = None, caption: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """An arrow a -> b for each pair, in the PCA plane of the pairs' words.

    If the offsets b - a agree (woman - man ~ queen - king), the arrows are
    parallel and of equal length. ``show_sum`` also marks where
    b1 - a1 + a2 lands (king - man + woman, 3CosAdd's query before the
    nearest-word search) with an x, and the default caption names the word
    3CosAdd answers in the full space (``Vectors.most_similar``), since an x
    near queen in this plane does not mean queen is the answer, nor the reverse.
    """
    if not pairs:
        raise ValueError("give at least one (from, to) pair of words, e.g. [('man', 'woman')].")
    words = list(dict.fromkeys(w for pair in pairs for w in pair))
    labels, matrix, _ = _rows(vectors, words, "error")
    if len(labels) < 2:
        raise ValueError("the pairs name only one distinct word; an arrow needs two.")
    pca = fit_pca(matrix, 2)
    where = dict(zip(labels, pca.transform(matrix)))  # word -> (2,) point

    figure = Figure(figsize=(8.0, 5.5), layout="constrained")
    ax = figure.subplots()
    points = np.array(list(where.values()))  # (n, 2)
    ax.scatter(points[:, 0], points[:, 1], s=20, color="black")
    for colour, (start, end) in zip(["C0", "C1", "C2", "C3", "C4", "C5"] * len(pairs), pairs):
        ax.add_patch(FancyArrowPatch(where[start], where[end], arrowstyle="-|>", mutation_scale=15,
                                     color=colour, linewidth=1.5, shrinkA=4, shrinkB=4))
    marker = np.empty((0, 2))  # (0 or 1, 2): the x, which labels should not cover
    reading = None
    if show_sum and len(pairs) >= 2:
        (a1, b1), (a2, _) = pairs[0], pairs[1]
        query = vectors[b1] - vectors[a1] + vectors[a2]  # (D,) float32
        marker = pca.transform(query[None, :])  # (1, 2)
        ax.scatter(marker[:, 0], marker[:, 1], marker="x", s=60, color="C3", label=f"{a2} - {a1} + {b1}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=9)
        reading = analogy_reading(vectors, pairs, len(labels))
    ax.margins(0.2)
    ax.set_aspect("equal", adjustable="datalim")  # equal scales, or parallel arrows look bent
    ax.set_xlabel(f"PC1 ({100 * pca.explained_variance_ratio[0]:.0f}%)")
    ax.set_ylabel(f"PC2 ({100 * pca.explained_variance_ratio[1]:.0f}%)")
    ax.set_title(headline(title or ", ".join(f"{a} -> {b}" for a, b in pairs), model, corpus))
    add_caption(figure, reading if caption is None else caption)
    place_labels(ax, points, list(where), fontsize=11, avoid=marker)  # last: needs the final axes
    return _finish(figure, path)


def demo_figures(
    vectors: Vectors,
    folder: str | os.PathLike,
    losses: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    *,
    model: str | None = None,
    corpus: str | None = None,
    loss_name: str = "loss",
    words: Sequence[str] | None = None,
) -> dict[str, Path]:
    """Write the four figures as PNG files into ``folder`` (created if missing).

    pca.png (WORD_GROUPS, or the 40 most frequent words if the table knows
    fewer than 5 of them), heatmap.png (HEATMAP_WORDS), analogy.png
    (ANALOGY_PAIRS, those fully known) and loss.png. Words the table lacks
    are skipped and named in each title, so this works on a small trained
    model as well as on pretrained GloVe. ``model`` and ``corpus`` name the
    vectors in every title (e.g. "skip-gram, 100 dimensions, 5 epochs" and
    "the Wikipedia sample, 453k tokens"; without ``model`` the titles give the
    table's size); ``loss_name`` labels the loss axis. ``words`` replaces the
    preset groups in the scatter and the heatmap with the caller's own words
    (each must be in the table).
    Returns {figure name: path}; the loss curve only when ``losses`` is given.
    """
    if words is not None:  # checked before the folder is made
        words = list(words)
        if len(words) < 2:
            raise ValueError(f"give at least two words to plot, got {words}")
        for word in words:
            vectors.get_index(word)  # an unknown word: KeyError naming it and the closest known ones
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise type(error)(
            f"cannot create the output folder {folder}: {error.strerror or error}; choose another folder."
        ) from None
    if model is None:  # still tell two tables apart (the demo draws skip-gram's and GloVe's side by side)
        model = f"{len(vectors):,} words x {vectors.vector_size} dimensions"
    named = dict(model=model, corpus=corpus)
    written = {}
    known = sum(w in vectors for group in WORD_GROUPS.values() for w in group)
    if words is not None:
        figure = word_scatter(vectors, words, method="pca", **named)
    elif known >= 5:
        figure = word_scatter(vectors, WORD_GROUPS, method="pca", missing="skip", **named)
    else:  # a tiny vocabulary: show its most frequent words instead
        shown = vectors.words[:40]
        figure = word_scatter(vectors, shown, method="pca", title=f"PCA of the {len(shown)} most frequent words",
                              **named)
    written["pca"] = save_figure(figure, folder / "pca.png")
    heatmap_words = HEATMAP_WORDS if words is None else words
    written["heatmap"] = save_figure(similarity_heatmap(vectors, heatmap_words, missing="skip", **named),
                                     folder / "heatmap.png")
    pairs = [pair for pair in ANALOGY_PAIRS if all(w in vectors for w in pair)]
    if pairs:
        written["analogy"] = save_figure(analogy_arrows(vectors, pairs, **named), folder / "analogy.png")
    if losses is not None:
        written["loss"] = save_figure(loss_curves(losses, ylabel=loss_name, title="training loss per epoch", **named),
                                      folder / "loss.png")
    return written
