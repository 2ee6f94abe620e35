"""Speed and peak memory: minembed's Word2Vec and FastText on 1 and 2 threads against gensim 4's (workers=1 and 2).

Every configuration trains in its own fresh Python process on the same tokenised
corpus (loaded from the .npz cache before the clock starts), with the parity
hyperparameters (d=100, window 5, negative 5, sample 1e-3, min_count 5); the
"+ n-grams" rows add fastText's character 3..6-grams in 2,000,000 buckets.
Reported per run:

    words/s   effective words (after subsampling: gensim's `trained_word_count`,
              minembed's `effective_words`) / seconds of training, as gensim logs it
    peak MB   highest resident memory above the process's size once the corpus
              was loaded (sampled every 2 ms), so vocabulary building,
              the vectors, the encoded corpus and the minibatch temporaries count
    same bytes  minembed runs every configuration twice in each round and hashes
              W, C (and fastText's n-gram rows) after training: "yes" when the two
              runs with the same seed and workers gave identical bytes (the script
              fails otherwise); "= 1 thread": workers=2 gave the bytes of workers=1

With --rounds N every configuration runs N times, round after round, and the
table shows medians: words/s and peak MB over the rounds, and each ratio as the
median of the ratios within a round (each against the peer run of the same
round, so a slow spell of the host weighs on both), with their range.

    python -m benchmarks.bench_word2vec --corpus wiki            # every model, 1 and 2 threads (~3 min)
    python -m benchmarks.bench_word2vec                         # dictionary corpus, 1 epoch (~15 min)
    python -m benchmarks.bench_word2vec --rounds 3 --models skipgram cbow   # ~30 min
    python -m benchmarks.bench_word2vec --corpus wiki --models fasttext     # fastText on the Wikipedia sample
    python -m benchmarks.bench_word2vec --corpus wiki --epochs 5

The dictionary corpus (WordNet glosses + GCIDE) needs the Debian packages
wordnet-base and dict-gcide. Every run has OPENBLAS_NUM_THREADS=1: minembed's
`workers` threads are its own (minembed/predicting/parallel.py), as gensim's are.
The machine's other load moves these numbers: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from benchmarks.common import SUBWORDS, WORD2VEC, PeakMemory, blas_threads, corpus, markdown_table, run_child

CONFIGS = [
    *(dict(system="minembed", sg=1, workers=workers) for workers in (1, 2)),
    *(dict(system="minembed", sg=1, shared_negatives=True, workers=workers) for workers in (1, 2)),
    dict(system="gensim", sg=1, workers=1),
    dict(system="gensim", sg=1, workers=2),
    *(dict(system="minembed", sg=0, workers=workers) for workers in (1, 2)),
    dict(system="gensim", sg=0, workers=1),
    dict(system="gensim", sg=0, workers=2),
    *(dict(system="minembed", sg=1, model="fasttext", workers=workers) for workers in (1, 2)),
    dict(system="gensim", sg=1, model="fasttext", workers=1),
    dict(system="gensim", sg=1, model="fasttext", workers=2),
]
MODELS = ("skipgram", "cbow", "fasttext")  # --models picks rows by these


def child(config: dict, corpus_name: str, epochs: int) -> dict:
    """One configuration's run, in this (child) process."""
    sentences = corpus(corpus_name)
    tokens = sum(map(len, sentences))
    memory = PeakMemory()
    if config["system"] == "gensim":
        import logging

        from gensim.models import FastText as GensimFastText
        from gensim.models import Word2Vec as GensimWord2Vec

        logging.getLogger("gensim").setLevel(logging.WARNING)
        if config.get("model") == "fasttext":
            model = GensimFastText(sg=1, workers=config["workers"], seed=0, epochs=epochs, **WORD2VEC, **SUBWORDS)
        else:
            model = GensimWord2Vec(sg=config["sg"], workers=config["workers"], seed=0, epochs=epochs, **WORD2VEC)
        model.build_vocab(sentences)
        started = time.perf_counter()
        effective, _ = model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
        seconds = time.perf_counter() - started
        vocabulary, digest = len(model.wv), None
    else:
        import hashlib

        from minembed.predicting.subword import FastText
        from minembed.predicting.word2vec import Word2Vec

        if config.get("model") == "fasttext":
            model = FastText(seed=0, epochs=epochs, workers=config["workers"], **WORD2VEC, **SUBWORDS).fit(sentences)
        else:
            model = Word2Vec(sg=config["sg"], shared_negatives=config.get("shared_negatives", False), seed=0,
                             epochs=epochs, workers=config["workers"], **WORD2VEC).fit(sentences)
        effective, vocabulary = sum(model.effective_words), len(model.vocab)
        digest = hashlib.sha256(b"".join(array.tobytes() for array in model.trained_arrays())).hexdigest()
        seconds = effective / model.words_per_second  # words_per_second: effective words / training seconds
    peak = memory.stop()
    # what minembed must hold: W and C (and the used n-gram rows), the int32 corpus ids (+ int64 offsets)
    budget = (2 * vocabulary * WORD2VEC["vector_size"] * 4 + 4 * tokens + 8 * len(sentences)) / 2**20
    if config["system"] == "minembed" and config.get("model") == "fasttext":  # + the n-gram rows it keeps
        budget += model.N.nbytes / 2**20
    return dict(config=config, effective_words=int(effective), seconds=seconds, words_per_second=effective / seconds,
                peak_mb=peak, vocabulary=vocabulary, tokens=tokens, budget_mb=budget, digest=digest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["wiki", "wordnet", "dictionary"], default="dictionary")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="run every configuration this many times")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    if args.child:
        print(json.dumps(child(json.loads(args.child), args.corpus, args.epochs)))
        return

    # one BLAS thread: minembed then uses one core, as gensim's workers=1 does (gensim's
    # own BLAS calls are single-vector and single-threaded either way); without this,
    # OpenBLAS threads in minembed's small batched matmuls stall on a loaded machine
    environment = blas_threads(1)
    configs = [config for config in CONFIGS if model_of(config) in args.models]
    print(f"corpus {args.corpus}, {args.epochs} epoch(s), {WORD2VEC}, OPENBLAS_NUM_THREADS=1; the machine "
          "may be shared: only ratios within this run count", flush=True)
    rounds = []  # rounds[r][i]: the run of configs[i] in round r
    for number in range(args.rounds):
        if args.rounds > 1:
            print(f"round {number + 1} of {args.rounds}", flush=True)
        runs = []
        for config in configs:
            arguments = ["--corpus", args.corpus, "--epochs", str(args.epochs), "--child", json.dumps(config)]
            run = run_child(__spec__.name, arguments, environment)
            if config["system"] == "minembed":  # the same seed and workers again: the bytes must be the same
                run["again"] = run_child(__spec__.name, arguments, environment)["digest"]
            runs.append(run)
            print(f"  {describe(config):<44} {run['words_per_second']:>10,.0f} words/s  {run['seconds']:7.1f} s  "
                  f"peak +{run['peak_mb']:7.1f} MB", flush=True)
        rounds.append(runs)

    first = rounds[0][0]
    print(f"\n{first['tokens']:,} tokens, vocabulary {first['vocabulary']:,}; minembed's memory budget "
          f"(W + C + corpus ids) = {first['budget_mb']:.1f} MB" + (f"; medians of {args.rounds} rounds, "
          "ratios with their range over the rounds" if args.rounds > 1 else "") + "\n")
    rows = []
    for i, config in enumerate(configs):
        peer = dict(system="gensim", sg=config["sg"], **({"model": "fasttext"} if "model" in config else {}))
        one_thread = configs.index(dict(config, workers=1))
        one, two = (configs.index(dict(peer, workers=workers)) for workers in (1, 2))  # the peers' columns
        ratios = lambda key, j: [runs[i][key] / runs[j][key] for runs in rounds]  # noqa: E731 (within each round)
        median = lambda key: statistics.median(runs[i][key] for runs in rounds)  # noqa: E731
        rows.append([describe(config), f"{median('words_per_second'):,.0f}", spread(ratios("words_per_second", one)),
                     spread(ratios("words_per_second", two)), f"{median('peak_mb'):.1f}",
                     f"{statistics.median(ratios('peak_mb', one)):.2f}",
                     f"{median('peak_mb') / rounds[0][i]['budget_mb']:.2f}", *same_bytes(rounds, i, one_thread)])
    print(markdown_table(["configuration", "words/s", "x gensim w1", "x gensim w2", "peak MB", "MB x gensim w1",
                          "MB x budget", "same bytes", "= 1 thread"], rows))
    if any(row[-2] == "NO" for row in rows):
        raise SystemExit("two runs with the same seed and workers gave different vectors: see 'same bytes'")


