"""The corpus as word2vec reads it: one id array, and the examples drawn from it.

Shared by minembed.predicting.word2vec and minembed.predicting.subword; follows the word2vec C tool
(`TrainModelThread`) and gensim 4 (`word2vec_inner.pyx`):

    Corpus              ids (N,) int32 + sentence offsets (S + 1,) int64, a memory-mappable .npy pair
                        (saved atomically as a pair; loaded with headers checked against sizes)
    sentence_chunks     runs of whole sentences of ~chunk_words tokens: one is read at a time
    subsample           drop frequent words at random, before any window is drawn (sample=1e-3)
    subsampled_chunks   one epoch's chunks, subsampled: what both word2vec loops walk over
    learning_rate       alpha falling linearly to min_alpha over all epochs' tokens
    shuffled_positions  the order in which a chunk's centre words are visited (blocks of 32)
    shrunk_windows      the "dynamic" window: b drawn from 1..window for each centre word
    window_positions    the positions inside each centre's window and sentence
    skipgram_pairs      (context, centre) position pairs; cbow_contexts: each centre's contexts

But: no phrase detection, and sentences are not cut here (minembed.data.datasets cuts
long documents at gensim's 10,000 tokens); a window never crosses a sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from minembed.tokens.vocab import Vocabulary
from minembed.vectors.archives import Layout, read_npy
from minembed.vectors.atomic import atomic_files

__all__ = [
    "Corpus", "sentence_chunks", "subsample", "subsampled_chunks", "learning_rate", "shuffled_positions",
    "shrunk_windows", "window_positions",
    "skipgram_pairs", "cbow_contexts",
]


class Corpus:
    """The whole corpus as one id array; sentence s is ids[offsets[s]:offsets[s + 1]].

    ids      (N,) int32     word ids, unknown and rare words already dropped
    offsets  (S + 1,) int64 where each sentence starts; offsets[-1] == N

    >>> vocab = Vocabulary(["the", "cat", "sat"], [2, 1, 1])
    >>> corpus = Corpus.from_sentences([["the", "cat"], ["the", "dog", "sat"]], vocab)
    >>> corpus.ids.tolist(), corpus.offsets.tolist()
    ([0, 1, 0, 2], [0, 2, 4])
    """

    def __init__(self, ids: np.ndarray, offsets: np.ndarray) -> None:
        self.ids = ids  # (N,) int32, may be a read-only np.memmap
        self.offsets = np.asarray(offsets, dtype=np.int64)  # (S + 1,) int64
        if self.ids.dtype != np.int32 or self.ids.ndim != 1:
            raise ValueError(f"corpus ids must be a 1-D int32 array, got {self.ids.dtype} of shape {self.ids.shape}")
        if self.offsets[0] != 0 or self.offsets[-1] != len(self.ids) or np.any(np.diff(self.offsets) < 0):
            raise ValueError("offsets must rise from 0 to len(ids); build them with Corpus.from_sentences")

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]], vocab: Vocabulary) -> Corpus:
        """Encode token lists, dropping words not in `vocab` (as vocab.encode does).

        The ids stream straight into one array (np.fromiter), never into a
        list of per-sentence arrays, which for a million short sentences would
        cost ~100 bytes of overhead each.
        """
        lengths: list[int] = []

        def all_ids():
            for sentence in sentences:
                if isinstance(sentence, str):
                    raise TypeError("each sentence must be a list of tokens, got a str; tokenize it first")
                ids = [vocab.index[word] for word in sentence if word in vocab.index]
                lengths.append(len(ids))
                yield from ids

        ids = np.fromiter(all_ids(), dtype=np.int32)  # (N,) int32
        return cls(ids, np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]))

    def save(self, prefix: str | Path) -> None:
        """Write `<prefix>.ids.npy` and `<prefix>.offsets.npy`, atomically as a pair.

        Both are written to temporary files first; the old offsets file goes before
        the renames and the new one comes last, so a save killed midway leaves the
        offsets missing (load refuses) and never new ids beside old offsets.
        """
        with atomic_files([f"{prefix}.ids.npy", f"{prefix}.offsets.npy"]) as (ids_file, offsets_file):
            np.save(ids_file, np.ascontiguousarray(self.ids, dtype="<i4"))  # (N,) int32
            np.save(offsets_file, np.ascontiguousarray(self.offsets, dtype="<i8"))  # (S + 1,) int64

    @classmethod
    def load(cls, prefix: str | Path, mmap_mode: str | None = "r") -> Corpus:
        """Read a saved corpus; by default the ids stay on disk (memory-mapped).

        Each file's header is checked against its size before anything is read or mapped."""
        offsets_path = f"{prefix}.offsets.npy"
        if not Path(offsets_path).exists():
            raise FileNotFoundError(f"{offsets_path} not found: no corpus was saved at {prefix}, or its "
                                    "Corpus.save was interrupted; save it again")
        ids = read_npy(f"{prefix}.ids.npy", Layout("<i4", 1), mmap_mode=mmap_mode)  # (N,) int32
        offsets = read_npy(offsets_path, Layout("<i8", 1))  # (S + 1,) int64
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
            raise ValueError(f"{offsets_path}: the offsets must rise from 0 to {len(ids)}, the number of ids in "
                             f"{prefix}.ids.npy; the two files do not belong together: save the corpus again")
        return cls(ids, offsets)

    def __len__(self) -> int:
        return len(self.ids)


