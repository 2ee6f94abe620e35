"""The ``minembed`` command (also ``python -m minembed``).

    minembed demo [--out DIR]     the main job: train skip-gram on the Wikipedia
                                  sample, show neighbours, an analogy, scores and
                                  figures next to pretrained GloVe 6B 50d
    minembed train CORPUS --out FILE [--model skipgram|cbow|fasttext|glove|ppmi] [hyperparameters]
                                  CORPUS: wikipedia, lee, or a text file (one
                                  sentence per line); FILE: .npz, .txt (word2vec
                                  text) or .bin (word2vec binary)
    minembed similar WORD ... [--vectors V]       nearest words (3CosAdd)
    minembed analogy A B C [--vectors V]          A is to B as C is to ?
    minembed evaluate [--vectors V]               WordSim353, SimLex-999, Google analogies
    minembed plot --out DIR [--vectors V]         PCA scatter, heatmap, analogy arrows (PNG)
    minembed neighbours WORD ...  nearest words in the pretrained GloVe 6B 50d table
    minembed encode FILE --out VECTORS.npy        MiniLM sentence vectors, one per line (cli_sentences.py)
    minembed search PATH "query"  MiniLM semantic search over a text file or a folder of .txt files
    minembed info                 which top-k backend is running
    minembed --version

V is a vectors file (.npz, word2vec .txt/.bin) or "glove" (pretrained GloVe
6B 50d, the default); a fastText .npz answers words it never saw from its
n-gram rows (cli_files.py). Errors print one line and exit with status 1
(status 2 for a flag the parser refuses), naming the flag to change; the
output file or folder is checked before any training starts. ``--help`` on
every command shows each option's default.

Leaves out: the models' rarer hyperparameters (use the modules), resuming
training, and corpora other than plain text.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from minembed import __version__, cli_sentences
from minembed.cli_checks import check_output_file, check_output_folder, count, gigabytes, in_flags, plots_module
from minembed.cli_files import load_glove, load_vectors, read_corpus, save_vectors
from minembed.vectors import topk


def _show_neighbours(table, words, topn: int) -> None:
    for word in words:
        neighbours = table.most_similar(word, topn=topn)
        print(f"  {word:>10}: " + ", ".join(f"{w} ({s:.3f})" for w, s in neighbours))


def _train_on_wikipedia(args: argparse.Namespace):
    from minembed.data import datasets
    from minembed.predicting.word2vec import Word2Vec

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
    return model, tokens


def _scores(name: str, vectors) -> None:
    from minembed.vectors import evaluate

    line = f"  {name:>22}:"
    for dataset in ("wordsim353.tsv", "simlex999.txt"):
        result = evaluate.word_pair_similarity(vectors, evaluate.dataset_path(dataset), restrict_vocab=30_000)
        line += f"  {dataset.split('.')[0]} Spearman {result.spearman:.3f} ({result.oov_ratio:.0f}% OOV)"
    analogies = evaluate.analogy_accuracy(vectors, restrict_vocab=30_000)
    line += f"  analogies {analogies.accuracy:.1%} of {analogies.answered:,}"
    print(line)


LIMITS = """\
What to expect: skip-gram here reads {tokens:,} tokens, about 1/13,000 of the 6 billion that GloVe 6B 50d
was trained on. That is enough for topical neighbours of frequent words (war, music, city) and a WordSim353
score above zero, but few analogies: man : king :: woman : queen needs each word seen in many contexts (the
word2vec paper measured analogies on 24 million to 6 billion tokens, the score rising with each step up).
The pretrained table beside it shows what scale buys."""


def demo(args: argparse.Namespace) -> int:
    check_output_folder(args.out)
    figures = plots_module()
    folder = Path(args.out)
    print(f"minembed demo: vectors and figures go to {folder.absolute()}/")
    print(f"top-k backend: {topk.BACKEND}")
    model, tokens = _train_on_wikipedia(args)
    trained = model.wv
    folder.mkdir(parents=True, exist_ok=True)
    trained.save(folder / "skipgram.npz")
    print(f"  vectors saved: {folder / 'skipgram.npz'} (minembed similar king --vectors {folder / 'skipgram.npz'})")
    print(LIMITS.format(tokens=tokens))
    glove = load_glove(None)
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
    written = figures.demo_figures(trained, folder / "skipgram", losses=model.losses,
                                   model=f"skip-gram ({args.vector_size} dimensions, {args.epochs} epochs)",
                                   corpus=f"the Wikipedia sample, {tokens / 1000:.0f}k tokens",
                                   loss_name="mean loss per (word, context) pair")
    glove_figures = figures.demo_figures(glove, folder / "glove", model="GloVe 6B 50d (pretrained)",
                                         corpus="Wikipedia 2014 + Gigaword 5, 6B tokens")
    written.update({f"glove {k}": v for k, v in glove_figures.items()})
    print("figures:")
    for name, path in written.items():
        print(f"  {name:>16}: {path}")
    return 0


def neighbours(args: argparse.Namespace) -> int:
    _show_neighbours(load_glove(args.limit), args.words, topn=args.topn)
    return 0


def train(args: argparse.Namespace) -> int:
    check_output_file(args.out)
    sentences = read_corpus(args.corpus)
    print(f"{args.corpus}: {len(sentences):,} sentences, {sum(map(len, sentences)):,} tokens")
    try:
        return _train(args, sentences)
    except ValueError as error:  # the model's words -> the flags typed
        raise ValueError(in_flags(str(error))) from None


TRAINING_WORDS = 2_000_000  # the words a prediction model should see in all: 35 passes over lee's 58k tokens
# gave neighbours with meaning (5 left every word's vector pointing one way, cosines of 0.97); from
# 400,000 tokens up (the Wikipedia sample: 453k) the default stays gensim's 5.


def epochs_for(tokens: int) -> int:
    """Epochs of word2vec / fastText for a corpus of `tokens`: enough passes for TRAINING_WORDS, 5 to 50.

    >>> epochs_for(58_152), epochs_for(452_944), epochs_for(100)
    (35, 5, 50)
    """
    return int(min(50, max(5, math.ceil(TRAINING_WORDS / max(tokens, 1)))))


def _train(args: argparse.Namespace, sentences: list[list[str]]) -> int:
    shared = dict(vector_size=args.vector_size, window=args.window, min_count=args.min_count, seed=args.seed,
                  memory_limit=args.memory_limit)
    if args.model in ("skipgram", "cbow", "fasttext"):
        from minembed.predicting.subword import FastText
        from minembed.predicting.word2vec import Word2Vec

        epochs = args.epochs
        if epochs is None:  # gensim's 5 assumes millions of tokens: a small corpus gets more passes
            tokens = sum(map(len, sentences))
            epochs = epochs_for(tokens)
            print(f"{epochs} epochs for {tokens:,} tokens (about {TRAINING_WORDS // 10**6} million words of "
                  f"training, at least 5: gensim's default); --epochs sets them")
        model = (FastText(epochs=epochs, negative=args.negative, **shared) if args.model == "fasttext" else
                 Word2Vec(sg=int(args.model == "skipgram"), epochs=epochs, negative=args.negative, **shared))
        model.fit(sentences, progress=True)
        vectors, record = model.wv, "loss per epoch: " + ", ".join(f"{loss:.3f}" for loss in model.losses)
    elif args.model == "glove":
        from minembed.counting.glove import GloVe

        def report(model, epoch: int) -> None:
            print(f"\r  epoch {epoch}/{model.config.epochs}: cost {model.costs[-1]:.5f}", end="", file=sys.stderr,
                  flush=True)

        model = GloVe(epochs=25 if args.epochs is None else args.epochs, **shared).fit(sentences, callbacks=[report])
        print(file=sys.stderr)
        vectors, record = model.wv, "cost per epoch: " + ", ".join(f"{cost:.4f}" for cost in model.costs)
    else:  # ppmi: counted and factorised, no epochs
        from minembed.counting import ppmi

        vectors, record = ppmi.train(sentences, **shared), "PPMI + SVD (no epochs)"
    save_vectors(vectors, args.out)
    kept = " (n-gram rows kept: SubwordVectors.load reads them)" if args.model == "fasttext" and args.out.endswith(
        ".npz") else ""
    print(f"{len(vectors.words):,} words x {vectors.vector_size} written to {args.out}{kept}; {record}")
    return 0


def similar(args: argparse.Namespace) -> int:
    _show_neighbours(load_vectors(args.vectors), args.words, topn=args.topn)
    return 0


def analogy(args: argparse.Namespace) -> int:
    table = load_vectors(args.vectors)
    answers = table.most_similar(positive=[args.b, args.c], negative=[args.a], topn=args.topn)
    print(f"{args.a} : {args.b} :: {args.c} : " + ", ".join(f"{w} ({s:.3f})" for w, s in answers))
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from minembed.vectors import evaluate

    table = load_vectors(args.vectors)
    for dataset in ("wordsim353", "simlex999"):
        scores = evaluate.word_pairs(table, dataset, restrict_vocab=args.restrict_vocab)
        print(f"{dataset}: Spearman {scores['spearman']:.3f}, Pearson {scores['pearson']:.3f}, "
              f"{scores['oov_ratio']:.1f}% of pairs out of vocabulary")
    result = evaluate.analogies(table, restrict_vocab=args.restrict_vocab)
    print(f"analogies: {result['correct']:,} of {result['total']:,} ({result['accuracy']:.1%})")
    for section in result["sections"]:
        print(f"  {section['section']:>30}: {section['correct']:>5} / {section['answered']:<5}")
    return 0


def plot(args: argparse.Namespace) -> int:
    check_output_folder(args.out)
    figures = plots_module()
    pretrained = args.vectors in (None, "glove")
    written = figures.demo_figures(load_vectors(args.vectors), Path(args.out),
                                   model="GloVe 6B 50d (pretrained)" if pretrained else Path(args.vectors).name,
                                   corpus="Wikipedia 2014 + Gigaword 5, 6B tokens" if pretrained else None,
                                   words=args.words)
    for name, path in written.items():
        print(f"{name:>10}: {path}")
    return 0


def info(args: argparse.Namespace) -> int:
    print(f"top-k backend: {topk.BACKEND}")
    return 0


class _Formatter(argparse.HelpFormatter):
    """Every option's help ends with its default (argparse's ArgumentDefaultsHelpFormatter, but silent
    where there is none to show)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.default is not None and action.default is not False and action.default != argparse.SUPPRESS
        if action.option_strings and shown and "%(default)" not in text and not action.required:
            text += " (default: %(default)s)"
        return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minembed", formatter_class=_Formatter, description=(
        "Word embeddings from scratch: train, ask and draw word vectors, or encode and search sentences with "
        "MiniLM. 'minembed COMMAND --help' shows a command's options and defaults."))
    parser.add_argument("--version", action="version", version=f"minembed {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    seed_help = "seed of every random choice: the same seed gives the same vectors"

    def command(name: str, help: str, run):
        p = commands.add_parser(name, help=help, description=help, formatter_class=_Formatter)
        p.set_defaults(run=run)
        return p

    p = command("demo", "the main job: train skip-gram on the Wikipedia sample, then neighbours, analogies, "
                "scores and figures beside pretrained GloVe", demo)
    p.add_argument("--out", default="minembed-demo", help="folder for the vectors and figures")
    p.add_argument("--epochs", type=count(1), default=5, help="passes over the corpus")
    p.add_argument("--vector-size", type=count(1), default=100, help="dimensions of each word vector")
    p.add_argument("--seed", type=count(0), default=0, help=seed_help)
    p = command("train", "train skip-gram, CBOW, fastText, GloVe or PPMI + SVD and write the vectors", train)
    p.add_argument("corpus", help="wikipedia, lee, or a text file with one sentence per line")
    p.add_argument("--out", required=True, help="output file: .npz, .txt (word2vec text) or .bin")
    p.add_argument("--model", choices=["skipgram", "cbow", "fasttext", "glove", "ppmi"], default="skipgram",
                   help="fasttext: skip-gram with character 3..6-grams; glove: GloVe; ppmi: PPMI + SVD")
    p.add_argument("--vector-size", type=count(1), default=100, help="dimensions of each word vector")
    p.add_argument("--window", type=count(1), default=5, help="context words on each side")
    p.add_argument("--negative", type=count(1), default=5, help="noise words per positive pair (word2vec, fastText)")
    p.add_argument("--min-count", type=count(1), default=5, help="drop words seen fewer times")
    p.add_argument("--epochs", type=count(1), default=None,
                   help="passes over the corpus (default: enough for about 2 million words of training, "
                        "5 to 50; GloVe 25; PPMI has none)")
    p.add_argument("--seed", type=count(0), default=0, help=seed_help)
    p.add_argument("--memory-limit", type=gigabytes, default=4.0,
                   help="GB the model may take; a larger one is refused before training")
    vectors_help = "a .npz / word2vec .txt / .bin file, or 'glove' (pretrained GloVe 6B 50d)"
    p = command("similar", "nearest words by cosine", similar)
    p.add_argument("words", nargs="+", help="one or more words")
    p.add_argument("--vectors", default="glove", help=vectors_help)
    p.add_argument("--topn", type=count(1), default=10, help="neighbours per word")
    p = command("analogy", "a is to b as c is to ? (3CosAdd, the inputs excluded)", analogy)
    for name in ("a", "b", "c"):
        p.add_argument(name, help=f"word {name}")
    p.add_argument("--vectors", default="glove", help=vectors_help)
    p.add_argument("--topn", type=count(1), default=3, help="answers to show")
    p = command("evaluate", "WordSim353, SimLex-999 and Google analogies", evaluate_command)
    p.add_argument("--vectors", default="glove", help=vectors_help)
    p.add_argument("--restrict-vocab", type=count(1), default=30_000,
                   help="only the most frequent words take part (gensim's restrict_vocab)")
    p = command("plot", "write PCA scatter, similarity heatmap and analogy figures as PNG", plot)
    p.add_argument("--out", required=True, help="folder for the PNG files")
    p.add_argument("--vectors", default="glove", help=vectors_help)
    p.add_argument("--words", nargs="+", default=None,
                   help="your own words for the scatter and heatmap (default: preset groups of countries, "
                        "animals, numbers ...)")
    p = command("neighbours", "nearest words in the pretrained GloVe 6B 50d table", neighbours)
    p.add_argument("words", nargs="+", help="one or more words")
    p.add_argument("--topn", type=count(1), default=10, help="neighbours per word")
    p.add_argument("--limit", type=count(1), default=None,
                   help="read only the most frequent words (default: all 400,000)")
    cli_sentences.add_commands(commands, _Formatter)
    command("info", "which top-k backend runs (the Cython kernel or the NumPy reference)", info)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (KeyError, ValueError, OSError, ImportError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory; lower --vector-size or keep fewer words (raise --min-count)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
