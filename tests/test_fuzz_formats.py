"""Property-based tests of the four file formats (hypothesis, the `[test]` extra).

- round trips of word2vec text, word2vec binary, GloVe text and .npz for arbitrary words
  (any Unicode but NUL and lone surrogates; the text formats' writers must refuse words
  holding whitespace) and any finite float32 table, bit for bit (tolerance zero);
- files mutated at random (a bit flip, bytes inserted, deleted or overwritten, truncation)
  must load or raise ValueError naming the file, and a mutated .npz may only load exactly
  what was saved.

Derandomized and bounded (EXAMPLES per test, no deadline, no example database), so CI
is repeatable; the whole module takes about 7 s. The reader's individual checks, each
with the file it is there for, are in test_damaged_files.py; the 125,000-file fuzz
campaign of issue 23 ran outside the repository.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="needs hypothesis: pip install -e '.[test]'")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from minembed.predicting.subword_vectors import SubwordVectors  # noqa: E402
from minembed.vectors.formats import (  # noqa: E402
    load_glove_text, load_npz, load_word2vec_format, save_glove_text, save_npz, save_word2vec_format,
)

EXAMPLES = 150  # per test: 12 tests, ~8 s in all
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

FORMATS = {  # name: (save(path, words, vectors), load(path) -> (words, vectors), stores whitespace)
    "word2vec text": (save_word2vec_format, load_word2vec_format, False),
    "word2vec binary": (lambda path, w, v: save_word2vec_format(path, w, v, binary=True),
                        lambda path: load_word2vec_format(path, binary=True), False),
    "glove text": (save_glove_text, load_glove_text, False),
    "npz": (save_npz, load_npz, True),
}

# Any character but NUL and lone surrogates (no UTF-8 form); words are unique and non-empty.
characters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
any_word = st.text(characters, min_size=1, max_size=8)
plain_word = any_word.filter(lambda word: word.split() == [word])  # no whitespace: the text formats' words


@st.composite
def tables(draw, word=plain_word):
    """(words, (V, D) float32 vectors): any finite float32, -0.0 and subnormals included."""
    words = draw(st.lists(word, min_size=1, max_size=6, unique=True))
    dim = draw(st.integers(1, 5))
    finite = st.floats(width=32, allow_nan=False, allow_infinity=False)
    return words, draw(hnp.arrays(np.float32, (len(words), dim), elements=finite))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def assert_same_table(loaded, words, vectors):
    assert loaded[0] == list(words)
    assert loaded[1].dtype == np.float32 and loaded[1].tobytes() == vectors.tobytes()  # bit for bit


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", FORMATS)
@FUZZ
@given(table=tables(word=any_word))
def test_round_trip_of_any_table(folder, name, table):
    save, load, stores_whitespace = FORMATS[name]
    words, vectors = table
    path = folder / f"round-trip-{name}"
    path.unlink(missing_ok=True)
    if not stores_whitespace and any(word.split() != [word] for word in words):
        with pytest.raises(ValueError, match="contains whitespace"):
            save(path, words, vectors)
        assert not path.exists()
    elif name == "glove text" and words[0].startswith("\ufeff"):
        with pytest.raises(ValueError, match="byte-order mark"):
            save(path, words, vectors)
        assert not path.exists()
    else:
        save(path, words, vectors)
        assert_same_table(load(path), words, vectors)


WHITESPACE = st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2003", "\u2028", "\u3000"])


@pytest.mark.parametrize("name", [name for name, (_, _, stores_whitespace) in FORMATS.items() if not stores_whitespace])
@FUZZ
@given(words=st.lists(plain_word, min_size=1, max_size=4, unique=True), at=st.integers(0, 3),
       bad=st.tuples(st.text(characters, max_size=3), WHITESPACE, st.text(characters, max_size=3)).map("".join))
def test_the_text_writers_refuse_a_word_with_whitespace(folder, name, words, at, bad):
    save, _, _ = FORMATS[name]
    words = words[:at] + [bad] + words[at:]
    if len(set(words)) < len(words) or "\x00" in bad:
        return  # another error comes first
    path = folder / f"whitespace-{name}"
    path.unlink(missing_ok=True)
    row = words.index(bad)
    with pytest.raises(ValueError, match=rf"word {row} .* contains whitespace, which these text formats use as a "):
        save(path, words, np.ones((len(words), 2), np.float32))
    assert not path.exists()


# ----------------------------------------------------------------------------- mutations

MUTATIONS = ["flip", "insert", "delete", "overwrite", "truncate"]


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """`original` with one random mutation; never the same bytes."""
    kind = draw(st.sampled_from(MUTATIONS))
    at = draw(st.integers(0, len(original) - 1))
    if kind == "flip":
        data = bytearray(original)
        data[at] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if kind == "insert":
        return original[:at] + draw(st.binary(min_size=1, max_size=8)) + original[at:]
    if kind == "delete":
        return original[:at] + original[at + draw(st.integers(1, 8)):]
    if kind == "overwrite":
        new = draw(st.binary(min_size=1, max_size=8).filter(lambda piece: piece != original[at:at + len(piece)]))
        return original[:at] + new + original[at + len(new):]
    return original[:at]


def load_subword(path):
    loaded = SubwordVectors.load(path)
    return loaded.words, loaded.vectors, loaded.ngram_vectors, loaded.buckets


READERS = {**{name: (save, load) for name, (save, load, _) in FORMATS.items()},
           "subword npz": (lambda path, w, v: subword_table(w, v).save(path), load_subword)}


def subword_table(words, vectors) -> SubwordVectors:
    rows = np.arange(len(words), dtype=np.int64) * 7  # (R,) int64 bucket ids, sorted
    return SubwordVectors(words, vectors, vectors[::-1] * 0.5, rows, min_n=2, max_n=4, bucket=100)


@pytest.mark.parametrize("name", READERS)
@FUZZ
@given(data=st.data())
def test_a_mutated_file_loads_or_raises_value_error(folder, name, data):
    save, load = READERS[name]
    words, vectors = data.draw(tables())
    assume(name != "glove text" or not words[0].startswith("\ufeff"))  # the writer refuses it (see above)
    path = folder / f"mutant-{name}"
    save(path, words, vectors)
    saved = load(path)
    path.write_bytes(data.draw(mutated(path.read_bytes())))
    try:
        loaded = load(path)
    except ValueError as error:
        assert str(error).startswith(f"{path}: ")  # names the file
        return
    if name.endswith("npz"):  # an archive carries CRCs: damage never loads as other data
        assert all(np.array_equal(a, b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()
                   for a, b in zip(loaded, saved))
