"""Tests for minembed.tokens.text: every cleaning step on examples worked out by hand."""

import doctest
import functools

import pytest

import minembed.tokens.text
from minembed.tokens.text import (
    DEFAULT_STEPS,
    ENGLISH_STOPWORDS,
    clean,
    lowercase,
    remove_mentions_and_hashtags,
    remove_numbers,
    remove_short_words,
    remove_stopwords,
    remove_urls,
    split_sentences,
    strip_punctuation,
    tokenize,
)


def test_docstring_examples():
    results = doctest.testmod(minembed.tokens.text)
    assert results.attempted >= 10
    assert results.failed == 0


def test_stopwords_are_scikit_learns_list(sklearn):
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert len(ENGLISH_STOPWORDS) == 318
    assert ENGLISH_STOPWORDS == frozenset(ENGLISH_STOP_WORDS)


@pytest.mark.parametrize(
    "step, text, expected",
    [
        (lowercase, "Hello WORLD, Ünïcode", "hello world, ünïcode"),
        (remove_urls, "read http://a.b/c?d=1 then HTTPS://X.Y/z, www.site.org end",
         "read then end"),
        (remove_urls, "no urls here", "no urls here"),
        (remove_mentions_and_hashtags, "@bob: #tbt with @carol_99 #2024!",
         ": with !"),
        (remove_mentions_and_hashtags, "mail bob@example.com about C# and issue#3",
         "mail bob@example.com about C# and issue#3"),
        (strip_punctuation, "Hello, world! (It's) a \u201cgreat\u201d day -- isn\u2019t it?",
         "Hello world Its a great day isnt it"),
        (strip_punctuation, "snake_case $5 & 50% + emoji \U0001F600 ok",
         "snake case 5 50 emoji ok"),
        (remove_numbers, "3 cats, 2.5 dogs and 1,000 fish in 2024 on route66",
         "cats, dogs and fish in on route66"),
    ],
)
def test_text_steps_on_worked_examples(step, text, expected):
    assert step(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The cat sat.", ["The", "cat", "sat"]),
        ("don't stop-and-go 'quoted' word", ["don't", "stop-and-go", "quoted", "word"]),
        ("pi is 3.14, e is 2.718", ["pi", "is", "3", "14", "e", "is", "2", "718"]),
        ("na\u00efve \u00fcber caf\u00e9", ["na\u00efve", "\u00fcber", "caf\u00e9"]),
        ("well-known- --dashes--", ["well-known", "dashes"]),
        ("", []),
    ],
)
def test_tokenize_on_worked_examples(text, expected):
    assert tokenize(text) == expected


def test_token_steps_on_worked_examples():
    tokens = ["a", "an", "ox", "the", "cats", "i"]
    assert remove_short_words(tokens) == ["the", "cats"]
    assert remove_short_words(tokens, min_length=2) == ["an", "ox", "the", "cats"]
    assert remove_short_words(tokens, min_length=1) == tokens
    assert remove_stopwords(["we", "saw", "a", "fire", "in", "the", "system"]) == ["saw"]
    assert remove_stopwords(["we", "saw", "a", "cat"], stopwords={"saw"}) == ["we", "a", "cat"]


def test_clean_default_pipeline_on_a_tweet():
    tweet = "RT @nasa: We're LAUNCHING the #Artemis rocket at 9:30 today!!! https://t.co/xyz Don't miss it :)"
    # lowercase, drop URL, @nasa and #artemis, drop 9 and 30, strip punctuation
    # ("we're" -> "were", "don't" -> "dont"), drop "rt", "at", "it" (short), then
    # the stopwords "were" and "the".
    assert clean(tweet) == ["launching", "rocket", "today", "dont", "miss"]


def test_clean_with_custom_steps():
    text = "The 2 Cats, the DOG."
    assert clean(text, steps=[]) == ["The", "2", "Cats", "the", "DOG"]
    assert clean(text, steps=[lowercase, remove_numbers]) == ["the", "cats", "the", "dog"]
    keep_two_letters = functools.partial(remove_short_words, min_length=2)
    assert clean("I am an ox", steps=[lowercase, tokenize, keep_two_letters]) == ["am", "an", "ox"]
    assert DEFAULT_STEPS[0] is lowercase


def test_steps_in_the_wrong_order_say_what_to_do():
    with pytest.raises(TypeError, match="put it before tokenize"):
        clean("The cat", steps=[tokenize, lowercase])
    with pytest.raises(TypeError, match="call tokenize first"):
        remove_stopwords("the cat")
    with pytest.raises(TypeError, match="call tokenize first"):
        clean("The cat", steps=[remove_short_words])
    with pytest.raises(ValueError, match="min_length must be a positive integer \\(1 keeps every token\\)"):
        remove_short_words(["cat"], min_length=0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One. Two! Three? four.", ["One.", "Two!", "Three? four."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("Price is 3.50 dollars. 12 people paid.", ["Price is 3.50 dollars.", "12 people paid."]),
        ("First paragraph\n\nsecond paragraph", ["First paragraph", "second paragraph"]),
        ("Why?! Because.", ["Why?!", "Because."]),
        ("  ", []),
        # The documented failure: an abbreviation before a capital splits.
        ("Mr. Brown met Dr. Who.", ["Mr.", "Brown met Dr.", "Who."]),
    ],
)
def test_split_sentences_on_worked_examples(text, expected):
    assert split_sentences(text) == expected


def test_min_length_must_be_a_whole_number():
    for not_a_count in (2.5, True, None, "3"):  # 2.5 used to keep words of 3 letters or more, silently
        with pytest.raises(TypeError, match="min_length must be a positive integer"):
            remove_short_words(["ab", "abc"], min_length=not_a_count)
