"""Elementwise math, linear algebra, reductions and sorting for the torch adapter.

Example:
    >>> b = TorchBackend()
    >>> b.mean(b.convert_to_tensor([1, 2]))
    tensor(1.5000)
"""

from __future__ import annotations

from typing import Any

import torch

from .core import (
    Tensor,
    accumulation_dtype,
    as_float,
    pair,
    promote,
    tensor_pair,
    to_tensor,
    torch_dtype,
)

_SCALARS = (int, float)


def _float_unary(fn: Any, doc: str) -> Any:
    def op(self: Any, x: Any) -> Tensor:
        if not isinstance(x, Tensor) or not x.is_floating_point():
            x = as_float(x)
        return fn(x)

    op.__doc__ = doc + " Integer and bool inputs give ``floatx()``."
    return op


def _keep_unary(fn: Any, doc: str) -> Any:
    def op(self: Any, x: Any) -> Tensor:
        return fn(to_tensor(x))

    op.__doc__ = doc + " Keeps the input dtype."
    return op


def _bool_unary(fn: Any, doc: str) -> Any:
    def op(self: Any, x: Any) -> Tensor:
        return fn(to_tensor(x))

    op.__doc__ = doc + " Returns a bool tensor."
    return op


def _compare(fn: Any, flipped: Any, doc: str) -> Any:
    def op(self: Any, x1: Any, x2: Any) -> Tensor:
        a, b = pair(x1, x2)
        if isinstance(a, Tensor):
            return fn(a, b)
        return flipped(b, a)

    op.__doc__ = doc + " Both sides are cast to their common dtype first; returns bool."
    return op


def _logical(fn: Any, doc: str) -> Any:
    def op(self: Any, x1: Any, x2: Any) -> Tensor:
        a = x1 if isinstance(x1, Tensor) else to_tensor(x1)
        b = x2 if isinstance(x2, Tensor) else to_tensor(x2)
        return fn(a, b)

    op.__doc__ = doc + " Nonzero values are true; returns bool."
    return op


def _product(fn: Any, *operands: Tensor) -> Tensor:
    """``fn(*operands)`` for a matrix product; integer/bool products on accelerators
    (which have no integer GEMM) are computed in float64, exact below 2**53."""
    first = operands[0]
    if first.is_floating_point():
        return fn(*operands)
    if first.dtype is torch.bool:
        return _product(fn, *(o.to(torch.int32) for o in operands)) != 0
    if first.device.type == "cpu":
        return fn(*operands)
    return fn(*(o.to(torch.float64) for o in operands)).to(first.dtype)


def _axis_arg(axis: Any) -> Any:
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _all_axes_shape(x: Tensor) -> tuple[int, ...]:
    return (1,) * x.ndim


