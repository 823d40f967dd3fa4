"""Fused activations (``keras.ops`` signatures): one node each, closed-form gradients.

Example:
    >>> import numpy as np
    >>> relu6(np.array([-1.0, 3.0, 9.0], np.float32))
    array([0., 3., 6.], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .autodiff import record
from .conversion import unwrap_float
from .math_ops import _erf_values, _sigmoid_forward

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _activation(x: Any, forward: Callable, grad: Callable) -> Any:
    """Apply ``forward`` to float ``x``; ``grad(g, x, out)`` is the VJP when traced."""
    a, n = unwrap_float(x)
    d = a.dtype
    if d.kind == "V":  # bfloat16: NumPy mixes it with Python floats into float32
        a = a.astype(np.float32)
    out = forward(a)
    if out.dtype != d:
        out = out.astype(d)
    if n is None:
        return out
    return record(out, (n,), lambda g: (grad(g, a, out),))


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``."""
    return _activation(x, lambda a: np.clip(a, 0, 6),
                       lambda g, a, o: g * ((a >= 0) & (a <= 6)))


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``."""
    return _activation(x, lambda a: np.clip(a + 3, 0, 6) / 6,
                       lambda g, a, o: g * ((a >= -3) & (a <= 3)) * (1 / 6))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` without overflow."""
    return _activation(x, lambda a: np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a))),
                       lambda g, a, o: g * _sigmoid_forward(a))


def softsign(x: Any) -> Any:
    """``x / (1 + |x|)``."""
    def grad(g, a, o):
        d = np.abs(a) + 1
        return g / (d * d)

    return _activation(x, lambda a: a / (np.abs(a) + 1), grad)


def _elu_parts(a: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    positive = a > 0
    return positive, np.where(positive, a, alpha * np.expm1(np.minimum(a, 0)))


def elu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return _activation(x, lambda a: _elu_parts(a, alpha)[1],
                       lambda g, a, o: g * np.where(a > 0, 1, o + alpha))


def selu(x: Any) -> Any:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return _activation(
        x, lambda a: _elu_parts(a, _SELU_ALPHA)[1] * _SELU_SCALE,
        lambda g, a, o: g * np.where(a > 0, _SELU_SCALE, o + _SELU_SCALE * _SELU_ALPHA))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """``x`` for ``x >= 0``, else ``negative_slope * x``."""
    return _activation(x, lambda a: np.where(a >= 0, a, a * negative_slope),
                       lambda g, a, o: g * np.where(a >= 0, 1, negative_slope).astype(g.dtype))


def silu(x: Any) -> Any:
    """``x * sigmoid(x)`` (swish)."""
    def forward(a):
        return a * _sigmoid_forward(a)

    def grad(g, a, o):
        s = _sigmoid_forward(a)
        return g * (s * (1 + a * (1 - s)))

    return _activation(x, forward, grad)


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit (the tanh approximation when ``approximate``)."""
    if approximate:
        def forward(a):
            t = np.tanh((a + 0.044715 * a * a * a) * _SQRT_2_OVER_PI)
            return 0.5 * a * (1 + t)

        def grad(g, a, o):
            a2 = a * a
            t = np.tanh((a + 0.044715 * a2 * a) * _SQRT_2_OVER_PI)
            inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a2)
            return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * inner)
    else:
        def forward(a):
            return 0.5 * a * (1 + _erf_values(a * _INV_SQRT_2))

        def grad(g, a, o):
            cdf = 0.5 * (1 + _erf_values(a * _INV_SQRT_2))
            return g * (cdf + a * np.exp(-0.5 * a * a) * _INV_SQRT_2PI)

    return _activation(x, forward, grad)
