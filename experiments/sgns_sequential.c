/* Skip-gram with negative sampling, one (input, output) pair at a time, as the word2vec
 * C tool, fastText and gensim train it: the sequential reference that
 * experiments/sequential_sgns.py sets beside minembed's minibatches (same corpus ids,
 * subsampling probabilities, noise distribution and starting arrays).
 *
 *     sgns_sequential FOLDER V D WINDOW NEGATIVE EPOCHS ALPHA MIN_ALPHA SEED INPUT DIVISOR [BATCH STALE]
 *
 * BATCH > 1 holds back some updates for BATCH consecutive centres and applies them together,
 * as a minibatch does; STALE names which: W the input rows, C all output rows, P the observed
 * (centre) word's row only, N the noise words' rows only, L each centre's observed row walked
 * through its pairs in a private copy, M one such copy per word for all its pairs of the batch
 * (L and M with INPUT context). Without them, or with BATCH 1, every update is applied at once.
 *
 * reads, from FOLDER, little-endian raw arrays written by sequential_sgns.py:
 *     ids.i32        (T,) int32      the corpus, sentence after sentence
 *     offsets.i64    (S + 1,) int64  sentence s is ids[offsets[s]:offsets[s + 1]]
 *     keep.f64       (V,) float64    probability of keeping each word (subsampling)
 *     noise.f64      (V,) float64    cumulative noise distribution (unigram^0.75), last = 1
 *     W.f32, C.f32   (V, D) float32  input and output rows at the start
 *   and, for subword (fastText) inputs, when ngram_offsets.i64 exists:
 *     ngram_rows.i32 (M,) int32, ngram_offsets.i64 (V + 1,) int64   word w's n-gram rows are
 *                    ngram_rows[ngram_offsets[w]:ngram_offsets[w + 1]]
 *     N.f32          (R, D) float32  n-gram rows at the start
 * writes W.out.f32, C.out.f32 (and N.out.f32), and prints "epoch loss effective_words"
 * per epoch, the loss being the mean over pairs of -log s(h.c) - sum log s(-h.n).
 *
 * Each epoch, sentence by sentence: drop each word with probability 1 - keep; for each
 * kept position i ("centre") draw b uniform in 0..WINDOW-1 and pair it with every kept
 * j != i, |i - j| <= WINDOW - b, of its sentence. INPUT "context": the pair's input is
 * the word at j and its output the centre (word2vec, gensim's Word2Vec, minembed);
 * "centre": the other way round (gensim's FastText). One pair's update:
 *     h = W[in]                                   (word2vec), or
 *     h = (W[in] + sum of in's n-gram rows) / m   m = 1 + n (fastText, minembed; DIVISOR 1)
 *                                                 m = n     (gensim's FastText; DIVISOR 0)
 *     for the output o and NEGATIVE noise words (a noise word equal to o is skipped):
 *         g = alpha (label - sigmoid(h . C[t])),  work += g C[t],  C[t] += g h
 *     W[in] += work, and every n-gram row of in += work
 * alpha falls linearly from ALPHA to MIN_ALPHA over the corpus words of all epochs,
 * updated per sentence. Exact sigmoid, no |score| >= 6 skip. Random numbers from
 * splitmix64 seeded with SEED: the draws are not minembed's, only their distributions.
 *
 * An experiment's tool, not part of the package: `cc -O3 -o sgns_sequential sgns_sequential.c -lm`.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *folder;

static void *read_array(const char *name, size_t count, size_t item, int optional) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        if (optional) return NULL;
        fprintf(stderr, "sgns_sequential: cannot open %s\n", path);
        exit(2);
    }
    void *data = malloc(count * item + 1);
    if (data == NULL || fread(data, item, count, file) != count) {
        fprintf(stderr, "sgns_sequential: cannot read %zu items from %s\n", count, path);
        exit(2);
    }
    fclose(file);
    return data;
}

static size_t file_items(const char *name, size_t item) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL) { fprintf(stderr, "sgns_sequential: cannot open %s\n", path); exit(2); }
    fseek(file, 0, SEEK_END);
    size_t count = (size_t)ftell(file) / item;
    fclose(file);
    return count;
}

static void write_array(const char *name, const void *data, size_t count, size_t item) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "wb");
    if (file == NULL || fwrite(data, item, count, file) != count || fclose(file) != 0) {
        fprintf(stderr, "sgns_sequential: cannot write %s\n", path);
        exit(2);
    }
}

static uint64_t state;

static uint64_t next_random(void) {  /* splitmix64 */
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform(void) { return (double)(next_random() >> 11) * 0x1.0p-53; }

