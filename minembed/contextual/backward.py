"""The MiniLM encoder's backward pass: from d(sentence vectors) to the gradient of every trained weight.

The blocks and their gradients are in minembed.contextual.backward_layers; this file strings them together the
way transformer.py's encoder does (embeddings, LayerNorm, L layers, mean pooling) and names each gradient as
transformers names its tensor, so that a fine-tuning loop (and torch's ``named_parameters()``) can be matched
name by name:

    params = parameters(encoder, train_layers=2)     # {"encoder.layer.4.attention.self.query.weight": (H, H), ...}
    pooled, cache = forward(encoder, batch, train_layers=2)      # (B, H) mean-pooled, not normalised
    grads = backward(encoder, cache, d_pooled)       # same keys and shapes as params
    for name in params: params[name] -= learning_rate * grads[name]     # updates the encoder in place

``train_layers`` says how much of the encoder learns, from the top: N in 1..L trains the top N layers (their
attention, feed-forward and LayerNorm weights) and keeps the embeddings and the lower L - N layers frozen;
N = L + 1 (7 for all-MiniLM-L6-v2) also trains the embedding
tables and the embedding LayerNorm. The frozen part runs through transformer.py's fast forward without keeping
anything; only the trained layers keep their caches (per layer about 20 arrays the size of the (B, T, H)
hidden states, most of them the feed-forward's (B*T, 4H) inner activations, and one (B, nh, T, T) of attention
weights: 112 MB a layer for 64 texts of 64 tokens in float32, measured with tracemalloc; peak 0.94 GB for
forward and backward through all six layers and the embeddings, 0.38 GB for the top two).

Matrices keep minembed's layout: a linear map's weight and its gradient are (in, out), the transpose of torch's
(out, in) tensor of the same name. Everything runs in the dtype of the encoder's arrays (float32 normally; the
tests run a float64 copy against torch autograd).

But: no dropout, no pooler, and the gradient of the word table is dense (V, H) as torch's is without sparse
embeddings (a fine-tuning loop that trains the embeddings touches every row with weight decay anyway).
"""

from __future__ import annotations

import numbers

import numpy as np

from minembed.contextual.backward_layers import (
    embeddings_backward, embeddings_forward, encoder_layer_backward, encoder_layer_forward, layer_norm_backward,
    layer_norm_forward, mean_pool_backward, mean_pool_forward,
)
from minembed.contextual.transformer import encoder_layer
from minembed.contextual.wordpiece import Batch

__all__ = ["parameters", "forward", "backward", "trained_layer_indices", "LAYER_TENSOR_NAMES",
           "EMBEDDING_TENSOR_NAMES"]

# LayerWeights' field -> the tail of its transformers tensor name, after "encoder.layer.{i}."
LAYER_TENSOR_NAMES = {
    "query": "attention.self.query.weight",
    "query_bias": "attention.self.query.bias",
    "key": "attention.self.key.weight",
    "key_bias": "attention.self.key.bias",
    "value": "attention.self.value.weight",
    "value_bias": "attention.self.value.bias",
    "attention_output": "attention.output.dense.weight",
    "attention_output_bias": "attention.output.dense.bias",
    "attention_norm_scale": "attention.output.LayerNorm.weight",
    "attention_norm_bias": "attention.output.LayerNorm.bias",
    "intermediate": "intermediate.dense.weight",
    "intermediate_bias": "intermediate.dense.bias",
    "output": "output.dense.weight",
    "output_bias": "output.dense.bias",
    "output_norm_scale": "output.LayerNorm.weight",
    "output_norm_bias": "output.LayerNorm.bias",
}
# BertEncoder's attribute -> its transformers tensor name
EMBEDDING_TENSOR_NAMES = {
    "word_embeddings": "embeddings.word_embeddings.weight",
    "position_embeddings": "embeddings.position_embeddings.weight",
    "token_type_embeddings": "embeddings.token_type_embeddings.weight",
    "embedding_norm_scale": "embeddings.LayerNorm.weight",
    "embedding_norm_bias": "embeddings.LayerNorm.bias",
}


def trained_layer_indices(encoder, train_layers: int) -> tuple[range, bool]:
    """(the indices of the trained layers, whether the embeddings train) for ``train_layers``.

    1..L: the top ``train_layers`` layers; L + 1: every layer and the embeddings.

    >>> from minembed.contextual.weights import BertConfig
    >>> class Tiny: config = BertConfig(num_layers=6)
    >>> trained_layer_indices(Tiny, 2)
    (range(4, 6), False)
    """
    num_layers = encoder.config.num_layers
    if isinstance(train_layers, bool) or not isinstance(train_layers, numbers.Integral):
        raise TypeError(f"train_layers must be a whole number (the top layers to train), got {train_layers!r:.40}.")
    if not 1 <= train_layers <= num_layers + 1:
        raise ValueError(
            f"train_layers must lie in 1..{num_layers + 1}: 1..{num_layers} trains the top layers of this "
            f"{num_layers}-layer encoder, {num_layers + 1} also the embeddings; got {train_layers}.")
    first = max(num_layers - train_layers, 0)
    return range(first, num_layers), train_layers > num_layers


