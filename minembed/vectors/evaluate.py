"""Intrinsic evaluation: word-pair similarity and Google analogies, as gensim scores them.

    word_pair_similarity   Spearman and Pearson correlation between cosine
                           similarity and human scores (WordSim353, SimLex-999),
                           with the share of pairs skipped as out-of-vocabulary
    analogy_accuracy       Mikolov et al. (2013)'s 19,544 questions "a is to b as
                           c is to ?", answered by 3CosAdd: the word nearest to
                           b - a + c (inputs excluded), accuracy per section

Both follow gensim 4's `KeyedVectors.evaluate_word_pairs` and
`evaluate_word_analogies` rule for rule, so the numbers can be put side by side
with gensim's: words are compared upper-cased (`case_insensitive`), only the
first `restrict_vocab` words (the most frequent) are known, a question or pair
with an unknown word is skipped (and counted in `oov_ratio`; with
`dummy4unknown` a pair scores 0 instead), and gensim takes the first of its top
5 answers that is not an input word. The difference is speed: all questions of
a section are answered as one batch through `minembed.vectors.topk.topk_cosine`.
`Vectors.evaluate_word_pairs` / `evaluate_word_analogies` (keyed.py) return
these numbers in gensim's own shapes.

But: no 3CosMul (`most_similar_cosmul`) or set-based analogy methods (gensim has
none either). A malformed line is an error naming the file and line, where
gensim logs it and skips it.

The data files ship with gensim's tests: `dataset_path("wordsim353.tsv")`,
`"simlex999.txt"`, `"questions-words.txt"`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.stats

from minembed.vectors.topk import topk_cosine

__all__ = ["dataset_path", "load_word_pairs", "load_analogies", "word_pair_similarity", "answer_analogies",
           "analogy_accuracy", "word_pairs", "analogies", "SimilarityResult", "SectionAnswers", "AnalogyResult"]


def dataset_path(name: str) -> str:
    """Path of an evaluation file shipped with gensim's test data, e.g. "wordsim353.tsv"."""
    try:
        from gensim.test.utils import datapath
    except ImportError as error:  # pragma: no cover
        raise ImportError(f"{name} ships with gensim's test data: pip install gensim") from error
    path = datapath(name)
    if not Path(path).exists():
        raise FileNotFoundError(f"{name} is not in gensim's test data ({path}); expected one of "
                                "wordsim353.tsv, simlex999.txt, questions-words.txt")
    return path


def load_word_pairs(path: str | Path, delimiter: str = "\t", encoding: str = "utf8") -> list[tuple[str, str, float]]:
    """(word 1, word 2, human score) per line of a `delimiter`-separated file; '#' lines are comments.

    Raises ValueError naming the file and line of a line that is not "word<TAB>word<TAB>number".
    """
    if not isinstance(delimiter, str) or not delimiter:
        raise ValueError(f"delimiter must be a non-empty str (the separator of the file's columns, '\\t' in "
                         f"wordsim353.tsv), got {delimiter!r:.40}")
    shown = delimiter.replace("\t", "<TAB>")
    pairs = []
    with open(path, encoding=encoding) as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\r\n").split(delimiter)
            try:
                first, second, score = parts
                pairs.append((first, second, float(score)))
            except ValueError:
                raise ValueError(
                    f"{path}, line {number}: expected 'word{shown}word{shown}score', got {line.strip()!r}"
                ) from None
    return pairs


