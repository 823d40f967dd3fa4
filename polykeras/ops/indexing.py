"""Gathering, scattering, selection and sorting.

Example:
    >>> from polykeras import ops
    >>> ops.convert_to_numpy(ops.take(ops.arange(10), [1, 3]))
    array([1, 3], dtype=int32)
"""

from __future__ import annotations

from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import as_int, dtype_name, normalize_axis, shape_arg
from polykeras.ops.core import as_tensor

__all__ = [
    "take", "take_along_axis", "where", "scatter", "one_hot", "argmax", "argmin",
    "argsort", "sort", "top_k",
]


def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None).

    Differentiable in ``x``: this is an embedding lookup.

    Example:
        >>> from polykeras import ops
        >>> table = ops.ones((5, 2))
        >>> ops.shape(ops.take(table, [[0, 4]], axis=0))
        (1, 2, 2)
    """
    if axis is not None and type(axis) is not int:
        axis = as_int(axis, "axis", "take")
    return _backend().take(x, indices, axis)


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Pick values from ``x`` with ``indices`` of matching rank along ``axis``."""
    b = _backend()
    if axis is None:
        return b.take_along_axis(b.reshape(x, (-1,)), b.reshape(indices, (-1,)), 0)
    return b.take_along_axis(x, indices, as_int(axis, "axis", "take_along_axis"))


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """``x1`` where ``condition`` holds, else ``x2`` (broadcasting).

    With only ``condition``, returns the tuple of int32 index arrays of its non-zero
    elements (NumPy ``nonzero``); this form needs a concrete value, so it is not
    available inside a compiled function.
    """
    b = _backend()
    if x1 is None and x2 is None:
        return _nonzero(b, condition)
    if x1 is None or x2 is None:
        raise ValueError(
            "where: pass both `x1` and `x2`, or neither (to get the indices of the "
            f"non-zero elements); received x1={'None' if x1 is None else 'a value'}, "
            f"x2={'None' if x2 is None else 'a value'}."
        )
    return b.where(condition, x1, x2)


def _nonzero(b: Any, condition: Any) -> tuple[Tensor, ...]:
    import numpy as np

    try:
        arr = np.asarray(b.convert_to_numpy(condition))
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            "where(condition) with one argument needs a concrete value (its output shape "
            "depends on the data), so it cannot run inside a compiled function. Use "
            "where(condition, x1, x2) there instead."
        ) from exc
    return tuple(b.convert_to_tensor(i.astype("int32"), "int32") for i in np.nonzero(arr))


def scatter(indices: Any, values: Any, shape: Any) -> Tensor:
    """Zeros of ``shape`` with ``values`` added at ``indices`` (shape ``(N, rank)``)."""
    return _backend().scatter(indices, values, shape_arg(shape, "scatter"))


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None,
            sparse: bool = False) -> Tensor:
    """One-hot encoding of integer labels; out-of-range labels give all zeros.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.one_hot([0, 2], 3))
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported; pass sparse=False.")
    num_classes = as_int(num_classes, "num_classes", "one_hot")
    dt = dtype_name(dtype)
    b = _backend()
    fast = getattr(b, "one_hot", None)
    if fast is not None:
        return fast(x, num_classes, axis=axis, dtype=dt, sparse=False)
    x = as_tensor(b, x)
    if b.dtype(x) not in _INTS:
        x = b.cast(x, "int32")
    rank = len(b.shape(x))
    a = normalize_axis(as_int(axis, "axis", "one_hot"), rank + 1, "one_hot")
    classes = b.arange(0, num_classes, 1, b.dtype(x))
    if rank:
        cshape = [1] * (rank + 1)
        cshape[a] = num_classes
        classes = b.reshape(classes, tuple(cshape))
    return b.cast(b.equal(b.expand_dims(x, a), classes), dt)


_INTS = frozenset(("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """int32 indices of the largest values along ``axis`` (of the flattened ``x``)."""
    if axis is not None and type(axis) is not int:
        axis = as_int(axis, "axis", "argmax")
    return _backend().argmax(x, axis, keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """int32 indices of the smallest values along ``axis`` (of the flattened ``x``)."""
    if axis is not None and type(axis) is not int:
        axis = as_int(axis, "axis", "argmin")
    return _backend().argmin(x, axis, keepdims)


def argsort(x: Any, axis: int | None = -1) -> Tensor:
    """int32 indices that sort ``x`` along ``axis`` (stable, ascending)."""
    b = _backend()
    if axis is None:
        return b.argsort(b.reshape(x, (-1,)), 0)
    return b.argsort(x, as_int(axis, "axis", "argsort"))


def sort(x: Any, axis: int | None = -1) -> Tensor:
    """``x`` sorted ascending along ``axis`` (flattened when None)."""
    b = _backend()
    if axis is None:
        return b.sort(b.reshape(x, (-1,)), 0)
    return b.sort(x, as_int(axis, "axis", "sort"))


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """The ``k`` largest values along the last axis and their int32 indices.

    Example:
        >>> from polykeras import ops
        >>> values, indices = ops.top_k([1.0, 5.0, 3.0], 2)
        >>> ops.convert_to_numpy(indices)
        array([1, 2], dtype=int32)
    """
    b = _backend()
    k = as_int(k, "k", "top_k")
    x = as_tensor(b, x)
    shp = b.shape(x)
    if not shp or not 0 < k <= shp[-1]:
        raise ValueError(
            f"top_k: `k` must be between 1 and the size of the last axis; received k={k} "
            f"for an input of shape {shp}."
        )
    return b.top_k(x, k, bool(sorted))
