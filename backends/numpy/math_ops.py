"""Elementwise math with gradients: unary ops, binary ops, ``clip`` and ``where``.

Each op unwraps its inputs, computes the value with NumPy, and records a VJP only when
an input is traced. Broadcast gradients are reduced by the tape, not here.

Example:
    >>> import numpy as np
    >>> add(np.ones(2, np.float32), 1.5)
    array([2.5, 2.5], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .autodiff import Node, record
from .conversion import floatx_dtype, is_float_dtype, unwrap, unwrap2, unwrap_float

_ndarray = np.ndarray

_SQRT_PI_2 = 2.0 / math.sqrt(math.pi)


# -------------------------------------------------------------------------------- erf
def _erf_fallback(a: np.ndarray) -> np.ndarray:
    """``math.erf`` elementwise (used when SciPy is not installed)."""
    flat = np.fromiter(map(math.erf, np.ravel(a).tolist()), np.float64, np.size(a))
    return flat.reshape(np.shape(a))


_erf_kernel: Callable[[np.ndarray], np.ndarray] | None = None


def _erf_values(a: np.ndarray) -> np.ndarray:
    global _erf_kernel
    if _erf_kernel is None:
        try:
            from scipy.special import erf as scipy_erf

            _erf_kernel = scipy_erf
        except ImportError:
            _erf_kernel = _erf_fallback
    d = a.dtype
    if d == np.float32 or d == np.float64:
        out = _erf_kernel(a)
    else:
        out = _erf_kernel(a.astype(np.float32))
    return out if out.dtype == d else out.astype(d)


# ----------------------------------------------------------------------- unary factory
def _unary(name: str, forward: Callable, grad: Callable | None, doc: str,
           unwrap_input: Callable) -> Callable:
    """An elementwise op; ``grad(g, x, out)`` is its VJP (None: no gradient)."""

    def op(x: Any) -> Any:
        a, n = unwrap_input(x)
        out = forward(a)
        if n is None or grad is None:
            return out
        return record(out, (n,), lambda g: (grad(g, a, out),))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _float_unary(name: str, forward: Callable, grad: Callable | None, doc: str) -> Callable:
    """An op that casts integer input to floatx."""
    return _unary(name, forward, grad, doc, unwrap_float)


def _keep_unary(name: str, forward: Callable, grad: Callable | None, doc: str) -> Callable:
    """An op that keeps the input dtype."""
    return _unary(name, forward, grad, doc, unwrap)


def _tanh_grad(g, x, out):
    t = out * out
    if type(t) is not np.ndarray:
        return g * (1 - t)
    np.subtract(1, t, out=t)
    t *= g
    return t


def _sigmoid_forward(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1, e) / (e + 1)


def _sigmoid_grad(g, x, out):
    return g * (out * (1 - out))


def _floor_like(fn: Callable) -> Callable:
    def forward(a):
        if not is_float_dtype(a.dtype):
            a = a.astype(floatx_dtype())
        return fn(a)

    return forward


exp = _float_unary("exp", np.exp, lambda g, x, o: g * o, "Elementwise ``e**x``.")
log = _float_unary("log", np.log, lambda g, x, o: g / x, "Natural logarithm.")
log1p = _float_unary("log1p", np.log1p, lambda g, x, o: g / (x + 1), "``log(1 + x)``.")
expm1 = _float_unary("expm1", np.expm1, lambda g, x, o: g * (o + 1), "``exp(x) - 1``.")
sqrt = _float_unary("sqrt", np.sqrt, lambda g, x, o: g / (o * 2), "Square root.")
reciprocal = _float_unary("reciprocal", np.reciprocal, lambda g, x, o: -g * o * o,
                          "``1 / x``.")
sin = _float_unary("sin", np.sin, lambda g, x, o: g * np.cos(x), "Sine.")
cos = _float_unary("cos", np.cos, lambda g, x, o: -g * np.sin(x), "Cosine.")
tan = _float_unary("tan", np.tan, lambda g, x, o: g * (1 + o * o), "Tangent.")
arcsin = _float_unary("arcsin", np.arcsin, lambda g, x, o: g / np.sqrt(1 - x * x),
                      "Inverse sine.")
arccos = _float_unary("arccos", np.arccos, lambda g, x, o: -g / np.sqrt(1 - x * x),
                      "Inverse cosine.")
arctan = _float_unary("arctan", np.arctan, lambda g, x, o: g / (1 + x * x),
                      "Inverse tangent.")
sinh = _float_unary("sinh", np.sinh, lambda g, x, o: g * np.cosh(x), "Hyperbolic sine.")
cosh = _float_unary("cosh", np.cosh, lambda g, x, o: g * np.sinh(x), "Hyperbolic cosine.")
tanh = _float_unary("tanh", np.tanh, _tanh_grad, "Hyperbolic tangent.")
arcsinh = _float_unary("arcsinh", np.arcsinh, lambda g, x, o: g / np.sqrt(x * x + 1),
                       "Inverse hyperbolic sine.")
arccosh = _float_unary("arccosh", np.arccosh, lambda g, x, o: g / np.sqrt(x * x - 1),
                       "Inverse hyperbolic cosine.")
arctanh = _float_unary("arctanh", np.arctanh, lambda g, x, o: g / (1 - x * x),
                       "Inverse hyperbolic tangent.")
erf = _float_unary("erf", _erf_values, lambda g, x, o: g * (np.exp(-x * x) * _SQRT_PI_2),
                   "Gauss error function.")
sigmoid = _float_unary("sigmoid", _sigmoid_forward, _sigmoid_grad,
                       "Logistic sigmoid ``1 / (1 + exp(-x))``, computed stably.")

abs = _keep_unary("abs", np.abs, lambda g, x, o: g * np.sign(x), "Absolute value.")
negative = _keep_unary("negative", np.negative, lambda g, x, o: -g, "``-x``.")
square = _keep_unary("square", np.square, lambda g, x, o: g * (x * 2), "``x * x``.")
relu = _keep_unary("relu", lambda a: np.maximum(a, 0), lambda g, x, o: g * (x > 0),
                   "``max(x, 0)``.")
sign = _keep_unary("sign", np.sign, None, "Sign (-1, 0 or 1); zero gradient.")
round = _keep_unary("round", np.round, None, "Round half to even; zero gradient.")
floor = _keep_unary("floor", _floor_like(np.floor), None,
                    "Floor (integers give floatx); zero gradient.")
ceil = _keep_unary("ceil", _floor_like(np.ceil), None,
                   "Ceiling (integers give floatx); zero gradient.")
isnan = _keep_unary("isnan", np.isnan, None, "Elementwise NaN test.")
isinf = _keep_unary("isinf", np.isinf, None, "Elementwise infinity test.")
isfinite = _keep_unary("isfinite", np.isfinite, None, "Elementwise finiteness test.")
logical_not = _keep_unary("logical_not", np.logical_not, None, "Elementwise NOT.")


# ---------------------------------------------------------------------- binary ops
def add(x1: Any, x2: Any) -> Any:
    """``x1 + x2`` with broadcasting."""
    if type(x1) is _ndarray and x1.dtype.kind == "f" and (
            (type(x2) is _ndarray and x1.dtype is x2.dtype) or type(x2) is float):
        return x1 + x2  # untraced, same float dtype (or a weak scalar)
    a, b, n1, n2 = unwrap2(x1, x2)
    out = a + b
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), lambda g: (g, g))


def subtract(x1: Any, x2: Any) -> Any:
    """``x1 - x2`` with broadcasting."""
    if type(x1) is _ndarray and x1.dtype.kind == "f" and (
            (type(x2) is _ndarray and x1.dtype is x2.dtype) or type(x2) is float):
        return x1 - x2  # untraced, same float dtype (or a weak scalar)
    a, b, n1, n2 = unwrap2(x1, x2)
    out = a - b
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), lambda g: (g, -g if n2 is not None else None))


def multiply(x1: Any, x2: Any) -> Any:
    """``x1 * x2`` with broadcasting."""
    if type(x1) is _ndarray and x1.dtype.kind == "f" and (
            (type(x2) is _ndarray and x1.dtype is x2.dtype) or type(x2) is float):
        return x1 * x2  # untraced, same float dtype (or a weak scalar)
    a, b, n1, n2 = unwrap2(x1, x2)
    out = a * b
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), lambda g: (
        g * b if n1 is not None else None, g * a if n2 is not None else None))


def _float_pair(a: Any, b: Any) -> tuple[Any, Any]:
    if hasattr(a, "dtype"):
        if not is_float_dtype(a.dtype):
            d = floatx_dtype()
            a = a.astype(d)
            if hasattr(b, "dtype"):
                b = b.astype(d)
    elif hasattr(b, "dtype") and not is_float_dtype(b.dtype):
        b = b.astype(floatx_dtype())
    return a, b


def divide(x1: Any, x2: Any) -> Any:
    """True division ``x1 / x2``; integer inputs give ``floatx()``."""
    if type(x1) is _ndarray and x1.dtype.kind == "f" and (
            (type(x2) is _ndarray and x1.dtype is x2.dtype) or type(x2) is float):
        return x1 / x2  # untraced, same float dtype (or a weak scalar)
    a, b, n1, n2 = unwrap2(x1, x2)
    a, b = _float_pair(a, b)
    out = a / b
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), lambda g: (
        g / b if n1 is not None else None, -g * out / b if n2 is not None else None))


def floor_divide(x1: Any, x2: Any) -> Any:
    """``x1 // x2``; zero gradient."""
    a, b, _, _ = unwrap2(x1, x2)
    return np.floor_divide(a, b)


