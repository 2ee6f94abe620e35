# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False, embedsignature=True
"""Exact cosine top-k, compiled: the loop behind minembed.vectors.topk.topk_cosine.

Only the loop lives here. minembed/vectors/topk.py validates the input (contiguous
float32, finite queries, 1 <= k <= N, exclusions as CSR arrays), computes the
query inverse norms, and defines the answer in NumPy (topk_cosine_numpy). This
file must return exactly that answer:

    score(row, q) = float32((dot(row, q) * inverse_norm(row)) * inverse_norm(q))
    order         = descending score, ties by the lower row index

A row whose float32 sum of squares leaves [1e-30, 1e30] is scored from a copy
scaled by a power of two (minembed_rescale, exact), as the reference does with
power_of_two_scaled: its dots neither overflow nor underflow. (The wrapper has
already rescaled such queries.) Ordinary rows never take that path.

Two strategies, chosen by the number of queries:

* scan (few queries, e.g. most_similar): each row is read from memory once;
  its sum of squares and its dot with every query are taken while it sits in
  cache, four rows at a time, with the next rows prefetched (topk_helpers.h).
  Threads split the rows; each keeps its own heaps; heaps are merged.
  Memory-bound: the floor is the time to read the table once.
* gemm (a batch): threads take tiles of TILE_ROWS rows, score each against
  a block of queries with a single-threaded BLAS sgemm (scipy's cython_blas),
  and push the scores into their own heaps; heaps are merged at the end.
  One thread pool (OpenMP) does everything, so no time is lost handing the
  cores back and forth between OpenMP and OpenBLAS threads. Compute-bound:
  the floor is sgemm's FLOP rate. Memory: one TILE_ROWS x QUERY_BLOCK float32
  tile per thread, never the whole (Q, N) matrix.

A per-query top-k is a binary min-heap of (score, index) whose root is the
worst of the current best k; a candidate enters only if it beats the root
(topk_heap.pxi). Every buffer a call needs (heaps, tiles, scratch) is made by
allocate_buffers and released by free_buffers, for both strategies
(topk_buffers.pxi). Both files are included into this one at compile time.
"""

from cython.parallel cimport prange, parallel, threadid
from libc.math cimport sqrt, isfinite, INFINITY
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport int64_t
from scipy.linalg.cython_blas cimport sgemm

cdef extern from "topk_helpers.h":
    int MINEMBED_OPENMP
    int minembed_max_threads() nogil
    float minembed_dot(const float *a, const float *b, Py_ssize_t n) nogil
    void minembed_dot4(const float *rows, const float *b, Py_ssize_t n, float *dots, float *squares) nogil
    float minembed_squares(const float *a, Py_ssize_t n) nogil
    int minembed_rescale(const float *row, Py_ssize_t n, float *scaled) nogil
    double minembed_squares_double(const float *a, Py_ssize_t n) nogil
    int minembed_block_reaches(const float *dots, const float *row_inverse,
                               float query_inverse, float threshold) nogil
    Py_ssize_t minembed_tile_best(const float *dots, const float *row_inverse,
                                  float query_inverse, Py_ssize_t n, float *best) nogil

OPENMP = bool(MINEMBED_OPENMP)

cdef enum:
    SCAN_MAX_QUERIES = 8   # up to this many queries: one pass over the rows
    SCAN_CHUNK_ROWS = 1024  # rows a thread takes at a time in the scan
    TILE_ROWS = 2048        # rows per sgemm tile
    QUERY_BLOCK = 1024      # queries per sgemm block: 8 MB of dots per thread
    LINE_FLOATS = 16        # floats in a 64-byte cache line

MAX_SCAN_QUERIES = SCAN_MAX_QUERIES  # for the wrapper: batches above this use sgemm


# --------------------------------------------------------------------------- #
# The per-query heap (topk_heap.pxi) and the scoring of one row.
# --------------------------------------------------------------------------- #

include "topk_heap.pxi"


cdef inline void keep_first_bad_row(Py_ssize_t *bad_row, Py_ssize_t row) noexcept nogil:
    """bad_row[0] = the lower of itself and `row`, where -1 means none seen yet."""
    if bad_row[0] < 0 or row < bad_row[0]:
        bad_row[0] = row


