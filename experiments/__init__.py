"""Parity studies: minembed's models scored beside the reference libraries (gensim) and reference programs
(word2vec's and glove.c's one-update-at-a-time loops, sgns_sequential.c and glove_sequential.c).

Run them as modules from the repository root:

    python -m experiments.parity_word2vec --corpus wiki --seeds 0     # a quick look (~1 min)

Their results are in experiments/RESULTS.md; `--write-results SECTION` rewrites a section from a run.
"""
