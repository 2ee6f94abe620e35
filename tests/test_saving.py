"""Saving: the checks before any byte is written, atomic writes, and Corpus.save's two files as one save.

Every save in minembed goes through minembed.vectors.atomic: a temporary file beside the
target, fsync'ed, renamed over it, the directory fsync'ed. These tests break each step
(an exception midway, a failed rename or fsync, a process killed with SIGKILL) and check
that the old file is intact, no temporary file is left for long, and errors name the target.
"""

import errno
import fcntl
import os
import re
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

import minembed.vectors.atomic
import minembed.vectors.formats
from minembed.predicting.corpus import Corpus
from minembed.vectors.atomic import STALE_SECONDS, TEMPORARY_SUFFIX, temporary_name
from minembed.vectors.formats import load_word2vec_format, save_glove_text, save_npz, save_word2vec_format


@pytest.fixture(scope="module")
def small_table() -> tuple[list[str], np.ndarray]:
    """40 words and (40, 9) float32 vectors."""
    rng = np.random.default_rng(7)
    return [f"w{i}" for i in range(40)], rng.standard_normal((40, 9)).astype(np.float32)


# ----------------------------------------------------------------------------- checks before writing

SAVERS = {
    "word2vec text": lambda path, w, v: save_word2vec_format(path, w, v),
    "word2vec binary": lambda path, w, v: save_word2vec_format(path, w, v, binary=True),
    "glove text": save_glove_text,
}


@pytest.mark.parametrize("saver", SAVERS)
@pytest.mark.parametrize("word", ["new york", "tab\there", "nbsp\xa0", "line\nbreak", "\u2003em", "end "])
def test_words_with_whitespace_are_refused_before_writing(tmp_path, saver, word):
    with pytest.raises(ValueError, match=f"word 1 {re.escape(repr(word))} contains whitespace.*save_npz"):
        SAVERS[saver](tmp_path / "v", ["ok", word], np.ones((2, 3)))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "words, vectors, message",
    [
        (["a", ""], np.ones((2, 3)), r"word 1 is '': words must be non-empty strings"),
        (["a", 7], np.ones((2, 3)), r"word 1 is 7: words must be non-empty strings"),
        (["a", "b", "a"], np.ones((3, 3)), r"word 'a' appears twice \(rows 0 and 2\)"),
        (["a", "b"], np.ones((3, 3)), r"got 2 words for 3 vectors"),
        (["a"], np.ones(3), r"vectors must be a non-empty 2-D \(V, D\) array, got shape \(3,\)"),
        ([], np.ones((0, 3)), r"got shape \(0, 3\)"),
        (["a", "b"], np.array([[1, 2], [3, np.inf]]), r"vectors\[1\] \(word 'b'\) holds nan, inf"),
        (["a", "b"], np.array([[1, 2], [3, 1e39]]), r"vectors\[1\] \(word 'b'\) .*beyond float32's range"),
    ],
)
@pytest.mark.parametrize("saver", [*SAVERS, "npz"])
def test_bad_tables_are_refused_before_writing(tmp_path, saver, words, vectors, message):
    save = save_npz if saver == "npz" else SAVERS[saver]
    with pytest.raises(ValueError, match=message):
        save(tmp_path / "v", words, vectors)
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- atomic writes

OLD_CONTENT = b"1 1\nold 1.0\n"


@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt])
def test_failure_midway_leaves_old_file_and_no_temp(tmp_path, monkeypatch, small_table, exception):
    target = tmp_path / "vectors.txt"
    target.write_bytes(OLD_CONTENT)
    monkeypatch.setattr(minembed.vectors.formats, "ROWS_PER_BLOCK", 4)
    real_format = minembed.vectors.formats._format_text_line
    temp_names = []

    def failing_format(word, row):
        if word == small_table[0][10]:  # rows 0-7 have gone to the temporary file in two blocks
            temp_names.extend(name for name in os.listdir(tmp_path) if name != target.name)
            raise exception("disk on fire")
        return real_format(word, row)

    monkeypatch.setattr(minembed.vectors.formats, "_format_text_line", failing_format)
    with pytest.raises(exception, match="disk on fire"):
        save_word2vec_format(target, *small_table)
    assert len(temp_names) == 1 and temp_names[0].startswith(".vectors.txt.")  # a temp file existed...
    assert os.listdir(tmp_path) == [target.name]  # ...and is gone
    assert target.read_bytes() == OLD_CONTENT


