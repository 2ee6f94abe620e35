"""Speed and peak memory: minembed.predicting.word2vec and minembed.predicting.subword against gensim 4's Word2Vec and
FastText (workers=1 and workers=2), one run each.

Every configuration trains in its own fresh Python process on the same
tokenised corpus (loaded from the .npz cache before the clock starts), with the
parity hyperparameters (d=100, window 5, negative 5, sample 1e-3, min_count 5);
the "+ n-grams" rows add fastText's character 3..6-grams in 2,000,000 buckets.
Reported per run:

    words/s   effective words (after subsampling: gensim's `trained_word_count`,
              minembed's `effective_words`) / seconds of training, as gensim logs it
    peak MB   highest resident memory above the process's size once the corpus
              was loaded (sampled every 2 ms), so vocabulary building,
              the vectors, the encoded corpus and the minibatch temporaries count

With --rounds N every configuration runs N times, round after round, and the
table shows medians: words/s and peak MB over the rounds, and each ratio as the
median of the ratios within a round (each against the peer run of the same
round, so a slow spell of the host weighs on both), with their range.

    python benchmarks/bench_word2vec.py                         # dictionary corpus, 1 epoch (~6 min)
    python benchmarks/bench_word2vec.py --rounds 3 --models skipgram cbow   # ~8 min
    python benchmarks/bench_word2vec.py --corpus wiki --epochs 5

The dictionary corpus (WordNet glosses + GCIDE) needs the Debian packages
wordnet-base and dict-gcide; the corpus is cached like parity_word2vec.py's.
Every run has OPENBLAS_NUM_THREADS=1 (minembed on one core, like gensim's
workers=1). The machine's other load moves these numbers: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, alpha=0.025, min_alpha=0.0001)
CONFIGS = [
    dict(system="minembed", sg=1),
    dict(system="minembed", sg=1, shared_negatives=True),
    dict(system="gensim", sg=1, workers=1),
    dict(system="gensim", sg=1, workers=2),
    dict(system="minembed", sg=0),
    dict(system="gensim", sg=0, workers=1),
    dict(system="gensim", sg=0, workers=2),
    dict(system="minembed", sg=1, model="fasttext"),
    dict(system="gensim", sg=1, model="fasttext", workers=1),
    dict(system="gensim", sg=1, model="fasttext", workers=2),
]
MODELS = ("skipgram", "cbow", "fasttext")  # --models picks rows by these
SUBWORDS = dict(min_n=3, max_n=6, bucket=2_000_000)  # the fastText rows: skip-gram + character 3..6-grams


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakMemory:
    """Samples the resident set size in a thread; .peak is the highest seen above the start."""

    def __init__(self, every: float = 0.002) -> None:
        self.start = self.highest = resident_mb()
        self.every, self.running = every, True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            self.highest = max(self.highest, resident_mb())
            time.sleep(self.every)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        self.highest = max(self.highest, resident_mb())
        return self.highest - self.start


def child(config: dict, corpus: str, epochs: int, cache_dir: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    from parity_word2vec import load_corpus

    sentences = load_corpus(corpus, cache_dir)
    tokens = sum(map(len, sentences))
    memory = PeakMemory()
    if config["system"] == "gensim":
        import logging

        from gensim.models import FastText as GensimFastText
        from gensim.models import Word2Vec as GensimWord2Vec

        logging.getLogger("gensim").setLevel(logging.WARNING)
        if config.get("model") == "fasttext":
            model = GensimFastText(sg=1, workers=config["workers"], seed=0, epochs=epochs, **PARAMS, **SUBWORDS)
        else:
            model = GensimWord2Vec(sg=config["sg"], workers=config["workers"], seed=0, epochs=epochs, **PARAMS)
        model.build_vocab(sentences)
        started = time.perf_counter()
        effective, _ = model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
        seconds = time.perf_counter() - started
        vocabulary = len(model.wv)
    else:
        from minembed.predicting.subword import FastText
        from minembed.predicting.word2vec import Word2Vec

        if config.get("model") == "fasttext":
            model = FastText(seed=0, epochs=epochs, **PARAMS, **SUBWORDS).fit(sentences)
        else:
            model = Word2Vec(sg=config["sg"], shared_negatives=config.get("shared_negatives", False), seed=0,
                             epochs=epochs, **PARAMS).fit(sentences)
        effective, seconds, vocabulary = sum(model.effective_words), model.train_seconds, len(model.vocab)
    peak = memory.stop()
    # what minembed must hold: W and C (and the used n-gram rows), the int32 corpus ids (+ int64 offsets), and one minibatch
    budget = (2 * vocabulary * PARAMS["vector_size"] * 4 + 4 * tokens + 8 * len(sentences)) / 2**20
    if config["system"] == "minembed" and config.get("model") == "fasttext":  # + the n-gram rows it keeps
        budget += model.N.nbytes / 2**20
    return dict(config=config, effective_words=int(effective), seconds=seconds, words_per_second=effective / seconds,
                peak_mb=peak, vocabulary=vocabulary, tokens=tokens, budget_mb=budget)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["wiki", "wordnet", "dictionary"], default="dictionary")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/minembed-bench-cache"))
    parser.add_argument("--rounds", type=int, default=1, help="run every configuration this many times")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    if args.child:
        print(json.dumps(child(json.loads(args.child), args.corpus, args.epochs, args.cache_dir)))
        return

    # one BLAS thread: minembed then uses one core, as gensim's workers=1 does (gensim's
    # own BLAS calls are single-vector and single-threaded either way); without this,
    # OpenBLAS threads in minembed's small batched matmuls stall on a loaded machine
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    configs = [config for config in CONFIGS if model_of(config) in args.models]
    print(f"corpus {args.corpus}, {args.epochs} epoch(s), {PARAMS}, OPENBLAS_NUM_THREADS=1", flush=True)
    rounds = []  # rounds[r][i]: the run of configs[i] in round r
    for number in range(args.rounds):
        if args.rounds > 1:
            print(f"round {number + 1} of {args.rounds}", flush=True)
        runs = []
        for config in configs:
            output = subprocess.run([sys.executable, __file__, "--corpus", args.corpus, "--epochs", str(args.epochs),
                                     "--cache-dir", str(args.cache_dir), "--child", json.dumps(config)],
                                    check=True, capture_output=True, text=True, env=environment).stdout
            run = json.loads(output.strip().splitlines()[-1])
            runs.append(run)
            print(f"  {describe(config):<34} {run['words_per_second']:>10,.0f} words/s  {run['seconds']:7.1f} s  "
                  f"peak +{run['peak_mb']:7.1f} MB", flush=True)
        rounds.append(runs)

    first = rounds[0][0]
    print(f"\n{first['tokens']:,} tokens, vocabulary {first['vocabulary']:,}; minembed's memory budget "
          f"(W + C + corpus ids) = {first['budget_mb']:.1f} MB" + (f"; medians of {args.rounds} rounds, "
          "ratios with their range over the rounds" if args.rounds > 1 else "") + "\n")
    print(f"{'configuration':<34}{'words/s':>12}{'x gensim w1':>19}{'x gensim w2':>19}{'peak MB':>10}"
          f"{'x gensim w1':>13}{'x budget':>10}")
    for i, config in enumerate(configs):
        peer = dict(system="gensim", sg=config["sg"], **({"model": "fasttext"} if "model" in config else {}))
        one, two = (configs.index(dict(peer, workers=workers)) for workers in (1, 2))  # the peers' columns
        ratios = lambda key, j: [runs[i][key] / runs[j][key] for runs in rounds]  # within each round
        median = lambda key: statistics.median(runs[i][key] for runs in rounds)
        print(f"{describe(config):<34}{median('words_per_second'):>12,.0f}"
              f"{spread(ratios('words_per_second', one)):>19}{spread(ratios('words_per_second', two)):>19}"
              f"{median('peak_mb'):>10.1f}{statistics.median(ratios('peak_mb', one)):>13.2f}"
              f"{median('peak_mb') / rounds[0][i]['budget_mb']:>10.2f}")


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
    if "workers" in config:
        name += f" workers={config['workers']}"
    if config.get("shared_negatives"):
        name += " shared_negatives"
    return name


if __name__ == "__main__":
    main()
