"""Step 4, the vectors every model returns: the `Vectors` table (table.py),
exact cosine top-k search through the one compiled kernel (topk.py), intrinsic
evaluation as gensim scores it (evaluate.py) and the file formats (formats.py,
with the row parsers behind its readers in parsing.py)."""

from minembed.vectors.table import Vectors

__all__ = ["Vectors"]
