"""Confusion-matrix counts per decision threshold, shared by Precision, Recall and AUC.

A prediction counts as positive at threshold ``t`` when ``y_pred > t``; a label counts
as positive when it is non-zero. All thresholds are compared at once (a
``(thresholds, predictions)`` comparison reduced with a matrix product), so the update
has no Python loop over thresholds and runs inside a compiled step.

Example:
    >>> from polykeras import ops
    >>> counts = confusion_counts([1, 0, 1], [0.8, 0.6, 0.3], [0.5], ("tp", "fp"))
    >>> ops.convert_to_numpy(counts["tp"]), ops.convert_to_numpy(counts["fp"])
    (array([1.], dtype=float32), array([1.], dtype=float32))
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from polykeras import ops
from polykeras.metrics.samplewise import match_sample_weight
from polykeras.utils.shapes import squeeze_or_expand_to_same_rank
from polykeras.variables import Variable

#: The "threshold" used with ``top_k`` alone: every kept prediction is above it.
NEG_INF = -1e10

COUNT_NAMES = ("tp", "fp", "tn", "fn")


def parse_thresholds(thresholds: Any, default: float, owner: str) -> list[float]:
    """Thresholds as a list of floats in ``[0, 1]`` (``[default]`` when None)."""
    if thresholds is None:
        return [float(default)]
    values = [thresholds] if isinstance(thresholds, numbers.Real) else list(thresholds)
    if not values:
        raise ValueError(f"{owner}: `thresholds` is empty. Pass a float or a list of floats "
                         "in [0, 1], or None for the default.")
    out = []
    for t in values:
        # cast: the numbers.Real stub lacks the reflected comparison used by `0.0 <= t`.
        if isinstance(t, bool) or not isinstance(t, numbers.Real) \
                or not 0.0 <= cast(float, t) <= 1.0:
            raise ValueError(
                f"{owner}: threshold values must be floats in [0, 1], received "
                f"thresholds={thresholds!r}."
            )
        out.append(float(t))
    return out


def divide_no_nan(x: Any, y: Any) -> Any:
    """``x / y`` with 0 where ``y == 0``."""
    zero = ops.equal(y, 0)
    safe = ops.where(zero, ops.ones_like(y), y)
    return ops.where(zero, ops.zeros_like(x), ops.divide(x, safe))


def filter_top_k(x: Any, k: int) -> Any:
    """``x`` with everything but the ``k`` largest entries of the last axis set to
    :data:`NEG_INF`."""
    n = ops.shape(x)[-1]
    _, idx = ops.top_k(x, min(int(k), n))
    keep = ops.sum(ops.one_hot(idx, n, dtype=ops.dtype(x)), axis=-2)
    return ops.add(ops.multiply(x, keep), ops.multiply(ops.subtract(1.0, keep), NEG_INF))


def _prepare(y_true: Any, y_pred: Any, sample_weight: Any, top_k: int | None,
             class_id: int | None, label_weights: Any, multi_label: bool,
             dtype: str) -> tuple[Any, Any, Any]:
    """(predictions, positive-label indicator, weights), all float and of one shape."""
    y_pred = ops.convert_to_tensor(y_pred)
    if ops.dtype(y_pred) != dtype:
        y_pred = ops.cast(y_pred, dtype)
    y_true = ops.convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if tuple(ops.shape(y_true)) != tuple(ops.shape(y_pred)):
        raise ValueError(
            f"Labels and predictions must have the same shape for confusion-matrix "
            f"metrics, received y_true {tuple(ops.shape(y_true))} and y_pred "
            f"{tuple(ops.shape(y_pred))}. One-hot encode sparse labels first."
        )
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        n = ops.shape(y_pred)[-1] if ops.shape(y_pred) else 0
        if not 0 <= class_id < n:
            raise ValueError(
                f"class_id={class_id} is out of range for predictions with {n} classes "
                f"(shape {tuple(ops.shape(y_pred))}). Use 0 <= class_id < {n}."
            )
        y_true = ops.take(y_true, [class_id], axis=-1)
        y_pred = ops.take(y_pred, [class_id], axis=-1)
    positive = ops.cast(ops.not_equal(y_true, 0), dtype)
    shape = tuple(ops.shape(y_pred))
    weights = ops.ones(shape, dtype)
    if sample_weight is not None:
        sw = ops.cast(match_sample_weight(y_pred, sample_weight), dtype)
        sw_shape = tuple(ops.shape(sw))
        if len(sw_shape) < len(shape):
            sw = ops.reshape(sw, sw_shape + (1,) * (len(shape) - len(sw_shape)))
        weights = ops.multiply(weights, sw)
    if label_weights is not None and not multi_label:
        weights = ops.multiply(weights, ops.cast(label_weights, dtype))
    return y_pred, positive, weights


def confusion_counts(y_true: Any, y_pred: Any, thresholds: Sequence[float],
                     names: Sequence[str] = COUNT_NAMES, *, sample_weight: Any = None,
                     top_k: int | None = None, class_id: int | None = None,
                     multi_label: bool = False, label_weights: Any = None,
                     dtype: str = "float32") -> dict[str, Any]:
    """Weighted true/false positive/negative counts at each threshold.

    Args:
        y_true: labels (non-zero is positive), same shape as ``y_pred`` up to a trailing
            size-1 axis.
        y_pred: scores, compared with each threshold (``y_pred > t`` is positive).
        thresholds: the decision thresholds.
        names: which counts to return, among "tp", "fp", "tn", "fn".
        sample_weight: weights broadcast over the trailing axes of ``y_pred``.
        top_k: keep only the ``k`` largest scores of each sample as candidates.
        class_id: only score this class (an index of the last axis).
        multi_label: keep the last axis (labels) apart: counts are ``(thresholds, labels)``.
        label_weights: per-label weights (the last axis) when not ``multi_label``.
        dtype: float dtype of the counts.

    Returns:
        ``{name: counts}``, counts of shape ``(len(thresholds),)`` or
        ``(len(thresholds), labels)`` with ``multi_label``.
    """
    pred, positive, weights = _prepare(y_true, y_pred, sample_weight, top_k, class_id,
                                       label_weights, multi_label, dtype)
    thr = ops.convert_to_tensor(np.asarray(thresholds, dtype="float64"), dtype=dtype)
    pos_w = ops.multiply(positive, weights)
    neg_w = ops.multiply(ops.subtract(1.0, positive), weights)
    if multi_label:
        n_labels = ops.shape(pred)[-1] if ops.shape(pred) else 1
        pred = ops.reshape(pred, (1, -1, n_labels))
        pos_w = ops.reshape(pos_w, (-1, n_labels))
        neg_w = ops.reshape(neg_w, (-1, n_labels))
        above = ops.cast(ops.greater(pred, ops.reshape(thr, (-1, 1, 1))), dtype)
        below = ops.subtract(1.0, above)
        parts = {
            "tp": (above, pos_w), "fp": (above, neg_w),
            "fn": (below, pos_w), "tn": (below, neg_w),
        }
        return {n: ops.einsum("tnl,nl->tl", *parts[n]) for n in names}
    above = ops.cast(ops.greater(ops.reshape(pred, (1, -1)), ops.reshape(thr, (-1, 1))), dtype)
    both = ops.stack([ops.reshape(pos_w, (-1,)), ops.reshape(neg_w, (-1,))], axis=1)
    out: dict[str, Any] = {}
    if "tp" in names or "fp" in names:
        hi = ops.matmul(above, both)
        out["tp"], out["fp"] = ops.take(hi, 0, axis=1), ops.take(hi, 1, axis=1)
    if "fn" in names or "tn" in names:
        lo = ops.matmul(ops.subtract(1.0, above), both)
        out["fn"], out["tn"] = ops.take(lo, 0, axis=1), ops.take(lo, 1, axis=1)
    return {n: out[n] for n in names}


def update_confusion_variables(variables: dict[str, Variable], y_true: Any, y_pred: Any,
                               thresholds: Sequence[float], **kwargs: Any) -> None:
    """Add this batch's counts to ``variables`` (``{"tp": var, ...}``) with ``assign``.

    Keyword arguments are those of :func:`confusion_counts`.
    """
    dtype = next(iter(variables.values())).dtype
    counts = confusion_counts(y_true, y_pred, thresholds, tuple(variables), dtype=dtype,
                              **kwargs)
    for name, var in variables.items():
        var.assign(ops.add(var, counts[name]))
