"""Vocabulary: word counts, ids <-> words, and word2vec's two sampling distributions.

Follows the vocabulary steps of the word2vec C tool (Mikolov et al. 2013,
"Distributed Representations of Words and Phrases and their Compositionality";
`LearnVocabFromTrainFile`, `SortVocab`, the subsampling line of
`TrainModelThread`, `InitUnigramTable`) and gensim 4 (`Word2Vec.prepare_vocab`,
`make_cum_table`, `KeyedVectors.sort_by_descending_frequency`), whose numbers
the tests match:

    counts                how often each word occurs in the corpus
    min_count, max_size   drop rare words; keep at most max_size words
    ids                   0 = most frequent; ties by first appearance
    keep_probabilities    subsampling of frequent words
    noise_distribution    unigram^0.75, where negative samples are drawn from

    >>> vocab = Vocabulary.build([["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "dog"]])
    >>> vocab.words, vocab.counts.tolist()
    (['the', 'sat', 'dog', 'cat', 'a'], [2, 2, 2, 1, 1])
    >>> vocab.encode(["the", "dog", "barked"]).tolist()  # unknown words are dropped
    [0, 2]

But: no "</s>" word at id 0 (the C tool counts one per newline), no pruning of
the raw counts while scanning (the C tool's `ReduceVocab`, gensim's
`max_vocab_size`), not gensim's `max_final_vocab` rule (it raises min_count
instead of cutting the list), no `trim_rule`, no incremental update, no
save/load, and no cumulative table for drawing noise words (use
`rng.choice(len(vocab), size, p=vocab.noise_distribution())`).
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections import Counter
from typing import Iterable, Literal, Sequence

import numpy as np

from minembed.training.settings import whole_number

TIE_ORDERS = ("first_seen", "gensim")
UNKNOWN_MODES = ("drop", "minus_one", "error")


class Vocabulary:
    """Words with 0-based ids, most frequent first.

    words   list[str]        id -> word
    index   dict[str, int]   word -> id
    counts  (V,) int64       occurrences of each word in the corpus

    Build one from tokenised sentences with `Vocabulary.build`; the constructor
    takes `words` and `counts` as given, in that order.
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int] | np.ndarray) -> None:
        if isinstance(words, (str, bytes)):
            raise TypeError(f"words must be a list of str, got the {type(words).__name__} {words!r:.60} (it would "
                            "be read letter by letter)")
        words = list(words)
        for i, word in enumerate(words):
            if not isinstance(word, str):
                raise TypeError(f"word {i} is {word!r:.60} ({type(word).__name__}), not a str")
        counts = np.asarray(counts)
        if counts.ndim != 1 or len(words) != len(counts):
            raise ValueError(
                f"words and counts must be the same length, got {len(words)} words "
                f"and counts of shape {counts.shape}"
            )
        if len(words) == 0:
            raise ValueError("a Vocabulary needs at least one word")
        if not np.issubdtype(counts.dtype, np.integer) or counts.min() < 1:
            raise ValueError("counts must be integers >= 1 (each word was seen at least once)")
        index: dict[str, int] = {}
        for i, word in enumerate(words):
            if word in index:
                raise ValueError(
                    f"word {word!r} appears twice in words (ids {index[word]} and {i}); words must be unique"
                )
            index[word] = i
        self.words: list[str] = words
        self.counts: np.ndarray = counts.astype(np.int64)  # (V,) int64
        self.index: dict[str, int] = index

    @classmethod
    def build(
        cls,
        sentences: Iterable[Sequence[str]],
        min_count: int = 1,
        max_size: int | None = None,
        ties: Literal["first_seen", "gensim"] = "first_seen",
    ) -> Vocabulary:
        """Count the words of `sentences` and give ids by descending count.

        min_count  words seen fewer times are dropped (word2vec and gensim default: 5)
        max_size   keep only the `max_size` most frequent words (None: no limit);
                   words tied at the cut are kept in tie order
        ties       order of words with equal counts:
                   "first_seen"  the word that appears first in the corpus gets the lower id;
                   "gensim"      the reverse, exactly gensim 4's order (its
                                 `sort_by_descending_frequency` does
                                 `np.lexsort((-indices, -counts))` over words in
                                 order of first appearance).
                   The word2vec C tool sorts with qsort, which leaves ties unspecified.

        >>> Vocabulary.build([["b", "a", "c", "a", "b"]]).words
        ['b', 'a', 'c']
        >>> Vocabulary.build([["b", "a", "c", "a", "b"]], ties="gensim").words
        ['a', 'b', 'c']
        >>> Vocabulary.build([["b", "a", "c", "a", "b"]], min_count=2).words
        ['b', 'a']
        """
        whole_number("min_count", min_count, 1, "1 keeps every word")
        if max_size is not None:
            whole_number("max_size", max_size, 1, "or None for no limit")
        if ties not in TIE_ORDERS:
            raise ValueError(f"ties must be one of {TIE_ORDERS}, got {ties!r}")
        if isinstance(sentences, (str, bytes)):
            raise TypeError("sentences must be a list of token lists, got a str (it would be counted letter by "
                            "letter); tokenize first, e.g. [tokenize(s) for s in texts]")

        counter: Counter[str] = Counter()  # a dict: keys stay in order of first appearance
        for number, sentence in enumerate(sentences):
            if isinstance(sentence, str):
                raise TypeError(
                    f"each sentence must be a list of tokens, got a str (sentence {number}: {sentence!r:.40}; it "
                    "would be counted letter by letter); tokenize first, e.g. [tokenize(s) for s in texts]"
                )
            try:
                counter.update(sentence)
            except TypeError:  # not iterable, or an unhashable token such as a nested list
                raise TypeError(f"sentence {number} is {sentence!r:.60}; each sentence must be a list of str "
                                "tokens") from None
        not_str = [token for token in counter if not isinstance(token, str)][:1]
        if not_str:  # found before training, not when the vectors are built
            not_str = not_str[0]
            raise TypeError(f"the token {not_str!r:.40} ({type(not_str).__name__}){_sentence_of(sentences, not_str)} "
                            "is not a str; tokens must be str (map(str, ...) them, or tokenize the text)")
        if not counter:
            raise ValueError(
                "the corpus has no tokens; pass a list of token lists such as "
                "[['the', 'cat'], ['a', 'dog']] and check that cleaning left some words"
            )

        words = list(counter)  # in order of first appearance
        counts = np.fromiter(counter.values(), dtype=np.int64, count=len(words))  # (V_all,) int64
        if ties == "gensim":
            words = words[::-1]
            counts = counts[::-1]
        order = np.argsort(-counts, kind="stable")  # (V_all,) int64; a stable sort keeps tie order
        order = order[counts[order] >= min_count]  # (V,) int64
        if order.size == 0:
            top = int(np.argmax(counts))
            raise ValueError(
                f"no word occurs min_count={min_count} times or more (the most frequent, "
                f"{words[top]!r}, occurs {counts[top]} times); lower min_count to at most {counts[top]}"
            )
        if max_size is not None:
            order = order[:max_size]
        return cls([words[i] for i in order], counts[order])

    # ------------------------------------------------------------ lookup

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> int:
        """The id of `word`; an unknown word raises KeyError naming up to 5 close known words."""
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(self._unknown_word_message(word)) from None

    def _unknown_word_message(self, word: object) -> str:
        close = difflib.get_close_matches(word, self.words, n=5) if isinstance(word, str) else []
        hint = f"closest known words: {', '.join(close)}" if close else "no known word is close"
        return f"word {word!r} is not in the vocabulary ({len(self)} words); {hint}"

    def __repr__(self) -> str:
        shown = ", ".join(self.words[:5]) + (", ..." if len(self) > 5 else "")
        return f"Vocabulary({len(self)} words, {self.total_words} tokens: {shown})"

    @property
    def total_words(self) -> int:
        """Total occurrences of the vocabulary's words (dropped rare words not included)."""
        return int(self.counts.sum())

    def encode(
        self, tokens: Iterable[str], unknown: Literal["drop", "minus_one", "error"] = "drop"
    ) -> np.ndarray:
        """Token ids, (N,) int32.

        unknown  what to do with a token not in the vocabulary:
                 "drop" (default, as word2vec does with rare words: the result is
                 shorter than `tokens`), "minus_one" (id -1, so positions line up),
                 "error" (KeyError naming close known words).

        >>> vocab = Vocabulary(["the", "cat"], [2, 1])
        >>> vocab.encode(["the", "dog", "cat"]).tolist()
        [0, 1]
        >>> vocab.encode(["the", "dog", "cat"], unknown="minus_one").tolist()
        [0, -1, 1]
        """
        if isinstance(tokens, str):
            raise TypeError("encode takes a list of tokens, got a str; tokenize it first")
        if unknown == "drop":
            ids = [self.index[t] for t in tokens if t in self.index]
        elif unknown == "minus_one":
            ids = [self.index.get(t, -1) for t in tokens]
        elif unknown == "error":
            ids = [self[t] for t in tokens]
        else:
            raise ValueError(f"unknown must be one of {UNKNOWN_MODES}, got {unknown!r}")
        return np.array(ids, dtype=np.int32)  # (N,) int32

    def decode(self, ids: Sequence[int] | np.ndarray) -> list[str]:
        """Words for 1-D integer `ids`; -1 or any id outside 0..V-1 raises IndexError.

        >>> Vocabulary(["the", "cat"], [2, 1]).decode([1, 0, 1])
        ['cat', 'the', 'cat']
        """
        ids = np.asarray(ids)
        if ids.size == 0:
            return []
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(
                f"decode takes a 1-D sequence of integer ids, got shape {ids.shape} dtype {ids.dtype}"
            )
        outside = (ids < 0) | (ids >= len(self))
        if outside.any():
            bad = int(ids[outside][0])
            raise IndexError(
                f"id {bad} is outside the vocabulary (valid ids 0..{len(self) - 1}); "
                "-1 is what encode(unknown='minus_one') gives an unknown token: drop those first"
            )
        return [self.words[i] for i in ids.tolist()]

    # ------------------------------------------------------------ sampling distributions

    def keep_probabilities(self, sample: float = 1e-3) -> np.ndarray:
        """Probability of keeping each occurrence of each word when subsampling, (V,) float64.

        With f a word's count, T = total_words and t = sample * T, word2vec keeps
        an occurrence with probability

            min(1, (sqrt(f / t) + 1) * t / f)

        exactly as the C tool (`ran` in TrainModelThread) and gensim
        (`sample_int / 2**32`) compute it. In relative frequency z = f / T this is
        sqrt(sample / z) + sample / z, not the paper's sqrt(sample / z). Words with
        f below about 2.6 t are always kept. `sample=0` turns subsampling off.

        >>> Vocabulary(["the", "cat"], [990, 10]).keep_probabilities(sample=0.01).round(4).tolist()
        [0.1106, 1.0]
        """
        if isinstance(sample, bool) or not isinstance(sample, numbers.Real):
            raise TypeError(f"sample must be a number in [0, 1) such as 1e-3 (0 turns subsampling off), got "
                            f"{sample!r:.40} ({type(sample).__name__})")
        if not 0 <= sample < 1:
            raise ValueError(
                f"sample must be in [0, 1), a fraction of the corpus such as 1e-3 (word2vec's "
                f"default) or 1e-5; 0 turns subsampling off. Got {sample}"
            )
        if sample == 0:
            return np.ones(len(self), dtype=np.float64)  # (V,) float64
        counts = self.counts.astype(np.float64)  # (V,) float64
        threshold = sample * self.total_words  # a count
        keep = (np.sqrt(counts / threshold) + 1) * threshold / counts  # (V,) float64
        return np.minimum(keep, 1.0)

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        """Negative-sampling distribution count**power / sum(count**power), (V,) float64.

        power = 0.75 is word2vec's (the C tool's `power`, gensim's `ns_exponent`);
        1.0 is the unigram distribution and 0.0 the uniform one.

        >>> Vocabulary(["the", "cat"], [16, 1]).noise_distribution().tolist()  # 16**0.75 = 8
        [0.8888888888888888, 0.1111111111111111]
        """
        if isinstance(power, bool) or not isinstance(power, numbers.Real):
            raise TypeError(f"power must be a finite number such as 0.75, got {power!r:.40} ({type(power).__name__})")
        if not math.isfinite(power):
            raise ValueError(f"power must be a finite number such as 0.75, got {power}")
        weights = self.counts.astype(np.float64) ** power  # (V,) float64
        return weights / weights.sum()


def _sentence_of(sentences: Iterable[Sequence], token: object) -> str:
    """' in sentence i' for the first sentence holding a token of the type of `token`, if the
    sentences can be read again (a list can; a spent generator gives '')."""
    for number, sentence in enumerate(sentences):
        if any(type(t) is type(token) for t in sentence):
            return f" in sentence {number}"
    return ""
