"""gensim's `KeyedVectors` names on the `Vectors` table, for code written against gensim 4.

People who know gensim reach for ``kv.key_to_index``, ``kv.get_vector(w, norm=True)``,
``kv.similar_by_word``, ``kv.distances`` or ``kv.evaluate_word_pairs``. `Vectors`
inherits those names from the mixin here, and each is tested equal to gensim 4.4's
on the same float32 vectors (tests/test_gensim_names.py). The methods are thin; read
the algorithms where they live:

    nearest words, cosines   table.py (most_similar, similarity) through the one
                             exact kernel in topk.py (topk_cosine, cosine_scores)
    evaluation               evaluate.py (word_pair_similarity, answer_analogies)

Where minembed differs from gensim, on purpose:

* an unknown word raises KeyError naming close known words (gensim: "Key 'x' not
  present"), also in ``n_similarity``, where gensim silently leaves unknown words
  out of the means (so a typo changes the answer instead of failing);
* words only: a row number in place of a word is refused (arguments.py says why);
* a zero vector has cosine 0 with everything and distance 1, not NaN;
* a malformed line of an evaluation file is an error naming the file and line,
  where gensim logs it and skips it;
* ``evaluate_word_pairs`` returns (statistic, p-value) named tuples in place of
  scipy's result objects: ``r, p = pearson``, ``pearson[0]`` and
  ``pearson.statistic`` work the same.

Leaves out: ``wmdistance`` (needs an optimal-transport solver), ``rank``,
``closer_than``, ``most_similar_to_given``, ``relative_cosine_similarity``,
``get_mean_vector``, ``rank_by_centrality``, and gensim's in-place changes
(``add_vectors``, ``fill_norms``, ``sort_by_descending_frequency``).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from minembed.vectors.arguments import restrict_vocab_argument, word_list
from minembed.vectors.evaluate import answer_analogies, word_pair_similarity
from minembed.vectors.topk import cosine_scores

__all__ = ["KeyedVectorsNames", "Correlation"]


class Correlation(NamedTuple):
    """A correlation and its two-sided p-value, unpacked and indexed as scipy's results are."""

    statistic: float
    pvalue: float