def parameters(encoder, train_layers: int) -> dict[str, np.ndarray]:
    """The trainable arrays themselves (not copies; an optimiser updates them in place), by transformers' names.

    Matrices are (in, out), minembed's layout. See the module docstring for ``train_layers``.
    """
    layer_indices, with_embeddings = trained_layer_indices(encoder, train_layers)
    params = {}
    if with_embeddings:
        for attribute, name in EMBEDDING_TENSOR_NAMES.items():
            params[name] = getattr(encoder, attribute)
    for i in layer_indices:
        for field, tail in LAYER_TENSOR_NAMES.items():
            params[f"encoder.layer.{i}.{tail}"] = getattr(encoder.layers[i], field)
    return params


def forward(encoder, batch: Batch, train_layers: int) -> tuple[np.ndarray, dict]:
    """Mean-pooled sentence vectors (B, H), NOT L2-normalised, in the encoder's dtype; and the cache for
    :func:`backward`. The frozen embeddings and layers run without caching."""
    layer_indices, with_embeddings = trained_layer_indices(encoder, train_layers)
    input_ids, attention_mask = encoder._check_batch(batch)  # (B, T) int each; clear errors on bad batches
    token_type_ids = np.asarray(batch.token_type_ids)  # (B, T) int
    config = encoder.config
    dtype = encoder.word_embeddings.dtype
    key_bias_mask = None  # (B, T): 0 for tokens, -inf for padding
    if not attention_mask.all():
        key_bias_mask = np.where(attention_mask == 1, 0.0, -np.inf).astype(dtype)
    cache = {"train_layers": train_layers, "layers": []}
    if with_embeddings:
        summed, cache["embeddings"] = embeddings_forward(
            input_ids, token_type_ids, encoder.word_embeddings, encoder.position_embeddings,
            encoder.token_type_embeddings)  # (B, T, H)
        x, cache["embedding_norm"] = layer_norm_forward(
            summed, encoder.embedding_norm_scale, encoder.embedding_norm_bias, config.layer_norm_eps)
    else:
        x = encoder.embed(input_ids, token_type_ids)  # (B, T, H), nothing kept
    for i in range(layer_indices.start):  # the frozen layers
        if dtype == np.float32:
            x = encoder_layer(x, key_bias_mask, encoder.layers[i], config)  # transformer.py's fast path
        else:  # gelu_fast is float32-only: the exact layer, its cache dropped
            x, _ = encoder_layer_forward(x, key_bias_mask, encoder.layers[i], config.num_heads,
                                         config.layer_norm_eps)
    for i in layer_indices:
        x, layer_cache = encoder_layer_forward(x, key_bias_mask, encoder.layers[i], config.num_heads,
                                               config.layer_norm_eps)  # (B, T, H)
        cache["layers"].append(layer_cache)
    pooled, cache["pool"] = mean_pool_forward(x, attention_mask)  # (B, H)
    return pooled, cache


def backward(encoder, cache: dict, d_pooled: np.ndarray) -> dict[str, np.ndarray]:
    """dLoss/d(every array of ``parameters(encoder, train_layers)``), same keys and shapes, from
    ``d_pooled`` = dLoss/d(pooled) (B, H) and the cache of :func:`forward`."""
    layer_indices, with_embeddings = trained_layer_indices(encoder, cache["train_layers"])
    dtype = encoder.word_embeddings.dtype
    d_pooled = np.asarray(d_pooled)
    mask, _ = cache["pool"]
    if d_pooled.shape != (mask.shape[0], encoder.config.hidden_size):
        raise ValueError(f"d_pooled must have the shape of forward()'s pooled vectors, "
                         f"{(mask.shape[0], encoder.config.hidden_size)}, got {d_pooled.shape}.")
    if not np.all(np.isfinite(d_pooled)):
        raise FloatingPointError("d_pooled holds NaN or inf; the loss diverged before the backward pass: "
                                 "lower the learning rate.")
    d_x = mean_pool_backward(d_pooled.astype(dtype, copy=False), cache["pool"])  # (B, T, H)
    grads = {}
    for i, layer_cache in reversed(list(zip(layer_indices, cache["layers"]))):  # from the top layer down
        d_x, layer_grads = encoder_layer_backward(d_x, layer_cache)  # (B, T, H)
        for field, tail in LAYER_TENSOR_NAMES.items():
            grads[f"encoder.layer.{i}.{tail}"] = layer_grads[field]
    if with_embeddings:
        d_summed, d_scale, d_bias = layer_norm_backward(d_x, cache["embedding_norm"])  # (B, T, H)
        d_word, d_position, d_token_type = embeddings_backward(d_summed, cache["embeddings"])
        grads.update({"embeddings.word_embeddings.weight": d_word,
                      "embeddings.position_embeddings.weight": d_position,
                      "embeddings.token_type_embeddings.weight": d_token_type,
                      "embeddings.LayerNorm.weight": d_scale, "embeddings.LayerNorm.bias": d_bias})
    return {name: grads[name] for name in parameters(encoder, cache["train_layers"])}  # parameters()' order
