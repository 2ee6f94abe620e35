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
are byte-for-byte the files gensim writes. Every save is atomic: a temporary file
beside the target is written, fsync'ed, then renamed over it.

But: no compressed files (.gz, .bz2), no word-count file (gensim's `fvocab`), no
encodings other than UTF-8, always float32 (no float16/float64 storage), no
memory-mapping. Stricter than gensim: duplicate words, nan/inf values and data
after the V rows the header declares are errors (gensim keeps the first duplicate,
accepts nan, ignores extra data). Words holding whitespace cannot be saved in the
text or binary formats (only .npz stores them); on reading, a word may hold any
character but a plain space or a newline, as in gensim.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

import numpy as np

PathLike = str | os.PathLike
ROWS_PER_BLOCK = 10_000  # rows formatted or parsed per batch (bounds memory, not results)
BINARY_CHUNK_BYTES = 1 << 20  # binary files are read 1 MiB at a time
MAX_WORD_BYTES = 10_000  # a binary "word" longer than this means the file is not what its header says


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
    with atomic_open(path) as file:
        _write_text_rows(file, words, vectors)


def save_npz(path: PathLike, words: Sequence[str], vectors: np.ndarray, **arrays: np.ndarray) -> None:
    """Write an .npz archive holding `words` (a unicode array, never pickled), `vectors`,
    and any further named numeric `arrays` (e.g. a subword model's n-gram rows)."""
    words, vectors = _checked_table(words, vectors, allow_whitespace=True)
    for name, array in arrays.items():
        if np.asarray(array).dtype.kind not in "biuf":
            raise ValueError(f"array {name!r} must be numeric (it is saved without pickle), got {np.asarray(array).dtype}")
    with atomic_open(path) as file:  # a file object, so np.savez adds no ".npz" suffix
        np.savez(file, words=np.array(words, dtype=np.str_), vectors=vectors, **arrays)


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
        if not allow_whitespace and word.split() != [word]:
            raise ValueError(
                f"word {row} {word!r} contains whitespace, which these text formats use as a "
                "separator; replace it (e.g. with '_') or save with save_npz, which stores any word"
            )
    if len(set(words)) != len(words):
        seen: dict[str, int] = {}
        for row, word in enumerate(words):
            if word in seen:
                raise ValueError(
                    f"word {word!r} appears twice (rows {seen[word]} and {row}); words must be unique"
                )
            seen[word] = row
    with np.errstate(over="ignore"):
        vectors = vectors.astype(np.float32)  # (V, D) float32, a fresh copy
    finite = np.isfinite(vectors).all(axis=1)  # (V,) bool
    if not finite.all():
        row = int(np.argmin(finite))
        raise ValueError(
            f"vectors[{row}] (word {words[row]!r}) holds nan, inf, or a value beyond float32's "
            "range (+-3.4e38); fix or drop that row before saving"
        )
    return words, vectors


@contextlib.contextmanager
def atomic_open(path: PathLike) -> Iterator[BinaryIO]:
    """Yield a temporary file beside `path`; on success fsync it and rename it onto `path`.

    On any error the temporary file is removed and an existing `path` is left untouched.
    """
    path = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save {path}: directory {directory} does not exist; create it first")
    mode = _mode_for(path)
    temporary = tempfile.NamedTemporaryFile(
        mode="wb", dir=directory, prefix=f".{name}.", suffix=".tmp", delete=False
    )
    try:
        yield temporary
        temporary.flush()
        os.fsync(temporary.fileno())
        temporary.close()
        os.chmod(temporary.name, mode)  # tempfile creates 0o600; give what open() would
        os.replace(temporary.name, path)
    except BaseException:
        temporary.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary.name)
        raise


