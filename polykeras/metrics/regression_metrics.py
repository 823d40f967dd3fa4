"""Regression metrics that are not the mean of a loss: root mean squared error, R2 and
the Pearson and concordance correlations.

Example:
    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> round(float(m.result()), 4)
    0.7071
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon
from polykeras.metrics.base import Mean, Metric
from polykeras.metrics.samplewise import SampleMeanWrapper
from polykeras.utils.shapes import squeeze_or_expand_to_same_rank


def _pair(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    y_pred = ops.convert_to_tensor(y_pred)
    if "float" not in ops.dtype(y_pred):
        y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(ops.convert_to_tensor(y_true), ops.dtype(y_pred))
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Pearson correlation of targets and predictions along ``axis``.

    Example:
        >>> round(float(pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])[0]), 4)
        0.9934
    """
    y_true, y_pred = _pair(y_true, y_pred)
    t = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    p = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    t = ops.divide(t, ops.std(t, axis=axis, keepdims=True))
    p = ops.divide(p, ops.std(p, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(t, p), axis=axis)


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Lin's concordance correlation coefficient along ``axis`` (Keras 3's formula).

    Example:
        >>> round(float(concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])[0]), 4)
        1.0
    """
    y_true, y_pred = _pair(y_true, y_pred)
    t_mean = ops.mean(y_true, axis=axis, keepdims=True)
    p_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    t_var = ops.var(ops.subtract(y_true, t_mean), axis=axis, keepdims=True)
    p_var = ops.var(ops.subtract(y_pred, p_mean), axis=axis, keepdims=True)
    covar = ops.multiply(ops.subtract(y_true, p_mean), ops.subtract(y_pred, p_mean))
    norm = ops.add(ops.add(t_var, p_var), ops.square(ops.subtract(t_mean, p_mean)))
    return ops.mean(ops.divide(ops.multiply(covar, 2.0), ops.add(norm, epsilon())), axis=axis)


class PearsonCorrelation(SampleMeanWrapper):
    """Mean Pearson correlation per sample (along ``axis``)."""

    def __init__(self, name: str = "pearson_correlation", dtype: Any = None,
                 axis: int = -1) -> None:
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(SampleMeanWrapper):
    """Mean concordance correlation per sample (along ``axis``)."""

    def __init__(self, name: str = "concordance_correlation", dtype: Any = None,
                 axis: int = -1) -> None:
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean squared error over all entries seen."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def update_state(  # type: ignore[override]
            self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _pair(y_true, y_pred)
        super().update_state(ops.square(ops.subtract(y_pred, y_true)), sample_weight)

    def result(self) -> Any:
        return ops.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination per output column of 2-D ``(batch, outputs)`` data,
    aggregated by ``class_aggregation`` ("uniform_average", "variance_weighted_average"
    or None); ``num_regressors > 0`` gives the adjusted R2.

    Example:
        >>> m = R2Score()
        >>> m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]])
        >>> float(m.result())
        0.5
    """

    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(f"`class_aggregation` must be one of {self._AGGREGATIONS}, "
                             f"received {class_aggregation!r}.")
        if num_regressors < 0:
            raise ValueError(f"`num_regressors` must be >= 0, received {num_regressors}.")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable(name="num_samples")
        self._built = False

    def build(self, y_true_shape: Any, y_pred_shape: Any) -> None:
        """Create the per-output sums for data of shape ``(batch, outputs)``."""
        if self._built:
            return
        if len(y_pred_shape) != 2 or (y_true_shape is not None and len(y_true_shape) != 2) \
                or y_pred_shape[-1] is None:
            raise ValueError("R2Score expects 2-D inputs of shape (batch_size, output_dim) "
                             f"with output_dim known, received y_true.shape={y_true_shape} "
                             f"and y_pred.shape={y_pred_shape}.")
        n = (int(y_pred_shape[-1]),)
        self.squared_sum = self.add_variable(n, name="squared_sum")
        self.sum = self.add_variable(n, name="sum")
        self.total_mse = self.add_variable(n, name="residual")
        self.count = self.add_variable(n, name="count")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _pair(y_true, y_pred)
        self.build(tuple(ops.shape(y_true)), tuple(ops.shape(y_pred)))
        if sample_weight is None:
            sw = ops.ones_like(y_true)
        else:
            sw = ops.cast(ops.convert_to_tensor(sample_weight), ops.dtype(y_true))
            if len(ops.shape(sw)) == 1:
                sw = ops.expand_dims(sw, 1)
            sw = ops.broadcast_to(sw, ops.shape(y_true))
        weighted = ops.multiply(y_true, sw)
        residual = ops.multiply(ops.square(ops.subtract(y_true, y_pred)), sw)
        for var, value in ((self.sum, weighted), (self.squared_sum, ops.multiply(y_true, weighted)),
                           (self.total_mse, residual), (self.count, sw)):
            var.assign(ops.add(var.value, ops.sum(value, axis=0)))
        self.num_samples.assign(ops.add(self.num_samples.value, float(ops.size(y_true))))

    def result(self) -> Any:
        mean = ops.divide(self.sum.value, self.count.value)
        total = ops.subtract(self.squared_sum.value, ops.multiply(self.sum.value, mean))
        raw = ops.subtract(1.0, ops.divide(self.total_mse.value, total))
        raw = ops.where(ops.isinf(raw), ops.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.divide(ops.sum(ops.multiply(total, raw)), ops.sum(total))
        else:
            score = raw
        if self.num_regressors:
            n, p = self.num_samples.value, float(self.num_regressors)
            denom = ops.subtract(ops.subtract(n, p), 1.0)
            adjusted = ops.subtract(1.0, ops.divide(ops.multiply(ops.subtract(1.0, score),
                                                                 ops.subtract(n, 1.0)),
                                                    ops.maximum(denom, 1.0)))
            # Too few samples for the adjustment: the plain score, as Keras falls back.
            score = ops.where(ops.greater(denom, 0.0), adjusted, score)
        return score

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
