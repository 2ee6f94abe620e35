"""Seeing embeddings: PCA and t-SNE in NumPy (projection.py) and the matplotlib
figures built on them (plots.py)."""
