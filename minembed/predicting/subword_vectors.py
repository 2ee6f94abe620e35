"""Vectors for any word, seen or not: the vocabulary's vectors plus fastText's n-gram rows.

What `FastText` returns (minembed/predicting/subword.py). A word in the
vocabulary answers with its trained vector h_w; any other word with the mean of
the n-gram rows it shares with the training words, as fastText and gensim do
(except that n-gram rows no training word used are not kept, so they are not
averaged in; a word none of whose n-grams is known raises KeyError).

Saved as one .npz (words, vectors, ngram_vectors, buckets, ngram_parameters); loading
checks every member's dtype, shape and size against the others and the file's size
before reading any data (minembed.vectors.archives), so a damaged file is a ValueError.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from minembed.predicting.ngrams import check_ngram_parameters, ngram_hashes
from minembed.vectors import Vectors, formats
from minembed.vectors.archives import Layout, Problem, read_npz

__all__ = ["SubwordVectors"]

NPZ_LAYOUTS = {  # what SubwordVectors.save writes: Vectors.save's two arrays and three more
    **formats.NPZ_TABLE,
    "ngram_vectors": Layout("<f4", 2),  # (R, D) float32, the n-gram rows
    "buckets": Layout("<i8", 1),  # (R,) int64, each row's bucket id, sorted
    "ngram_parameters": Layout("<i8", 1),  # (3,) int64: min_n, max_n, bucket
}


def _check_shapes(shapes: dict[str, tuple[int, ...]]) -> None:
    """Every member's shape against the others', before any data is read."""
    formats.check_table_shapes(shapes)
    dim, (rows, ngram_dim), (count,) = shapes["vectors"][1], shapes["ngram_vectors"], shapes["buckets"]
    if (rows, ngram_dim) != (count, dim):
        raise Problem(f"ngram_vectors has shape {(rows, ngram_dim)}; with {count} buckets and dimension {dim} "
                      f"it must be ({count}, {dim})")  # the words of __init__'s check
    if shapes["ngram_parameters"] != (3,):
        raise Problem(f"'ngram_parameters' has shape {shapes['ngram_parameters']}; expected three integers "
                      "(min_n, max_n, bucket)")


class SubwordVectors(Vectors):
    """Vectors of the vocabulary (each word's h_w, as gensim's `wv.vectors`) plus the n-gram
    rows, so that `vectors[word]`, `vector_for`, `similarity` and `most_similar` also
    answer for words never seen in training. `word in vectors` still means "in the vocabulary".
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, ngram_vectors: np.ndarray,
                 buckets: np.ndarray, *, min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000) -> None:
        super().__init__(words, vectors)
        check_ngram_parameters(min_n, max_n, bucket)
        self.ngram_vectors = np.array(ngram_vectors, dtype=np.float32, copy=True)  # (R, D) float32
        self.ngram_vectors.flags.writeable = False
        self.buckets = np.asarray(buckets, dtype=np.int64)  # (R,) int64, sorted
        if self.ngram_vectors.shape != (len(self.buckets), self.vector_size):
            raise ValueError(f"ngram_vectors has shape {self.ngram_vectors.shape}; with {len(self.buckets)} "
                             f"buckets and dimension {self.vector_size} it must be "
                             f"({len(self.buckets)}, {self.vector_size})")
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket

    def save(self, path: str | os.PathLike) -> None:
        """Save as ``.npz``: words and vectors as `Vectors.save` writes them, plus the n-gram
        rows, their bucket ids and (min_n, max_n, bucket); loads without pickle."""
        formats.save_npz(path, self.words, self.vectors, ngram_vectors=self.ngram_vectors, buckets=self.buckets,
                         ngram_parameters=np.array([self.min_n, self.max_n, self.bucket], np.int64))

    @classmethod
    def load(cls, path: str | os.PathLike) -> SubwordVectors:
        """Read what `save` wrote, every member checked before any data is read (a damaged file
        raises ValueError). `Vectors.load` reads the same file as plain vectors."""
        arrays = read_npz(path, NPZ_LAYOUTS, _check_shapes, missing_hint=(
            "; an archive with words and vectors but no n-gram rows was written by Vectors.save, not "
            "SubwordVectors.save: load it with Vectors.load"))
        words, vectors = formats.checked_npz_table(path, arrays)
        path = os.fspath(path)
        buckets, ngram_vectors = arrays["buckets"], arrays["ngram_vectors"]  # (R,) int64, (R, D) float32
        min_n, max_n, bucket = (int(x) for x in arrays["ngram_parameters"])
        if len(buckets) and (np.any(np.diff(buckets) <= 0) or buckets[0] < 0 or buckets[-1] >= bucket):
            raise ValueError(f"{path}: 'buckets' must be distinct bucket ids in [0, {bucket}), sorted")
        if not np.isfinite(ngram_vectors).all():
            raise ValueError(f"{path}: 'ngram_vectors' holds NaN or infinite values")
        try:
            return cls(words, vectors, ngram_vectors, buckets, min_n=min_n, max_n=max_n, bucket=bucket)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    def vector_for(self, word: str) -> np.ndarray:
        """A vocabulary word's vector, or the mean of the known n-gram rows of any other word: (D,) float32.

        Raises ValueError for an empty word and KeyError when none of the word's
        n-grams was seen in training (or it has none: len(word) + 2 < min_n).
        """
        if word in self.index:
            return self.vectors[self.index[word]]
        hashes = np.array(ngram_hashes(word, self.min_n, self.max_n, self.bucket), dtype=np.int64)  # (n,)
        rows = np.searchsorted(self.buckets, hashes)  # (n,) int64
        known = rows < len(self.buckets)
        known[known] = self.buckets[rows[known]] == hashes[known]
        if not known.any():
            raise KeyError(f"{word!r} is not in the vocabulary and none of its {len(hashes)} character "
                           f"{self.min_n}..{self.max_n}-grams was seen in training, so it has no vector. "
                           + self._unknown_word_message(word).split(". ", 1)[-1])
        return self.ngram_vectors[rows[known]].mean(axis=0, dtype=np.float64).astype(np.float32)  # (D,)

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        if isinstance(word, str):
            return self.vector_for(word)
        return np.stack([self.vector_for(w) for w in word])  # (n, D) float32

    def similarity(self, word_a: str, word_b: str) -> float:
        a, b = self.vector_for(word_a).astype(np.float64), self.vector_for(word_b).astype(np.float64)
        norms = np.linalg.norm(a) * np.linalg.norm(b)
        return float(a @ b / norms) if norms > 0 else 0.0

    def most_similar(self, positive=None, negative=None, topn: int = 10,
                     restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Vectors.most_similar, where an unknown word enters as the unit vector of `vector_for`.

        (Unknown words cannot be excluded from the answer: they are not in it.)
        """
        return super().most_similar(self._known_or_unit(positive), self._known_or_unit(negative),
                                    topn=topn, restrict_vocab=restrict_vocab)

    def _known_or_unit(self, items):
        if items is None:
            return None
        if isinstance(items, (str, np.ndarray)):
            items = [items]
        converted = []
        for item in items:
            if isinstance(item, str) and item not in self.index:
                vector = self.vector_for(item).astype(np.float64)
                norm = np.linalg.norm(vector)
                item = (vector / norm if norm > 0 else vector).astype(np.float32)  # (D,) float32
            converted.append(item)
        return converted
