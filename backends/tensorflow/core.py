"""TensorFlow tensors: conversion, dtypes, shapes, operand promotion and creation ops.

Every other module of this adapter converts its inputs through :func:`convert_to_tensor`
and lines operands up with :func:`promote` / :func:`promote_all`, so the project's one
dtype rule (:func:`polykeras.backend.dtypes.result_type`) is applied in a single place.

Example:
    >>> from polykeras.backends.tensorflow import core
    >>> core.dtype(core.convert_to_tensor([1.0, 2.0]))
    'float32'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import tensorflow as tf

from polykeras import config
from polykeras.backend.dtypes import ALLOWED_DTYPES, result_type, standardize_dtype

Tensor: TypeAlias = tf.Tensor

#: Standard dtype name -> tf.DType, and back.
DTYPES: dict[str, tf.DType] = {name: tf.as_dtype(name) for name in ALLOWED_DTYPES}
_NAMES_BY_ID: dict[int, str] = {id(d): name for name, d in DTYPES.items()}


class DTypeSet:
    """A set of tf.DTypes tested by identity (TensorFlow interns its dtypes), which
    avoids the Python-level ``DType.__eq__``/``__hash__`` on every op."""

    __slots__ = ("_ids",)

    def __init__(self, *names: str) -> None:
        self._ids = frozenset(id(DTYPES[n]) for n in names)

    def __contains__(self, d: Any) -> bool:
        return id(d) in self._ids


FLOAT_DTYPES = DTypeSet("bfloat16", "float16", "float32", "float64")
HALF_DTYPES = DTypeSet("bfloat16", "float16")
UNSIGNED_DTYPES = DTypeSet("uint8", "uint16", "uint32", "uint64")
INDEX_DTYPES = DTypeSet("int32", "int64")
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_SCALARS = (float, int, bool)

__all__ = [
    "is_tensor", "convert_to_tensor", "convert_to_numpy", "from_dlpack", "shape", "dtype",
    "cast",
    "zeros", "ones", "full", "arange", "eye", "linspace",
]


# ------------------------------------------------------------------------- dtypes
def tf_dtype(name: Any) -> tf.DType:
    """The tf.DType for a standard dtype name (``None`` is ``floatx()``)."""
    d = DTYPES.get(name) if isinstance(name, str) else None
    if d is None:
        d = DTYPES[standardize_dtype(name)]
    return d


def dtype_name(d: tf.DType) -> str:
    """Standard name of a tf.DType; raises for dtypes polykeras does not support."""
    name = _NAMES_BY_ID.get(id(d))
    if name is None:
        name = getattr(d, "name", None)
    if name not in DTYPES:
        raise ValueError(
            f"Unsupported TensorFlow dtype {d!r}. Expected one of {', '.join(ALLOWED_DTYPES)}."
        )
    return name


def floatx_dtype() -> tf.DType:
    return DTYPES[config.floatx()]


# --------------------------------------------------------------------- conversion
def is_tensor(x: Any) -> bool:
    """True for ``tf.Tensor`` (eager or symbolic), False for arrays and Variables.

    Example:
        >>> is_tensor(tf.zeros(2)), is_tensor(np.zeros(2))
        (True, False)
    """
    return isinstance(x, Tensor)


def _has_tensor(x: Any) -> bool:
    for item in x:
        if isinstance(item, (Tensor, tf.Variable)) or hasattr(item, "__polykeras_tensor__"):
            return True
        if isinstance(item, (list, tuple)) and _has_tensor(item):
            return True
    return False


def _unwrap_nested(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_unwrap_nested(i) for i in x]
    conv = getattr(x, "__polykeras_tensor__", None)
    return conv() if conv is not None else x


def _from_array(arr: np.ndarray, dtype: str | None, from_python: bool) -> Tensor:
    if dtype is None:
        kind = arr.dtype.kind
        if kind == "f" and arr.dtype.itemsize == 8:
            dtype = config.floatx()
        elif from_python and arr.dtype == np.int64:
            in_range = arr.size == 0 or (_INT32_MIN <= arr.min() and arr.max() <= _INT32_MAX)
            dtype = "int32" if in_range else "int64"
        else:
            dtype = arr.dtype.name
            if dtype not in DTYPES:
                raise ValueError(
                    f"Cannot convert an array of dtype {arr.dtype} to a tensor. Expected "
                    f"one of {', '.join(ALLOWED_DTYPES)}; cast the array first."
                )
    d = tf_dtype(dtype)
    if arr.dtype != d.as_numpy_dtype:
        arr = arr.astype(d.as_numpy_dtype)
    return tf.convert_to_tensor(arr)


def convert_to_tensor(x: Any, dtype: str | None = None) -> Tensor:
    """A ``tf.Tensor`` from a tensor-like.

    Tensors keep their dtype unless ``dtype`` is given; NumPy float64 arrays and Python
    floats become ``floatx()``; Python ints become int32 (int64 when out of range);
    integer arrays keep their dtype. Objects with ``__polykeras_tensor__`` are unwrapped.

    Example:
        >>> convert_to_tensor(3).dtype, convert_to_tensor(np.zeros(2)).dtype
        (tf.int32, tf.float32)
    """
    if isinstance(x, Tensor):
        if dtype is None:
            return x
        d = tf_dtype(dtype)
        return x if x.dtype is d else tf.cast(x, d)
    conv = getattr(x, "__polykeras_tensor__", None)
    if conv is not None:
        return convert_to_tensor(conv(), dtype)
    if isinstance(x, tf.Variable):
        return convert_to_tensor(x.read_value(), dtype)
    t = type(x)
    if t is float or t is int or t is bool:
        if dtype is None:
            if t is float:
                d = floatx_dtype()
            elif t is int:
                d = tf.int32 if _INT32_MIN <= x <= _INT32_MAX else tf.int64
            else:
                d = tf.bool
        else:
            d = tf_dtype(dtype)
        if t is bool and d is not tf.bool:
            return tf.cast(tf.constant(x), d)
        return tf.constant(x, d)
    if isinstance(x, np.ndarray):
        return _from_array(x, dtype, from_python=False)
    if isinstance(x, (list, tuple)) and _has_tensor(x):
        packed = tf.convert_to_tensor(_unwrap_nested(x))
        return packed if dtype is None else convert_to_tensor(packed, dtype)
    if isinstance(x, np.generic):
        return _from_array(np.asarray(x), dtype, from_python=False)
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(
            f"Cannot convert {type(x).__name__} to a TensorFlow tensor. Expected a tensor, "
            "NumPy array, Python scalar or nested list of numbers."
        ) from exc
    return _from_array(arr, dtype, from_python=True)


def from_dlpack(x: Any) -> Tensor:
    """A ``tf.Tensor`` sharing the memory of any ``__dlpack__`` object."""
    return tf.experimental.dlpack.from_dlpack(x.__dlpack__())


def convert_to_numpy(x: Any) -> np.ndarray:
    """A NumPy array holding ``x``'s value (TensorFlow hands back a fresh copy).

    Example:
        >>> convert_to_numpy(tf.ones(2))
        array([1., 1.], dtype=float32)
    """
    if isinstance(x, (Tensor, tf.Variable)):
        return np.asarray(x.numpy())
    conv = getattr(x, "__polykeras_tensor__", None)
    if conv is not None:
        return convert_to_numpy(conv())
    if isinstance(x, (list, tuple)) and _has_tensor(x):
        return np.asarray([convert_to_numpy(i) for i in x])
    return np.asarray(x)


def shape(x: Any) -> tuple:
    """Static shape as a tuple of ints.

    Inside a traced function whose shapes were relaxed (``reduce_retracing``), an unknown
    dimension is returned as a scalar int32 tensor, which reshape/zeros/... accept.

    Example:
        >>> shape(tf.zeros((2, 3)))
        (2, 3)
    """
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    dims = tuple(x.shape)
    if None in dims:
        dynamic = tf.shape(x)
        return tuple(dynamic[i] if d is None else d for i, d in enumerate(dims))
    return dims


def dtype(x: Any) -> str:
    """Standard dtype name of ``x``.

    Example:
        >>> dtype(tf.zeros(2, tf.int64))
        'int64'
    """
    if not isinstance(x, (Tensor, tf.Variable)):
        x = convert_to_tensor(x)
    return dtype_name(x.dtype)


def cast(x: Any, dtype: str) -> Tensor:
    """``x`` as ``dtype``; ``x`` itself when it already has it.

    Example:
        >>> cast(tf.constant([1.7]), "int32").numpy()
        array([1], dtype=int32)
    """
    d = tf_dtype(dtype)
    if isinstance(x, Tensor):
        return x if x.dtype is d else tf.cast(x, d)
    return convert_to_tensor(x, dtype_name(d))


# ---------------------------------------------------------------------- promotion
def _weak_or_name(x: Any) -> Any:
    return x if type(x) in _SCALARS else dtype_name(x.dtype)


def _scalar_to(x: Any, d: tf.DType) -> Tensor:
    if type(x) is bool and d is not tf.bool:
        return tf.cast(tf.constant(x), d)
    return tf.constant(x, d)


def promote(x1: Any, x2: Any) -> tuple[Any, Any, tf.DType]:
    """``(a, b, dtype)``: both operands of a binary op in ``result_type(x1, x2)``.

    Python scalars are weak. A scalar second operand may come back as the scalar itself
    (TensorFlow converts it to the first operand's dtype), saving a constant.

    Example:
        >>> a, b, d = promote(tf.constant([1, 2]), 0.5)
        >>> d
        tf.float32
    """
    if isinstance(x1, Tensor):
        d1 = x1.dtype
        if isinstance(x2, Tensor):
            d2 = x2.dtype
            if d1 is d2:
                return x1, x2, d1
            d = DTYPES[result_type(dtype_name(d1), dtype_name(d2))]
            return (x1 if d1 is d else tf.cast(x1, d)), (x2 if d2 is d else tf.cast(x2, d)), d
        t2 = type(x2)
        if t2 is float:
            if d1 in FLOAT_DTYPES:
                return x1, x2, d1
            d = floatx_dtype()
            return tf.cast(x1, d), x2, d
        if t2 is int and d1 is not tf.bool:
            return x1, x2, d1
    elif isinstance(x2, Tensor):
        t1 = type(x1)
        if t1 is float or t1 is int or t1 is bool:
            d2 = x2.dtype
            d = DTYPES[result_type(dtype_name(d2), x1)]
            return _scalar_to(x1, d), (x2 if d2 is d else tf.cast(x2, d)), d
    # general case: anything convertible, bool scalars, numpy arrays, Variables, lists
    a = x1 if type(x1) in _SCALARS else convert_to_tensor(x1)
    b = x2 if type(x2) in _SCALARS else convert_to_tensor(x2)
    d = DTYPES[result_type(_weak_or_name(a), _weak_or_name(b))]
    a = _scalar_to(a, d) if type(a) in _SCALARS else (a if a.dtype is d else tf.cast(a, d))
    b = _scalar_to(b, d) if type(b) in _SCALARS else (b if b.dtype is d else tf.cast(b, d))
    return a, b, d


def promote_all(xs: Sequence[Any]) -> list[Tensor]:
    """All of ``xs`` as tensors of their common :func:`result_type`."""
    items = [x if type(x) in _SCALARS else convert_to_tensor(x) for x in xs]
    d = DTYPES[result_type(*[_weak_or_name(i) for i in items])]
    return [
        _scalar_to(i, d) if type(i) in _SCALARS else (i if i.dtype is d else tf.cast(i, d))
        for i in items
    ]


def to_float(x: Any) -> Tensor:
    """``x`` as a float tensor: float tensors unchanged, everything else ``floatx()``."""
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    if x.dtype in FLOAT_DTYPES:
        return x
    return tf.cast(x, floatx_dtype())


# ----------------------------------------------------------------------- creation
def _dtype_or_floatx(dtype: str | None) -> tf.DType:
    return floatx_dtype() if dtype is None else tf_dtype(dtype)


def zeros(shape: Sequence[int], dtype: str | None = None) -> Tensor:
    """Example: ``zeros((2, 3), "float32")``."""
    return tf.zeros(shape, _dtype_or_floatx(dtype))


def ones(shape: Sequence[int], dtype: str | None = None) -> Tensor:
    """Example: ``ones((2, 3), "int32")``."""
    return tf.ones(shape, _dtype_or_floatx(dtype))


def full(shape: Sequence[int], fill_value: Any, dtype: str | None = None) -> Tensor:
    """``fill_value`` (a scalar or broadcastable array) broadcast to ``shape``.

    Example:
        >>> full((2,), 7, "int32").numpy()
        array([7, 7], dtype=int32)
    """
    value = convert_to_tensor(fill_value)
    if dtype is not None:
        value = cast(value, dtype)
    if not value.shape.rank:
        return tf.fill(shape, value)
    return tf.broadcast_to(value, shape)


def _infer_scalar_dtype(*values: Any) -> str:
    dtypes = [
        v if type(v) in _SCALARS else dtype_name(convert_to_tensor(v).dtype)
        for v in values if v is not None
    ]
    return result_type(*dtypes) if dtypes else "int32"


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: str | None = None) -> Tensor:
    """NumPy ``arange``; ``dtype=None`` infers int32 or ``floatx()`` from the bounds.

    Example:
        >>> arange(0, 5, 2, "int32").numpy()
        array([0, 2, 4], dtype=int32)
    """
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        dtype = _infer_scalar_dtype(start, stop, step)
    d = tf_dtype(dtype)
    compute = d
    if d in HALF_DTYPES:
        compute = tf.float32
    elif d not in FLOAT_DTYPES and d not in INDEX_DTYPES:
        compute = tf.int64 if d is tf.uint32 or d is tf.uint64 else tf.int32
    out = tf.range(tf.cast(start, compute), tf.cast(stop, compute), tf.cast(step, compute),
                   dtype=compute)
    return out if compute is d else tf.cast(out, d)


def eye(N: int, M: int | None = None, k: int = 0, dtype: str | None = None) -> Tensor:
    """Ones on the ``k``-th diagonal of an ``N x M`` matrix.

    Example:
        >>> eye(2, 3, 1, "int32").numpy()
        array([[0, 1, 0],
               [0, 0, 1]], dtype=int32)
    """
    M = N if M is None else M
    d = _dtype_or_floatx(dtype)
    if k == 0:
        return tf.eye(N, M, dtype=d)
    rows = tf.range(N)[:, None] + k
    cols = tf.range(M)[None, :]
    return tf.cast(tf.equal(rows, cols), d)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             dtype: str | None = None) -> Tensor:
    """NumPy ``linspace`` (integer dtypes round toward -inf, as NumPy 2 does).

    Example:
        >>> linspace(0.0, 1.0, 3, True, "float32").numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    if dtype is None:
        dtype = config.floatx()
    d = tf_dtype(dtype)
    compute = d if d is tf.float32 or d is tf.float64 else tf.float32
    if d is tf.int64 or d is tf.uint32 or d is tf.uint64:
        compute = tf.float64
    start_t = tf.cast(convert_to_tensor(start), compute)
    stop_t = tf.cast(convert_to_tensor(stop), compute)
    div = (num - 1) if endpoint else num
    if num <= 0:
        return tf.zeros((0,), d)
    if div <= 0:
        out = tf.reshape(start_t, (1,))
    else:
        step = (stop_t - start_t) / div
        out = start_t + tf.range(num, dtype=compute) * step
        if endpoint:
            out = tf.concat([out[:-1], tf.reshape(stop_t, (1,))], 0)
    if not d.is_floating:
        out = tf.floor(out)
    return out if out.dtype is d else tf.cast(out, d)
