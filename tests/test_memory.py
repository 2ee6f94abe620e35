"""keep_freed_memory: after it, a training step's freed temporaries are reused, not faulted in afresh.

Measured as the minor page faults of a loop that does to memory what minibatch steps do: each
of 30 steps allocates four arrays of 1 to 6 MB (seeded sizes that change from step to step, as
a step's pair count does), writes them, and frees them. Each run is a fresh Python process
(mallopt's settings are process-wide). As glibc leaves it, this loop faulted in 57 % of the pages
it wrote here; with the thresholds raised, 1 %. Bounds: at most 5 % of the pages written (the
interpreter's own allocations fault a few pages in too), and at least 10 times fewer faults
than as glibc leaves it (the measurement sees what the optimisation is for).
"""

import subprocess
import sys

import pytest

LOOP = """
import resource, numpy as np
from minembed.training.memory import keep_freed_memory
kept = keep_freed_memory() if {keep} else False
sizes = np.random.default_rng(0).integers(1 << 20, 6 << 20, size=(31, 4))  # bytes, four arrays a step
def step(row):
    arrays = [np.empty(int(size), np.uint8) for size in row]
    for array in arrays:
        array[:] = 1
step(sizes[0])  # the first step faults its pages in whatever the settings
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for row in sizes[1:]:
    step(row)
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, int(sizes[1:].sum()) // 4096)
"""


def faults(keep: bool) -> tuple[bool, int, int]:
    """(thresholds raised, page faults in steps 2..31, pages those steps wrote), from a fresh process."""
    out = subprocess.run([sys.executable, "-c", LOOP.format(keep=keep)], capture_output=True, text=True, check=True)
    kept, count, pages = out.stdout.split()
    return kept == "True", int(count), int(pages)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's; elsewhere nothing changes")
def test_freed_temporaries_are_reused_instead_of_faulted_in_again():
    kept, with_kept, pages = faults(True)
    assert kept, "keep_freed_memory found no glibc mallopt on this Linux"
    _, as_left, _ = faults(False)
    assert with_kept <= 0.05 * pages, (with_kept, as_left, pages)
    assert with_kept * 10 <= as_left, (with_kept, as_left, pages)


def test_is_idempotent_and_says_what_it_did():
    from minembed.training.memory import keep_freed_memory

    assert keep_freed_memory() is keep_freed_memory()
