/* Small C helpers for csrc/topk.pyx: the vectorised reductions of the scan,
   the rescaling of rows outside float32's safe range, and the OpenMP probe.
   Everything else, the loops included, is in the .pyx. */
#ifndef MINEMBED_TOPK_HELPERS_H
#define MINEMBED_TOPK_HELPERS_H

#include <Python.h>
#include <float.h>
#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#define MINEMBED_OPENMP 1
static int minembed_max_threads(void) { return omp_get_max_threads(); }
#else
#define MINEMBED_OPENMP 0
static int minembed_max_threads(void) { return 1; }
#endif

/* GCC/clang vector extensions, unless MINEMBED_PLAIN_C asks for the plain
   loops (a way to compile and check the fallback with gcc). */
#if defined(__GNUC__) && !defined(MINEMBED_PLAIN_C)
#define MINEMBED_VECTOR_EXTENSIONS 1
#else
#define MINEMBED_VECTOR_EXTENSIONS 0
#endif

/* The reductions of the scan. Every row's dot (and sum of squares) is taken
   in one fixed order, so that equal rows get equal scores wherever they sit
   in the table (ties are broken by index, so this matters):

       even += a[i:i+8] * b[i:i+8];  odd += a[i+8:i+16] * b[i+8:i+16]   (i += 16)
       one more 8-block into `even` if 8 or more remain
       total = sum of the 8 lanes of (even + odd), then the last n % 8 one by one

   Two accumulators per row break the 4-cycle add latency chain; the scan
   takes four rows at a time (minembed_dot4), so eight chains run at once and
   each block of the query is loaded once for four rows. GCC/clang vector
   extensions compile to AVX where the CPU has it and to pairs of SSE
   registers otherwise; other compilers get plain loops in the same order.
   The order differs from NumPy's, which is why scores agree to float32
   rounding in general, and exactly on tables whose products are exact. */
#if MINEMBED_VECTOR_EXTENSIONS
typedef float minembed_f8 __attribute__((vector_size(32)));

static inline minembed_f8 minembed_load8(const float *p) {
    minembed_f8 v; __builtin_memcpy(&v, p, sizeof v); return v;
}
static inline float minembed_sum8(minembed_f8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
#endif

/* dot(a, b) for one row. */
static inline float minembed_dot(const float *a, const float *b, Py_ssize_t n) {
#if MINEMBED_VECTOR_EXTENSIONS
    minembed_f8 even = {0}, odd = {0};
    Py_ssize_t i = 0;
    for (; i + 16 <= n; i += 16) {
        even += minembed_load8(a + i) * minembed_load8(b + i);
        odd += minembed_load8(a + i + 8) * minembed_load8(b + i + 8);
    }
    if (i + 8 <= n) { even += minembed_load8(a + i) * minembed_load8(b + i); i += 8; }
    float total = minembed_sum8(even + odd);
#else
    float even[8] = {0}, odd[8] = {0}, total;
    Py_ssize_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 8; l++) { even[l] += a[i + l] * b[i + l]; odd[l] += a[i + 8 + l] * b[i + 8 + l]; }
    if (i + 8 <= n) { for (int l = 0; l < 8; l++) even[l] += a[i + l] * b[i + l]; i += 8; }
    for (int l = 0; l < 8; l++) even[l] += odd[l];
    total = ((even[0] + even[4]) + (even[1] + even[5])) + ((even[2] + even[6]) + (even[3] + even[7]));
#endif
    for (; i < n; i++) total += a[i] * b[i];
    return total;
}

#if MINEMBED_VECTOR_EXTENSIONS
/* The dots of four consecutive rows (row r at rows + r * n) with one query,
   each in exactly minembed_dot's order; with squares != NULL also each row's
   sum of squares, in minembed_dot(a, a)'s order.

   The loop asks for the rows it will need next (`ahead` floats further on,
   16 rows clamped to 4-16 KB) while it works on these: the hardware
   prefetcher alone left one core at about two thirds of the bandwidth a
   plain streaming read reaches, as this loop does arithmetic between loads.
   A prefetch never faults, so running past the end of the table is harmless. */
