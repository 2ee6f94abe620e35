"""Write each tutorial notebook NN_name.ipynb from its source NN_name.py, with jupytext.

The sources are plain Python in jupytext's "percent" format, so a review reads
Python and Markdown rather than notebook JSON: `# %% [markdown]` starts a text
cell, `# %%` a code cell (a magic such as `%matplotlib inline` is written
commented out, `# %matplotlib inline`). After editing a source, regenerate:

    python tutorials/make_notebooks.py     # writes tutorials/NN_*.ipynb, without outputs

tests/test_tutorials.py checks that each notebook has the cells of its source,
and executes every notebook.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent


def build(source: Path) -> nbformat.NotebookNode:
    """The notebook of one source: its cells, no outputs, the python3 kernel, stable cell ids."""
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata = {  # replaces jupytext's own metadata, which the notebook does not need
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},  # the tests' kernel
        "language_info": {"name": "python"},
    }
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"  # stable ids: regenerating changes nothing
    return notebook


def main(folder: Path = HERE) -> list[Path]:
    written = []
    for source in sorted(folder.glob("[0-9][0-9]_*.py")):
        path = source.with_suffix(".ipynb")
        nbformat.write(build(source), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path}")
