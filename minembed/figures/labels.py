"""The words on a figure: a title that says what is shown, a caption that says how to read it,
and point labels that do not sit on top of each other.

    headline      the title: what is drawn and how (PCA, t-SNE, ...), then the model and its corpus
    add_caption   a short paragraph under the axes, for where a learner would misread the picture
    place_labels  one label per point, moved apart until no two overlap
    heatmap_reading, analogy_reading  the default captions of those two figures, computed
                  from the vectors so that they say only what the numbers show

Label placement has two steps. adjustText (Flyamer et al.,
https://github.com/Phlya/adjustText) first spreads the labels: they start up
and to the right of their points, are pushed away from each other and from
every point, and pulled back towards their own. It runs a fixed number of
iterations (not its default one-second time limit), so a figure comes out the
same on a fast or a slow machine, and it can stop with overlaps left in a
dense cluster. A check in display pixels then keeps every label that is clear
of the labels kept before it, of all points and of the axes' edge, and moves
each other label to the first free spot on rings around its point (the
candidate positions of map labelling). A label that ended up away from its
point gets a thin grey leader line.

But: adjustText comes with the `plot` extra; without it the second step
places every label (less tidy: longer leader lines). Placement is greedy: it
keeps a few dozen labels apart, not thousands, and a label with no free spot
within 80 points of its point takes the spot with the fewest collisions.
"""

from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from minembed.vectors import Vectors
from minembed.vectors.topk import cosine_scores

__all__ = ["headline", "add_caption", "place_labels", "heatmap_reading", "analogy_reading", "LABEL_ITERATIONS"]

LABEL_ITERATIONS = 100  # adjustText steps (its default is a 1 s time limit: machine-dependent); the repair
# pass after it removes what overlap is left, so more steps buy little and cost ~20 ms each for 72 labels
LEADER_AFTER = 7.0  # points: a label further than this from its point gets a leader line
FALLBACK_OFFSET = (3, 3)  # points up and right of the point, for spread=False
LABEL_PAD = 1.0  # points of clear space kept between two labels
POINT_RADIUS = 2.5  # points: half the side of the square a dot occupies (a scatter marker of s=18 is ~4.2 wide)
RING_GAPS = (1, 4, 8, 14, 22, 32, 45, 60, 80)  # points between a point and its label, ring by ring
DIRECTIONS = ((1, 1), (1, 0), (-1, 1), (1, -1), (0, 1), (0, -1), (-1, 0), (-1, -1))  # upper right first
ANSWERS_SEARCHED = 1000  # how deep the analogy caption looks for the expected word among 3CosAdd's answers


def headline(what: str, model: str | None = None, corpus: str | None = None,
             dropped: Sequence[str] = ()) -> str:
    """The figure's title: ``what`` is drawn, then which vectors, then the words left out.

    ('PCA of 5 words', 'skip-gram', 'Wikipedia sample') -> 'PCA of 5 words\\nskip-gram, trained on Wikipedia sample'
    """
    lines = [what]
    if model and corpus:
        lines.append(f"{model}, trained on {corpus}")
    elif model or corpus:
        lines.append(model or f"trained on {corpus}")
    if dropped:
        shown = ", ".join(dropped[:6]) + (", ..." if len(dropped) > 6 else "")
        lines.append(f"(not in the vocabulary: {shown})")
    return "\n".join(lines)


def add_caption(figure: Figure, text: str | None, fontsize: float = 9.0) -> None:
    """Write ``text`` under the axes (as the figure's bottom label, so the layout makes room).

    Each paragraph (separated by a newline) is wrapped to the figure's width.
    """
    if not text:
        return
    width = max(40, int(figure.get_figwidth() * 72 / (0.55 * fontsize)))  # characters: ~0.55 em each
    wrapped = "\n".join(textwrap.fill(paragraph, width) for paragraph in text.split("\n"))
    figure.supxlabel(wrapped, x=0.01, ha="left", multialignment="left", fontsize=fontsize, color="0.25")