def mod(x1: Any, x2: Any) -> Any:
    """``x1 % x2`` (sign of the divisor, like NumPy)."""
    a, b, n1, n2 = unwrap2(x1, x2)
    out = np.mod(a, b)
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), lambda g: (
        g if n1 is not None else None,
        -g * np.floor_divide(a, b) if n2 is not None else None))


def _safe_log(a: Any) -> Any:
    positive = a > 0
    return np.where(positive, np.log(np.where(positive, a, 1)), 0)


def power(x1: Any, x2: Any) -> Any:
    """``x1 ** x2``; differentiable in both arguments."""
    a, b, n1, n2 = unwrap2(x1, x2)
    out = np.power(a, b)
    if n1 is None and n2 is None:
        return out

    def vjp(g):
        ga = gb = None
        if n1 is not None:
            if type(b) in (int, float):
                if b == 2:
                    ga = g * (a * 2)
                elif b == 0:
                    ga = g * 0
                else:
                    ga = g * (b * np.power(a, b - 1))
            else:
                ga = g * np.where(b == 0, 0, b * np.power(a, b - 1))
        if n2 is not None:
            gb = g * out * _safe_log(a)
        return ga, gb

    return record(out, (n1, n2), vjp)


def _select_grads(a: Any, b: Any, n1: Node | None, n2: Node | None, first: Any) -> Callable:
    """VJP of maximum/minimum: ``first`` marks where ``a`` wins; ties split evenly."""

    def vjp(g):
        tie = a == b
        wa = np.where(tie, 0.5, first.astype(g.dtype)) if tie.any() else first
        ga = g * wa if n1 is not None else None
        gb = g * (1 - wa) if n2 is not None else None
        return ga, gb

    return vjp


