"""minembed.vectors.evaluate against gensim's own KeyedVectors.evaluate_word_pairs / evaluate_word_analogies.

The vectors are planted (random, with one offset per analogy section added to
the first word of each pair), so some analogies are answered correctly and
some not; both implementations must agree question for question.
"""

import logging

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")
from gensim.models import KeyedVectors  # noqa: E402

from minembed.vectors.evaluate import (  # noqa: E402
    analogy_accuracy, dataset_path, load_analogies, load_word_pairs, word_pair_similarity,
)

logging.getLogger("gensim").setLevel(logging.WARNING)


class Table:  # the two attributes evaluate needs, so these tests do not depend on Vectors
    def __init__(self, words, vectors):
        self.words, self.vectors = list(words), vectors


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(0)
    sections = load_analogies(dataset_path("questions-words.txt"))
    words = sorted({w.lower() for _, questions in sections for q in questions for w in q})
    words += [f"filler{i}" for i in range(300)]
    words = [words[i] for i in rng.permutation(len(words))]
    words += ["Paris", "LONDON", "berlin"]  # case variants after the lower-case ones: the first row wins
    words = list(dict.fromkeys(words))
    dimension = 40
    vectors = rng.normal(size=(len(words), dimension)).astype(np.float32)  # (V, D) float32
    index = {w: i for i, w in enumerate(words)}
    assigned = set()
    for _, questions in sections:
        offset = 3 * rng.normal(size=dimension)
        for a, b, _, _ in questions:
            a, b = a.lower(), b.lower()
            if (a, b) not in assigned and b not in {x for _, x in assigned}:
                vectors[index[b]] = vectors[index[a]] + offset + rng.normal(scale=0.8, size=dimension)
                assigned.add((a, b))
    return Table(words, vectors)


def gensim_vectors(table):
    kv = KeyedVectors(table.vectors.shape[1])
    kv.add_vectors(table.words, table.vectors)
    return kv


def test_loaders_read_the_shipped_files():
    assert len(load_word_pairs(dataset_path("wordsim353.tsv"))) == 353
    assert len(load_word_pairs(dataset_path("simlex999.txt"))) == 999
    sections = load_analogies(dataset_path("questions-words.txt"))
    assert len(sections) == 14 and sum(len(q) for _, q in sections) == 19544
    assert sections[0][0] == "capital-common-countries"
    assert sections[0][1][0] == ("Athens", "Greece", "Baghdad", "Iraq")


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
@pytest.mark.parametrize("restrict_vocab", [300_000, 500])
def test_word_pairs_match_gensim(planted, name, restrict_vocab):
    rng = np.random.default_rng(1)
    pairs = load_word_pairs(dataset_path(name))
    words = list(dict.fromkeys(w.lower() for a, b, _ in pairs for w in (a, b)))
    table = Table(words, rng.normal(size=(len(words), 30)).astype(np.float32))
    table.words = table.words[: int(0.8 * len(words))]  # leave some pairs out of vocabulary
    table.vectors = table.vectors[: len(table.words)]
    ours = word_pair_similarity(table, dataset_path(name), restrict_vocab=restrict_vocab)
    pearson, spearman, oov_ratio = gensim_vectors(table).evaluate_word_pairs(
        dataset_path(name), restrict_vocab=restrict_vocab)
    np.testing.assert_allclose(ours.spearman, spearman[0], rtol=1e-6)
    np.testing.assert_allclose(ours.pearson, pearson[0], rtol=1e-5)
    np.testing.assert_allclose(ours.oov_ratio, oov_ratio, rtol=1e-12)
    assert 0 < ours.oov_ratio < 100


@pytest.mark.parametrize("restrict_vocab", [300_000, 700])
def test_analogies_match_gensim_per_section(planted, restrict_vocab):
    ours = analogy_accuracy(planted, dataset_path("questions-words.txt"), restrict_vocab=restrict_vocab)
    score, sections = gensim_vectors(planted).evaluate_word_analogies(
        dataset_path("questions-words.txt"), restrict_vocab=restrict_vocab)
    assert [s["section"] for s in ours.sections] == [s["section"] for s in sections[:-1]]
    for mine, theirs in zip(ours.sections, sections):
        # near-ties can flip on float32 rounding: allow one question per section
        assert abs(mine["correct"] - len(theirs["correct"])) <= 1, mine["section"]
        assert mine["answered"] == len(theirs["correct"]) + len(theirs["incorrect"])
    assert abs(ours.accuracy - score) <= 2e-4
    assert 0.2 < ours.accuracy < 0.95  # the planted table answers some, not all
    assert ours.questions == 19544


def test_errors_say_what_is_wrong(tmp_path):
    bad = tmp_path / "pairs.tsv"
    bad.write_text("# comment\ncat\tdog\t3.5\ncat dog 3.5\n")
    with pytest.raises(ValueError, match=r"line 3: expected 'word<TAB>word<TAB>score'"):
        load_word_pairs(bad)
    table = Table(["alpha", "beta"], np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="none of the 353 pairs"):
        word_pair_similarity(table, dataset_path("wordsim353.tsv"))
    questions = tmp_path / "q.txt"
    questions.write_text("a b c d\n")
    with pytest.raises(ValueError, match="line 1: a question before the first ': section' header"):
        load_analogies(questions)


def test_pretrained_glove_reproduces_gensims_reference_figures():
    """GloVe 6B 50d, figures measured with gensim's own evaluation (DESIGN notes):
    analogies 7,393 of 14,877 in the top 30,000 words; WordSim353 0.538 and
    SimLex-999 0.270 with restrict_vocab=30000, 0.503 and 0.263 with 300,000.
    Spearman is compared to the 3 printed decimals (tolerance 5e-4)."""
    from minembed.vectors import evaluate
    from minembed.data.pretrained import glove_6b_50d

    glove = glove_6b_50d()
    result = evaluate.analogies(glove, restrict_vocab=30_000)
    assert (result["correct"], result["total"]) == (7393, 14877)
    assert abs(result["accuracy"] - 0.497) < 5e-4
    for dataset, restrict, expected in [("wordsim353", 30_000, 0.538), ("simlex999", 30_000, 0.270),
                                        ("wordsim353", 300_000, 0.503), ("simlex999", 300_000, 0.263)]:
        scores = evaluate.word_pairs(glove, dataset, restrict_vocab=restrict)
        assert abs(scores["spearman"] - expected) < 5e-4, (dataset, restrict, scores)
    with pytest.raises(FileNotFoundError, match="wordsim353"):
        evaluate.word_pairs(glove, "no-such-set")


def test_corpus_cache_round_trips_without_pickle(tmp_path):
    from minembed.data import datasets

    first = datasets.cached_corpus("lee", tmp_path)  # parses, then writes lee.npz
    again = datasets.cached_corpus("lee", tmp_path)  # reads lee.npz with allow_pickle=False
    assert again == first and len(first) == 300
    with np.load(tmp_path / "lee.npz", allow_pickle=False) as stored:
        assert stored["words"].dtype.kind == "U" and stored["ids"].dtype == np.int32
    with pytest.raises(ValueError, match="unknown corpus 'text8'"):
        datasets.cached_corpus("text8", tmp_path)
