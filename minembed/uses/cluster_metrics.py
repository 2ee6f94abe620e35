"""How well clusters match true classes: normalised mutual information and the adjusted Rand index.

Both start from the contingency table n[c, k] = how many points of class c fell in cluster k
(rows a_c = sum_k n[c, k], columns b_k = sum_c n[c, k], N points).

NMI (Strehl & Ghosh, "Cluster ensembles", JMLR 3, 2002; the arithmetic-mean form of
Vinh, Epps & Bailey, JMLR 11, 2010):

    I(C; K) = sum_ck n_ck/N log(N n_ck / (a_c b_k))       H(C) = -sum_c a_c/N log(a_c/N)
    NMI     = I(C; K) / ((H(C) + H(K)) / 2)

ARI (Hubert & Arabie, "Comparing partitions", J. Classification 2, 1985), by pairs of points:

    index    = sum_ck C(n_ck, 2)          expected = sum_c C(a_c, 2) sum_k C(b_k, 2) / C(N, 2)
    ARI      = (index - expected) / ((sum_c C(a_c, 2) + sum_k C(b_k, 2)) / 2 - expected)

1 means the same partition (up to renaming the clusters); NMI 0 and ARI about 0 mean no more
agreement than chance (ARI can go below 0). The reference is scikit-learn's
``normalized_mutual_info_score`` (average_method="arithmetic") and ``adjusted_rand_score``,
including their special cases: two labellings that do not split the points (one class and one
cluster) score 1, and NMI is 0 when the mutual information is.

But: only these two scores (no AMI, V-measure, or the other NMI averages).
"""

from __future__ import annotations

import numpy as np

__all__ = ["contingency_table", "normalized_mutual_info", "adjusted_rand"]


def contingency_table(labels_true, labels_pred) -> np.ndarray:
    """n[c, k]: points of class c in cluster k, (classes, clusters) int64, classes and clusters sorted.

    >>> contingency_table(["a", "a", "b"], [1, 0, 0])
    array([[1, 1],
           [1, 0]])
    """
    labels_true, labels_pred = np.asarray(labels_true), np.asarray(labels_pred)
    if labels_true.ndim != 1 or labels_pred.ndim != 1:
        raise ValueError(f"labels must be 1-D lists, one label per point; got shapes {labels_true.shape} "
                         f"and {labels_pred.shape}.")
    if len(labels_true) != len(labels_pred):
        raise ValueError(f"labels_true has {len(labels_true)} labels but labels_pred has {len(labels_pred)}: "
                         "give one true class and one cluster for each point.")
    classes, class_ids = np.unique(labels_true, return_inverse=True)
    clusters, cluster_ids = np.unique(labels_pred, return_inverse=True)
    table = np.zeros((len(classes), len(clusters)), dtype=np.int64)  # (C, K) int64
    np.add.at(table, (class_ids, cluster_ids), 1)
    return table


def _entropy(counts: np.ndarray) -> float:
    """-sum p log p of the probabilities counts / counts.sum() (natural log)."""
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def normalized_mutual_info(labels_true, labels_pred) -> float:
    """NMI with the arithmetic mean of the two entropies, as scikit-learn's default.

    >>> normalized_mutual_info([0, 0, 1, 1], [1, 1, 0, 0]), normalized_mutual_info([0, 0, 1, 1], [0, 1, 0, 1])
    (1.0, 0.0)
    """
    table = contingency_table(labels_true, labels_pred)
    if table.shape[0] == table.shape[1] <= 1:  # no points, or one class in one cluster: the same partition
        return 1.0
    if table.shape[0] == 1 or table.shape[1] == 1:  # one side does not split the points: I = 0
        return 0.0
    n = table.sum()
    rows, columns = table.sum(axis=1), table.sum(axis=0)  # (C,), (K,)
    c, k = np.nonzero(table)
    joint = table[c, k] / n  # (nnz,) n_ck / N
    terms = joint * (np.log(table[c, k] * n) - np.log(rows[c] * columns[k]))  # (nnz,)
    terms[np.abs(terms) < np.finfo(np.float64).eps] = 0.0  # rounding noise, zeroed as scikit-learn does
    mutual_information = max(float(terms.sum()), 0.0)
    if mutual_information == 0:  # independent labellings (NMI 0 whatever the entropies)
        return 0.0
    return mutual_information / ((_entropy(rows) + _entropy(columns)) / 2)


def adjusted_rand(labels_true, labels_pred) -> float:
    """The adjusted Rand index, by pairs of points, with exact integer pair counts.

    >>> adjusted_rand([0, 0, 1, 1], [1, 1, 0, 0]), adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1])
    (1.0, -0.5)
    """
    table = contingency_table(labels_true, labels_pred)
    pairs = lambda counts: sum(int(x) * (int(x) - 1) // 2 for x in counts.ravel())  # noqa: E731  sum C(x, 2)
    n = int(table.sum())
    index, row_pairs, column_pairs = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    all_pairs = n * (n - 1) // 2
    if row_pairs == column_pairs == index:  # every pair together in both or apart in both (or no pairs)
        return 1.0
    # ARI = (index - rows cols / all) / ((rows + cols) / 2 - rows cols / all), times 2 all / 2 all:
    return 2.0 * (all_pairs * index - row_pairs * column_pairs) / (
        all_pairs * (row_pairs + column_pairs) - 2 * row_pairs * column_pairs)