def maximum(x1: Any, x2: Any) -> Any:
    """Elementwise maximum; at ties the gradient is split evenly."""
    a, b, n1, n2 = unwrap2(x1, x2)
    out = np.maximum(a, b)
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), _select_grads(a, b, n1, n2, a > b))


def minimum(x1: Any, x2: Any) -> Any:
    """Elementwise minimum; at ties the gradient is split evenly."""
    a, b, n1, n2 = unwrap2(x1, x2)
    out = np.minimum(a, b)
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), _select_grads(a, b, n1, n2, a < b))


def arctan2(x1: Any, x2: Any) -> Any:
    """Angle of the point ``(x2, x1)``; integer inputs give ``floatx()``."""
    a, b, n1, n2 = unwrap2(x1, x2)
    a, b = _float_pair(a, b)
    out = np.arctan2(a, b)
    if n1 is None and n2 is None:
        return out

    def vjp(g):
        scale = g / (a * a + b * b)
        return (scale * b if n1 is not None else None,
                -scale * a if n2 is not None else None)

    return record(out, (n1, n2), vjp)


def _plain_binary(name: str, fn: Callable, doc: str) -> Callable:
    def op(x1: Any, x2: Any) -> Any:
        a, b, _, _ = unwrap2(x1, x2)
        return fn(a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


equal = _plain_binary("equal", np.equal, "Elementwise ``x1 == x2``.")
not_equal = _plain_binary("not_equal", np.not_equal, "Elementwise ``x1 != x2``.")
less = _plain_binary("less", np.less, "Elementwise ``x1 < x2``.")
less_equal = _plain_binary("less_equal", np.less_equal, "Elementwise ``x1 <= x2``.")
greater = _plain_binary("greater", np.greater, "Elementwise ``x1 > x2``.")
greater_equal = _plain_binary("greater_equal", np.greater_equal, "Elementwise ``x1 >= x2``.")
logical_and = _plain_binary("logical_and", np.logical_and, "Elementwise AND.")
logical_or = _plain_binary("logical_or", np.logical_or, "Elementwise OR.")
logical_xor = _plain_binary("logical_xor", np.logical_xor, "Elementwise XOR.")


# ------------------------------------------------------------------------ clip, where
def clip(x: Any, x_min: Any, x_max: Any) -> Any:
    """``x`` limited to ``[x_min, x_max]``; keeps ``x``'s dtype (bool becomes int32).

    The gradient flows where ``x`` is inside the bounds.
    """
    if type(x_min) is Node or type(x_max) is Node:
        return minimum(maximum(x, x_min), x_max)
    a, n = unwrap(x)
    if a.dtype.kind == "b":
        a = a.astype(np.int32)
    lo = x_min if type(x_min) in (int, float) or x_min is None else unwrap(x_min)[0]
    hi = x_max if type(x_max) in (int, float) or x_max is None else unwrap(x_max)[0]
    out = np.clip(a, lo, hi)
    if out.dtype != a.dtype:
        out = out.astype(a.dtype)
    if n is None:
        return out

    def vjp(g):
        inside = (a >= lo) if lo is not None else np.ones(a.shape, bool)
        if hi is not None:
            inside &= a <= hi
        return (g * inside,)

    return record(out, (n,), vjp)


_BIT_TYPES = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}
_SELECT_MIN_SIZE = 2048
_SELECTABLE = (np.ndarray, int, float, bool)


