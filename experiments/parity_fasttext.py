"""Quality parity: does minembed's FastText score within gensim 4's FastText spread over seeds, and what do
words it never saw look like?

Both train skip-gram with character 3..6-grams (bucket 2,000,000) and the
word2vec parity hyperparameters (d=100, window 5, negative 5, sample 1e-3,
min_count 5, alpha 0.025 -> 0.0001, --epochs passes; gensim on one worker) on
gensim's Wikipedia sample with the HELD_OUT words deleted from every sentence,
for each seed. Scored with minembed.vectors.evaluate (gensim's evaluation):
WordSim353 Spearman and accuracy on the syntactic ("gram") sections of
questions-words.txt, where n-grams matter most, with parity_word2vec's verdict:
is minembed's mean within gensim's spread [min - std, max + std] over the seeds.
Then the first seed's models list the 5 nearest vocabulary words of each
held-out word (the mean of its n-gram vectors), minembed beside gensim.

    python -m experiments.parity_fasttext --seeds 0 --epochs 1     # a quick look (~3 min)
    python -m experiments.parity_fasttext --seeds 0 1 2 3 4 5 6 7 --split-sentences 32 \\
        --sentence-order shuffled --write-results fasttext-wiki   # ~1 h

--sentence-order and --split-sentences as in experiments/parity_word2vec.py;
--unshuffled-minembed adds minembed with shuffle=False (consecutive centre words
in each minibatch): beside the shuffled run it shows what update order does.

gensim's n-gram neighbours also average n-gram rows that no training word used
(their random initial values); minembed skips those (see
minembed/predicting/subword.py), so the lists can differ for that reason as
well as from training noise. Training speed against gensim FastText is
benchmarks/bench_word2vec.py's fastText rows.

Results: experiments/RESULTS.md#fasttext-wiki
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS: one core, as gensim's one worker

import argparse  # noqa: E402
import logging  # noqa: E402

from benchmarks.common import SUBWORDS, corpus, markdown_table  # noqa: E402
from experiments.common import (  # noqa: E402
    FASTTEXT_METRICS, HELD_OUT, PARAMS, Table, add_results_argument, fasttext_scores, in_order, split_sentences,
    spread_table, write_results,
)

QUESTION = ("Does minembed's FastText score within gensim 4's FastText spread over seeds (WordSim353, syntactic "
            "analogies), and what are the nearest words of words it never saw?")
TOPN = 5  # neighbours listed per held-out word


def neighbours(wv, word: str) -> str:
    """"philosopher 0.812, ..." for any library's vectors that answer most_similar(word, topn)."""
    return ", ".join(f"{w} {s:.3f}" for w, s in wv.most_similar(word, topn=TOPN))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=PARAMS["epochs"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--sentence-order", choices=["corpus", "shuffled"], default="corpus",
                        help="shuffled: the sentences permuted once per seed, the same order for both")
    parser.add_argument("--split-sentences", type=int, default=0, metavar="N",
                        help="cut every sentence into pieces of N tokens first (0: keep them whole)")
    parser.add_argument("--c-tool-order", action="store_true",
                        help="also train minembed with c_tool_order=True (each centre's output row moved after "
                             "every pair, as fastText; minembed/predicting/walk.py)")
    parser.add_argument("--unshuffled-minembed", action="store_true",
                        help="also train minembed with shuffle=False (consecutive centre words in each minibatch)")
    add_results_argument(parser)
    args = parser.parse_args()
    logging.getLogger("gensim").setLevel(logging.WARNING)

    from gensim.models import FastText as GensimFastText

    from minembed.predicting.subword import FastText

    held_out = set(HELD_OUT)
    sentences = split_sentences([[w for w in s if w not in held_out] for s in corpus("wiki")], args.split_sentences)
    settings = {**PARAMS, **SUBWORDS, "epochs": args.epochs}
    setting = (f"Wikipedia sample: {sum(map(len, sentences)):,} tokens after removing {len(HELD_OUT)} held-out "
               f"words; seeds {' '.join(map(str, args.seeds))}; gensim workers=1; sentence order: "
               f"{args.sentence_order}" + (f", cut into {args.split_sentences}-token pieces"
                                           if args.split_sentences else ""))
    print(f"{setting}; {settings}; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}", flush=True)

    variants = {"minembed": {}, **({"minembed shuffle=False": {"shuffle": False}} if args.unshuffled_minembed else {}),
                **({"minembed c_tool_order": {"c_tool_order": True}} if args.c_tool_order else {})}
    results: dict[str, list[dict]] = {name: [] for name in ["gensim", *variants]}
    first: dict = {}  # the first seed's vectors, for the neighbours
    for seed in args.seeds:
        ordered = in_order(sentences, args.sentence_order, seed)
        trained = {"gensim": GensimFastText(ordered, sg=1, workers=1, seed=seed, **settings).wv}
        for name, overrides in variants.items():
            trained[name] = FastText(**settings, seed=seed, **overrides).fit(ordered).wv
        for name, wv in trained.items():
            words = wv.index_to_key if name == "gensim" else wv.words
            results[name].append(fasttext_scores(Table(words, wv.vectors)))
        first = first or trained
        print(f"  seed {seed}: " + "   ".join(f"{name} " + " ".join(f"{v:.3f}" for v in rows[-1].values())
                                            for name, rows in results.items()), flush=True)

    table = spread_table(results, FASTTEXT_METRICS)
    ours, theirs = first["minembed"], first["gensim"]
    for word in HELD_OUT:  # never seen in training: their vectors come from n-grams alone
        assert word not in ours and word not in theirs.key_to_index
    words = markdown_table(["held-out word", "vectors", f"nearest {TOPN}"],
                           [[word, system, neighbours(wv, word)] for word in HELD_OUT
                            for system, wv in (("minembed", ours), ("gensim", theirs))])
    text = (f"{table}\n\nNearest {TOPN} vocabulary words of each held-out word (seed {args.seeds[0]}):\n\n{words}")
    print("\n" + text)
    if args.write_results:
        write_results(args.write_results, QUESTION, f"{setting}.\nSettings: {settings}.", text)


if __name__ == "__main__":
    main()
