"""Elementwise math, reductions, sorting and linear algebra on TensorFlow tensors.

Binary ops line their operands up with :func:`core.promote` (the project's one dtype
rule); float-valued ops on integer inputs compute in ``floatx()``.

Example:
    >>> from polykeras.backends.tensorflow import math_ops
    >>> math_ops.floor_divide(tf.constant([-7, 7]), 2).numpy()
    array([-4,  3], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from polykeras.backends.tensorflow.core import (
    DTYPES,
    FLOAT_DTYPES,
    HALF_DTYPES,
    INDEX_DTYPES,
    UNSIGNED_DTYPES,
    Tensor,
    convert_to_tensor,
    floatx_dtype,
    promote,
    promote_all,
    to_float,
)

__all__ = [
    # unary
    "abs", "negative", "sign", "exp", "log", "log1p", "expm1", "sqrt", "square",
    "reciprocal", "floor", "ceil", "round", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "erf", "sigmoid",
    "relu", "isnan", "isinf", "isfinite", "logical_not",
    # binary
    "add", "subtract", "multiply", "divide", "floor_divide", "mod", "power", "maximum",
    "minimum", "arctan2", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_xor",
    # reductions and friends
    "sum", "mean", "max", "min", "prod", "all", "any", "var", "std", "cumsum", "cumprod",
    "argmax", "argmin", "argsort", "sort", "top_k",
    # the rest
    "clip", "where", "matmul", "einsum", "dot", "tensordot",
]

_UNSIGNED = UNSIGNED_DTYPES
_HALF = HALF_DTYPES


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _bool(x: Any) -> Tensor:
    x = _t(x)
    return x if x.dtype is tf.bool else tf.cast(x, tf.bool)


def _axis(axis: Any) -> Any:
    return list(axis) if isinstance(axis, tuple) else axis


# --------------------------------------------------------------------------- unary
def abs(x: Any) -> Tensor:
    """Example: ``abs(tf.constant([-1, 2]))`` -> ``[1, 2]``."""
    x = _t(x)
    if x.dtype in _UNSIGNED or x.dtype is tf.bool:
        return x
    return tf.abs(x)


def negative(x: Any) -> Tensor:
    return tf.negative(_t(x))


def sign(x: Any) -> Tensor:
    x = _t(x)
    if x.dtype in _UNSIGNED or x.dtype is tf.bool:
        return tf.cast(tf.not_equal(x, 0), x.dtype) if x.dtype is not tf.bool else x
    return tf.sign(x)


def exp(x: Any) -> Tensor:
    return tf.exp(to_float(x))


def log(x: Any) -> Tensor:
    return tf.math.log(to_float(x))


def log1p(x: Any) -> Tensor:
    return tf.math.log1p(to_float(x))


def expm1(x: Any) -> Tensor:
    return tf.math.expm1(to_float(x))


def sqrt(x: Any) -> Tensor:
    return tf.sqrt(to_float(x))


def square(x: Any) -> Tensor:
    x = _t(x)
    if x.dtype is tf.bool:
        return x
    return tf.square(x)


def reciprocal(x: Any) -> Tensor:
    return tf.math.reciprocal(to_float(x))


def floor(x: Any) -> Tensor:
    """Integers come back unchanged (as NumPy 2 does)."""
    x = _t(x)
    return tf.floor(x) if x.dtype in FLOAT_DTYPES else x


def ceil(x: Any) -> Tensor:
    x = _t(x)
    return tf.math.ceil(x) if x.dtype in FLOAT_DTYPES else x


def round(x: Any, decimals: int = 0) -> Tensor:
    """Half-to-even rounding, as NumPy; ``decimals`` as in ``np.round``.

    Example:
        >>> round(tf.constant([0.5, 1.5, 2.5])).numpy()
        array([0., 2., 2.], dtype=float32)
    """
    x = _t(x)
    if x.dtype not in FLOAT_DTYPES:
        if decimals >= 0:
            return x
        factor = 10 ** (-decimals)
        xf = tf.cast(x, tf.float64 if x.dtype is tf.int64 else tf.float32)
        return tf.cast(tf.round(xf / factor) * factor, x.dtype)
    if decimals == 0:
        return tf.round(x)
    factor = tf.cast(10.0 ** decimals, x.dtype)
    return tf.round(x * factor) / factor


def sin(x: Any) -> Tensor:
    return tf.sin(to_float(x))


def cos(x: Any) -> Tensor:
    return tf.cos(to_float(x))


def tan(x: Any) -> Tensor:
    return tf.tan(to_float(x))


def arcsin(x: Any) -> Tensor:
    return tf.asin(to_float(x))


def arccos(x: Any) -> Tensor:
    return tf.acos(to_float(x))


def arctan(x: Any) -> Tensor:
    return tf.atan(to_float(x))


def sinh(x: Any) -> Tensor:
    return tf.sinh(to_float(x))


def cosh(x: Any) -> Tensor:
    return tf.cosh(to_float(x))


def tanh(x: Any) -> Tensor:
    return tf.tanh(to_float(x))


def arcsinh(x: Any) -> Tensor:
    return tf.asinh(to_float(x))


def arccosh(x: Any) -> Tensor:
    return tf.acosh(to_float(x))


def arctanh(x: Any) -> Tensor:
    return tf.atanh(to_float(x))


def erf(x: Any) -> Tensor:
    return tf.math.erf(to_float(x))


def sigmoid(x: Any) -> Tensor:
    return tf.sigmoid(to_float(x))


def relu(x: Any) -> Tensor:
    x = _t(x)
    if x.dtype is tf.bool or x.dtype in _UNSIGNED:
        return x
    return tf.nn.relu(x)


def isnan(x: Any) -> Tensor:
    x = _t(x)
    if x.dtype in FLOAT_DTYPES:
        return tf.math.is_nan(x)
    return tf.zeros_like(x, tf.bool)


def isinf(x: Any) -> Tensor:
    x = _t(x)
    if x.dtype in FLOAT_DTYPES:
        return tf.math.is_inf(x)
    return tf.zeros_like(x, tf.bool)


def isfinite(x: Any) -> Tensor:
    x = _t(x)
    if x.dtype in FLOAT_DTYPES:
        return tf.math.is_finite(x)
    return tf.ones_like(x, tf.bool)


def logical_not(x: Any) -> Tensor:
    return tf.logical_not(_bool(x))


# -------------------------------------------------------------------------- binary
def add(x1: Any, x2: Any) -> Tensor:
    """Example: ``add(tf.constant([1, 2]), 1.5)`` -> float32 ``[2.5, 3.5]``."""
    a, b, d = promote(x1, x2)
    if d is tf.bool:
        return tf.logical_or(a, b)
    return tf.add(a, b)


def subtract(x1: Any, x2: Any) -> Tensor:
    a, b, _ = promote(x1, x2)
    return tf.subtract(a, b)


def multiply(x1: Any, x2: Any) -> Tensor:
    a, b, d = promote(x1, x2)
    if d is tf.bool:
        return tf.logical_and(a, b)
    return tf.multiply(a, b)


def divide(x1: Any, x2: Any) -> Tensor:
    """True division; integer operands give ``floatx()``."""
    a, b, d = promote(x1, x2)
    if d not in FLOAT_DTYPES:
        f = floatx_dtype()
        a, b = tf.cast(a, f), tf.cast(b, f)
    return tf.math.truediv(a, b)


def floor_divide(x1: Any, x2: Any) -> Tensor:
    """Python (floor) semantics for ints and floats."""
    a, b, d = promote(x1, x2)
    if d is tf.bool:
        a, b = tf.cast(a, tf.int32), tf.cast(b, tf.int32)
    return tf.math.floordiv(a, b)


def mod(x1: Any, x2: Any) -> Tensor:
    """Python semantics: the result has the divisor's sign."""
    a, b, d = promote(x1, x2)
    if d is tf.bool:
        a, b = tf.cast(a, tf.int32), tf.cast(b, tf.int32)
    return tf.math.floormod(a, b)


