"""A tiny corpus with planted analogies, so a test can check that training finds them.

The idea is the distributional hypothesis run backwards: we decide what each
word's contexts are, so we know what its vector should encode. There are
`relations` families (a "gender" one, a "capital" one, ...). Each family has
`pairs_per_relation` concepts, and each concept i two words, one per role:

    gender:   man_0 / woman_0, man_1 / woman_1, ...
    capital:  country_0 / capital_0, ...

A sentence is built around one such word: the word itself, `topic_words`
words drawn from the concept's own topic (shared by both of its roles), `role_words`
words drawn from the role's markers (shared by every concept of that role in
the family), and `filler_words` drawn from a common pool, in random order:

    ["t3_1", "she", "woman_3", "filler_7", "her", "t3_0", "the"]

So vec(woman_i) - vec(man_i) points along "female markers minus male markers"
for every i, and man_a : woman_a :: man_b : woman_b is planted for all a != b.

    >>> corpus = planted_analogy_corpus(n_sentences=20, seed=0)
    >>> len(corpus.sentences), corpus.analogies[0]
    (20, ('g0_a0', 'g0_b0', 'g0_a1', 'g0_b1'))

But: nothing like natural text (no syntax, no Zipf law except in the fillers);
it only tests that an embedding method picks up planted co-occurrence
structure, quickly and deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations

import numpy as np


@dataclass
class PlantedCorpus:
    sentences: list[list[str]]  # the corpus, lists of tokens
    analogies: list[tuple[str, str, str, str]] = field(default_factory=list)  # (a, b, c, d): a is to b as c is to d
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (role a word, role b word) of every concept


def planted_analogy_corpus(
    n_sentences: int = 4000,
    relations: int = 2,
    pairs_per_relation: int = 6,
    topic_size: int = 4,       # topic words per concept
    role_size: int = 3,        # marker words per role (e.g. he/him/his)
    topic_words: int = 3,      # topic words per sentence
    role_words: int = 2,       # role markers per sentence
    filler_words: int = 2,     # words from the shared filler pool per sentence
    filler_pool: int = 30,     # filler vocabulary, drawn with Zipf-like weights
    seed: int = 0,
) -> PlantedCorpus:
    """Sentences of 1 + topic_words + role_words + filler_words tokens; see the module docstring.

    Words are named g{relation}_a{i} / g{relation}_b{i} (the two roles of concept
    i), t{relation}_{i}_{j} (topic words), r{relation}_{a|b}{j} (role markers)
    and f{j} (fillers). Returned analogies are every (a_i, b_i, a_j, b_j), i != j.
    """
    if n_sentences < 1 or relations < 1 or pairs_per_relation < 2:
        raise ValueError("need n_sentences >= 1, relations >= 1 and pairs_per_relation >= 2 "
                         "(an analogy needs two concepts)")
    rng = np.random.default_rng(seed)
    filler_weights = 1.0 / np.arange(1, filler_pool + 1)  # (F,) float64, Zipf-like
    filler_weights /= filler_weights.sum()
    sentences = []
    for _ in range(n_sentences):
        relation = int(rng.integers(relations))
        concept = int(rng.integers(pairs_per_relation))
        role = "ab"[int(rng.integers(2))]
        tokens = [f"g{relation}_{role}{concept}"]
        tokens += [f"t{relation}_{concept}_{j}" for j in rng.integers(topic_size, size=topic_words)]
        tokens += [f"r{relation}_{role}{j}" for j in rng.integers(role_size, size=role_words)]
        tokens += [f"f{j}" for j in rng.choice(filler_pool, size=filler_words, p=filler_weights)]
        sentences.append([tokens[i] for i in rng.permutation(len(tokens))])
    pairs = [(f"g{r}_a{i}", f"g{r}_b{i}") for r in range(relations) for i in range(pairs_per_relation)]
    analogies = [(a, b, c, d)
                 for r in range(relations)
                 for (a, b), (c, d) in permutations(pairs[r * pairs_per_relation:(r + 1) * pairs_per_relation], 2)]
    return PlantedCorpus(sentences, analogies, pairs)
