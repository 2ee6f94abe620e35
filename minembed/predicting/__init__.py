"""Step 3, predicting: vectors learnt by predicting a word from its neighbours.
word2vec's skip-gram and CBOW with negative sampling (word2vec.py) read the
corpus as one id array (corpus.py); fastText adds character n-grams to
skip-gram's input rows (subword.py)."""
