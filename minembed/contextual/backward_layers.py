"""Every block of the MiniLM encoder twice: its forward pass keeping what the backward pass needs, and that backward.

micrograd-style (Karpathy's ``engine.py``): each ``*_forward(...) -> (output, cache)`` sits right beside its
``*_backward(d_output, cache) -> gradients``, so one block's gradient can be read without the rest. The forward
math is transformer.py's (BERT's post-LayerNorm encoder, Devlin et al. 2018, as transformers' ``BertModel``
computes it); the tests hold every forward to transformer.py and every backward to torch autograd and to finite
differences. ``d_output`` is dLoss/d(output), of the output's shape; the backward returns dLoss/d(each input).

    embeddings      summed = word[id] + position[t] + token_type[segment]
    layer_norm      y = (x - mean) / sqrt(var + eps) * scale + bias
    linear          y = x @ W + b                       W stored (in, out)
    gelu            y = x Phi(x)                        the exact erf form, as BERT
    softmax         p = exp(s) / sum exp(s)             over the last axis
    self_attention  softmax(Q K^T / sqrt(d) + mask) V, heads merged, then a linear map
    feed_forward    W2 GELU(W1 x + b1) + b2
    encoder_layer   h = LN(x + attention(x)); y = LN(h + feed_forward(h))   (the residuals)
    mean_pool       average of the real tokens' vectors
    l2_normalize    v / |v|

Gradients of a layer's weights come back in a dict keyed by ``LayerWeights``' field names (``query``,
``query_bias``, ...); minembed.contextual.backward renames them to transformers' tensor names.

But: no dropout (fine-tuning here runs without it), and no fast paths: the GELU is scipy's erf rather than
transformer.py's ``gelu_fast``, and attention runs the whole batch at once rather than in cache-sized groups.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

from minembed.contextual.weights import LayerWeights
from minembed.training.scatter import add_to_rows


# --------------------------------------------------------------------------- #
# Embeddings: three table lookups, summed. The backward is a row scatter.
# --------------------------------------------------------------------------- #

def embeddings_forward(input_ids: np.ndarray, token_type_ids: np.ndarray, word: np.ndarray, position: np.ndarray,
                       token_type: np.ndarray) -> tuple[np.ndarray, tuple]:
    """word[input_ids] + position[0..T-1] + token_type[token_type_ids]: (B, T) ids -> (B, T, H) (before LayerNorm)."""
    length = input_ids.shape[1]
    summed = word[input_ids] + token_type[token_type_ids] + position[None, :length]  # (B, T, H)
    return summed, (input_ids, token_type_ids, word.shape, position.shape, token_type.shape)


def embeddings_backward(d_summed: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the three tables, (V, H), (P, H), (2, H). A row used n times receives the sum of its n
    upstream gradients: a scatter-add (a plain ``table[ids] += ...`` would keep only one of them)."""
    input_ids, token_type_ids, word_shape, position_shape, token_type_shape = cache
    batch, length, hidden = d_summed.shape
    rows = d_summed.reshape(batch * length, hidden)  # (B*T, H): one upstream vector per token
    ones = np.ones((batch * length, 1), dtype=d_summed.dtype)  # (B*T, 1): each token adds its vector once
    d_word = np.zeros(word_shape, dtype=d_summed.dtype)  # (V, H)
    add_to_rows(d_word, input_ids.reshape(-1, 1), ones, rows)
    d_token_type = np.zeros(token_type_shape, dtype=d_summed.dtype)  # (2, H)
    add_to_rows(d_token_type, token_type_ids.reshape(-1, 1), ones, rows)
    d_position = np.zeros(position_shape, dtype=d_summed.dtype)  # (P, H): rows T.. are unused, so 0
    d_position[:length] = d_summed.sum(axis=0)  # position t is used once per sequence
    return d_word, d_position, d_token_type


# --------------------------------------------------------------------------- #
# LayerNorm over the last axis.
# --------------------------------------------------------------------------- #

def layer_norm_forward(x: np.ndarray, scale: np.ndarray, bias: np.ndarray, eps: float) -> tuple[np.ndarray, tuple]:
    """(x - mean) / sqrt(var + eps) * scale + bias, biased variance. x (..., H) -> (..., H)."""
    centered = x - x.mean(axis=-1, keepdims=True)  # (..., H)
    inverse_std = 1.0 / np.sqrt(np.mean(centered * centered, axis=-1, keepdims=True) + eps)  # (..., 1)
    normalized = centered * inverse_std  # (..., H), mean 0 and variance ~1 per row: x-hat
    return normalized * scale + bias, (normalized, inverse_std, scale)


