"""Speed against peers: each bench_* script times minembed and its peers in one run and prints ratios.

Run them as modules from the repository root, so they import common.py without touching sys.path:

    python -m benchmarks.bench_topk --quick
    python -m benchmarks.bench_word2vec --help

Quality against the reference libraries (parity studies) lives in experiments/, with its results
in experiments/RESULTS.md.
"""