cdef inline float inverse_norm(double squares) noexcept nogil:
    """float32(1 / sqrt(sum of squares)), 0 for a zero row."""
    return <float>(1.0 / sqrt(squares)) if squares > 0 else 0.0


cdef inline bint squares_in_range(float squares) noexcept nogil:
    """Is a float32 sum of squares in [1e-30, 1e30], where the row's float32 dots
    with a query (itself in range) neither overflow nor underflow? False for NaN, inf and 0."""
    return squares >= 1e-30 and squares <= 1e30


cdef inline bint rescaled_dots(const float *row, Py_ssize_t dim, const float *queries, Py_ssize_t n_queries,
                               float *scaled, float *dots, Py_ssize_t dots_stride, float *row_inverse,
                               bint float64_squares) noexcept nogil:
    """For a row outside the safe range: its copy scaled by a power of two (exact), that copy's
    inverse norm into row_inverse[0] (from a float64 sum of squares when the other rows' norms
    came cached from NumPy, else float32 as the scan's) and its dot with query q (queries is
    (Q, dim), C order) into dots[q * dots_stride]. False, with the dots zeroed, on NaN or inf."""
    cdef Py_ssize_t q
    cdef bint finite = minembed_rescale(row, dim, scaled)
    if not finite:
        row_inverse[0] = 0.0
    elif float64_squares:
        row_inverse[0] = inverse_norm(minembed_squares_double(scaled, dim))
    else:
        row_inverse[0] = inverse_norm(minembed_squares(scaled, dim))
    for q in range(n_queries):
        dots[q * dots_stride] = minembed_dot(scaled, &queries[q * dim], dim) if finite else 0.0
    return finite


cdef inline void offer_tile(const float *dots, const float *row_inverse, float query_inverse,
                            Py_ssize_t tile_rows, int64_t first_row,
                            float *heap_scores, int64_t *heap_indices, Py_ssize_t *heap_size,
                            Py_ssize_t k, const int64_t *excluded, Py_ssize_t n_excluded) noexcept nogil:
    """Offer one query's scores for a tile of rows to its heap.

    The heap's worst kept score sits in a local, so the common case (the row
    loses) is one multiply pair and one compare, with no memory traffic. A
    top-1 query without exclusions offers only the tile's best row (the first,
    at a tie), found by minembed_tile_best.
    """
    cdef Py_ssize_t r, size = heap_size[0], block_start, block_end
    cdef float score, worst_score = -INFINITY
    cdef int64_t row, worst_index = -1
    if k == 1 and n_excluded == 0:
        r = minembed_tile_best(dots, row_inverse, query_inverse, tile_rows, &score)
        if r >= 0:
            heap_offer(heap_scores, heap_indices, heap_size, 1, score, first_row + r)
        return
    if size == k:
        worst_score = heap_scores[0]
        worst_index = heap_indices[0]
    block_start = 0
    while block_start < tile_rows:
        block_end = min(block_start + 16, tile_rows)
        if (size == k and block_end - block_start == 16 and not minembed_block_reaches(
                &dots[block_start], &row_inverse[block_start], query_inverse, worst_score)):
            block_start = block_end  # all 16 rows lose to the worst kept: skip the block
            continue
        for r in range(block_start, block_end):
            score = (dots[r] * row_inverse[r]) * query_inverse
            row = first_row + r
            if size == k and not ranks_below(worst_score, worst_index, score, row):
                continue
            if is_excluded(excluded, n_excluded, row):
                continue
            heap_offer(heap_scores, heap_indices, &size, k, score, row)
            if size == k:
                worst_score = heap_scores[0]
                worst_index = heap_indices[0]
        block_start = block_end
    heap_size[0] = size


# --------------------------------------------------------------------------- #
# The per-call buffers and the merge of the threads' heaps (topk_buffers.pxi).
# --------------------------------------------------------------------------- #

include "topk_buffers.pxi"


# --------------------------------------------------------------------------- #
# Strategy 1: scan (one pass over the rows, few queries).
# --------------------------------------------------------------------------- #

