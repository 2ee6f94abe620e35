"""Loaders for the offline corpora: each returns sentences as lists of lowercase tokens.

    wikipedia_sample()   205 Wikipedia articles (~470k tokens) shipped in gensim's test
                         data, read with gensim's own WikiCorpus (markup stripped,
                         gensim's tokenizer), so gensim and minembed see the same text
    lee_background()     300 news articles (~60k tokens), gensim's test data
    wordnet_glosses()    WordNet 3.0 definitions and examples (~1.4M tokens);
                         Debian package `wordnet-base`
    gcide()              the GNU Collaborative International Dictionary of English
                         (~5M tokens of definitions); Debian package `dict-gcide`
    dictionary_corpus()  the last two together: the larger parity and speed corpus

Long documents are cut into pieces of at most `max_sentence_length` tokens
(10,000: gensim's MAX_SENTENCE_LEN, beyond which gensim silently truncates),
so both libraries train on exactly the same windows.

But: no sentence splitting inside a Wikipedia article (an article is one long
sentence, as gensim's WikiCorpus gives it), no phrase detection; GCIDE markup
is removed with a few regexes, not parsed.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import os
import re
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

WIKI_SAMPLE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
WORDNET_DIR = Path("/usr/share/wordnet")
GCIDE_FILE = Path("/usr/share/dictd/gcide.dict.dz")
MAX_SENTENCE_LENGTH = 10_000  # gensim's MAX_SENTENCE_LEN

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lowercase words of letters (with an inner apostrophe): what the dictionary corpora use.

    >>> tokenize("The cat's 3 whiskers, e.g. LONG ones.")
    ['the', "cat's", 'whiskers', 'e', 'g', 'long', 'ones']
    """
    return _WORD.findall(text.lower())


def split_long(sentences: Iterable[list[str]], max_length: int = MAX_SENTENCE_LENGTH) -> Iterator[list[str]]:
    """Cut each token list into pieces of at most max_length tokens; drop empty ones.

    >>> list(split_long([["a", "b", "c"], []], max_length=2))
    [['a', 'b'], ['c']]
    """
    for sentence in sentences:
        for start in range(0, len(sentence), max_length):
            yield sentence[start:start + max_length]


def _gensim_test_file(name: str) -> str:
    """The path of a file in gensim's test data (gensim.test.utils.datapath), found
    without importing gensim, which takes seconds."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{name} ships with gensim's test data: pip install gensim")
    return os.path.join(spec.submodule_search_locations[0], "test", "test_data", name)


def wikipedia_text() -> str:
    """The raw text of the Wikipedia sample (MediaWiki XML, markup included)."""
    with bz2.open(_gensim_test_file(WIKI_SAMPLE), "rt", encoding="utf-8") as f:
        return f.read()


def wikipedia_prose(count: int, *, max_chars: int = 300, seed: int = 0) -> list[str]:
    """`count` sentences of the Wikipedia sample drawn at random (np.random.default_rng(seed)):
    the text split after . ! or ?, keeping pieces of 21 to max_chars - 1 characters with no
    markup characters (| & [ ] { } < > =), so plain prose for sentence encoders."""
    candidates = [
        s.strip() for s in re.split(r"(?<=[.!?])\s+", wikipedia_text())
        if 20 < len(s.strip()) < max_chars and not re.search(r"[|&\[\]{}<>=]", s)
    ]
    rng = np.random.default_rng(seed)
    return [candidates[i] for i in rng.choice(len(candidates), count, replace=False)]


def wikipedia_sample(max_length: int = MAX_SENTENCE_LENGTH) -> list[list[str]]:
    """The 205-article Wikipedia dump in gensim's test data, tokenised by gensim.WikiCorpus."""
    from gensim.corpora import WikiCorpus

    wiki = WikiCorpus(_gensim_test_file(WIKI_SAMPLE), dictionary={}, processes=1)
    return list(split_long(wiki.get_texts(), max_length))


def lee_background() -> list[list[str]]:
    """gensim's `lee_background.cor`, one news article per line, via gensim.utils.simple_preprocess."""
    from gensim.utils import simple_preprocess

    with open(_gensim_test_file("lee_background.cor"), encoding="latin-1") as lines:
        return [simple_preprocess(line) for line in lines if line.strip()]