def _is_plus_zero(v: Any) -> bool:
    return type(v) in (int, float) and v == 0 and math.copysign(1.0, v) > 0


def select(c: np.ndarray, a: Any, b: Any) -> Any:
    """``np.where(c, a, b)`` for operands of one dtype, computed without branches.

    ``np.where`` is slow when the condition is unpredictable (a dropout mask); for large
    operands this picks bits with integer masks instead. The result is bit-identical.
    """
    arr = a if getattr(a, "size", 0) >= getattr(b, "size", 0) else b
    d = arr.dtype
    bits = _BIT_TYPES.get(d.itemsize)
    if bits is None or d.kind == "b" or arr.size < _SELECT_MIN_SIZE or not (
            type(a) in _SELECTABLE and type(b) in _SELECTABLE):
        return np.where(c, a, b)
    shape = np.broadcast_shapes(c.shape, np.shape(a), np.shape(b))
    m = c.astype(bits)
    np.negative(m, out=m)  # all ones where c, zeros elsewhere
    if _is_plus_zero(b):
        out = np.bitwise_and(np.asarray(a, d).view(bits), m)
    elif _is_plus_zero(a):
        np.invert(m, out=m)
        out = np.bitwise_and(np.asarray(b, d).view(bits), m)
    else:
        out = np.bitwise_and(np.asarray(a, d).view(bits), m)
        np.invert(m, out=m)
        picked = np.bitwise_and(np.asarray(b, d).view(bits), m)
        if out.shape == shape:
            out |= picked
        else:
            out = np.bitwise_or(out, picked)
    if out.shape != shape:
        out = np.array(np.broadcast_to(out, shape))
    return out.view(d)


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """``x1`` where ``condition`` is true, else ``x2`` (broadcasting).

    With only ``condition``, the int32 indices of its nonzero entries (NumPy ``nonzero``).
    """
    c = unwrap(condition)[0]
    if x1 is None and x2 is None:
        return tuple(i.astype(np.int32) for i in np.nonzero(c))
    if x1 is None or x2 is None:
        raise ValueError(
            "where(condition, x1, x2) needs both x1 and x2 (or neither); received "
            f"x1={'None' if x1 is None else 'a value'}, "
            f"x2={'None' if x2 is None else 'a value'}."
        )
    if c.dtype.kind != "b":
        c = c.astype(bool)
    a, b, n1, n2 = unwrap2(x1, x2)
    out = select(c, a, b)
    if n1 is None and n2 is None:
        return out
    return record(out, (n1, n2), lambda g: (
        select(c, g, 0) if n1 is not None else None,
        select(c, 0, g) if n2 is not None else None))
