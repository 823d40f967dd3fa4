"""F-beta and F1 scores over 2-D ``(batch, classes)`` labels and scores.

Without ``threshold`` the top-scoring class of each sample is the prediction; with one,
every score above it is. ``average`` is None (one score per class), "micro", "macro" or
"weighted" (by the support of each class).

Example:
    >>> m = F1Score(average="micro", threshold=0.5)
    >>> m.update_state([[1, 0], [0, 1], [1, 1]], [[0.9, 0.1], [0.8, 0.7], [0.2, 0.6]])
    >>> round(float(m.result()), 4)
    0.6667
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon
from polykeras.metrics.base import Metric
from polykeras.variables import Variable

_COUNTS = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")


class FBetaScore(Metric):
    """F-beta score ``(1 + beta**2) * P * R / (beta**2 * P + R)``."""

    true_positives: Variable
    false_positives: Variable
    false_negatives: Variable
    intermediate_weights: Variable

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score",
                 dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("`average` must be one of None, 'micro', 'macro', 'weighted', "
                             f"received average={average!r}.")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"`beta` must be a Python float > 0, received beta={beta!r}.")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("`threshold` must be None or a Python float with "
                             f"0 < threshold <= 1, received threshold={threshold!r}.")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def build(self, y_true_shape: Any, y_pred_shape: Any) -> None:
        """Create the count variables for predictions of shape ``(batch, classes)``."""
        if self._built:
            return
        if len(y_pred_shape) != 2 or (y_true_shape is not None and len(y_true_shape) != 2) \
                or y_pred_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects 2-D inputs of shape "
                             "(batch_size, num_classes) with num_classes known, received "
                             f"y_true.shape={y_true_shape} and y_pred.shape={y_pred_shape}.")
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        for count in _COUNTS:
            setattr(self, count, self.add_variable(shape, name=count))
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
        y_true = ops.cast(ops.convert_to_tensor(y_true), self.dtype)
        self.build(tuple(ops.shape(y_true)), tuple(ops.shape(y_pred)))
        if self.threshold is None:
            top = ops.max(y_pred, axis=-1, keepdims=True)
            hit = ops.logical_and(ops.greater_equal(y_pred, top),
                                  ops.greater(ops.abs(y_pred), 1e-9))
        else:
            hit = ops.greater(y_pred, self.threshold)
        pred = ops.cast(hit, self.dtype)

        def total(values: Any) -> Any:
            if sample_weight is not None:
                sw = ops.cast(ops.convert_to_tensor(sample_weight), self.dtype)
                values = ops.multiply(values, ops.reshape(sw, (-1, 1)))
            return ops.sum(values, axis=self.axis)

        missed = ops.subtract(1.0, pred)
        for count, values in zip(_COUNTS, (
                ops.multiply(pred, y_true), ops.multiply(pred, ops.subtract(1.0, y_true)),
                ops.multiply(missed, y_true), y_true)):
            var = getattr(self, count)
            var.assign(ops.add(var.value, total(values)))

    def result(self) -> Any:
        if not self._built:
            raise ValueError(f"{type(self).__name__}.result() called before any update_state"
                             "; update it with a batch first.")
        tp = self.true_positives.value
        precision = ops.divide(tp, ops.add(ops.add(tp, self.false_positives.value), epsilon()))
        recall = ops.divide(tp, ops.add(ops.add(tp, self.false_negatives.value), epsilon()))
        b2 = self.beta ** 2
        score = ops.divide(ops.multiply(precision, recall),
                           ops.add(ops.add(ops.multiply(precision, b2), recall), epsilon()))
        score = ops.multiply(score, 1.0 + b2)
        if self.average == "weighted":
            support = self.intermediate_weights.value
            weights = ops.divide(support, ops.add(ops.sum(support), epsilon()))
            return ops.sum(ops.multiply(score, weights))
        if self.average is not None:
            return ops.mean(score)
        return score

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (F-beta with beta = 1)."""

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype: Any = None) -> None:
        super().__init__(average, 1.0, threshold, name, dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("beta")
        return config