def same_bytes(rounds: list[list[dict]], i: int, one_thread: int) -> list[str]:
    """Whether configuration i trained the same bytes twice in every round, and the bytes of its one-thread run."""
    runs = [runs[i] for runs in rounds]
    if runs[0]["digest"] is None:
        return ["", ""]  # gensim's threads race: not reproducible, and not asked
    again = all(run["digest"] == run["again"] for run in runs)
    equal = all(run["digest"] == runs_of_round[one_thread]["digest"] for run, runs_of_round in zip(runs, rounds))
    return ["yes" if again else "NO", "yes" if equal else "no"]


def spread(ratios: list[float]) -> str:
    """The median ratio, and with several rounds its range: '1.02 (0.91-1.10)'."""
    text = f"{statistics.median(ratios):.2f}"
    return text + (f" ({min(ratios):.2f}-{max(ratios):.2f})" if len(ratios) > 1 else "")


def model_of(config: dict) -> str:
    return "fasttext" if config.get("model") == "fasttext" else "skipgram" if config["sg"] else "cbow"


def describe(config: dict) -> str:
    name = f"{config['system']} {'skip-gram' if config['sg'] else 'CBOW'}"
    if config.get("model") == "fasttext":
        name += " + n-grams"
    name += f" {'workers' if config['system'] == 'gensim' else 'threads'}={config['workers']}"
    if config.get("shared_negatives"):
        name += " shared_negatives"
    return name


if __name__ == "__main__":
    main()