def test_failed_rename_leaves_old_file_and_no_temp(tmp_path, monkeypatch, small_table):
    target = tmp_path / "vectors.bin"
    target.write_bytes(OLD_CONTENT)

    def failing_replace(source, destination):
        raise OSError("rename refused")

    monkeypatch.setattr(minembed.vectors.formats.os, "replace", failing_replace)
    with pytest.raises(OSError, match="rename refused"):
        save_word2vec_format(target, *small_table, binary=True)
    assert os.listdir(tmp_path) == [target.name]
    assert target.read_bytes() == OLD_CONTENT


@pytest.mark.parametrize("saver", [*SAVERS, "npz"])
def test_refused_table_leaves_old_file(tmp_path, saver):
    target = tmp_path / "vectors"
    target.write_bytes(OLD_CONTENT)
    save = save_npz if saver == "npz" else SAVERS[saver]
    with pytest.raises(ValueError, match=r"vectors\[1\] \(word 'b'\) holds nan"):
        save(target, ["a", "b"], np.array([[1.0, 2.0], [np.nan, 0.0]]))
    assert os.listdir(tmp_path) == [target.name]
    assert target.read_bytes() == OLD_CONTENT


def test_overwrite_keeps_permissions_and_new_files_follow_umask(tmp_path, small_table):
    target = tmp_path / "vectors.txt"
    target.write_bytes(OLD_CONTENT)
    os.chmod(target, 0o640)
    save_word2vec_format(target, *small_table)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert load_word2vec_format(target)[0] == small_table[0]
    umask = os.umask(0o022)
    try:
        save_glove_text(tmp_path / "new.txt", *small_table)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o644  # not tempfile's 0o600


def test_missing_directory_is_reported(tmp_path, small_table):
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        save_word2vec_format(tmp_path / "no" / "such" / "v.txt", *small_table)


