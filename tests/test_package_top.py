"""The names issue 25 and 26 promise at the package top: minembed.kmeans, tfidf, LogisticRegression,
mnr_loss and fine_tune are the library's own objects, loaded only when first asked for."""

import subprocess
import sys

import pytest

import minembed

TOP = {
    "kmeans": "minembed.uses.kmeans",
    "tfidf": "minembed.uses.bow",
    "LogisticRegression": "minembed.uses.classify",
    "mnr_loss": "minembed.contextual.contrastive",
    "fine_tune": "minembed.contextual.finetune",
}


@pytest.mark.parametrize("name", sorted(TOP))
def test_each_top_name_is_the_modules_own(name):
    module = __import__(TOP[name], fromlist=[name])
    assert getattr(minembed, name) is getattr(module, name)
    assert name in minembed.__all__ and name in dir(minembed)


def test_import_minembed_loads_none_of_them():
    """Importing the package does not import the uses or the fine-tuning code (only asking for a name does)."""
    code = ("import sys, minembed; "
            "print(sorted(m for m in sys.modules if m.startswith(('minembed.uses', 'minembed.contextual'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'kmean'"):
        minembed.kmean  # noqa: B018


def test_top_names_work_as_the_issue_states():
    import numpy as np
    labels, centres, inertia = minembed.kmeans(np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 8.0]]), 2,
                                               init=np.array([[0.0, 0.0], [9.0, 9.0]]))
    assert labels.tolist() == [0, 0, 1, 1] and inertia == pytest.approx(1.0)
    matrix, vocabulary = minembed.tfidf([["cat", "sat"], ["cat", "cat"]])
    assert vocabulary == ["cat", "sat"] and matrix.shape == (2, 2)
    model = minembed.LogisticRegression(C=1.0).fit(np.array([[0.0], [1.0], [5.0], [6.0]]), np.array([0, 0, 1, 1]))
    assert model.predict(np.array([[0.5], [5.5]])).tolist() == [0, 1]
    assert model.predict_proba(np.array([[0.5]])).shape == (1, 2)
