"""minembed: word embeddings built from scratch in readable NumPy.

Every model returns a :class:`Vectors` table, and every similarity question
(``most_similar``, analogies, search) goes through one exact cosine top-k
kernel, :func:`minembed.vectors.topk.topk_cosine`.
"""

from minembed.vectors import Vectors

__all__ = ["Vectors"]
__version__ = "0.1.0"
