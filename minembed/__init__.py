"""minembed: word embeddings built from scratch in readable NumPy.

The subpackages are the learner's path, in order:

    tokens       text to tokens to ids; ordinal and one-hot codes
    counting     co-occurrence counts, PPMI + SVD, GloVe
    predicting   word2vec (skip-gram, CBOW) and fastText
    vectors      the `Vectors` table, exact top-k search, evaluation, file formats
    contextual   WordPiece, the MiniLM encoder, sentence vectors, contrastive fine-tuning
    uses         bag-of-words, clustering and topics, classification, retrieval, recommendations

and what they share: training (the row scatter, the life cycle of a model),
figures, data. Each model file opens with the plain algorithm; the fast
version below it is tied to it by a test.

Every model returns a :class:`Vectors` table, and every similarity question
(``most_similar``, analogies, search) goes through one exact cosine top-k
kernel, :func:`minembed.vectors.topk.topk_cosine`.

The interfaces people reach for first are also here at the top, each loaded on
first use (PEP 562) so that ``import minembed`` stays as light as the vectors:
``minembed.kmeans``, ``minembed.tfidf``, ``minembed.LogisticRegression``,
``minembed.mnr_loss`` and ``minembed.fine_tune``.
"""

from importlib import import_module

from minembed.vectors import Vectors

# name at the package top -> the module that defines it
_LAZY = {
    "kmeans": "minembed.uses.kmeans",
    "tfidf": "minembed.uses.bow",
    "LogisticRegression": "minembed.uses.classify",
    "mnr_loss": "minembed.contextual.contrastive",
    "fine_tune": "minembed.contextual.finetune",
}

__all__ = ["Vectors", *_LAZY]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # found once, then an ordinary attribute
        return value
    raise AttributeError(f"module 'minembed' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
