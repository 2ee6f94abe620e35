# The per-call buffers of csrc/topk.pyx (included there: `include "topk_buffers.pxi"`), allocated
# and freed in one place for both strategies, and the merge of the threads' heaps at the end of a call.

cdef struct Buffers:
    # Per thread t, each slice starting at [t * its stride]:
    float *heap_scores          # (Q, k) one heap per query, at heap_scores[t * heap_stride]
    int64_t *heap_indices       # (Q, k) their row ids, at heap_indices[t * heap_stride]
    Py_ssize_t *heap_sizes      # (Q,) entries kept in each heap, at heap_sizes[t * sizes_stride]
    float *dots                 # scan: (Q, 4) dots of 4 rows; gemm: a (B, TILE_ROWS) tile
    float *row_values           # scan: the 4 rows' sums of squares; gemm: TILE_ROWS inverse norms
    float *scaled               # scan: (D,) a row outside the safe range, scaled by a power of two
    float **tiles               # gemm: thread t's (TILE_ROWS, D) copy of a tile holding such rows, at
                                # tiles[t]: NULL until the thread meets one (rare: a whole tile's copy)
    Py_ssize_t heap_stride
    Py_ssize_t sizes_stride
    Py_ssize_t dots_stride
    Py_ssize_t row_values_stride
    Py_ssize_t scaled_stride
    # Shared:
    Py_ssize_t *bad_rows        # (T,) the first NaN/inf row each thread saw, -1 if none
    bint out_of_memory          # a thread could not allocate its tiles[t]
    float *merged_scores        # (k,) scratch for merging one query's heaps
    int64_t *merged_indices     # (k,)


cdef inline Py_ssize_t padded_stride(Py_ssize_t count) noexcept nogil:
    """`count` rounded up to a multiple of 16, plus 16: at least one 64-byte cache line
    between the slices of two threads, for 4- and 8-byte items alike, so no two threads
    ever write to the same line (an optimisation; without it the scan's 4 sums of
    squares of both threads share one line, which the cores then pass back and forth)."""
    return (count + LINE_FLOATS - 1) // LINE_FLOATS * LINE_FLOATS + LINE_FLOATS


cdef bint allocate_buffers(Buffers *buffers, int n_threads, Py_ssize_t n_queries, Py_ssize_t k,
                           Py_ssize_t dots_per_thread, Py_ssize_t rows_per_thread,
                           Py_ssize_t scaled_per_thread) noexcept nogil:
    """Allocate every buffer, with empty heaps and no bad rows; False (and nothing
    left allocated) when memory runs out."""
    cdef Py_ssize_t j
    buffers.heap_stride = padded_stride(n_queries * k)
    buffers.sizes_stride = padded_stride(n_queries)
    buffers.heap_scores = <float *> malloc(n_threads * buffers.heap_stride * sizeof(float))
    buffers.heap_indices = <int64_t *> malloc(n_threads * buffers.heap_stride * sizeof(int64_t))
    buffers.heap_sizes = <Py_ssize_t *> malloc(n_threads * buffers.sizes_stride * sizeof(Py_ssize_t))
    buffers.bad_rows = <Py_ssize_t *> malloc(n_threads * sizeof(Py_ssize_t))
    buffers.merged_scores = <float *> malloc(k * sizeof(float))
    buffers.merged_indices = <int64_t *> malloc(k * sizeof(int64_t))
    buffers.dots_stride = padded_stride(dots_per_thread)
    buffers.row_values_stride = padded_stride(rows_per_thread)
    buffers.dots = <float *> malloc(n_threads * buffers.dots_stride * sizeof(float))
    buffers.row_values = <float *> malloc(n_threads * buffers.row_values_stride * sizeof(float))
    buffers.scaled_stride = padded_stride(scaled_per_thread)
    buffers.scaled = <float *> malloc(n_threads * buffers.scaled_stride * sizeof(float))
    buffers.tiles = <float **> malloc(n_threads * sizeof(float *))
    if (buffers.heap_scores == NULL or buffers.heap_indices == NULL or buffers.heap_sizes == NULL
            or buffers.bad_rows == NULL or buffers.merged_scores == NULL or buffers.merged_indices == NULL
            or buffers.dots == NULL or buffers.row_values == NULL or buffers.scaled == NULL
            or buffers.tiles == NULL):
        free_buffers(buffers, 0)  # 0: no tile allocated yet (the tiles' slots are not even set)
        return False
    for j in range(n_threads * buffers.sizes_stride):
        buffers.heap_sizes[j] = 0
    for j in range(n_threads):
        buffers.bad_rows[j] = -1
        buffers.tiles[j] = NULL
    buffers.out_of_memory = False
    return True


cdef void free_buffers(Buffers *buffers, int n_threads) noexcept nogil:
    """Free every buffer (free(NULL) does nothing, so a half-failed allocation is fine)."""
    cdef int t
    if buffers.tiles != NULL:
        for t in range(n_threads):
            free(buffers.tiles[t])
    free(buffers.tiles)
    free(buffers.heap_scores)
    free(buffers.heap_indices)
    free(buffers.heap_sizes)
    free(buffers.bad_rows)
    free(buffers.merged_scores)
    free(buffers.merged_indices)
    free(buffers.dots)
    free(buffers.row_values)
    free(buffers.scaled)


cdef Py_ssize_t merge_thread_heaps(const Buffers *buffers, int n_threads,
                                   int64_t[:, ::1] out_indices, float[:, ::1] out_scores) noexcept nogil:
    """End of a parallel pass: the first NaN/inf row any thread saw (-1 if none),
    else each query's per-thread heaps merged into out[q], best first."""
    cdef Py_ssize_t n_queries = out_indices.shape[0], k = out_indices.shape[1]
    cdef Py_ssize_t bad_row = -1, q, heap, j, merged_size
    cdef int t
    for t in range(n_threads):
        if buffers.bad_rows[t] >= 0:
            keep_first_bad_row(&bad_row, buffers.bad_rows[t])
    if bad_row >= 0:
        return bad_row
    for q in range(n_queries):
        merged_size = 0
        for t in range(n_threads):
            heap = t * buffers.heap_stride + q * k  # where thread t's heap for query q starts
            for j in range(buffers.heap_sizes[t * buffers.sizes_stride + q]):
                heap_offer(buffers.merged_scores, buffers.merged_indices, &merged_size, k,
                           buffers.heap_scores[heap + j], buffers.heap_indices[heap + j])
        heap_to_sorted(buffers.merged_scores, buffers.merged_indices, merged_size, k,
                       &out_scores[q, 0], &out_indices[q, 0])
    return -1
