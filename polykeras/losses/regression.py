"""Regression losses: squared, absolute, percentage and logarithmic errors, Huber,
log-cosh and cosine similarity. Functions return per-sample values (the mean over the
last axis); the classes reduce them.

Example:
    >>> from polykeras import ops
    >>> ops.convert_to_numpy(mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]]))
    array([37.5], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon
from polykeras.losses.loss import LossFunctionWrapper, aligned, l2_normalize

_SUM = "sum_over_batch_size"


# ------------------------------------------------------------------ functions
def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(y_true - y_pred), axis=-1)``.

    Example:
        >>> ops.convert_to_numpy(mean_squared_error([[0.0, 2.0]], [[1.0, 1.0]]))
        array([1.], dtype=float32)
    """
    y_true, y_pred = aligned(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = aligned(y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)``."""
    y_true, y_pred = aligned(y_true, y_pred)
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred),
                              ops.maximum(ops.abs(y_true), epsilon())))
    return ops.multiply(ops.mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(log(1 + y_pred) - log(1 + y_true)), axis=-1)``, both floored at
    ``epsilon``.

    Example:
        >>> round(float(mean_squared_logarithmic_error([[0.0]], [[1.718281828]])[0]), 4)
        1.0
    """
    y_true, y_pred = aligned(y_true, y_pred)
    first = ops.log(ops.add(ops.maximum(y_pred, epsilon()), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, epsilon()), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Negative cosine similarity along ``axis`` (-1 for the same direction).

    Example:
        >>> ops.convert_to_numpy(cosine_similarity([[1.0, 0.0], [1.0, 1.0]],
        ...                                        [[2.0, 0.0], [-1.0, -1.0]])).round(4)
        array([-1.,  1.], dtype=float32)
    """
    y_true, y_pred = aligned(y_true, y_pred)
    product = ops.multiply(l2_normalize(y_true, axis), l2_normalize(y_pred, axis))
    return ops.negative(ops.sum(product, axis=axis))


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    """Mean over the last axis of ``0.5 * e**2`` where ``|e| <= delta``, else
    ``delta * |e| - 0.5 * delta**2``.

    Example:
        >>> round(float(ops.mean(huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]))), 3)
        0.155
    """
    y_true, y_pred = aligned(y_true, y_pred)
    err = ops.abs(ops.subtract(y_pred, y_true))
    quad = ops.minimum(err, delta)
    lin = ops.subtract(err, quad)
    return ops.mean(ops.add(ops.multiply(ops.square(quad), 0.5), ops.multiply(lin, delta)),
                    axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Any:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    Example:
        >>> round(float(ops.mean(log_cosh([[0.0, 1.0], [0.0, 0.0]],
        ...                               [[1.0, 1.0], [0.0, 0.0]]))), 3)
        0.108
    """
    y_true, y_pred = aligned(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    value = ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), 0.6931471805599453)
    return ops.mean(value, axis=-1)


# ------------------------------------------------------------------ classes
class MeanSquaredError(LossFunctionWrapper):
    """Mean of the squared errors."""

    def __init__(self, reduction: str | None = _SUM, name: str = "mean_squared_error",
                 dtype: Any = None) -> None:
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of the absolute errors."""

    def __init__(self, reduction: str | None = _SUM, name: str = "mean_absolute_error",
                 dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute error relative to the targets, in percent."""

    def __init__(self, reduction: str | None = _SUM,
                 name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared error between ``log(1 + y)`` of targets and predictions."""

    def __init__(self, reduction: str | None = _SUM,
                 name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between targets and predictions along ``axis``."""

    def __init__(self, axis: int = -1, reduction: str | None = _SUM,
                 name: str = "cosine_similarity", dtype: Any = None) -> None:
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(LossFunctionWrapper):
    """Quadratic for errors up to ``delta``, linear beyond."""

    def __init__(self, delta: float = 1.0, reduction: str | None = _SUM,
                 name: str = "huber_loss", dtype: Any = None) -> None:
        super().__init__(huber, reduction, name, dtype, delta=float(delta))


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error."""

    def __init__(self, reduction: str | None = _SUM, name: str = "log_cosh",
                 dtype: Any = None) -> None:
        super().__init__(log_cosh, reduction, name, dtype)
