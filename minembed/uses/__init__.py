"""Step 6, what embeddings are for: every representation the earlier steps make, put to work.

Bag-of-words and TF-IDF (the sparse baseline), k-means clustering and BERTopic-style
topics, a logistic-regression classifier, retrieval for RAG (chunking, BM25, dense
search through the top-k kernel, fusion, evaluation) and recommendations from item
sequences (item2vec). Each file is written from scratch in NumPy and checked against
the library a practitioner would use instead (scikit-learn, rank-bm25, gensim).
"""
