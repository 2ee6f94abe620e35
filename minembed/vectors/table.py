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
* Their arguments as gensim reads them (minembed/vectors/arguments.py):
  (word, weight) pairs, ``topn`` below 1 gives [], ``topn=None`` every score.
  Each is checked before any work, and an error names the argument.
* gensim's other everyday names - ``key_to_index``, ``index_to_key``,
  ``get_vector``, ``similar_by_word``/``_vector``, ``distance(s)``,
  ``n_similarity``, ``evaluate_word_pairs``, ``evaluate_word_analogies`` - come
  from the mixin in minembed/vectors/keyed.py, which says where it differs.

Leaves out: gensim's per-word attribute store, ``fill_norms``/``vectors_norm``
state (unit vectors are recomputed inside the kernel), and incremental
vocabulary growth.
"""

from __future__ import annotations

import difflib
import os
from typing import Iterable, Sequence

import numpy as np

from minembed.vectors import formats
from minembed.vectors.arguments import Inputs, restrict_vocab_argument, topn_argument, weighted_items, word_list
from minembed.vectors.keyed import KeyedVectorsNames
from minembed.vectors.topk import FLOAT32_MAX, cosine_scores, inverse_norms, select_topk, topk_cosine, unit_rows


class Vectors(KeyedVectorsNames):
    """Words and their vectors: ``words[i]`` has vector ``vectors[i]``.

    >>> v = Vectors(["cat", "dog", "car"], np.array([[1, 0.1], [1, 0.2], [0, 1]]))
    >>> v.most_similar("cat", topn=1)  # (1 + 0.02) / sqrt(1.01 * 1.04)
    [('dog', 0.9952...)]
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        if isinstance(words, (str, bytes)) or not isinstance(words, Iterable):
            raise TypeError(f"words must be a list of str, got {words!r:.60} ({type(words).__name__})"
                            + (" (it would be read letter by letter)" if isinstance(words, (str, bytes)) else ""))
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
        for i, word in enumerate(words):
            if not isinstance(word, str):
                raise TypeError(f"word {i} is {word!r:.60} ({type(word).__name__}), not a str.")
        if vectors.dtype.kind == "f" and vectors.dtype.itemsize > 4:  # float64 and wider; a float32 always fits
            too_large = np.isfinite(vectors) & (np.abs(vectors) > FLOAT32_MAX)  # (V, D) bool: finite, beyond float32
            if too_large.any():
                row = int(np.flatnonzero(too_large.any(axis=1))[0])
                raise ValueError(
                    f"the vector of {words[row]!r} (row {row}) holds {vectors[row][too_large[row]][0]:.3g}, beyond "
                    f"float32's range (+-{FLOAT32_MAX:.3g}), where the table is stored; scale the vectors down "
                    "(cosines do not depend on length)."
                )
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
        if not isinstance(word, str):
            raise TypeError(f"{word!r:.60} ({type(word).__name__}) is not a word (a str).")
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(self._unknown_word_message(word)) from None

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        """The vector of a word, (D,) float32, or of a list of words, (n, D)."""
        if isinstance(word, str):
            return self.vectors[self.get_index(word)]
        if not isinstance(word, (list, tuple, np.ndarray)):
            raise TypeError(f"Vectors[...] takes a word (str) or a list of words, got {word!r:.60} "
                            f"({type(word).__name__})")
        return self.vectors[[self.get_index(w) for w in word_list(word, "words", "Vectors[...]")]]

    def row_inverse_norms(self) -> np.ndarray:
        """1 / |v| for every row, (V,) float32 (0 for a zero row); computed once."""
        if self._row_inverse is None:
            self._row_inverse = inverse_norms(self.vectors)
        return self._row_inverse

    def unit_vector(self, word: str) -> np.ndarray:
        """The word's vector scaled to length 1 (zeros stay zeros), (D,) float32."""
        return unit_rows(self.vectors[self.get_index(word)][None, :])[0]  # (D,) float32

    def _unknown_word_message(self, word: str) -> str:
        """The error for an unknown word: the same word in another case first ("King" -> king), then the
        words difflib finds close among the first 50,000 rows, to the word in lower case ("Bananna" ->
        banana) and as typed; up to 5 in all."""
        word = str(word)
        other_case = [w for w in dict.fromkeys([word.lower(), word.capitalize(), word.title(), word.upper(),
                                                word.casefold()]) if w != word and w in self.index]
        close = [w for form in dict.fromkeys([word.casefold(), word])
                 for w in difflib.get_close_matches(form, self.words[:50_000], n=5)]
        suggestions = list(dict.fromkeys(other_case + close))[:5]
        hint = f" Close known words: {', '.join(suggestions)}." if suggestions else ""
        return f"{word!r} is not in the vocabulary ({len(self)} words).{hint}"

    # ---------------------------------------------------------- similarities

    def similarity(self, word_a: str, word_b: str) -> float:
        """Cosine similarity of two words (the kernel's arithmetic)."""
        table = self.vectors[[self.get_index(word_b)]]  # (1, D)
        _, scores = topk_cosine(table, self.vectors[self.get_index(word_a)], k=1)
        return float(scores[0, 0])

    def _query_vectors(self, items: list) -> np.ndarray:
        """Each input's unit vector (a raw query vector is used as given, as gensim does), (n, D) float32."""
        return np.stack([self.unit_vector(item) if isinstance(item, str) else item for item, _ in items])

    def _input_ids(self, items: list, n_rows: int) -> list[int]:
        """Rows of the input words among the first n_rows: the answer leaves them out."""
        return [i for i in (self.index[item] for item, _ in items if isinstance(item, str)) if i < n_rows]

    def most_similar(
        self, positive: Inputs = None, negative: Inputs = None, topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Words closest to mean(+unit(positive), -unit(negative)) (3CosAdd).

        Input words are excluded from the answer. ``restrict_vocab`` searches
        only the first N rows (the most frequent words, for models sorted by
        frequency), as in gensim; so are (word, weight) pairs, ``topn`` < 1
        (gives []) and ``topn=None`` (every searched row's cosine, inputs
        included, as a float32 array).
        """
        items = weighted_items(positive, negative, self.vector_size)
        n_rows = restrict_vocab_argument(restrict_vocab, len(self))
        topn = topn_argument(topn)
        for item, _ in items:
            if isinstance(item, str):
                self.get_index(item)  # an unknown word fails here, whatever topn
        weights = np.array([weight for _, weight in items], dtype=np.float32)  # (n,)
        query = weights @ self._query_vectors(items) / len(items)  # (D,) float32: the weighted mean
        if not query.any():
            raise ValueError("the query vector is zero (the words cancel out, or the vector of a word is zero), so "
                             "every cosine with it is 0; change positive= / negative=")
        table, row_inverse = self.vectors[:n_rows], self.row_inverse_norms()[:n_rows]  # (R, D), (R,)
        if topn is None:
            return cosine_scores(table, query, row_inverse)[0]  # (R,) float32
        if topn < 1:
            return []
        indices, scores = topk_cosine(table, query, k=topn, exclude=[self._input_ids(items, n_rows)],
                                      row_inverse_norms=row_inverse)
        return [(self.words[i], float(s)) for i, s in zip(indices[0], scores[0]) if i >= 0]

    def most_similar_cosmul(
        self, positive: Inputs = None, negative: Inputs = None, topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """3CosMul: prod((1 + cos(w, p)) / 2) / (prod((1 + cos(w, n)) / 2) + 1e-6).

        The cosines of every word against each input come from the kernel's
        arithmetic (:func:`minembed.vectors.topk.cosine_scores`); the top-n selection
        is the same tie-by-lower-index rule. As in gensim, it needs a positive
        input, takes no weights, and ``topn=None`` returns every row's value.
        """
        items = weighted_items(positive, negative, self.vector_size, allow_weights=False,
                               method="most_similar_cosmul")
        n_rows = restrict_vocab_argument(restrict_vocab, len(self))
        topn = topn_argument(topn)
        weights = np.array([weight for _, weight in items])
        if not (weights > 0).any():
            raise ValueError("most_similar_cosmul needs at least one word in positive= (3CosMul multiplies the "
                             "positive cosines and divides by the negative ones)")
        queries = self._query_vectors(items)  # (P + N, D) float32
        table, row_inverse = self.vectors[:n_rows], self.row_inverse_norms()[:n_rows]  # (R, D), (R,)
        shifted = (1.0 + cosine_scores(table, queries, row_inverse)) / 2.0  # (P + N, R) float32
        numerator = np.prod(shifted[weights > 0], axis=0)  # (R,)
        denominator = np.prod(shifted[weights < 0], axis=0) + 1e-6  # (R,); 1 + 1e-6 if none
        combined = (numerator / denominator).astype(np.float32)  # (R,) float32
        if topn is None:
            return combined
        if topn < 1:
            return []
        indices, scores = select_topk(combined, topn, self._input_ids(items, n_rows))
        return [(self.words[i], float(s)) for i, s in zip(indices, scores)]

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest (by cosine) from the mean of the words' unit vectors."""
        words = word_list(words, "words", "doesnt_match", at_least=2)
        units = np.stack([self.unit_vector(w) for w in words])  # (n, D) float32
        mean = units.mean(axis=0)  # (D,)
        indices, _ = topk_cosine(units, mean, k=len(words))
        return words[int(indices[0, -1])]  # ranked last: least similar to the mean

    def analogy(self, a: str, b: str, c: str, topn: int | None = 1) -> str | list[tuple[str, float]]:
        """a is to b as c is to ? (3CosAdd: b - a + c). One word, or topn pairs."""
        for name, word in (("a", a), ("b", b), ("c", c)):
            if not isinstance(word, str):
                raise TypeError(f"analogy(a, b, c) takes three words; {name} is {word!r:.60} ({type(word).__name__})")
        result = self.most_similar(positive=[b, c], negative=[a], topn=topn)
        if topn is None or topn != 1:
            return result
        if not result:
            raise ValueError(f"no word is left to answer with: the table has only {len(self)} words, a, b and c among "
                             "them")
        return result[0][0]

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike) -> None:
        """Save as ``.npz`` (words + float32 matrix; loads without pickle), atomically."""
        formats.save_npz(path, self.words, self.vectors)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vectors":
        """Read what ``save`` wrote; a damaged or foreign file raises ValueError naming the member at fault."""
        return cls(*formats.load_npz(path))

    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False) -> None:
        """The word2vec C tool's format (text or binary), readable by gensim."""
        formats.save_word2vec_format(path, self.words, self.vectors, binary=binary)

    @classmethod
    def load_word2vec_format(
        cls, path: str | os.PathLike, binary: bool = False, limit: int | None = None
    ) -> "Vectors":
        """Read the word2vec C tool's format; errors name the file and the line (text) or byte (binary)."""
        return cls(*formats.load_word2vec_format(path, binary=binary, limit=limit))

    def save_glove_text(self, path: str | os.PathLike) -> None:
        """GloVe's text format: ``word v1 v2 ...`` per line, no header."""
        formats.save_glove_text(path, self.words, self.vectors)

    @classmethod
    def load_glove_text(cls, path: str | os.PathLike, limit: int | None = None) -> "Vectors":
        """Read GloVe's text format (a leading byte-order mark is skipped); errors name the file and line."""
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
