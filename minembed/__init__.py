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
"""

from minembed.vectors import Vectors

__all__ = ["Vectors"]
__version__ = "0.1.0"
