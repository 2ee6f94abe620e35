"""Recommendations from item sequences: item2vec, against popularity and co-occurrence baselines.

Barkan & Koenigstein (2016), "Item2Vec: Neural Item Embedding for Collaborative
Filtering": skip-gram with negative sampling where a user's items are the sentence
and an item id is the word. Here each user's items are taken in time order and
trained with minembed's own Word2Vec, as gensim users do for playlists and sessions.
Caselles-Dupre, Lesaint & Royo-Letelier (2018), "Word2vec applied to Recommendation:
Hyperparameters Matter", found that the noise distribution's exponent (0.75 for words)
changes next-item accuracy a lot on such data; gensim made it a parameter for them
(`ns_exponent`, gensim PR #2093). `Item2Vec(ns_exponent=...)` is that knob.

How a list is made (every recommender scores every known item for every user):
    Popularity      how often the item occurs in all histories
    CoOccurrence    how often the item occurs within `window` places of the user's
                    last `context` items in all histories ("who watched this also
                    watched"), ties broken by popularity
    Item2Vec        skip-gram's own prediction of a context item c from the last
                    `context` items h: mean_h W[h] . C[c] + ns_exponent * log count(c).
                    At skip-gram's optimum W[h] . C[c] = log P(h, c) / (P(h) Pn(c)) - log k
                    (Levy & Goldberg 2014), with noise Pn(c) ~ count(c)^ns_exponent, so
                    adding ns_exponent * log count(c) turns the score back into
                    log P(c | h) + constant: without it, ns_exponent=0.75 under-ranks
                    popular items and ns_exponent=0 needs no correction.
Neighbours (`Item2Vec.similar`) are the paper's: cosine between input vectors W.

Evaluation (`leave_last_out`, `evaluate`): each user's last item is held out, the
recommender is fitted on the rest of every history, and the held-out item is looked
for in the user's list with the items the user has already seen removed: hit rate@k
(share of users whose item is in their top k) and MRR (mean of 1 / its rank in the
full list; 0 when the item never occurs in training).

But: no implicit-feedback weighting (a rating of 1 counts as much as a 5), no
time decay, no cold start (an item seen in no history gets no score), all scores as one
dense (users, items) array (fine for thousands of items, not for millions).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sparse

from minembed.predicting.word2vec import Word2Vec
from minembed.training.settings import require, require_int

__all__ = ["user_sequences", "leave_last_out", "Popularity", "CoOccurrence", "Item2Vec", "evaluate", "recommend",
           "genre_agreement"]


def user_sequences(users: np.ndarray, items: np.ndarray, timestamps: np.ndarray) -> list[np.ndarray]:
    """Each user's items in time order (ties keep the input order), users in ascending id order.

    >>> [s.tolist() for s in user_sequences(np.array([7, 3, 7, 3]), np.array([1, 2, 3, 4]), np.array([5, 9, 2, 1]))]
    [[4, 2], [3, 1]]
    """
    users, items, timestamps = (np.asarray(a) for a in (users, items, timestamps))
    require(users.ndim == items.ndim == timestamps.ndim == 1 and len(users) == len(items) == len(timestamps),
            f"users, items and timestamps must be 1-D arrays of one length, got shapes {users.shape}, "
            f"{items.shape}, {timestamps.shape}")
    require(len(users) > 0, "no interactions: give at least one (user, item, timestamp) row per user")
    order = np.lexsort((np.arange(len(users)), timestamps, users))  # by user, then time, then input order
    users, items = users[order], items[order]
    return np.split(items, np.flatnonzero(users[1:] != users[:-1]) + 1)


def _check_sequences(sequences: Sequence[Sequence[int]], minimum: int, why: str) -> list[np.ndarray]:
    require(len(sequences) > 0, "no sequences: give one list of item ids per user")
    checked = []
    for user, sequence in enumerate(sequences):
        sequence = np.asarray(sequence)
        require(len(sequence) >= minimum, f"user {user} (0-based, in the order given) has {len(sequence)} item(s); "
                f"{why}: drop users with fewer than {minimum} items first")
        require(len(sequence) == 0 or (np.issubdtype(sequence.dtype, np.integer) and sequence.min() >= 0),
                f"user {user}'s items must be non-negative whole-number ids, got {sequence[:5]!r}")
        checked.append(sequence.astype(np.int64))
    return checked


def leave_last_out(sequences: Sequence[Sequence[int]]) -> tuple[list[np.ndarray], np.ndarray]:
    """Split off each user's last item: (histories, targets (U,) int64).

    >>> leave_last_out([[3, 1, 2], [5, 4]])
    ([array([3, 1]), array([5])], array([2, 4]))
    """
    sequences = _check_sequences(sequences, 2, "holding out the last item needs one left to recommend from")
    return [s[:-1] for s in sequences], np.array([s[-1] for s in sequences], dtype=np.int64)


class _Recommender:
    """What the three recommenders share: the catalogue (the items seen in fitting) and the counts."""

    def _fit_catalogue(self, histories: Sequence[Sequence[int]]) -> list[np.ndarray]:
        histories = _check_sequences(histories, 1, "a history needs at least one item to recommend from")
        everything = np.concatenate(histories)
        self.items, counts = np.unique(everything, return_counts=True)  # (I,) sorted ids, (I,) counts
        self.counts = counts.astype(np.float64)
        return histories

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Catalogue rows of item ids; -1 for ids never seen in fitting."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = np.clip(np.searchsorted(self.items, ids), 0, len(self.items) - 1)
        return np.where(self.items[rows] == ids, rows, -1)

    def _last_rows(self, history: np.ndarray, context: int) -> np.ndarray:
        rows = self.rows(np.asarray(history)[-context:])
        return rows[rows >= 0]


class Popularity(_Recommender):
    """Recommend what most users have: the catalogue ordered by count."""

    def fit(self, histories: Sequence[Sequence[int]]) -> Popularity:
        self._fit_catalogue(histories)
        return self

    def scores(self, histories: Sequence[Sequence[int]]) -> np.ndarray:
        """(U, I) float64: every user gets the counts."""
        return np.tile(self.counts, (len(histories), 1))


class CoOccurrence(_Recommender):
    """Items that occur near the user's last items in other histories, by count."""

    def __init__(self, window: int = 3, context: int = 5) -> None:  # the best of 1-5 x 1-5 on MovieLens's validation
        require_int("window", window, 1, "3 places either side is usual here")
        require_int("context", context, 1, "the user's last 5 items is usual here")
        self.window, self.context = window, context

    def fit(self, histories: Sequence[Sequence[int]]) -> CoOccurrence:
        histories = self._fit_catalogue(histories)
        firsts, seconds = [], []
        for history in histories:
            rows = self.rows(history)
            for distance in range(1, self.window + 1):  # both directions: the counts are symmetric
                firsts += [rows[:-distance], rows[distance:]]
                seconds += [rows[distance:], rows[:-distance]]
        firsts, seconds = np.concatenate(firsts), np.concatenate(seconds)
        size = len(self.items)
        self.counts_near = sparse.csr_matrix((np.ones(len(firsts)), (firsts, seconds)), shape=(size, size))  # (I, I)
        return self

    def scores(self, histories: Sequence[Sequence[int]]) -> np.ndarray:
        """(U, I) float64: co-occurrence counts with the last `context` items, plus popularity / (max + 1)
        so that popularity breaks ties and only ties."""
        queries = sparse.lil_matrix((len(histories), len(self.items)))  # (U, I) the last items of each user
        for user, history in enumerate(histories):
            for row in self._last_rows(history, self.context):
                queries[user, row] += 1
        return (queries.tocsr() @ self.counts_near).toarray() + self.counts / (self.counts.max() + 1)


