"""Image resampling written with :mod:`polykeras.ops`: resizing by separable
interpolation (one small matrix contraction per spatial axis, so it differentiates on
every backend) and the interpolation rules Keras's image resize uses (half-pixel
centers, no antialiasing).

Example:
    >>> from polykeras import ops
    >>> ops.shape(resize(ops.ones((2, 4, 6, 3)), (8, 3), "bilinear"))
    (2, 8, 3, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polykeras import ops

INTERPOLATIONS = ("nearest", "bilinear")


def nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """Source index of each output position (half-pixel centers)."""
    scale = in_size / out_size
    return np.minimum(np.floor((np.arange(out_size) + 0.5) * scale), in_size - 1).astype("int32")


def bilinear_matrix(in_size: int, out_size: int) -> np.ndarray:
    """(in, out) weights of linear interpolation at half-pixel centers, edges clamped."""
    w = np.zeros((in_size, out_size), "float64")
    pos = (np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
    low = np.floor(pos)
    frac = pos - low
    lo = np.clip(low, 0, in_size - 1).astype(int)
    hi = np.clip(low + 1, 0, in_size - 1).astype(int)
    cols = np.arange(out_size)
    np.add.at(w, (lo, cols), 1.0 - frac)
    np.add.at(w, (hi, cols), frac)
    return w


def resample_axis(x: Any, axis: int, out_size: int, interpolation: str) -> Any:
    """``x`` resampled to ``out_size`` along ``axis``."""
    in_size = int(ops.shape(x)[axis])
    if in_size == out_size:
        return x
    if interpolation == "nearest":
        return ops.take(x, ops.convert_to_tensor(nearest_indices(in_size, out_size)), axis=axis)
    if interpolation != "bilinear":
        raise ValueError(f"Unsupported interpolation {interpolation!r}; expected one of "
                         f"{', '.join(map(repr, INTERPOLATIONS))}.")
    weights = ops.convert_to_tensor(bilinear_matrix(in_size, out_size),
                                    dtype=ops.dtype(x))
    rank = len(ops.shape(x))
    letters = "abcdefgh"[:rank]
    out = letters.replace(letters[axis], "z")
    return ops.einsum(f"{letters},{letters[axis]}z->{out}", x, weights)


def resize(images: Any, size: Any, interpolation: str = "bilinear",
           data_format: str = "channels_last") -> Any:
    """Resize (batch, h, w, c) or (h, w, c) images (channels_first: c before h, w).

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(resize(ops.reshape(ops.arange(2.0), (1, 2, 1)), (1, 4),
        ...                             "bilinear"))[0, :, 0]
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    x = images
    if ops.dtype(x) not in ("float16", "bfloat16", "float32", "float64"):
        x = ops.cast(x, "float32")
    rank = len(ops.shape(x))
    if rank not in (3, 4):
        raise ValueError(f"resize expects images of rank 3 (h, w, c) or 4 (batch, h, w, c), "
                         f"received shape {tuple(ops.shape(x))}.")
    h_axis = rank - 3 if data_format == "channels_last" else rank - 2
    for i, n in enumerate(size):
        x = resample_axis(x, h_axis + i, int(n), interpolation)
    return x
