"""Elementwise math, comparisons and logical ops (broadcasting, NumPy semantics).

Python scalars are "weak": ``add(x, 1.0)`` keeps ``x``'s float dtype. Float results of
integer inputs (``exp``, ``sqrt``, ``divide`` ...) are ``floatx()``.

Example:
    >>> from polykeras import ops
    >>> ops.convert_to_numpy(ops.add(ops.ones((2,)), 1.0))
    array([2., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import active as _active
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import FLOATS, as_int
from polykeras.ops.core import as_tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "negative", "reciprocal", "exp", "log", "log1p", "expm1", "log2", "log10", "sqrt",
    "rsqrt", "square", "abs", "absolute", "sign", "clip", "maximum", "minimum", "floor",
    "ceil", "round", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh",
    "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "erf", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
    "logical_not", "isnan", "isinf", "isfinite",
]

def _broadcast_error(op: str, x1: Any, x2: Any, exc: Exception) -> Exception:
    """A ValueError naming both shapes when they do not broadcast; else ``exc`` itself."""
    import numpy as np

    b = _backend()
    shapes = []
    for x in (x1, x2):
        try:
            shapes.append(tuple(b.shape(as_tensor(b, x))))
        except Exception:
            return exc
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return ValueError(
            f"{op}: cannot broadcast shapes {shapes[0]} and {shapes[1]}. Dimensions must be "
            "equal or 1 (NumPy broadcasting); reshape or expand_dims one of the inputs."
        )
    return exc


_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046


def add(x1: Any, x2: Any) -> Tensor:
    """``x1 + x2`` with broadcasting."""
    try:
        return (_active() or _backend()).add(x1, x2)
    except Exception as exc:
        raise _broadcast_error("add", x1, x2, exc) from exc


def subtract(x1: Any, x2: Any) -> Tensor:
    """``x1 - x2`` with broadcasting."""
    try:
        return (_active() or _backend()).subtract(x1, x2)
    except Exception as exc:
        raise _broadcast_error("subtract", x1, x2, exc) from exc


def multiply(x1: Any, x2: Any) -> Tensor:
    """``x1 * x2`` with broadcasting."""
    try:
        return (_active() or _backend()).multiply(x1, x2)
    except Exception as exc:
        raise _broadcast_error("multiply", x1, x2, exc) from exc


def divide(x1: Any, x2: Any) -> Tensor:
    """``x1 / x2`` with broadcasting (integer inputs give ``floatx()``)."""
    try:
        return (_active() or _backend()).divide(x1, x2)
    except Exception as exc:
        raise _broadcast_error("divide", x1, x2, exc) from exc


def floor_divide(x1: Any, x2: Any) -> Tensor:
    """``x1 // x2`` with broadcasting."""
    try:
        return _backend().floor_divide(x1, x2)
    except Exception as exc:
        raise _broadcast_error("floor_divide", x1, x2, exc) from exc


def mod(x1: Any, x2: Any) -> Tensor:
    """``x1 % x2`` (sign of the divisor, as in NumPy)."""
    try:
        return _backend().mod(x1, x2)
    except Exception as exc:
        raise _broadcast_error("mod", x1, x2, exc) from exc


def power(x1: Any, x2: Any) -> Tensor:
    """``x1 ** x2`` with broadcasting."""
    try:
        return _backend().power(x1, x2)
    except Exception as exc:
        raise _broadcast_error("power", x1, x2, exc) from exc


def maximum(x1: Any, x2: Any) -> Tensor:
    """Elementwise maximum."""
    try:
        return _backend().maximum(x1, x2)
    except Exception as exc:
        raise _broadcast_error("maximum", x1, x2, exc) from exc


def minimum(x1: Any, x2: Any) -> Tensor:
    """Elementwise minimum."""
    try:
        return _backend().minimum(x1, x2)
    except Exception as exc:
        raise _broadcast_error("minimum", x1, x2, exc) from exc


