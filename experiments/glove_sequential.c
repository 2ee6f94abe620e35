/* glove.c's training loop, one non-zero and one AdaGrad step at a time: the reference
 * that experiments/parity_counting.py --sequential-check sets beside minembed.counting.glove's
 * minibatches (same counts, same start, same epochs).
 *
 *     glove_sequential FOLDER NONZEROS V D EPOCHS ETA SEED
 *
 * reads, from FOLDER, little-endian raw arrays written by parity_counting.py:
 *     rows.i32    (K,) int32     word id i of each non-zero X_ij
 *     cols.i32    (K,) int32     context id j
 *     logx.f64    (K,) float64   log X_ij
 *     weight.f64  (K,) float64   f(X_ij) = min(1, (X_ij / x_max)^alpha)
 *     start.f64   (2 V D + 2 V,) float64   W, W~, b, b~ one after the other
 * writes FOLDER/trained.f64 in the layout of start.f64, and prints one line per
 * epoch, "epoch cost", the cost J / K summed while training (as glove.c reports it).
 *
 * The update is glove.c's (Pennington et al. 2014, glove.c's glove_thread):
 *     diff  = w_i . w~_j + b_i + b~_j - log X_ij
 *     cost += 1/2 f diff^2
 *     g     = eta f diff
 *     w_i  -= g w~_j / sqrt(G_w_i),   G_w_i  += (g w~_j)^2   (elementwise; w~_j likewise with w_i)
 *     b_i  -= g / sqrt(G_b_i),        G_b_i  += g^2          (b~_j likewise)
 * every AdaGrad sum G starting at 1. The non-zeros are shuffled once, before the
 * first epoch, as shuffle.c shuffles the file once (a Fisher-Yates shuffle driven
 * by SEED; the order is not minembed's). One thread: glove.c's threads race on
 * shared rows (Hogwild), which would make the reference depend on timing.
 *
 * An experiment's tool, not part of the package: `cc -O3 -o glove_sequential
 * glove_sequential.c -lm`.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *read_array(const char *folder, const char *name, size_t count, size_t item) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL) { fprintf(stderr, "glove_sequential: cannot open %s\n", path); exit(2); }
    void *data = malloc(count * item + 1);
    if (data == NULL) { fprintf(stderr, "glove_sequential: out of memory for %s\n", path); exit(2); }
    if (fread(data, item, count, file) != count) {
        fprintf(stderr, "glove_sequential: %s holds fewer than %zu items\n", path, count);
        exit(2);
    }
    fclose(file);
    return data;
}

/* splitmix64: a small, well-mixed generator for the one shuffle */
static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: glove_sequential FOLDER NONZEROS V D EPOCHS ETA SEED\n");
        return 2;
    }
    const char *folder = argv[1];
    size_t K = strtoull(argv[2], NULL, 10), V = strtoull(argv[3], NULL, 10), D = strtoull(argv[4], NULL, 10);
    int epochs = atoi(argv[5]);
    double eta = atof(argv[6]);
    uint64_t state = strtoull(argv[7], NULL, 10);

    int32_t *rows = read_array(folder, "rows.i32", K, sizeof(int32_t));
    int32_t *cols = read_array(folder, "cols.i32", K, sizeof(int32_t));
    double *log_x = read_array(folder, "logx.f64", K, sizeof(double));
    double *weight = read_array(folder, "weight.f64", K, sizeof(double));
    size_t total = 2 * V * D + 2 * V;
    double *theta = read_array(folder, "start.f64", total, sizeof(double));
    double *W = theta, *Wc = theta + V * D, *b = theta + 2 * V * D, *bc = b + V;

    double *squared = malloc(total * sizeof(double));  /* AdaGrad's sums, in theta's layout */
    size_t *order = malloc(K * sizeof(size_t));
    if (squared == NULL || order == NULL) { fprintf(stderr, "glove_sequential: out of memory\n"); return 2; }
    for (size_t n = 0; n < total; n++) squared[n] = 1.0;
    double *GW = squared, *GWc = squared + V * D, *Gb = squared + 2 * V * D, *Gbc = Gb + V;

    for (size_t n = 0; n < K; n++) order[n] = n;
    for (size_t n = K; n > 1; n--) {  /* Fisher-Yates, once */
        size_t m = (size_t)(next_random(&state) % n), swap = order[n - 1];
        order[n - 1] = order[m];
        order[m] = swap;
    }

    for (int epoch = 0; epoch < epochs; epoch++) {
        double cost = 0.0;
        for (size_t n = 0; n < K; n++) {
            size_t k = order[n];
            double *w = W + (size_t)rows[k] * D, *wc = Wc + (size_t)cols[k] * D;
            double *gw = GW + (size_t)rows[k] * D, *gwc = GWc + (size_t)cols[k] * D;
            double diff = b[rows[k]] + bc[cols[k]] - log_x[k];
            for (size_t d = 0; d < D; d++) diff += w[d] * wc[d];
            double fdiff = weight[k] * diff;
            if (!isfinite(diff) || !isfinite(fdiff)) {
                fprintf(stderr, "glove_sequential: the cost is not finite in epoch %d\n", epoch + 1);
                return 1;
            }
            cost += 0.5 * fdiff * diff;
            fdiff *= eta;
            for (size_t d = 0; d < D; d++) {
                double step = fdiff * wc[d], step_context = fdiff * w[d];
                w[d] -= step / sqrt(gw[d]);
                wc[d] -= step_context / sqrt(gwc[d]);
                gw[d] += step * step;
                gwc[d] += step_context * step_context;
            }
            b[rows[k]] -= fdiff / sqrt(Gb[rows[k]]);
            bc[cols[k]] -= fdiff / sqrt(Gbc[cols[k]]);
            Gb[rows[k]] += fdiff * fdiff;
            Gbc[cols[k]] += fdiff * fdiff;
        }
        printf("%d %.10g\n", epoch + 1, cost / (double)K);
        fflush(stdout);
    }

    char path[4096];
    snprintf(path, sizeof path, "%s/trained.f64", folder);
    FILE *file = fopen(path, "wb");
    if (file == NULL || fwrite(theta, sizeof(double), total, file) != total || fclose(file) != 0) {
        fprintf(stderr, "glove_sequential: cannot write %s\n", path);
        return 2;
    }
    return 0;
}
