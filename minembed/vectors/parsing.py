"""Parsing the rows of word2vec and GloVe files: the work behind formats.py's readers.

minembed.vectors.formats opens the file and reads the header; this file turns
what follows into words and a (V, D) float32 array, and says exactly where a
file goes wrong:

    text (word2vec, GloVe)  b"word v1 v2 ... vD\\n" per line; errors name the line
    word2vec binary         b"word " + D little-endian float32 per word; errors name the byte

Before any row is read, the header's V and D are checked against the file's size
(V rows of D numbers take at least V * (2D + 2) - 1 bytes as text, V * (4D + 2) as
binary), so a header claiming 10**9 rows or dimensions fails at once. In binary mode
the first row is looked at as text: if it reads as 1 word + D decimal numbers ending
in a newline, the file is text (binary float32 values would have to spell decimals
byte by byte, which real vectors never do) and binary mode refuses it; the next two
lines are looked at too, so a damaged first row does not let a text file through.

Numbers are parsed as gensim parses them (each decimal rounded through float64
to float32), in blocks of ROWS_PER_BLOCK lines by np.loadtxt's C parser, with a
one-line-at-a-time reference beside it (_parse_numbers_one_by_one) that the
tests hold it to. The binary reader takes the file BINARY_CHUNK_BYTES at a time.

But: a word is whatever stands before the first space (so it may hold a tab or
a no-break space, as in gensim); no memory-mapping; nan, inf and duplicate words
are refused rather than kept.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import numpy as np

ROWS_PER_BLOCK = 10_000  # text rows parsed per batch (bounds memory, not results)
BINARY_CHUNK_BYTES = 1 << 20  # binary files are read 1 MiB at a time
MAX_WORD_BYTES = 10_000  # a binary "word" longer than this means the file is not what its header says
MAX_NUMBER_BYTES = 64  # a decimal in a text row is at most this long, for the text-or-binary look
TEXT_ROWS_LOOKED_AT = 3  # binary mode refuses a file if one of its first 3 lines reads as a text row
BYTE_ORDER_MARK = "\ufeff"  # what some editors put at the start of a UTF-8 file; not part of any word
_DECIMAL = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf|infinity)", re.IGNORECASE)


def first_nonfinite_row(vectors: np.ndarray) -> int | None:
    """The index of the first row holding nan or inf, or None when every value is finite.

    >>> first_nonfinite_row(np.array([[1.0, 2.0], [np.inf, 0.0], [np.nan, 1.0]]))
    1
    """
    finite = np.isfinite(vectors).all(axis=1)  # (N,) bool
    return None if finite.all() else int(np.argmin(finite))


def parse_header(header: bytes, path: str, binary: bool) -> tuple[int, int]:
    """The header line; anything but two positive integers is an error.

    >>> parse_header(b"400000 50\\n", "glove.txt", binary=False)
    (400000, 50)
    """
    fields = header.split()
    if len(fields) == 2 and all(field.isdigit() and int(field) > 0 for field in fields):
        return int(fields[0]), int(fields[1])
    shown = header[:60].decode("utf-8", "replace").rstrip("\n")
    hint = "" if binary else "; if the file has no header (GloVe's format), use load_glove_text"
    raise ValueError(
        f"{path}: line 1: expected a header of two positive integers 'V D' "
        f"(word count, dimensions), found {shown!r}{hint}"
    )


def check_header_fits(path: str, count: int, dim: int, wanted: int, body_bytes: int, binary: bool) -> None:
    """The header's V and D against the bytes after it, before any row is read.

    Fewest bytes per row: a 1-byte word, a space and D float32 (binary), or a 1-byte
    word and D one-digit numbers with their spaces and a newline (text; the last line
    may lack the newline).

    >>> check_header_fits("v.bin", 2, 50, 2, 300, binary=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: v.bin: line 1: the header declares 2 words of 50 numbers, at least 404 bytes as binary, ...
    """
    row_bytes = 4 * dim + 2 if binary else 2 * dim + 2
    needed = wanted * row_bytes - (0 if binary else 1)
    if needed > body_bytes:
        layout = "binary" if binary else "text"
        raise ValueError(
            f"{path}: line 1: the header declares {count} words of {dim} numbers, at least {needed} bytes as "
            f"{layout}{'' if wanted == count else f' for the first {wanted}'}, but {body_bytes} bytes follow it; "
            "the file is cut short or the header is wrong"
        )


def refuse_text_in_binary_mode(file: BinaryIO, path: str, dim: int) -> None:
    """Raise if one of the first TEXT_ROWS_LOOKED_AT lines after the header reads as a
    text row of 1 word + `dim` decimal numbers; then put the file back where it was.

    (Looking past the first line also catches a text file whose first row is damaged.)

    >>> import io
    >>> refuse_text_in_binary_mode(io.BytesIO(b"a 1.5 2.5\\nb 3.5 4.5\\n"), "v.bin", dim=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: v.bin: line 2 is 'a 1.5 2.5', a text row of 1 word + 2 numbers: this is a word2vec text file; ...
    """
    start, wanted = file.tell(), TEXT_ROWS_LOOKED_AT * (MAX_WORD_BYTES + MAX_NUMBER_BYTES * dim)
    sample = file.read(wanted)
    file.seek(start)
    lines = sample.split(b"\n")[:TEXT_ROWS_LOOKED_AT + 1]
    if len(sample) == wanted:
        lines = lines[:-1]  # the last piece may be cut by the sample's end: only whole lines count
    for line_number, line in enumerate(lines[:TEXT_ROWS_LOOKED_AT], start=2):
        fields = line.rstrip(b"\r").rstrip(b" ").split(b" ")  # word2vec.c ends a row with "vD \n"
        if len(fields) == dim + 1 and fields[0] and all(_DECIMAL.fullmatch(field) for field in fields[1:]):
            shown = line.decode("utf-8", "replace").rstrip()
            raise ValueError(
                f"{path}: line {line_number} is {shown[:80]!r}, a text row of 1 word + {dim} numbers: this is a "
                "word2vec text file; load it with binary=False"
            )


# ----------------------------------------------------------------------------- text rows


def decoded_lines(
    file: BinaryIO, path: str, line_number: int, offset: int, unicode_errors: str
) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for each line of `file`; `offset` is the byte where it starts."""
    for raw in file:
        try:
            text = raw.decode("utf-8", unicode_errors)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{path}: line {line_number}: invalid UTF-8 at byte {offset + error.start} (a binary "
                "word2vec file? then pass binary=True); pass unicode_errors='replace' or 'ignore' "
                "to load it anyway"
            ) from None
        yield line_number, text
        line_number, offset = line_number + 1, offset + len(raw)


def parse_text_rows(
    lines: Iterable[tuple[int, str]], path: str, dim: int, limit: int | None
) -> tuple[list[str], np.ndarray]:
    """Parse lines of 'word v1 ... vD' (up to `limit` of them) into words and (N, D) float32."""
    words: list[str] = []
    first_line: dict[str, int] = {}  # word -> the line it appeared on
    blocks: list[np.ndarray] = []  # each (<= ROWS_PER_BLOCK, D) float32
    numbers: list[str] = []  # "v1 ... vD" of the rows not parsed yet
    line_numbers: list[int] = []
    for line_number, text in itertools.islice(lines, limit):
        word, _, row_numbers = text.rstrip().partition(" ")
        if not word or not row_numbers or row_numbers.count(" ") != dim - 1:
            raise ValueError(
                f"{path}: line {line_number}: expected 1 word + {dim} numbers separated by "
                f"single spaces, found {_describe_fields(text)}"
            )
        if first_line.setdefault(word, line_number) != line_number:
            raise ValueError(
                f"{path}: line {line_number}: duplicate word {word!r} (first on line "
                f"{first_line[word]}); words must be unique"
            )
        words.append(word)
        numbers.append(row_numbers)
        line_numbers.append(line_number)
        if len(numbers) == ROWS_PER_BLOCK:
            blocks.append(_parse_numbers(numbers, line_numbers, path, dim))
            numbers, line_numbers = [], []
    if numbers:
        blocks.append(_parse_numbers(numbers, line_numbers, path, dim))
    vectors = np.concatenate(blocks) if blocks else np.empty((0, dim), np.float32)  # (N, D) float32
    return words, vectors


def _describe_fields(text: str) -> str:
    """What a bad line holds, for an error message.

    >>> [_describe_fields(text) for text in ["a 1 2", "a 1  2", " 1 2", ""]]
    ['2', 'two spaces in a row', 'a line starting with a space', 'an empty line']
    """
    fields = text.rstrip().split(" ")
    if not text.strip():
        return "an empty line"
    if not fields[0]:
        return "a line starting with a space"
    if "" in fields:
        return "two spaces in a row"
    return str(len(fields) - 1)


def _parse_numbers(numbers: list[str], line_numbers: list[int], path: str, dim: int) -> np.ndarray:
    """Parse rows of numbers into (N, D) float32, which must be finite.

    Fast path: np.loadtxt's C parser (numpy >= 1.23; 8x faster than gensim's loop).
    It is stricter than np.float32() (no '1_000'), so on any complaint the rows are
    parsed again one by one, which either names the bad line or gives the float32
    values gensim would give. Both round a decimal through float64, bit for bit alike.

    >>> _parse_numbers(["0.1 2", "3 -4e-05"], [2, 3], "vectors.txt", dim=2)
    array([[ 1.e-01,  2.e+00],
           [ 3.e+00, -4.e-05]], dtype=float32)
    """
    try:
        with np.errstate(over="ignore"):
            block = np.loadtxt(  # (N, D) float32
                numbers, dtype=np.float32, delimiter=" ", comments=None, quotechar=None, ndmin=2
            )
        if block.shape != (len(numbers), dim):
            raise ValueError("row count changed")
    except ValueError:
        block = _parse_numbers_one_by_one(numbers, line_numbers, path)
    row = first_nonfinite_row(block)
    if row is not None:
        bad = numbers[row].split(" ")[int(np.argmin(np.isfinite(block[row])))]
        raise ValueError(
            f"{path}: line {line_numbers[row]}: value {bad!r} is not a finite float32 "
            "(nan, inf, or beyond +-3.4e38); minembed does not load non-finite vectors"
        )
    return block


def _parse_numbers_one_by_one(numbers: list[str], line_numbers: list[int], path: str) -> np.ndarray:
    """The readable reference for _parse_numbers: one line, one np.array call."""
    rows = []
    for row_numbers, line_number in zip(numbers, line_numbers):
        tokens = row_numbers.split(" ")
        try:
            with np.errstate(over="ignore"):
                rows.append(np.array(tokens, dtype=np.float32))  # (D,) float32
        except ValueError:
            bad = [token for token in tokens if not _is_number(token)][0]
            raise ValueError(f"{path}: line {line_number}: {bad!r} is not a number") from None
    return np.stack(rows)  # (N, D) float32


def _is_number(token: str) -> bool:
    """'0.5' -> True, '1e99' -> True (inf in float32), 'abc' -> False; as np.float32(token) parses it."""
    try:
        with np.errstate(over="ignore"):
            np.float32(token)
    except ValueError:
        return False
    return True


def check_no_more_lines(lines: Iterable[tuple[int, str]], path: str, count: int) -> None:
    for line_number, text in lines:
        if text.strip():
            raise ValueError(
                f"{path}: line {line_number}: unexpected data after the {count} words the "
                "header declares; is the header's word count wrong?"
            )



# ----------------------------------------------------------------------------- binary records


def read_binary_rows(
    file: BinaryIO, path: str, count: int, wanted: int, dim: int, offset: int, unicode_errors: str
) -> tuple[list[str], np.ndarray]:
    """Read `wanted` records of b"word " + `dim` little-endian float32 each, starting at byte `offset`."""
    vector_bytes = 4 * dim
    words: list[str] = []
    first_seen: dict[str, int] = {}  # word -> its 1-based number in the file
    vector_data = bytearray()  # the vectors' bytes, one after another: N * 4D bytes
    vector_offsets: list[int] = []  # where each row's bytes start, for error messages
    buffer, start = b"", 0  # unparsed bytes are buffer[start:]; buffer[0] sits at byte `offset`
    for number in range(1, wanted + 1):
        while True:  # make sure the buffer holds one whole record
            while start < len(buffer) and buffer[start] == 0x0A:  # word2vec.c puts b"\n" between records
                start += 1
            space = buffer.find(b" ", start, start + MAX_WORD_BYTES + 1)
            if space != -1 and len(buffer) - (space + 1) >= vector_bytes:
                break
            if space == -1 and len(buffer) - start > MAX_WORD_BYTES:
                raise ValueError(
                    f"{path}: byte {offset + start}: no space within {MAX_WORD_BYTES} bytes where word "
                    f"{number} should start; is this a text file (binary=False) or is the header's D wrong?"
                )
            more = file.read(BINARY_CHUNK_BYTES)
            if not more:
                end = offset + len(buffer)
                if space == -1:
                    expected = f"word {number} of {count} followed by a space"
                else:
                    word = buffer[start:space].decode("utf-8", "replace")
                    expected = f"{vector_bytes} bytes of vector for word {number} {word!r}"
                raise ValueError(f"{path}: truncated at byte {end}: expected {expected}")
            buffer, offset, start = buffer[start:] + more, offset + start, 0
        try:
            word = buffer[start:space].decode("utf-8", unicode_errors)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{path}: word {number}: invalid UTF-8 at byte {offset + start + error.start}; "
                "pass unicode_errors='replace' or 'ignore' to load it anyway"
            ) from None
        if not word or "\n" in word:
            raise ValueError(
                f"{path}: byte {offset + start}: word {number} is {word!r}, not a word; the file "
                "is damaged, or it is a text file (binary=False), or the header's D is wrong"
            )
        if first_seen.setdefault(word, number) != number:
            raise ValueError(
                f"{path}: byte {offset + start}: word {number} {word!r} duplicates word "
                f"{first_seen[word]}; words must be unique"
            )
        words.append(word)
        vector_data += buffer[space + 1 : space + 1 + vector_bytes]
        vector_offsets.append(offset + space + 1)
        start = space + 1 + vector_bytes
    vectors = np.frombuffer(vector_data, dtype="<f4").reshape(-1, dim)  # (N, D) little-endian float32
    vectors = vectors.astype(np.float32)  # (N, D) native float32, a writable copy
    row = first_nonfinite_row(vectors)
    if row is not None:
        raise ValueError(
            f"{path}: byte {vector_offsets[row]}: the vector of word {row + 1} {words[row]!r} holds "
            "nan or inf; minembed does not load non-finite vectors"
        )
    if wanted == count:
        _check_no_more_bytes(file, path, buffer[start:], offset + start, count)
    return words, vectors


def _check_no_more_bytes(file: BinaryIO, path: str, rest: bytes, offset: int, count: int) -> None:
    """Only b"\\n" may follow the last record (word2vec.c ends the file with one)."""
    while rest:
        junk = len(rest) - len(rest.lstrip(b"\n"))
        if junk < len(rest):
            raise ValueError(
                f"{path}: byte {offset + junk}: unexpected data after the {count} words the "
                "header declares; is the header's word count wrong?"
            )
        offset += len(rest)
        rest = file.read(BINARY_CHUNK_BYTES)