def arctan2(x1: Any, x2: Any) -> Tensor:
    """Angle of the point ``(x2, x1)``, elementwise, in radians."""
    try:
        return _backend().arctan2(x1, x2)
    except Exception as exc:
        raise _broadcast_error("arctan2", x1, x2, exc) from exc


def equal(x1: Any, x2: Any) -> Tensor:
    """``x1 == x2``, elementwise (bool result)."""
    try:
        return _backend().equal(x1, x2)
    except Exception as exc:
        raise _broadcast_error("equal", x1, x2, exc) from exc


def not_equal(x1: Any, x2: Any) -> Tensor:
    """``x1 != x2``, elementwise (bool result)."""
    try:
        return _backend().not_equal(x1, x2)
    except Exception as exc:
        raise _broadcast_error("not_equal", x1, x2, exc) from exc


def less(x1: Any, x2: Any) -> Tensor:
    """``x1 < x2``, elementwise (bool result)."""
    try:
        return _backend().less(x1, x2)
    except Exception as exc:
        raise _broadcast_error("less", x1, x2, exc) from exc


def less_equal(x1: Any, x2: Any) -> Tensor:
    """``x1 <= x2``, elementwise (bool result)."""
    try:
        return _backend().less_equal(x1, x2)
    except Exception as exc:
        raise _broadcast_error("less_equal", x1, x2, exc) from exc


def greater(x1: Any, x2: Any) -> Tensor:
    """``x1 > x2``, elementwise (bool result)."""
    try:
        return _backend().greater(x1, x2)
    except Exception as exc:
        raise _broadcast_error("greater", x1, x2, exc) from exc


def greater_equal(x1: Any, x2: Any) -> Tensor:
    """``x1 >= x2``, elementwise (bool result)."""
    try:
        return _backend().greater_equal(x1, x2)
    except Exception as exc:
        raise _broadcast_error("greater_equal", x1, x2, exc) from exc


def logical_and(x1: Any, x2: Any) -> Tensor:
    """Logical AND, elementwise (bool result)."""
    try:
        return _backend().logical_and(x1, x2)
    except Exception as exc:
        raise _broadcast_error("logical_and", x1, x2, exc) from exc


def logical_or(x1: Any, x2: Any) -> Tensor:
    """Logical OR, elementwise (bool result)."""
    try:
        return _backend().logical_or(x1, x2)
    except Exception as exc:
        raise _broadcast_error("logical_or", x1, x2, exc) from exc


def logical_xor(x1: Any, x2: Any) -> Tensor:
    """Logical XOR, elementwise (bool result)."""
    try:
        return _backend().logical_xor(x1, x2)
    except Exception as exc:
        raise _broadcast_error("logical_xor", x1, x2, exc) from exc


def negative(x: Any) -> Tensor:
    """Numerical negative, elementwise."""
    return _backend().negative(x)


def reciprocal(x: Any) -> Tensor:
    """``1 / x``, elementwise."""
    return _backend().reciprocal(x)


def exp(x: Any) -> Tensor:
    """Exponential, elementwise."""
    return _backend().exp(x)


def log(x: Any) -> Tensor:
    """Natural logarithm, elementwise."""
    return _backend().log(x)


