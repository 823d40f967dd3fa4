"""Precision, Recall and the raw confusion-matrix counts (TruePositives, ...).

Each keeps weighted counts per threshold in non-trainable variables. With one threshold
the result is a scalar, with several a vector (one value per threshold).

Example:
    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
"""

from __future__ import annotations

import numbers
from typing import Any

from polykeras import ops
from polykeras.metrics.base import Metric
from polykeras.metrics.confusion_matrix import (
    NEG_INF,
    divide_no_nan,
    parse_thresholds,
    update_confusion_variables,
)
from polykeras.variables import Variable


def _check_optional_int(value: Any, arg: str, owner: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"{owner}: `{arg}` must be None or an integer >= {minimum}, received {value!r}."
        )
    return int(value)


class _ThresholdCounts(Metric):
    """Counts named in ``_counts`` (among "tp", "fp", "tn", "fn") per threshold."""

    _counts: tuple[str, ...] = ()
    _var_names = {"tp": "true_positives", "fp": "false_positives",
                  "tn": "true_negatives", "fn": "false_negatives"}

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        self.init_thresholds = thresholds
        self.top_k = _check_optional_int(top_k, "top_k", owner, 1)
        self.class_id = _check_optional_int(class_id, "class_id", owner, 0)
        default = 0.5 if self.top_k is None else NEG_INF
        self.thresholds = parse_thresholds(thresholds, default, owner)
        self._count_vars = {
            c: self.add_variable(shape=(len(self.thresholds),), name=self._var_names[c])
            for c in self._counts
        }
        for c, var in self._count_vars.items():
            setattr(self, self._var_names[c], var)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_variables(self._count_vars, y_true, y_pred, self.thresholds,
                                   sample_weight=sample_weight, top_k=self.top_k,
                                   class_id=self.class_id)

    def _per_threshold(self, values: Any) -> Any:
        return ops.take(values, 0, axis=0) if len(self.thresholds) == 1 else values

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class Precision(_ThresholdCounts):
    """Precision ``tp / (tp + fp)``: the fraction of positive predictions that are right.

    Args:
        thresholds: a float or list of floats in [0, 1]; ``y_pred > t`` is positive.
            Defaults to 0.5 (or, with ``top_k``, to keeping the top-k scores).
        top_k: only the ``k`` largest scores of each sample can be positive.
        class_id: only score this class index (the last axis).
        name: the metric name (default "precision").
        dtype: variable dtype.

    Example:
        >>> m = Precision(thresholds=[0.3, 0.7])
        >>> m.update_state([1, 0, 1], [0.9, 0.5, 0.4])
        >>> [round(float(v), 4) for v in ops.convert_to_numpy(m.result())]
        [0.6667, 1.0]
    """

    _counts = ("tp", "fp")
    true_positives: Variable
    false_positives: Variable

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(thresholds, top_k, class_id, name or "precision", dtype)

    def result(self) -> Any:
        tp, fp = self.true_positives.value, self.false_positives.value
        return self._per_threshold(divide_no_nan(tp, ops.add(tp, fp)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(_ThresholdCounts):
    """Recall ``tp / (tp + fn)``: the fraction of positive labels that are found.

    Arguments as for :class:`Precision` (default name "recall").

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """

    _counts = ("tp", "fn")
    true_positives: Variable
    false_negatives: Variable

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(thresholds, top_k, class_id, name or "recall", dtype)

    def result(self) -> Any:
        tp, fn = self.true_positives.value, self.false_negatives.value
        return self._per_threshold(divide_no_nan(tp, ops.add(tp, fn)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class _SingleCount(_ThresholdCounts):
    def __init__(self, thresholds: Any = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(thresholds, None, None, name, dtype)

    def result(self) -> Any:
        return self._per_threshold(self._count_vars[self._counts[0]].value)


class TruePositives(_SingleCount):
    """Weighted count of positive labels predicted positive (``y_pred > threshold``).

    Example:
        >>> m = TruePositives(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); float(m.result())
        2.0
    """

    _counts = ("tp",)


class FalsePositives(_SingleCount):
    """Weighted count of negative labels predicted positive.

    Example:
        >>> m = FalsePositives(); m.update_state([0, 1, 0, 0], [0, 0, 1, 1]); float(m.result())
        2.0
    """

    _counts = ("fp",)


class TrueNegatives(_SingleCount):
    """Weighted count of negative labels predicted negative.

    Example:
        >>> m = TrueNegatives(); m.update_state([0, 1, 0, 0], [1, 1, 0, 0]); float(m.result())
        2.0
    """

    _counts = ("tn",)


class FalseNegatives(_SingleCount):
    """Weighted count of positive labels predicted negative.

    Example:
        >>> m = FalseNegatives(); m.update_state([0, 1, 1, 1], [0, 1, 0, 0]); float(m.result())
        2.0
    """

    _counts = ("fn",)
