"""Reader for the IDX file format used by MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), then one big-endian uint32 per dimension, then the values in C order,
big-endian. ``0x00000801`` is a 1-D uint8 array (labels), ``0x00000803`` a 3-D uint8
array (images).

Example:
    >>> import struct
    >>> data = struct.pack(">IIII", 0x803, 1, 2, 2) + bytes([0, 1, 2, 3])
    >>> parse_idx(data, "example").tolist()
    [[[0, 1], [2, 3]]]
"""

from __future__ import annotations

import math
import os
import struct

import numpy as np

from polykeras.datasets.errors import DatasetFormatError

LABELS_MAGIC = 0x00000801
IMAGES_MAGIC = 0x00000803

# IDX type code -> (big-endian dtype, name)
_TYPE_CODES: dict[int, tuple[str, str]] = {
    0x08: (">u1", "uint8"),
    0x09: (">i1", "int8"),
    0x0B: (">i2", "int16"),
    0x0C: (">i4", "int32"),
    0x0D: (">f4", "float32"),
    0x0E: (">f8", "float64"),
}


def describe_magic(magic: int) -> str:
    """Human description of an IDX magic number, e.g. ``'uint8 array with 3 dimensions'``."""
    code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    kind = _TYPE_CODES.get(code, (None, f"unknown type 0x{code:02X}"))[1]
    return f"{kind} array with {ndim} dimension{'s' if ndim != 1 else ''}"


def parse_idx(data: bytes, source: str, expected_magic: int | None = None) -> np.ndarray:
    """Decode the bytes of an uncompressed IDX file into a native-endian, writable array.

    Args:
        data: the whole file content.
        source: name used in error messages (usually the file path).
        expected_magic: when given, the magic number the file must have
            (``LABELS_MAGIC`` or ``IMAGES_MAGIC``).

    Returns:
        An array of the file's shape and dtype (uint8 for MNIST files).

    Raises:
        DatasetFormatError: the bytes are not an IDX file, have another magic number than
            ``expected_magic``, or hold more or fewer values than the header announces.

    Example:
        >>> import struct
        >>> parse_idx(struct.pack(">II", 0x801, 3) + bytes([7, 2, 1]), "labels").tolist()
        [7, 2, 1]
    """
    if len(data) < 4:
        raise DatasetFormatError(
            f"{source}: not an IDX file: it holds {len(data)} bytes, fewer than the 4-byte "
            "magic number every IDX file starts with."
        )
    (magic,) = struct.unpack_from(">I", data, 0)
    code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    if magic >> 16 != 0 or code not in _TYPE_CODES:
        raise DatasetFormatError(
            f"{source}: not an IDX file: bad magic number 0x{magic:08X} (an IDX file starts "
            "with two zero bytes, a type code such as 0x08 for uint8, and the number of "
            "dimensions, e.g. 0x00000803 for images, 0x00000801 for labels)."
        )
    if expected_magic is not None and magic != expected_magic:
        raise DatasetFormatError(
            f"{source}: wrong IDX content: magic number 0x{magic:08X} ({describe_magic(magic)}), "
            f"expected 0x{expected_magic:08X} ({describe_magic(expected_magic)}). "
            "Check that the file has the right name (images and labels swapped?)."
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetFormatError(
            f"{source}: truncated IDX header: {ndim} dimensions need {header_size} header "
            f"bytes, the file holds {len(data)}."
        )
    dims = struct.unpack_from(f">{ndim}I", data, 4)
    dtype = np.dtype(_TYPE_CODES[code][0])
    expected_size = header_size + math.prod(dims) * dtype.itemsize
    if len(data) != expected_size:
        raise DatasetFormatError(
            f"{source}: IDX size mismatch: the header announces shape {tuple(dims)} of "
            f"{_TYPE_CODES[code][1]}, i.e. {expected_size:,} bytes with the header, but the "
            f"content holds {len(data):,} bytes."
        )
    values = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(dims)
    return values.astype(dtype.newbyteorder("="), copy=True)


def read_idx_gz(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read a gzip-compressed IDX file (``*-idx3-ubyte.gz``) into a NumPy array.

    Args:
        path: the ``.gz`` file.
        expected_magic: when given, the magic number the file must have.

    Raises:
        DatasetFormatError: the file is not gzip, is truncated or corrupt, or its content
            is not a valid IDX array (see ``parse_idx``).

    Example:
        >>> images = read_idx_gz("train-images-idx3-ubyte.gz", IMAGES_MAGIC)  # doctest: +SKIP
        >>> images.shape  # doctest: +SKIP
        (60000, 28, 28)
    """
    import gzip
    import zlib

    path = os.fspath(path)
    try:
        with open(path, "rb") as raw:
            data = gzip.decompress(raw.read())
    except EOFError as err:
        raise DatasetFormatError(
            f"{path}: truncated gzip file ({err}). The file is incomplete, e.g. from an "
            "interrupted download; delete it and download it again."
        ) from None
    except (gzip.BadGzipFile, zlib.error) as err:
        raise DatasetFormatError(
            f"{path}: not a valid gzip file ({err}). Expected a gzip-compressed IDX file; "
            "delete it and download it again."
        ) from None
    return parse_idx(data, path, expected_magic)
