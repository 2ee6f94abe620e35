"""Quality parity: minembed.predicting.word2vec against gensim 4 with the same hyperparameters, over seeds.

For each corpus, each architecture (skip-gram, CBOW) and each seed, trains
gensim's Word2Vec and minembed's (per-pair noise words, and for skip-gram also
`shared_negatives=True`) with d=100, window 5, negative 5, sample 1e-3,
min_count 5, 5 epochs, alpha 0.025 -> 0.0001, and scores all of them with the
same evaluator (minembed.vectors.evaluate, which reproduces gensim's
evaluate_word_pairs / evaluate_word_analogies):

    WordSim353 Spearman, SimLex-999 Spearman, Google analogy accuracy (3CosAdd),

each restricted to the words both vocabularies share (the vocabularies are the
same up to the order of tied counts, so this restricts nothing in practice).
The verdict column says, per metric, whether minembed's mean lies within
gensim's spread [gensim min - gensim std, gensim max + gensim std] over the
seeds ("yes"), above it or BELOW it.

    python benchmarks/parity_word2vec.py                       # both corpora, 3 seeds (~1.5 h)
    python benchmarks/parity_word2vec.py --corpus wiki --seeds 0   # a quick look (~1 min)
    python benchmarks/parity_word2vec.py --corpus wordnet          # WordNet glosses only (~15 min)
    python benchmarks/parity_word2vec.py --corpus dictionary --sentence-order shuffled

Sentence order. gensim trains on the sentences in the order given, one
update after another; minembed's minibatches draw their centre words from
random blocks of each 262,144-token chunk (see shuffled_positions in
minembed/predicting/word2vec.py), so it sees a less topic-correlated stream whatever the
corpus order. The dictionary corpus is ordered by headword, so neighbouring
glosses share topics. `--sentence-order shuffled` permutes the sentences once
per seed (numpy.random.default_rng(1000 + seed)) and gives every system the
same permuted list: the comparison then no longer depends on the file order.
The Wikipedia sample has no sentence breaks (116 "sentences" of up to 10,000
tokens, gensim's limit), so permuting it changes little; `--split-sentences N`
first cuts every sentence into pieces of N tokens (the last one shorter), for
every system alike (pairs that would straddle a cut are lost for all of them).
Measured here (skip-gram, seeds 0-2, with the C tool's smaller start for W,
[-0.5/D, 0.5/D)): on the dictionary corpus in file order minembed was above
gensim's spread on WordSim353 and SimLex-999 (0.593 and 0.343 against
0.577±0.006 and 0.331±0.003); shuffled, gensim rose to 0.586±0.011 and
0.337±0.003 and minembed (0.592, 0.343) was within on all three scores. The
Wikipedia sample, in 32-token pieces shuffled: within on all three (0.254
against 0.256±0.007 on WordSim353).

Then minembed took gensim 4's start, W uniform in [-1/D, 1/D): over 10 seeds
of CBOW on the Wikipedia sample (--split-sentences 32 --sentence-order
shuffled --gensim-workers 1) the C tool's start had given SimLex-999
0.056±0.019 and analogies 0.006±0.001 against gensim's 0.032±0.018 and
0.009±0.001; gensim 4's start gives 0.035±0.017 and 0.009±0.001 (WordSim353
0.170±0.025 against 0.181±0.022). Dictionary corpus, shuffled, seeds 0-2:
skip-gram 0.597 / 0.345 / 0.160 against gensim 0.589±0.005 / 0.333±0.002 /
0.160±0.001 (SimLex-999 above, as it was, by ~0.01, with either start; trained
one pair at a time from minembed's start, benchmarks/sequential_sgns.py, it scores
0.587 / 0.335 / 0.158, gensim's figures: the ~0.01 comes from the minibatches); CBOW
0.507 / 0.247 / 0.131 against 0.496±0.007 / 0.243±0.004 / 0.135±0.002, within.
The Wikipedia sample's scores move by ±0.02 from seed to seed, so 3 seeds
give gensim a narrow or a wide spread by chance: --seeds 0 1 2 3 4 5 6 7 8 9
settles a verdict there.

Then skip-gram began to walk each centre's output row through its pairs
(minembed/predicting/negative_sampling.py, walk_observed_rows; benchmarks/sequential_sgns.py
found that row to be the whole ~0.01). Dictionary corpus, shuffled, seeds 0-4
(--corpus dictionary --sentence-order shuffled --architectures sg
--no-shared-negatives --seeds 0 1 2 3 4): minembed 0.589±0.003 / 0.337±0.006 /
0.164±0.002 against gensim 0.590±0.004 / 0.331±0.005 / 0.159±0.002 [0.155,
0.161]: within on WordSim353 and SimLex-999, above on analogies by 0.001, with
gensim on 2 workers. In an earlier run of seeds 0-2 (the same minembed vectors)
2-worker gensim's analogies were 0.169, 0.160 and 0.157 and its SimLex-999
0.335-0.338: minembed within on analogies, above on SimLex-999 by 0.0001. Two
threads do not repeat a run, so gensim now trains on one worker by default,
which does. With it, seeds 0-4: gensim 0.589±0.009 / 0.337±0.003 / 0.155±0.004
[0.148, 0.160], minembed within on all three (seeds 0-2 alone: within on all
three as well). minembed's analogies stay about 0.007 above gensim's mean; with
shuffle=False (seeds 0 and 2) they were 0.158 and 0.157, so that edge comes
with the shuffled centres, which minembed keeps for topic-ordered corpora.
Wikipedia sample, 32-token pieces shuffled, seeds 0-9 (gensim on 2 workers):
within on all three (0.264 / 0.129 / 0.023 against 0.257±0.006 / 0.122±0.008 /
0.024±0.001).

The dictionary corpus (WordNet glosses + GCIDE, 5.5M tokens) needs the Debian
packages wordnet-base and dict-gcide; "wordnet" needs only wordnet-base.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from minembed.data import datasets
from minembed.vectors.evaluate import analogy_accuracy, dataset_path, word_pair_similarity
from minembed.predicting.word2vec import Word2Vec

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, alpha=0.025, min_alpha=0.0001)
CORPORA = {"wiki": datasets.wikipedia_sample, "wordnet": datasets.wordnet_glosses,
           "dictionary": datasets.dictionary_corpus}
METRICS = ("wordsim353", "simlex999", "analogies")


def load_corpus(name: str, cache_dir: Path) -> list[list[str]]:
    """Tokenised corpus, cached without pickle (see minembed.data.datasets.cached_corpus)."""
    return datasets.cached_corpus(name, cache_dir)


class Table:  # words + vectors, what the evaluator needs
    def __init__(self, words, vectors):
        self.words, self.vectors = list(words), np.asarray(vectors, dtype=np.float32)

    def restricted_to(self, keep: set[str]) -> Table:
        rows = [i for i, w in enumerate(self.words) if w in keep]
        return Table([self.words[i] for i in rows], self.vectors[rows])


def in_order(sentences: list, order: str, seed: int) -> list:
    """The sentences as given ("corpus") or permuted once for this seed ("shuffled")."""
    if order == "corpus":
        return sentences
    permutation = np.random.default_rng(1000 + seed).permutation(len(sentences))
    return [sentences[i] for i in permutation]


def split_sentences(sentences: list, n: int) -> list:
    """Every sentence cut into pieces of n tokens, the last one shorter (n = 0: unchanged)."""
    return [s[i:i + n] for s in sentences for i in range(0, len(s), n)] if n else sentences


def scores(table: Table) -> dict[str, float]:
    return {
        "wordsim353": word_pair_similarity(table, dataset_path("wordsim353.tsv")).spearman,
        "simlex999": word_pair_similarity(table, dataset_path("simlex999.txt")).spearman,
        "analogies": analogy_accuracy(table, dataset_path("questions-words.txt")).accuracy,
    }


def train_gensim(sentences, sg: int, seed: int, workers: int) -> tuple[Table, float]:
    from gensim.models import Word2Vec as GensimWord2Vec

    started = time.perf_counter()
    model = GensimWord2Vec(sentences, sg=sg, seed=seed, workers=workers, **PARAMS)
    return Table(model.wv.index_to_key, model.wv.vectors), time.perf_counter() - started


def train_minembed(sentences, sg: int, seed: int, shared: bool, batch_size: int | None = None) -> tuple[Table, float]:
    started = time.perf_counter()
    minibatch = {} if batch_size is None else {"batch_size": batch_size}  # None: Word2VecConfig's default
    model = Word2Vec(sg=sg, seed=seed, shared_negatives=shared, **PARAMS, **minibatch).fit(sentences)
    return Table(model.vocab.words, model.W), time.perf_counter() - started


def within_spread(values: np.ndarray, reference: np.ndarray) -> str:
    """"yes" if the mean of `values` lies in [min - std, max + std] of `reference`, else "above" or "BELOW"."""
    low, high = reference.min() - reference.std(), reference.max() + reference.std()
    return "yes" if low <= values.mean() <= high else ("above" if values.mean() > high else "BELOW")


def summarise(results: dict, systems: list[str]) -> str:
    lines = [f"{'system':<26}" + "".join(f"{m + ' mean±std [min, max]':>36}" for m in METRICS) + "   within gensim's spread"]
    reference = results["gensim"]
    for system in systems:
        values = results[system]
        cells, verdicts = [], []
        for metric in METRICS:
            x = np.array([v[metric] for v in values])
            cells.append(f"{x.mean():.3f}±{x.std():.3f} [{x.min():.3f}, {x.max():.3f}]")
            verdicts.append(within_spread(x, np.array([v[metric] for v in reference])))
        verdict = "-" if system == "gensim" else " ".join(verdicts)
        lines.append(f"{system:<26}" + "".join(f"{c:>36}" for c in cells) + f"   {verdict}")
    return "\n".join(lines)


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
    parser.add_argument("--batch-size", type=int, default=None,
                        help="minembed's centre words per minibatch (default: Word2VecConfig's)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/minembed-bench-cache"))
    parser.add_argument("--json", type=Path, help="also write every score here")
    args = parser.parse_args()
    logging.getLogger("gensim").setLevel(logging.WARNING)

    corpora = ["wiki", "dictionary"] if args.corpus == "both" else [args.corpus]
    everything = {}
    for corpus in corpora:
        corpus_sentences = load_corpus(corpus, args.cache_dir)
        corpus_sentences = split_sentences(corpus_sentences, args.split_sentences)
        print(f"\n=== {corpus}: {len(corpus_sentences):,} sentences, {sum(map(len, corpus_sentences)):,} tokens; "
              f"{PARAMS}; seeds {args.seeds}; gensim workers={args.gensim_workers}; "
              f"sentence order: {args.sentence_order}"
              + (f", minembed batch_size {args.batch_size}" if args.batch_size else "")
              + (f", split into {args.split_sentences}-token pieces" if args.split_sentences else ""), flush=True)
        for architecture in args.architectures:
            sg = int(architecture == "sg")
            shared_too = sg and not args.no_shared_negatives
            systems = ["gensim", "minembed"] + (["minembed shared_negatives"] if shared_too else [])
            results = {s: [] for s in systems}
            for seed in args.seeds:
                sentences = in_order(corpus_sentences, args.sentence_order, seed)
                gensim_table, gensim_seconds = train_gensim(sentences, sg, seed, args.gensim_workers)
                trained = {"gensim": (gensim_table, gensim_seconds),
                           "minembed": train_minembed(sentences, sg, seed, False, args.batch_size)}
                if shared_too:
                    trained["minembed shared_negatives"] = train_minembed(sentences, sg, seed, True, args.batch_size)
                shared_vocabulary = set.intersection(*(set(t.words) for t, _ in trained.values()))
                for system, (table, seconds) in trained.items():
                    row = scores(table.restricted_to(shared_vocabulary))
                    row.update(seed=seed, seconds=round(seconds, 1), vocabulary=len(shared_vocabulary))
                    results[system].append(row)
                    print(f"  {architecture} seed {seed} {system:<26} " + "  ".join(
                        f"{m} {row[m]:.4f}" for m in METRICS) + f"  ({seconds:.0f} s)", flush=True)
            print(f"\n{corpus} / {architecture}:\n" + summarise(results, systems) + "\n", flush=True)
            everything[f"{corpus}/{architecture}"] = results
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))


if __name__ == "__main__":
    sys.exit(main())
