"""Metric forms of losses: the running mean of a per-sample loss.

Example:
    >>> m = MeanSquaredError()
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> float(m.result())
    0.5
"""

from __future__ import annotations

from typing import Any

from polykeras import losses, ops
from polykeras.metrics.samplewise import SampleMeanWrapper
from polykeras.utils.shapes import squeeze_or_expand_to_same_rank


def _rank_matched(loss_fn: Any) -> Any:
    """``loss_fn`` applied after giving targets and predictions the same rank, so
    labels of shape ``(batch,)`` meet predictions of shape ``(batch, 1)`` elementwise."""

    def fn(y_true: Any, y_pred: Any, **kwargs: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true, y_pred = squeeze_or_expand_to_same_rank(ops.convert_to_tensor(y_true), y_pred)
        return loss_fn(y_true, y_pred, **kwargs)

    fn.__name__ = loss_fn.__name__
    fn.__doc__ = loss_fn.__doc__
    return fn


_mean_squared_error = _rank_matched(losses.mean_squared_error)
_mean_absolute_error = _rank_matched(losses.mean_absolute_error)
_binary_crossentropy = _rank_matched(losses.binary_crossentropy)


class MeanSquaredError(SampleMeanWrapper):
    """Mean of ``mean((y_pred - y_true)**2, axis=-1)`` over all samples.

    Example:
        >>> m = MeanSquaredError(); m.update_state([[1.0]], [[3.0]]); float(m.result())
        4.0
    """

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(_mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(SampleMeanWrapper):
    """Mean of ``mean(|y_pred - y_true|, axis=-1)`` over all samples.

    Example:
        >>> m = MeanAbsoluteError(); m.update_state([[1.0]], [[3.0]]); float(m.result())
        2.0
    """

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(_mean_absolute_error, name=name, dtype=dtype)


class CategoricalCrossentropy(SampleMeanWrapper):
    """Mean categorical crossentropy between one-hot labels and predictions.

    Example:
        >>> m = CategoricalCrossentropy()
        >>> m.update_state([[0, 1]], [[0.5, 0.5]]); round(float(m.result()), 4)
        0.6931
    """

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1) -> None:
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing),
                         axis=int(axis))


class SparseCategoricalCrossentropy(SampleMeanWrapper):
    """Mean crossentropy between integer labels and predictions.

    Example:
        >>> m = SparseCategoricalCrossentropy()
        >>> m.update_state([1], [[0.5, 0.5]]); round(float(m.result()), 4)
        0.6931
    """

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, axis: int = -1) -> None:
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), axis=int(axis))


class BinaryCrossentropy(SampleMeanWrapper):
    """Mean binary crossentropy between 0/1 labels and predicted probabilities (or logits).

    Example:
        >>> m = BinaryCrossentropy()
        >>> m.update_state([[1.0]], [[0.5]]); round(float(m.result()), 4)
        0.6931
    """

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        super().__init__(_binary_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing))