def power(x1: Any, x2: Any) -> Tensor:
    a, b, _ = promote(x1, x2)
    return tf.pow(a, b)


def maximum(x1: Any, x2: Any) -> Tensor:
    a, b, d = promote(x1, x2)
    if d is tf.bool:
        return tf.logical_or(a, b)
    return tf.maximum(a, b)


def minimum(x1: Any, x2: Any) -> Tensor:
    a, b, d = promote(x1, x2)
    if d is tf.bool:
        return tf.logical_and(a, b)
    return tf.minimum(a, b)


def arctan2(x1: Any, x2: Any) -> Tensor:
    a, b, d = promote(x1, x2)
    if d not in FLOAT_DTYPES:
        f = floatx_dtype()
        a, b = tf.cast(a, f), tf.cast(b, f)
    return tf.atan2(a, b)


def _ordered(x1: Any, x2: Any) -> tuple[Any, Any]:
    a, b, d = promote(x1, x2)
    if d is tf.bool:
        a, b = tf.cast(a, tf.int8), tf.cast(b, tf.int8)
    return a, b


def equal(x1: Any, x2: Any) -> Tensor:
    a, b, _ = promote(x1, x2)
    return tf.equal(a, b)


def not_equal(x1: Any, x2: Any) -> Tensor:
    a, b, _ = promote(x1, x2)
    return tf.not_equal(a, b)


