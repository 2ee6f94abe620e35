"""One table: the same 20 Newsgroups documents through every representation minembed makes, on
three tasks, with scikit-learn's figures beside minembed's where scikit-learn computes the same thing.

Data (minembed.data.labelled.newsgroups, the standard split, subsampled with one seed):
    classification  fit on --train-docs training posts, accuracy on --test-docs test posts; dense
                    features standardised per column first (sparse ones as they are), then for both:
                    minembed.uses.classify.LogisticRegression(C=1) | sklearn LogisticRegression(C=1)
    clustering      k-means (k = 20, k-means++, seed 0) on the test posts' L2-normalised rows, NMI with
                    the groups: minembed.uses.kmeans + its NMI | sklearn KMeans(n_init=1) + its NMI
                    (the two draw different k-means++ seeds, so they agree within k-means' own spread)
    retrieval       a derived known-item task (no package ships relevance judgements): each of
                    --retrieval-docs test posts is cut in two; the first half is the query and its own
                    second half, among all second halves, the one right answer; recall@10 by cosine:
                    minembed.contextual.sentences.semantic_search | sklearn NearestNeighbors(cosine, brute)

Representations (documents are the files' lowercased words, text.split()):
    one-hot BoW     which words occur (binary counts over the training vocabulary, min_df 2)
    TF-IDF          minembed.uses.bow.fit_tfidf (min_df 2, l2), fitted on the training posts
    PPMI + SVD, GloVe, skip-gram, fastText   trained here on --corpus-docs training posts
                    (d = 100, min_count 5), a document = the mean of its words' vectors
    GloVe 6B        the pretrained 400k x 50 table (minembed.data.pretrained), mean and SIF
                    (minembed.contextual.sentences; SIF's word counts from the training corpus)
    MiniLM          all-MiniLM-L6-v2 in NumPy (minembed.contextual.encoder), the first
                    --minilm-words words of each document (its own limit is 256 word pieces)

    python -m experiments.representations_table                   # ~5-10 min on 2 cores
    python -m experiments.representations_table --train-docs 600 --test-docs 300 --corpus-docs 1000 --skip-minilm

But: one seed per model (no spread over seeds), no tuning of any representation for any
task, MiniLM sees truncated documents, and the word vectors are trained on a few
thousand posts only (they would do better on more text; the pretrained rows show it).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from minembed.contextual.sentences import mean_vectors, semantic_search, sif_vectors
from minembed.data.labelled import newsgroups
from minembed.uses.bow import count_matrix, fit_tfidf
from minembed.uses.classify import LogisticRegression
from minembed.uses.cluster_metrics import normalized_mutual_info
from minembed.uses.kmeans import kmeans


def stratified_sample(labels: list[str], count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` row numbers drawn at random (rng), in sorted order: about the same share of every class."""
    labels = np.asarray(labels)
    chosen = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        chosen.append(rng.choice(rows, size=max(1, round(count * len(rows) / len(labels))), replace=False))
    return np.sort(np.concatenate(chosen))


def dense(matrix) -> np.ndarray:
    """(n, D) float32 from a dense array or a scipy sparse matrix."""
    return np.asarray(matrix.todense() if hasattr(matrix, "todense") else matrix, dtype=np.float32)