def sentence_chunks(offsets: np.ndarray, chunk_words: int):
    """(first sentence, end sentence) ranges of whole sentences, about chunk_words tokens
    each and at least one sentence each: training reads one range at a time.

    >>> list(sentence_chunks(np.array([0, 3, 5, 9, 10]), 5))  # sentences of 3, 2, 4, 1 tokens
    [(0, 2), (2, 4)]
    """
    n_sentences = len(offsets) - 1
    first = 0
    while first < n_sentences:
        last = int(np.searchsorted(offsets, offsets[first] + chunk_words, side="right")) - 1
        last = min(max(last, first + 1), n_sentences)
        yield first, last
        first = last


def subsample(ids: np.ndarray, sentence_of: np.ndarray, keep: np.ndarray, rng: np.random.Generator):
    """Drop frequent words at random, before any window is drawn (as the C tool and gensim do,
    so a window reaches over the dropped words).

    ids (n,) int32, sentence_of (n,) int32, keep (V,) float64 -> kept ids and their sentence numbers.
    """
    kept = rng.random(len(ids)) < keep[ids]  # (n,) bool
    return ids[kept], sentence_of[kept]


def subsampled_chunks(corpus: Corpus, keep: np.ndarray, chunk_words: int, rng: np.random.Generator):
    """One epoch of the corpus, chunk by chunk, each chunk subsampled.

    Yields ids (m,) int32 and sentence_of (m,) int32, the words kept and their
    sentence numbers, with `before` (corpus tokens before the chunk) and `size`
    (its tokens before subsampling): position i of the chunk is then at corpus
    token before + size * i / m, which sets the learning rate.
    """
    for first, last in sentence_chunks(corpus.offsets, chunk_words):
        lengths = np.diff(corpus.offsets[first:last + 1])  # (s,) int64
        ids = np.asarray(corpus.ids[corpus.offsets[first]:corpus.offsets[last]])  # (n,) int32
        sentence_of = np.repeat(np.arange(first, last, dtype=np.int32), lengths)  # (n,) int32
        ids, sentence_of = subsample(ids, sentence_of, keep, rng)  # (m,) int32, (m,) int32
        yield ids, sentence_of, int(corpus.offsets[first]), int(corpus.offsets[last] - corpus.offsets[first])


def learning_rate(alpha: float, min_alpha: float, done: float, planned: float) -> float:
    """word2vec's linear decay: alpha at the first token, min_alpha after `planned` tokens.

    >>> learning_rate(0.025, 0.0001, done=50, planned=100)
    0.01255
    """
    return alpha - (alpha - min_alpha) * min(1.0, done / planned)