cdef Py_ssize_t scan(const float[:, ::1] table, const float[:, ::1] queries,
                     const float[::1] query_inverse,
                     const float[::1] known_row_inverse, bint use_known_row_inverse,
                     const int64_t[::1] exclude_offsets, const int64_t[::1] exclude_ids,
                     int64_t[:, ::1] out_indices, float[:, ::1] out_scores) noexcept nogil:
    cdef Py_ssize_t n_rows = table.shape[0], dim = table.shape[1]
    cdef Py_ssize_t n_queries = queries.shape[0], k = out_indices.shape[1]
    cdef int n_threads = minembed_max_threads()
    cdef Py_ssize_t n_chunks = (n_rows + SCAN_CHUNK_ROWS - 1) // SCAN_CHUNK_ROWS
    cdef Py_ssize_t chunk, row, row_end, q, bad_row = -1, group, r
    cdef int thread
    cdef float row_inverse, score
    cdef bint in_range
    cdef const float *row_pointer
    cdef float *group_dots
    cdef float *group_squares
    cdef float *scaled_row
    cdef float *heap_scores
    cdef int64_t *heap_indices
    cdef Py_ssize_t *heap_sizes
    cdef Buffers buffers
    # Per thread: the dots of a group of 4 rows with each query, (Q, 4), and the 4 rows' squares.
    if not allocate_buffers(&buffers, n_threads, n_queries, k, SCAN_MAX_QUERIES * 4, 4, dim):
        return -2

    with parallel(num_threads=n_threads):
        thread = threadid()
        group_dots = &buffers.dots[thread * buffers.dots_stride]  # (Q, 4) float32
        group_squares = &buffers.row_values[thread * buffers.row_values_stride]  # (4,) float32
        scaled_row = &buffers.scaled[thread * buffers.scaled_stride]  # (D,) float32
        heap_scores = &buffers.heap_scores[thread * buffers.heap_stride]  # (Q, k): this thread's heaps
        heap_indices = &buffers.heap_indices[thread * buffers.heap_stride]  # (Q, k)
        heap_sizes = &buffers.heap_sizes[thread * buffers.sizes_stride]  # (Q,)
        for chunk in prange(n_chunks, schedule="dynamic"):
            row_end = min(n_rows, (chunk + 1) * SCAN_CHUNK_ROWS)
            row = chunk * SCAN_CHUNK_ROWS
            while row < row_end:
                # Four rows at a time (each query block loaded once for the four);
                # a chunk's last rows one at a time. group_dots is (Q, 4).
                group = 4 if row + 4 <= row_end else 1
                if group == 4:
                    minembed_dot4(&table[row, 0], &queries[0, 0], dim, group_dots,
                                  NULL if use_known_row_inverse else group_squares)
                    for q in range(1, n_queries):
                        minembed_dot4(&table[row, 0], &queries[q, 0], dim, &group_dots[4 * q], NULL)
                else:
                    for q in range(n_queries):
                        group_dots[4 * q] = minembed_dot(&table[row, 0], &queries[q, 0], dim)
                    if not use_known_row_inverse:
                        group_squares[0] = minembed_squares(&table[row, 0], dim)
                for r in range(group):
                    row_pointer = &table[row + r, 0]
                    if use_known_row_inverse:  # norms cached by the caller: dots only
                        row_inverse = known_row_inverse[row + r]
                        in_range = (row_inverse >= 1e-15 and row_inverse <= 1e15  # squares in [1e-30, 1e30]
                                    and isfinite(group_dots[r]))  # NaN/inf in the row
                    else:
                        row_inverse = inverse_norm(group_squares[r])
                        in_range = squares_in_range(group_squares[r])  # also False for NaN/inf
                    if not in_range and not rescaled_dots(row_pointer, dim, &queries[0, 0], n_queries, scaled_row,
                                                          &group_dots[r], 4, &row_inverse, use_known_row_inverse):
                        keep_first_bad_row(&buffers.bad_rows[thread], row + r)
                        continue
                    for q in range(n_queries):
                        score = (group_dots[4 * q + r] * row_inverse) * query_inverse[q]
                        # Cheap rejection first: most rows lose to the heap's root.
                        if heap_sizes[q] == k and not ranks_below(
                                heap_scores[q * k], heap_indices[q * k], score, row + r):
                            continue
                        if is_excluded(&exclude_ids[exclude_offsets[q]],
                                       exclude_offsets[q + 1] - exclude_offsets[q], row + r):
                            continue
                        heap_offer(&heap_scores[q * k], &heap_indices[q * k], &heap_sizes[q], k, score, row + r)
                row = row + group

    bad_row = merge_thread_heaps(&buffers, n_threads, out_indices, out_scores)
    free_buffers(&buffers, n_threads)
    return bad_row


