"""Tensor creation: zeros, ones, full, arange, eye, linspace.

``dtype=None`` gives ``floatx()`` for float values and int32 for integer ones.

Example:
    >>> arange(0, 3, 1, None)
    array([0, 1, 2], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autodiff import Node
from .conversion import cast, convert_to_tensor, floatx_dtype, np_dtype, unwrap


def _float_or(dtype: str | None) -> np.dtype:
    return floatx_dtype() if dtype is None else np_dtype(dtype)


def zeros(shape: Any, dtype: str | None = None) -> np.ndarray:
    """Zeros of ``shape`` (``floatx()`` by default)."""
    return np.zeros(shape, _float_or(dtype))


def ones(shape: Any, dtype: str | None = None) -> np.ndarray:
    """Ones of ``shape`` (``floatx()`` by default)."""
    return np.ones(shape, _float_or(dtype))


def full(shape: Any, fill_value: Any, dtype: str | None = None) -> Any:
    """``shape`` filled with ``fill_value`` (dtype inferred from it when ``None``)."""
    if type(fill_value) is Node:
        from .shape_ops import broadcast_to

        value = fill_value if dtype is None else cast(fill_value, dtype)
        return broadcast_to(value, tuple(shape))
    value = convert_to_tensor(fill_value, dtype)
    return np.full(shape, value, dtype=value.dtype)


def _scalar(v: Any) -> Any:
    if v is None or isinstance(v, (int, float)):
        return v
    return unwrap(v)[0].item()


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: str | None = None) -> np.ndarray:
    """Evenly spaced values in ``[start, stop)``; int32 for ints, ``floatx()`` for floats."""
    start, stop, step = _scalar(start), _scalar(stop), _scalar(step)
    if step is None:
        step = 1
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        d = (floatx_dtype() if any(isinstance(v, float) for v in (start, stop, step))
             else np.dtype(np.int32))
    else:
        d = np_dtype(dtype)
    return np.arange(start, stop, step).astype(d, copy=False)


def eye(N: int, M: int | None = None, k: int = 0, dtype: str | None = None) -> np.ndarray:
    """An ``N x M`` matrix with ones on the ``k``-th diagonal."""
    return np.eye(int(N), None if M is None else int(M), int(k), dtype=_float_or(dtype))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             dtype: str | None = None) -> np.ndarray:
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    out = np.linspace(unwrap(start)[0] if not isinstance(start, (int, float)) else start,
                      unwrap(stop)[0] if not isinstance(stop, (int, float)) else stop,
                      int(num), endpoint=bool(endpoint))
    return out.astype(_float_or(dtype), copy=False)