def test_errors_name_the_target_not_the_temporary_file(tmp_path, monkeypatch, small_table):
    target = tmp_path / "vectors.txt"
    target.write_bytes(OLD_CONTENT)

    def full_disk(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(minembed.vectors.atomic.os, "fsync", full_disk)
    with pytest.raises(OSError, match=rf"cannot save {re.escape(str(target))}: No space left on device") as error:
        save_word2vec_format(target, *small_table)
    assert error.value.errno == errno.ENOSPC and TEMPORARY_SUFFIX not in str(error.value)
    assert os.listdir(tmp_path) == [target.name] and target.read_bytes() == OLD_CONTENT


def test_the_directory_is_synced_after_the_rename(tmp_path, monkeypatch):
    synced = []  # (directory, the target's content at that moment)
    real_fsync_directory = minembed.vectors.atomic._fsync_directory

    def recording(directory):
        synced.append((directory, (tmp_path / "v.txt").read_bytes()))
        real_fsync_directory(directory)

    monkeypatch.setattr(minembed.vectors.atomic, "_fsync_directory", recording)
    save_word2vec_format(tmp_path / "v.txt", ["a"], np.ones((1, 1)))
    assert synced == [(str(tmp_path), b"1 1\na 1.0\n")]


def stale(path, age_seconds: float = 3600):
    """Write a temporary file that looks `age_seconds` old."""
    path.write_bytes(b"half a table")
    os.utime(path, (time.time() - age_seconds, time.time() - age_seconds))
    return path


def test_stale_temporary_files_of_the_target_are_removed_by_the_next_save(tmp_path):
    dead = stale(tmp_path / temporary_name("v.txt", "0123456789abcdef"))  # its writer is gone
    young = stale(tmp_path / temporary_name("v.txt", "1111111111111111"), age_seconds=1)  # maybe just created
    locked = stale(tmp_path / temporary_name("v.txt", "2222222222222222"))  # its writer is still writing
    other = stale(tmp_path / temporary_name("v.txt.bak", "3333333333333333"))  # another target's
    unlike = stale(tmp_path / ".v.txt.notours.minembed-tmp")
    with open(locked, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        save_word2vec_format(tmp_path / "v.txt", ["a"], np.ones((1, 1)))
    assert not dead.exists()
    assert young.exists() and locked.exists() and other.exists() and unlike.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["v.txt", young.name, locked.name, other.name, unlike.name])


def test_a_save_killed_midway_leaves_a_temporary_file_that_the_next_save_removes(tmp_path):
    target = tmp_path / "vectors.npz"
    killed = ("import os, signal, sys\nfrom minembed.vectors.atomic import atomic_open\n"
              "with atomic_open(sys.argv[1]) as file:\n"
              "    file.write(b'half an archive'); file.flush(); os.kill(os.getpid(), signal.SIGKILL)\n")
    run = subprocess.run([sys.executable, "-c", killed, str(target)], capture_output=True)
    assert run.returncode == -signal.SIGKILL
    (left,) = os.listdir(tmp_path)  # no target, one temporary file
    assert re.fullmatch(r"\.vectors\.npz\.[0-9a-f]{16}\.minembed-tmp", left)
    stale(tmp_path / left, age_seconds=STALE_SECONDS + 1)  # as if a minute had passed
    save_npz(target, ["a"], np.ones((1, 1)))
    assert os.listdir(tmp_path) == ["vectors.npz"]


# ----------------------------------------------------------------------------- Corpus.save: two files, one save


def test_corpus_save_and_load(tmp_path):
    corpus = Corpus(np.array([3, 1, 4, 1, 5], np.int32), np.array([0, 2, 5]))
    corpus.save(tmp_path / "c")
    assert sorted(os.listdir(tmp_path)) == ["c.ids.npy", "c.offsets.npy"]
    loaded = Corpus.load(tmp_path / "c")
    assert isinstance(loaded.ids, np.memmap) and loaded.ids.tolist() == [3, 1, 4, 1, 5]
    assert loaded.offsets.tolist() == [0, 2, 5]


def test_a_corpus_save_interrupted_between_its_renames_is_refused_on_loading(tmp_path, monkeypatch):
    Corpus(np.array([1, 2], np.int32), np.array([0, 2])).save(tmp_path / "c")  # the old pair
    real_replace, renames = os.replace, []

    def dying_replace(source, destination):
        renames.append(destination)
        if len(renames) == 2:
            raise KeyboardInterrupt  # killed after the ids were renamed, before the offsets were
        real_replace(source, destination)

    monkeypatch.setattr(minembed.vectors.atomic.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        Corpus(np.array([7, 8, 9], np.int32), np.array([0, 1, 3])).save(tmp_path / "c")
    assert sorted(os.listdir(tmp_path)) == ["c.ids.npy"]  # new ids, no offsets, no temporary files
    with pytest.raises(FileNotFoundError, match=r"c.offsets.npy not found: .* Corpus.save was interrupted"):
        Corpus.load(tmp_path / "c")


def test_a_corpus_save_failing_before_its_renames_keeps_the_old_pair(tmp_path, monkeypatch):
    Corpus(np.array([1, 2], np.int32), np.array([0, 2])).save(tmp_path / "c")

    def failing_fsync(descriptor):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(minembed.vectors.atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match=r"cannot save .*c.ids.npy and .*c.offsets.npy: Input/output error"):
        Corpus(np.array([7, 8, 9], np.int32), np.array([0, 1, 3])).save(tmp_path / "c")
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["c.ids.npy", "c.offsets.npy"]
    assert Corpus.load(tmp_path / "c").ids.tolist() == [1, 2]


def test_corpus_files_that_do_not_belong_together_are_refused(tmp_path):
    Corpus(np.array([1, 2, 3], np.int32), np.array([0, 3])).save(tmp_path / "c")
    np.save(tmp_path / "c.offsets.npy", np.array([0, 2], np.int64))
    with pytest.raises(ValueError, match=r"c.offsets.npy: the offsets must rise from 0 to 3, .* do not belong"):
        Corpus.load(tmp_path / "c")
    np.save(tmp_path / "c.ids.npy", np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"c.ids.npy: the file holds '<f8' data; expected a 1-D array of '<i4'"):
        Corpus.load(tmp_path / "c")
    (tmp_path / "c.ids.npy").write_bytes(np.lib.format.magic(1, 0) + b"\x10\x00{'descr': '<i4'")
    with pytest.raises(ValueError, match=r"c.ids.npy: the file has no valid .npy header"):
        Corpus.load(tmp_path / "c")
