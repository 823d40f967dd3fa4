"""Hinge losses for maximum-margin classification: hinge, squared hinge and categorical
hinge. Binary 0/1 targets are read as -1/+1.

Example:
    >>> from polykeras import ops
    >>> ops.convert_to_numpy(hinge([[0.0, 1.0]], [[-0.5, 0.5]]))
    array([0.5], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.losses.loss import LossFunctionWrapper, float_target

_SUM = "sum_over_batch_size"


def _signed_labels(y_true: Any, y_pred: Any) -> Any:
    """Targets in {-1, +1}: all-0/1 targets become ``2 * y - 1``, others stay."""
    y_true = float_target(y_true, y_pred)
    binary = ops.all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(binary, ops.subtract(ops.multiply(y_true, 2.0), 1.0), y_true)


def _margin(y_true: Any, y_pred: Any) -> Any:
    y_pred = ops.convert_to_tensor(y_pred)
    product = ops.multiply(_signed_labels(y_true, y_pred), y_pred)
    return ops.maximum(ops.subtract(1.0, product), 0.0)


def hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``."""
    return ops.mean(_margin(y_true, y_pred), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``.

    Example:
        >>> ops.convert_to_numpy(squared_hinge([[1.0]], [[0.5]]))
        array([0.25], dtype=float32)
    """
    return ops.mean(ops.square(_margin(y_true, y_pred)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` per sample.

    Example:
        >>> ops.convert_to_numpy(categorical_hinge([[0.0, 1.0]], [[0.3, 0.6]]))
        array([0.7], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = float_target(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


class Hinge(LossFunctionWrapper):
    """Hinge loss; 0/1 targets are read as -1/+1."""

    def __init__(self, reduction: str | None = _SUM, name: str = "hinge",
                 dtype: Any = None) -> None:
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss; 0/1 targets are read as -1/+1."""

    def __init__(self, reduction: str | None = _SUM, name: str = "squared_hinge",
                 dtype: Any = None) -> None:
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss for one-hot targets."""

    def __init__(self, reduction: str | None = _SUM, name: str = "categorical_hinge",
                 dtype: Any = None) -> None:
        super().__init__(categorical_hinge, reduction, name, dtype)
