"""Step 1, tokens to ids: clean and split text (text.py), count words and give
them ids (vocab.py), and the first codes built from those ids, ordinal and
one-hot (onehot.py)."""
