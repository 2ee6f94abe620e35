"""The `minembed` command: the README's main job runs end to end (small settings)."""

import subprocess
import sys

import pytest


def run(*args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "minembed", *args], capture_output=True, text=True, timeout=timeout,
        env={"MPLBACKEND": "Agg", **__import__("os").environ},
    )


def test_info_names_the_backend():
    from minembed import topk

    done = run("info")
    assert done.returncode == 0
    assert done.stdout.strip() == f"top-k backend: {topk.BACKEND}"


def test_neighbours_and_unknown_word():
    done = run("neighbours", "frog", "--topn", "3", "--limit", "50000")
    assert done.returncode == 0
    assert "toad" in done.stdout  # GloVe 6B 50d: snake, ape, toad are frog's top 3
    done = run("neighbours", "frogg", "--limit", "50000")
    assert done.returncode == 1
    assert "'frogg' is not in the vocabulary" in done.stderr and "Close known words: frog" in done.stderr


def test_demo_trains_and_writes_figures(tmp_path):
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