def layer_norm_backward(d_y: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(d_x, d_scale, d_bias). With x-hat the normalised row and g = d_y * scale,

        d_x = (g - mean(g) - x-hat * mean(g * x-hat)) / std

    (the mean and the variance depend on every element of the row: the two subtracted terms)."""
    normalized, inverse_std, scale = cache
    axes = tuple(range(d_y.ndim - 1))  # every axis but the last: scale and bias are shared by all rows
    d_scale = (d_y * normalized).sum(axis=axes)  # (H,)
    d_bias = d_y.sum(axis=axes)  # (H,)
    g = d_y * scale  # (..., H) gradient of x-hat
    d_x = g - g.mean(axis=-1, keepdims=True) - normalized * (g * normalized).mean(axis=-1, keepdims=True)
    return d_x * inverse_std, d_scale, d_bias


# --------------------------------------------------------------------------- #
# Linear map, weights stored (in, out).
# --------------------------------------------------------------------------- #

def linear_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, tuple]:
    """x @ weight + bias: (N, in) -> (N, out)."""
    return x @ weight + bias, (x, weight)


def linear_backward(d_y: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(d_x (N, in), d_weight (in, out), d_bias (out,)): d_x = d_y W^T, d_W = x^T d_y, d_b = sum of d_y's rows.

    >>> y, cache = linear_forward(np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]]), np.zeros(1))   # y = x1 + x2
    >>> [g.tolist() for g in linear_backward(np.ones((1, 1)), cache)]
    [[[1.0, 1.0]], [[1.0], [2.0]], [1.0]]
    """
    x, weight = cache
    return d_y @ weight.T, x.T @ d_y, d_y.sum(axis=0)


# --------------------------------------------------------------------------- #
# GELU, the exact erf form.
# --------------------------------------------------------------------------- #

def gelu_forward(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """x Phi(x) with Phi the standard normal CDF, Phi(x) = (1 + erf(x / sqrt 2)) / 2. Any shape."""
    cdf = 0.5 * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))  # Phi(x), x's dtype (scipy's erf keeps float32)
    return x * cdf, (x, cdf)


def gelu_backward(d_y: np.ndarray, cache: tuple) -> np.ndarray:
    """d_x = d_y (Phi(x) + x phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) the normal density.

    >>> y, cache = gelu_forward(np.array([0.0, 10.0]))
    >>> gelu_backward(np.ones(2), cache).tolist()     # slope 1/2 at 0, 1 far right (GELU ~ x there)
    [0.5, 1.0]
    """
    x, cdf = cache
    density = np.exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi))  # phi(x)
    return d_y * (cdf + x * density)


# --------------------------------------------------------------------------- #
# Softmax over the last axis.
# --------------------------------------------------------------------------- #

def softmax_forward(scores: np.ndarray) -> tuple[np.ndarray, tuple]:
    """exp(s - max) / sum exp(s - max) over the last axis; a score of -inf gets probability 0."""
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))  # (..., T)
    probabilities = shifted / shifted.sum(axis=-1, keepdims=True)  # (..., T), rows sum to 1
    return probabilities, (probabilities,)


def softmax_backward(d_p: np.ndarray, cache: tuple) -> np.ndarray:
    """d_s = p * (d_p - sum(d_p * p)): the Jacobian diag(p) - p p^T applied to d_p. A masked score
    (p = 0) gets gradient 0.

    >>> p, cache = softmax_forward(np.array([[0.0, 0.0, -np.inf]]))     # p = [1/2, 1/2, 0]
    >>> softmax_backward(np.array([[1.0, 0.0, 5.0]]), cache).tolist()
    [[0.25, -0.25, 0.0]]
    """
    (probabilities,) = cache
    return probabilities * (d_p - (d_p * probabilities).sum(axis=-1, keepdims=True))


# --------------------------------------------------------------------------- #
# Multi-head self-attention with the padding mask.
# --------------------------------------------------------------------------- #

