"""minembed.predicting.subword against gensim 4's FastText: training speed and unseen words' neighbours.

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
    python benchmarks/bench_subword.py --epochs 5 --quality-seeds 3 --quality-only \
        --sentence-order shuffled --unshuffled-minembed

--quality-seeds N trains N more models of each (seeds 0..N-1, gensim with
workers=1) and prints WordSim353 Spearman and syntactic analogy accuracy (the
"gram" sections of questions-words.txt) through minembed.vectors.evaluate, which
reproduces gensim's evaluate_word_pairs / evaluate_word_analogies, with
parity_word2vec.py's verdict: is minembed's mean within gensim's spread
[min - std, max + std] over the seeds.
--sentence-order shuffled gives both the same once-permuted sentence list
(see benchmarks/parity_word2vec.py), --unshuffled-minembed adds minembed with
shuffle=False: together they show how much of a gap comes from update order.

All runs share one process, one after another, with OPENBLAS_NUM_THREADS=1
(minembed on one core, like gensim's workers=1). gensim's n-gram neighbours
also average n-gram rows that no training word used (their random initial
values); minembed skips those (see minembed/predicting/subword.py), so the lists can
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

import numpy as np  # noqa: E402

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, alpha=0.025, min_alpha=0.0001,
              min_n=3, max_n=6, bucket=2_000_000)
# words with relatives in the sample (philosopher 73, mathematics 42, ...), removed before training
HELD_OUT = ["philosophers", "mathematical", "universities", "scientists", "anarchists", "americans",
            "revolutionary", "astronomers", "linguistic", "governments"]


sys.path.insert(0, str(Path(__file__).parent))  # the sibling scripts' helpers
from parity_word2vec import Table, in_order, load_corpus, split_sentences, within_spread  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/minembed-bench-cache"))
    parser.add_argument("--topn", type=int, default=5)
    parser.add_argument("--quality-seeds", type=int, default=0)
    parser.add_argument("--quality-only", action="store_true", help="skip the speed runs and the neighbours")
    parser.add_argument("--sentence-order", choices=["corpus", "shuffled"], default="corpus",
                        help="for the quality runs: shuffled = the sentences permuted once per seed, the same "
                             "order for both (see benchmarks/parity_word2vec.py)")
    parser.add_argument("--split-sentences", type=int, default=0, metavar="N",
                        help="for the quality runs: cut every sentence into pieces of N tokens first, as "
                             "benchmarks/parity_word2vec.py does (0: keep them whole)")
    parser.add_argument("--unshuffled-minembed", action="store_true",
                        help="also train minembed with shuffle=False (consecutive centre words in each minibatch)")
    args = parser.parse_args()

    held_out = set(HELD_OUT)
    sentences = [[w for w in s if w not in held_out] for s in load_corpus("wiki", args.cache_dir)]
    print(f"Wikipedia sample: {sum(map(len, sentences)):,} tokens after removing {len(HELD_OUT)} held-out "
          f"words; {args.epochs} epoch(s); {PARAMS}; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}\n",
          flush=True)
    if args.quality_only:
        return quality(sentences, args)

    from minembed.predicting.subword import FastText

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
        quality(sentences, args)


def fasttext_scores(table: Table) -> dict[str, float]:
    """WordSim353 Spearman and accuracy on the syntactic ("gram") sections of questions-words.txt."""
    from minembed.vectors.evaluate import analogy_accuracy, dataset_path, word_pair_similarity

    sections = analogy_accuracy(table, dataset_path("questions-words.txt")).sections
    syntactic = [s for s in sections if s["section"].startswith("gram")]
    return {"wordsim353": word_pair_similarity(table, dataset_path("wordsim353.tsv")).spearman,
            "syntactic": sum(s["correct"] for s in syntactic) / max(sum(s["answered"] for s in syntactic), 1)}


def quality(sentences, args) -> None:
    from gensim.models import FastText as GensimFastText

    from minembed.predicting.subword import FastText

    def scores(words, vectors) -> tuple[float, float]:
        return tuple(fasttext_scores(Table(words, vectors)).values())

    seeds, epochs = args.quality_seeds, args.epochs
    pieces = split_sentences(sentences, args.split_sentences)
    print(f"\nquality over seeds 0..{seeds - 1}, {epochs} epoch(s), sentence order: {args.sentence_order}"
          + (f", in {args.split_sentences}-token pieces" if args.split_sentences else "") + ": "
          "WordSim353 Spearman, syntactic analogy accuracy")
    variants = {"minembed": {}, **({"minembed shuffle=False": {"shuffle": False}} if args.unshuffled_minembed else {})}
    results = {name: [] for name in ["gensim", *variants]}
    for seed in range(seeds):
        ordered = in_order(pieces, args.sentence_order, seed)
        gensim_wv = GensimFastText(ordered, sg=1, workers=1, seed=seed, epochs=epochs, **PARAMS).wv
        results["gensim"].append(scores(gensim_wv.index_to_key, gensim_wv.vectors))
        for name, overrides in variants.items():
            wv = FastText(epochs=epochs, seed=seed, **PARAMS, **overrides).fit(ordered).wv
            results[name].append(scores(wv.words, wv.vectors))
        print(f"  seed {seed}: " + "   ".join(f"{name} {rows[-1][0]:.3f} {rows[-1][1]:.3f}"
                                            for name, rows in results.items()), flush=True)
    reference = np.array(results["gensim"])  # (seeds, 2)
    for name, rows in results.items():
        values = np.array(rows)  # (seeds, 2): WordSim353, syntactic analogies
        cells = [f"{metric} {column.mean():.3f}±{column.std():.3f} [{column.min():.3f}, {column.max():.3f}]"
                 for metric, column in zip(["WordSim353", "syntactic analogies"], values.T)]
        verdict = "" if name == "gensim" else "   within gensim's spread: " + " ".join(
            within_spread(column, gensim_column) for column, gensim_column in zip(values.T, reference.T))
        print(f"  {name:<23} " + "   ".join(cells) + verdict)


if __name__ == "__main__":
    main()