class KeyedVectorsNames:
    """gensim's names, mixed into :class:`minembed.vectors.table.Vectors` (which provides ``words``,
    ``index``, ``vectors``, ``get_index``, ``unit_vector``, ``row_inverse_norms``, ``similarity`` and
    ``most_similar``).

    >>> from minembed import Vectors
    >>> v = Vectors(["cat", "dog", "car"], np.array([[1, 0], [1, 1], [0, 1]]))
    >>> v.key_to_index["dog"], v.index_to_key[2], round(v.distance("cat", "car"), 6)
    (1, 'car', 1.0)
    """

    # ------------------------------------------------------------------ lookup

    @property
    def key_to_index(self) -> dict[str, int]:
        """Word -> row, gensim's name for the table's own ``index`` dict (read it; do not change it)."""
        return self.index

    @property
    def index_to_key(self) -> list[str]:
        """Row -> word, gensim's name for the table's own ``words`` list (read it; do not change it)."""
        return self.words

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of ``key``, (D,) float32 and read-only; ``norm=True`` scales it to length 1
        (a zero vector stays zero). An unknown word raises KeyError naming close known words."""
        if not norm:
            return self.vectors[self.get_index(key)]  # a view of the read-only table
        unit = self.unit_vector(key)  # (D,) float32
        unit.flags.writeable = False  # as gensim's
        return unit

    # ---------------------------------------------------------- similarities

    def similar_by_word(self, word: str, topn: int | None = 10,
                        restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` words nearest ``word`` by cosine, itself left out: ``most_similar(positive=[word])``.
        ``topn=None`` gives every searched row's cosine (``word`` included), as a float32 array."""
        if not isinstance(word, str):
            raise TypeError(f"similar_by_word takes one word (str), got {word!r:.60} ({type(word).__name__}); for a "
                            "vector use similar_by_vector, for several words most_similar(positive=[...])")
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word  # gensim 4's own name; similar_by_word is its alias there

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10,
                          restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` words nearest a (D,) vector by cosine (none left out: a word's own vector finds the word
        first)."""
        vector = self._query_vector(vector, "similar_by_vector", "similar_by_word")
        if not vector.any():
            raise ValueError("similar_by_vector: the vector is zero, so its cosine with every word is 0; pass a "
                             "vector with a direction")
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance of two words, 1 - ``similarity(w1, w2)``, in [0, 2]."""
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector: str | np.ndarray, other_words: Sequence[str] = ()) -> np.ndarray:
        """1 - cosine from a word or a (D,) vector to each of ``other_words``, or to every row of the
        table when ``other_words`` is empty (the word itself included, at distance 0). (N,) float32."""
        if isinstance(word_or_vector, str):
            query = self.vectors[self.get_index(word_or_vector)]  # (D,) float32
        else:
            query = self._query_vector(word_or_vector, "distances", "a word")
        others = [] if other_words is None else word_list(other_words, "other_words", "distances", at_least=0)
        if not others:
            table, row_inverse = self.vectors, self.row_inverse_norms()  # (V, D), (V,) float32
        else:
            rows = [self.get_index(word) for word in others]
            table, row_inverse = self.vectors[rows], self.row_inverse_norms()[rows]  # (N, D), (N,) float32
        return 1.0 - cosine_scores(table, query, row_inverse)[0]  # (N,) float32

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine of the means of two lists of word vectors (the raw vectors, not unit ones, as gensim)."""
        means = []
        for name, words in (("ws1", ws1), ("ws2", ws2)):
            if isinstance(words, (list, tuple, np.ndarray)) and len(words) == 0:
                raise ZeroDivisionError(f"n_similarity needs at least one word in each list; {name} is empty "
                                        "(the mean of no vectors; gensim raises ZeroDivisionError too)")
            rows = [self.get_index(word) for word in word_list(words, name, "n_similarity")]
            means.append(self.vectors[rows].mean(axis=0, dtype=np.float64))  # (D,) float64
        means = np.array(means, dtype=np.float32)  # (2, D) float32
        return float(cosine_scores(means[1:], means[0])[0, 0])  # 0 when a mean is zero

    def _query_vector(self, vector, method: str, instead: str) -> np.ndarray:
        """A query vector checked in the caller's words, (D,) float32."""
        if isinstance(vector, str):
            raise TypeError(f"{method} takes a vector, got the word {vector!r:.60}; for a word use {instead}")
        array = np.asarray(vector)
        if array.dtype.kind not in "fiu" or array.shape != (self.vector_size,):
            raise ValueError(f"{method} takes one vector of {self.vector_size} real numbers, shape "
                             f"({self.vector_size},) like the table's rows; got shape {array.shape}, "
                             f"dtype {array.dtype}")
        with np.errstate(over="ignore"):
            array = array.astype(np.float32)  # (D,) float32
        if not np.isfinite(array).all():
            raise ValueError(f"{method}: the vector holds NaN or inf (or numbers beyond float32's range); fix it")
        return array

    # ---------------------------------------------------------------- evaluation

    def evaluate_word_pairs(
        self, pairs: str | Path | Sequence[tuple[str, str, float]], delimiter: str = "\t", encoding: str = "utf8",
        restrict_vocab: int | None = 300_000, case_insensitive: bool = True, dummy4unknown: bool = False,
    ) -> tuple[Correlation, Correlation, float]:
        """gensim's ``((pearson, p), (spearman, p), oov_ratio)``: cosine against human similarity scores.

        ``pairs``: a file of ``word<delimiter>word<delimiter>score`` lines ('#' lines are comments), or
        (word, word, score) triples. Only the first ``restrict_vocab`` words count as known; a pair with an
        unknown word is skipped, or with ``dummy4unknown`` scored 0; ``oov_ratio`` is their percentage.
        Computed by :func:`minembed.vectors.evaluate.word_pair_similarity`.
        """
        result = word_pair_similarity(self, pairs, restrict_vocab=restrict_vocab_argument(restrict_vocab, len(self)),
                                      case_insensitive=case_insensitive, dummy4unknown=dummy4unknown,
                                      delimiter=delimiter, encoding=encoding)
        return (Correlation(result.pearson, result.pearson_pvalue),
                Correlation(result.spearman, result.spearman_pvalue), result.oov_ratio)

    def evaluate_word_analogies(
        self, analogies: str | Path | Sequence, restrict_vocab: int | None = 300_000,
        case_insensitive: bool = True, dummy4unknown: bool = False, similarity_function: str = "most_similar",
    ) -> tuple[float, list[dict]]:
        """gensim's ``(score, sections)`` for "a is to b as c is to ?" questions, answered by 3CosAdd.

        ``analogies``: a file in questions-words.txt's layout (``: section`` lines, then ``a b c expected``),
        or (section, [(a, b, c, expected), ...]) pairs. Each section is a dict ``{'section': name, 'correct':
        [...], 'incorrect': [...]}`` of (a, b, c, expected) tuples (upper-cased when ``case_insensitive``),
        and a last one, 'Total accuracy', joins them all. A question with a word outside the first
        ``restrict_vocab`` words is skipped, or with ``dummy4unknown`` counted incorrect. ``score`` is
        correct / (correct + incorrect) over all sections. Computed by
        :func:`minembed.vectors.evaluate.answer_analogies`.
        """
        if similarity_function != "most_similar":
            raise ValueError(f"similarity_function={similarity_function!r}: only 'most_similar' (3CosAdd) answers "
                             "analogies, as in gensim; for 3CosMul call most_similar_cosmul per question")
        answers = answer_analogies(self, analogies, restrict_vocab=restrict_vocab_argument(restrict_vocab, len(self)),
                                   case_insensitive=case_insensitive)
        if not any(section.verdicts for section in answers):
            raise ValueError(f"{analogies!s:.80} holds no questions: expected ': section' lines, each followed by "
                             "'a b c expected' lines")
        sections = []
        for section in answers:
            outcomes = list(zip(section.questions, section.verdicts))
            sections.append({"section": section.section,
                             "correct": [question for question, verdict in outcomes if verdict],
                             "incorrect": [question for question, verdict in outcomes
                                           if verdict is False or (verdict is None and dummy4unknown)]})
        total = {"section": "Total accuracy",
                 "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
                 "incorrect": list(itertools.chain.from_iterable(s["incorrect"] for s in sections))}
        judged = len(total["correct"]) + len(total["incorrect"])
        sections.append(total)
        return (len(total["correct"]) / judged if judged else 0.0), sections