def unit_rows(matrix):
    """Each row divided by its L2 norm (zero rows stay zero); sparse stays sparse."""
    if hasattr(matrix, "multiply"):
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()  # (n,)
        return matrix.multiply(1.0 / np.maximum(norms, 1e-12)[:, None]).tocsr()
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def evaluate(name: str, train_x, train_y, test_x, test_y, queries, answers, sklearn: bool) -> dict:
    """The three tasks for one representation; with sklearn=True its figures too."""
    row = {"representation": name, "dimensions": train_x.shape[1]}
    started = time.perf_counter()
    if not hasattr(train_x, "multiply"):  # dense: standardised columns (train's mean and std), as StandardScaler
        mean, std = train_x.mean(axis=0), np.maximum(train_x.std(axis=0), 1e-12)
        train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    row["accuracy"] = np.mean(LogisticRegression(C=1.0).fit(train_x, train_y).predict(test_x) == np.asarray(test_y))
    points = unit_rows(dense(test_x))
    queries, answers = dense(queries), dense(answers)
    labels, _, _ = kmeans(points, 20, seed=0)
    row["nmi"] = normalized_mutual_info(test_y, labels)
    hits = semantic_search(queries, answers, top_k=10)
    row["recall@10"] = np.mean([any(hit["corpus_id"] == i for hit in found) for i, found in enumerate(hits)])
    if sklearn:
        from sklearn.cluster import KMeans
        from sklearn.linear_model import LogisticRegression as SkLogistic
        from sklearn.metrics import normalized_mutual_info_score
        from sklearn.neighbors import NearestNeighbors

        row["sk accuracy"] = np.mean(SkLogistic(C=1.0, max_iter=100).fit(train_x, train_y).predict(test_x)
                                     == np.asarray(test_y))
        row["sk nmi"] = normalized_mutual_info_score(test_y, KMeans(20, n_init=1, random_state=0).fit_predict(points))
        nearest = NearestNeighbors(n_neighbors=10, metric="cosine", algorithm="brute").fit(answers)
        found = nearest.kneighbors(queries, return_distance=False)
        row["sk recall@10"] = np.mean([i in found[i] for i in range(len(found))])
    row["seconds"] = time.perf_counter() - started
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-docs", type=int, default=2000, help="training posts for the classifier (2000)")
    parser.add_argument("--test-docs", type=int, default=1000, help="test posts: accuracy and clustering (1000)")
    parser.add_argument("--retrieval-docs", type=int, default=500, help="test posts cut in two for retrieval (500)")
    parser.add_argument("--corpus-docs", type=int, default=4000, help="training posts the word vectors learn from")
    parser.add_argument("--minilm-words", type=int, default=128, help="words of each document MiniLM reads (128)")
    parser.add_argument("--skip-minilm", action="store_true", help="leave out MiniLM (the slowest row)")
    parser.add_argument("--no-sklearn", action="store_true", help="minembed's figures only")
    parser.add_argument("--seed", type=int, default=0, help="the subsamples' seed (0)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()

    train_texts, train_labels = newsgroups("train")
    test_texts, test_labels = newsgroups("test")
    train_rows = stratified_sample(train_labels, args.train_docs, rng)
    test_rows = stratified_sample(test_labels, args.test_docs, rng)
    corpus_rows = stratified_sample(train_labels, args.corpus_docs, rng)
    train_docs = [train_texts[i].split() for i in train_rows]
    train_y = [train_labels[i] for i in train_rows]
    test_docs = [test_texts[i].split() for i in test_rows]
    test_y = [test_labels[i] for i in test_rows]
    corpus = [train_texts[i].split() for i in corpus_rows]
    halves = [doc for doc in test_docs if len(doc) >= 20][: args.retrieval_docs]
    firsts = [doc[: len(doc) // 2] for doc in halves]
    seconds = [doc[len(doc) // 2:] for doc in halves]
    print(f"20 Newsgroups: {len(train_docs)} training and {len(test_docs)} test posts, {len(halves)} halved for "
          f"retrieval; word vectors from {len(corpus)} posts ({sum(map(len, corpus)):,} tokens)", flush=True)

    use_sklearn = not args.no_sklearn
    rows = []

    def add(name, encode):
        """encode: a list of token lists -> (n, D) features."""
        rows.append(evaluate(name, encode(train_docs), train_y, encode(test_docs), test_y,
                             encode(firsts), encode(seconds), use_sklearn))
        print(f"  {name}: done ({rows[-1]['seconds']:.0f} s for its tasks)", flush=True)

    tfidf = fit_tfidf(train_docs, min_df=2)
    add("one-hot BoW", lambda docs: (count_matrix(docs, tfidf.vocabulary, allow_empty=True) > 0).astype(np.float64))
    add("TF-IDF", lambda docs: tfidf.transform(docs, allow_empty=True))

    from minembed.counting import glove, ppmi
    from minembed.predicting import subword, word2vec

    trainers = {
        "PPMI + SVD": lambda: ppmi.train(corpus, vector_size=100, min_count=5),
        "GloVe (trained here)": lambda: glove.train(corpus, vector_size=100, min_count=5, epochs=25),
        "skip-gram": lambda: word2vec.train(corpus, vector_size=100, min_count=5, epochs=5),
        "fastText": lambda: subword.train(corpus, vector_size=100, min_count=5, epochs=5, bucket=200_000),
    }
    for name, train in trainers.items():
        clock = time.perf_counter()
        vectors = train()
        print(f"  {name}: trained in {time.perf_counter() - clock:.0f} s", flush=True)
        add(f"{name}, mean", lambda docs, v=vectors: mean_vectors(v, docs))

    from collections import Counter

    from minembed.data.pretrained import glove_6b_50d

    pretrained = glove_6b_50d()
    counts = Counter(word for doc in corpus for word in doc)
    add("GloVe 6B 50d, mean", lambda docs: mean_vectors(pretrained, docs))
    add("GloVe 6B 50d, SIF", lambda docs: sif_vectors(pretrained, docs, counts))

    if not args.skip_minilm:
        from minembed.contextual.encoder import load_minilm

        encoder = load_minilm()
        add("MiniLM (all-MiniLM-L6-v2)",
            lambda docs: encoder.encode([" ".join(doc[: args.minilm_words]) for doc in docs], batch_size=32))

    columns = ["representation", "dimensions", "accuracy", "sk accuracy", "nmi", "sk nmi", "recall@10",
               "sk recall@10"]
    columns = [c for c in columns if c in rows[0]]
    print()
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns) + " |")
    print(f"\nseed {args.seed}; whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
