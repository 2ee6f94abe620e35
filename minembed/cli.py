"""The ``minembed`` command (also ``python -m minembed``).

    minembed demo [--out DIR]     the main job: train skip-gram on the Wikipedia
                                  sample, show neighbours, an analogy, scores and
                                  figures next to pretrained GloVe 6B 50d
    minembed neighbours WORD ...  nearest words in the pretrained GloVe 6B 50d table
    minembed info                 which top-k backend is running

Leaves out (for now): training any model on any corpus from the command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from minembed import topk


def _load_glove(limit: int | None):
    from minembed.pretrained import glove_6b_50d

    started = time.perf_counter()
    table = glove_6b_50d(limit=limit)
    print(f"loaded GloVe 6B 50d: {len(table):,} words x {table.vector_size} "
          f"in {time.perf_counter() - started:.1f} s")
    return table


def _show_neighbours(table, words, topn: int) -> None:
    for word in words:
        neighbours = table.most_similar(word, topn=topn)
        print(f"  {word:>10}: " + ", ".join(f"{w} ({s:.3f})" for w, s in neighbours))


def _train_on_wikipedia(args: argparse.Namespace):
    from minembed import datasets
    from minembed.word2vec import Word2Vec

    started = time.perf_counter()
    sentences = datasets.wikipedia_sample()
    tokens = sum(len(s) for s in sentences)
    print(f"Wikipedia sample (gensim's test data): {len(sentences):,} sentences, {tokens:,} tokens "
          f"read in {time.perf_counter() - started:.1f} s")
    print(f"training skip-gram: vector_size {args.vector_size}, window 5, negative 5, "
          f"min_count 5, {args.epochs} epochs, seed {args.seed}")
    model = Word2Vec(sg=1, vector_size=args.vector_size, window=5, negative=5, min_count=5,
                     epochs=args.epochs, seed=args.seed).fit(sentences, progress=True)
    print(f"  {len(model.vocab):,} words; loss per epoch: "
          + ", ".join(f"{loss:.3f}" for loss in model.losses)
          + f"; {model.words_per_second:,.0f} effective words/s")
    return model


def _scores(name: str, vectors) -> None:
    from minembed import evaluate

    line = f"  {name:>22}:"
    for dataset in ("wordsim353.tsv", "simlex999.txt"):
        result = evaluate.word_pair_similarity(vectors, evaluate.dataset_path(dataset), restrict_vocab=30_000)
        line += f"  {dataset.split('.')[0]} Spearman {result.spearman:.3f} ({result.oov_ratio:.0f}% OOV)"
    analogies = evaluate.analogy_accuracy(vectors, restrict_vocab=30_000)
    line += f"  analogies {analogies.accuracy:.1%} of {analogies.answered:,}"
    print(line)


def demo(args: argparse.Namespace) -> int:
    from minembed import figures

    print(f"top-k backend: {topk.BACKEND}")
    model = _train_on_wikipedia(args)
    trained = model.wv
    glove = _load_glove(None)
    probes = [w for w in ("war", "king", "music", "city", "science", "france") if w in trained]
    for name, table in (("skip-gram, Wikipedia sample", trained), ("GloVe 6B 50d (pretrained)", glove)):
        print(f"nearest neighbours, {name}:")
        _show_neighbours(table, probes, topn=6)
        print(f"analogies, {name} (3CosAdd, inputs excluded):")
        for a, b, c in [("man", "king", "woman"), ("france", "paris", "germany")]:
            if all(w in table for w in (a, b, c)):
                answer = table.most_similar(positive=[b, c], negative=[a], topn=3)
                print(f"  {a} : {b} :: {c} : " + ", ".join(f"{w} ({s:.3f})" for w, s in answer))
    print("scores (WordSim353, SimLex-999 and Google analogies, among the 30,000 most frequent words):")
    _scores("skip-gram, Wikipedia", trained)
    _scores("GloVe 6B 50d", glove)
    folder = Path(args.out)
    written = figures.demo_figures(trained, folder / "skipgram", losses=model.losses)
    written.update({f"glove {k}": v for k, v in figures.demo_figures(glove, folder / "glove").items()})
    print("figures:")
    for name, path in written.items():
        print(f"  {name:>16}: {path}")
    return 0


def neighbours(args: argparse.Namespace) -> int:
    glove = _load_glove(args.limit)
    try:
        _show_neighbours(glove, args.words, topn=args.topn)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    return 0


def info(args: argparse.Namespace) -> int:
    print(f"top-k backend: {topk.BACKEND}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minembed", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="the main job: train, neighbours, analogies, figures")
    p.add_argument("--out", default="minembed-demo", help="folder for the figures (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--vector-size", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=demo)
    p = commands.add_parser("neighbours", help="nearest words in GloVe 6B 50d")
    p.add_argument("words", nargs="+")
    p.add_argument("--topn", type=int, default=10)
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(run=neighbours)
    p = commands.add_parser("info", help="which top-k backend runs")
    p.set_defaults(run=info)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
