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
    fn.__doc__ = f"``{loss_fn.__name__}`` with targets and predictions of the same rank."
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
                 from_logits: bool = False, ignore_class: int | None = None,
                 axis: int = -1) -> None:
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), ignore_class=ignore_class,
                         axis=int(axis))


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


def _cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Cosine similarity along ``axis`` (+1 for the same direction)."""
    return ops.negative(losses.cosine_similarity(y_true, y_pred, axis=axis))


class _LossMean(SampleMeanWrapper):
    """Mean of a per-sample loss function over all samples; subclasses set ``_loss``."""

    _loss: Any = None

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(type(self)._loss, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_LossMean):
    """Mean absolute percentage error."""

    _loss = staticmethod(_rank_matched(losses.mean_absolute_percentage_error))

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class MeanSquaredLogarithmicError(_LossMean):
    """Mean squared logarithmic error."""

    _loss = staticmethod(_rank_matched(losses.mean_squared_logarithmic_error))

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class LogCoshError(_LossMean):
    """Mean logarithm of the hyperbolic cosine of the error."""

    _loss = staticmethod(_rank_matched(losses.log_cosh))

    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class Hinge(_LossMean):
    """Mean hinge loss."""

    _loss = staticmethod(losses.hinge)

    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class SquaredHinge(_LossMean):
    """Mean squared hinge loss."""

    _loss = staticmethod(losses.squared_hinge)

    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class CategoricalHinge(_LossMean):
    """Mean categorical hinge loss."""

    _loss = staticmethod(losses.categorical_hinge)

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class KLDivergence(_LossMean):
    """Mean Kullback-Leibler divergence."""

    _loss = staticmethod(losses.kl_divergence)

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class Poisson(_LossMean):
    """Mean Poisson loss."""

    _loss = staticmethod(losses.poisson)

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class CosineSimilarity(SampleMeanWrapper):
    """Mean cosine similarity between targets and predictions (+1 is best).

    Example:
        >>> m = CosineSimilarity(); m.update_state([[0.0, 1.0]], [[0.0, 2.0]])
        >>> round(float(m.result()), 4)
        1.0
    """

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None,
                 axis: int = -1) -> None:
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)
