"""Conversion, dtype and shape queries, and ``stop_gradient``.

Example:
    >>> from polykeras import ops
    >>> x = ops.convert_to_tensor([[1, 2], [3, 4]], dtype="float32")
    >>> ops.shape(x), ops.dtype(x)
    ((2, 2), 'float32')
"""

from __future__ import annotations

from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import active as _active
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import _STANDARD, FLOATS, dtype_name, optional_dtype

__all__ = [
    "convert_to_tensor", "convert_to_numpy", "cast", "shape", "dtype", "is_tensor",
    "stop_gradient", "size", "ndim",
]


def convert_to_tensor(x: Any, dtype: Any = None, sparse: bool | None = None,
                      ragged: bool | None = None) -> Tensor:
    """A tensor of the active backend from a tensor-like.

    ``dtype=None`` keeps a tensor's dtype; Python floats and float64 NumPy arrays become
    ``floatx()``.

    Example:
        >>> import numpy as np
        >>> from polykeras import ops
        >>> ops.dtype(ops.convert_to_tensor(np.arange(3), dtype="float32"))
        'float32'
    """
    if sparse or ragged:
        kind = "sparse" if sparse else "ragged"
        raise ValueError(
            f"convert_to_tensor: {kind}=True is not supported; polykeras tensors are dense. "
            f"Pass {kind}=None or False."
        )
    return (_active() or _backend()).convert_to_tensor(
        x, None if dtype is None else optional_dtype(dtype))


def convert_to_numpy(x: Any) -> Any:
    """A NumPy array holding the value of ``x``."""
    return _backend().convert_to_numpy(x)


def cast(x: Any, dtype: Any) -> Tensor:
    """``x`` as ``dtype`` (a dtype name such as ``"int32"``)."""
    if type(dtype) is not str or dtype not in _STANDARD:
        dtype = dtype_name(dtype)
    return (_active() or _backend()).cast(x, dtype)


def is_tensor(x: Any) -> bool:
    """True for the active backend's own tensor type."""
    return _backend().is_tensor(x)


def shape(x: Any) -> tuple[int, ...]:
    """Static shape as a tuple of ints.

    Example:
        >>> import numpy as np
        >>> from polykeras import ops
        >>> ops.shape(np.zeros((2, 3)))
        (2, 3)
    """
    b = _active() or _backend()
    try:
        return b.shape(x)
    except Exception:  # noqa: BLE001 - lists and scalars: convert, then ask again
        return b.shape(b.convert_to_tensor(x))


def dtype(x: Any) -> str:
    """Standard dtype name of ``x``, e.g. ``"float32"``."""
    b = _active() or _backend()
    if not b.is_tensor(x):
        x = b.convert_to_tensor(x)
    return b.dtype(x)


def size(x: Any) -> int:
    """Number of elements of ``x``."""
    n = 1
    for d in shape(x):
        n *= d
    return n


def ndim(x: Any) -> int:
    """Rank of ``x``."""
    return len(shape(x))


def stop_gradient(variable: Any) -> Tensor:
    """The value of ``variable`` with no gradient flowing back through it."""
    return _backend().stop_gradient(variable)


def as_tensor(b: Any, x: Any) -> Tensor:
    """``x`` as a tensor of adapter ``b`` (tensors pass through)."""
    return x if b.is_tensor(x) else b.convert_to_tensor(x)


def as_float_tensor(b: Any, x: Any) -> Tensor:
    """``x`` as a floating tensor of adapter ``b``; integers and bools become floatx."""
    if not b.is_tensor(x):
        x = b.convert_to_tensor(x)
    if b.dtype(x) in FLOATS:
        return x
    return b.cast(x, dtype_name(None))

