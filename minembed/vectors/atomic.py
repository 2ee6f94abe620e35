"""Atomic saves: a file appears whole or not at all, even when the process is killed mid-save.

The recipe of every careful writer (SQLite's journal, git's lock files, `rename(2)`'s
own man page) in four steps:

    1. write a temporary file in the target's directory (same file system, so step 3 is atomic)
    2. fsync the temporary file (its bytes are on disk before its name is)
    3. rename it over the target (readers see the old file or the new one, never half of one)
    4. fsync the directory (the rename itself survives a power cut)

    atomic_open(path)     one file
    atomic_files(paths)   files that belong together (Corpus.save's ids and offsets)

On any error the temporary file is removed, the target is left as it was, and an
OSError names the target (not the hidden temporary file).

Temporary files are named `.NAME.<16 hex digits>.minembed-tmp` beside NAME, and the
writer holds an exclusive lock (flock) on its own until it is renamed. A process
killed mid-save cannot remove its temporary file, so every save first removes
the stale ones of the same target: those whose lock is free (their writer is gone:
the kernel drops a dead process's locks) and that are older than STALE_SECONDS (so
a file another process created a moment ago, before it could lock it, is spared).
Stale copies therefore never outlive the next save to the same target.

But: POSIX only for the cleanup and the directory fsync (on Windows, which has no
flock, stale temporary files are left); a file system that cannot fsync a directory
(EINVAL) is trusted to keep the rename.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Iterator, Sequence
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows: no locks, so no cleanup of stale temporary files
    fcntl = None

PathLike = str | os.PathLike
TEMPORARY_SUFFIX = ".minembed-tmp"
STALE_SECONDS = 60.0  # a free temporary file older than this belongs to a dead writer


def temporary_name(name: str, token: str) -> str:
    """The hidden temporary file beside `name` ('.' + name + '.' + 16 hex digits + the suffix).

    >>> temporary_name("vectors.txt", "0123456789abcdef")
    '.vectors.txt.0123456789abcdef.minembed-tmp'
    """
    return f".{name}.{token}{TEMPORARY_SUFFIX}"


@contextlib.contextmanager
def atomic_open(path: PathLike) -> Iterator[BinaryIO]:
    """Yield a binary file to write; on success it replaces `path` whole (steps 1-4 above)."""
    with atomic_files([path]) as (file,):
        yield file


@contextlib.contextmanager
def atomic_files(paths: Sequence[PathLike]) -> Iterator[list[BinaryIO]]:
    """Yield one binary file per path; on success each replaces its path.

    With several paths the last is the commit mark: it is removed before any rename
    and renamed last, so a save killed between renames leaves the last file missing
    (a reader then refuses the set) rather than a new file beside an old one.
    """
    targets = [os.path.abspath(os.fspath(path)) for path in paths]
    for target in targets:
        directory = os.path.dirname(target)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"cannot save {target}: directory {directory} does not exist; create it first")
    files: list[BinaryIO] = []
    temporaries: list[str] = []  # temporaries[i] becomes targets[i]
    try:
        for target in targets:
            remove_stale_temporaries(target)
            temporary, file = _create_temporary(target)
            temporaries.append(temporary)
            files.append(file)
        yield files
        for file, temporary, target in zip(files, temporaries, targets):
            file.flush()
            os.fsync(file.fileno())  # step 2
            os.chmod(temporary, _mode_for(target))  # created 0o600; give what open() would
        if len(targets) > 1 and os.path.lexists(targets[-1]):
            os.unlink(targets[-1])  # the commit mark goes first...
            _fsync_directory(os.path.dirname(targets[-1]))
        for temporary, target in zip(temporaries, targets):
            os.replace(temporary, target)  # step 3; ...and comes back last
        for directory in dict.fromkeys(os.path.dirname(target) for target in targets):
            _fsync_directory(directory)  # step 4
    except BaseException as error:
        for file, temporary in zip(files, temporaries):
            file.close()
            with contextlib.suppress(FileNotFoundError):  # gone if it was renamed already
                os.unlink(temporary)
        if isinstance(error, OSError):
            raise _naming_target(error, targets) from error
        raise
    finally:
        for file in files:
            file.close()  # releases the lock, after the rename


def _create_temporary(target: str) -> tuple[str, BinaryIO]:
    """Create and lock a new temporary file beside `target` (step 1); return its path and the open file."""
    directory, name = os.path.split(target)
    # The name only has to differ between processes, so os.urandom, not a seeded Generator.
    temporary = os.path.join(directory, temporary_name(name, os.urandom(8).hex()))
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
        return temporary, os.fdopen(descriptor, "wb")
    except BaseException:
        os.close(descriptor)
        os.unlink(temporary)
        raise


def remove_stale_temporaries(target: PathLike) -> list[str]:
    """Remove the temporary files of earlier saves of `target` whose writers are gone; return their names."""
    if fcntl is None:
        return []
    directory, name = os.path.split(os.path.abspath(os.fspath(target)))
    pattern = re.compile(re.escape(f".{name}.") + "[0-9a-f]{16}" + re.escape(TEMPORARY_SUFFIX))
    candidates, removed = [], []
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        candidates = [entry.path for entry in entries if pattern.fullmatch(entry.name)]
    for candidate in candidates:
        with contextlib.suppress(OSError):  # gone already, or not ours to remove: leave it
            descriptor = os.open(candidate, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: its writer is alive
                if time.time() - os.fstat(descriptor).st_mtime > STALE_SECONDS:
                    os.unlink(candidate)
                    removed.append(os.path.basename(candidate))
            finally:
                os.close(descriptor)
    return removed


def _fsync_directory(directory: str) -> None:
    """Make a rename or unlink in `directory` durable (step 4)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems that cannot sync a directory
            raise
    finally:
        os.close(descriptor)


def _naming_target(error: OSError, targets: list[str]) -> OSError:
    """The same kind of OSError, naming the target(s) instead of a hidden temporary file."""
    shown = " and ".join(targets)
    reason = error.strerror or str(error)
    message = f"cannot save {shown}: {reason} (the previous file, if any, is unchanged)"
    return type(error)(message) if error.errno is None else type(error)(error.errno, message)


def _mode_for(path: str) -> int:
    """Permission bits for `path`: those of the file it replaces, else 0o666 minus the umask."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(umask)
    return 0o666 & ~umask