def _require(path: Path, package: str) -> None:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: install the Debian package with "
                                f"`apt-get install -y {package}`")


def wordnet_glosses() -> list[list[str]]:
    """Every WordNet 3.0 gloss (the text after '| ' in data.noun/verb/adj/adv), one sentence each."""
    _require(WORDNET_DIR / "data.noun", "wordnet-base")
    sentences = []
    for part in ("noun", "verb", "adj", "adv"):
        with open(WORDNET_DIR / f"data.{part}", encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith("  "):  # the licence header
                    continue
                _, bar, gloss = line.partition("| ")
                if bar:
                    for piece in gloss.split(";"):  # definition; "example"; "example"
                        tokens = tokenize(piece)
                        if tokens:
                            sentences.append(tokens)
    return sentences


_MARKUP = re.compile(r"\\[^\\]*\\|\[[^\]]*\]|<[^>]*>|\{[^}]*\}")  # \pro*nun"ci*a`tion\, [etymology], tags


def gcide() -> list[list[str]]:
    """GCIDE dictionary entries (blank-line separated blocks), one sentence per entry, with
    pronunciations, [etymologies and sources] and markup removed."""
    _require(GCIDE_FILE, "dict-gcide")
    sentences = []
    with gzip.open(GCIDE_FILE, "rt", encoding="utf-8", errors="replace") as text:
        block: list[str] = []
        for line in text:
            if line.strip():
                block.append(line)
                continue
            tokens = tokenize(_MARKUP.sub(" ", " ".join(block)))
            block = []
            if len(tokens) > 1:
                sentences.append(tokens)
    return list(split_long(sentences))


def dictionary_corpus() -> list[list[str]]:
    """WordNet glosses followed by GCIDE (~6-7M tokens)."""
    return wordnet_glosses() + gcide()



CORPORA = {
    "wiki": wikipedia_sample,
    "lee": lee_background,
    "wordnet": wordnet_glosses,
    "gcide": gcide,
    "dictionary": dictionary_corpus,
}


def cached_corpus(name: str, cache_dir: str | Path) -> list[list[str]]:
    """A corpus from CORPORA, cached in `cache_dir` as ``NAME.npz`` (no pickle).

    The cache holds the distinct words as a unicode array, every token as an
    int32 id and each sentence's start offset. It is written atomically and read
    back with every member checked (minembed.vectors.archives): a damaged cache is a
    ValueError that says to delete it. Parsing WikiCorpus takes ~10 s, the cache ~1 s.
    """
    from minembed.vectors.archives import Layout, Problem, read_npz
    from minembed.vectors.atomic import atomic_open

    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; choose one of {', '.join(CORPORA)}")
    cache = Path(cache_dir) / f"{name}.npz"
    if cache.exists():
        layouts = {"words": Layout("<U", 1), "ids": Layout("<i4", 1), "offsets": Layout("<i8", 1)}

        def check_shapes(shapes: dict[str, tuple[int, ...]]) -> None:
            if shapes["offsets"][0] == 0:
                raise Problem("'offsets' is empty; it needs at least the 0 that starts the first sentence")

        try:
            stored = read_npz(cache, layouts, check_shapes)
            words, ids, offsets = stored["words"].tolist(), stored["ids"], stored["offsets"]
            if offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
                raise ValueError(f"{cache}: the offsets must rise from 0 to {len(ids)}, the number of ids")
            if len(ids) and (ids.min() < 0 or ids.max() >= len(words)):
                raise ValueError(f"{cache}: ids must lie in [0, {len(words)}), one per distinct word")
        except ValueError as error:
            raise ValueError(f"{error}; delete {cache} and it is built again from the corpus") from None
        return [[words[i] for i in ids[start:stop]] for start, stop in zip(offsets[:-1], offsets[1:])]
    sentences = CORPORA[name]()
    index: dict[str, int] = {}
    ids = np.fromiter((index.setdefault(w, len(index)) for s in sentences for w in s), dtype=np.int32)
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)  # (S + 1,) int64
    np.cumsum([len(s) for s in sentences], out=offsets[1:])
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    with atomic_open(cache) as file:
        np.savez(file, words=np.array(list(index), dtype="<U"), ids=ids.astype("<i4"), offsets=offsets.astype("<i8"))
    return sentences