# --------------------------------------------------------------------------- #
# Strategy 2: gemm (tiles of rows x blocks of queries through BLAS).
# --------------------------------------------------------------------------- #

cdef Py_ssize_t gemm_block(const float[:, ::1] table, const float[:, ::1] queries,
                           const float[::1] query_inverse, Py_ssize_t first_query,
                           const int64_t[::1] exclude_offsets, const int64_t[::1] exclude_ids,
                           int64_t[:, ::1] out_indices, float[:, ::1] out_scores) noexcept nogil:
    """Queries first_query .. first_query + B - 1, where B = queries.shape[0].

    Threads take whole row tiles (dynamic schedule, so a thread slowed by
    another process on the machine does not hold the rest back). Each thread
    scores its tile with a single-threaded sgemm (the Python wrapper limits
    BLAS to one thread around this call), offers the scores to its own heaps,
    and the heaps of all threads are merged at the end.
    """
    cdef Py_ssize_t n_rows = table.shape[0], dim = table.shape[1]
    cdef Py_ssize_t n_queries = queries.shape[0], k = out_indices.shape[1]
    cdef int n_threads = minembed_max_threads()
    cdef Py_ssize_t n_tiles = (n_rows + TILE_ROWS - 1) // TILE_ROWS
    cdef Py_ssize_t tile, tile_start, tile_rows, r, q, bad_row = -1
    cdef int thread, m, n, depth, lda, ldb, ldc
    cdef float one = 1.0, zero = 0.0, squares
    cdef char transpose = b'T', keep = b'N'
    cdef float *dots
    cdef float *row_inverse
    cdef float *scaled_tile
    cdef const float *tile_pointer
    cdef bint any_outside
    cdef float *heap_scores
    cdef int64_t *heap_indices
    cdef Py_ssize_t *heap_sizes
    cdef Buffers buffers
    # Per thread: a (B, TILE_ROWS) float32 block of dots (row-major, so query
    # q's dots are contiguous) and TILE_ROWS inverse norms; a (TILE_ROWS, D) copy
    # only once the thread meets a tile that holds rows outside the safe range.
    if not allocate_buffers(&buffers, n_threads, n_queries, k, n_queries * min(TILE_ROWS, n_rows), TILE_ROWS, 0):
        return -2

    with parallel(num_threads=n_threads):
        thread = threadid()
        dots = &buffers.dots[thread * buffers.dots_stride]  # (B, TILE_ROWS) float32
        row_inverse = &buffers.row_values[thread * buffers.row_values_stride]  # (TILE_ROWS,) float32
        heap_scores = &buffers.heap_scores[thread * buffers.heap_stride]  # (B, k): this thread's heaps
        heap_indices = &buffers.heap_indices[thread * buffers.heap_stride]  # (B, k)
        heap_sizes = &buffers.heap_sizes[thread * buffers.sizes_stride]  # (B,)
        for tile in prange(n_tiles, schedule="dynamic"):
            tile_start = tile * TILE_ROWS
            tile_rows = min(TILE_ROWS, n_rows - tile_start)
            any_outside = False
            for r in range(tile_rows):
                squares = minembed_squares(&table[tile_start + r, 0], dim)
                if squares_in_range(squares):
                    row_inverse[r] = inverse_norm(squares)
                else:
                    row_inverse[r] = -1.0  # rescaled below
                    any_outside = True
            tile_pointer = &table[tile_start, 0]
            if any_outside and buffers.tiles[thread] == NULL:
                buffers.tiles[thread] = <float *> malloc(TILE_ROWS * dim * sizeof(float))
                if buffers.tiles[thread] == NULL:
                    buffers.out_of_memory = True
                    any_outside = False  # scored unscaled; the call raises MemoryError at the end
            scaled_tile = buffers.tiles[thread]  # (TILE_ROWS, D) float32
            if any_outside:  # sgemm a copy with those rows scaled: the same call, so the others keep their bits
                tile_pointer = scaled_tile
                for r in range(tile_rows):
                    if row_inverse[r] >= 0:
                        memcpy(&scaled_tile[r * dim], &table[tile_start + r, 0], dim * sizeof(float))
                    elif minembed_rescale(&table[tile_start + r, 0], dim, &scaled_tile[r * dim]):
                        row_inverse[r] = inverse_norm(minembed_squares(&scaled_tile[r * dim], dim))
                    else:  # NaN or inf: reported, and scored 0 meanwhile
                        keep_first_bad_row(&buffers.bad_rows[thread], tile_start + r)
                        memset(&scaled_tile[r * dim], 0, dim * sizeof(float))
                        row_inverse[r] = 0.0
            # BLAS is column-major. Row-major dots (B, R) is column-major (R, B):
            #   dots_cm = tile_cm^T @ queries_cm, tile_cm (D, R), queries_cm (D, B).
            m = <int> tile_rows
            n = <int> n_queries
            depth = <int> dim
            lda = <int> dim
            ldb = <int> dim
            ldc = <int> tile_rows
            sgemm(&transpose, &keep, &m, &n, &depth, &one, <float *> tile_pointer, &lda,
                  <float *> &queries[0, 0], &ldb, &zero, dots, &ldc)
            for q in range(n_queries):
                offer_tile(&dots[q * tile_rows], row_inverse, query_inverse[q], tile_rows, tile_start,
                           &heap_scores[q * k], &heap_indices[q * k], &heap_sizes[q], k,
                           &exclude_ids[exclude_offsets[first_query + q]],
                           exclude_offsets[first_query + q + 1] - exclude_offsets[first_query + q])

    bad_row = -2 if buffers.out_of_memory else merge_thread_heaps(&buffers, n_threads, out_indices, out_scores)
    free_buffers(&buffers, n_threads)
    return bad_row


