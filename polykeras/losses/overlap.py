"""Overlap and metric-learning losses: Dice and Tversky (segmentation), Circle
(embeddings).

Example:
    >>> from polykeras import ops
    >>> y_true = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    >>> y_pred = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    >>> ops.convert_to_numpy(dice(y_true, y_pred, axis=(1, 2, 3))).round(4)
    array([0.5   , 0.7576], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon
from polykeras.losses.loss import LossFunctionWrapper, float_target

_SUM = "sum_over_batch_size"


def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Any:
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`` over ``axis``
    (all axes when None, giving one scalar)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = float_target(y_true, y_pred)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(intersection, 2.0), total))


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5,
            axis: Any = None) -> Any:
    """``1 - TP / (TP + alpha * FP + beta * FN)`` over ``axis``; alpha = beta = 0.5 is Dice.

    Example:
        >>> round(float(tversky([[1.0, 0.0]], [[0.5, 0.5]])), 4)
        0.5
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = float_target(y_true, y_pred)
    tp = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denom = ops.add(ops.add(ops.add(tp, ops.multiply(fp, alpha)), ops.multiply(fn, beta)),
                    epsilon())
    return ops.subtract(1.0, ops.divide(tp, denom))


def _pos_neg_masks(labels: Any, ref_labels: Any, remove_diagonal: bool) -> tuple[Any, Any]:
    labels = ops.reshape(labels, (-1, 1))
    ref_labels = ops.reshape(ref_labels, (1, -1))
    positive = ops.equal(labels, ref_labels)
    negative = ops.logical_not(positive)
    if remove_diagonal:
        eye = ops.eye(ops.shape(labels)[0], ops.shape(ref_labels)[1], dtype="bool")
        positive = ops.logical_and(positive, ops.logical_not(eye))
    return positive, negative


def circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
           remove_diagonal: bool = True, gamma: float = 80, margin: float = 0.4) -> Any:
    """Circle loss of L2-normalized embeddings ``y_pred`` with integer labels ``y_true``,
    against reference embeddings and labels (the batch itself by default).

    Example:
        >>> emb = [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]
        >>> ops.shape(circle([0, 0, 1], emb))
        (3,)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), "int32")
    ref_embeddings = y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")
    dist = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(ref_embeddings))), 0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    pos_w = ops.maximum(ops.multiply(ops.add(dist, margin), ops.cast(positive, ops.dtype(dist))),
                        0.0)
    neg_w = ops.maximum(ops.multiply(ops.subtract(1.0 + margin, dist),
                                     ops.cast(negative, ops.dtype(dist))), 0.0)
    pos = ops.multiply(ops.multiply(pos_w, ops.subtract(margin, dist)), -float(gamma))
    neg = ops.multiply(ops.multiply(neg_w, ops.subtract(1.0 - margin, dist)), float(gamma))
    # A large finite floor rather than -inf keeps the gradients of empty rows finite.
    floor = ops.full_like(dist, -1e30)
    p_loss = ops.logsumexp(ops.where(positive, pos, floor), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg, floor), axis=1)
    return ops.softplus(ops.add(p_loss, n_loss))


class Dice(LossFunctionWrapper):
    """Dice loss (``1 -`` the Dice coefficient) over ``axis``."""

    def __init__(self, reduction: str | None = _SUM, name: str = "dice", axis: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(LossFunctionWrapper):
    """Tversky loss: Dice with separate weights on false positives and false negatives."""

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction: str | None = _SUM,
                 name: str = "tversky", axis: Any = None, dtype: Any = None) -> None:
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)


class Circle(LossFunctionWrapper):
    """Circle loss for embeddings; only the samples with a positive loss enter the mean."""

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: str | None = _SUM, name: str = "circle", dtype: Any = None) -> None:
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def mask(self, y_true, y_pred, values):
        return ops.greater(values, 0.0)
