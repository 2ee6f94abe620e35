"""Quality parity: does minembed's Word2Vec score within gensim 4's spread over seeds, with the same settings?

For each corpus, each architecture (skip-gram, CBOW) and each seed, trains
gensim's Word2Vec and minembed's (per-pair noise words, and for skip-gram also
`shared_negatives=True`) with d=100, window 5, negative 5, sample 1e-3,
min_count 5, 5 epochs, alpha 0.025 -> 0.0001, and scores all of them with the
same evaluator (minembed.vectors.evaluate, which reproduces gensim's
evaluate_word_pairs / evaluate_word_analogies): WordSim353 and SimLex-999
Spearman, Google analogy accuracy (3CosAdd), on the words both vocabularies
share. The verdict, per metric: is minembed's mean within gensim's spread
[min - std, max + std] over the seeds ("yes"), above it or BELOW it.

    python -m experiments.parity_word2vec                              # both corpora, 3 seeds (~1.5 h)
    python -m experiments.parity_word2vec --corpus wiki --seeds 0      # a quick look (~1 min)
    python -m experiments.parity_word2vec --corpus dictionary --sentence-order shuffled --architectures sg \\
        --no-shared-negatives --seeds 0 1 2 3 4 --write-results word2vec-dictionary

Sentence order: gensim trains on the sentences in the order given, one update
after another; minembed's minibatches draw their centre words from random
blocks of each chunk, so they see a less topic-correlated stream whatever the
file order. `--sentence-order shuffled` gives every system the same once-permuted
list; `--split-sentences N` first cuts the Wikipedia sample's article-long
"sentences" into N-token pieces, so that permuting them means something.
gensim trains on one worker by default: two threads do not repeat a run.

The dictionary corpus (WordNet glosses + GCIDE, 5.5M tokens) needs the Debian
packages wordnet-base and dict-gcide; "wordnet" needs only wordnet-base.

Results: experiments/RESULTS.md#word2vec-dictionary and the sections after it.
"""

from __future__ import annotations

import argparse
import logging
import time

from benchmarks.common import corpus
from experiments.common import (
    METRICS, PARAMS, Table, add_results_argument, in_order, scores, split_sentences, spread_table, write_results,
)
from minembed.predicting.word2vec import Word2Vec

QUESTION = "Does minembed's Word2Vec score within gensim 4's spread over seeds, with the same settings and scorer?"


def train_gensim(sentences, sg: int, seed: int, workers: int) -> tuple[Table, float]:
    from gensim.models import Word2Vec as GensimWord2Vec

    started = time.perf_counter()
    model = GensimWord2Vec(sentences, sg=sg, seed=seed, workers=workers, **PARAMS)
    return Table(model.wv.index_to_key, model.wv.vectors), time.perf_counter() - started


def train_minembed(sentences, sg: int, seed: int, shared: bool, batch_size: int | None = None,
                   c_tool_order: bool = False) -> tuple[Table, float]:
    started = time.perf_counter()
    minibatch = {} if batch_size is None else {"batch_size": batch_size}  # None: Word2VecConfig's default
    model = Word2Vec(sg=sg, seed=seed, shared_negatives=shared, c_tool_order=c_tool_order, **PARAMS,
                     **minibatch).fit(sentences)
    return Table(model.wv.words, model.wv.vectors), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["wiki", "wordnet", "dictionary", "both"], default="both",
                        help="both = wiki and dictionary; wordnet = the WordNet glosses alone (1.46M tokens)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--architectures", nargs="+", choices=["sg", "cbow"], default=["sg", "cbow"])
    parser.add_argument("--gensim-workers", type=int, default=1,
                        help="gensim's workers; with 2 its threads interleave differently from run to run, so its "
                             "scores (and a verdict) do not repeat")
    parser.add_argument("--sentence-order", choices=["corpus", "shuffled"], default="corpus",
                        help="shuffled: the sentences permuted once per seed, the same order for every system")
    parser.add_argument("--split-sentences", type=int, default=0, metavar="N",
                        help="cut every sentence into pieces of N tokens first (0: keep them whole)")
    parser.add_argument("--no-shared-negatives", action="store_true", help="skip the shared_negatives skip-gram")
    parser.add_argument("--c-tool-order", action="store_true",
                        help="also train skip-gram with c_tool_order=True (each centre's output row moved after "
                             "every pair, as the C tool; minembed/predicting/walk.py)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="minembed's centre words per minibatch (default: Word2VecConfig's)")
    add_results_argument(parser)
    args = parser.parse_args()
    logging.getLogger("gensim").setLevel(logging.WARNING)

    corpora = ["wiki", "dictionary"] if args.corpus == "both" else [args.corpus]
    tables = []
    for name in corpora:
        corpus_sentences = split_sentences(corpus(name), args.split_sentences)
        setting = (f"{name}: {len(corpus_sentences):,} sentences, {sum(map(len, corpus_sentences)):,} tokens; "
                   f"seeds {' '.join(map(str, args.seeds))}; gensim workers={args.gensim_workers}; "
                   f"sentence order: {args.sentence_order}"
                   + (f", minembed batch_size {args.batch_size}" if args.batch_size else "")
                   + (f", cut into {args.split_sentences}-token pieces" if args.split_sentences else ""))
        print(f"\n=== {setting}; {PARAMS}", flush=True)
        for architecture in args.architectures:
            sg = int(architecture == "sg")
            shared_too = sg and not args.no_shared_negatives
            walk_too = sg and args.c_tool_order
            systems = (["gensim", "minembed"] + (["minembed shared_negatives"] if shared_too else [])
                       + (["minembed c_tool_order"] if walk_too else []))
            results = {s: [] for s in systems}
            for seed in args.seeds:
                sentences = in_order(corpus_sentences, args.sentence_order, seed)
                gensim_table, gensim_seconds = train_gensim(sentences, sg, seed, args.gensim_workers)
                trained = {"gensim": (gensim_table, gensim_seconds),
                           "minembed": train_minembed(sentences, sg, seed, False, args.batch_size)}
                if shared_too:
                    trained["minembed shared_negatives"] = train_minembed(sentences, sg, seed, True, args.batch_size)
                if walk_too:
                    trained["minembed c_tool_order"] = train_minembed(sentences, sg, seed, False, args.batch_size,
                                                                      c_tool_order=True)
                shared_vocabulary = set.intersection(*(set(t.words) for t, _ in trained.values()))
                for system, (table, seconds) in trained.items():
                    row = scores(table.restricted_to(shared_vocabulary))
                    row.update(seed=seed, seconds=round(seconds, 1), vocabulary=len(shared_vocabulary))
                    results[system].append(row)
                    print(f"  {architecture} seed {seed} {system:<26} " + "  ".join(
                        f"{m} {row[m]:.4f}" for m in METRICS) + f"  ({seconds:.0f} s)", flush=True)
            tables.append(f"{setting}; {'skip-gram' if sg else 'CBOW'}:\n\n{spread_table(results, METRICS)}")
            print("\n" + tables[-1] + "\n", flush=True)
    if args.write_results:
        write_results(args.write_results, QUESTION, f"Settings: {PARAMS}.", "\n\n".join(tables))


if __name__ == "__main__":
    main()
