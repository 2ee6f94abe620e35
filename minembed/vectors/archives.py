"""Reading .npz archives and .npy files without trusting them.

An .npz file is a zip archive holding one .npy file per array (`np.savez`); an
.npy file is a header - magic b"\\x93NUMPY", version, then a Python dict literal
such as {'descr': '<f4', 'fortran_order': False, 'shape': (400000, 50)} - and
the raw bytes (NEP 1, numpy/lib/format.py). np.load believes both: a header that
claims shape (10**9, 50) makes it allocate 186 GiB, a shrunk shape loads with the
rest of the data silently dropped, and a damaged archive can raise any of a dozen
exception types from zipfile, zlib, tokenize or NumPy.

Here every member is checked against the zip directory, its header, the caller's
expectations and the file's size before a byte of data is allocated:

    zip directory   each member present once, not encrypted, stored or deflated,
                    its declared sizes possible for the file (stored: compressed size
                    == size; deflated: at most MAX_DEFLATE_RATIO times the compressed size)
    npy header      read by numpy.lib.format's readers (versions 1.0 and 2.0), then
                    dtype exactly as expected (no pickled objects: the data is only ever
                    read with np.frombuffer), C order, ndim as expected, no negative
                    dimension, and header + shape x itemsize == the member's size exactly
    across members  the caller's check_shapes (e.g. vectors has one row per word)
    data            read, CRC-checked by zipfile at the member's end; unicode members
                    hold only code points up to U+10FFFF

Whatever goes wrong becomes one ValueError naming the file, the member and the
problem; only a missing (or unreadable: permissions) file keeps its OSError.

But: no memory-mapping of archives, no zip64 multi-disk archives, no npy version 3.0
(utf-8 field names, which only structured dtypes need).
"""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

PathLike = str | os.PathLike
MAX_DEFLATE_RATIO = 1032  # deflate's best ratio is 1032:1 (zlib's technical notes): more is a false size
MAX_CODE_POINT = 0x10FFFF  # the last Unicode code point; '<U' arrays store each character as uint32


class Problem(Exception):
    """What is wrong with one file or member, in words for the user; read_npz adds the file's name."""


@dataclass(frozen=True)
class Layout:
    """What one array must be: its dtype (exactly; '<U' means little-endian unicode of any
    length) and number of dimensions.

    >>> Layout("<f4", 2).describe(), Layout("<U", 1).describe()
    ("a 2-D array of '<f4' (little-endian float32)", "a 1-D array of '<U' (little-endian unicode)")
    """

    dtype: str
    ndim: int

    def accepts(self, dtype: np.dtype) -> bool:
        if self.dtype == "<U":
            return dtype.kind == "U" and dtype.str.startswith("<") and dtype.itemsize >= 4
        return dtype.str == self.dtype and dtype.names is None and dtype.subdtype is None

    def describe(self) -> str:
        meaning = "little-endian unicode" if self.dtype == "<U" else f"little-endian {np.dtype(self.dtype).name}"
        return f"a {self.ndim}-D array of {self.dtype!r} ({meaning})"


@dataclass(frozen=True)
class Header:
    """A checked npy header: the array's shape and dtype, and where its data starts."""

    shape: tuple[int, ...]
    dtype: np.dtype
    data_offset: int  # bytes of magic, version and header before the data

    @property
    def data_bytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize  # Python ints: no overflow