def topk_cosine(const float[:, ::1] table, const float[:, ::1] queries,
                const float[::1] query_inverse, const float[::1] known_row_inverse,
                const int64_t[::1] exclude_offsets, const int64_t[::1] exclude_ids,
                int64_t[:, ::1] out_indices, float[:, ::1] out_scores):
    """Fill out_indices / out_scores (Q, k); return -1, or the first row with NaN/inf.

    known_row_inverse: the table's inverse norms when the caller has them
    cached (length N; the scan then computes dots only), else an empty array.
    Inputs are trusted: minembed.vectors.topk.topk_cosine checks them first.
    """
    cdef Py_ssize_t n_queries = queries.shape[0], start, stop, block, bad_row = -1
    if n_queries == 0:
        return -1
    if n_queries <= SCAN_MAX_QUERIES:
        with nogil:
            bad_row = scan(table, queries, query_inverse, known_row_inverse,
                           known_row_inverse.shape[0] == table.shape[0], exclude_offsets, exclude_ids,
                           out_indices, out_scores)
    else:
        # Queries per block: QUERY_BLOCK, fewer when k is so large that the
        # per-thread heaps (threads x block x k x 12 bytes) would pass 256 MB.
        block = max(1, min(QUERY_BLOCK, (256 << 20) // (12 * out_indices.shape[1] * minembed_max_threads())))
        for start in range(0, n_queries, block):
            stop = min(n_queries, start + block)
            with nogil:
                bad_row = gemm_block(table, queries[start:stop], query_inverse[start:stop], start,
                                     exclude_offsets, exclude_ids,
                                     out_indices[start:stop], out_scores[start:stop])
            if bad_row != -1:
                break
    if bad_row == -2:
        raise MemoryError("minembed._topk could not allocate its heaps and score tile")
    return bad_row
