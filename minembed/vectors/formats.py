"""Reading and writing embedding tables: word2vec text and binary, GloVe text, NumPy .npz.

The layouts are those of the original C word2vec tool (Mikolov et al. 2013,
`word2vec.c`) as gensim 4.4 writes them (`KeyedVectors.save_word2vec_format`), and
of Stanford GloVe's text vectors (`glove.6B.50d.txt`):

    word2vec text    b"V D\\n", then per word  b"word v1 v2 ... vD\\n"
    word2vec binary  b"V D\\n", then per word  b"word " + D little-endian float32
    GloVe text       no header,  per word     b"word v1 v2 ... vD\\n"
    .npz             np.savez(words=<unicode array (V,)>, vectors=<float32 (V, D)>)

Words are UTF-8. A number in the text formats is written the way NumPy prints a
float32 (`str(np.float32(x))`: the shortest decimal that reads back as the same
float32), so tables survive a round trip bit for bit and the files minembed writes
are byte-for-byte the files gensim writes. Every save is atomic (minembed.vectors.atomic:
a temporary file beside the target, fsync'ed, renamed over it, the directory fsync'ed).
This file writes the tables and opens the files to read; the rows are parsed, with an
error that names the line or byte, in minembed.vectors.parsing, and .npz archives are
read member by member, every size checked before any allocation, by
minembed.vectors.archives. Whatever is wrong with a file's contents is a ValueError that
names the file and the line, byte or member; only a missing file is a FileNotFoundError.

Text or binary is the caller's choice (binary=), as in gensim, but a file one of whose
first rows reads as a text row of D numbers is refused in binary mode, so a text file
whose rows happen to take 4 * D bytes after the word no longer loads as nonsense; a
UTF-8 byte-order mark at the start of a text file is skipped.

But: no compressed files (.gz, .bz2), no word-count file (gensim's `fvocab`), no
encodings other than UTF-8, always float32 (no float16/float64 storage), no
memory-mapping. Stricter than gensim: duplicate words, nan/inf values and data
after the V rows the header declares are errors (gensim keeps the first duplicate,
accepts nan, ignores extra data). Words must be non-empty Unicode text without NUL (no
lone surrogates, which have no UTF-8 form). Words holding whitespace cannot be saved in the
text or binary formats (only .npz stores them), nor can a GloVe file start with a word
beginning with U+FEFF (it would read as a byte-order mark); on reading, a word may hold
any character but a plain space or a newline, as in gensim. An .npz must hold exactly
the dtypes save_npz writes (words '<U', vectors '<f4', C order): another dtype or byte
order is refused, not converted.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np

from minembed.vectors.archives import Layout, Problem, read_npz
from minembed.vectors.atomic import atomic_open  # also what figures/plots.py imports from here
from minembed.vectors.parsing import (
    BYTE_ORDER_MARK,
    check_header_fits,
    check_no_more_lines,
    decoded_lines,
    first_nonfinite_row,
    parse_header,
    parse_text_rows,
    read_binary_rows,
    refuse_text_in_binary_mode,
)

PathLike = str | os.PathLike
ROWS_PER_BLOCK = 10_000  # rows formatted per batch when writing (bounds memory, not results)
NPZ_TABLE = {"words": Layout("<U", 1), "vectors": Layout("<f4", 2)}  # what save_npz writes (and load_npz reads)


# ----------------------------------------------------------------------------- writing


def save_word2vec_format(
    path: PathLike, words: Sequence[str], vectors: np.ndarray, binary: bool = False
) -> None:
    """Write `words` and their `vectors` (V, D) in word2vec's text or binary format."""
    words, vectors = _checked_table(words, vectors, allow_whitespace=False)
    with atomic_open(path) as file:
        file.write(f"{vectors.shape[0]} {vectors.shape[1]}\n".encode("utf-8"))
        if binary:
            _write_binary_rows(file, words, vectors)
        else:
            _write_text_rows(file, words, vectors)


def save_glove_text(path: PathLike, words: Sequence[str], vectors: np.ndarray) -> None:
    """Write `words` and `vectors` (V, D) as GloVe does: word2vec text without the header."""
    words, vectors = _checked_table(words, vectors, allow_whitespace=False)
    if words[0].startswith(BYTE_ORDER_MARK):
        raise ValueError(
            f"word 0 {words[0]!r} starts with U+FEFF, which at the start of a GloVe file reads as a byte-order "
            "mark and would be dropped; put another word first or remove the character"
        )
    with atomic_open(path) as file:
        _write_text_rows(file, words, vectors)