class Item2Vec(_Recommender):
    """Skip-gram on item histories (minembed's Word2Vec), scored as the module docstring derives.

    `word2vec` settings go to Word2Vec (any of Word2VecConfig's); the defaults here differ from the
    word ones where items need it (see __init__)."""

    def __init__(self, *, context: int = 3, ns_exponent: float = 0.75, correct_popularity: bool = True,
                 **word2vec) -> None:
        require_int("context", context, 1, "the user's last 3 items is usual here")
        self.context = context
        self.correct_popularity = correct_popularity  # False: the raw mean W[h] . C[c], to see what it changes
        # Defaults chosen on MovieLens 100K's validation items (each user's second-to-last; the tutorial):
        # word2vec's window 5; alpha 0.05 and 20 epochs beat gensim's 0.025 and 5; no subsampling
        # (sample=0) beat 1e-3 by a little; every item kept (min_count=1); 64 dimensions did as well as 128.
        self.settings = dict(sg=1, vector_size=64, window=5, min_count=1, epochs=20, alpha=0.05, sample=0.0, seed=0,
                             ns_exponent=ns_exponent)
        self.settings.update(word2vec)
        self.ns_exponent = self.settings["ns_exponent"]

    def fit(self, histories: Sequence[Sequence[int]]) -> Item2Vec:
        histories = self._fit_catalogue(histories)
        require(any(len(h) >= 2 for h in histories), "every history has one item: skip-gram needs histories "
                "of two items or more to learn from")
        self.model = Word2Vec(**self.settings).fit([[str(item) for item in h] for h in histories if len(h) >= 2])
        rows = self.rows(np.array([int(word) for word in self.model.vocab.words]))
        dimensions = self.model.W.shape[1]
        self.W = np.zeros((len(self.items), dimensions), dtype=np.float32)  # (I, D) input vectors, catalogue order
        self.C = np.zeros((len(self.items), dimensions), dtype=np.float32)  # (I, D) output vectors
        self.W[rows], self.C[rows] = self.model.W, self.model.C
        return self

    def scores(self, histories: Sequence[Sequence[int]]) -> np.ndarray:
        """(U, I) float64: mean_h W[h] . C[c] over the last `context` items h, + ns_exponent * log count(c)."""
        queries = np.zeros((len(histories), self.W.shape[1]))  # (U, D)
        for user, history in enumerate(histories):
            rows = self._last_rows(history, self.context)
            if len(rows):
                queries[user] = self.W[rows].mean(axis=0)
        raw = queries @ self.C.T.astype(np.float64)  # (U, I)
        return raw + self.ns_exponent * np.log(self.counts) if self.correct_popularity else raw

    def similar(self, item: int, topn: int = 10, min_count: int = 1) -> list[tuple[int, float]]:
        """The `topn` items whose input vectors are closest in cosine to `item`'s (the paper's neighbours),
        among items seen at least `min_count` times: a film rated twice has a vector that training barely
        moved, and such vectors crowd the top of every list (on MovieLens, min_count=50 cleans them out)."""
        require_int("min_count", min_count, 1, "1 keeps every item")
        row = int(self.rows(np.array([item]))[0])
        require(row >= 0, f"item {item} occurs in no history the model was fitted on")
        unit = self.W / np.maximum(np.linalg.norm(self.W, axis=1, keepdims=True), 1e-12)  # (I, D)
        cosines = unit @ unit[row]
        cosines[row] = -np.inf
        cosines[self.counts < min_count] = -np.inf
        best = np.argsort(-cosines, kind="stable")[:topn]
        return [(int(self.items[b]), float(cosines[b])) for b in best]


