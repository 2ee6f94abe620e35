"""Counting beside predicting: do PPMI + SVD and GloVe trail skip-gram on word similarity by more than
skip-gram's spread over seeds, on the word2vec parity corpora?

Same corpus and shared settings as experiments/parity_word2vec.py (vocabulary
min_count 5, d = 100, window 5), scored by the same evaluator (WordSim353 and
SimLex-999 Spearman, Google analogies by 3CosAdd) on the words every system knows:

    skip-gram    minembed.predicting.word2vec: negative 5, sample 1e-3, 5 epochs, alpha 0.025 -> 0.0001
    PPMI + SVD   minembed.counting.ppmi: word2vec's shrunk-window weights ("linear"), context
                 smoothing 0.75, no shift (k = 1), W = U S^0.5 (Levy et al. 2015's choices)
    GloVe        minembed.counting.glove: x_max 100 (the paper) and 10 (demo.sh), alpha 0.75,
                 AdaGrad from 0.05, W + W~, 25 epochs (glove.c), window 15 (demo.sh's);
                 the --glove-* flags change these
    PPMI on GloVe's counts   PPMI + SVD's settings on the triples GloVe trained on: the
                 counts' share of GloVe's figures, apart from its least-squares fit

The verdict: does each counting system trail skip-gram's mean by more than
skip-gram's spread (max - min) over the seeds? Then the Levy & Goldberg (2014)
check: skip-gram with k noise words is at its optimum when W[a] . C[b] =
PMI(a, b) - log k; the dot products of two skip-gram models (the parity one, and
one trained with sample=0 in minibatches of 256, so the counts are what it saw)
are compared with that shifted PMI on the pairs seen at least 10 times.

    python -m experiments.parity_counting --corpus wiki --write-results counting-wiki   # 3 seeds, ~40 min
    python -m experiments.parity_counting --corpus wiki --levy-goldberg-only            # ~30 s
    python -m experiments.parity_counting --corpus dictionary --glove-x-max 10 --glove-epochs 10 \\
        --glove-window 60 --glove-distance-weighting none --glove-sample 1e-4 --glove-vector-size 300 \\
        --no-levy-goldberg --write-results counting-dictionary              # GloVe level with skip-gram (~90 min)
    python -m experiments.parity_counting --corpus dictionary --sequential-check --glove-x-max 10 \\
        --glove-seeds 0 --glove-epochs 10 --write-results glove-sequential   # against glove.c's loop (~15 min)

--sequential-check trains minembed's GloVe (minibatches of 2,048 non-zeros) and
experiments/glove_sequential.c (glove.c's loop: one non-zero, one AdaGrad step)
on the same counts from the same start, and scores both: it tells whether
GloVe's figures come from the minibatches or from GloVe itself. Counting speed
and GloVe against mittens are in benchmarks/bench_glove.py.

Results: experiments/RESULTS.md#counting-wiki and the sections after it.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import tempfile

import numpy as np
import scipy.stats

from benchmarks.common import corpus, markdown_table, timed
from experiments.common import (
    METRICS, Table, add_results_argument, compile_program, scores, write_results,
)
from minembed.counting import cooccur, glove, ppmi
from minembed.predicting.word2vec import TrainingDiverged, Word2Vec
from minembed.tokens.vocab import Vocabulary
from minembed.vectors import Vectors

QUESTION = ("Do PPMI + SVD and GloVe trail skip-gram on word similarity by more than skip-gram's spread over "
            "seeds, on the same corpus and scores?")
SHARED = dict(vector_size=100, window=5, min_count=5)  # as experiments/parity_word2vec.py
SKIPGRAM = dict(sg=1, negative=5, sample=1e-3, epochs=5, alpha=0.025, min_alpha=0.0001, **SHARED)
PPMI_SVD = dict(distance_weighting="linear", context_smoothing=0.75, shift=1.0, eigenvalue_weight=0.5, **SHARED)
GLOVE = dict(x_max=100.0, alpha=0.75, learning_rate=0.05, output="word+context", vector_size=100, min_count=5)
GLOVE_WINDOW = 15  # demo.sh's (the paper's and minembed.counting.glove's: 10); skip-gram keeps word2vec's 5
DISTANCE_WEIGHTING = {"1/d": True, "none": False, "linear": "linear"}  # --glove-distance-weighting -> cooccur's
GLOVE_X_MAX = {"GloVe x_max=100": 100.0, "GloVe x_max=10": 10.0}
GLOVE_COUNTS_PPMI = "PPMI on GloVe's counts"  # ppmi_on_counts: the counts' share of GloVe's figures
LEVY_GOLDBERG_MIN_COUNT = 10.0  # pairs seen fewer times are left out of the Levy & Goldberg check


# ----------------------------------------------------------------------------- the systems


def train_skipgram(sentences, seed: int, **overrides) -> Word2Vec:
    return Word2Vec(**{**SKIPGRAM, **overrides}, seed=seed).fit(sentences)


def train_ppmi(sentences, seed: int) -> Vectors:
    return ppmi.train(sentences, seed=seed, **PPMI_SVD)


def train_glove(sentences, seed: int, x_max: float, epochs: int, counts_cache: dict,
                window: int = GLOVE_WINDOW, sample: float = 0.0, distance_weighting: str = "1/d",
                vector_size: int = GLOVE["vector_size"], callbacks=()) -> glove.GloVe:
    """GloVe on cached counts: without subsampling the co-occurrence matrix does not depend on the seed.
    callbacks go to GloVe.fit_counts (callback(model, epoch) after every epoch)."""
    weighting = DISTANCE_WEIGHTING[distance_weighting]
    model = glove.GloVe(**{**GLOVE, "x_max": x_max, "vector_size": vector_size}, window=window, sample=sample,
                        distance_weighting=weighting, epochs=epochs, seed=seed)
    if sample > 0:  # the words dropped, and so the counts, depend on the seed: count afresh
        model.fit(sentences, callbacks=callbacks)
        counts_cache.update(counts=model.counts, vocab=model.vocab, seconds=(model.count_seconds, model.count_seconds))
        return model
    if "counts" not in counts_cache:
        vocab = Vocabulary.build(sentences, min_count=SHARED["min_count"])
        (counts, wall, cpu) = timed(lambda: cooccur.count([vocab.encode(s) for s in sentences],
                                                          window=window, distance_weighting=weighting,
                                                          vocab_size=len(vocab)))
        counts_cache.update(counts=counts, vocab=vocab, seconds=(wall, cpu))
    return model.fit_counts(*counts_cache["counts"], counts_cache["vocab"], callbacks=callbacks)


def metric_cells(row: dict) -> str:
    """One printed row's scores: "wordsim353 0.5481  simlex999 0.2466  analogies 0.0973"."""
    return "  ".join(f"{m} {row[m]:.4f}" for m in METRICS)


