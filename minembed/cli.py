"""The ``minembed`` command (also ``python -m minembed``).

    minembed demo [--limit N]     the main job: load vectors, show neighbours and analogies
    minembed neighbours WORD ...  nearest words in the pretrained GloVe 6B 50d table
    minembed info                 which top-k backend is running

Leaves out (for now): training from the command line; it arrives with the models.
"""

from __future__ import annotations

import argparse
import sys
import time

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


def demo(args: argparse.Namespace) -> int:
    print(f"top-k backend: {topk.BACKEND}")
    glove = _load_glove(args.limit)
    print("nearest neighbours (cosine):")
    _show_neighbours(glove, ["frog", "king", "computer", "paris"], topn=6)
    print("analogies (3CosAdd, inputs excluded):")
    for a, b, c in [("man", "king", "woman"), ("france", "paris", "italy"), ("big", "bigger", "small")]:
        answer = glove.most_similar(positive=[b, c], negative=[a], topn=1)[0]
        print(f"  {a} : {b} :: {c} : {answer[0]} ({answer[1]:.3f})")
    print(f"doesn't match: breakfast cereal dinner lunch -> "
          f"{glove.doesnt_match(['breakfast', 'cereal', 'dinner', 'lunch'])}")
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
    p = commands.add_parser("demo", help="the main job: neighbours and analogies")
    p.add_argument("--limit", type=int, default=None, help="use only the N most frequent words")
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