def self_attention_forward(x: np.ndarray, key_bias_mask: np.ndarray | None, layer: LayerWeights,
                           num_heads: int) -> tuple[np.ndarray, tuple]:
    """softmax(Q K^T / sqrt(d) + mask) V per head, heads merged, then the output map. x (B, T, H) -> (B, T, H).

    key_bias_mask (B, T): 0 for real tokens, -inf for padding (None: no padding)."""
    batch, length, hidden = x.shape
    head_size = hidden // num_heads
    rows = x.reshape(batch * length, hidden)  # (B*T, H)

    def split_heads(projected: np.ndarray) -> np.ndarray:
        return projected.reshape(batch, length, num_heads, head_size).transpose(0, 2, 1, 3)  # (B, nh, T, d)

    q_rows, q_cache = linear_forward(rows, layer.query, layer.query_bias)  # (B*T, H)
    k_rows, k_cache = linear_forward(rows, layer.key, layer.key_bias)
    v_rows, v_cache = linear_forward(rows, layer.value, layer.value_bias)
    queries = split_heads(q_rows) * (1.0 / math.sqrt(head_size))  # (B, nh, T, d), already scaled
    keys, values = split_heads(k_rows), split_heads(v_rows)  # (B, nh, T, d)
    scores = queries @ keys.transpose(0, 1, 3, 2)  # (B, nh, T, T): query t . key s / sqrt(d)
    if key_bias_mask is not None:
        scores = scores + key_bias_mask[:, None, None, :]  # padding keys -> -inf
    weights, softmax_cache = softmax_forward(scores)  # (B, nh, T, T)
    context = weights @ values  # (B, nh, T, d)
    merged = context.transpose(0, 2, 1, 3).reshape(batch * length, hidden)  # (B*T, H)
    output, output_cache = linear_forward(merged, layer.attention_output, layer.attention_output_bias)
    cache = (x.shape, num_heads, queries, keys, values, softmax_cache, q_cache, k_cache, v_cache, output_cache)
    return output.reshape(batch, length, hidden), cache


def self_attention_backward(d_output: np.ndarray, cache: tuple) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(d_x (B, T, H), the gradients of query, key, value and attention_output with their biases)."""
    shape, num_heads, queries, keys, values, softmax_cache, q_cache, k_cache, v_cache, output_cache = cache
    batch, length, hidden = shape
    head_size = hidden // num_heads
    (weights,) = softmax_cache  # (B, nh, T, T)
    grads = {}
    d_merged, grads["attention_output"], grads["attention_output_bias"] = linear_backward(
        d_output.reshape(batch * length, hidden), output_cache)  # (B*T, H)
    d_context = d_merged.reshape(batch, length, num_heads, head_size).transpose(0, 2, 1, 3)  # (B, nh, T, d)
    d_weights = d_context @ values.transpose(0, 1, 3, 2)  # (B, nh, T, T)
    d_values = weights.transpose(0, 1, 3, 2) @ d_context  # (B, nh, T, d)
    d_scores = softmax_backward(d_weights, softmax_cache)  # (B, nh, T, T); the mask is a constant
    d_queries = (d_scores @ keys) * (1.0 / math.sqrt(head_size))  # (B, nh, T, d), through the 1/sqrt(d) scale
    d_keys = d_scores.transpose(0, 1, 3, 2) @ queries  # (B, nh, T, d)

    def merge_heads(heads: np.ndarray) -> np.ndarray:
        return heads.transpose(0, 2, 1, 3).reshape(batch * length, hidden)  # (B*T, H)

    d_rows = np.zeros((batch * length, hidden), dtype=d_output.dtype)  # (B*T, H): x feeds Q, K and V
    for name, d_heads, linear_cache in (("query", d_queries, q_cache), ("key", d_keys, k_cache),
                                        ("value", d_values, v_cache)):
        d_in, grads[name], grads[f"{name}_bias"] = linear_backward(merge_heads(d_heads), linear_cache)
        d_rows += d_in
    return d_rows.reshape(shape), grads


# --------------------------------------------------------------------------- #
# The feed-forward block, token by token.
# --------------------------------------------------------------------------- #

def feed_forward_forward(x: np.ndarray, layer: LayerWeights) -> tuple[np.ndarray, tuple]:
    """W2 GELU(W1 x + b1) + b2 on every token. x (B, T, H) -> (B, T, H); the inner width is I."""
    batch, length, hidden = x.shape
    inner, inner_cache = linear_forward(x.reshape(batch * length, hidden), layer.intermediate,
                                        layer.intermediate_bias)  # (B*T, I)
    activated, gelu_cache = gelu_forward(inner)  # (B*T, I)
    output, output_cache = linear_forward(activated, layer.output, layer.output_bias)  # (B*T, H)
    return output.reshape(x.shape), (x.shape, inner_cache, gelu_cache, output_cache)


def feed_forward_backward(d_output: np.ndarray, cache: tuple) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(d_x (B, T, H), gradients of intermediate, intermediate_bias, output, output_bias)."""
    shape, inner_cache, gelu_cache, output_cache = cache
    grads = {}
    d_activated, grads["output"], grads["output_bias"] = linear_backward(d_output.reshape(-1, shape[2]),
                                                                         output_cache)  # (B*T, I)
    d_inner = gelu_backward(d_activated, gelu_cache)  # (B*T, I)
    d_x, grads["intermediate"], grads["intermediate_bias"] = linear_backward(d_inner, inner_cache)  # (B*T, H)
    return d_x.reshape(shape), grads


