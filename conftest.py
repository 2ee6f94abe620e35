"""pytest's settings for the whole checkout (tests/ and the doctests of minembed/).

The doctests import every module of the library; minembed/figures/plots.py needs
matplotlib, which comes with the `[test]` and `[plot]` extras, not the core install.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("matplotlib") else ["minembed/figures/plots.py"]
