"""The NumPy-style part of :mod:`polykeras.ops`, as ``keras.ops.numpy`` groups it.

Everything here is also available directly from :mod:`polykeras.ops`.

Example:
    >>> from polykeras.ops import numpy as pnp
    >>> pnp.shape(pnp.zeros((2, 3)))
    (2, 3)
"""

from polykeras.ops.core import ndim, shape, size
from polykeras.ops.creation import (
    arange,
    eye,
    full,
    full_like,
    identity,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from polykeras.ops.indexing import argmax, argmin, argsort, sort, take, take_along_axis, where
from polykeras.ops.linalg import dot, einsum, matmul, outer, tensordot
from polykeras.ops.math import *  # noqa: F403
from polykeras.ops.math import __all__ as _math_names
from polykeras.ops.reduction import all, any, cumprod, cumsum, max, mean, min, prod, std, sum, var
from polykeras.ops.shape import *  # noqa: F403
from polykeras.ops.shape import __all__ as _shape_names

__all__ = [
    "ndim", "shape", "size",
    "arange", "eye", "full", "full_like", "identity", "linspace", "ones", "ones_like",
    "zeros", "zeros_like",
    "argmax", "argmin", "argsort", "sort", "take", "take_along_axis", "where",
    "dot", "einsum", "matmul", "outer", "tensordot",
    "all", "any", "cumprod", "cumsum", "max", "mean", "min", "prod", "std", "sum", "var",
] + list(_math_names) + list(_shape_names)