def read_npy_header(stream: BinaryIO, size: int, layout: Layout) -> Header:
    """Read the header at the start of `stream` (an .npy of `size` bytes) and check it against `layout`."""
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise Problem(f"is in npy format {version[0]}.{version[1]}; minembed reads 1.0 and 2.0, as np.save writes")
    except (Problem, zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise  # not the header's fault: zipfile reads ahead, and checks the CRC, as it fills its buffer
    except Exception as error:  # NumPy's parser raises ValueError, TokenError, SyntaxError, ...
        raise Problem(f"has no valid .npy header ({type(error).__name__}: {error})") from None
    if not layout.accepts(dtype):
        pickled = " (objects, which only pickle can read: minembed never unpickles)" if dtype.hasobject else ""
        raise Problem(f"holds {dtype.str!r} data{pickled}; expected {layout.describe()}: convert it "
                      f"(array.astype({layout.dtype!r})) and save it again")
    if len(shape) != layout.ndim or any(length < 0 for length in shape):
        raise Problem(f"has shape {shape}; expected {layout.describe()}")
    if fortran_order:
        raise Problem("is stored in Fortran order; expected C order, as np.save writes a C-contiguous array")
    header = Header(tuple(shape), dtype, stream.tell())
    if header.data_offset + header.data_bytes != size:
        raise Problem(
            f"declares shape {header.shape} of {dtype.str!r} in its header, {header.data_bytes} bytes of data, "
            f"but {size - header.data_offset} bytes follow the header"
        )
    return header


def read_npy_data(stream: BinaryIO, header: Header) -> np.ndarray:
    """Read the data after a checked header: a read-only array of the header's shape and dtype."""
    data = stream.read(header.data_bytes)  # zipfile checks the member's CRC as its last byte is read
    if len(data) != header.data_bytes:
        raise Problem(f"ends after {len(data)} of its {header.data_bytes} bytes of data")
    if stream.read(1):
        raise Problem(f"holds more than the {header.data_bytes} bytes of data its header declares")
    if header.dtype.kind == "U":
        codes = np.frombuffer(data, dtype="<u4")  # (n * characters,) uint32
        if codes.size and codes.max() > MAX_CODE_POINT:
            bad = int(np.argmax(codes > MAX_CODE_POINT))
            raise Problem(
                f"holds code {int(codes[bad]):#x} in string {bad // (header.dtype.itemsize // 4)}, which is no "
                f"character (Unicode ends at {MAX_CODE_POINT:#x})"
            )
    return np.frombuffer(data, dtype=header.dtype).reshape(header.shape)  # the header's shape and dtype


def read_npz(
    path: PathLike,
    layouts: Mapping[str, Layout],
    check_shapes: Callable[[dict[str, tuple[int, ...]]], None] | None = None,
    missing_hint: str = "",
) -> dict[str, np.ndarray]:
    """Read the arrays named in `layouts` from an .npz archive, every member checked first.

    `check_shapes` gets {name: shape} once every header has been read, before any data
    is: it raises Problem when the shapes do not fit together.
    `missing_hint` ends the error for a missing member. Other members are ignored.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:  # a missing file stays FileNotFoundError
        file_size = os.fstat(file.fileno()).st_size
        where = "the archive"  # what is being read, for the error message
        try:
            with zipfile.ZipFile(file) as archive, contextlib.ExitStack() as open_members:
                members = _checked_directory(archive, layouts, missing_hint)
                streams, headers = {}, {}
                for name, layout in layouts.items():
                    where = f"member '{name}.npy'"
                    _check_member(members[name], file_size)
                    streams[name] = open_members.enter_context(archive.open(members[name]))
                    headers[name] = read_npy_header(streams[name], members[name].file_size, layout)
                where = ""
                if check_shapes is not None:
                    check_shapes({name: header.shape for name, header in headers.items()})
                arrays = {}
                for name in layouts:
                    where = f"member '{name}.npy'"
                    arrays[name] = read_npy_data(streams[name], headers[name])
                return arrays
        except MemoryError:
            raise  # a true allocation failure: sizes were checked against the file, so the file is that big
        except Exception as error:  # zipfile, zlib and NumPy raise a dozen kinds: one ValueError for all
            prefix = f"{path}: {where} " if where else f"{path}: "
            if isinstance(error, Problem):
                raise ValueError(prefix + str(error)) from None
            raise ValueError(
                f"{prefix}cannot be read ({type(error).__name__}: {error}); the file is damaged or is not an "
                ".npz archive as np.savez writes: write it again"
            ) from None


def read_npy(path: PathLike, layout: Layout, mmap_mode: str | None = None) -> np.ndarray:
    """Read one .npy file whose header is checked against `layout` and the file's size first;
    `mmap_mode` ('r', 'c', None) memory-maps the data as np.load does."""
    path = os.fspath(path)
    with open(path, "rb") as file:  # a missing file stays FileNotFoundError
        try:
            header = read_npy_header(file, os.fstat(file.fileno()).st_size, layout)
            if mmap_mode is None or header.data_bytes == 0:  # mmap cannot map zero bytes
                return read_npy_data(file, header).copy()  # the header's shape and dtype, writable
        except Problem as error:
            raise ValueError(f"{path}: the file {error}") from None
    return np.memmap(path, dtype=header.dtype, mode=mmap_mode, offset=header.data_offset, shape=header.shape)


def _checked_directory(
    archive: zipfile.ZipFile, layouts: Mapping[str, Layout], missing_hint: str
) -> dict[str, zipfile.ZipInfo]:
    """The zip entries of the wanted members, each there exactly once."""
    counts = Counter(info.filename for info in archive.infolist())
    doubled = sorted(name for name, count in counts.items() if count > 1)
    if doubled:
        raise Problem(f"holds {', '.join(doubled)} more than once; np.savez writes each array once")
    missing = [f"{name}.npy" for name in layouts if f"{name}.npy" not in counts]
    if missing:
        held = ", ".join(counts) or "nothing"
        raise Problem(f"has no {' or '.join(missing)} (it holds {held}){missing_hint}")
    return {name: archive.getinfo(f"{name}.npy") for name in layouts}


def _check_member(info: zipfile.ZipInfo, file_size: int) -> None:
    """Encryption, compression and declared sizes of one member, before it is opened."""
    if info.flag_bits & 0x1:
        raise Problem("is encrypted; np.savez never encrypts")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Problem(
            f"uses zip compression method {info.compress_type}; np.savez stores (0) and np.savez_compressed "
            "deflates (8)"
        )
    if info.compress_size > file_size:
        raise Problem(f"declares {info.compress_size} bytes in a file of {file_size} bytes")
    if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
        raise Problem(f"is stored uncompressed but declares {info.file_size} bytes in {info.compress_size}")
    if info.file_size > MAX_DEFLATE_RATIO * info.compress_size + 64:
        raise Problem(f"declares {info.file_size} bytes from {info.compress_size} compressed: more than deflate gives")

