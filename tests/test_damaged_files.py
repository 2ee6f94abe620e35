"""Damaged and foreign files: each check of the readers, with the file it is there for.

minembed.vectors.archives checks every .npz member against the zip directory, its npy
header, the other members and the file's size before reading any data; each test
below builds the archive one check exists for (a header claiming (10**9, 50), a shrunk
shape, Fortran order, a big-endian or pickled array, an encrypted or bzip2 member, ...)
and asserts the ValueError that names the file, the member and the problem, so that
removing the check fails its test. The same holds for SubwordVectors.load, the corpus
cache and the text formats' words.
"""

import io
import os
import struct
import warnings
import zipfile

import numpy as np
import pytest

from minembed.data import datasets
from minembed.predicting.subword_vectors import SubwordVectors
from minembed.vectors import Vectors
from minembed.vectors.archives import Layout, Problem, read_npy_data, read_npy_header
from minembed.vectors.formats import (
    load_glove_text, load_npz, load_word2vec_format, save_glove_text, save_npz, save_word2vec_format,
)


def assert_same_table(loaded, words, vectors):
    assert loaded[0] == list(words)
    assert loaded[1].dtype == np.float32 and loaded[1].tobytes() == vectors.tobytes()  # bit for bit


# ----------------------------------------------------------------------------- the .npz reader's checks

MALFORMED_NPZ = {  # archives np.savez writes that are not what save_npz writes (damaged ones: DAMAGED_NPZ)
    "pickled words": (dict(words=np.array(["a", "b"], dtype=object), vectors=np.eye(2, dtype=np.float32)),
                      r"member 'words.npy' holds '\|O' data \(objects, which only pickle can read: minembed never "
                      r"unpickles\); expected a 1-D array of '<U' \(little-endian unicode\): convert it"),
    "no vectors": (dict(words=np.array(["a", "b"])), r"the archive has no vectors.npy \(it holds words.npy\); "
                   r"expected 'words' and 'vectors' as save_npz \(Vectors.save\) writes"),
    "rows for words": (dict(words=np.array(["a", "b"]), vectors=np.eye(3, dtype=np.float32)),
                       r"'vectors' has shape \(3, 3\) for 2 words; expected one row of at least one number per word"),
    "float64": (dict(words=np.array(["a", "b"]), vectors=np.eye(2)),
                r"member 'vectors.npy' holds '<f8' data; expected a 2-D array of '<f4' \(little-endian float32\): "
                r"convert it \(array.astype\('<f4'\)\) and save it again"),
    "duplicate": (dict(words=np.array(["a", "a"]), vectors=np.eye(2, dtype=np.float32)),
                  r"word 'a' appears twice \(rows 0 and 1\)"),
    "nan": (dict(words=np.array(["a", "b"]), vectors=np.array([[1, 2], [np.nan, 0]], np.float32)),
            r"vectors\[1\] \(word 'b'\) holds nan"),
    "empty word": (dict(words=np.array(["a", ""]), vectors=np.eye(2, dtype=np.float32)), r"word 1 is ''"),
}


@pytest.mark.parametrize("name", MALFORMED_NPZ)
def test_malformed_npz(tmp_path, name):
    arrays, message = MALFORMED_NPZ[name]
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=message) as error:
        load_npz(path)
    assert str(error.value).startswith(f"{path}: ")


def test_an_empty_or_foreign_file_is_no_npz(tmp_path):
    for content in (b"", b"3 2\na 1 2\n", np.lib.format.magic(1, 0)):
        (tmp_path / "bad.npz").write_bytes(content)
        with pytest.raises(ValueError, match=r"bad.npz: the archive cannot be read \(BadZipFile: File is not a zip"):
            load_npz(tmp_path / "bad.npz")




def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_with_header(header: str, data: bytes, version: bytes = b"\x01\x00") -> bytes:
    """An .npy with a hand-written header dict (padded to 64 bytes, as np.save pads)."""
    padding = (64 - (10 + len(header) + 1) % 64) % 64
    text = (header + " " * padding + "\n").encode("latin1")
    return b"\x93NUMPY" + version + struct.pack("<H", len(text)) + text + data


def archive(members: dict[str, bytes] | list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip of the members, as np.savez (stored) or np.savez_compressed (deflated) writes one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zip_file, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name", which one case wants
        for name, payload in (members.items() if isinstance(members, dict) else members):
            zip_file.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), payload, compression)
    return buffer.getvalue()


def flip_byte_of(data: bytes, piece: bytes) -> bytes:
    at = data.index(piece)
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


WORDS = np.array(["a", "bc"])  # (2,) '<U2'
VECTORS = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)  # (2, 3) float32
GOOD = {  # what SubwordVectors.save writes (Vectors.load and load_npz read the first two)
    "words.npy": npy(WORDS), "vectors.npy": npy(VECTORS), "ngram_vectors.npy": npy(VECTORS[:1]),
    "buckets.npy": npy(np.array([5], np.int64)), "ngram_parameters.npy": npy(np.array([3, 6, 10], np.int64)),
}
VECTORS_HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }"


