"""Checking a model's settings before any work starts, in the caller's words.

Each model keeps its settings in a dataclass whose `validate` states every rule
as one `require` line; the message names the setting, its usual value and what
was given, so a bad value fails at once with a sentence the user can act on
rather than deep inside NumPy an hour later.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import fields
from typing import Iterable

__all__ = ["require", "require_int", "require_number", "require_memory", "whole_number", "require_neighbours",
           "require_kept", "require_word2vec_memory", "settings_from"]


def require(condition: bool, message: str) -> None:
    """Raise ValueError(message) unless `condition` holds."""
    if not condition:
        raise ValueError(message)


def require_int(name: str, value, minimum: int, usual: str = "") -> None:
    """`value` must be an int (not a bool, not a float such as 2.5) of at least `minimum`.

    >>> require_int("window", 2.5, 1, "5 is usual")
    Traceback (most recent call last):
    ...
    ValueError: window must be >= 1 and a whole number (5 is usual), got 2.5
    """
    hint = f" ({usual})" if usual else ""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum
    require(ok, f"{name} must be >= {minimum} and a whole number{hint}, got {value!r}")


def require_number(name: str, value, low: float, high: float = math.inf, *, low_open: bool = False,
                   high_open: bool = False, usual: str = "") -> None:
    """`value` must be a finite real number in [low, high] (an open end with low_open / high_open).

    >>> require_number("sample", 1.0, 0, 1, high_open=True, usual="1e-3 is usual")
    Traceback (most recent call last):
    ...
    ValueError: sample must be in [0, 1) (1e-3 is usual), got 1.0
    """
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open or high == math.inf else ']'}"
    hint = f" ({usual})" if usual else ""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    require(ok, f"{name} must be in {interval}{hint}, got {value!r}")


def require_memory(needed_bytes: float, limit_gb: float, what: str, advice: str) -> None:
    """Refuse, before allocating, work that would need more than `limit_gb` GB.

    >>> require_memory(3e9, 2.0, "W and C for 1,000,000 words x 750 dimensions", "lower vector_size")
    Traceback (most recent call last):
    ...
    ValueError: training needs about 3.00 GB for W and C ..., over memory_limit=2.0 GB: lower vector_size, or ...
    """
    if needed_bytes / 1e9 > limit_gb:
        raise ValueError(f"training needs about {needed_bytes / 1e9:.2f} GB for {what}, over memory_limit={limit_gb} "
                         f"GB: {advice}, or raise memory_limit")


def whole_number(name: str, value, minimum: int, meaning: str) -> int:
    """A function's count argument (`topn`, `k`, `batch_size`) as an int, checked before any work:
    a TypeError unless it is a whole number (not a bool, a float or a str; as Python's own
    range(2.5)), a ValueError below `minimum`; both name the argument. (A settings dataclass
    checks its fields with `require_int`, which raises ValueError for both.)

    >>> whole_number("topn", 2.5, 1, "how many words to return")
    Traceback (most recent call last):
    ...
    TypeError: topn must be a positive integer (how many words to return), got 2.5 (float)
    """
    wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {wanted} ({meaning}), got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be {wanted} ({meaning}), got {value}")
    return int(value)


def require_neighbours(sentence_lengths: Iterable[int], advice: str) -> None:
    """Some sentence must hold two words or more: alone in its sentence a word has no neighbour to
    learn from, and a model would hand back its random starting vectors (with loss 0).

    >>> require_neighbours([1, 1, 0], "give sentences of two words or more, or lower min_count")
    Traceback (most recent call last):
    ...
    ValueError: no sentence has two known words or more (the longest has 1), so no word has a neighbour ...
    """
    longest = max(sentence_lengths, default=0)
    require(longest >= 2, f"no sentence has two known words or more (the longest has {longest}), so no word has a "
                          f"neighbour to learn from and training would return its random start: {advice}")


def require_kept(expected: float, total: int, sample: float) -> None:
    """Subsampling must leave words to train on: in expectation two or more of the corpus's `total`.

    >>> require_kept(0.003, 240, 1e-12)
    Traceback (most recent call last):
    ...
    ValueError: sample=1e-12 would keep about 0.003 of the corpus's 240 words, nothing to train on: raise sample ...
    """
    require(expected >= 2, f"sample={sample:g} would keep about {expected:.2g} of the corpus's {total:,} words, "
                           "nothing to train on: raise sample (1e-3 is usual) or set sample=0 (no subsampling)")


def require_word2vec_memory(config, words: int, extra_rows: int = 0) -> None:
    """word2vec's (and fastText's) size guard, before anything is allocated: about

        4 D (V + R + V)                          W, R more input rows (fastText's n-grams), C (float32)
      + 4 D 3 batch_size 2 window (1 + negative)  a minibatch's output rows, gradients and products

    bytes for V `words`. Refused over config.memory_limit GB, saying what to lower.
    """
    dimension = config.vector_size
    batch_rows = 3 * config.batch_size * 2 * config.window * (1 + config.negative)
    needed = 4.0 * dimension * (2 * words + extra_rows + batch_rows)
    what = f"{words:,} words{f' and up to {extra_rows:,} n-gram rows' if extra_rows else ''} x {dimension:,} dimensions"
    require_memory(needed, config.memory_limit, f"{what} (W, C and a minibatch of batch_size={config.batch_size}, "
                   "float32)", "lower vector_size or batch_size, or keep fewer words (raise min_count or set "
                   "max_vocab_size)")


def settings_from(settings_class, config, params: dict):
    """The settings a model was given: a settings object or keyword parameters, not both; unknown
    names are refused with the list of known ones, and the result is validated."""
    if config is not None and params:
        raise ValueError(f"give either a {settings_class.__name__} or keyword parameters, not both")
    if config is None:
        known = [f.name for f in fields(settings_class)]
        unknown = sorted(set(params) - set(known))
        if unknown:
            model = settings_class.__name__.removesuffix("Config")
            raise TypeError(f"unknown {model} parameter(s) {unknown}; known: {known}")
        config = settings_class(**params)
    config.validate()
    return config