def _ranks(recommender, histories: Sequence[np.ndarray], targets: np.ndarray) -> np.ndarray:
    """The 1-based rank of each target in its user's list, seen items removed, ties broken by catalogue order;
    0 for a target outside the catalogue."""
    scores = recommender.scores(histories)  # (U, I)
    for user, history in enumerate(histories):
        seen = recommender.rows(history)
        scores[user, seen[seen >= 0]] = -np.inf
    target_rows = recommender.rows(targets)  # (U,)
    users = np.arange(len(targets))
    target_scores = scores[users, np.maximum(target_rows, 0)][:, None]  # (U, 1)
    before = np.arange(scores.shape[1])[None, :] < target_rows[:, None]  # (U, I) earlier in the catalogue
    ranks = 1 + (scores > target_scores).sum(axis=1) + ((scores == target_scores) & before).sum(axis=1)
    return np.where(target_rows >= 0, ranks, 0)


def evaluate(recommender, histories: Sequence[Sequence[int]], targets: Sequence[int], k: int = 10) -> dict:
    """{"hit_rate": share of users whose target is in their top k, "mrr": mean 1 / rank (0 if never seen)}
    for a fitted recommender; the items in each history are not recommended back."""
    require_int("k", k, 1, "10 is usual")
    histories = _check_sequences(histories, 1, "a user needs a history to be recommended to")
    targets = np.asarray(targets, dtype=np.int64)
    count = targets.shape[0] if targets.ndim else 0
    require(targets.shape == (len(histories),), f"one target per history: got {count} "
            f"targets for {len(histories)} histories")
    ranks = _ranks(recommender, histories, targets)
    found = ranks > 0
    return {"hit_rate": float(np.mean(found & (ranks <= k))),
            "mrr": float(np.mean(np.where(found, 1.0 / np.maximum(ranks, 1), 0.0)))}


def recommend(recommender, history: Sequence[int], k: int = 10) -> list[int]:
    """The top-k item ids for one history, its own items left out."""
    history = _check_sequences([history], 1, "a user needs a history to be recommended to")[0]
    scores = recommender.scores([history])[0]  # (I,)
    seen = recommender.rows(history)
    scores[seen[seen >= 0]] = -np.inf
    best = np.argsort(-scores, kind="stable")[:k]
    return [int(recommender.items[b]) for b in best if np.isfinite(scores[b])]


def genre_agreement(model: Item2Vec, genres: dict[int, Sequence[str]], items: Sequence[int],
                    topn: int = 10, min_count: int = 1) -> tuple[float, float]:
    """(share of the `topn` neighbours (`similar`) of each of `items` that share a genre with it, the
    same share over all pairs of catalogue items seen `min_count` times or more: what chance gives)."""
    shares = [np.mean([bool(set(genres[item]) & set(genres[other]))
                       for other, _ in model.similar(item, topn, min_count)]) for item in items]
    labels = [set(genres[int(item)]) for item in model.items[model.counts >= min_count]]
    matrix = np.array([[genre in label for genre in sorted(set().union(*labels))] for label in labels], float)
    overlap = (matrix @ matrix.T) > 0  # (I, I) share a genre
    n = len(labels)
    chance = (overlap.sum() - np.trace(overlap)) / (n * (n - 1))
    return float(np.mean(shares)), float(chance)