def scored_at(epochs: set[int], label: str, rows: list[dict]):
    """A GloVe callback that scores the vectors after each epoch in `epochs`, prints the row and keeps it in `rows`
    (--glove-score-epochs: where the scores peak while the cost keeps falling)."""
    def callback(model: glove.GloVe, epoch: int) -> None:
        if epoch in epochs:
            vectors = model.wv
            row = scores(Table(vectors.words, vectors.vectors))
            row.update(label=label, epoch=epoch, cost=model.costs[-1])
            rows.append(row)
            print(f"    {label} after epoch {epoch:>3}: cost {model.costs[-1]:.5f}  "
                  + metric_cells(row), flush=True)
    return callback


def ppmi_on_counts(counts_cache: dict, seed: int) -> Vectors:
    """PPMI + SVD (PPMI_SVD's smoothing, shift and eigenvalue weight) on the very triples GloVe was trained on.

    It separates GloVe's two halves: if these vectors score well, the counts
    (window, 1/d weights, subsampling) hold the similarity and any shortfall
    is GloVe's weighted least-squares fit; if they score badly, the counts do not.
    """
    return ppmi.vectors_from_counts(*counts_cache["counts"], counts_cache["vocab"].words,
                                    ppmi.PPMIConfig(**PPMI_SVD, seed=seed))


