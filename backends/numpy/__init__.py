"""The NumPy backend: plain ``np.ndarray`` tensors and a reverse-mode tape that trains.

Example:
    >>> import numpy as np
    >>> from polykeras.backends.numpy import NumpyBackend
    >>> b = NumpyBackend()
    >>> value, grads = b.value_and_grad(lambda w, x: b.sum(b.matmul(x, w)))(
    ...     np.ones((3, 2), np.float32), np.ones((4, 3), np.float32))
    >>> float(value), grads.shape, grads.dtype
    (24.0, (3, 2), dtype('float32'))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import (
    activation_ops,
    autodiff,
    conv_ops,
    conv_transpose_ops,
    conversion,
    creation_ops,
    fused_ops,
    indexing_ops,
    linalg_ops,
    math_ops,
    nn_ops,
    random_ops,
    recurrent_ops,
    reduction_ops,
    shape_ops,
)
from . import jit as jit_mod
from . import operators as _operators  # noqa: F401  (installs Node operators)
from .autodiff import Node

__all__ = ["NumpyBackend", "Node"]

_CAPABILITIES = {"jit": True, "gpu": False, "float64": True}


#: Which module implements each op; every name becomes a static method of the backend.
_OPS: dict[Any, tuple[str, ...]] = {
    conversion: ("is_tensor", "convert_to_tensor", "convert_to_numpy", "from_dlpack", "shape",
                 "dtype", "cast", "stop_gradient"),
    creation_ops: ("zeros", "ones", "full", "arange", "eye", "linspace"),
    math_ops: (
        "abs", "negative", "sign", "exp", "log", "log1p", "expm1", "sqrt", "square",
        "reciprocal", "floor", "ceil", "round", "sin", "cos", "tan", "arcsin", "arccos",
        "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "erf",
        "sigmoid", "relu", "isnan", "isinf", "isfinite", "logical_not", "add", "subtract",
        "multiply", "divide", "floor_divide", "mod", "power", "maximum", "minimum",
        "arctan2", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
        "logical_and", "logical_or", "logical_xor", "clip", "where"),
    linalg_ops: ("matmul", "einsum", "dot", "tensordot"),
    reduction_ops: ("sum", "mean", "max", "min", "prod", "all", "any", "cumsum", "argmax",
                    "argmin", "argsort", "sort", "top_k"),
    shape_ops: ("reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack",
                "split", "tile", "repeat", "broadcast_to", "pad", "flip"),
    indexing_ops: ("slice", "getitem", "take", "take_along_axis", "scatter"),
    conv_ops: ("conv", "max_pool", "average_pool"),
    conv_transpose_ops: ("conv_transpose",),
    activation_ops: ("relu6", "hard_sigmoid", "softplus", "softsign", "elu", "selu",
                     "leaky_relu", "silu", "gelu"),
    nn_ops: ("softmax", "log_softmax", "logsumexp", "categorical_crossentropy",
             "sparse_categorical_crossentropy", "binary_crossentropy"),
    random_ops: ("rng_key", "rng_split", "random_uniform", "random_normal",
                 "random_truncated_normal", "random_randint", "random_shuffle"),
    fused_ops: ("dropout", "dense", "sgd_update", "adam_update"),
    recurrent_ops: ("rnn",),
    autodiff: ("value_and_grad",),
}


class NumpyBackend:
    """The polykeras backend running on NumPy, with its own reverse-mode autodiff.

    Tensors are ``np.ndarray``; under :meth:`value_and_grad` float parameters are traced
    :class:`Node` values. ``jit`` records a function's NumPy calls and replays them.

    Example:
        >>> b = NumpyBackend()
        >>> b.name, b.device, b.supports("jit")
        ('numpy', 'cpu', True)
    """

    name = "numpy"

    def supports(self, capability: str) -> bool:
        """Whether this backend has ``capability`` ("jit", "gpu", "bfloat16", "float64")."""
        if capability == "bfloat16":
            return conversion.has_bfloat16()
        return _CAPABILITIES.get(capability, False)

    @property
    def device(self) -> str:
        """Always ``"cpu"``."""
        return "cpu"

    def jit(self, fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        """``fn`` recorded once per input signature and replayed as flat NumPy calls
        (:mod:`polykeras.backends.numpy.jit`); options such as ``donate_argnums`` are
        accepted and ignored."""
        return jit_mod.jit(fn, **options)

    def __repr__(self) -> str:
        return "<NumpyBackend>"


for _module, _names in _OPS.items():
    for _name in _names:
        setattr(NumpyBackend, _name, staticmethod(getattr(_module, _name)))
del _module, _names, _name
