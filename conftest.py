"""pytest's settings for the whole checkout (tests/ and the doctests of minembed/).

The doctests import every module of the library; minembed/figures/plots.py needs
matplotlib, as does figures/labels.py; it comes with the `[test]` and `[plot]` extras,
not the core install.
"""

import importlib.util

NEEDS_MATPLOTLIB = ["minembed/figures/plots.py", "minembed/figures/labels.py"]
collect_ignore = [] if importlib.util.find_spec("matplotlib") else NEEDS_MATPLOTLIB
