"""Step 2, counting: how often each word appears near each other word
(cooccur.py), then vectors from those counts, PPMI + truncated SVD (ppmi.py) or
GloVe's weighted least squares on their logarithms (glove.py)."""
