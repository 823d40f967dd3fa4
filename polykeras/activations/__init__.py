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


_ACTIVATIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu,
                            softplus, softsign, gelu, silu, relu6, leaky_relu, hard_sigmoid,
                            exponential, mish)
}
_ACTIVATIONS["swish"] = silu


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
