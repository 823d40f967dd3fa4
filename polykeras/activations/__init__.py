"""Activation functions, usable by name (``Dense(10, activation="softmax")``) or directly.

Example:
    >>> import polykeras
    >>> polykeras.activations.get("relu") is polykeras.activations.relu
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from polykeras import ops


def linear(x: Any) -> Any:
    """Identity."""
    return x


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Any:
    """Rectified linear unit, with Keras' optional slope, cap and threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    y = ops.where(ops.greater(x, threshold), x, ops.multiply(ops.subtract(x, threshold), negative_slope))
    if max_value is not None:
        y = ops.minimum(y, max_value)
    return y


def sigmoid(x: Any) -> Any:
    return ops.sigmoid(x)


def tanh(x: Any) -> Any:
    return ops.tanh(x)


def softmax(x: Any, axis: int = -1) -> Any:
    return ops.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    return ops.log_softmax(x, axis=axis)


def elu(x: Any, alpha: float = 1.0) -> Any:
    return ops.elu(x, alpha=alpha)


def selu(x: Any) -> Any:
    return ops.selu(x)


def softplus(x: Any) -> Any:
    return ops.softplus(x)


def softsign(x: Any) -> Any:
    return ops.softsign(x)


def gelu(x: Any, approximate: bool = False) -> Any:
    return ops.gelu(x, approximate=approximate)


def silu(x: Any) -> Any:
    return ops.silu(x)


swish = silu


def relu6(x: Any) -> Any:
    return ops.relu6(x)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    return ops.leaky_relu(x, negative_slope=negative_slope)


def hard_sigmoid(x: Any) -> Any:
    return ops.hard_sigmoid(x)


def exponential(x: Any) -> Any:
    return ops.exp(x)


def mish(x: Any) -> Any:
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def celu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` for ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``."""
    negative = ops.multiply(alpha, ops.expm1(ops.divide(ops.minimum(x, 0.0), alpha)))
    return ops.where(ops.greater(x, 0.0), x, negative)


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: the first half of ``axis`` times the sigmoid of the second."""
    if ops.shape(x)[axis] % 2:
        raise ValueError(f"glu needs an even size along axis {axis}, received shape "
                         f"{tuple(ops.shape(x))}.")
    a, b = ops.split(x, 2, axis=axis)
    return ops.multiply(a, ops.sigmoid(b))


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` where ``|x| > threshold``, else 0."""
    return ops.where(ops.greater(ops.abs(x), threshold), x, ops.zeros_like(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` moved ``threshold`` towards 0, and 0 within ``[-threshold, threshold]``."""
    shrunk = ops.subtract(x, ops.multiply(ops.sign(x), threshold))
    return ops.where(ops.greater(ops.abs(x), threshold), shrunk, ops.zeros_like(x))


def tanh_shrink(x: Any) -> Any:
    """``x - tanh(x)``."""
    return ops.subtract(x, ops.tanh(x))


def hard_tanh(x: Any) -> Any:
    """``x`` clipped to ``[-1, 1]``."""
    return ops.clip(x, -1.0, 1.0)


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)``."""
    return ops.multiply(x, ops.divide(ops.relu6(ops.add(x, 3.0)), 6.0))


hard_swish = hard_silu


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x))`` without overflow: ``-softplus(-x)``."""
    return ops.negative(ops.softplus(ops.negative(x)))


def sparse_plus(x: Any) -> Any:
    """0 below -1, ``x`` above 1, ``(x + 1)**2 / 4`` between."""
    middle = ops.divide(ops.square(ops.add(x, 1.0)), 4.0)
    return ops.where(ops.less_equal(x, -1.0), ops.zeros_like(x),
                     ops.where(ops.greater_equal(x, 1.0), x, middle))


def sparse_sigmoid(x: Any) -> Any:
    """0 below -1, 1 above 1, ``(x + 1) / 2`` between."""
    return ops.clip(ops.divide(ops.add(x, 1.0), 2.0), 0.0, 1.0)


def squareplus(x: Any, b: float = 4) -> Any:
    """``(x + sqrt(x**2 + b)) / 2``."""
    return ops.divide(ops.add(x, ops.sqrt(ops.add(ops.square(x), b))), 2.0)


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    """``x`` where ``x > threshold``, else ``default_value``."""
    return ops.where(ops.greater(x, threshold), x, ops.full_like(x, default_value))


def sparsemax(x: Any, axis: int = -1) -> Any:
    """Euclidean projection of ``x`` onto the probability simplex along ``axis`` (a
    softmax with exact zeros).

    Example:
        >>> ops.convert_to_numpy(sparsemax(ops.convert_to_tensor([1.0, 2.0, 0.0])))
        array([0., 1., 0.], dtype=float32)
    """
    x = ops.moveaxis(x, axis, -1)
    n = ops.shape(x)[-1]
    z = ops.flip(ops.sort(x, axis=-1), axis=-1)
    k = ops.arange(1, n + 1, dtype=ops.dtype(x))
    cumulative = ops.cumsum(z, axis=-1)
    support = ops.cast(ops.greater(ops.add(1.0, ops.multiply(k, z)), cumulative), ops.dtype(x))
    count = ops.sum(support, axis=-1, keepdims=True)
    tau = ops.divide(ops.subtract(ops.sum(ops.multiply(z, support), axis=-1, keepdims=True), 1.0),
                     count)
    return ops.moveaxis(ops.maximum(ops.subtract(x, tau), 0.0), -1, axis)


_ACTIVATIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu,
                            softplus, softsign, gelu, silu, relu6, leaky_relu, hard_sigmoid,
                            exponential, mish, celu, glu, hard_shrink, soft_shrink,
                            tanh_shrink, hard_tanh, hard_silu, log_sigmoid, sparse_plus,
                            sparse_sigmoid, squareplus, threshold, sparsemax)
}
_ACTIVATIONS["swish"] = silu
_ACTIVATIONS["hard_swish"] = hard_silu


def serialize(activation: Callable[..., Any]) -> str:
    """The registered name of an activation function (as in a Keras config)."""
    for name, fn in _ACTIVATIONS.items():
        if fn is activation:
            return name
    fn_name = getattr(activation, "__name__", None)
    if fn_name:
        return fn_name
    raise ValueError(f"Cannot serialize activation {activation!r}.")


def get(identifier: str | Callable[..., Any] | None) -> Callable[..., Any]:
    """The activation for a name, a callable (returned as is) or None (linear)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier.get("class_name"))
        if isinstance(identifier, dict):
            identifier = identifier.get("name")
    if isinstance(identifier, str) and identifier in _ACTIVATIONS:
        return _ACTIVATIONS[identifier]
    raise ValueError(
        f"Unknown activation {identifier!r}. Valid names: {', '.join(sorted(_ACTIVATIONS))}."
    )


deserialize = get
