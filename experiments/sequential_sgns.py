"""Minibatches or one pair at a time? minembed's skip-gram beside a sequential C loop.

minembed trains skip-gram (minembed.predicting.word2vec) and its fastText variant
(minembed.predicting.subword) in minibatches: every pair of a batch is scored with
the same W, C and n-gram rows, and the summed gradients are applied at once. The
word2vec C tool, fastText and gensim apply each pair's update before scoring the
next. experiments/sgns_sequential.c is that sequential loop, written for this
check; it takes minembed's encoded corpus, subsampling probabilities, noise
distribution and starting arrays (the same seed's W, C and N), so the two differ
only in the update schedule and in their random draws. Scoring all of them (and
gensim) with the same evaluator tells whether a gap between minembed and gensim
comes from the minibatches or from the model the two implement.

    python -m experiments.sequential_sgns --model fasttext --seeds 0 1 2 --gensim   # ~10 min
    python -m experiments.sequential_sgns --model fasttext --input centre --divisor n
                                         # gensim FastText's choices, one at a time
    python -m experiments.sequential_sgns --model word2vec --corpus dictionary --sentence-order shuffled \\
        --no-minibatch --batch 2 --stale P   # hold back only each centre's own output row, for 2 centres

--model fasttext trains on the Wikipedia sample with the held-out words of
experiments/parity_fasttext.py removed and scores WordSim353 and syntactic
analogies as it does; --model word2vec scores WordSim353, SimLex-999 and all
analogies as experiments/parity_word2vec.py does. Both use the parity
hyperparameters (d=100, window 5, negative 5, sample 1e-3, min_count 5, 5
epochs, alpha 0.025 -> 0.0001).

The sequential loop's options copy gensim's FastText where it differs from
fastText and from minembed (see minembed/predicting/subword.py):
    --input centre   the centre word (with its n-grams) is the input and each
                     context word the output; minembed and word2vec do it the other
                     way round (the same pairs, in expectation the same updates)
    --divisor n      the input is (W[w] + sum of n-gram rows) / n during training, as
                     gensim's fasttext_inner.pyx computes it; fastText, minembed and
                     gensim's own final vectors divide by 1 + n
    --batch B --stale X   hold back some updates for B consecutive centres and apply
                     them together, as a minibatch does: W the input rows, C all output
                     rows, P only the pair's observed (centre) word's row, N only the
                     noise words' rows; L walks each centre's row through its pairs in a
                     private copy whose move waits (minembed's walk_observed_rows), M the
                     same with one copy per word for all its pairs of the batch

Results: experiments/RESULTS.md#sequential-fasttext-wiki and the sections after it.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS: one core, as the C loop

import argparse  # noqa: E402
import logging  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.common import SUBWORDS, corpus, markdown_table  # noqa: E402
from experiments.common import (  # noqa: E402
    FASTTEXT_METRICS, HELD_OUT, METRICS, PARAMS, Table, add_results_argument, compile_program, fasttext_scores,
    in_order, scores, split_sentences, write_results,
)
from minembed.predicting.corpus import Corpus  # noqa: E402
from minembed.predicting.subword import FastText  # noqa: E402
from minembed.predicting.word2vec import Word2Vec  # noqa: E402
from minembed.tokens.vocab import Vocabulary  # noqa: E402

QUESTION = ("Trained one pair at a time from minembed's own start, where do skip-gram and fastText land beside "
            "minembed's minibatches and gensim: is a gap one of schedule or of model?")


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
        model.inputs.ngram_rows.astype("<i4").tofile(path("ngram_rows.i32"))
        model.inputs.ngram_offsets.astype("<i8").tofile(path("ngram_offsets.i64"))
        model.N.astype("<f4").tofile(path("N.f32"))
    arguments = [len(vocab), D, cfg.window, cfg.negative, cfg.epochs, cfg.alpha, cfg.min_alpha, cfg.seed,
                 input_side, "1" if divisor == "1+n" else "0", batch, stale]
    run = subprocess.run([program, folder, *map(str, arguments)],
                         check=True, capture_output=True, text=True)
    W = np.fromfile(path("W.out.f32"), dtype="<f4").reshape(len(vocab), D)
    if subwords:  # the evaluated vectors: the mean of the word's row and its n-gram rows, as minembed and gensim
        model.inputs.W[:] = W
        model.inputs.N[:] = np.fromfile(path("N.out.f32"), dtype="<f4").reshape(model.N.shape)
        W = model.inputs.vectors_of(np.arange(len(vocab)))
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
                             "observed rows (see above)")
    parser.add_argument("--no-minibatch", action="store_true", help="skip minembed's own (minibatch) training")
    parser.add_argument("--gensim", action="store_true", help="also train gensim (workers=1)")
    add_results_argument(parser)
    args = parser.parse_args()

    sentences = corpus(args.corpus)
    if args.model == "fasttext":
        held_out = set(HELD_OUT)
        sentences = [[w for w in s if w not in held_out] for s in sentences]
    sentences = split_sentences(sentences, args.split_sentences)
    model_class, score, metrics = ((FastText, fasttext_scores, FASTTEXT_METRICS) if args.model == "fasttext"
                                   else (Word2Vec, scores, METRICS))
    settings = {**PARAMS, **(SUBWORDS if args.model == "fasttext" else {})}  # minembed's, the C loop's and gensim's
    setting = (f"{args.model} on {args.corpus} ({sum(map(len, sentences)):,} tokens in {len(sentences):,} sentences, "
               f"sentence order {args.sentence_order}); seeds {' '.join(map(str, args.seeds))}; sequential loop: "
               f"input {args.input_side}, divisor {args.divisor}")
    print(setting, flush=True)
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
            encoded = Corpus.from_sentences(ordered, vocab)
            start = starting_arrays(model_class(**settings, seed=seed), vocab)
            started = time.perf_counter()
            vectors, lines = run_sequential(program, folder, start, encoded, args.input_side, args.divisor,
                                            args.batch, args.stale)
            loop = "" if args.batch == 1 else f", batch {args.batch}, stale {args.stale}"
            report(f"sequential ({args.input_side}, {args.divisor}{loop})", seed, Table(vocab.words, vectors),
                   time.perf_counter() - started)
            print("    epoch, loss, effective words: " + "; ".join(lines), flush=True)
            if not args.no_minibatch:
                started = time.perf_counter()
                model = model_class(**settings, seed=seed).fit_corpus(encoded, vocab)
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
    table = markdown_table(["system", *metrics.values()], [
        [system, *(f"{np.mean([r[m] for r in rows]):.3f}±{np.std([r[m] for r in rows]):.3f}" for m in metrics)]
        for system, rows in results.items()])
    print("\n" + table)
    if args.write_results:
        write_results(args.write_results, QUESTION, f"{setting}.\nSettings: {settings}.",
                      "mean±std over the seeds:\n\n" + table)


if __name__ == "__main__":
    main()