def train_glove_sequential(program: str, folder: str, seed: int, x_max: float, epochs: int,
                           counts_cache: dict) -> tuple[Vectors, list[float]]:
    """glove.c's one-non-zero-at-a-time loop (the compiled `program`) on the cached counts, from
    the same start as minembed.counting.glove's GloVe with this seed, its files in `folder`. Returns
    W + W~ as Vectors and the cost of each epoch."""
    vocab, (rows, cols, values) = counts_cache["vocab"], counts_cache["counts"]
    V, D = len(vocab), GLOVE["vector_size"]
    path = lambda name: os.path.join(folder, name)  # noqa: E731
    if counts_cache.get("written") is not values:  # the same counts for every x_max (and seed, unless sampled)
        counts_cache["written"] = values
        rows.astype("<i4").tofile(path("rows.i32"))
        cols.astype("<i4").tofile(path("cols.i32"))
        np.log(values).astype("<f8").tofile(path("logx.f64"))
    glove.weighting(values, x_max, GLOVE["alpha"]).astype("<f8").tofile(path("weight.f64"))
    start = glove.initial_parameters(V, D, np.random.default_rng(seed))  # as GloVe(seed=seed) starts
    np.concatenate([a.ravel() for a in vars(start).values()]).astype("<f8").tofile(path("start.f64"))
    run = subprocess.run([program, folder, str(len(values)), str(V), str(D), str(epochs),
                          str(GLOVE["learning_rate"]), str(seed)], check=True, capture_output=True, text=True)
    trained = np.fromfile(path("trained.f64"), dtype="<f8")  # (2 V D + 2 V,)
    W, W_context = trained[:V * D].reshape(V, D), trained[V * D:2 * V * D].reshape(V, D)
    costs = [float(line.split()[1]) for line in run.stdout.splitlines()]  # "epoch cost" lines
    return Vectors(vocab.words, (W + W_context).astype(np.float32)), costs


def sequential_check(sentences, args, glove_seeds: set[int]) -> str:
    """minembed's minibatch GloVe beside glove.c's sequential loop: same counts, start and epochs. Returns the table."""
    counts_cache: dict = {}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        program = compile_program("glove_sequential", folder)
        for x_max in args.glove_x_max:
            for seed in sorted(glove_seeds):
                model = train_glove(sentences, seed, x_max, args.glove_epochs, counts_cache, args.glove_window,
                                    args.glove_sample, args.glove_distance_weighting)
                vectors, costs = train_glove_sequential(program, folder, seed, x_max, args.glove_epochs, counts_cache)
                for system, wv, cost in [(f"minibatch ({model.config.batch_size})", model.wv, model.costs),
                                         ("sequential (glove.c's loop)", vectors, costs)]:
                    row = scores(Table(wv.words, wv.vectors))
                    rows.append([f"{x_max:g}", str(seed), system, f"{cost[0]:.5f} -> {cost[-1]:.5f}",
                                 *(f"{row[m]:.3f}" for m in METRICS)])
                    print(f"  x_max {x_max:g} seed {seed} {system:<28} cost {cost[0]:.5f} -> {cost[-1]:.5f}  "
                          + metric_cells(row), flush=True)
    return markdown_table(["x_max", "seed", "GloVe trained by", "cost", *METRICS.values()], rows)


def summary_table(results: dict[str, list[dict]]) -> str:
    """Each system's scores as mean±std over its seeds, and its mean training seconds."""
    cell = lambda values: f"{np.mean(values):.3f}±{np.std(values):.3f}"  # noqa: E731
    rows = [[system, *(cell([r[m] for r in runs]) for m in METRICS), f"{np.mean([r['seconds'] for r in runs]):.0f}"]
            for system, runs in results.items()]
    return markdown_table(["system", *METRICS.values(), "seconds"], rows)


