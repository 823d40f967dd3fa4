"""Tensor creation: zeros, ones, full, ranges, identity matrices.

Float results default to ``floatx()``; ``arange`` infers int32 from integer arguments.

Example:
    >>> from polykeras import ops
    >>> ops.convert_to_numpy(ops.arange(3))
    array([0, 1, 2], dtype=int32)
"""

from __future__ import annotations

import numbers
from typing import Any

from polykeras.backend.dtypes import result_type
from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import as_int, dtype_name, normalize_axis, shape_arg
from polykeras.ops.core import as_tensor

__all__ = [
    "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "arange", "eye",
    "identity", "linspace",
]


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of zeros; ``dtype`` defaults to ``floatx()``.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.zeros((2, 3)))
        (2, 3)
    """
    return _backend().zeros(shape_arg(shape, "zeros"), dtype_name(dtype))


def ones(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of ones; ``dtype`` defaults to ``floatx()``."""
    return _backend().ones(shape_arg(shape, "ones"), dtype_name(dtype))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """A tensor filled with ``fill_value``; ``dtype`` defaults to ``floatx()``."""
    return _backend().full(shape_arg(shape, "full"), fill_value, dtype_name(dtype))


def _like(b: Any, x: Any, dtype: Any) -> tuple[tuple[int, ...], str]:
    x = as_tensor(b, x)
    return b.shape(x), (b.dtype(x) if dtype is None else dtype_name(dtype))


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    """Zeros with the shape (and, by default, the dtype) of ``x``."""
    b = _backend()
    shp, dt = _like(b, x, dtype)
    return b.zeros(shp, dt)


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    """Ones with the shape (and, by default, the dtype) of ``x``."""
    b = _backend()
    shp, dt = _like(b, x, dtype)
    return b.ones(shp, dt)


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """``fill_value`` with the shape (and, by default, the dtype) of ``x``."""
    b = _backend()
    shp, dt = _like(b, x, dtype)
    return b.full(shp, fill_value, dt)


def _scalar(value: Any, what: str) -> Any:
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return value
    try:
        import numpy as np

        arr = np.asarray(_backend().convert_to_numpy(value))
    except Exception as exc:  # noqa: BLE001
        raise TypeError(
            f"arange: `{what}` must be a Python number, received {value!r}."
        ) from exc
    if arr.ndim != 0:
        raise ValueError(f"arange: `{what}` must be a scalar, received shape {arr.shape}.")
    return arr.item()


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Tensor:
    """Evenly spaced values in ``[start, stop)``; ``arange(n)`` is ``0 .. n-1``.

    With ``dtype=None`` integer arguments give int32 and float arguments ``floatx()``.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.arange(1, 7, 2))
        array([1, 3, 5], dtype=int32)
    """
    start = _scalar(start, "start")
    if stop is None:
        start, stop = 0, start
    else:
        stop = _scalar(stop, "stop")
    step = 1 if step is None else _scalar(step, "step")
    if step == 0:
        raise ValueError("arange: `step` must be non-zero, received 0.")
    dt = result_type(start, stop, step) if dtype is None else dtype_name(dtype)
    return _backend().arange(start, stop, step, dt)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:
    """A 2-D tensor with ones on the ``k``-th diagonal; ``dtype`` defaults to floatx."""
    N = as_int(N, "N", "eye")
    M = N if M is None else as_int(M, "M", "eye")
    return _backend().eye(N, M, as_int(k, "k", "eye"), dtype_name(dtype))


def identity(n: int, dtype: Any = None) -> Tensor:
    """The ``n`` x ``n`` identity matrix."""
    return eye(n, n, 0, dtype)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop``.

    ``start``/``stop`` may be tensors, giving one range per element stacked along
    ``axis``. With ``retstep=True`` returns ``(values, step)``.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.linspace(0.0, 1.0, 5))
        array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    b = _backend()
    num = as_int(num, "num", "linspace")
    if num < 0:
        raise ValueError(f"linspace: `num` must be non-negative, received {num}.")
    dt = dtype_name(dtype)
    div = (num - 1) if endpoint else num
    scalar = isinstance(start, numbers.Real) and isinstance(stop, numbers.Real)
    if scalar:
        out = b.linspace(start, stop, num, bool(endpoint), dt)
        if retstep:
            return out, ((stop - start) / div if div > 0 else float("nan"))
        return out
    compute = dt if dt in ("float16", "bfloat16", "float32", "float64") else dtype_name(None)
    s = b.cast(as_tensor(b, start), compute)
    e = b.cast(as_tensor(b, stop), compute)
    shp = _broadcast_shape(b.shape(s), b.shape(e))
    s = b.broadcast_to(s, shp)
    e = b.broadcast_to(e, shp)
    delta = b.subtract(e, s)
    t = b.linspace(0.0, 1.0, num, bool(endpoint), compute)
    rank = len(b.shape(s))
    t = b.reshape(t, (num,) + (1,) * rank)
    out = b.add(b.multiply(t, delta), s)
    if endpoint and num > 1:
        last = b.expand_dims(e, 0)
        out = b.concatenate([b.getitem(out, slice(0, num - 1)), last], 0)
    ax = normalize_axis(axis, rank + 1, "linspace")
    if ax != 0:
        perm = list(range(1, rank + 1))
        perm.insert(ax, 0)
        out = b.transpose(out, tuple(perm))
    out = b.cast(out, dt)
    if retstep:
        if div > 0:
            return out, b.divide(delta, float(div))
        return out, b.full(shp, float("nan"), compute)
    return out


def _broadcast_shape(a: tuple[int, ...], c: tuple[int, ...]) -> tuple[int, ...]:
    n = max(len(a), len(c))
    a = (1,) * (n - len(a)) + tuple(a)
    c = (1,) * (n - len(c)) + tuple(c)
    out = []
    for x, y in zip(a, c, strict=True):
        if x != y and 1 not in (x, y):
            raise ValueError(
                f"linspace: `start` shape {a} and `stop` shape {c} do not broadcast."
            )
        out.append(max(x, y))
    return tuple(out)
