"""How `cooccur.count` adds up the pairs fast: cooccur.c's dense table and its sort-reduce.

These are optimisations of `cooccur.count_plain`, which defines the counts;
tests/test_cooccur.py holds `count` to it bit for bit, with the table, without
it (max_product=0) and split between the two.

Word ids are ranks by falling frequency, and most pairs
join two frequent words: those with (row + 1) (col + 1) <= max_product are
added up in place in a dense table (`FrequentPairs`, cooccur.c's
`bigram_table`). Every other pair (word at p, word at p - d) of a chunk of the
corpus becomes one integer key, ((row << b) | col) << c | (d - 1), with b bits
for a word id and c for a distance (uint32 when 2 b + c <= 32, else int64);
`np.sort` brings equal pairs together, and one pass adds up each run of equal
pairs: a "sort-reduce", what cooccur.c does with qsort and `write_chunk`. Each
chunk's sorted counts become a sparse CSR matrix, and chunks are added as
matrices (scipy merges sorted rows, as cooccur.c merges its sorted temporary
files); the table joins them at the end. The weights are integers, in units
of 1 / lcm(1, ..., window) (so 1/d is a whole number of units): partial counts
add up exactly in any order, so counting in chunks or in one pass, with or
without the table, gives the same bits. A symmetric count stores each pair
once, as (smaller id, larger id), in an upper-triangular U, and returns
X = U + U^T.

Why the table: on the dictionary corpus (42k words, window 10) the default
max_product of 300,000 takes 76% of the pairs, and adding is cheaper than
sorting, most of all where NumPy's sort is slow: on AMD Zen 4, whose AVX-512
compress-store is microcoded, `np.sort` of int64 runs ~5x slower than on
NumPy's AVX2 path (measured here: 20M against 96M keys/s).
benchmarks/bench_glove.py measures the counting speed.

Memory: one chunk of `chunk_tokens` positions needs at most about 24 bytes per
token per window word (the keys of the pairs left to sort, then their
reduction), measured with every pair sorted (max_product=0); 2^18 tokens at
window 10 take 63 MB. With the default table, on the dictionary corpus, 8.5
bytes and 22 MB. The table takes 8 bytes a cell, at most max_product
(ln(max_product) + 0.6) cells: 32 MB at the default, 16 MB for a symmetric
count, which keeps half. Past the chunks, memory grows with the result, not
the corpus: the partial sums are CSR matrices (12 bytes a pair), and writing
out X = U + U^T peaks near 30 bytes per non-zero of X, under twice the
triples returned (350 MB for 12M non-zeros, window 10, 5.5M tokens;
benchmarks/bench_glove.py measures it).

"""

from __future__ import annotations

import numpy as np
import scipy.sparse

__all__ = ["MAX_PRODUCT", "FrequentPairs", "chunk_counts", "sum_runs", "as_matrix"]

MAX_PRODUCT = 300_000  # count's default: the dense table's bound (see FrequentPairs)
# its table at most: max_product (ln(max_product) + 0.6) < 14 max_product cells of 8 bytes, in MB
DEFAULT_TABLE_MB = MAX_PRODUCT * 14 * 8 // 2**20
MAX_TABLE_BYTES = 2**31  # a larger table is refused: it buys no speed, only memory


