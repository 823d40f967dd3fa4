"""Argument checks and normalisation shared by the ``polykeras.ops`` modules.

Everything here is plain Python on ints, tuples and strings: no tensor work, so the
cost on the success path stays a few attribute lookups.
"""

from __future__ import annotations

import operator
from typing import Any

from polykeras.backend.dtypes import ALLOWED_DTYPES, FLOAT_TYPES, standardize_dtype

_STANDARD = frozenset(ALLOWED_DTYPES)
FLOATS = frozenset(FLOAT_TYPES)


def dtype_name(dtype: Any) -> str:
    """Standard dtype name; ``None`` gives ``floatx()``. ValueError for unknown dtypes."""
    if type(dtype) is str and dtype in _STANDARD:
        return dtype
    return standardize_dtype(dtype)


def optional_dtype(dtype: Any) -> str | None:
    """Like :func:`dtype_name`, but ``None`` stays ``None``."""
    if dtype is None:
        return None
    if type(dtype) is str and dtype in _STANDARD:
        return dtype
    return standardize_dtype(dtype)


def as_int(value: Any, what: str, op: str) -> int:
    """``value`` as a Python int (accepts NumPy integers and 0-d integer arrays)."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise TypeError(f"{op}: `{what}` must be an integer, received the bool {value!r}.")
    try:
        return operator.index(value)
    except TypeError:
        pass
    try:
        import numpy as np

        arr = np.asarray(value)
        if arr.ndim == 0 and arr.dtype.kind in "iu":
            return int(arr)
    except Exception:  # noqa: BLE001 - anything not convertible is reported below
        pass
    raise TypeError(
        f"{op}: `{what}` must be an integer, received {value!r} of type "
        f"{type(value).__name__}."
    )


def axis_arg(axis: Any, op: str = "op") -> int | tuple[int, ...] | None:
    """``None``, an int, or a tuple of ints (lists and NumPy ints accepted)."""
    if axis is None or type(axis) is int:
        return axis
    if isinstance(axis, (tuple, list)):
        return tuple(as_int(a, "axis", op) for a in axis)
    return as_int(axis, "axis", op)


def shape_arg(shape: Any, op: str = "op", allow_minus_one: bool = False) -> tuple[int, ...]:
    """A shape as a tuple of Python ints (an int means a 1-D shape).

    Raises ValueError for ``None`` or negative dimensions (``-1`` only where allowed).
    """
    if type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
        return shape
    if isinstance(shape, int) or (hasattr(shape, "__index__") and not hasattr(shape, "__len__")):
        dims = (shape,)
    else:
        try:
            dims = tuple(shape)
        except TypeError:
            raise TypeError(
                f"{op}: expected a shape (a tuple of ints), received {shape!r} of type "
                f"{type(shape).__name__}."
            ) from None
    out = []
    for d in dims:
        if d is None:
            raise ValueError(
                f"{op}: every dimension of the shape must be known, received {shape!r}. "
                "Pass concrete integers."
            )
        d = as_int(d, "shape", op)
        if d < 0 and not (allow_minus_one and d == -1):
            raise ValueError(
                f"{op}: dimensions must be non-negative, received shape {tuple(dims)!r}."
            )
        out.append(d)
    return tuple(out)


def normalize_axis(axis: int, ndim: int, op: str) -> int:
    """``axis`` in ``[0, ndim)``; ValueError naming the op when out of range."""
    if -ndim <= axis < ndim:
        return axis % ndim if ndim else 0
    raise ValueError(
        f"{op}: axis {axis} is out of bounds for a tensor of rank {ndim} "
        f"(expected -{ndim} <= axis < {ndim})."
    )


def int_tuple(value: Any, n: int, what: str, op: str) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints (``strides``, ``pool_size`` ...) as an n-tuple."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(
                f"{op}: `{what}` must be an int or a tuple of {n} ints for a {n}D input, "
                f"received {value!r}."
            )
        out = tuple(as_int(v, what, op) for v in value)
    else:
        out = (as_int(value, what, op),) * n
    if any(v < 1 for v in out):
        raise ValueError(f"{op}: `{what}` must be positive, received {value!r}.")
    return out


def padding_arg(padding: Any, op: str, allowed: tuple[str, ...] = ("valid", "same")) -> str:
    """``padding`` lower-cased and checked against ``allowed``."""
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in allowed:
        raise ValueError(
            f"{op}: invalid padding {padding!r}. Expected one of "
            f"{', '.join(repr(a) for a in allowed)}."
        )
    return p


def data_format_arg(data_format: Any, op: str) -> str:
    """``"channels_last"`` or ``"channels_first"``; ``None`` gives
    ``polykeras.config.image_data_format()``."""
    if data_format is None:
        from polykeras.config import image_data_format

        return image_data_format()
    if data_format in ("channels_last", "channels_first"):
        return data_format
    raise ValueError(
        f"{op}: invalid data_format {data_format!r}. Expected 'channels_last' (inputs "
        "shaped (batch, *spatial, channels)), 'channels_first' ((batch, channels, "
        "*spatial)) or None (the configured image_data_format)."
    )