def with_vectors_header(header: str, data: bytes = VECTORS.tobytes()) -> dict[str, bytes]:
    return {**GOOD, "vectors.npy": npy_with_header(header, data)}


def central_directory_field(data: bytes, member: int, offset: int, value: int, width: int = 4) -> bytes:
    """Set a field of the `member`-th central directory entry (offsets as in APPNOTE 4.3.12)."""
    out, start = bytearray(data), -1
    for _ in range(member + 1):
        start = out.index(b"PK\x01\x02", start + 1)
    struct.pack_into("<I" if width == 4 else "<H", out, start + offset, value)
    return bytes(out)


DAMAGED_NPZ = {  # name: (archive bytes, what the error must say)
    "not a zip": (b"not a zip at all", r"the archive cannot be read \(BadZipFile"),
    "missing member": (archive({name: GOOD[name] for name in GOOD if name != "vectors.npy"}),
                       r"the archive has no vectors.npy \(it holds words.npy, ngram_vectors.npy, buckets"),
    "member twice": (archive([*GOOD.items(), ("vectors.npy", npy(VECTORS * 2))]),
                     r"the archive holds vectors.npy more than once"),
    "encrypted": (central_directory_field(archive(GOOD), 1, 8, 1, width=2), r"'vectors.npy' is encrypted"),
    "bzip2": (archive(GOOD, zipfile.ZIP_BZIP2), r"'words.npy' uses zip compression method 12"),
    "larger than the file": (central_directory_field(central_directory_field(archive(GOOD), 1, 20, 10**6), 1, 24,
                                                     10**6), r"'vectors.npy' declares 1000000 bytes in a file of \d+"),
    "stored size": (central_directory_field(archive(GOOD), 1, 24, 10**6),
                    r"'vectors.npy' is stored uncompressed but declares 1000000 bytes in \d+"),
    "deflate ratio": (central_directory_field(archive(GOOD, zipfile.ZIP_DEFLATED), 1, 24, 10**6),
                      r"'vectors.npy' declares 1000000 bytes from \d+ compressed"),
    "no npy magic": (archive({**GOOD, "vectors.npy": VECTORS.tobytes()}),
                     r"'vectors.npy' has no valid .npy header \(ValueError: the magic string is not correct"),
    "header garbage": (archive(with_vectors_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3")),
                       r"'vectors.npy' has no valid .npy header"),
    "npy version 3": (archive({**GOOD, "vectors.npy": npy(VECTORS)[:6] + b"\x03\x00" + npy(VECTORS)[8:]}),
                      r"'vectors.npy' is in npy format 3.0"),
    "big-endian": (archive({**GOOD, "vectors.npy": npy(VECTORS.astype(">f4"))}),
                   r"'vectors.npy' holds '>f4' data; expected a 2-D array of '<f4'"),
    "pickled words": (archive({**GOOD, "words.npy": npy_with_header(
        "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", b"\x80\x04N.")}),
        r"'words.npy' holds '\|O' data \(objects, which only pickle can read: minembed never unpickles\)"),
    "words 2-D": (archive({**GOOD, "words.npy": npy(WORDS[None, :])}), r"'words.npy' has shape \(1, 2\)"),
    "negative shape": (archive(with_vectors_header(VECTORS_HEADER % "(-2, -3)")),  # (-2) x (-3) x 4 == 24 bytes
                       r"member 'vectors.npy' has shape \(-2, -3\); expected a 2-D array"),
    "fortran order": (archive({**GOOD, "vectors.npy": npy(np.asfortranarray(VECTORS))}),
                      r"'vectors.npy' is stored in Fortran order"),
    "shrunk shape": (archive(with_vectors_header(VECTORS_HEADER % "(2, 2)")),
                     r"declares shape \(2, 2\) of '<f4' in its header, 16 bytes of data, but 24 bytes follow"),
    "1e9 rows": (archive(with_vectors_header(VECTORS_HEADER % "(1000000000, 50)")),
                 r"declares shape \(1000000000, 50\) of '<f4' in its header, 200000000000 bytes"),
    "rows for words": (archive({**GOOD, "vectors.npy": npy(np.ones((3, 3), np.float32))}),
                       r"npz: 'vectors' has shape \(3, 3\) for 2 words"),
    "no character": (archive({**GOOD, "words.npy": npy(WORDS)[:-8] + struct.pack("<2I", 0x110000, 0x63)}),
                     r"'words.npy' holds code 0x110000 in string 1, which is no character"),
    "bad crc": (flip_byte_of(archive(GOOD), VECTORS.tobytes()), r"'vectors.npy' cannot be read \(BadZipFile: Bad CRC"),
}


@pytest.mark.parametrize("name", DAMAGED_NPZ)
def test_each_check_of_the_npz_reader(tmp_path, name):
    content, message = DAMAGED_NPZ[name]
    path = tmp_path / "damaged.npz"
    path.write_bytes(content)
    for load in (load_npz, Vectors.load, SubwordVectors.load):
        with pytest.raises(ValueError, match=message) as error:
            load(path)
        assert str(error.value).startswith(f"{path}: ")


def test_data_that_changes_size_after_the_header_check_is_refused():
    """read_npy_data's guards against a file cut or grown between the size check and the read."""
    payload = npy(VECTORS)  # header + 24 bytes of data
    header = read_npy_header(io.BytesIO(payload), len(payload), Layout("<f4", 2))
    with pytest.raises(Problem, match=r"ends after 20 of its 24 bytes of data"):
        read_npy_data(io.BytesIO(payload[header.data_offset:-4]), header)
    with pytest.raises(Problem, match=r"holds more than the 24 bytes of data its header declares"):
        read_npy_data(io.BytesIO(payload[header.data_offset:] + b"\0"), header)


def test_the_good_archive_loads(tmp_path):
    path = tmp_path / "good.npz"
    path.write_bytes(archive(GOOD))
    assert_same_table(load_npz(path), ["a", "bc"], VECTORS)
    path.write_bytes(archive(GOOD, zipfile.ZIP_DEFLATED))  # np.savez_compressed's layout reads too
    assert_same_table(load_npz(path), ["a", "bc"], VECTORS)


def test_a_missing_file_stays_file_not_found(tmp_path):
    for load in (load_npz, Vectors.load, SubwordVectors.load, load_word2vec_format, load_glove_text):
        with pytest.raises(FileNotFoundError):
            load(tmp_path / "no-such-file")


def test_a_damaged_corpus_cache_says_to_delete_it(tmp_path, monkeypatch):
    sentences = [["the", "cat"], ["sat", "on", "the", "mat"]]
    monkeypatch.setitem(datasets.CORPORA, "tiny", lambda: sentences)
    assert datasets.cached_corpus("tiny", tmp_path) == sentences  # builds tiny.npz
    assert datasets.cached_corpus("tiny", tmp_path) == sentences  # reads it
    cache = tmp_path / "tiny.npz"
    np.savez(cache, words=np.array(["the", "cat"]), ids=np.array([0, 5], np.int32), offsets=np.array([0, 2]))
    with pytest.raises(ValueError, match=rf"tiny.npz: ids must lie in \[0, 2\).*; delete {cache} and it is built"):
        datasets.cached_corpus("tiny", tmp_path)
    cache.write_bytes(cache.read_bytes()[:-30])
    with pytest.raises(ValueError, match=r"tiny.npz: the archive cannot be read \(BadZipFile.*; delete"):
        datasets.cached_corpus("tiny", tmp_path)


SAVERS = {"word2vec text": save_word2vec_format, "glove text": save_glove_text, "npz": save_npz,
          "word2vec binary": lambda path, w, v: save_word2vec_format(path, w, v, binary=True)}


def test_words_without_unicode_text_are_refused(tmp_path):
    for name, save in SAVERS.items():
        with pytest.raises(ValueError, match=r"word 1 'b\\ud800' holds a lone surrogate"):
            save(tmp_path / name, ["a", "b\ud800"], np.ones((2, 2)))
    assert os.listdir(tmp_path) == []


def test_subword_archives_are_checked_member_against_member_before_any_data(tmp_path):
    path = tmp_path / "subword.npz"
    rows = np.ones((2000, 3), np.float32)  # (2000, 3) n-gram rows for 1 bucket id: 24 kB, beyond zipfile's
    rows[-1, -1] = 7.0  # 4 kB read-ahead, so its CRC is checked only once the data is read, after the shapes
    path.write_bytes(flip_byte_of(archive({**GOOD, "ngram_vectors.npy": npy(rows)}), np.float32(7).tobytes()))
    with pytest.raises(ValueError, match=r"ngram_vectors has shape \(2000, 3\); with 1 buckets and dimension 3"):
        SubwordVectors.load(path)  # the shapes are refused before the damaged data is read
    path.write_bytes(archive({**GOOD, "ngram_parameters.npy": npy(np.array([3, 6], np.int64))}))
    with pytest.raises(ValueError, match=r"'ngram_parameters' has shape \(2,\); expected three integers"):
        SubwordVectors.load(path)
    path.write_bytes(archive({**GOOD, "buckets.npy": npy(np.array([10], np.int64))}))
    with pytest.raises(ValueError, match=r"'buckets' must be distinct bucket ids in \[0, 10\), sorted"):
        SubwordVectors.load(path)
    path.write_bytes(archive(GOOD))
    loaded = SubwordVectors.load(path)
    assert (loaded.words, loaded.buckets.tolist(), loaded.bucket) == (["a", "bc"], [5], 10)