def place_labels(ax: Axes, points: np.ndarray, words: Sequence[str], *, fontsize: float = 9.0,
                 avoid: np.ndarray | None = None, spread: bool = True) -> list[Annotation]:
    """Label each point (row of ``points``, data coordinates) with its word; returns the labels.

    Each label is an Annotation: ``label.xy`` is its point, ``label.get_position()``
    the centre of its text. Call this last, once the title, legend and caption are
    on the figure, since placement needs the final size of the axes. ``avoid``:
    further (m, 2) points that labels should not cover (e.g. a marker).

    Two steps. 1. adjustText (if installed) spreads the labels, starting up and to
    the right of their points. 2. A check in display pixels: a label that still
    overlaps an earlier label, covers a point or leaves the axes is moved to the
    first free spot on rings around its point (_free_spot). Without adjustText,
    step 2 places every label. ``spread=False`` skips both: fixed offsets, as
    before this module existed.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)  # (n, 2) float64, data coordinates
    if not spread:
        return [ax.annotate(word, point, xytext=FALLBACK_OFFSET, textcoords="offset points", fontsize=fontsize)
                for point, word in zip(points, words)]
    figure = ax.get_figure()
    if not hasattr(figure.canvas, "get_renderer"):  # a bare Figure(): give it a canvas that can measure text
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(figure)
    figure.draw_without_rendering()  # runs the layout: the axes now have their final size
    obstacles = points if avoid is None else np.vstack([points, np.asarray(avoid, dtype=np.float64).reshape(-1, 2)])
    centres, sizes = _spread_with_adjusttext(ax, points, obstacles, words, fontsize)  # (n, 2), (n, 2) pixels
    centres = _repair(ax, ax.transData.transform(points), ax.transData.transform(obstacles), centres, sizes)
    pixels_per_point = figure.dpi / 72.0
    labels = []
    for point, pixel, centre, size, word in zip(points, ax.transData.transform(points), centres, sizes, words):
        gap = np.maximum(np.abs(pixel - centre) - size / 2, 0.0)  # (2,) from the point to the label's box
        far = np.hypot(*gap) > LEADER_AFTER * pixels_per_point
        arrow = dict(arrowstyle="-", color="0.6", linewidth=0.6, shrinkA=1, shrinkB=2) if far else None
        labels.append(ax.annotate(word, point, xytext=ax.transData.inverted().transform(centre), textcoords="data",
                                  ha="center", va="center", fontsize=fontsize, arrowprops=arrow))
    return labels


def _spread_with_adjusttext(ax: Axes, points: np.ndarray, obstacles: np.ndarray, words: Sequence[str],
                            fontsize: float) -> tuple[np.ndarray, np.ndarray]:
    """(label centres (n, 2), label sizes (n, 2)), both in display pixels, after adjustText if installed."""
    renderer = ax.get_figure().canvas.get_renderer()
    texts = [ax.text(x, y, word, fontsize=fontsize) for (x, y), word in zip(points, words)]  # left, baseline
    try:
        import adjustText

        major = int(adjustText.__version__.split(".")[0])
        adjust_text = adjustText.adjust_text if major >= 1 else None  # 0.x has no iter_lim: the repair step alone
    except ImportError:
        adjust_text = None
    if adjust_text is not None:
        adjust_text(texts, x=obstacles[:, 0], y=obstacles[:, 1], ax=ax, iter_lim=LABEL_ITERATIONS,
                    ensure_inside_axes=True)
    boxes = [text.get_window_extent(renderer) for text in texts]
    for text in texts:
        text.remove()
    centres = np.array([[(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2] for b in boxes])  # (n, 2) pixels
    sizes = np.array([[b.width, b.height] for b in boxes])  # (n, 2) pixels
    return centres, sizes


def _boxes(centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(n, 4) rows x0, y0, x1, y1 from centres and sizes (n, 2)."""
    return np.hstack([centres - sizes / 2, centres + sizes / 2])


def _hits(box: np.ndarray, boxes: np.ndarray, pad: float) -> np.ndarray:
    """(m,) bool: which of ``boxes`` (m, 4) come within ``pad`` pixels of ``box`` (4,)."""
    wide = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]) > -pad
    tall = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]) > -pad
    return wide & tall


def _repair(ax: Axes, pixels: np.ndarray, obstacle_pixels: np.ndarray, centres: np.ndarray,
            sizes: np.ndarray) -> np.ndarray:
    """Keep each label that is clear of the labels kept before it, of every point and of the axes' edge;
    move the others to a free spot. Returns the (n, 2) label centres in pixels."""
    to_pixels = ax.get_figure().dpi / 72.0
    pad, radius = LABEL_PAD * to_pixels, POINT_RADIUS * to_pixels
    frame = ax.get_window_extent()
    dots = np.hstack([obstacle_pixels - radius, obstacle_pixels + radius])  # (m, 4) a square per point
    kept = np.zeros(len(centres), dtype=bool)
    centres = centres.copy()
    for stage in ("keep", "move"):
        for i in range(len(centres)):
            if kept[i]:
                continue
            others = _boxes(centres[kept], sizes[kept])  # (k, 4) labels already settled
            if stage == "keep":
                box = _boxes(centres[i:i + 1], sizes[i:i + 1])[0]
                inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1
                if inside and not _hits(box, others, pad).any() and not _hits(box, dots, 0.0).any():
                    kept[i] = True
            else:
                centres[i] = _free_spot(pixels[i], sizes[i], others, dots, frame, pad, to_pixels)
                kept[i] = True
    return centres


