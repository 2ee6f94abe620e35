"""minembed.predicting.parallel: `workers` threads for skip-gram, CBOW and fastText that keep the promise
"the same seed, the same bytes". The schedule's two parts are held to the one-thread calls they replace
(pieces of rows; the scatter split by row ranges), then whole trainings: the same seed and the same
`workers` give identical bytes, and so do workers=1 and workers=2 (what parallel.py claims); the
threads really run the pieces; workers=2 recovers the planted analogies by the thresholds that
tests/test_word2vec.py and tests/test_subword.py calibrated for one thread.
"""

import math
import threading
import time
import warnings

import numpy as np
import pytest

from minembed.predicting import word2vec
from minembed.predicting.losses import sgns_loss_and_grads
from minembed.predicting.noise import usable
from minembed.predicting.parallel import Workers, row_ranges, scatter_tasks
from minembed.predicting.subword import FastText
from minembed.predicting.word2vec import TrainingDiverged, Word2Vec
from minembed.training.scatter import add_to_rows


# ----------------------------------------------------------------------------- the schedule's parts


def zipf_rows(rng, shape, n_rows):
    """Row ids drawn like words (row 0 the most frequent), so rows repeat within a minibatch."""
    p = 1.0 / np.arange(1, n_rows + 1)
    return rng.choice(n_rows, size=shape, p=p / p.sum()).astype(np.int32)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_pieces_give_the_bytes_of_one_call(count):
    """The loss and gradients of 2,500 pairs in pieces of 1,024, 700 and 1 against one call: same bytes."""
    rng = np.random.default_rng(0)
    C = rng.standard_normal((300, 16)).astype(np.float32)  # (V, D)
    w_in = rng.standard_normal((2500, 16)).astype(np.float32)  # (P, D)
    outputs = zipf_rows(rng, (2500, 6), 300)  # (P, 1 + K)
    score = lambda w, out: sgns_loss_and_grads(w, C.take(out, axis=0), usable(out))  # noqa: E731
    whole = score(w_in, outputs)
    for piece_rows in (1024, 700, 1):
        with Workers(count, piece_rows=piece_rows) as workers:
            pieces = workers.by_rows(score, w_in, outputs)
        assert [a.tobytes() for a in pieces] == [a.tobytes() for a in whole]


def test_run_all_keeps_the_order_and_waits_for_every_thread_before_raising():
    """Thread k runs jobs k, k + count, ...; the results come back in the jobs' order. An error on the
    calling thread is raised only once the other threads' shares are done (they may be writing the
    caller's arrays), and an error on a pool thread is raised in the caller."""
    with Workers(3) as workers:
        assert workers.run_all([lambda i=i: (i, threading.current_thread().name) for i in range(7)])[::3] == [
            (0, threading.current_thread().name), (3, threading.current_thread().name),
            (6, threading.current_thread().name)]
        assert [i for i, _ in workers.run_all([lambda i=i: (i, None) for i in range(7)])] == list(range(7))
        finished = threading.Event()

        def slow():
            time.sleep(0.2)
            finished.set()

        def fail():
            raise KeyError("on the calling thread")

        with pytest.raises(KeyError, match="calling thread"):
            workers.run_all([fail, slow])  # job 0 is the calling thread's, job 1 a pool thread's
        assert finished.is_set()
        with pytest.raises(KeyError, match="pool"):
            workers.run_all([lambda: None, lambda: {}["pool"]])
        submitted = []
        submit = workers.pool.submit
        workers.pool.submit = lambda *args: submitted.append(args) or submit(*args)
        assert workers.run_all([lambda: 1, lambda: 2]) == [1, 2]
        assert len(submitted) == 1  # two jobs on three threads: one pool thread woken, not two


@pytest.mark.parametrize("parts", [1, 2, 3, 8])
def test_the_split_scatter_gives_the_bytes_of_add_to_rows(parts):
    """Every row gets its contributions in the one call's order, so the float32 sums round the same way
    (a different order would change the last bits of the most repeated rows)."""
    rng = np.random.default_rng(1)
    table = rng.standard_normal((500, 24)).astype(np.float32)
    row_ids = zipf_rows(rng, (3000, 6), 500)  # (B, K): row 0 about 1,900 times
    coefficients = rng.standard_normal((3000, 6)).astype(np.float32)
    vectors = rng.standard_normal((3000, 24)).astype(np.float32)
    expected = table.copy()
    add_to_rows(expected, row_ids, coefficients, vectors)
    tasks = scatter_tasks(table, row_ids, coefficients, vectors, parts)
    assert 1 <= len(tasks) <= parts
    with Workers(2) as workers:
        workers.together(*tasks)
    assert table.tobytes() == expected.tobytes()


def test_row_ranges_cover_the_table_and_balance_the_contributions():
    rng = np.random.default_rng(2)
    row_ids = zipf_rows(rng, (4000, 6), 1000)
    bounds = row_ranges(row_ids, 1000, 2)
    assert bounds[0] == 0 and bounds[-1] == 1000 and np.all(np.diff(bounds) >= 0)
    counts = np.bincount(row_ids.ravel(), minlength=1000)
    first, second = counts[:bounds[1]].sum(), counts[bounds[1]:].sum()
    # the cut falls after the row that reaches half, so the first part holds half plus less than that row's count
    assert 0 <= int(first) - int(second) < 2 * counts[bounds[1] - 1]


# ----------------------------------------------------------------------------- whole trainings


