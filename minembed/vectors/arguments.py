"""The arguments of the `Vectors` questions, read as gensim's `KeyedVectors` (4.x) reads them, and checked
before any work with errors in the caller's words (`positive`, `topn`, `restrict_vocab`).

    positive / negative   a word, a vector, a list of words and vectors, or a 2-D array of vectors;
                          a list may hold (word or vector, weight) pairs, whose weight replaces the
                          default +1 / -1 (gensim's rule: in negative= too, so ("b", 0.5) there adds b)
    topn                  an int: that many answers, [] below 1; None: every row's score, as an array
    restrict_vocab        None, or search only the first N rows (clipped to the table)

But: gensim's int keys (a row number in place of a word) are refused, since a number where a word
belongs is more often a mistake; pass `vectors.words[i]`.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence, Union

import numpy as np

from minembed.training.settings import whole_number

__all__ = ["Item", "Inputs", "weighted_items", "topn_argument", "restrict_vocab_argument", "word_list"]

WordOrVector = Union[str, np.ndarray]
Item = Union[WordOrVector, tuple[WordOrVector, float]]  # a word or vector, with or without its weight
Inputs = Union[Item, Sequence[Item], np.ndarray, None]  # gensim's positive= / negative=


def _as_list(name: str, value) -> list:
    """positive= or negative= as a list of items: one word or vector becomes a list of one."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim in (1, 2):
            return [value] if value.ndim == 1 else list(value)  # 2-D: one vector per row, as gensim
        raise TypeError(f"{name} is an array of shape {value.shape}; give one vector (D,) or a matrix of them (n, D)")
    if isinstance(value, (list, tuple)):
        return list(value)
    raise TypeError(f"{name} must be a word, a vector or a list of them (gensim's positive= / negative=), "
                    f"got {value!r:.60} ({type(value).__name__})")


def _checked_item(name: str, position: int, item, sign: float, dimension: int, allow_weights: bool,
                  method: str) -> tuple[WordOrVector, float]:
    """One entry of positive= / negative= as (word or (D,) float32 vector, weight)."""
    where = f"{name}[{position}]"
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], (str, np.ndarray)):
        if not allow_weights:
            raise TypeError(f"{method} takes words or vectors without weights (3CosMul multiplies cosines, where a "
                            f"weight has no meaning), got {where} = {item!r:.60}; pass the word alone")
        key, weight = item
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise TypeError(f"the weight of {where} must be a number, got {weight!r:.40} ({type(weight).__name__})")
        if not math.isfinite(weight):
            raise ValueError(f"the weight of {where} must be finite, got {weight}")
        return _checked_item(name, position, key, 1.0, dimension, False, method)[0], float(weight)
    if isinstance(item, str):
        return item, sign
    if isinstance(item, np.ndarray):
        if item.dtype.kind not in "fiu" or item.shape != (dimension,):
            raise ValueError(f"{where} is an array of shape {item.shape} and dtype {item.dtype}; a query vector "
                             f"must be ({dimension},) real numbers, like the table's rows")
        vector = item.astype(np.float32)  # (D,) float32
        if not np.isfinite(vector).all():
            raise ValueError(f"{where} contains NaN or inf (or numbers beyond float32's range); fix that vector")
        return vector, sign
    hint = ""
    if isinstance(item, (list, tuple)):
        hint = (f"; give the words themselves ({name}=['a', 'b']), or (word, weight) pairs "
                f"({name}=[('a', 2.0)])" if allow_weights else f"; give the words themselves ({name}=['a', 'b'])")
    elif isinstance(item, numbers.Number) and position > 0:
        hint = f"; a (word, weight) pair goes inside a list: {name}=[('word', {item!r})]"
    raise TypeError(f"{where} is {item!r:.60} ({type(item).__name__}), not a word (str) or a vector (np.ndarray)"
                    + hint)


def weighted_items(positive: Inputs, negative: Inputs, dimension: int, *, allow_weights: bool = True,
                   method: str = "most_similar") -> list[tuple[WordOrVector, float]]:
    """gensim's positive= and negative= as one list of (word or vector, weight): +1 for positive
    and -1 for negative items, unless a (item, weight) pair gives the weight.

    >>> weighted_items(["king", ("woman", 2.0)], "man", 3)
    [('king', 1.0), ('woman', 2.0), ('man', -1.0)]
    """
    items = []
    for name, value, sign in (("positive", positive, 1.0), ("negative", negative, -1.0)):
        items += [_checked_item(name, i, item, sign, dimension, allow_weights, method)
                  for i, item in enumerate(_as_list(name, value))]
    if not items:
        raise ValueError(f"{method} needs at least one word or vector in positive= or negative=")
    return items


def topn_argument(topn) -> int | None:
    """topn as gensim reads it: an int (below 1 gives no answers) or None (every score)."""
    if topn is None:
        return None
    if isinstance(topn, bool) or not isinstance(topn, numbers.Integral):
        raise TypeError(f"topn must be an integer (how many words to return; below 1 gives [], None gives every "
                        f"word's score, as in gensim), got {topn!r:.40} ({type(topn).__name__})")
    return int(topn)


def restrict_vocab_argument(restrict_vocab, n_rows: int) -> int:
    """How many of the first rows to search: all for None, else restrict_vocab (>= 1) clipped to the table."""
    if restrict_vocab is None:
        return n_rows
    return min(whole_number("restrict_vocab", restrict_vocab, 1, "search only the first N rows, the most "
                            "frequent words of a model sorted by frequency"), n_rows)


def word_list(words, name: str, method: str, at_least: int = 1) -> list[str]:
    """A list of words (not a str, which would be read letter by letter); every entry a str.

    >>> word_list("abc", "words", "doesnt_match")
    Traceback (most recent call last):
    ...
    TypeError: doesnt_match takes a list of words, got the str 'abc' (it would be read letter by letter); ...
    """
    if isinstance(words, (str, bytes)):
        raise TypeError(f"{method} takes a list of words, got the {type(words).__name__} {words!r:.60} (it would be "
                        f"read letter by letter); pass [{words!r:.60}, ...]")
    if isinstance(words, np.ndarray):
        words = words.tolist()
    if not isinstance(words, (list, tuple)):
        raise TypeError(f"{method} takes a list of words as {name}, got {words!r:.60} ({type(words).__name__})")
    for i, word in enumerate(words):
        if not isinstance(word, str):
            raise TypeError(f"{name}[{i}] is {word!r:.60} ({type(word).__name__}), not a word (str)")
    if len(words) < at_least:
        raise ValueError(f"{method} needs at least {at_least} words to compare, got {len(words)}")
    return list(words)
