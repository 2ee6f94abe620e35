"""Sphinx configuration of minembed's documentation site (see docs/README.md).

Build it from the repository root, after `pip install -e '.[compare,data,test,docs]'`:

    python -m sphinx -E -W --keep-going -b html docs docs/_build/html

-E reads every page again (so every notebook runs), -W --keep-going reports every warning and then
fails: a notebook cell that raises, a notebook that writes to stderr, or a docstring that does not
parse fails the build, with the cell's traceback or the docstring's file and line.

Sphinx with myst-nb: the tutorials are notebooks executed by the build (one kernel each, a time
limit per cell), the API reference comes from the docstrings through autodoc, and the Markdown the
repository already has (the README's reading order, experiments/RESULTS.md) is included, not copied.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # benchmarks/ and experiments/ are packages run from the checkout

project = "minembed"
author = "the minembed authors"
copyright = "the minembed authors, MIT licence"
release = "0.1.0"

extensions = [
    "myst_nb",  # Markdown pages and notebooks (it brings myst_parser)
    "sphinx.ext.autodoc",  # the API reference from the docstrings
    "sphinx.ext.viewcode",  # each documented function links to its highlighted source
]
# No napoleon: the docstrings are plain prose with shapes and doctests, not Google or NumPy sections.
# They are laid out for the source (aligned tables and formulas indented under their sentence, |x| for a
# norm); plain_docstrings.py reads them that way (see setup() below). `name` in single backticks is
# code: a cross-reference role would link parameter names such as `corpus` to unrelated objects.
default_role = "literal"

# tutorials/ is a symbolic link to ../tutorials, so the notebooks are read where they live.
# Only the .ipynb files are pages; the jupytext sources (.py) are not a source suffix here.
exclude_patterns = ["_build", "_screenshots", "README.md", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# --------------------------------------------------------------------------- notebooks (myst-nb)
nb_execution_mode = "force"  # run every notebook on every full build: the figures are the library's of today
nb_execution_timeout = 300  # seconds per cell (tests/test_tutorials.py allows 240; the build may run on a busy machine)
nb_execution_raise_on_error = False  # a failing cell is a warning with its traceback (so -W fails the
nb_execution_show_tb = True  # build), and the other notebooks still run and report theirs
nb_execution_in_temp = True  # run in a temporary directory: a notebook's files stay out of tutorials/
nb_output_stderr = "warn"  # stderr in a notebook is a build warning (and is still shown on the page)
nb_merge_streams = True  # one stdout block per cell, not one per print
nb_kernel_rgx_aliases = {".*": "python3"}  # the kernel of this environment, as in the tests
# The kernel draws inline figures only when no other backend is forced: drop an MPLBACKEND=Agg
# left in the environment (the test suite sets it for the tutorials it runs).
os.environ.pop("MPLBACKEND", None)
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet debugger warning on a kernel's stderr
# Tutorials 7 and 8 end by loading sentence-transformers, whose progress bar (tqdm) writes to stderr
# and warns that ipywidgets is missing. Neither is minembed's output: the kernels run without them,
# so any other stderr still fails the build.
os.environ["TQDM_DISABLE"] = "1"
os.environ["PYTHONWARNINGS"] = ",".join(
    filter(None, [os.environ.get("PYTHONWARNINGS"), "ignore:IProgress not found"])
)

myst_heading_anchors = 3  # "#word2vec-dictionary" style links inside RESULTS.md work

# --------------------------------------------------------------------------- API reference (autodoc)
autodoc_member_order = "bysource"  # a module reads top to bottom, the plain version first
autodoc_preserve_defaults = True  # show `x_max=100`, not a repr computed at import
autodoc_typehints = "signature"
highlight_language = "none"  # a docstring's indented block is a formula or a table, not Python
add_module_names = False  # `topk_cosine`, under its module's heading

# --------------------------------------------------------------------------- the page
html_theme = "furo"
html_title = "minembed"
html_show_sourcelink = False
html_copy_source = False
pygments_style = "friendly"


# --------------------------------------------------------------------------- included Markdown
# The README and experiments/RESULTS.md name files as they sit in the repository. Where they are
# included here, a module path becomes a link to its API section and a relative link to a script
# becomes a link to that script's docstring on the benchmarks page.

def _module_of(path: str) -> str | None:
    """`minembed/tokens/text.py` -> `minembed.tokens.text` when that file exists, else None."""
    if path.startswith("minembed/") and path.endswith(".py") and (ROOT / path).is_file():
        return path[: -len(".py")].replace("/", ".").removesuffix(".__init__")
    return None


def _link_modules(text: str) -> str:
    """Turn `` `minembed/x/y.py` `` into a link to minembed.x.y's API section, and `` `y.py` `` after it
    (the README's "`noise.py`, `corpus.py`" style) into a link to its sibling."""
    out, folder = [], None
    for line in text.splitlines(keepends=True):
        def replace(match: re.Match) -> str:
            nonlocal folder
            path = match.group(1)
            module = _module_of(path)
            if module is None and folder and "/" not in path:
                module = _module_of(f"{folder}/{path}")
            if module is None:
                return match.group(0)
            folder = path.rsplit("/", 1)[0] if "/" in path else folder
            return f"{{py:mod}}`{path} <{module}>`"
        folder = None  # a bare file name refers to the folder named earlier on the same line
        out.append(re.sub(r"`([\w/]+\.py)`", replace, line))
    return "".join(out)


def _link_scripts(text: str, folder: str) -> str:
    """`[parity_word2vec.py](parity_word2vec.py)` -> a link to experiments.parity_word2vec's docstring."""
    def replace(match: re.Match) -> str:
        label, name = match.group(1), match.group(2)
        if not (ROOT / folder / f"{name}.py").is_file():
            return match.group(0)
        return f"{{py:mod}}`{label} <{folder}.{name}>`"
    return re.sub(r"\[([^\]]+)\]\((\w+)\.py\)", replace, text)


def _rewrite_included(app, relative_path, parent_docname, content) -> None:
    path = Path(relative_path).as_posix()
    if path.endswith("experiments/RESULTS.md"):
        content[0] = _link_scripts(content[0], "experiments")
    elif path.endswith("README.md"):
        content[0] = _link_modules(content[0]).replace("](experiments/RESULTS.md)", "](results.md)")


def _unquote_annotations(app, what, name, obj, options, signature, return_annotation):
    """`(sg: 'int' = 1)` -> `(sg: int = 1)`: a dataclass's generated __init__ keeps the string
    annotations of `from __future__ import annotations`, which autodoc would print quoted."""
    if signature:
        signature = re.sub(r"(?<=: )'([^']*)'", r"\1", signature)
    if return_annotation and return_annotation.startswith("'") and return_annotation.endswith("'"):
        return_annotation = return_annotation[1:-1]
    return signature, return_annotation


def setup(app):
    sys.path.insert(0, str(DOCS))
    from plain_docstrings import autodoc_hook

    app.connect("autodoc-process-docstring", autodoc_hook)
    app.connect("autodoc-process-signature", _unquote_annotations)
    app.connect("include-read", _rewrite_included)
