"""One rate at the best threshold where another rate meets a floor:
SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision.

Confusion counts are kept at ``num_thresholds`` evenly spaced thresholds in ``[0, 1]``;
the result is the largest value of the reported rate over the thresholds whose
constrained rate is at least the requested value (0 when none is).

Example:
    >>> m = PrecisionAtRecall(recall=0.5, num_thresholds=11)
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> float(m.result())
    1.0
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.metrics.confusion_matrix import divide_no_nan
from polykeras.metrics.confusion_metrics import _ThresholdCounts
from polykeras.variables import Variable


def _even_thresholds(num_thresholds: int, owner: str) -> list[float]:
    if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
            or num_thresholds <= 0:
        raise ValueError(f"{owner}: `num_thresholds` must be an integer > 0, received "
                         f"{num_thresholds!r}.")
    if num_thresholds == 1:
        return [0.5]
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0] + inner + [1.0]


class _RateAtRate(_ThresholdCounts):
    """Base: ``value`` is the floor on the constrained rate; subclasses name the rates."""

    _counts = ("tp", "fp", "tn", "fn")
    _value_arg = ""
    _rates = ("", "")  # (constrained rate, reported rate)
    true_positives: Variable
    false_positives: Variable
    true_negatives: Variable
    false_negatives: Variable

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        owner = type(self).__name__
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{owner}: `{self._value_arg}` must be in [0, 1], received "
                             f"{value!r}.")
        super().__init__(_even_thresholds(num_thresholds, owner), None, class_id, name, dtype)
        self.value, self.num_thresholds = float(value), num_thresholds
        setattr(self, self._value_arg, value)

    def _rate(self, kind: str) -> Any:
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        num, other = {"sensitivity": (tp, fn), "recall": (tp, fn), "precision": (tp, fp),
                      "specificity": (tn, fp)}[kind]
        return divide_no_nan(num, ops.add(num, other))

    def result(self) -> Any:
        constrained, reported = (self._rate(k) for k in self._rates)
        feasible = ops.greater_equal(constrained, self.value)
        return ops.max(ops.where(feasible, reported, ops.zeros_like(reported)))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_arg: self.value}


class SensitivityAtSpecificity(_RateAtRate):
    """Best sensitivity (recall) where specificity ``tn / (tn + fp)`` >= ``specificity``."""

    _value_arg, _rates = "specificity", ("specificity", "sensitivity")

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(specificity, num_thresholds, class_id,
                         name or "sensitivity_at_specificity", dtype)


class SpecificityAtSensitivity(_RateAtRate):
    """Best specificity where sensitivity ``tp / (tp + fn)`` >= ``sensitivity``."""

    _value_arg, _rates = "sensitivity", ("sensitivity", "specificity")

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id,
                         name or "specificity_at_sensitivity", dtype)


class PrecisionAtRecall(_RateAtRate):
    """Best precision where recall >= ``recall``."""

    _value_arg, _rates = "recall", ("recall", "precision")

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name or "precision_at_recall", dtype)


class RecallAtPrecision(_RateAtRate):
    """Best recall where precision >= ``precision``."""

    _value_arg, _rates = "precision", ("precision", "recall")

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name or "recall_at_precision",
                         dtype)