def save_npz(path: PathLike, words: Sequence[str], vectors: np.ndarray, **arrays: np.ndarray) -> None:
    """Write an .npz archive holding `words` (a unicode array, never pickled), `vectors`,
    and any further named numeric `arrays` (e.g. a subword model's n-gram rows)."""
    words, vectors = _checked_table(words, vectors, allow_whitespace=True)
    for name, array in arrays.items():
        if np.asarray(array).dtype.kind not in "biuf":
            raise ValueError(
                f"array {name!r} must be numeric (it is saved without pickle), got {np.asarray(array).dtype}"
            )
    little_endian = {  # C order and little-endian whatever the machine, as the loaders require
        name: np.ascontiguousarray(array, dtype=np.asarray(array).dtype.newbyteorder("<"))
        for name, array in arrays.items()
    }
    with atomic_open(path) as file:  # a file object, so np.savez adds no ".npz" suffix
        np.savez(file, words=np.array(words, dtype="<U"), vectors=np.ascontiguousarray(vectors, dtype="<f4"),
                 **little_endian)


def _format_text_line(word: str, row: np.ndarray) -> str:
    """One text row, numbers printed as float32 (not as the float64 `row.tolist()` would give).

    >>> _format_text_line("cat", np.array([0.1, -2.0, 1e-05, 3e20], dtype=np.float32))
    'cat 0.1 -2.0 1e-05 3e+20\\n'
    """
    return word + " " + " ".join(map(str, row)) + "\n"


def _write_text_rows(file: BinaryIO, words: list[str], vectors: np.ndarray) -> None:
    for start in range(0, len(words), ROWS_PER_BLOCK):
        stop = start + ROWS_PER_BLOCK
        lines = map(_format_text_line, words[start:stop], vectors[start:stop])
        file.write("".join(lines).encode("utf-8"))


def _write_binary_rows(file: BinaryIO, words: list[str], vectors: np.ndarray) -> None:
    # Like gensim: no b"\n" after a vector (word2vec.c writes one; both readers skip it).
    little_endian = vectors.astype("<f4", copy=False)  # (V, D) float32, bytes as on disk
    for start in range(0, len(words), ROWS_PER_BLOCK):
        stop = start + ROWS_PER_BLOCK
        records = [
            word.encode("utf-8") + b" " + row.tobytes()
            for word, row in zip(words[start:stop], little_endian[start:stop])
        ]
        file.write(b"".join(records))