static double log_sigmoid(double x) { return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }

/* Add the summed updates dA of the rows in list to A, and clear them. */
static void apply_pending(float *A, float *dA, const int32_t *list, size_t *n, char *touched, size_t D) {
    for (size_t r = 0; r < *n; r++) {
        float *src = dA + (size_t)list[r] * D, *dst = A + (size_t)list[r] * D;
        for (size_t d = 0; d < D; d++) { dst[d] += src[d]; src[d] = 0.0f; }
        touched[list[r]] = 0;
    }
    *n = 0;
}

/* Mode M: add each walked row's change to the pending updates dC, and end the walks. */
static void end_walks(const float *C, float *dC, const float *walk, const int32_t *list_walk, size_t *n_walk,
                      char *walking, int32_t *list_C, size_t *n_C, char *touched_C, size_t D) {
    for (size_t r = 0; r < *n_walk; r++) {
        int32_t word = list_walk[r];
        float *dc = dC + (size_t)word * D;
        const float *c = C + (size_t)word * D, *moved = walk + (size_t)word * D;
        if (!touched_C[word]) { touched_C[word] = 1; list_C[(*n_C)++] = word; }
        for (size_t d = 0; d < D; d++) dc[d] += moved[d] - c[d];
        walking[word] = 0;
    }
    *n_walk = 0;
}

