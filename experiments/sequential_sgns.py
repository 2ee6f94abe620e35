"""Minibatches or one pair at a time? minembed's skip-gram beside a sequential C loop.

minembed trains skip-gram (minembed.predicting.word2vec) and its fastText variant
(minembed.predicting.subword) in minibatches: every pair of a batch is scored with the same
W, C and n-gram rows, and the summed gradients are applied at once. The word2vec
C tool, fastText and gensim apply each pair's update before scoring the next.
benchmarks/sgns_sequential.c is that sequential loop, written for this check; it
takes minembed's encoded corpus, subsampling probabilities, noise distribution
and starting arrays (the same seed's W, C and N), so the two differ only in the
update schedule and in their random draws. Scoring all of them (and gensim) with
the same evaluator tells whether a gap between minembed and gensim comes from
the minibatches or from the model the two implement.

    python benchmarks/sequential_sgns.py --model fasttext --seeds 0 1 2      # ~10 min
    python benchmarks/sequential_sgns.py --model fasttext --input centre --divisor n
                                         # gensim FastText's choices, one at a time
    python benchmarks/sequential_sgns.py --model word2vec --corpus dictionary --sentence-order shuffled

--model fasttext trains on the Wikipedia sample with the held-out words of
benchmarks/bench_subword.py removed and scores WordSim353 and syntactic analogies
as it does; --model word2vec scores WordSim353, SimLex-999 and all analogies as
benchmarks/parity_word2vec.py does. Both use the parity hyperparameters (d=100,
window 5, negative 5, sample 1e-3, min_count 5, 5 epochs, alpha 0.025 -> 0.0001).

The sequential loop's options copy gensim's FastText where it differs from
fastText and from minembed (see minembed/predicting/subword.py):
    --input centre   the centre word (with its n-grams) is the input and each
                     context word the output; minembed and word2vec do it the other
                     way round (the same pairs, in expectation the same updates)
    --divisor n      the input is (W[w] + sum of n-gram rows) / n during training, as
                     gensim's fasttext_inner.pyx computes it; fastText, minembed and
                     gensim's own final vectors divide by 1 + n
Add --gensim to train gensim (workers=1) on the same sentences as well.

Measured here (mean±std over seeds 0-2; the sequential loop with minembed's
choices, input context and divisor 1 + n):

    fastText, Wikipedia sample in file order (WordSim353, syntactic analogies)
        sequential 0.283±0.006 0.213±0.004   gensim 0.288±0.008 0.217±0.003
        minembed (minibatches of 256) 0.321±0.004 0.311±0.008
    fastText, in 32-token pieces, shuffled (--split-sentences 32 --sentence-order shuffled)
        sequential 0.288±0.004 0.271±0.003   gensim (benchmarks/bench_subword.py, seeds 0-7)
        0.265-0.298 0.267-0.281              minembed (seeds 0-7) 0.281-0.309 0.281-0.302
        sequential with gensim's choices (--input centre --divisor n) 0.291±0.003 0.277±0.004
    word2vec, dictionary corpus, shuffled (WordSim353, SimLex-999, analogies)
        sequential 0.587±0.007 0.335±0.002 0.158±0.004
        gensim (benchmarks/parity_word2vec.py) 0.589±0.005 0.333±0.002 0.160±0.001
        minembed (minibatches of 1,024) 0.597 0.345 0.160
        minembed walking each centre's row (seeds 0-4) 0.589±0.003 0.337±0.006 0.164±0.002

One pair at a time, minembed's model and start land on gensim's figures in every
case: where minembed is above gensim, the minibatches are the reason, not the
model. In file order the Wikipedia sample is a topic-ordered stream, and an update
per pair follows the current topic (the sequential loop's first-epoch loss, 2.20,
is far below the minibatches' 2.83, and rises each epoch after); cut and shuffled,
the sequential loop and gensim rise to minembed's WordSim353, and the minibatches
keep about +0.02 on syntactic analogies. Both excesses went when each centre's
output row began to walk its pairs (see "Walking" below; fastText over seeds 0-7:
minembed 0.288 0.279, gensim 0.282 0.273).

Walking. Which stale gradient was it? `--batch B --stale X` makes the C loop hold
back some of its updates for B consecutive centres and apply them together, as a
minibatch does: W the input rows, C all output rows, P only the pair's observed
(centre) word's row, N only the noise words' rows; L walks each centre's row
through its pairs in a private copy whose move waits (minembed's
walk_observed_rows), M the same with one copy per word for all its pairs of the
batch. Word2vec, dictionary corpus, shuffled, seed 0 (WordSim353, SimLex-999,
analogies; python benchmarks/sequential_sgns.py --model word2vec --corpus
dictionary --sentence-order shuffled --no-minibatch --batch B --stale X):

    one pair at a time (batch 1)       0.584 0.338 0.153
    --batch 1024 --stale WC            0.605 0.345 0.158   minembed's minibatch before the walk
    --batch 16   --stale WC            0.602 0.343 0.155
    --batch 2    --stale WC            0.602 0.345 0.154   two centres are enough
    --batch 2    --stale P             0.602 0.346 0.152   the centre's own row is all of it
    --batch 2    --stale W             0.583 0.337 0.153   the input rows are none of it
    --batch 1024 --stale WN            0.595 0.336 0.157   all held back but the centre's row
    --batch 1024 --stale N             0.599 0.341 0.157
    --batch 1024 --stale WNL           0.598 0.341 0.158   minembed's walk, one copy per centre
    --batch 1024 --stale WNM           0.570 0.325 0.162   one copy per word: below

So the excess came from scoring all of one centre's pairs against the same
output row of that centre. minembed now walks it (minembed/predicting/negative_sampling.py,
walk_observed_rows); walking each word's row through all its pairs of the batch
instead undershoots: a frequent word's dozens of pulls then shrink step by step,
while its noise pushes, summed from the batch's start, do not.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS: one core, as the C loop

import argparse  # noqa: E402
import logging  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))  # the sibling scripts' helpers
from bench_subword import HELD_OUT, fasttext_scores  # noqa: E402
from parity_counting import compile_program  # noqa: E402
from parity_word2vec import PARAMS, Table, in_order, load_corpus, scores, split_sentences  # noqa: E402

from minembed.predicting.corpus import Corpus  # noqa: E402
from minembed.predicting.subword import FastText  # noqa: E402
from minembed.tokens.vocab import Vocabulary  # noqa: E402
from minembed.predicting.word2vec import Word2Vec  # noqa: E402

SUBWORDS = dict(min_n=3, max_n=6, bucket=2_000_000)


def starting_arrays(model: Word2Vec, vocab: Vocabulary) -> Word2Vec:
    """The untrained `model` holding the arrays that fit_corpus with its seed starts from (see Word2Vec.initialise)."""
    model.initialise(vocab, np.random.default_rng(model.config.seed))
    return model


def run_sequential(program: str, folder: str, model, corpus: Corpus, input_side: str,
                   divisor: str, batch: int = 1, stale: str = "WC") -> tuple[np.ndarray, list[str]]:
    """Train the start in `model` with the C loop, on its settings; returns the vocabulary words' vectors (V, D)."""
    vocab, cfg = model.vocab, model.config
    D = cfg.vector_size
    path = lambda name: os.path.join(folder, name)  # noqa: E731
    corpus.ids.astype("<i4").tofile(path("ids.i32"))
    corpus.offsets.astype("<i8").tofile(path("offsets.i64"))
    vocab.keep_probabilities(cfg.sample).astype("<f8").tofile(path("keep.f64"))
    cumulative = np.cumsum(vocab.noise_distribution(cfg.ns_exponent))
    (cumulative / cumulative[-1]).astype("<f8").tofile(path("noise.f64"))
    model.W.astype("<f4").tofile(path("W.f32"))
    model.C.astype("<f4").tofile(path("C.f32"))
    subwords = isinstance(model, FastText)
    for name in ("ngram_rows.i32", "ngram_offsets.i64", "N.f32"):
        if os.path.exists(path(name)):
            os.remove(path(name))
    if subwords:
        model.ngram_rows.astype("<i4").tofile(path("ngram_rows.i32"))
        model.ngram_offsets.astype("<i8").tofile(path("ngram_offsets.i64"))
        model.N.astype("<f4").tofile(path("N.f32"))
    arguments = [len(vocab), D, cfg.window, cfg.negative, cfg.epochs, cfg.alpha, cfg.min_alpha, cfg.seed,
                 input_side, "1" if divisor == "1+n" else "0", batch, stale]
    run = subprocess.run([program, folder, *map(str, arguments)],
                         check=True, capture_output=True, text=True)
    W = np.fromfile(path("W.out.f32"), dtype="<f4").reshape(len(vocab), D)
    if subwords:  # the evaluated vectors: the mean of the word's row and its n-gram rows, as minembed and gensim
        model.W, model.N = W, np.fromfile(path("N.out.f32"), dtype="<f4").reshape(model.N.shape)
        W = model.input_vectors(np.arange(len(vocab)))
    return W, run.stdout.splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["word2vec", "fasttext"], default="fasttext")
    parser.add_argument("--corpus", choices=["wiki", "dictionary"], default="wiki")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--sentence-order", choices=["corpus", "shuffled"], default="corpus")
    parser.add_argument("--split-sentences", type=int, default=0, metavar="N",
                        help="cut every sentence into pieces of N tokens first (0: keep them whole)")
    parser.add_argument("--input", choices=["context", "centre"], default="context", dest="input_side")
    parser.add_argument("--divisor", choices=["1+n", "n"], default="1+n")
    parser.add_argument("--batch", type=int, default=1, metavar="B",
                        help="the C loop sums the updates of B consecutive centres and applies them together "
                             "(1: one pair at a time, the default)")
    parser.add_argument("--stale", choices=["WC", "W", "C", "P", "N", "WP", "WN", "WNL", "WNM"], default="WC",
                        help="with --batch B > 1, which updates wait for the batch's end: W input rows, C output "
                             "rows, P only the observed word's row, N only the noise words'; L and M walk the "
                             "observed rows (see 'Walking' above)")
    parser.add_argument("--no-minibatch", action="store_true", help="skip minembed's own (minibatch) training")
    parser.add_argument("--gensim", action="store_true", help="also train gensim (workers=1)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/minembed-bench-cache"))
    args = parser.parse_args()

    sentences = load_corpus(args.corpus, args.cache_dir)
    if args.model == "fasttext":
        held_out = set(HELD_OUT)
        sentences = [[w for w in s if w not in held_out] for s in sentences]
    sentences = split_sentences(sentences, args.split_sentences)
    model_class, score = (FastText, fasttext_scores) if args.model == "fasttext" else (Word2Vec, scores)
    settings = {**PARAMS, **(SUBWORDS if args.model == "fasttext" else {})}  # minembed's, the C loop's and gensim's
    print(f"{args.model} on {args.corpus} ({sum(map(len, sentences)):,} tokens in {len(sentences):,} sentences, "
          f"sentence order {args.sentence_order}); sequential loop: input {args.input_side}, divisor {args.divisor}",
          flush=True)
    results: dict[str, list[dict]] = {}

    def report(system: str, seed: int, table: Table, seconds: float) -> None:
        row = score(table)
        results.setdefault(system, []).append(row)
        print(f"  seed {seed}  {system:<34}" + "  ".join(f"{m} {v:.3f}" for m, v in row.items())
              + f"   ({seconds:.0f} s)", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        program = compile_program("sgns_sequential", folder)
        for seed in args.seeds:
            ordered = in_order(sentences, args.sentence_order, seed)
            vocab = Vocabulary.build(ordered, min_count=settings["min_count"])
            corpus = Corpus.from_sentences(ordered, vocab)
            start = starting_arrays(model_class(**settings, seed=seed), vocab)
            started = time.perf_counter()
            vectors, lines = run_sequential(program, folder, start, corpus, args.input_side, args.divisor,
                                            args.batch, args.stale)
            loop = "" if args.batch == 1 else f", batch {args.batch}, stale {args.stale}"
            report(f"sequential ({args.input_side}, {args.divisor}{loop})", seed, Table(vocab.words, vectors),
                   time.perf_counter() - started)
            print("    epoch, loss, effective words: " + "; ".join(lines), flush=True)
            if not args.no_minibatch:
                started = time.perf_counter()
                model = model_class(**settings, seed=seed).fit_corpus(corpus, vocab)
                report(f"minembed (batch {model.config.batch_size})", seed, Table(vocab.words, model.wv.vectors),
                       time.perf_counter() - started)
            if args.gensim:
                from gensim.models import FastText as GensimFastText
                from gensim.models import Word2Vec as GensimWord2Vec

                logging.getLogger("gensim").setLevel(logging.WARNING)
                started = time.perf_counter()
                trainer = GensimFastText if args.model == "fasttext" else GensimWord2Vec
                wv = trainer(ordered, sg=1, workers=1, seed=seed, **settings).wv
                report("gensim (workers=1)", seed, Table(wv.index_to_key, wv.vectors), time.perf_counter() - started)
    print()
    for system, rows in results.items():
        print(f"  {system:<34}" + "  ".join(f"{m} {np.mean([r[m] for r in rows]):.3f}"
                                            f"±{np.std([r[m] for r in rows]):.3f}" for m in rows[0]))


if __name__ == "__main__":
    main()