def log1p(x: Any) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``."""
    return _backend().log1p(x)


def expm1(x: Any) -> Tensor:
    """``exp(x) - 1``, accurate for small ``x``."""
    return _backend().expm1(x)


def sqrt(x: Any) -> Tensor:
    """Square root, elementwise."""
    return _backend().sqrt(x)


def square(x: Any) -> Tensor:
    """``x * x``, elementwise."""
    return _backend().square(x)


def abs(x: Any) -> Tensor:
    """Absolute value, elementwise."""
    return _backend().abs(x)


def sign(x: Any) -> Tensor:
    """-1, 0 or 1 by the sign of each element."""
    return _backend().sign(x)


def floor(x: Any) -> Tensor:
    """Largest integer not greater than each element."""
    return _backend().floor(x)


def ceil(x: Any) -> Tensor:
    """Smallest integer not less than each element."""
    return _backend().ceil(x)


def sin(x: Any) -> Tensor:
    """Sine, elementwise."""
    return _backend().sin(x)


def cos(x: Any) -> Tensor:
    """Cosine, elementwise."""
    return _backend().cos(x)


def tan(x: Any) -> Tensor:
    """Tangent, elementwise."""
    return _backend().tan(x)


def arcsin(x: Any) -> Tensor:
    """Inverse sine, elementwise."""
    return _backend().arcsin(x)


def arccos(x: Any) -> Tensor:
    """Inverse cosine, elementwise."""
    return _backend().arccos(x)


def arctan(x: Any) -> Tensor:
    """Inverse tangent, elementwise."""
    return _backend().arctan(x)


def sinh(x: Any) -> Tensor:
    """Hyperbolic sine, elementwise."""
    return _backend().sinh(x)


def cosh(x: Any) -> Tensor:
    """Hyperbolic cosine, elementwise."""
    return _backend().cosh(x)


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return _backend().tanh(x)


def arcsinh(x: Any) -> Tensor:
    """Inverse hyperbolic sine, elementwise."""
    return _backend().arcsinh(x)


def arccosh(x: Any) -> Tensor:
    """Inverse hyperbolic cosine, elementwise."""
    return _backend().arccosh(x)


def arctanh(x: Any) -> Tensor:
    """Inverse hyperbolic tangent, elementwise."""
    return _backend().arctanh(x)


def erf(x: Any) -> Tensor:
    """Gauss error function, elementwise."""
    return _backend().erf(x)


def logical_not(x: Any) -> Tensor:
    """Logical NOT, elementwise (bool result)."""
    return _backend().logical_not(x)


def isnan(x: Any) -> Tensor:
    """True where ``x`` is NaN."""
    return _backend().isnan(x)


def isinf(x: Any) -> Tensor:
    """True where ``x`` is +/-inf."""
    return _backend().isinf(x)


def isfinite(x: Any) -> Tensor:
    """True where ``x`` is neither NaN nor infinite."""
    return _backend().isfinite(x)



def true_divide(x1: Any, x2: Any) -> Tensor:
    """Same as :func:`divide`."""
    try:
        return (_active() or _backend()).divide(x1, x2)
    except Exception as exc:
        raise _broadcast_error("divide", x1, x2, exc) from exc


def absolute(x: Any) -> Tensor:
    """Same as :func:`abs`."""
    return _backend().abs(x)


def log2(x: Any) -> Tensor:
    """Base-2 logarithm, elementwise."""
    b = _backend()
    return b.divide(b.log(x), _LN2)


def log10(x: Any) -> Tensor:
    """Base-10 logarithm, elementwise."""
    b = _backend()
    return b.divide(b.log(x), _LN10)


def rsqrt(x: Any) -> Tensor:
    """``1 / sqrt(x)``, elementwise."""
    b = _backend()
    return b.reciprocal(b.sqrt(x))


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """Limit values to ``[x_min, x_max]``.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.clip([-2.0, 0.5, 3.0], 0.0, 1.0))
        array([0. , 0.5, 1. ], dtype=float32)
    """
    return _backend().clip(x, x_min, x_max)


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round to ``decimals`` decimal places (halves to even, as NumPy)."""
    b = _backend()
    if type(decimals) is not int:
        decimals = as_int(decimals, "decimals", "round")
    if decimals == 0:
        return b.round(x)
    x = as_tensor(b, x)
    dt = b.dtype(x)
    if dt not in FLOATS:
        if decimals > 0:
            return x
        scale = float(10 ** (-decimals))
        shifted = b.round(b.divide(b.cast(x, "float32"), scale))
        return b.cast(b.multiply(shifted, scale), dt)
    scale = 10.0 ** decimals
    return b.divide(b.round(b.multiply(x, scale)), scale)
