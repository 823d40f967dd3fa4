"""Reductions (sum, mean, max, var, logsumexp ...) and cumulative sums and products.

``axis`` is ``None`` (every axis), an int, or a tuple of ints.

Example:
    >>> from polykeras import ops
    >>> ops.convert_to_numpy(ops.sum(ops.ones((2, 3)), axis=1))
    array([3., 3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import active as _active
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import as_int, axis_arg, normalize_axis, optional_dtype
from polykeras.ops.core import as_float_tensor, as_tensor

__all__ = [
    "sum", "mean", "max", "min", "prod", "var", "std", "all", "any", "logsumexp", "cumsum",
    "cumprod",
]


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum of elements over ``axis``.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.sum([[1, 2], [3, 4]], axis=0))
        array([4, 6], dtype=int32)
    """
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "sum")
    return (_active() or _backend()).sum(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (integer inputs give ``floatx()``)."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "mean")
    return (_active() or _backend()).mean(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Largest element over ``axis``; ``initial`` is a lower bound on the result."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "max")
    b = _backend()
    out = b.max(x, axis=axis, keepdims=keepdims)
    return out if initial is None else b.maximum(out, initial)


def min(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Smallest element over ``axis``; ``initial`` is an upper bound on the result."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "min")
    b = _backend()
    out = b.min(x, axis=axis, keepdims=keepdims)
    return out if initial is None else b.minimum(out, initial)


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Product of elements over ``axis``, computed in ``dtype`` when given."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "prod")
    b = _backend()
    if dtype is not None:
        x = b.cast(as_tensor(b, x), optional_dtype(dtype))
    return b.prod(x, axis=axis, keepdims=keepdims)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether every element over ``axis`` is truthy."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "all")
    return _backend().all(x, axis=axis, keepdims=keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether any element over ``axis`` is truthy."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "any")
    return _backend().any(x, axis=axis, keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population variance over ``axis`` (integer inputs give ``floatx()``)."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "var")
    b = _backend()
    fast = getattr(b, "var", None)
    if fast is not None:
        return fast(x, axis=axis, keepdims=keepdims)
    return _var(b, x, axis, keepdims)


def _var(b: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_float_tensor(b, x)
    centered = b.subtract(x, b.mean(x, axis=axis, keepdims=True))
    return b.mean(b.square(centered), axis=axis, keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population standard deviation over ``axis``."""
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "std")
    b = _backend()
    fast = getattr(b, "std", None)
    if fast is not None:
        return fast(x, axis=axis, keepdims=keepdims)
    fast_var = getattr(b, "var", None)
    v = fast_var(x, axis=axis, keepdims=keepdims) if fast_var else _var(b, x, axis, keepdims)
    return b.sqrt(v)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow.

    Example:
        >>> from polykeras import ops
        >>> round(float(ops.logsumexp([1000.0, 1000.0])), 2)
        1000.69
    """
    if axis is not None and type(axis) is not int:
        axis = axis_arg(axis, "logsumexp")
    b = _backend()
    fast = getattr(b, "logsumexp", None)
    if fast is not None:
        return fast(x, axis=axis, keepdims=keepdims)
    return _stable_logsumexp(b, x, axis, keepdims)


def _stable_logsumexp(b: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
    """Composed logsumexp on adapter ``b``: shift by the (finite) max, then add it back."""
    x = as_float_tensor(b, x)
    m = b.stop_gradient(b.max(x, axis=axis, keepdims=True))
    m = b.where(b.isfinite(m), m, 0.0)
    out = b.add(b.log(b.sum(b.exp(b.subtract(x, m)), axis=axis, keepdims=True)), m)
    if keepdims:
        return out
    if axis is None:
        return b.reshape(out, ())
    return b.squeeze(out, axis)


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Cumulative sum along ``axis`` (of the flattened ``x`` when None)."""
    b = _backend()
    if axis is not None and type(axis) is not int:
        axis = as_int(axis, "axis", "cumsum")
    if dtype is not None:
        x = b.cast(as_tensor(b, x), optional_dtype(dtype))
    return b.cumsum(x, axis)


def cumprod(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Cumulative product along ``axis`` (of the flattened ``x`` when None)."""
    b = _backend()
    if axis is not None and type(axis) is not int:
        axis = as_int(axis, "axis", "cumprod")
    dt = optional_dtype(dtype)
    fast = getattr(b, "cumprod", None)
    if fast is not None:
        return fast(x, axis=axis, dtype=dt)
    x = as_tensor(b, x)
    if dt is not None:
        x = b.cast(x, dt)
    if axis is None:
        x, axis = b.reshape(x, (-1,)), 0
    shp = b.shape(x)
    a = normalize_axis(axis, len(shp), "cumprod")
    n = shp[a]
    # Log-depth prefix product: after the step with shift s, each position holds the
    # product of the 2*s values ending there; differentiable through slices and products.
    shift = 1
    while shift < n:
        head_shape = shp[:a] + (shift,) + shp[a + 1:]
        key = (slice(None),) * a + (slice(0, n - shift),)
        shifted = b.concatenate([b.ones(head_shape, b.dtype(x)), b.getitem(x, key)], a)
        x = b.multiply(x, shifted)
        shift *= 2
    return x
