"""minembed.subword against gensim 4's FastText: training speed and unseen words' neighbours.

Both train skip-gram with character 3..6-grams (bucket 2,000,000) and the
word2vec parity hyperparameters (d=100, window 5, negative 5, sample 1e-3,
min_count 5, alpha 0.025) for `--epochs` passes over gensim's Wikipedia sample,
with the HELD_OUT words deleted from every sentence first. Reported:

    words/s    effective words (after subsampling: gensim's `trained_word_count`,
               minembed's `effective_words`) / seconds of training, as gensim logs it
    neighbours the 5 nearest vocabulary words of each held-out word's vector (the
               mean of its n-gram vectors), minembed beside gensim

    python benchmarks/bench_subword.py                 # 1 epoch, ~2 min
    python benchmarks/bench_subword.py --epochs 5
    python benchmarks/bench_subword.py --epochs 5 --quality-seeds 3

--quality-seeds N trains N more models of each (seeds 0..N-1, gensim with
workers=1) and prints WordSim353 Spearman and syntactic analogy accuracy (the
"gram" sections of questions-words.txt) through minembed.evaluate, which
reproduces gensim's evaluate_word_pairs / evaluate_word_analogies.

All runs share one process, one after another, with OPENBLAS_NUM_THREADS=1
(minembed on one core, like gensim's workers=1). gensim's n-gram neighbours
also average n-gram rows that no training word used (their random initial
values); minembed skips those (see minembed/subword.py), so the lists can
differ for that reason as well as from training noise.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, alpha=0.025, min_alpha=0.0001,
              min_n=3, max_n=6, bucket=2_000_000)
# words with relatives in the sample (philosopher 73, mathematics 42, ...), removed before training
HELD_OUT = ["philosophers", "mathematical", "universities", "scientists", "anarchists", "americans",
            "revolutionary", "astronomers", "linguistic", "governments"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/minembed-bench-cache"))
    parser.add_argument("--topn", type=int, default=5)
    parser.add_argument("--quality-seeds", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from parity_word2vec import load_corpus

    held_out = set(HELD_OUT)
    sentences = [[w for w in s if w not in held_out] for s in load_corpus("wiki", args.cache_dir)]
    print(f"Wikipedia sample: {sum(map(len, sentences)):,} tokens after removing {len(HELD_OUT)} held-out "
          f"words; {args.epochs} epoch(s); {PARAMS}; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}\n",
          flush=True)

    from minembed.subword import FastText

    model = FastText(epochs=args.epochs, seed=0, **PARAMS).fit(sentences)
    runs = {"minembed": (model.words_per_second, model.train_seconds, model.wv)}
    print(f"  minembed                {runs['minembed'][0]:>10,.0f} words/s {runs['minembed'][1]:7.1f} s "
          f"(vocabulary {len(model.vocab):,}, {len(model.N):,} n-gram rows used)", flush=True)

    from gensim.models import FastText as GensimFastText

    logging.getLogger("gensim").setLevel(logging.WARNING)
    for workers in (1, 2):
        gensim_model = GensimFastText(sg=1, workers=workers, seed=0, epochs=args.epochs, **PARAMS)
        gensim_model.build_vocab(sentences)
        started = time.perf_counter()
        effective, _ = gensim_model.train(sentences, total_examples=gensim_model.corpus_count, epochs=args.epochs)
        seconds = time.perf_counter() - started
        runs[f"gensim w{workers}"] = (effective / seconds, seconds, gensim_model.wv)
        print(f"  gensim workers={workers}        {effective / seconds:>10,.0f} words/s {seconds:7.1f} s", flush=True)

    rate = runs["minembed"][0]
    print(f"\nminembed / gensim workers=1: {rate / runs['gensim w1'][0]:.2f}x; "
          f"/ workers=2: {rate / runs['gensim w2'][0]:.2f}x\n")

    ours, theirs = runs["minembed"][2], runs["gensim w1"][2]
    print(f"nearest {args.topn} vocabulary words of each held-out word (minembed | gensim workers=1):")
    for word in HELD_OUT:
        assert word not in ours and word not in theirs.key_to_index
        left = ", ".join(f"{w} {s:.3f}" for w, s in ours.most_similar(word, topn=args.topn))
        right = ", ".join(f"{w} {s:.3f}" for w, s in theirs.most_similar(word, topn=args.topn))
        print(f"  {word:<14} {left}\n  {'':<14} | {right}")
    if args.quality_seeds:
        quality(sentences, args.epochs, args.quality_seeds)


def quality(sentences, epochs: int, seeds: int) -> None:
    from gensim.models import FastText as GensimFastText

    from minembed.evaluate import analogy_accuracy, dataset_path, word_pair_similarity
    from minembed.subword import FastText

    def scores(words, vectors) -> tuple[float, float]:
        table = Table(words, vectors)
        sections = analogy_accuracy(table, dataset_path("questions-words.txt")).sections
        syntactic = [s for s in sections if s["section"].startswith("gram")]
        answered = sum(s["answered"] for s in syntactic)
        return (word_pair_similarity(table, dataset_path("wordsim353.tsv")).spearman,
                sum(s["correct"] for s in syntactic) / max(answered, 1))

    print(f"\nquality over seeds 0..{seeds - 1}, {epochs} epoch(s): WordSim353 Spearman, syntactic analogy accuracy")
    results = {"minembed": [], "gensim": []}
    for seed in range(seeds):
        wv = FastText(epochs=epochs, seed=seed, **PARAMS).fit(sentences).wv
        results["minembed"].append(scores(wv.words, wv.vectors))
        gensim_wv = GensimFastText(sentences, sg=1, workers=1, seed=seed, epochs=epochs, **PARAMS).wv
        results["gensim"].append(scores(gensim_wv.index_to_key, gensim_wv.vectors))
        print(f"  seed {seed}: minembed {results['minembed'][-1][0]:.3f} {results['minembed'][-1][1]:.3f}   "
              f"gensim {results['gensim'][-1][0]:.3f} {results['gensim'][-1][1]:.3f}", flush=True)
    for name, rows in results.items():
        wordsim, syntactic = zip(*rows)
        print(f"  {name:<9} WordSim353 {min(wordsim):.3f}..{max(wordsim):.3f}   "
              f"syntactic analogies {min(syntactic):.3f}..{max(syntactic):.3f}")


class Table:  # words + vectors, what minembed.evaluate needs
    def __init__(self, words, vectors):
        self.words, self.vectors = list(words), vectors


if __name__ == "__main__":
    main()