def less(x1: Any, x2: Any) -> Tensor:
    return tf.less(*_ordered(x1, x2))


def less_equal(x1: Any, x2: Any) -> Tensor:
    return tf.less_equal(*_ordered(x1, x2))


def greater(x1: Any, x2: Any) -> Tensor:
    return tf.greater(*_ordered(x1, x2))


def greater_equal(x1: Any, x2: Any) -> Tensor:
    return tf.greater_equal(*_ordered(x1, x2))


def logical_and(x1: Any, x2: Any) -> Tensor:
    return tf.logical_and(_bool(x1), _bool(x2))


def logical_or(x1: Any, x2: Any) -> Tensor:
    return tf.logical_or(_bool(x1), _bool(x2))


def logical_xor(x1: Any, x2: Any) -> Tensor:
    return tf.math.logical_xor(_bool(x1), _bool(x2))


# ---------------------------------------------------------------------- reductions
_WIDEN_BY_ID = {id(tf.bool): tf.int32, id(tf.int8): tf.int32, id(tf.int16): tf.int32,
                id(tf.uint8): tf.uint32, id(tf.uint16): tf.uint32}


def _widen(x: Tensor) -> Tensor:
    """bool and 8/16-bit integers as 32-bit integers, for sums and products."""
    wide = _WIDEN_BY_ID.get(id(x.dtype))
    return x if wide is None else tf.cast(x, wide)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum; bool and 8/16-bit integers accumulate in 32 bits.

    Example:
        >>> sum(tf.ones((2, 3)), axis=(0, 1)).numpy().item()
        6.0
    """
    x = _t(x)
    x = _widen(x)
    return tf.reduce_sum(x, axis=_axis(axis), keepdims=keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _t(x)
    x = _widen(x)
    return tf.reduce_prod(x, axis=_axis(axis), keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean; integers give ``floatx()``, half precision accumulates in float32."""
    x = to_float(x)
    if x.dtype in _HALF:
        out = tf.reduce_mean(tf.cast(x, tf.float32), axis=_axis(axis), keepdims=keepdims)
        return tf.cast(out, x.dtype)
    return tf.reduce_mean(x, axis=_axis(axis), keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _t(x)
    if x.dtype is tf.bool:
        return tf.reduce_any(x, axis=_axis(axis), keepdims=keepdims)
    return tf.reduce_max(x, axis=_axis(axis), keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _t(x)
    if x.dtype is tf.bool:
        return tf.reduce_all(x, axis=_axis(axis), keepdims=keepdims)
    return tf.reduce_min(x, axis=_axis(axis), keepdims=keepdims)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return tf.reduce_all(_bool(x), axis=_axis(axis), keepdims=keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return tf.reduce_any(_bool(x), axis=_axis(axis), keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population variance (``ddof=0``); integers give ``floatx()``."""
    x = to_float(x)
    d = x.dtype
    if d in _HALF:
        x = tf.cast(x, tf.float32)
    out = tf.math.reduce_variance(x, axis=_axis(axis), keepdims=keepdims)
    return out if out.dtype is d else tf.cast(out, d)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population standard deviation (``ddof=0``)."""
    x = to_float(x)
    d = x.dtype
    if d in _HALF:
        x = tf.cast(x, tf.float32)
    out = tf.math.reduce_std(x, axis=_axis(axis), keepdims=keepdims)
    return out if out.dtype is d else tf.cast(out, d)


def _flat_or(x: Tensor, axis: Any) -> tuple[Tensor, int]:
    if axis is None:
        return tf.reshape(x, [-1]), 0
    return x, axis


def cumsum(x: Any, axis: int | None = None, dtype: str | None = None) -> Tensor:
    """Cumulative sum; ``axis=None`` flattens first.

    Example:
        >>> cumsum(tf.constant([[1, 2], [3, 4]]), None).numpy()
        array([ 1,  3,  6, 10], dtype=int32)
    """
    x = _t(x)
    if dtype is not None:
        x = tf.cast(x, DTYPES[dtype])
    x = _widen(x)
    x, axis = _flat_or(x, axis)
    return tf.cumsum(x, axis=axis)


def cumprod(x: Any, axis: int | None = None, dtype: str | None = None) -> Tensor:
    x = _t(x)
    if dtype is not None:
        x = tf.cast(x, DTYPES[dtype])
    x = _widen(x)
    x, axis = _flat_or(x, axis)
    return tf.math.cumprod(x, axis=axis)


def _arg_reduce(fn: Any, x: Any, axis: int | None, keepdims: bool) -> Tensor:
    x = _t(x)
    if x.dtype is tf.bool:
        x = tf.cast(x, tf.int32)
    if axis is None:
        out = fn(tf.reshape(x, [-1]), 0, output_type=tf.int32)
        if keepdims:
            out = tf.reshape(out, [1] * x.shape.rank)
        return out
    out = fn(x, axis, output_type=tf.int32)
    return tf.expand_dims(out, axis) if keepdims else out


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """int32 index of the largest value (first one on ties).

    Example:
        >>> argmax(tf.constant([[1, 5], [7, 2]]), 1, False).numpy()
        array([1, 0], dtype=int32)
    """
    return _arg_reduce(tf.argmax, x, axis, keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _arg_reduce(tf.argmin, x, axis, keepdims)


def argsort(x: Any, axis: int | None = -1) -> Tensor:
    """Stable ascending sort indices, int32."""
    x = _t(x)
    if x.dtype is tf.bool:
        x = tf.cast(x, tf.int32)
    x, axis = _flat_or(x, axis)
    if x.shape.rank == 0:
        return tf.zeros((), tf.int32)
    return tf.argsort(x, axis=axis, stable=True)


def sort(x: Any, axis: int | None = -1) -> Tensor:
    x = _t(x)
    d = x.dtype
    if d is tf.bool:
        x = tf.cast(x, tf.int32)
    x, axis = _flat_or(x, axis)
    if x.shape.rank == 0:
        return x
    out = tf.sort(x, axis=axis)
    return out if out.dtype is d else tf.cast(out, d)


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:
    """Largest ``k`` along the last axis: ``(values, int32 indices)``."""
    values, indices = tf.math.top_k(_t(x), k=k, sorted=sorted)
    return values, indices


# ------------------------------------------------------------------------ the rest
def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """``x`` limited to ``[x_min, x_max]`` (either bound may be ``None``).

    The result dtype follows ``result_type(x, x_min, x_max)``; bool becomes int32.
    """
    x = _t(x)
    bounds = [b for b in (x_min, x_max) if b is not None]
    if x.dtype is tf.bool:
        x = tf.cast(x, tf.int32)
    parts = promote_all([x, *bounds])
    x = parts[0]
    if x_min is not None and x_max is not None:
        return tf.clip_by_value(x, parts[1], parts[2])
    if x_min is not None:
        return tf.maximum(x, parts[1])
    if x_max is not None:
        return tf.minimum(x, parts[1])
    return x


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """Elementwise choice with broadcasting; with only ``condition``, NumPy ``nonzero``."""
    cond = _bool(condition)
    if x1 is None and x2 is None:
        idx = tf.cast(tf.where(cond), tf.int32)
        return tuple(idx[:, i] for i in range(cond.shape.rank))
    if x1 is None or x2 is None:
        raise ValueError(
            "where() needs both x1 and x2, or neither; received only one of them."
        )
    a, b, _ = promote(x1, x2)
    return tf.where(cond, a, b)


def _int_compute(d: tf.DType) -> tf.DType | None:
    if d in FLOAT_DTYPES or d in INDEX_DTYPES:
        return None
    return tf.int64 if d is tf.uint32 or d is tf.uint64 else tf.int32


def matmul(x1: Any, x2: Any) -> Tensor:
    """NumPy ``matmul``: batched with broadcasting; 1-D operands are vectors.

    Example:
        >>> matmul(tf.ones((2, 3)), tf.ones(3)).numpy()
        array([3., 3.], dtype=float32)
    """
    a, b, d = promote(x1, x2)
    if not isinstance(b, Tensor):
        b = tf.constant(b, d)
    compute = _int_compute(d)
    if compute is not None:
        a, b = tf.cast(a, compute), tf.cast(b, compute)
    ra, rb = a.shape.rank, b.shape.rank
    if ra == 1 and rb == 1:
        out = tf.reduce_sum(a * b)
    elif ra == 1:
        out = tf.squeeze(tf.matmul(a[None, :], b), -2)
    elif rb == 1:
        out = tf.squeeze(tf.matmul(a, b[:, None]), -1)
    else:
        out = tf.matmul(a, b)
    return out if compute is None else tf.cast(out, d)


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """``tf.einsum`` with operands promoted to their common dtype."""
    ops = promote_all(operands)
    d = ops[0].dtype
    compute = _int_compute(d)
    if compute is not None:
        ops = [tf.cast(o, compute) for o in ops]
    out = tf.einsum(subscripts, *ops)
    return out if compute is None else tf.cast(out, d)


def dot(x1: Any, x2: Any) -> Tensor:
    """NumPy ``dot``: scalars multiply, otherwise contract x1's last axis with x2's
    second-to-last (or only) axis."""
    a, b = promote_all([x1, x2])
    ra, rb = a.shape.rank, b.shape.rank
    if ra == 0 or rb == 0:
        return multiply(a, b)
    if rb <= 2 and ra <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=[[ra - 1], [rb - 2 if rb > 1 else 0]])


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    """NumPy ``tensordot``."""
    a, b = promote_all([x1, x2])
    d = a.dtype
    compute = _int_compute(d)
    if compute is not None:
        a, b = tf.cast(a, compute), tf.cast(b, compute)
    out = tf.tensordot(a, b, axes=axes)
    return out if compute is None else tf.cast(out, d)

