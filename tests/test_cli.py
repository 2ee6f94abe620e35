"""The `minembed` command: the README's main job runs end to end (small settings).

A command that reads the GloVe table (`[data]`), gensim's corpora and test data
or draws figures (matplotlib, `[test]`) is skipped without them (see conftest.py);
train, similar and analogy run with the core install.
"""

import subprocess
import sys

import pytest


def run(*args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "minembed", *args], capture_output=True, text=True, timeout=timeout,
        env={"MPLBACKEND": "Agg", **__import__("os").environ},
    )


def test_info_names_the_backend():
    from minembed.vectors import topk

    done = run("info")
    assert done.returncode == 0
    assert done.stdout.strip() == f"top-k backend: {topk.BACKEND}"


def test_neighbours_and_unknown_word(glove_6b_50d_package):
    done = run("neighbours", "frog", "--topn", "3", "--limit", "50000")
    assert done.returncode == 0
    assert "toad" in done.stdout  # GloVe 6B 50d: snake, ape, toad are frog's top 3
    done = run("neighbours", "frogg", "--limit", "50000")
    assert done.returncode == 1
    assert "'frogg' is not in the vocabulary" in done.stderr and "Close known words: frog" in done.stderr


def test_demo_trains_and_writes_figures(tmp_path, gensim, glove_6b_50d_package, matplotlib):
    done = run("demo", "--out", str(tmp_path), "--epochs", "1", "--vector-size", "16")
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "training skip-gram" in out and "loss per epoch" in out
    assert "man : king :: woman : queen" in out  # from the pretrained GloVe table
    assert "wordsim353 Spearman" in out
    for name in ("pca", "heatmap", "loss"):
        figure = tmp_path / "skipgram" / f"{name}.png"
        assert figure.exists() and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "glove" / "analogy.png").exists()


def test_train_similar_analogy_evaluate_plot_on_a_small_file(tmp_path):
    corpus = tmp_path / "corpus.txt"
    rng = __import__("numpy").random.default_rng(0)
    words = ["cat", "dog", "mouse", "king", "queen", "man", "woman", "city", "town", "river"]
    corpus.write_text("\n".join(" ".join(rng.choice(words, size=12)) for _ in range(300)))
    out = tmp_path / "vectors.txt"
    done = run("train", str(corpus), "--out", str(out), "--epochs", "2", "--vector-size", "8", "--min-count", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_text().split("\n")[0] == "10 8"  # word2vec text header: 10 words x 8
    done = run("similar", "cat", "--vectors", str(out), "--topn", "3")
    assert done.returncode == 0 and done.stdout.count("(") == 3
    done = run("analogy", "man", "king", "woman", "--vectors", str(out))
    assert done.returncode == 0 and done.stdout.startswith("man : king :: woman :")
    pytest.importorskip("gensim", reason="evaluate reads gensim's test data: pip install -e '.[data]'")
    done = run("evaluate", "--vectors", str(out))
    assert done.returncode == 0 and "wordsim353: Spearman" in done.stdout
    pytest.importorskip("matplotlib", reason="plot needs matplotlib: pip install -e '.[test]'")
    done = run("plot", "--out", str(tmp_path / "figures"), "--vectors", str(out))
    assert done.returncode == 0 and (tmp_path / "figures" / "heatmap.png").exists()


@pytest.mark.parametrize("model", ["cbow", "fasttext", "glove", "ppmi"])
def test_train_writes_every_model(model, tmp_path):
    corpus = tmp_path / "corpus.txt"
    rng = __import__("numpy").random.default_rng(1)
    words = ["cat", "dog", "mouse", "king", "queen", "man", "woman", "city", "town", "river", "sea", "hill"]
    corpus.write_text("\n".join(" ".join(rng.choice(words, size=12)) for _ in range(300)))
    out = tmp_path / f"{model}.npz"
    done = run("train", str(corpus), "--model", model, "--out", str(out), "--epochs", "2", "--vector-size", "6",
               "--min-count", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"12 words x 6 written to {out}" in done.stdout
    from minembed.predicting.subword import SubwordVectors
    from minembed.vectors import Vectors

    loaded = (SubwordVectors if model == "fasttext" else Vectors).load(out)
    assert loaded.vectors.shape == (12, 6) and sorted(loaded.words) == sorted(words)
    if model == "fasttext":
        assert loaded["kings"].shape == (6,)  # an unseen word, from the saved n-gram rows
    if model == "glove":
        assert done.stdout.count("cost per epoch") == 1 and done.stdout.split("cost per epoch: ")[1].count(",") == 1


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["train", "no/such/corpus.txt", "--out", "x.npz"], "no corpus 'no/such/corpus.txt'"),
        (["train", "lee", "--out", "vectors.pickle"], "end it in .npz, .txt or .bin"),
        (["similar", "cat", "--vectors", "missing.npz"], "no vectors file 'missing.npz'"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(arguments, message, tmp_path):
    done = subprocess.run([sys.executable, "-m", "minembed", *arguments], capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr


def test_unknown_model_name_is_refused_by_the_parser():
    done = run("train", "lee", "--out", "x.npz", "--model", "bert")
    assert done.returncode == 2 and "invalid choice: 'bert'" in done.stderr


@pytest.mark.parametrize("command", ["demo", "train", "similar", "analogy", "evaluate", "plot", "neighbours", "info"])
def test_every_command_has_help(command):
    from minembed.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
