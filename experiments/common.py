"""What the parity studies share: the settings, the scorers, the spread verdict, the C trainers'
compiler and the writer of experiments/RESULTS.md.

    >>> within_spread(np.array([0.30, 0.31]), np.array([0.28, 0.29, 0.30]))  # gensim: [0.28 - 0.008, 0.30 + 0.008]
    'yes'
    >>> spread_cell(np.array([0.28, 0.29, 0.30]))
    '0.290±0.008 [0.280, 0.300]'

Tables of scores over seeds (spread_table) put "yes" after minembed's cell when its mean lies in
gensim's [min - std, max + std], else "above" or "BELOW".
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, WORD2VEC, markdown_table

PARAMS = dict(WORD2VEC, epochs=5)  # word2vec's parity settings: gensim 4's defaults with d = 100
METRICS = {"wordsim353": "WordSim353", "simlex999": "SimLex-999", "analogies": "analogies"}
FASTTEXT_METRICS = {"wordsim353": "WordSim353", "syntactic": "syntactic analogies"}
# words with relatives in the Wikipedia sample (philosopher 73, mathematics 42, ...), removed before
# fastText trains, so their vectors come from n-grams alone
HELD_OUT = ["philosophers", "mathematical", "universities", "scientists", "anarchists", "americans",
            "revolutionary", "astronomers", "linguistic", "governments"]
RESULTS = Path(__file__).with_name("RESULTS.md")


class Table:
    """Words + vectors: what minembed.vectors.evaluate needs, from any library's vectors."""

    def __init__(self, words, vectors) -> None:
        self.words, self.vectors = list(words), np.asarray(vectors, dtype=np.float32)  # (V, D) float32

    def restricted_to(self, keep: set[str]) -> Table:
        rows = [i for i, w in enumerate(self.words) if w in keep]
        return Table([self.words[i] for i in rows], self.vectors[rows])


def in_order(sentences: list, order: str, seed: int) -> list:
    """The sentences as given ("corpus") or permuted once for this seed ("shuffled"), the same for every system."""
    if order == "corpus":
        return sentences
    permutation = np.random.default_rng(1000 + seed).permutation(len(sentences))
    return [sentences[i] for i in permutation]


def split_sentences(sentences: list, n: int) -> list:
    """Every sentence cut into pieces of n tokens, the last one shorter (n = 0: unchanged).

    >>> split_sentences([["a", "b", "c"]], 2)
    [['a', 'b'], ['c']]
    """
    return [s[i:i + n] for s in sentences for i in range(0, len(s), n)] if n else sentences


def scores(table: Table) -> dict[str, float]:
    """WordSim353 and SimLex-999 Spearman and Google analogy accuracy (3CosAdd), as gensim evaluates them."""
    from minembed.vectors.evaluate import analogy_accuracy, dataset_path, word_pair_similarity

    return {
        "wordsim353": word_pair_similarity(table, dataset_path("wordsim353.tsv")).spearman,
        "simlex999": word_pair_similarity(table, dataset_path("simlex999.txt")).spearman,
        "analogies": analogy_accuracy(table, dataset_path("questions-words.txt")).accuracy,
    }


def fasttext_scores(table: Table) -> dict[str, float]:
    """WordSim353 Spearman and accuracy on the syntactic ("gram") sections of questions-words.txt."""
    from minembed.vectors.evaluate import analogy_accuracy, dataset_path, word_pair_similarity

    sections = analogy_accuracy(table, dataset_path("questions-words.txt")).sections
    syntactic = [s for s in sections if s["section"].startswith("gram")]
    return {"wordsim353": word_pair_similarity(table, dataset_path("wordsim353.tsv")).spearman,
            "syntactic": sum(s["correct"] for s in syntactic) / max(sum(s["answered"] for s in syntactic), 1)}


def within_spread(values: np.ndarray, reference: np.ndarray) -> str:
    """"yes" if the mean of `values` lies in [min - std, max + std] of `reference`, else "above" or "BELOW"."""
    low, high = reference.min() - reference.std(), reference.max() + reference.std()
    return "yes" if low <= values.mean() <= high else ("above" if values.mean() > high else "BELOW")


def spread_cell(values: np.ndarray) -> str:
    """Scores over seeds as "mean±std [min, max]"."""
    return f"{values.mean():.3f}±{values.std():.3f} [{values.min():.3f}, {values.max():.3f}]"


def spread_table(results: dict[str, list[dict]], metrics: dict[str, str], reference: str = "gensim") -> str:
    """One row per metric, one column per system: its spread_cell over the seeds and, for all but the
    reference, within_spread of the reference's ("0.589±0.003 [0.586, 0.592] yes")."""
    rows = []
    for metric, name in metrics.items():
        baseline = np.array([run[metric] for run in results[reference]])
        cells = []
        for system, runs in results.items():
            values = np.array([run[metric] for run in runs])
            cells.append(spread_cell(values) + ("" if system == reference else " " + within_spread(values, baseline)))
        rows.append([name, *cells])
    return markdown_table(["metric", *results], rows)


def compile_program(name: str, folder: str) -> str:
    """experiments/<name>.c compiled with the system's C compiler into `folder`; returns the program's path."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise SystemExit(f"{name}.c needs a C compiler: install cc or gcc, or set CC")
    program = os.path.join(folder, name)
    subprocess.run([compiler, "-O3", "-o", program, str(Path(__file__).with_name(f"{name}.c")), "-lm"], check=True)
    return program


# ----------------------------------------------------------------------------- RESULTS.md


def add_results_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write-results", metavar="SECTION", type=section_name,
                        help="replace the section SECTION of experiments/RESULTS.md (between its markers) with "
                             "this run's table, command, date and commit; a new SECTION is appended")


def section_name(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise argparse.ArgumentTypeError(f"{name!r}: a section is lowercase words joined by '-', e.g. word2vec-wiki")
    return name


def commit() -> str:
    """HEAD's short hash, marked when minembed/, csrc/ or experiments/ differ from it."""
    git = lambda *args: subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" with uncommitted changes" if git("status", "--porcelain", "--", "minembed", "csrc",
                                                        "experiments") else "")


def command_line(width: int = 110) -> str:
    """This run's command (`python -m experiments.NAME ...`), wrapped with backslashes, indented as a code block."""
    words = ["python", "-m", sys.modules["__main__"].__spec__.name, *map(shlex.quote, sys.argv[1:])]
    lines, line = [], "   "
    for word in words:
        if len(line) + 1 + len(word) > width:
            lines.append(line + " \\")
            line = "       "
        line += " " + word
    return "\n".join([*lines, line])


def write_results(section: str, question: str, settings: str, table: str) -> None:
    """Replace `section` of RESULTS.md, between <!-- begin SECTION --> and <!-- end SECTION -->, or append it."""
    def wrap(text: str) -> str:
        return "\n".join(textwrap.fill(line, 110, break_on_hyphens=False) for line in text.splitlines())

    measured = f"Measured {date.today().isoformat()} at commit {commit()}."
    body = "\n".join([f"<!-- begin {section} -->", f"## {section}", "", wrap(question), "", wrap(settings), "",
                      command_line(), "", measured, "", table, f"<!-- end {section} -->"])
    text = RESULTS.read_text(encoding="utf-8")
    marked = re.compile(rf"<!-- begin {section} -->.*?<!-- end {section} -->", re.DOTALL)
    if marked.search(text):
        text = marked.sub(lambda _: body, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(f"wrote section {section} of {RESULTS}", flush=True)