class FrequentPairs:
    """cooccur.c's dense table for the pairs of frequent words, as one flat array.

    Word ids are ranks by falling frequency (`Vocabulary` numbers them so), and
    most of a corpus's pairs join two frequent words, both with small ids.
    Row r of the table keeps the columns c < limit[r] = max_product // (r + 1),
    the pairs whose ranks (from 1) multiply to at most max_product; cooccur.c
    bounds its table the same way (with ranks from 1, it keeps j < max_product / i:
    one column fewer per row). A symmetric count stores a pair once, as (smaller
    id, larger id), so only the columns c >= r. Cell (r, c) is values[offset[r] + c]:
    the table is adding, where the sort-reduce is sorting. On the dictionary corpus
    (42k words, window 10) max_product 300,000 takes 76% of the 32.6M pairs in 1.4M
    cells (11 MB); `count` sorts the other 24%.

    >>> table = FrequentPairs(vocab_size=4, max_product=4, symmetric=False, dtype=np.int64)
    >>> table.limit.tolist(), table.offset.tolist()  # row 0: columns 0-3, row 1: 0-1, rows 2-3: none
    ([4, 2, 1, 1], [0, 4, 6, 7])
    """

    def __init__(self, vocab_size: int, max_product: int, symmetric: bool, dtype) -> None:
        row = np.arange(vocab_size, dtype=np.int64)  # (V,)
        first = row if symmetric else np.zeros(vocab_size, np.int64)  # (V,) the row's first column
        self.limit = np.minimum(vocab_size, max_product // (row + 1)).astype(np.int32)  # (V,) c < limit[r]
        self.width = np.maximum(self.limit - first, 0)  # (V,) int64 cells in row r
        starts = np.cumsum(self.width) - self.width  # (V,) where row r's cells start
        self.offset = starts - first  # (V,) int64: cell (r, c) is values[offset[r] + c]
        cells = int(self.width.sum())
        size = cells * np.dtype(dtype).itemsize  # bytes
        if size > MAX_TABLE_BYTES:
            raise ValueError(f"max_product={max_product:,} needs a table of {size / 2**30:.1f} GB for {vocab_size:,} "
                             f"words; the default {MAX_PRODUCT:,} needs at most {DEFAULT_TABLE_MB} MB and 0 none (every pair is "
                             "then sorted)")
        self.values = np.zeros(cells, dtype)  # (cells,) in units

    def as_matrix(self) -> scipy.sparse.csr_matrix:
        """The counted cells as a (V, V) CSR matrix, sorted, without zeros."""
        V = len(self.limit)
        rows = np.repeat(np.arange(V, dtype=np.int64), self.width)  # (cells,) int64
        cols = np.arange(len(self.values)) - self.offset[rows]  # (cells,) int64
        seen = self.values != 0  # (cells,) bool
        indptr = np.zeros(V + 1, np.int64)  # (V + 1,)
        np.cumsum(np.bincount(rows[seen], minlength=V), out=indptr[1:])
        matrix = scipy.sparse.csr_matrix((self.values[seen], cols[seen].astype(np.int32), indptr), shape=(V, V))
        matrix.has_canonical_format = True  # sorted, no duplicates
        return matrix


def chunk_counts(ids: np.ndarray, position_in_sentence: np.ndarray, start: int, stop: int, window: int,
                 units: np.ndarray, id_bits: int, symmetric: bool,
                 table: FrequentPairs | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the pairs (word at p, word at p - d), d = 1..window, for the positions p in [start, stop).

    ids (N,) int32 the whole corpus, position_in_sentence (N,) int32 how many
    words of its sentence come before each position, units from
    `distance_weights`. A pair (row, col) is the key row << id_bits | col; with
    `symmetric` it is stored once as (smaller id, larger id), see `count`.
    The pairs that `table` keeps are added into it; the others are returned:
    their distinct keys (K,) int64, sorted, and their summed weights (K,) in units.

    >>> keys, weight = chunk_counts(np.array([0, 1, 0]), np.array([0, 1, 2], np.int32), 0, 3, 2, np.array([0, 2, 1]), 1, False)
    >>> keys.tolist(), weight.tolist()  # 0 = (0, 0) at distance 2;  1 = (0, 1) and 2 = (1, 0) at distance 1
    ([0, 1, 2], [1, 2, 2])
    """
    # The corpus from `window` words before the chunk (zeros where that would be before the
    # corpus starts), so that position p of the chunk sees the ids p - window .. p.
    padding = max(window - start, 0)
    ids_seen = np.concatenate([np.zeros(padding, ids.dtype), ids[max(start - window, 0):stop]])  # (n + window,)
    n = stop - start
    word = ids_seen[window:]  # (n,) the word at p
    place = position_in_sentence[start:stop]  # (n,) how many words of its sentence precede p
    if table is None:  # no table: every pair is sorted
        table = FrequentPairs(int(ids.max()) + 1, 0, symmetric, units.dtype)

    # A pair that is not in the table becomes one integer key (row << id_bits | col) <<
    # distance_bits | (d - 1). When the keys fit in 32 bits (up to 16,384 words at window
    # 16) they are uint32: half the bytes to move, and NumPy sorts them about twice as fast.
    distance_bits = (window - 1).bit_length()
    key_type = np.uint32 if 2 * id_bits + distance_bits <= 32 else np.int64

    # One distance at a time: the pairs at distance d join the word at p with the word at
    # p - d, the same slice of the corpus shifted by d, so every operation runs on
    # contiguous 1-D arrays.
    in_table = np.empty(n, bool)  # (n,)
    rest = []  # per distance, the keys of the pairs the table does not keep
    for d in range(1, window + 1):
        context = ids_seen[window - d:window - d + n]  # (n,) the word at p - d
        row, col = word, context  # (n,) each: views, the word at p is the row...
        if symmetric:  # ...unless the smaller id goes first
            row, col = np.minimum(word, context), np.maximum(word, context)
        np.less(col, table.limit[row], out=in_table)
        outside = place < d  # (n,) p - d lies before p's sentence: no pair
        in_table &= ~outside
        # Positions, not boolean masks, pick the pairs out: np.flatnonzero reads a mask once,
        # and take() with it is cheaper than two masked copies (measured: the chunk took a
        # third less time).
        at = np.flatnonzero(in_table)  # (t,) int64
        cells = table.offset[row.take(at)] + col.take(at)  # (t,) int64
        np.add.at(table.values, cells, units[d])  # unlike `values[cells] += w`, repeated cells all count
        at = np.flatnonzero(~(in_table | outside))  # (m_d,) int64: the pairs for the sort-reduce
        keys = row.take(at).astype(key_type) << (id_bits + distance_bits)  # (m_d,)
        keys |= col.take(at).astype(key_type) << distance_bits
        keys |= d - 1
        rest.append(keys)
    keys = np.concatenate(rest)  # (m,)
    keys.sort()  # equal pairs, and within them equal distances, are now next to each other
    pairs = (keys >> distance_bits).astype(np.int64, copy=False)  # (m,) int64
    keys &= (1 << distance_bits) - 1  # now d - 1
    return sum_runs(pairs, units[1:][keys])


def sum_runs(sorted_keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key of a sorted array once, with the sum of its weights.

    The sums are differences of the running total at the end of each run:
    one sequential cumsum rather than np.add.reduceat's scattered starts
    (exact for the integer units; for float64 weights, as rounded as any sum).

    >>> keys, sums = sum_runs(np.array([3, 3, 5, 9, 9, 9]), np.array([1, 2, 1, 1, 1, 1]))
    >>> keys.tolist(), sums.tolist()
    ([3, 5, 9], [3, 1, 3])
    """
    if len(sorted_keys) == 0:
        return sorted_keys, weights
    last = np.empty(len(sorted_keys), dtype=bool)  # (m,) bool: the last key of each run
    last[-1] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=last[:-1])
    ends = np.flatnonzero(last)  # (k,) int64
    if weights.dtype.kind == "f":  # a running float total would round differently per chunk
        return sorted_keys[ends], np.add.reduceat(weights, np.append(0, ends[:-1] + 1))
    sums = np.cumsum(weights)[ends]  # (k,) running total at each run's end
    sums[1:] -= sums[:-1].copy()
    return sorted_keys[ends], sums


def as_matrix(keys: np.ndarray, weights: np.ndarray, id_bits: int, vocab_size: int) -> scipy.sparse.csr_matrix:
    """Sorted distinct keys row << id_bits | col and their weights as a (V, V) CSR matrix.

    The keys are already in (row, col) order, so the CSR arrays are written
    down directly: cols are the column indices, and row r's entries start
    where the rows before it end (a cumulative count of rows).

    >>> as_matrix(np.array([1, 2, 4]), np.array([5, 6, 7]), 1, 3).toarray().tolist()  # (0, 1), (1, 0), (2, 0)
    [[0, 5, 0], [6, 0, 0], [7, 0, 0]]
    """
    rows = keys >> id_bits  # (K,) int64
    cols = (keys & ((1 << id_bits) - 1)).astype(np.int32)  # (K,) int32
    indptr = np.zeros(vocab_size + 1, np.int64)  # (V + 1,)
    np.cumsum(np.bincount(rows, minlength=vocab_size), out=indptr[1:])
    matrix = scipy.sparse.csr_matrix((weights, cols, indptr), shape=(vocab_size, vocab_size))
    matrix.has_canonical_format = True  # sorted, no duplicates: scipy may add it to others by merging rows
    return matrix