def verdicts(results: dict[str, list[dict]]) -> str:
    """Does each counting system trail skip-gram's mean on word similarity by more than skip-gram's spread over
    the seeds (max - min)?"""
    reference = results["skip-gram"]
    rows = []
    for system in results:
        if system == "skip-gram":
            continue
        for metric in ("wordsim353", "simlex999"):
            sg = np.array([r[metric] for r in reference])
            mean = np.mean([r[metric] for r in results[system]])
            spread, gap = sg.max() - sg.min(), sg.mean() - mean
            verdict = "ahead" if gap < 0 else "within the spread" if gap <= spread else "TRAILS (gap > spread)"
            rows.append([system, METRICS[metric], f"{mean:.3f}", f"{sg.mean():.3f}", f"{gap:+.3f}", f"{spread:.3f}",
                         verdict])
    return markdown_table(["system", "metric", "mean", "skip-gram", "gap", "spread", "verdict"], rows)


# ----------------------------------------------------------------------------- Levy & Goldberg


def levy_goldberg(model: Word2Vec, sentences, min_pair_count: float) -> dict[str, float]:
    """Compare W[a] . C[b] with PMI(a, b) - log k over the pairs counted at least min_pair_count times."""
    vocab, k = model.vocab, model.config.negative
    rows, cols, values = cooccur.count([vocab.encode(s) for s in sentences], window=model.config.window,
                                       distance_weighting="linear", vocab_size=len(vocab))
    # (a = context word = input, b = centre word = output): a is in b's window as often as b in a's
    row_totals = np.bincount(rows, weights=values, minlength=len(vocab))  # (V,) float64: #(a)
    noise = vocab.noise_distribution(model.config.ns_exponent)  # (V,) float64: P_n(b), what negatives are drawn from
    shifted_pmi = np.log(values) - np.log(row_totals[rows]) - np.log(noise[cols]) - np.log(k)  # (K,) float64
    keep = values >= min_pair_count
    a, b, target = rows[keep], cols[keep], shifted_pmi[keep]
    dots = np.einsum("kd,kd->k", model.W[a].astype(np.float64), model.C[b].astype(np.float64))  # (K',) float64
    slope, intercept = np.polyfit(target, dots, 1)
    return {"pairs": int(keep.sum()), "pearson": float(scipy.stats.pearsonr(target, dots)[0]),
            "spearman": float(scipy.stats.spearmanr(target, dots)[0]), "slope": float(slope),
            "intercept": float(intercept), "mean_gap": float(np.mean(dots - target)),
            "mean_shifted_pmi": float(target.mean()), "mean_dot": float(dots.mean())}


# ----------------------------------------------------------------------------- speed