static inline void minembed_dot4(const float *rows, const float *b, Py_ssize_t n,
                                 float *dots, float *squares) {
    const float *a0 = rows, *a1 = rows + n, *a2 = rows + 2 * n, *a3 = rows + 3 * n;
    Py_ssize_t ahead = 16 * n;
    if (ahead < 1024) ahead = 1024;
    if (ahead > 4096) ahead = 4096;
    minembed_f8 e0 = {0}, o0 = {0}, e1 = {0}, o1 = {0}, e2 = {0}, o2 = {0}, e3 = {0}, o3 = {0};
    minembed_f8 se0 = {0}, so0 = {0}, se1 = {0}, so1 = {0}, se2 = {0}, so2 = {0}, se3 = {0}, so3 = {0};
    const int with_squares = squares != NULL;  /* fixed for the call: -O3 unswitches the loop on it */
    Py_ssize_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __builtin_prefetch(a0 + ahead + i);
        __builtin_prefetch(a1 + ahead + i);
        __builtin_prefetch(a2 + ahead + i);
        __builtin_prefetch(a3 + ahead + i);
        minembed_f8 bl = minembed_load8(b + i), bh = minembed_load8(b + i + 8);
        minembed_f8 l0 = minembed_load8(a0 + i), h0 = minembed_load8(a0 + i + 8);
        minembed_f8 l1 = minembed_load8(a1 + i), h1 = minembed_load8(a1 + i + 8);
        minembed_f8 l2 = minembed_load8(a2 + i), h2 = minembed_load8(a2 + i + 8);
        minembed_f8 l3 = minembed_load8(a3 + i), h3 = minembed_load8(a3 + i + 8);
        e0 += l0 * bl; o0 += h0 * bh; e1 += l1 * bl; o1 += h1 * bh;
        e2 += l2 * bl; o2 += h2 * bh; e3 += l3 * bl; o3 += h3 * bh;
        if (with_squares) {
            se0 += l0 * l0; so0 += h0 * h0; se1 += l1 * l1; so1 += h1 * h1;
            se2 += l2 * l2; so2 += h2 * h2; se3 += l3 * l3; so3 += h3 * h3;
        }
    }
    if (i + 8 <= n) {
        minembed_f8 bl = minembed_load8(b + i);
        minembed_f8 l0 = minembed_load8(a0 + i), l1 = minembed_load8(a1 + i);
        minembed_f8 l2 = minembed_load8(a2 + i), l3 = minembed_load8(a3 + i);
        e0 += l0 * bl; e1 += l1 * bl; e2 += l2 * bl; e3 += l3 * bl;
        se0 += l0 * l0; se1 += l1 * l1; se2 += l2 * l2; se3 += l3 * l3;
        i += 8;
    }
    float t0 = minembed_sum8(e0 + o0), t1 = minembed_sum8(e1 + o1);
    float t2 = minembed_sum8(e2 + o2), t3 = minembed_sum8(e3 + o3);
    float q0 = minembed_sum8(se0 + so0), q1 = minembed_sum8(se1 + so1);
    float q2 = minembed_sum8(se2 + so2), q3 = minembed_sum8(se3 + so3);
    for (; i < n; i++) {
        t0 += a0[i] * b[i]; t1 += a1[i] * b[i]; t2 += a2[i] * b[i]; t3 += a3[i] * b[i];
        q0 += a0[i] * a0[i]; q1 += a1[i] * a1[i]; q2 += a2[i] * a2[i]; q3 += a3[i] * a3[i];
    }
    dots[0] = t0; dots[1] = t1; dots[2] = t2; dots[3] = t3;
    if (squares != NULL) { squares[0] = q0; squares[1] = q1; squares[2] = q2; squares[3] = q3; }
}
#else
static inline void minembed_dot4(const float *rows, const float *b, Py_ssize_t n,
                                 float *dots, float *squares) {
    for (int r = 0; r < 4; r++) {
        dots[r] = minembed_dot(rows + r * n, b, n);
        if (squares != NULL) squares[r] = minembed_dot(rows + r * n, rows + r * n, n);
    }
}
#endif
static inline float minembed_squares(const float *a, Py_ssize_t n) {
    return minembed_dot(a, a, n);
}
/* Does any of 16 rows score at least `threshold`? The same float32
   arithmetic as the scalar path ((dot * row_inverse) * query_inverse),
   on two 8-lane vectors: most blocks of a tile lose to the heap's worst
   kept score and are skipped after one test. */
