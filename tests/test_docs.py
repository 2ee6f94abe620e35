"""The documentation site's sources (docs/) against the repository, without building the site.

Building it takes minutes (it executes every tutorial; see docs/README.md). These checks take
milliseconds: the site lists every tutorial in the README's order and every module of the library,
names no module that is gone, and includes README sections that exist. And the autodoc hook that
reads the docstrings as plain text (docs/plain_docstrings.py) turns their layouts into the
reStructuredText they mean.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def public_modules() -> set[str]:
    """minembed.x.y for every minembed/**/y.py that is not private (leading underscore) or __main__."""
    names = set()
    for path in (ROOT / "minembed").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if any(part.startswith("_") for part in parts):
            continue
        names.add(".".join(parts))
    return names


def documented_modules() -> set[str]:
    text = "\n".join(page.read_text(encoding="utf-8") for page in (DOCS / "api").glob("*.rst"))
    return set(re.findall(r"^\.\. automodule:: (minembed\.\S+)", text, flags=re.M))


def test_every_module_has_an_api_section():
    missing = sorted(public_modules() - documented_modules())
    assert not missing, f"add an automodule section for {missing} to the step's page in docs/api/"


def test_the_api_pages_name_no_missing_module():
    packages = {".".join(p.relative_to(ROOT).parent.parts) for p in (ROOT / "minembed").rglob("__init__.py")}
    stale = sorted(documented_modules() - public_modules() - packages)
    assert not stale, f"docs/api/ documents modules that do not exist: {stale}"


def test_the_index_lists_every_tutorial_in_order():
    tutorials = [f"tutorials/{p.stem}" for p in sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.ipynb"))]
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = re.findall(r"^(tutorials/\d\d_\S+)$", index, flags=re.M)
    assert listed == tutorials, "docs/index.md's Tutorials toctree must list tutorials/NN_*.ipynb in order"
    assert (DOCS / "tutorials").resolve() == (ROOT / "tutorials").resolve(), "docs/tutorials links to ../tutorials"


def test_the_included_readme_sections_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md") if p.name != "README.md")
    markers = re.findall(r':(?:start-after|end-before): "([^"]+)"', pages)
    assert markers, "docs/ includes README sections by their headings"
    for marker in markers:
        assert f"\n{marker}\n" in readme, f"docs/ includes the README from {marker!r}, which is no longer a heading"


def load_plain_docstrings():
    spec = importlib.util.spec_from_file_location("plain_docstrings", DOCS / "plain_docstrings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_docstring_layouts_become_rst():
    plain_to_rst = load_plain_docstrings().plain_to_rst
    # an aligned table under its sentence: a literal block
    assert plain_to_rst(["Settings:", "    window   5", "    negative 5", "Then |v|."]) == [
        "Settings:", "", "::", "", "    window   5", "    negative 5", "", "Then \\|v\\|."]
    # a doctest after a table: its own block, unindented so the literal block ends
    assert plain_to_rst(["Steps:", "    1. clean", "", "    >>> f(1)", "    2"]) == [
        "Steps:", "", "::", "", "    1. clean", "", ">>> f(1)", "2", ""]
    # a list straight after its sentence, wrapped at its text column: a list, with a blank line before
    assert plain_to_rst(["Why:", "1. first", "   wrapped", "2. second", "Done."]) == [
        "Why:", "", "1. first", "   wrapped", "2. second", "", "Done."]
    # an unindented aligned table with a wrapped cell: one literal block, columns kept
    assert plain_to_rst(["Fit:", "", "min_count  words seen fewer times", "max_size   keep only the",
                         "           most frequent"]) == [
        "Fit:", "", "::", "", "    min_count  words seen fewer times", "    max_size   keep only the",
        "               most frequent", ""]
    # a doctest's output wrapped deeper stays in the doctest
    assert plain_to_rst([">>> eye(2)", "array([[1., 0.],", "       [0., 1.]])"]) == [
        ">>> eye(2)", "array([[1., 0.],", "       [0., 1.]])"]
    # backslashes, bars and trailing underscores in prose are text; ``literals`` are left alone
    assert plain_to_rst([r"except \t, p_.|i, ``a|b\n``"]) == [r"except \\t, p\_.\|i, ``a|b\n``"]