def shuffled_positions(n: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """0..n-1 in random order of blocks of `block` consecutive positions: (n,) int64.

    Why shuffle at all: a minibatch applies all its gradients at once, computed
    from the same vectors. Consecutive centres come from one document, whose
    topic words then receive dozens of stale gradients in one step. On gensim's
    Wikipedia sample (batch_size=1024, seeds 0 and 1) WordSim353 Spearman was
    0.20 and 0.18 with consecutive centres, 0.29 and 0.29 shuffled; gensim's
    sequential SGD gave 0.24-0.25.
    Blocks of ~32 keep neighbouring windows (which share context words)
    together, which is kinder to the caches than a full permutation.

    >>> shuffled_positions(7, 3, np.random.default_rng(0)).tolist()
    [6, 0, 1, 2, 3, 4, 5]
    """
    blocks = rng.permutation(-(-n // block))  # (ceil(n / block),) int64
    positions = (blocks[:, None] * block + np.arange(block)).ravel()  # (blocks * block,) int64
    return positions[positions < n]


def shrunk_windows(n: int, window: int, rng: np.random.Generator) -> np.ndarray:
    """Each centre word's window, drawn uniformly from 1..window: (n,) int64.

    Near words fall inside more often, which weights context by distance
    (a word at distance d is used with probability (window - d + 1) / window).
    """
    return window - rng.integers(0, window, size=n)  # (n,) int64


def window_positions(centres: np.ndarray, sentence_of: np.ndarray, reach: np.ndarray, window: int):
    """Positions around each centre that fall inside its shrunk window and its sentence.

    centres (B,) int64 positions, sentence_of (n,), reach (B,) in 1..window
    -> positions (B, 2 window) int64 and inside (B, 2 window) bool.

    >>> p, inside = window_positions(np.array([1]), np.array([0, 0, 0, 1]), np.array([2]), 2)
    >>> p.tolist(), inside.tolist()   # -1 is clipped to 0 and outside; 3 is another sentence
    ([[0, 0, 2, 3]], [[False, True, True, False]])
    """
    distance = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2w,) int64
    positions = centres[:, None] + distance[None, :]  # (B, 2w) int64
    clipped = np.clip(positions, 0, len(sentence_of) - 1)  # (B, 2w) int64, safe to index with
    inside = (np.abs(distance)[None, :] <= reach[:, None]) & (positions == clipped)
    inside &= sentence_of[clipped] == sentence_of[centres][:, None]
    return clipped, inside


def skipgram_pairs(centres, sentence_of, reach, window):
    """(context position, centre position) for every context in each centre's window.

    As in the C tool and gensim, the context word is the input (W) and the centre
    word the predicted output (C); over a corpus this is the same set of pairs
    as the paper's centre -> context. Returns two (P,) int64 arrays, centre by
    centre, contexts left to right.
    """
    positions, inside = window_positions(centres, sentence_of, reach, window)  # (B, 2w), (B, 2w)
    centre_of_pair = np.broadcast_to(centres[:, None], positions.shape)[inside]  # (P,) int64
    return positions[inside], centre_of_pair


def cbow_contexts(centres, sentence_of, reach, window):
    """The context positions of each centre for CBOW, as one ragged list.

    Returns positions (S,) int64, every centre's contexts left to right, one centre after
    another; starts (B' + 1,) int32, centre b's contexts being positions[starts[b]:starts[b + 1]];
    and the B' centres (B',) that have at least one context (a one-word sentence has none:
    it is skipped, as gensim skips it).

    >>> positions, starts, kept = cbow_contexts(np.array([0, 3]), np.array([0, 0, 0, 1]), np.array([1, 1]), 1)
    >>> positions.tolist(), starts.tolist(), kept.tolist()   # position 3 is alone in its sentence
    ([1], [0, 1], [0])
    """
    positions, inside = window_positions(centres, sentence_of, reach, window)  # (B, 2w), (B, 2w)
    count = inside.sum(axis=1)  # (B,) contexts of each centre
    has_context = count > 0
    starts = np.zeros(np.count_nonzero(has_context) + 1, dtype=np.int32)  # (B' + 1,)
    np.cumsum(count[has_context], out=starts[1:])
    return positions[inside], starts, centres[has_context]
