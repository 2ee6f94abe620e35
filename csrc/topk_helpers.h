/* Small C helpers for csrc/topk.pyx: the vectorised reductions of the scan
   and the OpenMP probe. Everything else, the loops included, is in the .pyx. */
#ifndef MINEMBED_TOPK_HELPERS_H
#define MINEMBED_TOPK_HELPERS_H

#include <Python.h>

#ifdef _OPENMP
#include <omp.h>
#define MINEMBED_OPENMP 1
static int minembed_max_threads(void) { return omp_get_max_threads(); }
#else
#define MINEMBED_OPENMP 0
static int minembed_max_threads(void) { return 1; }
#endif

/* The reductions of the scan, with four independent accumulators of 8
   lanes each. One accumulator would make every add wait for the previous
   one (a 4-cycle latency chain); four keep the FMA units busy. GCC/clang
   vector extensions compile to AVX where the CPU has it and to pairs of
   SSE registers otherwise; other compilers get the plain loops. The order
   of the sums differs from NumPy's, which is why scores agree to float32
   rounding in general, and exactly on tables whose products are exact. */
#if defined(__GNUC__)
typedef float minembed_f8 __attribute__((vector_size(32)));

static inline minembed_f8 minembed_load8(const float *p) {
    minembed_f8 v; __builtin_memcpy(&v, p, sizeof v); return v;
}
static inline float minembed_sum8(minembed_f8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
static inline float minembed_dot(const float *a, const float *b, Py_ssize_t n) {
    minembed_f8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    Py_ssize_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 += minembed_load8(a + i) * minembed_load8(b + i);
        s1 += minembed_load8(a + i + 8) * minembed_load8(b + i + 8);
        s2 += minembed_load8(a + i + 16) * minembed_load8(b + i + 16);
        s3 += minembed_load8(a + i + 24) * minembed_load8(b + i + 24);
    }
    for (; i + 8 <= n; i += 8) s0 += minembed_load8(a + i) * minembed_load8(b + i);
    float total = minembed_sum8((s0 + s1) + (s2 + s3));
    for (; i < n; i++) total += a[i] * b[i];
    return total;
}
/* dot(row, query) and sum(row * row) in one pass over the row. */
static inline float minembed_dot_and_squares(const float *a, const float *b, Py_ssize_t n,
                                             float *squares) {
    minembed_f8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    minembed_f8 q0 = {0}, q1 = {0}, q2 = {0}, q3 = {0};
    Py_ssize_t i = 0;
    for (; i + 32 <= n; i += 32) {
        minembed_f8 a0 = minembed_load8(a + i), a1 = minembed_load8(a + i + 8);
        minembed_f8 a2 = minembed_load8(a + i + 16), a3 = minembed_load8(a + i + 24);
        s0 += a0 * minembed_load8(b + i); q0 += a0 * a0;
        s1 += a1 * minembed_load8(b + i + 8); q1 += a1 * a1;
        s2 += a2 * minembed_load8(b + i + 16); q2 += a2 * a2;
        s3 += a3 * minembed_load8(b + i + 24); q3 += a3 * a3;
    }
    for (; i + 8 <= n; i += 8) {
        minembed_f8 a0 = minembed_load8(a + i);
        s0 += a0 * minembed_load8(b + i); q0 += a0 * a0;
    }
    float total = minembed_sum8((s0 + s1) + (s2 + s3));
    float total_squares = minembed_sum8((q0 + q1) + (q2 + q3));
    for (; i < n; i++) { total += a[i] * b[i]; total_squares += a[i] * a[i]; }
    *squares = total_squares;
    return total;
}
#else
static inline float minembed_dot(const float *a, const float *b, Py_ssize_t n) {
    float total = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++) total += a[i] * b[i];
    return total;
}
static inline float minembed_dot_and_squares(const float *a, const float *b, Py_ssize_t n,
                                             float *squares) {
    float total = 0.0f, total_squares = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++) { total += a[i] * b[i]; total_squares += a[i] * a[i]; }
    *squares = total_squares;
    return total;
}
#endif
static inline float minembed_squares(const float *a, Py_ssize_t n) {
    return minembed_dot(a, a, n);
}
/* Does any of 16 rows score at least `threshold`? The same float32
   arithmetic as the scalar path ((dot * row_inverse) * query_inverse),
   on two 8-lane vectors: most blocks of a tile lose to the heap's worst
   kept score and are skipped after one test. */
#if defined(__GNUC__)
typedef int minembed_i8 __attribute__((vector_size(32)));
static inline int minembed_block_reaches(const float *dots, const float *row_inverse,
                                         float query_inverse, float threshold) {
    minembed_f8 low = (minembed_load8(dots) * minembed_load8(row_inverse)) * query_inverse;
    minembed_f8 high = (minembed_load8(dots + 8) * minembed_load8(row_inverse + 8)) * query_inverse;
    minembed_i8 reaches = (low >= threshold) | (high >= threshold);
    int any = 0;
    for (int i = 0; i < 8; i++) any |= reaches[i];
    return any;
}
#else
static inline int minembed_block_reaches(const float *dots, const float *row_inverse,
                                         float query_inverse, float threshold) {
    int any = 0;
    for (int i = 0; i < 16; i++)
        any |= ((dots[i] * row_inverse[i]) * query_inverse >= threshold);
    return any;
}
#endif
/* The careful sum of squares, for rows whose float32 sum left the safe
   range (overflow to inf, NaN, or so small that squares lost bits). */
static inline double minembed_sum_of_squares_exact(const float *a, Py_ssize_t n) {
    double total = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) total += (double)a[i] * (double)a[i];
    return total;
}
static inline double minembed_dot_exact(const float *a, const float *b, Py_ssize_t n) {
    double total = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) total += (double)a[i] * (double)b[i];
    return total;
}

#endif
