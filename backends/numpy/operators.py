"""Python operators and a few ndarray-style methods for traced values.

``ndarray + node`` defers to the node (``Node.__array_ufunc__ = None``), so mixed
expressions are traced whichever side the array is on.

Example:
    >>> import numpy as np
    >>> from polykeras.backends.numpy.autodiff import Node
    >>> (np.ones(2, np.float32) * Node(np.full(2, 3.0, np.float32))).value
    array([3., 3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from . import indexing_ops as ix
from . import linalg_ops as la
from . import math_ops as m
from . import reduction_ops as r
from . import shape_ops as sh
from .autodiff import Node
from .conversion import cast


def _install() -> None:
    ops = {
        "__add__": lambda s, o: m.add(s, o),
        "__radd__": lambda s, o: m.add(o, s),
        "__sub__": lambda s, o: m.subtract(s, o),
        "__rsub__": lambda s, o: m.subtract(o, s),
        "__mul__": lambda s, o: m.multiply(s, o),
        "__rmul__": lambda s, o: m.multiply(o, s),
        "__truediv__": lambda s, o: m.divide(s, o),
        "__rtruediv__": lambda s, o: m.divide(o, s),
        "__floordiv__": lambda s, o: m.floor_divide(s, o),
        "__rfloordiv__": lambda s, o: m.floor_divide(o, s),
        "__mod__": lambda s, o: m.mod(s, o),
        "__rmod__": lambda s, o: m.mod(o, s),
        "__pow__": lambda s, o: m.power(s, o),
        "__rpow__": lambda s, o: m.power(o, s),
        "__matmul__": lambda s, o: la.matmul(s, o),
        "__rmatmul__": lambda s, o: la.matmul(o, s),
        "__neg__": lambda s: m.negative(s),
        "__pos__": lambda s: s,
        "__abs__": lambda s: m.abs(s),
        "__lt__": lambda s, o: m.less(s, o),
        "__le__": lambda s, o: m.less_equal(s, o),
        "__gt__": lambda s, o: m.greater(s, o),
        "__ge__": lambda s, o: m.greater_equal(s, o),
        "__eq__": lambda s, o: m.equal(s, o),
        "__ne__": lambda s, o: m.not_equal(s, o),
        "__getitem__": lambda s, k: ix.getitem(s, k),
    }
    for name, fn in ops.items():
        setattr(Node, name, fn)
    Node.__hash__ = object.__hash__


def _iter(self: Node) -> Any:
    for i in range(len(self.value)):
        yield ix.getitem(self, i)


def _transpose_method(self: Node, *axes: Any) -> Any:
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return sh.transpose(self, tuple(axes) if axes else None)


def _reshape_method(self: Node, *shape: Any) -> Any:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return sh.reshape(self, tuple(shape))


def _reduction_method(fn: Any) -> Any:
    def method(self: Node, axis: Any = None, keepdims: bool = False, **unused: Any) -> Any:
        return fn(self, axis=axis, keepdims=keepdims)

    return method


_install()
Node.__iter__ = _iter
Node.T = property(lambda self: sh.transpose(self, None))
Node.transpose = _transpose_method
Node.reshape = _reshape_method
Node.astype = lambda self, dtype: cast(self, dtype)
Node.sum = _reduction_method(r.sum)
Node.mean = _reduction_method(r.mean)
Node.max = _reduction_method(r.max)
Node.min = _reduction_method(r.min)
