"""The keyed-vectors table that every minembed model returns.

One-hot codes, PPMI + SVD, GloVe, skip-gram, CBOW and a pretrained table all
end up here, as a list of words and a (V, D) float32 matrix whose row i is the
vector of ``words[i]``. Every similarity question - ``most_similar``,
``most_similar_cosmul``'s candidates, ``doesnt_match``, ``similarity``,
analogies - is answered by the one exact cosine kernel,
:func:`minembed.vectors.topk.topk_cosine`, so models can be compared side by side.

The method names and their arithmetic follow gensim's ``KeyedVectors`` (4.x),
so results can be checked against it word for word:

* ``most_similar(positive, negative)`` (3CosAdd, Mikolov et al. 2013):
  the query is the mean of the unit vectors of the inputs, weighted +1 for
  positive and -1 for negative words; the inputs themselves are excluded.
* ``most_similar_cosmul`` (3CosMul, Levy & Goldberg 2014): each cosine is
  shifted to [0, 1], positives multiply, negatives divide (plus 1e-6).

Leaves out: gensim's per-word attribute store, ``fill_norms``/``vectors_norm``
state (unit vectors are recomputed inside the kernel), and incremental
vocabulary growth.
"""

from __future__ import annotations

import difflib
import os
from typing import Iterable, Sequence, Union

import numpy as np

from minembed.vectors import formats
from minembed.vectors.topk import cosine_scores, inverse_norms, select_topk, topk_cosine

WordOrVector = Union[str, np.ndarray]
Inputs = Union[WordOrVector, Sequence[WordOrVector], None]  # gensim's positive= / negative=: one, a list, or none


