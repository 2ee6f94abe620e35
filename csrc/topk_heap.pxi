# The per-query heap of csrc/topk.pyx (included there: `include "topk_heap.pxi"`).
# Root (slot 0) holds the worst of the kept candidates; a candidate enters only if it beats it.

cdef inline bint ranks_below(float score_a, int64_t index_a,
                             float score_b, int64_t index_b) noexcept nogil:
    """True when candidate a ranks below b: a lower score, or an equal score
    at a higher row index (ties go to the lower index)."""
    return score_a < score_b or (score_a == score_b and index_a > index_b)


cdef inline void set_slot(float *scores, int64_t *indices, Py_ssize_t position,
                          float score, int64_t index) noexcept nogil:
    """Write the candidate (score, index) into heap slot `position` (both arrays at once)."""
    scores[position] = score
    indices[position] = index


cdef inline void sift_down_from_root(float *scores, int64_t *indices, Py_ssize_t size,
                                     float score, int64_t index) noexcept nogil:
    """Put (score, index) at the root of a heap of `size` and sift it down to its place."""
    cdef Py_ssize_t position = 0, child
    while True:
        child = 2 * position + 1
        if child >= size:
            break
        if child + 1 < size and ranks_below(scores[child + 1], indices[child + 1],
                                            scores[child], indices[child]):
            child += 1  # the worse of the two children
        if not ranks_below(scores[child], indices[child], score, index):
            break
        set_slot(scores, indices, position, scores[child], indices[child])  # the child moves up
        position = child
    set_slot(scores, indices, position, score, index)


cdef inline void heap_offer(float *scores, int64_t *indices, Py_ssize_t *size,
                            Py_ssize_t k, float score, int64_t index) noexcept nogil:
    """Keep (score, index) if it belongs among the best k seen so far."""
    cdef Py_ssize_t position, parent
    if size[0] < k:  # not full yet: append, then sift up
        position = size[0]
        size[0] += 1
        while position > 0:
            parent = (position - 1) >> 1
            if not ranks_below(score, index, scores[parent], indices[parent]):
                break
            set_slot(scores, indices, position, scores[parent], indices[parent])  # the parent moves down
            position = parent
        set_slot(scores, indices, position, score, index)
        return
    if not ranks_below(scores[0], indices[0], score, index):
        return  # no better than the worst kept
    sift_down_from_root(scores, indices, k, score, index)  # replace the root


cdef inline void heap_pop_worst(float *scores, int64_t *indices, Py_ssize_t *size,
                                float *worst_score, int64_t *worst_index) noexcept nogil:
    """Remove the root (the worst kept candidate) and return it."""
    cdef Py_ssize_t n
    worst_score[0] = scores[0]
    worst_index[0] = indices[0]
    size[0] -= 1
    n = size[0]
    if n == 0:
        return
    sift_down_from_root(scores, indices, n, scores[n], indices[n])  # last slot moves up


cdef inline bint is_excluded(const int64_t *excluded, Py_ssize_t n_excluded,
                             int64_t row) noexcept nogil:
    """Is `row` among the query's n_excluded excluded ids?"""
    cdef Py_ssize_t j
    for j in range(n_excluded):
        if excluded[j] == row:
            return True
    return False


cdef inline void heap_to_sorted(float *scores, int64_t *indices, Py_ssize_t size,
                                Py_ssize_t k, float *out_scores, int64_t *out_indices) noexcept nogil:
    """Empty a heap into out[0:k], best first; unfilled slots get -1 / -inf."""
    cdef Py_ssize_t position
    for position in range(size, k):
        out_indices[position] = -1
        out_scores[position] = -INFINITY
    while size > 0:
        heap_pop_worst(scores, indices, &size, &out_scores[size - 1], &out_indices[size - 1])