PLANTED = dict(vector_size=20, window=5, negative=5, sample=1e-3, min_count=1, epochs=2)  # default batch sizes:
# skip-gram's 1,024 centres make ~5,000 pairs, CBOW's 4,096 examples, so every minibatch has several pieces
FASTTEXT = dict(vector_size=32, min_count=1, window=3, sample=0, bucket=50_000, epochs=2)  # test_subword's SMALL
MODELS = {
    "skipgram": lambda **k: Word2Vec(**PLANTED, sg=1, **k),
    "skipgram-shared": lambda **k: Word2Vec(**PLANTED, sg=1, shared_negatives=True, **k),
    "skipgram-c-tool-order": lambda **k: Word2Vec(**PLANTED, sg=1, c_tool_order=True, **k),
    "cbow": lambda **k: Word2Vec(**PLANTED, sg=0, **k),
    "fasttext": lambda **k: FastText(**FASTTEXT, sg=1, **k),
    "fasttext-cbow": lambda **k: FastText(**FASTTEXT, sg=0, **k),
}


def trained_bytes(model) -> list[bytes]:
    return [array.tobytes() for array in model.trained_arrays()]  # W, C (fastText: W, N, C)


@pytest.mark.parametrize("name", MODELS)
def test_same_seed_and_workers_give_the_same_bytes_and_workers_do_not_change_them(name, planted):
    sentences = planted.sentences[:2000]
    runs = {workers: [trained_bytes(MODELS[name](seed=5, workers=workers).fit(sentences)) for _ in range(2)]
            for workers in (1, 2)}
    for workers, (first, again) in runs.items():
        assert first == again, f"workers={workers}: two runs with seed 5 differ"
    assert runs[1][0] == runs[2][0], "workers=2 gave other bytes than workers=1"
    assert trained_bytes(MODELS[name](seed=6, workers=2).fit(sentences)) != runs[2][0]  # the seed does matter


def test_more_workers_than_cores_train_to_the_same_bytes(planted):
    """Allowed (documented in Word2VecConfig): the extra threads only take turns."""
    sentences = planted.sentences[:1000]
    one = Word2Vec(**PLANTED, seed=1).fit(sentences)
    many = Word2Vec(**PLANTED, seed=1, workers=5).fit(sentences)
    assert trained_bytes(many) == trained_bytes(one)


def test_the_pieces_and_the_updates_run_on_the_worker_threads(planted, monkeypatch):
    """workers=2 does use threads: the pieces of a minibatch are scored on them (a minibatch of one piece,
    such as a chunk's last, stays on the calling thread); workers=1 never leaves the calling thread."""
    seen = set()

    def recording(*args, **kwargs):
        seen.add(threading.current_thread().name)
        return sgns_loss_and_grads(*args, **kwargs)

    monkeypatch.setattr(word2vec, "sgns_loss_and_grads", recording)
    Word2Vec(**dict(PLANTED, epochs=1), seed=0, workers=2).fit(planted.sentences[:1000])
    assert any(name.startswith("minembed-worker") for name in seen), seen
    seen.clear()
    Word2Vec(**dict(PLANTED, epochs=1), seed=0, workers=1).fit(planted.sentences[:1000])
    assert seen == {threading.main_thread().name}


@pytest.mark.parametrize("params", [dict(sg=1), dict(sg=0), dict(sg=1, shared_negatives=True)],
                         ids=["skipgram", "cbow", "skipgram-shared"])
def test_two_workers_recover_the_planted_analogies(planted, params):
    """tests/test_word2vec.py's thresholds (calibrated there on seeds 0-3 with one thread)."""
    model = Word2Vec(vector_size=20, window=5, negative=5, sample=0, min_count=1, epochs=10, batch_size=256,
                     **params, seed=0, workers=2).fit(planted.sentences)
    assert all(np.diff(model.losses) < 0), model.losses
    assert model.losses[0] < 5 * math.log(2) + math.log(2)
    wrong = [(a, b, c, d) for a, b, c, d in planted.analogies
             if model.wv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] != d]
    assert not wrong, f"{len(wrong)} of {len(planted.analogies)} planted analogies missed, e.g. {wrong[:3]}"


def test_two_workers_train_fasttext_on_the_planted_corpus(planted):
    """tests/test_subword.py's thresholds: the loss falls every epoch, 90 % of the analogies come first."""
    model = FastText(vector_size=32, min_count=1, window=3, sample=0, bucket=50_000, epochs=5, seed=0,
                     workers=2).fit(planted.sentences)
    assert all(later < earlier for earlier, later in zip(model.losses, model.losses[1:])), model.losses
    wv = model.wv
    hits = sum(wv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] == d for a, b, c, d in planted.analogies)
    assert hits >= 0.9 * len(planted.analogies), f"{hits} of {len(planted.analogies)}"


@pytest.mark.parametrize("model", [Word2Vec, FastText])
@pytest.mark.parametrize("workers", [0, -2, 1.5, "2", None, True])
def test_workers_must_be_a_whole_number_of_at_least_one(model, workers):
    with pytest.raises(ValueError, match=rf"workers must be >= 1 and a whole number \(threads; .*got {workers!r}"):
        model(workers=workers)


def test_divergence_on_the_threads_is_reported_as_on_one(planted):
    """The threads compute under the caller's NumPy errstate (training ignores overflow and reports the
    divergence itself): no RuntimeWarning escapes from a worker thread, and the error is the usual one."""
    model = Word2Vec(**dict(PLANTED, epochs=3), alpha=1e6, min_alpha=0, seed=0, workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning in a worker thread would come back as its error
        with pytest.raises(TrainingDiverged, match=r"epoch \d+ of 3: .* lower alpha"):
            model.fit(planted.sentences)
    assert model.W is None and model.C is None