def _free_spot(pixel: np.ndarray, size: np.ndarray, others: np.ndarray, dots: np.ndarray, frame,
               pad: float, to_pixels: float) -> np.ndarray:
    """The first label centre, ring by ring around ``pixel``, clear of ``others``, ``dots`` and the frame;
    failing that, the spot with the fewest collisions. Like a cartographer's candidate positions
    (upper right first), with rings further out for crowded points."""
    best, fewest = None, np.inf
    for gap in RING_GAPS:
        for dx, dy in DIRECTIONS:
            centre = pixel + np.array([dx, dy]) * (size / 2 + gap * to_pixels)  # (2,) pixels
            box = _boxes(centre[None], size[None])[0]
            if box[0] < frame.x0 or box[2] > frame.x1 or box[1] < frame.y0 or box[3] > frame.y1:
                continue
            collisions = _hits(box, others, pad).sum() + _hits(box, dots, 0.0).sum()
            if collisions == 0:
                return centre
            if collisions < fewest:
                best, fewest = centre, collisions
    return best if best is not None else pixel + size / 2


def heatmap_reading(vectors: Vectors | np.ndarray, matrix: np.ndarray, cosines: np.ndarray) -> str:
    """How to read the colours, and, if the cells are mostly red, whether a shared direction explains it.

    Word vectors trained by skip-gram share one direction (their mean is ~80% as long as a
    typical vector on the Wikipedia sample), so every cosine starts out positive; subtracting
    the table's mean vector removes that (the mean cosine of the 17 default words falls from
    0.51 to 0.04). The sentence is written only when the numbers show it for these vectors.
    """
    guide = ("Red: the two vectors point the same way (cosine 1); white: at right angles (0); "
             "blue: opposite (-1). The diagonal is each word with itself.")
    n = len(cosines)
    if n < 2:
        return guide
    off_diagonal = ~np.eye(n, dtype=bool)  # (n, n)
    mean = float(cosines[off_diagonal].mean())
    line = f"Mean cosine of these {n * (n - 1) // 2} pairs: {mean:.2f}."
    # The table's mean is only an outside reference when the table is much larger than the
    # words shown: the mean of the shown words alone would push their cosines negative.
    if mean >= 0.2 and isinstance(vectors, Vectors) and len(vectors) > 10 * n:
        centre = vectors.vectors.mean(axis=0, dtype=np.float64).astype(np.float32)  # (D,) float32
        after = float(cosine_scores(matrix - centre, matrix - centre)[off_diagonal].mean())
        if after <= mean / 3:
            line = (f"Mean cosine of these {n * (n - 1) // 2} pairs: {mean:.2f}. Most of it is one direction that "
                    f"all vectors share: subtracting the mean of all {len(vectors):,} vectors leaves {after:.2f}. "
                    "Compare cells with each other, not with white.")
        else:
            line += (f" After subtracting the mean of all {len(vectors):,} vectors it is {after:.2f}, so the table's "
                     "mean direction does not explain it: compare cells with each other rather than with white.")
    return f"{guide}\n{line}"


def analogy_reading(vectors: Vectors, pairs: Sequence[tuple[str, str]], n_words: int) -> str:
    """Where the x is, and what 3CosAdd answers in the full space: the picture alone can mislead both ways."""
    (a1, b1), (a2, expected) = pairs[0], pairs[1]
    answers = vectors.most_similar(positive=[b1, a2], negative=[a1], topn=min(ANSWERS_SEARCHED, len(vectors)))
    found = [word for word, _ in answers]
    text = (f"x: {a2} - {a1} + {b1}, drawn in the PCA plane of these {n_words} words only. In all "
            f"{vectors.vector_size} dimensions, 3CosAdd (the nearest word by cosine, inputs excluded) answers ")
    if not answers:
        return text + "nothing: the table has no other words."
    text += f"{found[0]!r} ({answers[0][1]:.2f})"
    if found[0] == expected:
        return text + "."
    if expected in found:
        return text + f"; {expected!r} is at rank {found.index(expected) + 1}."
    return text + f"; {expected!r} is not among its first {len(found):,} answers."