int main(int argc, char **argv) {
    if (argc != 12 && argc != 14) {
        fprintf(stderr, "usage: sgns_sequential FOLDER V D WINDOW NEGATIVE EPOCHS ALPHA MIN_ALPHA SEED "
                        "INPUT(context|centre) DIVISOR(1: 1+n, 0: n) [BATCH STALE(letters of WCPNLM)]\n");
        return 2;
    }
    folder = argv[1];
    size_t V = strtoull(argv[2], NULL, 10), D = strtoull(argv[3], NULL, 10);
    int window = atoi(argv[4]), negative = atoi(argv[5]), epochs = atoi(argv[6]);
    double alpha = atof(argv[7]), min_alpha = atof(argv[8]);
    state = strtoull(argv[9], NULL, 10);
    int centre_input = strcmp(argv[10], "centre") == 0;
    int one_plus_n = atoi(argv[11]);
    size_t batch = argc == 14 ? strtoull(argv[12], NULL, 10) : 1;
    const char *stale = argc == 14 ? argv[13] : "";
    int stale_W = batch > 1 && strchr(stale, 'W') != NULL;
    int stale_pos = batch > 1 && strpbrk(stale, "CP") != NULL, stale_neg = batch > 1 && strpbrk(stale, "CN") != NULL;
    /* L: each centre's output row moves through its own pairs in a private copy, whose change
     * waits for the batch's end (minembed's walk_observed_rows: fresh within one centre, stale
     * across centres) */
    int local_pos = batch > 1 && strchr(stale, 'L') != NULL && !centre_input;
    /* M: each word's output row moves through all its pairs of the batch in a private copy, the noise
     * words are scored against the batch's starting rows (a walk per word, which minembed tried and
     * dropped) */
    int word_pos = batch > 1 && strchr(stale, 'M') != NULL && !centre_input;
    int stale_C = stale_pos || stale_neg || local_pos || word_pos;
    float *walk = word_pos ? malloc(V * D * sizeof(float)) : NULL;
    char *walking = calloc(V, 1);
    int32_t *list_walk = malloc(V * sizeof(int32_t));
    size_t n_walk = 0;

    size_t T = file_items("ids.i32", sizeof(int32_t)), S = file_items("offsets.i64", sizeof(int64_t)) - 1;
    int32_t *ids = read_array("ids.i32", T, sizeof(int32_t), 0);
    int64_t *offsets = read_array("offsets.i64", S + 1, sizeof(int64_t), 0);
    double *keep = read_array("keep.f64", V, sizeof(double), 0);
    double *noise = read_array("noise.f64", V, sizeof(double), 0);
    float *W = read_array("W.f32", V * D, sizeof(float), 0);
    float *C = read_array("C.f32", V * D, sizeof(float), 0);
    int64_t *ngram_offsets = read_array("ngram_offsets.i64", V + 1, sizeof(int64_t), 1);
    int32_t *ngram_rows = NULL;
    float *N = NULL;
    size_t R = 0;
    if (ngram_offsets != NULL) {
        ngram_rows = read_array("ngram_rows.i32", (size_t)ngram_offsets[V], sizeof(int32_t), 0);
        R = file_items("N.f32", sizeof(float)) / D;
        N = read_array("N.f32", R * D, sizeof(float), 0);
    }

    int32_t *kept = malloc((T + 1) * sizeof(int32_t));
    float *local = malloc(D * sizeof(float));
    float *h = malloc(D * sizeof(float)), *work = malloc(D * sizeof(float));
    if (kept == NULL || h == NULL || work == NULL) { fprintf(stderr, "sgns_sequential: out of memory\n"); return 2; }
    double planned = (double)epochs * (double)T;
    /* BATCH > 1: the updates of BATCH consecutive centres are summed in dW / dC and applied
     * together, as minembed's minibatches do (STALE says which of W and C wait) */
    float *dW = stale_W ? calloc(V * D, sizeof(float)) : NULL, *dC = stale_C ? calloc(V * D, sizeof(float)) : NULL;
    char *touched_W = calloc(V, 1), *touched_C = calloc(V, 1);
    int32_t *list_W = malloc(V * sizeof(int32_t)), *list_C = malloc(V * sizeof(int32_t));
    size_t n_W = 0, n_C = 0, centres_in_batch = 0;
    if (local == NULL || walking == NULL || list_walk == NULL || (word_pos && walk == NULL) || (stale_W && dW == NULL)
        || (stale_C && dC == NULL) || touched_W == NULL || touched_C == NULL || list_W == NULL || list_C == NULL) {
        fprintf(stderr, "sgns_sequential: out of memory for BATCH %zu, STALE %s\n", batch, stale);
        return 2;
    }

    for (int epoch = 0; epoch < epochs; epoch++) {
        double loss = 0.0;
        size_t pairs = 0, effective = 0;
        for (size_t s = 0; s < S; s++) {
            double done = (double)epoch * (double)T + (double)offsets[s];
            double lr = alpha - (alpha - min_alpha) * fmin(1.0, done / planned);
            size_t m = 0;
            for (int64_t p = offsets[s]; p < offsets[s + 1]; p++)
                if (uniform() < keep[ids[p]]) kept[m++] = ids[p];
            effective += m;
            for (size_t i = 0; i < m; i++) {
                int reach = window - (int)(next_random() % (uint64_t)window);
                size_t first = i >= (size_t)reach ? i - reach : 0, last = i + reach < m - 1 ? i + reach : m - 1;
                if (local_pos) memcpy(local, C + (size_t)kept[i] * D, D * sizeof(float));
                for (size_t j = first; j <= last; j++) {
                    if (j == i) continue;
                    int32_t in = centre_input ? kept[i] : kept[j], out = centre_input ? kept[j] : kept[i];
                    int64_t g0 = 0, g1 = 0;
                    memcpy(h, W + (size_t)in * D, D * sizeof(float));
                    if (N != NULL) {
                        g0 = ngram_offsets[in];
                        g1 = ngram_offsets[in + 1];
                        for (int64_t g = g0; g < g1; g++) {
                            const float *row = N + (size_t)ngram_rows[g] * D;
                            for (size_t d = 0; d < D; d++) h[d] += row[d];
                        }
                        size_t n = (size_t)(g1 - g0), divisor = one_plus_n ? 1 + n : (n > 0 ? n : 1);
                        float scale = 1.0f / (float)divisor;
                        for (size_t d = 0; d < D; d++) h[d] *= scale;
                    }
                    memset(work, 0, D * sizeof(float));
                    for (int k = 0; k <= negative; k++) {
                        int32_t target = out;
                        double label = 1.0;
                        if (k > 0) {
                            double u = uniform();
                            size_t lo = 0, hi = V - 1;  /* first t with noise[t] > u */
                            while (lo < hi) {
                                size_t mid = (lo + hi) / 2;
                                if (noise[mid] > u) hi = mid; else lo = mid + 1;
                            }
                            target = (int32_t)lo;
                            if (target == out) continue;
                            label = 0.0;
                        }
                        if (k == 0 && word_pos && !walking[target]) {
                            walking[target] = 1;
                            list_walk[n_walk++] = target;
                            memcpy(walk + (size_t)target * D, C + (size_t)target * D, D * sizeof(float));
                        }
                        float *c = k == 0 && local_pos ? local : C + (size_t)target * D;
                        if (k == 0 && word_pos) c = walk + (size_t)target * D;
                        double score = 0.0;
                        for (size_t d = 0; d < D; d++) score += (double)h[d] * c[d];
                        loss -= label > 0 ? log_sigmoid(score) : log_sigmoid(-score);
                        float g = (float)(lr * (label - 1.0 / (1.0 + exp(-score))));
                        int wait = k == 0 ? stale_pos : stale_neg;
                        float *dc = wait ? dC + (size_t)target * D : c;
                        if (k == 0 && (local_pos || word_pos)) { wait = 0; dc = c; }
                        if (wait && !touched_C[target]) { touched_C[target] = 1; list_C[n_C++] = target; }
                        for (size_t d = 0; d < D; d++) {
                            work[d] += g * c[d];
                            dc[d] += g * h[d];
                        }
                    }
                    float *w = stale_W ? dW + (size_t)in * D : W + (size_t)in * D;
                    if (stale_W && !touched_W[in]) { touched_W[in] = 1; list_W[n_W++] = in; }
                    for (size_t d = 0; d < D; d++) w[d] += work[d];
                    for (int64_t g = g0; g < g1; g++) {
                        float *row = N + (size_t)ngram_rows[g] * D;
                        for (size_t d = 0; d < D; d++) row[d] += work[d];
                    }
                    pairs++;
                }
                if (local_pos) {
                    int32_t out = kept[i];
                    float *dc = dC + (size_t)out * D, *c = C + (size_t)out * D;
                    if (!touched_C[out]) { touched_C[out] = 1; list_C[n_C++] = out; }
                    for (size_t d = 0; d < D; d++) dc[d] += local[d] - c[d];
                }
                if (batch > 1 && ++centres_in_batch == batch) {
                    end_walks(C, dC, walk, list_walk, &n_walk, walking, list_C, &n_C, touched_C, D);
                    apply_pending(W, dW, list_W, &n_W, touched_W, D);
                    apply_pending(C, dC, list_C, &n_C, touched_C, D);
                    centres_in_batch = 0;
                }
            }
        }
        if (!isfinite(loss)) {
            fprintf(stderr, "sgns_sequential: the loss is not finite in epoch %d\n", epoch + 1);
            return 1;
        }
        printf("%d %.8g %zu\n", epoch + 1, loss / (double)(pairs ? pairs : 1), effective);
        fflush(stdout);
    }
    end_walks(C, dC, walk, list_walk, &n_walk, walking, list_C, &n_C, touched_C, D);
    apply_pending(W, dW, list_W, &n_W, touched_W, D);
    apply_pending(C, dC, list_C, &n_C, touched_C, D);
    write_array("W.out.f32", W, V * D, sizeof(float));
    write_array("C.out.f32", C, V * D, sizeof(float));
    if (N != NULL) write_array("N.out.f32", N, R * D, sizeof(float));
    return 0;
}
