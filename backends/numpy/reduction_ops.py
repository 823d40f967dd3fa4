"""Reductions, cumulative sums and sorting, with gradients.

Example:
    >>> import numpy as np
    >>> sum(np.ones((2, 3), np.float32), axis=1)
    array([3., 3.], dtype=float32)
    >>> argmax(np.array([1.0, 3.0, 2.0]), axis=None, keepdims=False)
    array(1, dtype=int32)
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .autodiff import record, zeros_like_shape
from .conversion import floatx_dtype, is_float_dtype, np_dtype, unwrap
from .tracing import asarray

Axis = Any

_SMALL_INT = {np.dtype(k): np.dtype(v) for k, v in (
    ("bool", "int32"), ("int8", "int32"), ("int16", "int32"),
    ("uint8", "uint32"), ("uint16", "uint32"))}


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    out = []
    for ax in axis:
        if not -ndim <= ax < builtins.max(ndim, 1):
            raise ValueError(
                f"axis {ax} is out of bounds for a tensor of rank {ndim}; expected an axis "
                f"in [{-ndim}, {ndim - 1}]."
            )
        out.append(ax % ndim if ndim else 0)
    return tuple(out)


def _keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _reduced_grad(g: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Any:
    """``g`` of a reduction reshaped so it broadcasts against the input."""
    if keepdims:
        return g
    return np.reshape(g, _keepdims_shape(shape, _axes(axis, len(shape))))


def _accumulation_dtype(a: Any) -> Any:
    """Sums keep integer dtypes (small ones widen to 32 bits), never NumPy's int64."""
    d = a.dtype
    if d.kind in "iub":
        return _SMALL_INT.get(d, d)
    return None


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Sum over ``axis`` (bool and small ints accumulate in int32/uint32)."""
    a, n = unwrap(x)
    out = a.sum(axis=axis, keepdims=keepdims, dtype=_accumulation_dtype(a))
    if n is None:
        return out
    shape = a.shape
    return record(out, (n,), lambda g: (_reduced_grad(g, shape, axis, keepdims),))


_WIDE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_add_reduce = np.add.reduce


def _count(shape: tuple[int, ...], axis: Axis) -> int:
    """How many elements each result of a reduction over ``axis`` combines."""
    if axis is None:
        return math.prod(shape)
    if type(axis) is int:
        return shape[axis]
    return math.prod(shape[ax] for ax in axis)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Mean over ``axis``; integer inputs give ``floatx()``."""
    a, n = unwrap(x)
    if a.dtype in _WIDE_FLOATS and a.size:
        # np.mean's own two steps (float32/float64), without its Python wrapper
        out = _add_reduce(a, axis, None, None, keepdims) / _count(a.shape, axis)
    elif is_float_dtype(a.dtype):
        out = np.mean(a, axis=axis, keepdims=keepdims)
    else:
        d = floatx_dtype()
        out = np.mean(a, axis=axis, keepdims=keepdims, dtype=d)
        if out.dtype != d:
            out = out.astype(d)
    if n is None:
        return out
    shape = a.shape
    count = 1
    for ax in _axes(axis, a.ndim):
        count *= shape[ax]
    scale = 1.0 / builtins.max(count, 1)
    return record(out, (n,), lambda g: (_reduced_grad(g * scale, shape, axis, keepdims),))


def _extremum(fn: Any, name: str) -> Any:
    def op(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
        a, n = unwrap(x)
        out = fn(a, axis=axis, keepdims=keepdims)
        if n is None:
            return out

        def vjp(g):
            kd = _reduced_grad(out, a.shape, axis, keepdims)
            mask = a == kd
            count = np.sum(mask, axis=axis, keepdims=True, dtype=a.dtype)
            return (mask * (_reduced_grad(g, a.shape, axis, keepdims) / count),)

        return record(out, (n,), vjp)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"{name.capitalize()} over ``axis``; ties share the gradient evenly.")
    return op


max = _extremum(np.max, "max")
min = _extremum(np.min, "min")


