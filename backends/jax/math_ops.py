"""Elementwise math, linear algebra, reductions and sorting for the JAX adapter.

Mixed dtypes follow :func:`polykeras.backend.dtypes.result_type` (never JAX's own
promotion); integer inputs to float ops give ``floatx()``.

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> b.divide(b.convert_to_tensor([1, 2]), 2).dtype.name
    'float32'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from polykeras import config
from polykeras.backend.dtypes import result_type

from .core import (
    Array,
    ArrayImpl,
    cast,
    float_tensor,
    is_weak,
    jax_dtype,
    operand_dtype,
    promote,
    promote_all,
    to_tensor,
)

Axis = int | tuple[int, ...] | None

_INT32 = np.dtype("int32")
_UINT32 = np.dtype("uint32")


def _keep_dtype(fn: Callable[[Array], Array], name: str) -> Callable[..., Array]:
    def op(self: Any, x: Any) -> Array:
        return fn(to_tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; keeps the input's dtype."
    return op


def _floating(fn: Callable[[Array], Array], name: str) -> Callable[..., Array]:
    def op(self: Any, x: Any) -> Array:
        if type(x) is ArrayImpl and x.dtype.kind == "f":
            return fn(x)
        return fn(float_tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; integer and bool inputs give ``floatx()``."
    return op


def _to_bool(fn: Callable[[Array], Array], name: str) -> Callable[..., Array]:
    def op(self: Any, x: Any) -> Array:
        return fn(to_tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; returns a bool tensor."
    return op


def _binary(fn: Callable[[Any, Any], Array], name: str,
            floating: bool = False) -> Callable[..., Array]:
    if floating:
        def op(self: Any, x1: Any, x2: Any) -> Array:
            a, b, out = promote(x1, x2)
            if out.kind in "iub":
                fx = config.floatx()
                a, b = to_tensor(a, fx), to_tensor(b, fx)
            return fn(a, b)
    else:
        def op(self: Any, x1: Any, x2: Any) -> Array:
            a, b, _ = promote(x1, x2)
            return fn(a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Elementwise ``{name}`` with broadcasting; operands promoted with "
                  "``polykeras.backend.dtypes.result_type``.")
    return op


def _logical(fn: Callable[[Any, Any], Array], name: str) -> Callable[..., Array]:
    def op(self: Any, x1: Any, x2: Any) -> Array:
        a = x1 if is_weak(x1) else to_tensor(x1)
        b = x2 if is_weak(x2) else to_tensor(x2)
        return fn(a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of the operands' truth values (bool result)."
    return op


def _sum_dtype(t: Array) -> np.dtype | None:
    """Accumulator for sum/prod: narrow ints and bools widen to 32 bits, never to 64."""
    kind = t.dtype.kind
    if kind == "b" or (kind == "i" and t.dtype.itemsize < 8):
        return _INT32
    if kind == "u" and t.dtype.itemsize < 8:
        return _UINT32
    return None


class MathOps:
    """Elementwise ops, matmul/einsum, reductions and sorting."""

    # ------------------------------------------------------------------ unary
    abs = _keep_dtype(jnp.abs, "abs")
    negative = _keep_dtype(jnp.negative, "negative")
    sign = _keep_dtype(jnp.sign, "sign")
    square = _keep_dtype(jnp.square, "square")
    round = _keep_dtype(jnp.round, "round")
    relu = _keep_dtype(jax.nn.relu, "relu")
    exp = _floating(jnp.exp, "exp")
    log = _floating(jnp.log, "log")
    log1p = _floating(jnp.log1p, "log1p")
    expm1 = _floating(jnp.expm1, "expm1")
    sqrt = _floating(jnp.sqrt, "sqrt")
    reciprocal = _floating(jnp.reciprocal, "reciprocal")
    floor = _floating(jnp.floor, "floor")
    ceil = _floating(jnp.ceil, "ceil")
    sin = _floating(jnp.sin, "sin")
    cos = _floating(jnp.cos, "cos")
    tan = _floating(jnp.tan, "tan")
    arcsin = _floating(jnp.arcsin, "arcsin")
    arccos = _floating(jnp.arccos, "arccos")
    arctan = _floating(jnp.arctan, "arctan")
    sinh = _floating(jnp.sinh, "sinh")
    cosh = _floating(jnp.cosh, "cosh")
    tanh = _floating(jnp.tanh, "tanh")
    arcsinh = _floating(jnp.arcsinh, "arcsinh")
    arccosh = _floating(jnp.arccosh, "arccosh")
    arctanh = _floating(jnp.arctanh, "arctanh")
    erf = _floating(lax.erf, "erf")
    sigmoid = _floating(jax.nn.sigmoid, "sigmoid")
    isnan = _to_bool(jnp.isnan, "isnan")
    isinf = _to_bool(jnp.isinf, "isinf")
    isfinite = _to_bool(jnp.isfinite, "isfinite")
    logical_not = _to_bool(jnp.logical_not, "logical_not")

    # ----------------------------------------------------------------- binary
    add = _binary(jnp.add, "add")
    subtract = _binary(jnp.subtract, "subtract")
    multiply = _binary(jnp.multiply, "multiply")
    divide = _binary(jnp.true_divide, "divide", floating=True)
    floor_divide = _binary(jnp.floor_divide, "floor_divide")
    mod = _binary(jnp.remainder, "mod")
    power = _binary(jnp.power, "power")
    maximum = _binary(jnp.maximum, "maximum")
    minimum = _binary(jnp.minimum, "minimum")
    arctan2 = _binary(jnp.arctan2, "arctan2", floating=True)
    equal = _binary(jnp.equal, "equal")
    not_equal = _binary(jnp.not_equal, "not_equal")
    less = _binary(jnp.less, "less")
    less_equal = _binary(jnp.less_equal, "less_equal")
    greater = _binary(jnp.greater, "greater")
    greater_equal = _binary(jnp.greater_equal, "greater_equal")
    logical_and = _logical(jnp.logical_and, "logical_and")
    logical_or = _logical(jnp.logical_or, "logical_or")
    logical_xor = _logical(jnp.logical_xor, "logical_xor")

    # ------------------------------------------------------------------ other
    def clip(self, x: Any, x_min: Any, x_max: Any) -> Array:
        """Values limited to ``[x_min, x_max]`` (either bound may be ``None``).

        Example:
            >>> JaxBackend().clip([1.0, 5.0], 2.0, 4.0).tolist()
            [2.0, 4.0]
        """
        t = to_tensor(x)
        bounds = [b for b in (x_min, x_max) if b is not None]
        out = result_type(t.dtype.name, *(operand_dtype(b) for b in bounds))
        if out == "bool":
            out = "int32"
        t = cast(t, out)
        lo = x_min if x_min is None or is_weak(x_min) else to_tensor(x_min, out)
        hi = x_max if x_max is None or is_weak(x_max) else to_tensor(x_max, out)
        return jnp.clip(t, lo, hi)

    def where(self, condition: Any, x1: Any = None, x2: Any = None) -> Array:
        """``x1`` where ``condition`` holds, else ``x2`` (broadcast, promoted)."""
        if x1 is None or x2 is None:
            raise ValueError(
                "where() on the jax backend needs both x1 and x2 (received None); "
                "the one-argument form has a data-dependent shape and cannot be traced."
            )
        c = to_tensor(condition)
        if c.dtype.kind != "b":
            c = c.astype(bool)
        a, b, _ = promote(x1, x2)
        return jnp.where(c, a, b)

    def matmul(self, x1: Any, x2: Any) -> Array:
        """NumPy ``matmul`` semantics, batched.

        Example:
            >>> JaxBackend().matmul([[1.0, 2.0]], [[3.0], [4.0]]).tolist()
            [[11.0]]
        """
        a, b, _ = promote(x1, x2)
        return jnp.matmul(to_tensor(a), to_tensor(b))

    def einsum(self, subscripts: str, *operands: Any) -> Array:
        return jnp.einsum(subscripts, *promote_all(operands))

    def dot(self, x1: Any, x2: Any) -> Array:
        a, b, _ = promote(x1, x2)
        return jnp.dot(to_tensor(a), to_tensor(b))

    def tensordot(self, x1: Any, x2: Any, axes: Any = 2) -> Array:
        a, b, _ = promote(x1, x2)
        return jnp.tensordot(to_tensor(a), to_tensor(b), axes=axes)

    # -------------------------------------------------------------- reductions
    def sum(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        """Sum over ``axis``; bool sums are int32.

        Example:
            >>> int(JaxBackend().sum([True, True, False]))
            2
        """
        t = to_tensor(x)
        return jnp.sum(t, axis=axis, keepdims=keepdims, dtype=_sum_dtype(t))

    def mean(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        """Mean over ``axis``; integer inputs give ``floatx()``."""
        return jnp.mean(float_tensor(x), axis=axis, keepdims=keepdims)

    def max(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        return jnp.max(to_tensor(x), axis=axis, keepdims=keepdims)

    def min(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        return jnp.min(to_tensor(x), axis=axis, keepdims=keepdims)

    def prod(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        t = to_tensor(x)
        return jnp.prod(t, axis=axis, keepdims=keepdims, dtype=_sum_dtype(t))

    def all(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        return jnp.all(to_tensor(x), axis=axis, keepdims=keepdims)

    def any(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        return jnp.any(to_tensor(x), axis=axis, keepdims=keepdims)

    def var(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        """Population variance (``ddof=0``); integer inputs give ``floatx()``."""
        return jnp.var(float_tensor(x), axis=axis, keepdims=keepdims)

    def std(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        return jnp.std(float_tensor(x), axis=axis, keepdims=keepdims)

    def moments(self, x: Any, axes: Axis, keepdims: bool = False,
                synchronized: bool = False) -> tuple[Array, Array]:
        """``(mean, variance)`` over ``axes``; half-precision inputs are reduced in float32.

        Example:
            >>> m, v = JaxBackend().moments([1.0, 3.0], axes=0)
            >>> float(m), float(v)
            (2.0, 1.0)
        """
        t = float_tensor(x)
        compute = t.astype(jnp.float32) if t.dtype.itemsize < 4 else t
        mean = jnp.mean(compute, axis=axes, keepdims=True)
        variance = jnp.mean(jnp.square(compute - mean), axis=axes, keepdims=True)
        if not keepdims:
            mean = jnp.squeeze(mean, axis=axes)
            variance = jnp.squeeze(variance, axis=axes)
        return mean.astype(t.dtype), variance.astype(t.dtype)

    def norm(self, x: Any, ord: Any = None, axis: Axis = None,
             keepdims: bool = False) -> Array:
        """Vector or matrix norm, as ``numpy.linalg.norm``."""
        return jnp.linalg.norm(float_tensor(x), ord=ord, axis=axis, keepdims=keepdims)

    def logsumexp(self, x: Any, axis: Axis = None, keepdims: bool = False) -> Array:
        """``log(sum(exp(x)))`` over ``axis``, computed stably.

        Example:
            >>> round(float(JaxBackend().logsumexp([0.0, 0.0])), 4)
            0.6931
        """
        return jax.nn.logsumexp(float_tensor(x), axis=axis, keepdims=keepdims)

    def cumsum(self, x: Any, axis: int | None = None, dtype: str | None = None) -> Array:
        """Cumulative sum (``axis=None`` flattens first); bools sum as int32."""
        t = to_tensor(x)
        out = jax_dtype(dtype) if dtype is not None else _sum_dtype(t)
        return jnp.cumsum(t, axis=axis, dtype=out)

    def cumprod(self, x: Any, axis: int | None = None, dtype: str | None = None) -> Array:
        t = to_tensor(x)
        out = jax_dtype(dtype) if dtype is not None else _sum_dtype(t)
        return jnp.cumprod(t, axis=axis, dtype=out)

    # ----------------------------------------------------------------- sorting
    def argmax(self, x: Any, axis: int | None = None, keepdims: bool = False) -> Array:
        """Index of the first maximum, int32."""
        i = jnp.argmax(to_tensor(x), axis=axis, keepdims=keepdims)
        return i if i.dtype == _INT32 else i.astype(_INT32)

    def argmin(self, x: Any, axis: int | None = None, keepdims: bool = False) -> Array:
        """Index of the first minimum, int32."""
        i = jnp.argmin(to_tensor(x), axis=axis, keepdims=keepdims)
        return i if i.dtype == _INT32 else i.astype(_INT32)

    def argsort(self, x: Any, axis: int | None = -1) -> Array:
        """Stable ascending sort indices, int32 (``axis=None`` sorts the flattened input)."""
        i = jnp.argsort(to_tensor(x), axis=axis, stable=True)
        return i if i.dtype == _INT32 else i.astype(_INT32)

    def sort(self, x: Any, axis: int | None = -1) -> Array:
        return jnp.sort(to_tensor(x), axis=axis)

    def top_k(self, x: Any, k: int, sorted: bool = True) -> tuple[Array, Array]:
        """Largest ``k`` values along the last axis and their int32 indices.

        Example:
            >>> v, i = JaxBackend().top_k([1.0, 3.0, 2.0], 2)
            >>> v.tolist(), i.tolist()
            ([3.0, 2.0], [1, 2])
        """
        values, indices = lax.top_k(to_tensor(x), k)
        if indices.dtype != _INT32:
            indices = indices.astype(_INT32)
        return values, indices


__all__ = ["MathOps"]