def _mode_for(path: str) -> int:
    """Permission bits for `path`: those of the file it replaces, else 0o666 minus the umask."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(umask)
    return 0o666 & ~umask


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
        count, dim = _parse_header(header, path, binary)
        wanted = count if limit is None else min(count, limit)
        if binary:
            return _read_binary_rows(file, path, count, wanted, dim, len(header), unicode_errors)
        lines = _decoded_lines(file, path, 2, len(header), unicode_errors)
        words, vectors = _parse_text_rows(lines, path, dim, wanted)
        if len(words) < wanted:
            raise ValueError(
                f"{path}: line {len(words) + 2}: the file ends after {len(words)} of the "
                f"{count} words its header declares; it is truncated or the header is wrong"
            )
        if wanted == count:
            _check_no_more_lines(lines, path, count)
        return words, vectors


def load_glove_text(
    path: PathLike, limit: int | None = None, unicode_errors: str = "strict"
) -> tuple[list[str], np.ndarray]:
    """Read GloVe's text format (no header line); return its words and (V, D) float32 vectors."""
    path = os.fspath(path)
    _check_limit(limit)
    with open(path, "rb") as file:
        lines = _decoded_lines(file, path, 1, 0, unicode_errors)
        first = next(lines, None)
        if first is None:
            raise ValueError(f"{path}: the file is empty; expected lines of 'word v1 v2 ... vD'")
        fields = first[1].rstrip().split(" ")
        if len(fields) == 2 and all(field.isascii() and field.isdigit() for field in fields):
            raise ValueError(
                f"{path}: line 1 is {first[1].rstrip()!r}, which looks like a word2vec header "
                "'V D'; read this file with load_word2vec_format"
            )
        dim = len(fields) - 1
        if dim < 1:
            raise ValueError(f"{path}: line 1: expected 'word v1 v2 ... vD', found no numbers")
        return _parse_text_rows(itertools.chain([first], lines), path, dim, limit)


def load_npz(path: PathLike) -> tuple[list[str], np.ndarray]:
    """Read an archive written by save_npz; return its words and (V, D) float32 vectors."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            words, vectors = archive["words"], archive["vectors"]
    except (ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{path}: expected an .npz archive holding a unicode array 'words' and a float "
            f"array 'vectors', as save_npz writes (pickled data is never loaded): {error}"
        ) from None
    if words.dtype.kind != "U" or words.ndim != 1:
        raise ValueError(
            f"{path}: 'words' must be a 1-D unicode array, got {words.dtype} of shape {words.shape}"
        )
    if vectors.dtype.kind != "f" or vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(
            f"{path}: 'vectors' must be a float array of shape ({len(words)}, D), "
            f"got {vectors.dtype} of shape {vectors.shape}"
        )
    try:
        words, vectors = _checked_table(words.tolist(), vectors, allow_whitespace=True)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    return words, vectors


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive integer or None (read everything), got {limit!r}")


def _parse_header(header: bytes, path: str, binary: bool) -> tuple[int, int]:
    """The header line; anything but two positive integers is an error.

    >>> _parse_header(b"400000 50\\n", "glove.txt", binary=False)
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


def _decoded_lines(
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


def _parse_text_rows(
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
        if word in first_line:
            raise ValueError(
                f"{path}: line {line_number}: duplicate word {word!r} (first on line "
                f"{first_line[word]}); words must be unique"
            )
        first_line[word] = line_number
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
    finite = np.isfinite(block).all(axis=1)  # (N,) bool
    if not finite.all():
        row = int(np.argmin(finite))
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


def _check_no_more_lines(lines: Iterable[tuple[int, str]], path: str, count: int) -> None:
    for line_number, text in lines:
        if text.strip():
            raise ValueError(
                f"{path}: line {line_number}: unexpected data after the {count} words the "
                "header declares; is the header's word count wrong?"
            )


def _read_binary_rows(
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
        if word in first_seen:
            raise ValueError(
                f"{path}: byte {offset + start}: word {number} {word!r} duplicates word "
                f"{first_seen[word]}; words must be unique"
            )
        first_seen[word] = number
        words.append(word)
        vector_data += buffer[space + 1 : space + 1 + vector_bytes]
        vector_offsets.append(offset + space + 1)
        start = space + 1 + vector_bytes
    vectors = np.frombuffer(vector_data, dtype="<f4").reshape(-1, dim)  # (N, D) little-endian float32
    vectors = vectors.astype(np.float32)  # (N, D) native float32, a writable copy
    finite = np.isfinite(vectors).all(axis=1)  # (N,) bool
    if not finite.all():
        row = int(np.argmin(finite))
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