class Vectors:
    """Words and their vectors: ``words[i]`` has vector ``vectors[i]``.

    >>> v = Vectors(["cat", "dog", "car"], np.array([[1, 0.1], [1, 0.2], [0, 1]]))
    >>> v.most_similar("cat", topn=1)  # (1 + 0.02) / sqrt(1.01 * 1.04)
    [('dog', 0.9952...)]
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        words = list(words)
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(
                f"vectors must be a (words, dimension) matrix, got shape {vectors.shape}."
            )
        if vectors.dtype.kind not in "fiub":
            raise ValueError(
                f"vectors have dtype {vectors.dtype}; pass real numbers "
                "(np.asarray(vectors, dtype=np.float32))."
            )
        if len(words) == 0:
            raise ValueError("the vocabulary is empty: give at least one word and its vector.")
        if len(words) != len(vectors):
            raise ValueError(
                f"{len(words)} words but {len(vectors)} vectors; they must pair up row by row."
            )
        if vectors.shape[1] == 0:
            raise ValueError("vectors have dimension 0; each word needs at least one number.")
        # A private, read-only copy: the cached norms below stay valid, and a
        # caller's array is never frozen or aliased.
        self.vectors = np.array(vectors, dtype=np.float32, order="C", copy=True)  # (V, D) float32
        self.vectors.flags.writeable = False
        self._row_inverse: np.ndarray | None = None  # (V,) float32, filled on first use
        finite_rows = np.isfinite(self.vectors).all(axis=1)  # (V,) bool
        if not finite_rows.all():
            bad = int(np.flatnonzero(~finite_rows)[0])
            raise ValueError(
                f"the vector of {words[bad]!r} (row {bad}) contains NaN or inf; a model "
                "that produced it has diverged (lower its learning rate)."
            )
        self.words = words
        self.index: dict[str, int] = {}
        for i, word in enumerate(words):
            if not isinstance(word, str):
                raise ValueError(f"word {i} is {word!r}, not a str.")
            if word in self.index:
                raise ValueError(
                    f"the word {word!r} appears twice (rows {self.index[word]} and {i}); "
                    "each word needs exactly one vector."
                )
            self.index[word] = i

    # ------------------------------------------------------------------ lookup

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, dimension {self.vector_size})"

    @property
    def vector_size(self) -> int:
        return self.vectors.shape[1]

    def get_index(self, word: str) -> int:
        """Row of ``word``; an unknown word raises KeyError naming close known words."""
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(self._unknown_word_message(word)) from None
        except TypeError:
            raise KeyError(f"{word!r} is not a word (a str).") from None

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        """The vector of a word, (D,) float32, or of a list of words, (n, D)."""
        if isinstance(word, str):
            return self.vectors[self.get_index(word)]
        return self.vectors[[self.get_index(w) for w in word]]

    def row_inverse_norms(self) -> np.ndarray:
        """1 / |v| for every row, (V,) float32 (0 for a zero row); computed once."""
        if self._row_inverse is None:
            self._row_inverse = inverse_norms(self.vectors)
        return self._row_inverse

    def unit_vector(self, word: str) -> np.ndarray:
        """The word's vector scaled to length 1 (zeros stay zeros), (D,) float32."""
        row = self.vectors[self.get_index(word)][None, :]  # (1, D)
        return (row * inverse_norms(row)[:, None])[0]

    def _unknown_word_message(self, word: str) -> str:
        close = difflib.get_close_matches(str(word), self.words[:50_000], n=5)
        hint = f" Close known words: {', '.join(close)}." if close else ""
        return f"{word!r} is not in the vocabulary ({len(self)} words).{hint}"

    # ---------------------------------------------------------- similarities

    def similarity(self, word_a: str, word_b: str) -> float:
        """Cosine similarity of two words (the kernel's arithmetic)."""
        table = self.vectors[[self.get_index(word_b)]]  # (1, D)
        _, scores = topk_cosine(table, self.vectors[self.get_index(word_a)], k=1)
        return float(scores[0, 0])

    def _weighted_inputs(self, positive: Inputs, negative: Inputs) -> tuple[list, list[int]]:
        """Normalise gensim-style arguments to [(vector or word, weight)], input ids."""
        if isinstance(positive, (str, np.ndarray)):
            positive = [positive]
        if isinstance(negative, (str, np.ndarray)):
            negative = [negative]
        items = [(item, 1.0) for item in (positive or [])]
        items += [(item, -1.0) for item in (negative or [])]
        if not items:
            raise ValueError("give at least one word in positive= or negative=.")
        input_ids = [self.get_index(item) for item, _ in items if isinstance(item, str)]
        return items, input_ids

    def _as_unit(self, item: WordOrVector) -> np.ndarray:
        """A word's unit vector; a raw vector is used as given (as gensim does)."""
        if isinstance(item, str):
            return self.unit_vector(item)
        vector = np.asarray(item, dtype=np.float32)  # (D,) float32
        if vector.shape != (self.vector_size,):
            raise ValueError(
                f"a query vector has shape {vector.shape}; the table needs ({self.vector_size},)."
            )
        return vector

    def most_similar(
        self, positive: Inputs = None, negative: Inputs = None, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Words closest to mean(+unit(positive), -unit(negative)) (3CosAdd).

        Input words are excluded from the answer. ``restrict_vocab`` searches
        only the first N rows (the most frequent words, for models sorted by
        frequency), as in gensim.
        """
        items, input_ids = self._weighted_inputs(positive, negative)
        query = np.mean([weight * self._as_unit(item) for item, weight in items], axis=0)  # (D,)
        table = self._restricted(restrict_vocab)
        excluded = [i for i in input_ids if i < len(table)]
        indices, scores = topk_cosine(
            table, query, k=topn, exclude=[excluded],
            row_inverse_norms=self.row_inverse_norms()[: len(table)],
        )
        return [
            (self.words[i], float(s)) for i, s in zip(indices[0], scores[0]) if i >= 0
        ]

    def most_similar_cosmul(
        self, positive: Inputs = None, negative: Inputs = None, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """3CosMul: prod((1 + cos(w, p)) / 2) / (prod((1 + cos(w, n)) / 2) + 1e-6).

        The cosines of every word against each input come from the kernel's
        arithmetic (:func:`minembed.vectors.topk.cosine_scores`); the top-n selection
        is the same tie-by-lower-index rule.
        """
        items, input_ids = self._weighted_inputs(positive, negative)
        table = self._restricted(restrict_vocab)
        queries = np.stack([self._as_unit(item) for item, _ in items])  # (P + N, D) float32
        row_inverse = self.row_inverse_norms()[: len(table)]  # (R,) float32
        shifted = (1.0 + cosine_scores(table, queries, row_inverse)) / 2.0  # (P + N, R) float32
        weights = np.array([weight for _, weight in items])
        numerator = np.prod(shifted[weights > 0], axis=0)  # (V,)
        denominator = np.prod(shifted[weights < 0], axis=0) + 1e-6  # (V,); 1 + 1e-6 if none
        combined = (numerator / denominator).astype(np.float32)  # (V,) float32
        excluded = [i for i in input_ids if i < len(table)]
        indices, scores = select_topk(combined, topn, excluded)
        return [(self.words[i], float(s)) for i, s in zip(indices, scores)]

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest (by cosine) from the mean of the words' unit vectors."""
        words = list(words)
        if len(words) < 2:
            raise ValueError("doesnt_match needs at least two words to compare.")
        units = np.stack([self.unit_vector(w) for w in words])  # (n, D) float32
        mean = units.mean(axis=0)  # (D,)
        indices, _ = topk_cosine(units, mean, k=len(words))
        return words[int(indices[0, -1])]  # ranked last: least similar to the mean

    def analogy(self, a: str, b: str, c: str, topn: int = 1) -> str | list[tuple[str, float]]:
        """a is to b as c is to ? (3CosAdd: b - a + c). One word, or topn pairs."""
        result = self.most_similar(positive=[b, c], negative=[a], topn=topn)
        return result[0][0] if topn == 1 else result

    def _restricted(self, restrict_vocab: int | None) -> np.ndarray:
        if restrict_vocab is None:
            return self.vectors
        if restrict_vocab < 1:
            raise ValueError(f"restrict_vocab must be >= 1, got {restrict_vocab}.")
        return self.vectors[:restrict_vocab]  # (R, D), a view: rows are contiguous

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike) -> None:
        """Save as ``.npz`` (words + float32 matrix; loads without pickle)."""
        formats.save_npz(path, self.words, self.vectors)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vectors":
        return cls(*formats.load_npz(path))

    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False) -> None:
        """The word2vec C tool's format (text or binary), readable by gensim."""
        formats.save_word2vec_format(path, self.words, self.vectors, binary=binary)

    @classmethod
    def load_word2vec_format(
        cls, path: str | os.PathLike, binary: bool = False, limit: int | None = None
    ) -> "Vectors":
        return cls(*formats.load_word2vec_format(path, binary=binary, limit=limit))

    def save_glove_text(self, path: str | os.PathLike) -> None:
        """GloVe's text format: ``word v1 v2 ...`` per line, no header."""
        formats.save_glove_text(path, self.words, self.vectors)

    @classmethod
    def load_glove_text(cls, path: str | os.PathLike, limit: int | None = None) -> "Vectors":
        return cls(*formats.load_glove_text(path, limit=limit))

    # ------------------------------------------------------------------ torch

    def to_torch(self, freeze: bool = True):
        """A ``torch.nn.Embedding`` holding a copy of these vectors (torch imported here)."""
        import torch

        weight = torch.from_numpy(self.vectors.copy())  # (V, D) float32
        return torch.nn.Embedding.from_pretrained(weight, freeze=freeze)


def words_and_vectors(pairs: Iterable[tuple[str, np.ndarray]]) -> Vectors:
    """Build a table from (word, vector) pairs."""
    pairs = list(pairs)
    return Vectors([w for w, _ in pairs], np.stack([v for _, v in pairs]))