# --------------------------------------------------------------------------- #
# One encoder layer: two residual branches, each followed by LayerNorm.
# --------------------------------------------------------------------------- #

def encoder_layer_forward(x: np.ndarray, key_bias_mask: np.ndarray | None, layer: LayerWeights,
                          num_heads: int, eps: float) -> tuple[np.ndarray, tuple]:
    """h = LN1(x + SelfAttention(x)); y = LN2(h + FeedForward(h)). x (B, T, H) -> (B, T, H)."""
    attended, attention_cache = self_attention_forward(x, key_bias_mask, layer, num_heads)  # (B, T, H)
    h, norm1_cache = layer_norm_forward(x + attended, layer.attention_norm_scale, layer.attention_norm_bias, eps)
    transformed, ff_cache = feed_forward_forward(h, layer)  # (B, T, H)
    y, norm2_cache = layer_norm_forward(h + transformed, layer.output_norm_scale, layer.output_norm_bias, eps)
    return y, (attention_cache, norm1_cache, ff_cache, norm2_cache)


def encoder_layer_backward(d_y: np.ndarray, cache: tuple) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(d_x (B, T, H), every LayerWeights field's gradient). A residual x + f(x) passes its gradient to x twice:
    straight through, and through f; the two are added."""
    attention_cache, norm1_cache, ff_cache, norm2_cache = cache
    grads = {}
    d_sum2, grads["output_norm_scale"], grads["output_norm_bias"] = layer_norm_backward(d_y, norm2_cache)
    d_h_through_ff, ff_grads = feed_forward_backward(d_sum2, ff_cache)
    d_h = d_sum2 + d_h_through_ff  # the residual h + FeedForward(h)
    d_sum1, grads["attention_norm_scale"], grads["attention_norm_bias"] = layer_norm_backward(d_h, norm1_cache)
    d_x_through_attention, attention_grads = self_attention_backward(d_sum1, attention_cache)
    grads.update(ff_grads)
    grads.update(attention_grads)
    return d_sum1 + d_x_through_attention, grads  # the residual x + SelfAttention(x)


# --------------------------------------------------------------------------- #
# Mean pooling and L2 normalisation: from token vectors to a sentence vector.
# --------------------------------------------------------------------------- #

def mean_pool_forward(hidden: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Average over the real tokens: hidden (B, T, H), attention_mask (B, T) 0/1 -> (B, H)."""
    mask = attention_mask.astype(hidden.dtype)[:, :, None]  # (B, T, 1)
    counts = np.maximum(mask.sum(axis=1), 1e-9)  # (B, 1), never 0
    return (hidden * mask).sum(axis=1) / counts, (mask, counts)


def mean_pool_backward(d_pooled: np.ndarray, cache: tuple) -> np.ndarray:
    """Each real token receives d_pooled / count; padding receives 0. (B, H) -> (B, T, H).

    >>> pooled, cache = mean_pool_forward(np.ones((1, 3, 1)), np.array([[1, 1, 0]]))
    >>> mean_pool_backward(np.array([[2.0]]), cache)[0, :, 0].tolist()
    [1.0, 1.0, 0.0]
    """
    mask, counts = cache
    return (d_pooled / counts)[:, None, :] * mask


def l2_normalize_forward(vectors: np.ndarray, eps: float = 1e-12) -> tuple[np.ndarray, tuple]:
    """v / max(|v|, eps) for each row: (B, D) -> (B, D) (torch's F.normalize)."""
    norms = np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), eps)  # (B, 1)
    unit = vectors / norms  # (B, D)
    return unit, (unit, norms, norms > eps)


def l2_normalize_backward(d_unit: np.ndarray, cache: tuple) -> np.ndarray:
    """d_v = (d_u - u (u . d_u)) / |v|: only the part of d_u across the unit vector moves it (a row shorter
    than eps was divided by the constant eps: its gradient is d_u / eps).

    >>> unit, cache = l2_normalize_forward(np.array([[3.0, 4.0]]))          # u = [0.6, 0.8], |v| = 5
    >>> np.round(l2_normalize_backward(np.array([[1.0, 0.0]]), cache), 6).tolist()   # ([1, 0] - 0.6 u) / 5
    [[0.128, -0.096]]
    """
    unit, norms, normalized = cache
    radial = np.where(normalized, (unit * d_unit).sum(axis=-1, keepdims=True), 0.0)  # (B, 1)
    return (d_unit - unit * radial) / norms
