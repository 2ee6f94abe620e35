"""The command line's checks, made before any work: whole-number flags, output paths, model errors
in the words of the flags the user typed, and the optional libraries a command needs."""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

__all__ = ["FORMATS", "FLAGS", "count", "gigabytes", "in_flags", "check_output_file", "check_output_folder",
           "plots_module"]


FORMATS = (".npz", ".txt", ".vec", ".bin")
FLAGS = {"vector_size": "--vector-size", "window": "--window", "negative": "--negative", "min_count": "--min-count",
         "epochs": "--epochs", "seed": "--seed", "memory_limit": "--memory-limit"}  # the models' settings -> flags


def count(minimum: int):
    """An argparse type: a whole number >= minimum, refused by the parser with the flag's name."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    return parse


def gigabytes(text: str) -> float:
    """An argparse type: a positive number of GB."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of GB, got {text!r}")
    return value


def in_flags(message: str) -> str:
    """A model's error in the command's words: min_count -> --min-count, and so on."""
    return re.sub(r"\b(" + "|".join(FLAGS) + r")\b(=?)", lambda m: FLAGS[m.group(1)] + " " * len(m.group(2)), message)


def _writable_folder(folder: Path, flag: str, out: str) -> None:
    """Create and delete a file in `folder`: the only test that holds for every file system and user."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OSError(f"{flag} {out}: cannot write in {folder} ({error.strerror or error}); choose another "
                      "place") from None


def check_output_file(out: str, flag: str = "--out", formats: tuple[str, ...] = FORMATS) -> None:
    """Before training: the file's format is known, its folder exists and takes a new file."""
    path = Path(out)
    if path.suffix not in formats:
        endings = ".npy" if formats == (".npy",) else ".npz, .txt or .bin"
        raise ValueError(f"{flag} {out}: cannot tell the format of {out!r}: end it in {endings}")
    if path.is_dir():
        example = path / ("vectors" + formats[0])
        raise ValueError(f"{flag} {out} is a folder; give a file name in it, such as {example}")
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise OSError(f"{flag} {out}: {folder} is a file, not a folder; choose another place")
    if not folder.is_dir():
        raise OSError(f"{flag} {out}: the folder {folder} does not exist; create it first (mkdir -p {folder})")
    _writable_folder(folder, flag, out)


def check_output_folder(out: str, flag: str = "--out") -> None:
    """Before training: the folder exists or can be made (its nearest existing parent takes a new file)."""
    path = Path(out).absolute()
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise OSError(f"{flag} {out}: {existing} is a file, not a folder; choose another folder")
    _writable_folder(existing, flag, out)


def plots_module():
    """minembed.figures.plots, or an error saying which extra brings matplotlib."""
    try:
        from minembed.figures import plots
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"{error.name} is not installed; the figures need it: pip install -e '.[plot]'") \
            from None
    return plots
