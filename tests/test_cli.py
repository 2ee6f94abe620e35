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
    assert out.startswith(f"minembed demo: vectors and figures go to {tmp_path}/")  # said first, not at the end
    from minembed.vectors import Vectors

    saved = Vectors.load(tmp_path / "skipgram.npz")
    assert saved.vector_size == 16 and "king" in saved and f"vectors saved: {tmp_path / 'skipgram.npz'}" in out
    assert "What to expect" in out and "GloVe 6B 50d" in out
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
    done = run("plot", "--out", str(tmp_path / "mine"), "--vectors", str(out), "--words", "cat", "dog", "king")
    assert done.returncode == 0 and (tmp_path / "mine" / "pca.png").exists()
    done = run("plot", "--out", str(tmp_path / "typo"), "--vectors", str(out), "--words", "cat", "dgo")
    assert done.returncode == 1 and "'dgo' is not in the vocabulary" in done.stderr and "dog" in done.stderr
    assert not (tmp_path / "typo").exists()  # the words are checked before the folder is made


def test_train_scales_its_epochs_to_a_small_corpus(tmp_path):
    """Without --epochs a small corpus gets more than gensim's 5 passes (cli.epochs_for), and says so."""
    corpus = tmp_path / "corpus.txt"
    rng = __import__("numpy").random.default_rng(2)
    corpus.write_text("\n".join(" ".join(rng.choice(["cat", "dog", "sea", "hill"], size=10)) for _ in range(200)))
    done = run("train", str(corpus), "--out", str(tmp_path / "v.npz"), "--vector-size", "4", "--min-count", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "50 epochs for 2,000 tokens" in done.stdout and "--epochs sets them" in done.stdout
    assert len(done.stdout.split("loss per epoch: ")[1].split(", ")) == 50


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
        done = run("similar", "kings", "--vectors", str(out), "--topn", "2")  # the command answers it too
        assert done.returncode == 0 and done.stdout.count("(") == 2, done.stderr
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


COMMANDS = ["demo", "train", "similar", "analogy", "evaluate", "plot", "neighbours", "encode", "search", "info"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_each_default(command, capsys, monkeypatch):
    """Every argument has help, and every option with a default shows it in --help."""
    import argparse

    monkeypatch.setenv("COLUMNS", "2000")  # one line per option: no wrapping inside a default

    from minembed.cli import _parser, main

    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    subparsers = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    actions = [a for a in subparsers.choices[command]._actions if not isinstance(a, argparse._HelpAction)]
    for action in actions:
        assert action.help, f"{command}: {action.dest} has no help"
        if action.option_strings and action.default is not None:
            assert f"(default: {action.default})" in shown, f"{command} --help hides the default of {action.dest}"
    assert "``" not in shown  # no reStructuredText markup in what a terminal shows


def test_the_readme_lists_every_command():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"minembed {command}" in readme, f"README.md does not show `minembed {command}`"


def test_version():
    import minembed

    done = run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"minembed {minembed.__version__}"


def small_corpus(tmp_path, name="corpus.txt", lines=None):
    corpus = tmp_path / name
    rng = __import__("numpy").random.default_rng(2)
    words = ["cat", "dog", "mouse", "king", "queen", "man", "woman", "city"]
    lines = [" ".join(rng.choice(words, size=10)) for _ in range(100)] if lines is None else lines
    corpus.write_text("\n".join(lines))
    return str(corpus)


TRAINED = ("loss per epoch", "cost per epoch", "written to")


@pytest.mark.parametrize("flags, message", [
    (["--out", "missing/dir/x.npz"], "error: --out missing/dir/x.npz: the folder missing/dir does not exist; create"),
    (["--out", "/proc/x.npz"], r"error: --out /proc/x.npz: cannot write in /proc"),
    (["--out", "corpus.txt/x.npz"], "error: --out corpus.txt/x.npz: corpus.txt is a file, not a folder"),
    (["--out", "."], r"error: --out .: cannot tell the format of '.'"),
    (["--out", "x.npz", "--min-count", "0"], "argument --min-count: must be >= 1, got 0"),
    (["--out", "x.npz", "--vector-size", "2.5"], "argument --vector-size: must be a whole number >= 1, got '2.5'"),
    (["--out", "x.npz", "--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
    (["--out", "x.npz", "--window", "-3"], "argument --window: must be >= 1, got -3"),
    (["--out", "x.npz", "--negative", "0"], "argument --negative: must be >= 1, got 0"),
    (["--out", "x.npz", "--seed", "-1"], "argument --seed: must be >= 0, got -1"),
    (["--out", "x.npz", "--memory-limit", "0"], "argument --memory-limit: must be a positive number of GB"),
    (["--out", "x.npz", "--vector-size", "100000000"],
     r"error: training needs about [\d.]+ GB for 8 words x 100,000,000 dimensions .* over --memory-limit 4.0 GB: "
     r"lower --vector-size"),
    (["--out", "x.npz", "--model", "ppmi", "--vector-size", "50"],
     "error: --vector-size 50 is more than the 8 words kept; lower --vector-size or --min-count"),
    (["--out", "x.npz", "--model", "glove", "--min-count", "1000"], "lower --min-count"),
])
def test_train_refuses_bad_flags_and_outputs_before_training(tmp_path, flags, message):
    """Errors name the flag typed (--min-count, not min_count) and come before any training: the output
    path used to be checked only when the trained vectors were saved."""
    small_corpus(tmp_path)
    done = subprocess.run([sys.executable, "-m", "minembed", "train", "corpus.txt", "--epochs", "1", "--min-count",
                           "1", *flags], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert __import__("re").search(message, done.stderr), done.stderr
    assert not any(mark in done.stdout + done.stderr for mark in TRAINED)
    assert not (tmp_path / "x.npz").exists()


def test_train_names_the_file_and_line_that_is_not_utf8_or_empty(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("the cat sat\n".encode() * 3 + "un caf\xe9 noir\n".encode("latin-1"))
    done = run("train", str(tmp_path / "latin1.txt"), "--out", str(tmp_path / "x.npz"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"error: {tmp_path / 'latin1.txt'}, line 4: byte 0xe9 at column 7 is not UTF-8" in done.stderr
    (tmp_path / "bom.txt").write_bytes("\ufeffthe cat sat\nthe dog sat\n".encode() * 20)  # a byte-order mark is fine
    done = run("train", str(tmp_path / "bom.txt"), "--out", str(tmp_path / "x.npz"), "--min-count", "1",
               "--epochs", "1", "--vector-size", "4")
    assert done.returncode == 0 and "4 words x 4 written" in done.stdout
    done = run("train", small_corpus(tmp_path, "empty.txt", ["", "  ", "..."]), "--out", str(tmp_path / "x.npz"))
    assert done.returncode == 1 and f"error: {tmp_path / 'empty.txt'} has no words" in done.stderr
    done = run("train", small_corpus(tmp_path, "one.txt", ["cat", "dog"] * 20), "--out", str(tmp_path / "x.npz"),
               "--min-count", "1")
    assert done.returncode == 1 and "no sentence has two known words" in done.stderr and "--min-count" in done.stderr


@pytest.mark.parametrize("arguments, message", [
    (["similar", "cat", "--topn", "0"], "argument --topn: must be >= 1, got 0"),
    (["analogy", "a", "b", "c", "--topn", "-2"], "argument --topn: must be >= 1, got -2"),
    (["evaluate", "--restrict-vocab", "0"], "argument --restrict-vocab: must be >= 1, got 0"),
    (["neighbours", "frog", "--limit", "0"], "argument --limit: must be >= 1, got 0"),
    (["plot", "--out", "/proc/figures"], "error: --out /proc/figures: cannot write in /proc"),
    (["demo", "--out", "/proc/demo"], "error: --out /proc/demo: cannot write in /proc"),  # before training
    (["demo", "--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
])
def test_other_commands_check_their_flags_first(arguments, message, tmp_path):
    done = subprocess.run([sys.executable, "-m", "minembed", *arguments], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode in (1, 2) and message in done.stderr and "Traceback" not in done.stderr
    assert "training skip-gram" not in done.stdout and "loaded GloVe" not in done.stdout