def check_levy_goldberg(sentences, parity_model: Word2Vec, seed: int) -> str:
    """The Levy & Goldberg check on the parity model and on a sample=0 model; returns the table."""
    print(f"\nLevy & Goldberg: skip-gram W[a] . C[b] against PMI(a, b) - log {SKIPGRAM['negative']} "
          f"(pairs counted >= {LEVY_GOLDBERG_MIN_COUNT:g} times)", flush=True)
    models = [("parity model (sample 1e-3)", lambda: parity_model),
              ("sample=0, batch 256", lambda: train_skipgram(sentences, seed, sample=0.0, batch_size=256))]
    rows = []
    for label, make in models:
        try:
            model = make()
        except TrainingDiverged as error:  # minembed.predicting.word2vec refuses to hand out NaN vectors
            print(f"  {label:<28} not trained: {error}", flush=True)
            rows.append([label, "diverged", "-", "-", "-", "-", "-"])
            continue
        check = levy_goldberg(model, sentences, LEVY_GOLDBERG_MIN_COUNT)
        rows.append([label, f"{check['pairs']:,}", *(f"{check[key]:.3f}" for key in (
            "pearson", "spearman", "slope", "mean_dot", "mean_shifted_pmi"))])
    table = markdown_table(["skip-gram model", "pairs", "Pearson", "Spearman", "slope", "mean W.C",
                            "mean shifted PMI"], rows)
    print(table, flush=True)
    return table


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["wiki", "dictionary"], default="wiki")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--glove-epochs", type=int, default=25)
    parser.add_argument("--glove-x-max", type=float, nargs="+", default=list(GLOVE_X_MAX.values()),
                        help="x_max values to train GloVe with (default: %(default)s)")
    parser.add_argument("--glove-window", type=int, default=GLOVE_WINDOW,
                        help="GloVe's context window (default: %(default)s, demo.sh's; skip-gram and PPMI use 5)")
    parser.add_argument("--glove-distance-weighting", choices=list(DISTANCE_WEIGHTING), default="1/d",
                        help="what a pair d words apart adds to GloVe's counts: 1/d (the paper's and cooccur.c's "
                             "default), 1 ('none', cooccur.c's -distance-weighting 0) or (window - d + 1) / window "
                             "('linear', word2vec's shrunk window)")
    parser.add_argument("--glove-sample", type=float, default=0.0,
                        help="GloVe's subsampling before counting (GloVe's sample; default 0, glove.c's)")
    parser.add_argument("--glove-vector-size", type=int, default=GLOVE["vector_size"],
                        help="GloVe's dimensions (default: %(default)s, skip-gram's)")
    parser.add_argument("--glove-score-epochs", type=int, nargs="+", default=[],
                        help="also score GloVe after these epochs (a row each; the last epoch's is the table's)")
    parser.add_argument("--glove-only", action="store_true",
                        help="train GloVe (and PPMI on its counts) only: no skip-gram, PPMI + SVD, verdict or "
                             "Levy & Goldberg check, for trying GloVe's settings")
    parser.add_argument("--glove-seeds", type=int, nargs="+", default=None,
                        help="train GloVe for these seeds only (default: every seed); its seed spread "
                             "is not part of the verdict, which uses skip-gram's")
    parser.add_argument("--no-levy-goldberg", action="store_true", help="skip the W C^T vs shifted PMI check")
    parser.add_argument("--levy-goldberg-only", action="store_true", help="only the W C^T vs shifted PMI check")
    parser.add_argument("--sequential-check", action="store_true",
                        help="only GloVe: minembed's minibatches beside glove.c's one-at-a-time loop "
                             "(experiments/glove_sequential.c; needs a C compiler)")
    add_results_argument(parser)
    args = parser.parse_args()
    logging.getLogger("gensim").setLevel(logging.WARNING)

    sentences = corpus(args.corpus)
    print(f"=== {args.corpus}: {len(sentences):,} sentences, {sum(map(len, sentences)):,} tokens", flush=True)
    glove_settings = {**GLOVE, "vector_size": args.glove_vector_size, "x_max": args.glove_x_max,
                      "window": args.glove_window, "distance_weighting": args.glove_distance_weighting,
                      "sample": args.glove_sample, "epochs": args.glove_epochs}
    glove_seeds = set(args.seeds if args.glove_seeds is None else args.glove_seeds)
    settings = (f"{args.corpus}: {sum(map(len, sentences)):,} tokens; seeds {' '.join(map(str, args.seeds))} "
                f"(GloVe: {' '.join(map(str, sorted(glove_seeds)))}).\nskip-gram {SKIPGRAM}\nPPMI + SVD {PPMI_SVD}"
                f"\nGloVe {glove_settings}")
    if args.levy_goldberg_only:
        table = check_levy_goldberg(sentences, train_skipgram(sentences, args.seeds[0]), args.seeds[0])
        if args.write_results:
            write_results(args.write_results, QUESTION, settings, "Levy & Goldberg check:\n\n" + table)
        return
    if args.sequential_check:
        print(f"GloVe {glove_settings}: minibatches against one non-zero at a time, from the same start", flush=True)
        table = sequential_check(sentences, args, glove_seeds)
        if args.write_results:
            write_results(args.write_results, "Do GloVe's figures come from minembed's minibatches or from GloVe "
                          "itself? The same counts and start, trained by minibatches and by glove.c's loop.",
                          f"{args.corpus}; GloVe {glove_settings}", table)
        return
    glove_runs = {f"GloVe x_max={x_max:g}": x_max for x_max in args.glove_x_max}
    print(settings, flush=True)
    predicting = [] if args.glove_only else ["skip-gram", "PPMI + SVD"]
    results: dict[str, list[dict]] = {name: [] for name in [*predicting, *glove_runs, GLOVE_COUNTS_PPMI]}
    glove_speed, counts_cache, first_skipgram, by_epoch = [], {}, None, []
    for seed in sorted(glove_seeds) if args.glove_only else args.seeds:
        trained = {}
        if not args.glove_only:
            (model, wall, _) = timed(lambda: train_skipgram(sentences, seed))
            trained["skip-gram"] = (model.wv, wall)
            first_skipgram = first_skipgram or model
            (vectors, wall, _) = timed(lambda: train_ppmi(sentences, seed))
            trained["PPMI + SVD"] = (vectors, wall)
        for name, x_max in glove_runs.items() if seed in glove_seeds else ():
            score = scored_at(set(args.glove_score_epochs), f"seed {seed} {name}", by_epoch)
            (model, wall, _) = timed(lambda: train_glove(sentences, seed, x_max, args.glove_epochs, counts_cache,
                                                         args.glove_window, args.glove_sample,
                                                         args.glove_distance_weighting, args.glove_vector_size,
                                                         callbacks=[score]))
            trained[name] = (model.wv, wall)
            glove_speed.append(np.mean(model.epoch_seconds) / (len(model.counts[2]) / 1e6))
            costs = model.costs
            print(f"  seed {seed} {name}: cost {costs[0]:.5f} -> {costs[-1]:.5f}, "
                  f"falls every epoch: {bool(np.all(np.diff(costs) < 0))}", flush=True)
        if seed in glove_seeds:  # on the counts of the GloVe runs just trained (--glove-x-max takes at least one)
            (vectors, wall, _) = timed(lambda: ppmi_on_counts(counts_cache, seed))
            trained[GLOVE_COUNTS_PPMI] = (vectors, wall)
        shared_vocabulary = set.intersection(*(set(v.words) for v, _ in trained.values()))
        for system, (vectors, seconds) in trained.items():
            row = scores(Table(vectors.words, vectors.vectors).restricted_to(shared_vocabulary))
            row.update(seed=seed, seconds=round(seconds, 1), vocabulary=len(shared_vocabulary))
            results[system].append(row)
            print(f"  seed {seed} {system:<24} " + metric_cells(row) + f"  ({seconds:.0f} s)", flush=True)

    first = next(iter(results))
    tables = [f"Vocabulary shared by all systems: {results[first][0]['vocabulary']:,} words.\n\n"
              + summary_table(results)]
    if not args.glove_only:
        tables.append("GloVe and PPMI + SVD against skip-gram's seed spread on word similarity:\n\n"
                      + verdicts(results))
    if by_epoch:
        tables.append("GloVe scored along the way (--glove-score-epochs):\n\n" + markdown_table(
            ["GloVe run", "epoch", "cost", *METRICS.values()],
            [[row["label"], str(row["epoch"]), f"{row['cost']:.5f}", *(f"{row[m]:.3f}" for m in METRICS)]
             for row in by_epoch]))
    print("\n" + "\n\n".join(tables), flush=True)
    nonzeros = len(counts_cache["counts"][2])
    print(f"GloVe: {nonzeros:,} non-zeros (window {args.glove_window}), counted in {counts_cache['seconds'][0]:.1f} "
          f"s; {np.mean(glove_speed):.1f} s per epoch per million non-zeros (mean over runs)", flush=True)
    if not (args.no_levy_goldberg or args.glove_only):
        tables.append("Levy & Goldberg check:\n\n" + check_levy_goldberg(sentences, first_skipgram, args.seeds[0]))
    if args.write_results:
        write_results(args.write_results, QUESTION, settings, "\n\n".join(tables))


if __name__ == "__main__":
    main()