def load_analogies(path: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """(section name, [(a, b, c, expected), ...]) per ': section' block of questions-words.txt."""
    sections: list[tuple[str, list]] = []
    with open(path, encoding="utf8") as lines:
        for number, line in enumerate(lines, 1):
            if line.startswith(": "):
                sections.append((line[2:].strip(), []))
            elif line.strip():
                words = line.split()
                if not sections:
                    raise ValueError(f"{path}, line {number}: a question before the first ': section' header")
                if len(words) != 4:
                    raise ValueError(
                        f"{path}, line {number}: expected four words 'a b c expected', got {line.strip()!r}"
                    )
                sections[-1][1].append(tuple(words))
    return sections


def _known_words(words: Sequence[str], restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    """Word -> row among the first restrict_vocab rows; upper-cased, the lowest row wins (gensim's ok_vocab)."""
    known = {}
    for row, word in enumerate(words[:restrict_vocab]):
        known.setdefault(word.upper() if case_insensitive else word, row)
    return known


@dataclass
class SimilarityResult:
    spearman: float  # rank correlation with the human scores
    pearson: float  # linear correlation
    oov_ratio: float  # percent of pairs with an unknown word, skipped or scored 0 (gensim's oov_ratio)
    pairs_used: int  # pairs with both words known
    spearman_pvalue: float = float("nan")  # two-sided, scipy.stats.spearmanr's
    pearson_pvalue: float = float("nan")  # two-sided, scipy.stats.pearsonr's


def word_pair_similarity(vectors, pairs: str | Path | Sequence[tuple[str, str, float]], *,
                         restrict_vocab: int | None = 300_000, case_insensitive: bool = True,
                         dummy4unknown: bool = False, delimiter: str = "\t",
                         encoding: str = "utf8") -> SimilarityResult:
    """Correlation of cosine similarity with human judgements, as gensim's evaluate_word_pairs.

    vectors: a Vectors (anything with `.words` and `.vectors` (V, D)); pairs: a
    file path (columns split at `delimiter`) or (word, word, score) triples. A
    pair with a word outside the first `restrict_vocab` words is skipped, or
    with `dummy4unknown` kept with cosine 0, as in gensim.
    """
    pairs = load_word_pairs(pairs, delimiter, encoding) if isinstance(pairs, (str, Path)) else list(pairs)
    known = _known_words(vectors.words, restrict_vocab, case_insensitive)
    key = str.upper if case_insensitive else str
    rows = [(known.get(key(a)), known.get(key(b)), score) for a, b, score in pairs]
    is_known = np.array([i is not None and j is not None for i, j, _ in rows], dtype=bool)  # (P,) bool
    if not is_known.any():
        raise ValueError(f"none of the {len(pairs)} pairs has both words among the first {restrict_vocab} "
                         "words of the vectors; check the tokenisation (case) or raise restrict_vocab")
    table = np.asarray(vectors.vectors, dtype=np.float32)  # (V, D) float32
    first, second = (np.array([row[k] for row, ok in zip(rows, is_known) if ok]) for k in (0, 1))  # (K,) each

    def unit(rows: np.ndarray) -> np.ndarray:  # only the rows the pairs use, not all V
        picked = table[rows]  # (K, D) float32
        return picked / np.maximum(np.linalg.norm(picked, axis=1, keepdims=True), 1e-30)

    model = np.zeros(len(pairs), dtype=np.float32)  # (P,) float32: 0 for a pair with an unknown word
    model[is_known] = np.einsum("kd,kd->k", unit(first), unit(second))  # cosine similarities
    gold = np.array([score for _, _, score in rows], dtype=np.float64)  # (P,) human scores
    if not dummy4unknown:
        gold, model = gold[is_known], model[is_known]
    spearman, pearson = scipy.stats.spearmanr(gold, model), scipy.stats.pearsonr(gold, model)
    return SimilarityResult(spearman=float(spearman[0]), pearson=float(pearson[0]),
                            oov_ratio=100.0 * (len(pairs) - int(is_known.sum())) / len(pairs),
                            pairs_used=int(is_known.sum()), spearman_pvalue=float(spearman[1]),
                            pearson_pvalue=float(pearson[1]))


@dataclass
class AnalogyResult:
    accuracy: float  # correct / answered over all sections (gensim's "Total accuracy")
    correct: int
    answered: int  # questions with all four words known
    questions: int  # all questions in the file
    sections: list[dict] = field(default_factory=list)  # {"section", "correct", "answered", "accuracy"} each

    @property
    def oov_ratio(self) -> float:
        return 100.0 * (self.questions - self.answered) / max(self.questions, 1)


@dataclass
class SectionAnswers:
    section: str  # the name after ': ' in the file
    questions: list[tuple[str, str, str, str]]  # (a, b, c, expected) as compared: upper-cased if case_insensitive
    verdicts: list[bool | None]  # per question: right, wrong, or None (a word outside restrict_vocab: skipped)


def answer_analogies(vectors, analogies: str | Path | Sequence = None, *, restrict_vocab: int | None = 300_000,
                     case_insensitive: bool = True) -> list[SectionAnswers]:
    """Every question's verdict, section by section, by gensim's evaluate_word_analogies rule (3CosAdd).

    The query for "a : b :: c : ?" is unit(b) - unit(a) + unit(c) (gensim's mean
    of the same unit vectors has the same direction); the answer is the first of
    the 5 nearest words among the first `restrict_vocab` rows, inputs excluded,
    whose upper-case form is not an input word. `analogies`: a path (default
    questions-words.txt) or (section name, [(a, b, c, expected), ...]) pairs.
    """
    if analogies is None:
        analogies = dataset_path("questions-words.txt")
    sections = load_analogies(analogies) if isinstance(analogies, (str, Path)) else list(analogies)
    known = _known_words(vectors.words, restrict_vocab, case_insensitive)
    key = str.upper if case_insensitive else str
    table = np.asarray(vectors.vectors[:restrict_vocab], dtype=np.float32)  # (R, D) float32
    unit = table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-30)  # (R, D) float32
    answers = []
    for name, questions in sections:
        keyed = [tuple(key(w) for w in q) for q in questions]
        ids = [[known.get(w) for w in q] for q in keyed]
        is_known = [None not in q for q in ids]
        ids = np.array([q for q, ok in zip(ids, is_known) if ok], dtype=np.int64).reshape(-1, 4)  # (Q, 4) int64
        right = []
        if len(ids):
            a, b, c, expected = ids.T  # (Q,) each
            queries = unit[b] - unit[a] + unit[c]  # (Q, D) float32
            top, _ = topk_cosine(unit, queries, min(5, len(unit)), exclude=ids[:, :3])  # (Q, 5) int64, -1: none
            for question, candidates in zip(ids, top):
                inputs = {key(vectors.words[i]) for i in question[:3]}
                candidates = [key(vectors.words[i]) for i in candidates if i >= 0]
                predicted = next((w for w in candidates if w not in inputs), candidates[-1] if candidates else None)
                right.append(predicted == key(vectors.words[question[3]]))
        verdicts = iter(right)
        answers.append(SectionAnswers(name, keyed, [next(verdicts) if ok else None for ok in is_known]))
    return answers


def analogy_accuracy(vectors, analogies: str | Path | Sequence = None, *, restrict_vocab: int | None = 300_000,
                     case_insensitive: bool = True) -> AnalogyResult:
    """3CosAdd analogy accuracy per section, as gensim's evaluate_word_analogies (same skips, same answer
    rule: :func:`answer_analogies`)."""
    result = AnalogyResult(accuracy=0.0, correct=0, answered=0, questions=0)
    for section in answer_analogies(vectors, analogies, restrict_vocab=restrict_vocab,
                                    case_insensitive=case_insensitive):
        answered = [v for v in section.verdicts if v is not None]
        result.questions += len(section.verdicts)
        result.sections.append({"section": section.section, "correct": sum(answered), "answered": len(answered),
                                "accuracy": sum(answered) / len(answered) if answered else 0.0})
        result.correct += sum(answered)
        result.answered += len(answered)
    result.accuracy = result.correct / result.answered if result.answered else 0.0
    return result


# --------------------------------------------------------------------------- #
# The dictionary interface (names as in the issue; the dataclasses above carry
# the same numbers).
# --------------------------------------------------------------------------- #

_WORD_PAIR_FILES = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}