def _cumulative(fn: Any, x: Any, axis: int | None, dtype: Any) -> Tensor:
    x = to_tensor(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if dtype is not None:
        td = torch_dtype(dtype)
    else:
        td = accumulation_dtype(x)
    if td is not None and td in (torch.uint32, torch.uint64):
        return fn(x.to(torch.int64), dim=axis).to(td)
    return fn(x, dim=axis, dtype=td)



def _same_float(x1: Any, x2: Any) -> bool:
    """Both float tensors of one dtype, or a float tensor and a Python float (weak): the
    framework's own op already gives the polykeras result, no promotion needed."""
    return type(x1) is Tensor and x1.is_floating_point() and (
        (type(x2) is Tensor and x1.dtype is x2.dtype) or type(x2) is float)

class MathOps:
    """Elementwise ops, matmul/einsum, reductions, cumulative ops and sorting."""

    # ------------------------------------------------------------------- unary
    abs = _keep_unary(lambda x: x if x.dtype is torch.bool else torch.abs(x), "Absolute value.")
    negative = _keep_unary(torch.neg, "Elementwise negation.")
    sign = _keep_unary(torch.sign, "Sign (-1, 0 or 1).")
    square = _keep_unary(lambda x: x if x.dtype is torch.bool else torch.square(x),
                         "Elementwise square.")
    relu = _keep_unary(torch.relu, "max(x, 0).")
    exp = _float_unary(torch.exp, "Exponential.")
    log = _float_unary(torch.log, "Natural logarithm.")
    log1p = _float_unary(torch.log1p, "log(1 + x).")
    expm1 = _float_unary(torch.expm1, "exp(x) - 1.")
    sqrt = _float_unary(torch.sqrt, "Square root.")
    reciprocal = _float_unary(torch.reciprocal, "1 / x.")
    sin = _float_unary(torch.sin, "Sine.")
    cos = _float_unary(torch.cos, "Cosine.")
    tan = _float_unary(torch.tan, "Tangent.")
    arcsin = _float_unary(torch.asin, "Inverse sine.")
    arccos = _float_unary(torch.acos, "Inverse cosine.")
    arctan = _float_unary(torch.atan, "Inverse tangent.")
    sinh = _float_unary(torch.sinh, "Hyperbolic sine.")
    cosh = _float_unary(torch.cosh, "Hyperbolic cosine.")
    tanh = _float_unary(torch.tanh, "Hyperbolic tangent.")
    arcsinh = _float_unary(torch.asinh, "Inverse hyperbolic sine.")
    arccosh = _float_unary(torch.acosh, "Inverse hyperbolic cosine.")
    arctanh = _float_unary(torch.atanh, "Inverse hyperbolic tangent.")
    erf = _float_unary(torch.erf, "Error function.")
    sigmoid = _float_unary(torch.sigmoid, "1 / (1 + exp(-x)).")
    floor = _float_unary(torch.floor, "Round down.")
    ceil = _float_unary(torch.ceil, "Round up.")
    isnan = _bool_unary(torch.isnan, "True where x is NaN.")
    isinf = _bool_unary(torch.isinf, "True where x is +-inf.")
    isfinite = _bool_unary(torch.isfinite, "True where x is finite.")
    logical_not = _bool_unary(torch.logical_not, "Logical not.")

    def round(self, x: Any, decimals: int = 0) -> Tensor:
        """Round half to even (like NumPy); integer inputs are returned unchanged.

        Example:
            >>> TorchBackend().round(torch.tensor([0.5, 1.5, 2.5]))
            tensor([0., 2., 2.])
        """
        x = to_tensor(x)
        if not x.is_floating_point():
            return x
        if decimals:
            return torch.round(x, decimals=decimals)
        return torch.round(x)

    # ------------------------------------------------------------------ binary
    def add(self, x1: Any, x2: Any) -> Tensor:
        """``x1 + x2`` with broadcasting and the polykeras dtype rule."""
        if _same_float(x1, x2):
            return torch.add(x1, x2)  # same float dtype (or a weak scalar)
        a, b = pair(x1, x2)
        if isinstance(a, Tensor):
            return torch.add(a, b)
        return torch.add(b, a)

    def subtract(self, x1: Any, x2: Any) -> Tensor:
        """``x1 - x2``."""
        if _same_float(x1, x2):
            return torch.sub(x1, x2)  # same float dtype (or a weak scalar)
        a, b = pair(x1, x2)
        if isinstance(a, Tensor):
            return torch.sub(a, b)
        return torch.rsub(b, a)

    def multiply(self, x1: Any, x2: Any) -> Tensor:
        """``x1 * x2``."""
        if _same_float(x1, x2):
            return torch.mul(x1, x2)  # same float dtype (or a weak scalar)
        a, b = pair(x1, x2)
        if isinstance(a, Tensor):
            return torch.mul(a, b)
        return torch.mul(b, a)

    def divide(self, x1: Any, x2: Any) -> Tensor:
        """True division; integer inputs give ``floatx()``."""
        if _same_float(x1, x2):
            return torch.div(x1, x2)  # same float dtype (or a weak scalar)
        a, b = pair(x1, x2)
        if isinstance(a, Tensor):
            if not a.is_floating_point():
                a = as_float(a)
                if isinstance(b, Tensor):
                    b = b.to(a.dtype)
            return torch.div(a, b)
        if not b.is_floating_point():
            b = as_float(b)
        return torch.div(torch.full((), a, dtype=b.dtype, device=b.device), b)

    def floor_divide(self, x1: Any, x2: Any) -> Tensor:
        """Python-style floor division (rounds towards -inf; zero gradient)."""
        a, b = pair(x1, x2)
        if not isinstance(a, Tensor):
            a = torch.full((), a, dtype=b.dtype, device=b.device)
        return torch.div(a, b, rounding_mode="floor")

    def mod(self, x1: Any, x2: Any) -> Tensor:
        """Python-style remainder (takes the divisor's sign)."""
        a, b = pair(x1, x2)
        return torch.remainder(a, b)

    def power(self, x1: Any, x2: Any) -> Tensor:
        """``x1 ** x2``."""
        a, b = pair(x1, x2)
        return torch.pow(a, b)

    def maximum(self, x1: Any, x2: Any) -> Tensor:
        """Elementwise maximum (NaN propagates)."""
        a, b = pair(x1, x2)
        if isinstance(a, Tensor):
            if isinstance(b, Tensor):
                return torch.maximum(a, b)
            return torch.clamp_min(a, b)
        return torch.clamp_min(b, a)

    def minimum(self, x1: Any, x2: Any) -> Tensor:
        """Elementwise minimum (NaN propagates)."""
        a, b = pair(x1, x2)
        if isinstance(a, Tensor):
            if isinstance(b, Tensor):
                return torch.minimum(a, b)
            return torch.clamp_max(a, b)
        return torch.clamp_max(b, a)

    def arctan2(self, x1: Any, x2: Any) -> Tensor:
        """Four-quadrant arctangent of ``x1 / x2``; integer inputs give ``floatx()``."""
        a, b = tensor_pair(x1, x2)
        if not a.is_floating_point():
            a, b = as_float(a), as_float(b)
        return torch.atan2(a, b)

    equal = _compare(torch.eq, torch.eq, "``x1 == x2``.")
    not_equal = _compare(torch.ne, torch.ne, "``x1 != x2``.")
    less = _compare(torch.lt, torch.gt, "``x1 < x2``.")
    less_equal = _compare(torch.le, torch.ge, "``x1 <= x2``.")
    greater = _compare(torch.gt, torch.lt, "``x1 > x2``.")
    greater_equal = _compare(torch.ge, torch.le, "``x1 >= x2``.")
    logical_and = _logical(torch.logical_and, "Logical and.")
    logical_or = _logical(torch.logical_or, "Logical or.")
    logical_xor = _logical(torch.logical_xor, "Logical xor.")

    def clip(self, x: Any, x_min: Any, x_max: Any) -> Tensor:
        """``x`` limited to ``[x_min, x_max]``; bool inputs give int32.

        Example:
            >>> TorchBackend().clip(torch.tensor([-1.0, 0.5, 2.0]), 0.0, 1.0)
            tensor([0.0000, 0.5000, 1.0000])
        """
        x = to_tensor(x)
        if x.dtype is torch.bool:
            x = x.to(torch.int32)
        lo_scalar = x_min is None or isinstance(x_min, _SCALARS)
        hi_scalar = x_max is None or isinstance(x_max, _SCALARS)
        if lo_scalar and hi_scalar:
            if not x.is_floating_point() and (isinstance(x_min, float) or isinstance(x_max, float)):
                x = as_float(x)
            return torch.clamp(x, x_min, x_max)
        items = [x] + [v for v in (x_min, x_max) if v is not None]
        promoted = promote(items)
        x = promoted[0]
        lo = promoted[1] if x_min is not None else None
        hi = promoted[-1] if x_max is not None else None
        return torch.clamp(x, lo, hi)

    def where(self, condition: Any, x1: Any = None, x2: Any = None) -> Any:
        """``x1`` where ``condition`` is true, else ``x2`` (common dtype).

        With only ``condition``, the indices of its nonzero elements (a tuple of int32).
        """
        cond = to_tensor(condition)
        if cond.dtype is not torch.bool:
            cond = cond != 0
        if x1 is None and x2 is None:
            return tuple(i.to(torch.int32) for i in torch.nonzero(cond, as_tuple=True))
        if x1 is None or x2 is None:
            raise ValueError(
                "where expected both x1 and x2 (or neither); received only one of them."
            )
        a, b = pair(x1, x2)
        if not isinstance(a, Tensor):
            a = torch.full((), a, dtype=b.dtype, device=b.device)
        return torch.where(cond, a, b)

    # -------------------------------------------------------- linear algebra
    def matmul(self, x1: Any, x2: Any) -> Tensor:
        """NumPy ``matmul`` semantics (batched, broadcasting)."""
        a, b = tensor_pair(x1, x2)
        if a.is_floating_point():
            return torch.matmul(a, b)
        return _product(torch.matmul, a, b)

    def einsum(self, subscripts: str, *operands: Any) -> Tensor:
        """Einstein summation over operands cast to their common dtype."""
        return _product(lambda *ops: torch.einsum(subscripts, *ops), *promote(operands))

    def dot(self, x1: Any, x2: Any) -> Tensor:
        """NumPy ``dot``: sum over the last axis of ``x1`` and second-to-last of ``x2``."""
        a, b = tensor_pair(x1, x2)
        if a.ndim == 0 or b.ndim == 0:
            return torch.mul(a, b)
        if b.ndim <= 2 or a.ndim == 1:
            return _product(torch.matmul, a, b)
        dims = ([a.ndim - 1], [b.ndim - 2])
        return _product(lambda u, v: torch.tensordot(u, v, dims=dims), a, b)

    def tensordot(self, x1: Any, x2: Any, axes: Any = 2) -> Tensor:
        """Sum of products over ``axes`` (an int or a pair of axis sequences)."""
        a, b = tensor_pair(x1, x2)
        if isinstance(axes, int):
            dims: Any = axes
        else:
            ax1, ax2 = axes
            ax1 = [ax1] if isinstance(ax1, int) else list(ax1)
            ax2 = [ax2] if isinstance(ax2, int) else list(ax2)
            dims = (ax1, ax2)
        return _product(lambda u, v: torch.tensordot(u, v, dims=dims), a, b)

    def norm(self, x: Any, ord: Any = None, axis: Any = None,
             keepdims: bool = False) -> Tensor:
        """Vector or matrix norm, NumPy/``keras.ops.norm`` semantics."""
        x = as_float(x)
        axis = _axis_arg(axis)
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        if axis is None and ord is not None and x.ndim not in (1, 2):
            raise ValueError(
                f"norm with ord={ord!r} and axis=None expects a 1-D or 2-D tensor; received "
                f"rank {x.ndim}. Pass axis=."
            )
        return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)

    # ------------------------------------------------------------ reductions
    def sum(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum; small integer and bool inputs accumulate in int32 (like keras.ops)."""
        x = to_tensor(x)
        axis = _axis_arg(axis)
        td = accumulation_dtype(x)
        if td is not None and td in (torch.uint32, torch.uint64):
            return self.sum(x.to(torch.int64), axis, keepdims).to(td)
        if axis == ():
            return x if td is None or td is x.dtype else x.to(td)
        if axis is None:
            out = torch.sum(x, dtype=td)
            return out.reshape(_all_axes_shape(x)) if keepdims else out
        return torch.sum(x, dim=axis, keepdim=keepdims, dtype=td)

    def mean(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Arithmetic mean; integer inputs give ``floatx()``."""
        x = as_float(x)
        axis = _axis_arg(axis)
        if axis == ():
            return x
        if axis is None:
            out = torch.mean(x)
            return out.reshape(_all_axes_shape(x)) if keepdims else out
        return torch.mean(x, dim=axis, keepdim=keepdims)

    def max(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum (NaN propagates); ties share the gradient."""
        return self._extreme(torch.amax, x, axis, keepdims)

    def min(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Minimum (NaN propagates); ties share the gradient."""
        return self._extreme(torch.amin, x, axis, keepdims)

    def _extreme(self, fn: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
        x = to_tensor(x)
        axis = _axis_arg(axis)
        if axis == ():
            return x
        return fn(x, dim=() if axis is None else axis, keepdim=keepdims)

    def prod(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Product; small integer and bool inputs accumulate in int32."""
        x = to_tensor(x)
        axis = _axis_arg(axis)
        td = accumulation_dtype(x)
        if td is not None and td in (torch.uint32, torch.uint64):
            return self.prod(x.to(torch.int64), axis, keepdims).to(td)
        if axis == ():
            return x if td is None or td is x.dtype else x.to(td)
        if axis is None:
            out = torch.prod(x, dtype=td)
            return out.reshape(_all_axes_shape(x)) if keepdims else out
        if isinstance(axis, int):
            return torch.prod(x, dim=axis, keepdim=keepdims, dtype=td)
        ndim = x.ndim
        dims = sorted({a % ndim for a in axis}, reverse=True)
        out = x
        for d in dims:
            out = torch.prod(out, dim=d, keepdim=True, dtype=td)
        if not keepdims:
            out = out.squeeze(tuple(dims))
        return out

    def all(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """True where every element along ``axis`` is nonzero."""
        return self._logical_reduce(torch.all, x, axis, keepdims)

    def any(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """True where some element along ``axis`` is nonzero."""
        return self._logical_reduce(torch.any, x, axis, keepdims)

    def _logical_reduce(self, fn: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
        x = to_tensor(x)
        axis = _axis_arg(axis)
        if axis == ():
            return x if x.dtype is torch.bool else x != 0
        if axis is None:
            out = fn(x)
            return out.reshape(_all_axes_shape(x)) if keepdims else out
        return fn(x, dim=axis, keepdim=keepdims)

    def var(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Population variance (``ddof=0``); integer inputs give ``floatx()``."""
        x = as_float(x)
        axis = _axis_arg(axis)
        if axis == ():
            return torch.zeros_like(x)
        if axis is None:
            out = torch.var(x, correction=0)
            return out.reshape(_all_axes_shape(x)) if keepdims else out
        return torch.var(x, dim=axis, correction=0, keepdim=keepdims)

    def std(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Population standard deviation (``ddof=0``)."""
        x = as_float(x)
        axis = _axis_arg(axis)
        if axis == ():
            return torch.zeros_like(x)
        if axis is None:
            out = torch.std(x, correction=0)
            return out.reshape(_all_axes_shape(x)) if keepdims else out
        return torch.std(x, dim=axis, correction=0, keepdim=keepdims)

    def moments(self, x: Any, axes: Any, keepdims: bool = False,
                synchronized: bool = False) -> tuple[Tensor, Tensor]:
        """``(mean, variance)`` over ``axes``, computed in one pass."""
        x = as_float(x)
        axes = _axis_arg(axes)
        if axes == ():
            return x, torch.zeros_like(x)
        if axes is None:
            var, mean = torch.var_mean(x, correction=0)
            if keepdims:
                shape = _all_axes_shape(x)
                return mean.reshape(shape), var.reshape(shape)
            return mean, var
        var, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=keepdims)
        return mean, var

    def logsumexp(self, x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """``log(sum(exp(x)))`` computed stably."""
        x = as_float(x)
        axis = _axis_arg(axis)
        if axis == ():
            return x
        if axis is None:
            if x.ndim == 0:
                return x
            out = torch.logsumexp(x.reshape(-1), dim=0)
            return out.reshape(_all_axes_shape(x)) if keepdims else out
        return torch.logsumexp(x, dim=axis, keepdim=keepdims)

    # ------------------------------------------------------------ cumulative
    def cumsum(self, x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
        """Cumulative sum (flattened when ``axis`` is None)."""
        return _cumulative(torch.cumsum, x, axis, dtype)

    def cumprod(self, x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
        """Cumulative product (flattened when ``axis`` is None)."""
        return _cumulative(torch.cumprod, x, axis, dtype)

    # ------------------------------------------------------- indices, sorting
    def argmax(self, x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the first maximum, int32."""
        return self._arg_extreme(torch.argmax, x, axis, keepdims)

    def argmin(self, x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the first minimum, int32."""
        return self._arg_extreme(torch.argmin, x, axis, keepdims)

    def _arg_extreme(self, fn: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
        x = to_tensor(x)
        if x.dtype is torch.bool:
            x = x.to(torch.uint8)
        if axis is None:
            out = fn(x)
            if keepdims:
                out = out.reshape(_all_axes_shape(x))
        else:
            out = fn(x, dim=axis, keepdim=keepdims)
        return out.to(torch.int32)

    def argsort(self, x: Any, axis: int | None = -1) -> Tensor:
        """Stable ascending sort indices, int32."""
        x = to_tensor(x)
        if axis is None:
            x, axis = x.reshape(-1), 0
        if x.dtype is torch.bool:
            x = x.to(torch.uint8)
        if x.ndim == 0:
            return torch.zeros((), dtype=torch.int32, device=x.device)
        return torch.argsort(x, dim=axis, stable=True).to(torch.int32)

    def sort(self, x: Any, axis: int | None = -1) -> Tensor:
        """Values sorted ascending along ``axis`` (NaN last)."""
        x = to_tensor(x)
        if axis is None:
            x, axis = x.reshape(-1), 0
        if x.ndim == 0:
            return x
        if x.dtype is torch.bool:
            return torch.sort(x.to(torch.uint8), dim=axis, stable=True).values.to(torch.bool)
        return torch.sort(x, dim=axis, stable=True).values

    def top_k(self, x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:
        """The ``k`` largest values along the last axis and their int32 indices."""
        x = to_tensor(x)
        values, indices = torch.topk(x, k, dim=-1, largest=True, sorted=sorted)
        return values, indices.to(torch.int32)