def _exclusive_products(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each element, the product of the other elements of its reduction group."""
    rest = [i for i in range(a.ndim) if i not in axes]
    perm = rest + list(axes)
    at = np.transpose(a, perm)
    shp = at.shape
    group = int(np.prod(shp[len(rest):], dtype=np.int64))
    if group == 0 or a.size == 0:
        return np.zeros(a.shape, a.dtype)
    flat = at.reshape(shp[: len(rest)] + (group,))
    ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    return np.transpose((left * right).reshape(shp), np.argsort(perm))


def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Product over ``axis``; the gradient is exact also where inputs are zero."""
    a, n = unwrap(x)
    out = np.prod(a, axis=axis, keepdims=keepdims, dtype=_accumulation_dtype(a))
    if n is None:
        return out

    def vjp(g):
        excl = _exclusive_products(a, _axes(axis, a.ndim))
        return (_reduced_grad(g, a.shape, axis, keepdims) * excl,)

    return record(out, (n,), vjp)


def all(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Whether every element along ``axis`` is true."""
    return np.all(unwrap(x)[0], axis=axis, keepdims=keepdims)


def any(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Whether some element along ``axis`` is true."""
    return np.any(unwrap(x)[0], axis=axis, keepdims=keepdims)


def _reverse_cumsum(g: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def cumsum(x: Any, axis: int | None = None, dtype: str | None = None) -> Any:
    """Cumulative sum along ``axis`` (flattened when ``None``)."""
    a, n = unwrap(x)
    d = _accumulation_dtype(a) if dtype is None else np_dtype(dtype)
    shape = a.shape
    if axis is None:
        out = np.cumsum(a.reshape(-1), dtype=d)
    else:
        out = np.cumsum(a, axis=axis, dtype=d)
    if n is None:
        return out
    if axis is None:
        return record(out, (n,), lambda g: (_reverse_cumsum(g, 0).reshape(shape),))
    return record(out, (n,), lambda g: (_reverse_cumsum(g, axis),))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """int32 index of the largest value along ``axis`` (first on ties)."""
    return asarray(np.argmax(unwrap(x)[0], axis=axis, keepdims=keepdims), np.int32)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """int32 index of the smallest value along ``axis`` (first on ties)."""
    return asarray(np.argmin(unwrap(x)[0], axis=axis, keepdims=keepdims), np.int32)


def argsort(x: Any, axis: int = -1) -> Any:
    """Stable ascending sort indices along ``axis``, int32."""
    a = unwrap(x)[0]
    if axis is None:
        a, axis = a.reshape(-1), 0
    return np.argsort(a, axis=axis, kind="stable").astype(np.int32)


def _scatter_back(g: np.ndarray, idx: np.ndarray, shape: tuple[int, ...], axis: int) -> Any:
    out = zeros_like_shape(shape, g)
    np.put_along_axis(out, idx, g, axis)
    return out


def sort(x: Any, axis: int = -1) -> Any:
    """Values sorted ascending along ``axis``; differentiable (gradient follows values)."""
    a, n = unwrap(x)
    if axis is None:
        a, axis = a.reshape(-1), 0
        if n is not None:
            from .shape_ops import reshape

            return sort(reshape(x, (-1,)), 0)
    if n is None:
        return np.sort(a, axis=axis)
    idx = np.argsort(a, axis=axis, kind="stable")
    out = np.take_along_axis(a, idx, axis)
    shape = a.shape
    return record(out, (n,), lambda g: (_scatter_back(g, idx, shape, axis),))


def _descending_order(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "ub":
        a = a.astype(np.int64)
    return np.argsort(-a, axis=-1, kind="stable")


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Any, Any]:
    """The ``k`` largest values along the last axis and their int32 indices.

    Ties keep the lower index first. Values are differentiable.
    """
    a, n = unwrap(x)
    if not 0 <= k <= a.shape[-1]:
        raise ValueError(
            f"top_k: k={k} is out of range for a last axis of size {a.shape[-1]}; "
            f"expected 0 <= k <= {a.shape[-1]}."
        )
    idx = _descending_order(a)[..., :k]
    values = np.take_along_axis(a, idx, -1)
    if n is not None:
        shape = a.shape
        values = record(values, (n,), lambda g: (_scatter_back(g, idx, shape, -1),))
    return values, idx.astype(np.int32)
