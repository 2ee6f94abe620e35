"""Saving an encoder as a sentence-transformers model folder, the layout ``SentenceTransformer(folder)`` loads.

The reverse of weights.py: what ``SentenceTransformer.save(folder)`` writes for a BERT model with mean pooling,

    modules.json                    the pipeline: Transformer -> 1_Pooling -> (2_Normalize)
    config.json                     the BERT architecture, as transformers' BertConfig writes it
    config_sentence_transformers.json   the similarity function (cosine)
    sentence_bert_config.json       max_seq_length, do_lower_case
    1_Pooling/config.json           mean pooling over the real tokens
    2_Normalize/                    (empty) when the encoder's vectors come out unit length
    vocab.txt, tokenizer_config.json, special_tokens_map.json     BertTokenizer's files
    model.safetensors               every tensor by its transformers name, linear maps back in torch's (out, in)

    save_encoder(encoder, "my-model")         # also encoder.save("my-model")
    SentenceTransformer("my-model")           # loads it offline; load_minilm("my-model") reads it back

The folder is written under a hidden temporary name beside the target and renamed into place (as
minembed.vectors.atomic does for files), so a save killed half-way leaves no half folder under the name. A
folder already at the target is replaced only if it is itself a model folder (it has modules.json or
config.json); weights holding NaN or inf are refused before anything is written.

But: no tokenizer.json (transformers builds the fast tokenizer from vocab.txt), no pooler weights (transformers
initialises the unused pooler itself and says so), no model card (README.md), float32 only.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

import numpy as np

from minembed.contextual.backward import EMBEDDING_TENSOR_NAMES, LAYER_TENSOR_NAMES
from minembed.vectors.atomic import temporary_name

__all__ = ["save_encoder", "state_dict"]


def state_dict(encoder) -> dict[str, np.ndarray]:
    """Every weight of the encoder by its transformers name, float32 and contiguous; matrices (out, in).

    minembed keeps a linear map's matrix (in, out) for ``x @ W``; torch and the file keep (out, in).
    """
    tensors = {}
    for attribute, name in EMBEDDING_TENSOR_NAMES.items():
        tensors[name] = getattr(encoder, attribute)
    for i, layer in enumerate(encoder.layers):
        for field, tail in LAYER_TENSOR_NAMES.items():
            array = getattr(layer, field)
            tensors[f"encoder.layer.{i}.{tail}"] = array.T if array.ndim == 2 else array     # (out, in)
    return {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in tensors.items()}


def _check_finite(tensors: dict[str, np.ndarray]) -> None:
    broken = [name for name, array in tensors.items() if not np.isfinite(array).all()]
    if broken:
        raise FloatingPointError(
            f"refusing to save: {len(broken)} tensor(s) hold NaN or inf ({', '.join(broken[:3])}); training "
            f"diverged. Fine-tune again with a lower learning rate or a longer warm-up")


def _config_json(encoder) -> dict:
    c = encoder.config
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "hidden_size": c.hidden_size, "num_hidden_layers": c.num_layers, "num_attention_heads": c.num_heads,
        "intermediate_size": c.intermediate_size, "hidden_act": "gelu",
        "max_position_embeddings": c.max_position_embeddings, "type_vocab_size": c.type_vocab_size,
        "vocab_size": c.vocab_size, "layer_norm_eps": c.layer_norm_eps, "position_embedding_type": "absolute",
        "pad_token_id": encoder.tokenizer.pad_id, "initializer_range": 0.02,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,     # BERT's; minembed has no dropout
    }


def _tokenizer_files(tokenizer) -> dict[str, str]:
    strip_accents = None if tokenizer.strip_accents == tokenizer.lowercase else tokenizer.strip_accents
    specials = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                "mask_token": "[MASK]"}
    config = {"do_lower_case": tokenizer.lowercase, "strip_accents": strip_accents, "tokenize_chinese_chars": True,
              "do_basic_tokenize": True, "tokenizer_class": "BertTokenizer", "model_max_length": 512, **specials}
    return {"vocab.txt": "".join(piece + "\n" for piece in tokenizer.vocab),
            "tokenizer_config.json": json.dumps(config, indent=2),
            "special_tokens_map.json": json.dumps(specials, indent=2)}


def _module_files(encoder) -> dict[str, str]:
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if encoder.normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    pooling = {"word_embedding_dimension": encoder.config.hidden_size, "pooling_mode_cls_token": False,
               "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False}
    return {"modules.json": json.dumps(modules, indent=2),
            "sentence_bert_config.json": json.dumps({"max_seq_length": encoder.config.max_seq_length,
                                                     "do_lower_case": False}, indent=2),
            "config_sentence_transformers.json": json.dumps({"similarity_fn_name": "cosine", "prompts": {},
                                                             "default_prompt_name": None}, indent=2),
            "1_Pooling/config.json": json.dumps(pooling, indent=2),
            "config.json": json.dumps(_config_json(encoder), indent=2)}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def save_encoder(encoder, folder: str | os.PathLike) -> Path:
    """Write ``encoder`` as a sentence-transformers model folder at ``folder`` (made or replaced whole).

    Returns the folder's path. Refuses weights holding NaN or inf, and a target that exists but is a file or a
    folder other than a model folder (so a typo cannot delete a directory of other things).
    """
    try:
        from safetensors.numpy import save as safetensors_bytes
    except ImportError:
        raise ImportError("saving model.safetensors needs `pip install safetensors`") from None
    target = Path(os.path.abspath(os.fspath(folder)))
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"cannot save the encoder to {target}: it is a file; name a folder")
    if target.is_dir() and any(target.iterdir()) and not any((target / n).is_file()
                                                             for n in ("modules.json", "config.json")):
        raise FileExistsError(f"{target} holds files but is not a model folder; name a new or empty folder, "
                              f"so that saving does not replace it")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot save to {target}: directory {target.parent} does not exist; create it")
    tensors = state_dict(encoder)
    _check_finite(tensors)

    token = secrets.token_hex(8)
    staging = target.parent / temporary_name(target.name, token)
    try:
        files = {**_module_files(encoder), **_tokenizer_files(encoder.tokenizer)}
        for name, text in files.items():
            _write(staging / name, text.encode("utf-8"))
        if encoder.normalize:
            (staging / "2_Normalize").mkdir()
        _write(staging / "model.safetensors", safetensors_bytes(tensors, metadata={"format": "pt"}))
        if target.exists():     # swap: the old model folder steps aside, the new one takes its name
            old = target.parent / temporary_name(target.name + ".old", token)
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
