"""The command line's files: a corpus to train on, a vectors file to ask, a text file of passages.

A vectors file is read by its ending: ``.npz`` (minembed's archive; one with n-gram rows, which
``minembed train --model fasttext`` writes, loads as :class:`SubwordVectors` and so answers words it
never saw), ``.txt`` / ``.vec`` (word2vec text) or ``.bin`` (word2vec binary); ``glove`` names the
pretrained GloVe 6B 50d table.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

__all__ = ["load_glove", "read_corpus", "read_lines", "load_vectors", "save_vectors"]


def load_glove(limit: int | None):
    """The pretrained GloVe 6B 50d table (its ``limit`` most frequent words), saying how long it took."""
    from minembed.data.pretrained import glove_6b_50d

    started = time.perf_counter()
    table = glove_6b_50d(limit=limit)
    print(f"loaded GloVe 6B 50d: {len(table):,} words x {table.vector_size} "
          f"in {time.perf_counter() - started:.1f} s")
    return table


def read_lines(name: str, what: str = "corpus") -> list[str]:
    """The non-blank lines of a UTF-8 text file (a byte-order mark allowed), or an error naming the
    line that is not UTF-8."""
    path = Path(name)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} {name!r}: give the path of a text file with one "
                                f"{'sentence' if what == 'corpus' else 'text'} per line")
    lines = []
    with open(path, "rb") as raw_lines:
        for number, raw in enumerate(raw_lines, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")  # a byte-order mark may open the file
            except UnicodeDecodeError as error:
                raise ValueError(f"{name}, line {number}: byte {raw[error.start]:#04x} at column {error.start + 1} "
                                 "is not UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8)") from None
            if line.strip():
                lines.append(line.strip())
    return lines


def read_corpus(name: str) -> list[list[str]]:
    """'wikipedia', 'lee' (gensim's test corpora) or a text file, one sentence per line, lowercased and
    tokenized."""
    from minembed.data import datasets
    from minembed.tokens import text

    if name == "wikipedia":
        return datasets.wikipedia_sample()
    if name == "lee":
        return datasets.lee_background()
    if not Path(name).is_file():
        raise FileNotFoundError(
            f"no corpus {name!r}: give 'wikipedia', 'lee' or the path of a text file "
            "with one sentence per line"
        )
    sentences = [sentence for line in read_lines(name) if (sentence := text.tokenize(line.lower()))]
    if not sentences:
        raise ValueError(f"{name} has no words (after lowercasing and tokenizing each line); give a text file with "
                         "one sentence per line")
    return sentences


def load_vectors(name: str):
    """A vectors file by its ending, or 'glove'; an archive with n-gram rows loads as SubwordVectors."""
    from minembed.vectors import Vectors

    if name == "glove":
        return load_glove(None)
    path = Path(name)
    if not path.is_file():
        raise FileNotFoundError(f"no vectors file {name!r}: give a .npz, .txt or .bin file, or 'glove'")
    if path.suffix == ".npz":
        try:
            with zipfile.ZipFile(path) as archive:
                has_ngrams = "ngram_vectors.npy" in archive.namelist()
        except zipfile.BadZipFile:
            has_ngrams = False  # Vectors.load says what is wrong with the file
        if has_ngrams:
            from minembed.predicting.subword_vectors import SubwordVectors

            return SubwordVectors.load(path)
        return Vectors.load(path)
    return Vectors.load_word2vec_format(path, binary=path.suffix == ".bin")


def save_vectors(vectors, out: str) -> None:
    """Write by the ending: .npz (with n-gram rows for fastText), .txt / .vec (word2vec text) or .bin."""
    path = Path(out)
    if path.suffix == ".npz":
        vectors.save(path)
    elif path.suffix in (".txt", ".vec", ".bin"):
        vectors.save_word2vec_format(path, binary=path.suffix == ".bin")
    else:
        raise ValueError(f"cannot tell the format of {out!r}: end it in .npz, .txt or .bin")