def _checked_table(
    words: Sequence[str], vectors: np.ndarray, allow_whitespace: bool
) -> tuple[list[str], np.ndarray]:
    """Check a table before any byte is written; return the words and (V, D) float32 vectors."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or 0 in vectors.shape:
        raise ValueError(f"vectors must be a non-empty 2-D (V, D) array, got shape {vectors.shape}")
    words = list(words)
    if len(words) != vectors.shape[0]:
        raise ValueError(f"got {len(words)} words for {vectors.shape[0]} vectors; pass one word per row")
    for row, word in enumerate(words):
        if not isinstance(word, str) or not word or "\0" in word:
            raise ValueError(f"word {row} is {word!r}: words must be non-empty strings without NUL")
        if not word.isascii():
            try:
                word.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"word {row} {word!r} holds a lone surrogate, which is not Unicode text and has no UTF-8 "
                    "form; decode the words with errors='replace' or drop it"
                ) from None
        if not allow_whitespace and word.split() != [word]:
            raise ValueError(
                f"word {row} {word!r} contains whitespace, which these text formats use as a "
                "separator; replace it (e.g. with '_') or save with save_npz, which stores any word"
            )
    if len(set(words)) != len(words):
        first_row: dict[str, int] = {}  # word -> the row it first stands in
        for row, word in enumerate(words):
            if first_row.setdefault(word, row) != row:
                raise ValueError(
                    f"word {word!r} appears twice (rows {first_row[word]} and {row}); words must be unique"
                )
    with np.errstate(over="ignore"):
        vectors = vectors.astype(np.float32)  # (V, D) float32, a fresh copy
    row = first_nonfinite_row(vectors)
    if row is not None:
        raise ValueError(
            f"vectors[{row}] (word {words[row]!r}) holds nan, inf, or a value beyond float32's "
            "range (+-3.4e38); fix or drop that row before saving"
        )
    return words, vectors


# ----------------------------------------------------------------------------- reading


def load_word2vec_format(
    path: PathLike, binary: bool = False, limit: int | None = None, unicode_errors: str = "strict"
) -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file; return its words and (V, D) float32 vectors.

    `limit` reads only the first rows; `unicode_errors` ('strict', 'replace', 'ignore')
    is passed to bytes.decode for the words, as in gensim.
    """
    path = os.fspath(path)
    _check_limit(limit)
    with open(path, "rb") as file:
        header = file.readline(1024)  # b"400000 50\n"; a longer first line is no header
        count, dim = parse_header(header.removeprefix(BYTE_ORDER_MARK.encode()), path, binary)
        wanted = count if limit is None else min(count, limit)
        check_header_fits(path, count, dim, wanted, os.fstat(file.fileno()).st_size - len(header), binary)
        if binary:
            refuse_text_in_binary_mode(file, path, dim)
            return read_binary_rows(file, path, count, wanted, dim, len(header), unicode_errors)
        lines = decoded_lines(file, path, 2, len(header), unicode_errors)
        words, vectors = parse_text_rows(lines, path, dim, wanted)
        if len(words) < wanted:
            raise ValueError(
                f"{path}: line {len(words) + 2}: the file ends after {len(words)} of the "
                f"{count} words its header declares; it is truncated or the header is wrong"
            )
        if wanted == count:
            check_no_more_lines(lines, path, count)
        return words, vectors


def load_glove_text(
    path: PathLike, limit: int | None = None, unicode_errors: str = "strict"
) -> tuple[list[str], np.ndarray]:
    """Read GloVe's text format (no header line); return its words and (V, D) float32 vectors."""
    path = os.fspath(path)
    _check_limit(limit)
    with open(path, "rb") as file:
        lines = decoded_lines(file, path, 1, 0, unicode_errors)
        first = next(lines, None)
        if first is None:
            raise ValueError(f"{path}: the file is empty; expected lines of 'word v1 v2 ... vD'")
        first = (1, first[1].removeprefix(BYTE_ORDER_MARK))  # a BOM is no part of the first word
        fields = first[1].rstrip().split(" ")
        if len(fields) == 2 and all(field.isascii() and field.isdigit() for field in fields):
            raise ValueError(
                f"{path}: line 1 is {first[1].rstrip()!r}, which looks like a word2vec header "
                "'V D'; read this file with load_word2vec_format"
            )
        dim = len(fields) - 1
        if dim < 1:
            raise ValueError(f"{path}: line 1: expected 'word v1 v2 ... vD', found no numbers")
        return parse_text_rows(itertools.chain([first], lines), path, dim, limit)


def load_npz(path: PathLike) -> tuple[list[str], np.ndarray]:
    """Read an archive written by save_npz; return its words and (V, D) float32 vectors.

    Every member is checked before any data is read (minembed.vectors.archives);
    pickled data is never loaded.
    """
    arrays = read_npz(path, NPZ_TABLE, check_table_shapes,
                      missing_hint="; expected 'words' and 'vectors' as save_npz (Vectors.save) writes")
    return checked_npz_table(path, arrays)


def check_table_shapes(shapes: dict[str, tuple[int, ...]]) -> None:
    """words (V,) and vectors (V, D), V and D at least 1: before any data is read."""
    (count,), (rows, dim) = shapes["words"], shapes["vectors"]
    if count == 0 or dim == 0 or rows != count:
        raise Problem(
            f"'vectors' has shape {(rows, dim)} for {count} words; expected one row of at least one number per word"
        )


def checked_npz_table(path: PathLike, arrays: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """The words and (V, D) float32 vectors of arrays read from an .npz, checked as a table to save would be."""
    try:
        return _checked_table(arrays["words"].tolist(), arrays["vectors"], allow_whitespace=True)
    except ValueError as error:
        raise ValueError(f"{os.fspath(path)}: {error}") from None


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive integer or None (read everything), got {limit!r}")
