"""Text cleaning and tokenisation: the classic pre-processing pipeline, step by step.

Before any embedding is trained, raw text goes through a handful of small steps.
Each one here is a plain function you can call on its own, reorder, or leave out:

    text steps (str -> str)      lowercase, remove_urls, remove_mentions_and_hashtags,
                                 remove_numbers, strip_punctuation
    tokenize   (str -> tokens)   a regex word tokenizer
    token steps (tokens -> tokens)  remove_short_words, remove_stopwords

`clean(text)` runs them in that order (`DEFAULT_STEPS`) and returns tokens:

    >>> clean("Loving the new #python release!! See https://python.org @guido 3.13 :)")
    ['loving', 'new', 'release']

Split a document into sentences first (`split_sentences`), then clean each
sentence: the text steps squeeze all whitespace, newlines included, to one space.

The stopword list (`ENGLISH_STOPWORDS`, 318 words) is the Glasgow Information
Retrieval group's list as shipped by scikit-learn (`ENGLISH_STOP_WORDS`); it is
written out below so minembed does not need scikit-learn at run time.

But: no stemming or lemmatisation, no Unicode normalisation (NFKC), no
language detection, no handling of HTML or emoji beyond "not a letter or digit,
so it is punctuation", and sentence splitting is a single regex (see
`split_sentences` for what it gets wrong). nltk / spaCy do all of these better.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from minembed.training.settings import whole_number

# The Glasgow IR stop list (van Rijsbergen, "Information Retrieval", 1979) in the
# form scikit-learn ships it. Some entries surprise people (bill, fire, system,
# thick, thin) and "amoungst" is a typo kept from the source: see Nothman et al.
# 2018, "Stop Word Lists in Free Open-source Software Packages".
ENGLISH_STOPWORDS: frozenset[str] = frozenset(
    """
    a about above across after afterwards again against all almost alone along already
    also although always am among amongst amoungst amount an and another any anyhow
    anyone anything anyway anywhere are around as at back be became because become
    becomes becoming been before beforehand behind being below beside besides between
    beyond bill both bottom but by call can cannot cant co con could couldnt cry de
    describe detail do done down due during each eg eight either eleven else elsewhere
    empty enough etc even ever every everyone everything everywhere except few fifteen
    fifty fill find fire first five for former formerly forty found four from front full
    further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed
    interest into is it its itself keep last latter latterly least less ltd made many
    may me meanwhile might mill mine more moreover most mostly move much must my myself
    name namely neither never nevertheless next nine no nobody none noone nor not
    nothing now nowhere of off often on once one only onto or other others otherwise our
    ours ourselves out over own part per perhaps please put rather re same see seem
    seemed seeming seems serious several she should show side since sincere six sixty so
    some somehow someone something sometime sometimes somewhere still such system take
    ten than that the their them themselves then thence there thereafter thereby
    therefore therein thereupon these they thick thin third this those though three
    through throughout thru thus to together too top toward towards twelve twenty two un
    under until up upon us very via was we well were what whatever when whence whenever
    where whereafter whereas whereby wherein whereupon wherever whether which while
    whither who whoever whole whom whose why will with within without would yet you your
    yours yourself yourselves
    """.split()
)

# ---------------------------------------------------------------- text steps (str -> str)

URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# "@" or "#" at the start of a word; the look-behind keeps e-mail addresses
# ("me@example.com") and "C#" out of it.
MENTION_OR_HASHTAG_RE = re.compile(r"(?<!\w)[@#]\w+")
# Apostrophes inside words are deleted ("don't" -> "dont"); every other character
# that is not a letter, digit or whitespace becomes a space ("well-known" -> "well known").
APOSTROPHE_RE = re.compile(r"(?<=\w)['\u2019](?=\w)")
PUNCTUATION_RE = re.compile(r"[^\w\s]|_")
# A number standing alone: 42, 3.14, 1,000,000. Digits inside a word ("covid19", "2nd") stay.
NUMBER_RE = re.compile(r"\b\d+(?:[.,]\d+)*\b")


def _require_str(value: object, step: str) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"{step}() works on a str, got {type(value).__name__}; "
            f"put it before tokenize in the steps"
        )
    return value


def _squeeze(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return " ".join(text.split())


def lowercase(text: str) -> str:
    """Lower-case the text (`str.lower`).

    >>> lowercase("The Cat SAT")
    'the cat sat'
    """
    return _require_str(text, "lowercase").lower()


def remove_urls(text: str) -> str:
    """Drop anything that starts with http://, https:// or www. up to the next space.

    A full stop straight after a URL goes with it.

    >>> remove_urls("docs at https://numpy.org/doc/ and www.python.org.")
    'docs at and'
    """
    return _squeeze(URL_RE.sub(" ", _require_str(text, "remove_urls")))


def remove_mentions_and_hashtags(text: str) -> str:
    """Drop @mentions and #hashtags, tag word included (some pipelines keep the word).

    >>> remove_mentions_and_hashtags("@alice loves #NLP, mail me@example.com")
    'loves , mail me@example.com'
    """
    return _squeeze(MENTION_OR_HASHTAG_RE.sub(" ", _require_str(text, "remove_mentions_and_hashtags")))


def strip_punctuation(text: str) -> str:
    """Delete apostrophes inside words, turn every other non-letter, non-digit into a space.

    "Punctuation" here is anything `\\w` does not match, so symbols and emoji go
    too, while accented letters stay.

    >>> strip_punctuation("Don't panic: it's well-known... café_au_lait!")
    'Dont panic its well known café au lait'
    """
    text = APOSTROPHE_RE.sub("", _require_str(text, "strip_punctuation"))
    return _squeeze(PUNCTUATION_RE.sub(" ", text))


def remove_numbers(text: str) -> str:
    """Drop numbers that stand alone (42, 3.14, 1,000); digits inside words stay.

    >>> remove_numbers("in 2024 covid19 cost 1,000,000 or 3.5 per 2nd item")
    'in covid19 cost or per 2nd item'
    """
    return _squeeze(NUMBER_RE.sub(" ", _require_str(text, "remove_numbers")))


# ---------------------------------------------------------------- tokenizer (str -> tokens)

# A token is a run of word characters (letters, digits, underscore, any script),
# optionally joined to more runs by an apostrophe or hyphen *inside* the word.
# Everything else (spaces, punctuation) separates tokens and is thrown away.
TOKEN_RE = re.compile(r"\w+(?:['\u2019-]\w+)*")


def tokenize(text: str) -> list[str]:
    """Split text into word tokens with the regex ``\\w+(?:['’-]\\w+)*``.

    Examples of what the regex does:
        "don't"             -> ["don't"]        (inner apostrophe kept)
        "state-of-the-art"  -> ["state-of-the-art"]
        "3.14"              -> ["3", "14"]      (a dot is not inside-word punctuation)
        "'quoted'"          -> ["quoted"]       (outer quotes dropped)
        "naïve über"        -> ["naïve", "über"]

    >>> tokenize("Don't split state-of-the-art, but do split 3.14!")
    ["Don't", 'split', 'state-of-the-art', 'but', 'do', 'split', '3', '14']
    """
    return TOKEN_RE.findall(_require_str(text, "tokenize"))


# ---------------------------------------------------------------- token steps (tokens -> tokens)


def _require_tokens(tokens: object, step: str) -> Sequence[str]:
    # A str is iterable too, and would silently be treated as a list of letters.
    if isinstance(tokens, str):
        raise TypeError(
            f"{step}() works on a list of tokens, got a str; "
            f"call tokenize first (or put {step} after tokenize in the steps)"
        )
    return tokens  # type: ignore[return-value]


def remove_short_words(tokens: Iterable[str], min_length: int = 3) -> list[str]:
    """Keep tokens with at least `min_length` characters.

    The default 3 is the classic tweet-cleaning recipe: drop words of 1-2 letters.
    Pass another value with `functools.partial(remove_short_words, min_length=2)`.

    >>> remove_short_words(["i", "am", "the", "cat"])
    ['the', 'cat']
    """
    whole_number("min_length", min_length, 1, "1 keeps every token")
    return [t for t in _require_tokens(tokens, "remove_short_words") if len(t) >= min_length]


def remove_stopwords(
    tokens: Iterable[str], stopwords: frozenset[str] | set[str] = ENGLISH_STOPWORDS
) -> list[str]:
    """Drop tokens found in `stopwords` (case-sensitive: lower-case first).

    >>> remove_stopwords(["the", "cat", "sat", "on", "the", "mat"])
    ['cat', 'sat', 'mat']
    >>> remove_stopwords(["The", "cat"])  # "The" is not "the"
    ['The', 'cat']
    """
    return [t for t in _require_tokens(tokens, "remove_stopwords") if t not in stopwords]


# ---------------------------------------------------------------- the pipeline

Step = Callable[..., object]

DEFAULT_STEPS: tuple[Step, ...] = (
    lowercase,
    remove_urls,                   # before strip_punctuation, which would break URLs apart
    remove_mentions_and_hashtags,  # likewise: "#tag" must still have its "#"
    remove_numbers,                # before strip_punctuation, so "3.14" goes as one number
    strip_punctuation,
    tokenize,
    remove_short_words,
    remove_stopwords,
)


def clean(text: str, steps: Sequence[Step] = DEFAULT_STEPS) -> list[str]:
    """Run `steps` in order on `text` and return tokens.

    Steps before `tokenize` take and return a str; steps after it take and return
    a list of tokens. If no step tokenizes, `tokenize` runs at the end.

    >>> clean("The cat sat on the mat with @bob!")
    ['cat', 'sat', 'mat']
    >>> clean("The cat sat on the mat with @bob!", steps=[lowercase])
    ['the', 'cat', 'sat', 'on', 'the', 'mat', 'with', 'bob']
    """
    value: object = _require_str(text, "clean")
    for step in steps:
        value = step(value)
    if isinstance(value, str):
        value = tokenize(value)
    return list(value)  # type: ignore[call-overload]


# ---------------------------------------------------------------- sentences

# Split at whitespace that follows . ! or ? (optionally closed by a quote or
# bracket) and precedes a capital letter or digit (optionally opened by a quote
# or bracket); also at blank lines. Python's look-behind must have a fixed width,
# hence two of them.
SENTENCE_BOUNDARY_RE = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)\]]))\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"
    r"|\n\s*\n"
)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences with one regex (see SENTENCE_BOUNDARY_RE).

    A boundary is whitespace after ".", "!" or "?" (a closing quote or bracket may
    follow it) and before a capital letter or digit (an opening quote may precede
    it), or a blank line.

    >>> split_sentences('It rained. "Really?" she asked! 3 days later it stopped.')
    ['It rained.', '"Really?" she asked!', '3 days later it stopped.']

    What it gets wrong: abbreviations and initials followed by a capital split
    ("Dr. Smith" -> "Dr." | "Smith"), while a sentence that starts in lower case
    ("iPhone sales rose.") does not split from the one before:

    >>> split_sentences("Dr. Smith arrived. e.g. this stays. iPhones too.")
    ['Dr.', 'Smith arrived. e.g. this stays. iPhones too.']
    """
    parts = SENTENCE_BOUNDARY_RE.split(_require_str(text, "split_sentences"))
    return [p.strip() for p in parts if p.strip()]
