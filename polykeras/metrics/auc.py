"""AUC: area under the ROC or precision-recall curve, from confusion-matrix counts at a
fixed set of thresholds (a Riemann sum, interpolated the Keras way).

Example:
    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
"""

from __future__ import annotations

import numbers
from typing import Any, cast

from polykeras import ops
from polykeras.config import epsilon
from polykeras.metrics.base import Metric
from polykeras.metrics.confusion_matrix import divide_no_nan, update_confusion_variables
from polykeras.variables import in_stateless_scope

_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Approximate area under the ROC or PR curve.

    Predictions are compared with ``num_thresholds`` thresholds (evenly spaced in
    [0, 1], plus one just below 0 and one just above 1); the counts of true/false
    positives/negatives at each threshold trace the curve, whose area is a Riemann sum.

    Args:
        num_thresholds: number of thresholds (> 1) when ``thresholds`` is not given.
        curve: "ROC" (true positive rate against false positive rate) or "PR"
            (precision against recall).
        summation_method: "interpolation" (trapezoids for ROC; for PR the interpolation
            of Davis & Goadrich, 2006), "minoring" (left sums) or "majoring" (right sums).
        name: the metric name (default "auc").
        dtype: variable dtype.
        thresholds: explicit thresholds in [0, 1]; overrides ``num_thresholds``.
        multi_label: keep labels (the last axis) apart, compute one AUC per label and
            average them; otherwise all entries are pooled into one curve.
        num_labels: number of labels when ``multi_label`` (else found at the first update).
        label_weights: per-label weights: the weighted average of the label AUCs with
            ``multi_label``, otherwise weights on each label's counts.
        from_logits: apply a sigmoid to the predictions first.

    Example:
        >>> m = AUC(curve="PR")
        >>> m.update_state([0, 1, 1], [0.2, 0.8, 0.6]); round(float(m.result()), 3)
        1.0
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights: Any = None,
                 from_logits: bool = False) -> None:
        super().__init__(name=name or "auc", dtype=dtype)
        self.curve = _choice(curve, _CURVES, "curve", upper=True)
        self.summation_method = _choice(summation_method, _SUMMATIONS, "summation_method")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_check_threshold_list(thresholds))
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds,
                                                                    numbers.Integral) \
                    or num_thresholds <= 1:
                raise ValueError(
                    "AUC: `num_thresholds` must be an integer > 1, received "
                    f"num_thresholds={num_thresholds!r}."
                )
            n = int(num_thresholds)
            inner = [(i + 1) / (n - 1) for i in range(n - 2)]
        self.num_thresholds = len(inner) + 2
        eps = epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.multi_label = bool(multi_label)
        self._from_logits = bool(from_logits)
        if label_weights is not None:
            import numpy as np

            lw = np.asarray(label_weights, dtype="float64")
            if lw.ndim != 1 or (lw < 0).any():
                raise ValueError(
                    "AUC: `label_weights` must be a 1-D list of non-negative numbers, "
                    f"received {label_weights!r}."
                )
            self.label_weights = ops.convert_to_tensor(lw, dtype=self.dtype)
            self._label_weights_list = lw.tolist()
        else:
            self.label_weights = None
            self._label_weights_list = None
        if num_labels is not None and (isinstance(num_labels, bool)
                                       or not isinstance(num_labels, numbers.Integral)
                                       or num_labels < 1):
            raise ValueError(f"AUC: `num_labels` must be a positive integer or None, "
                             f"received {num_labels!r}.")
        self.num_labels: int | None = None if num_labels is None else int(num_labels)
        self._built = False
        if not self.multi_label:
            self._build(None)
        elif self.num_labels is not None:
            self._build(self.num_labels)

    @property
    def thresholds(self) -> list[float]:
        """All thresholds, including the two end points below 0 and above 1."""
        return list(self._thresholds)

    def _build(self, num_labels: int | None) -> None:
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds,
                                                                    num_labels)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        if num_labels is not None:
            self.num_labels = num_labels
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = ops.convert_to_tensor(y_pred)
        if not self._built:
            if in_stateless_scope():
                raise ValueError(
                    f"AUC {self.name!r} with multi_label=True does not know the number of "
                    "labels yet and cannot create its variables inside a compiled step. "
                    "Pass `num_labels=` to AUC."
                )
            self._build(ops.shape(y_pred)[-1])
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        update_confusion_variables(
            {"tp": self.true_positives, "fp": self.false_positives,
             "tn": self.true_negatives, "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    # ----------------------------------------------------------------- result
    def _pairs(self, x: Any) -> tuple[Any, Any]:
        """(x[:-1], x[1:]) along the threshold axis."""
        n = self.num_thresholds
        rest = tuple(ops.shape(x))[1:]
        zeros = (0,) * len(rest)
        return (ops.slice(x, (0,) + zeros, (n - 1,) + rest),
                ops.slice(x, (1,) + zeros, (n - 1,) + rest))

    def _average_labels(self, per_label: Any) -> Any:
        if not self.multi_label:
            return per_label
        if self.label_weights is None:
            return ops.mean(per_label)
        return divide_no_nan(ops.sum(ops.multiply(per_label, self.label_weights)),
                             ops.sum(self.label_weights))

    def _interpolated_pr(self) -> Any:
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich)."""
        tp, fp = self.true_positives.value, self.false_positives.value
        fn = self.false_negatives.value
        tp0, tp1 = self._pairs(tp)
        p = ops.add(tp, fp)
        p0, p1 = self._pairs(p)
        dtp = ops.subtract(tp0, tp1)
        dp = ops.subtract(p0, p1)
        slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = ops.subtract(tp1, ops.multiply(slope, p1))
        both = ops.logical_and(ops.greater(p0, 0.0), ops.greater(p1, 0.0))
        ratio = ops.where(both, divide_no_nan(p0, ops.maximum(p1, 0.0)), ops.ones_like(p1))
        _, fn1 = self._pairs(fn)
        increment = divide_no_nan(
            ops.multiply(slope, ops.add(dtp, ops.multiply(intercept, ops.log(ratio)))),
            ops.maximum(ops.add(tp1, fn1), 0.0),
        )
        return self._average_labels(ops.sum(increment, axis=0))

    def result(self) -> Any:
        if not self._built:
            return ops.convert_to_tensor(0.0, dtype=self.dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr()
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        recall = divide_no_nan(tp, ops.add(tp, fn))
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, ops.add(fp, tn)), recall
        else:
            x, y = recall, divide_no_nan(tp, ops.add(tp, fp))
        y0, y1 = self._pairs(y)
        if self.summation_method == "interpolation":
            heights = ops.divide(ops.add(y0, y1), 2.0)
        elif self.summation_method == "minoring":
            heights = ops.minimum(y0, y1)
        else:
            heights = ops.maximum(y0, y1)
        x0, x1 = self._pairs(x)
        areas = ops.multiply(ops.subtract(x0, x1), heights)
        return self._average_labels(ops.sum(areas, axis=0))

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self._label_weights_list,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


def _choice(value: Any, options: tuple[str, ...], arg: str, upper: bool = False) -> str:
    key = (value.upper() if upper else value.lower()) if isinstance(value, str) else value
    if key not in options:
        raise ValueError(
            f"AUC: invalid {arg} {value!r}. Expected one of {', '.join(map(repr, options))}."
        )
    return key


def _check_threshold_list(thresholds: Any) -> list[float]:
    values = [thresholds] if isinstance(thresholds, numbers.Real) else list(thresholds)
    for t in values:
        # cast: the numbers.Real stub lacks the reflected comparison used by `0.0 <= t`.
        if isinstance(t, bool) or not isinstance(t, numbers.Real) \
                or not 0.0 <= cast(float, t) <= 1.0:
            raise ValueError(
                f"AUC: threshold values must be floats in [0, 1], received {thresholds!r}."
            )
    return [float(t) for t in values]