#if MINEMBED_VECTOR_EXTENSIONS
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
/* The first of n rows with the highest score (dot * row_inverse) * query_inverse,
   the same float32 arithmetic as the scalar path; its score into best[0]. -1 when
   no score beats -inf. For a top-1 query (k-means asks each point for its one
   nearest centre) this replaces the heap's row-by-row bookkeeping: one pass for
   the largest score, eight lanes at a time, then one for the first row that has it. */
#if MINEMBED_VECTOR_EXTENSIONS
static inline Py_ssize_t minembed_tile_best(const float *dots, const float *row_inverse,
                                            float query_inverse, Py_ssize_t n, float *best) {
    minembed_f8 top = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    Py_ssize_t i = 0;
    float score, most = -INFINITY;
    for (; i + 8 <= n; i += 8) {
        minembed_f8 scores = (minembed_load8(dots + i) * minembed_load8(row_inverse + i)) * query_inverse;
        minembed_i8 higher = scores > top;  /* lanes where this block's score is higher: all bits set */
        minembed_i8 kept = ((minembed_i8)scores & higher) | ((minembed_i8)top & ~higher);
        __builtin_memcpy(&top, &kept, sizeof top);
    }
    for (int l = 0; l < 8; l++) if (top[l] > most) most = top[l];
    for (; i < n; i++) {
        score = (dots[i] * row_inverse[i]) * query_inverse;
        if (score > most) most = score;
    }
    best[0] = most;
    if (!(most > -INFINITY)) return -1;
    for (i = 0; i < n; i++) {
        score = (dots[i] * row_inverse[i]) * query_inverse;
        if (score == most) { best[0] = score; return i; }  /* its own score: -0.0 and 0.0 compare equal */
    }
    return -1;
}
#else
static inline Py_ssize_t minembed_tile_best(const float *dots, const float *row_inverse,
                                            float query_inverse, Py_ssize_t n, float *best) {
    Py_ssize_t i, first = -1;
    float score, most = -INFINITY;
    for (i = 0; i < n; i++) {
        score = (dots[i] * row_inverse[i]) * query_inverse;
        if (score > most) { most = score; first = i; }
    }
    best[0] = most;
    return first;
}
#endif
/* A row whose float32 sum of squares left the safe range (entries beyond about
   1e15 or below about 1e-15: its dots would overflow to inf or underflow to 0)
   is scored as scaled[i] = row[i] * 2^-e, with 2^e the power of two that brings
   its largest |entry| into [0.5, 1): exact, since only exponents change, and a
   cosine does not depend on length (the NumPy reference, power_of_two_scaled,
   does the same). Returns 0 when the row holds NaN or inf. */
/* The float64 sum of squares, in order: what a cached inverse norm (NumPy's
   float64 sum, rounded once) is matched with for a rescaled row. */
static inline double minembed_squares_double(const float *a, Py_ssize_t n) {
    double total = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) total += (double)a[i] * (double)a[i];
    return total;
}
static inline int minembed_rescale(const float *row, Py_ssize_t n, float *scaled) {
    float peak = 0.0f, poison = 0.0f;
    int exponent;
    for (Py_ssize_t i = 0; i < n; i++) {
        float magnitude = fabsf(row[i]);
        peak = magnitude > peak ? magnitude : peak;
        poison += row[i] * 0.0f;  /* NaN once any entry is NaN or inf */
    }
    if (poison != poison) return 0;
    frexpf(peak, &exponent);  /* peak = m 2^exponent, m in [0.5, 1); 0 for a zero row */
    /* 2^-exponent as a double (float32 cannot hold 2^149): row[i] * factor is exact in double, and
       fits float32 exactly, since only the exponent changes */
    double factor = ldexp(1.0, -exponent);
    for (Py_ssize_t i = 0; i < n; i++) scaled[i] = (float)((double)row[i] * factor);
    return 1;
}
#endif