def word_pairs(vectors, dataset: str | Path = "wordsim353", restrict_vocab: int = 300_000,
               case_insensitive: bool = True) -> dict:
    """Spearman / Pearson of cosine vs human scores: {"spearman", "pearson", "oov_ratio", "pairs_used"}.

    `dataset` is "wordsim353", "simlex999" or a path to a tab-separated file.
    Defaults and case handling are gensim's evaluate_word_pairs'.
    """
    if isinstance(dataset, str) and dataset in _WORD_PAIR_FILES:
        dataset = dataset_path(_WORD_PAIR_FILES[dataset])
    elif not Path(dataset).exists():
        raise FileNotFoundError(f"no word-pair file {dataset!r}: give 'wordsim353', 'simlex999' "
                                "or the path of a tab-separated 'word<TAB>word<TAB>score' file")
    result = word_pair_similarity(vectors, dataset, restrict_vocab=restrict_vocab,
                                  case_insensitive=case_insensitive)
    return {"spearman": result.spearman, "pearson": result.pearson,
            "oov_ratio": result.oov_ratio, "pairs_used": result.pairs_used}


def analogies(vectors, restrict_vocab: int = 30_000, path: str | Path | None = None,
              case_insensitive: bool = True) -> dict:
    """Google analogy accuracy (3CosAdd): {"correct", "total", "accuracy", "sections", "oov_ratio"}.

    "total" counts the questions answered (all four words among the first
    `restrict_vocab` words), as gensim's "Total accuracy" does.
    """
    result = analogy_accuracy(vectors, path, restrict_vocab=restrict_vocab,
                              case_insensitive=case_insensitive)
    return {"correct": result.correct, "total": result.answered, "accuracy": result.accuracy,
            "sections": result.sections, "oov_ratio": result.oov_ratio}
