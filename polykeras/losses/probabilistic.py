"""Probabilistic losses: the crossentropies (plain, focal, generalized), KL divergence,
Poisson and CTC. Functions return per-sample values; the classes reduce them.

Example:
    >>> from polykeras import ops
    >>> y_true, y_pred = [[0.0, 1.0]], [[0.4, 0.6]]
    >>> round(float(kl_divergence(y_true, y_pred)[0]), 4)
    0.5108
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon
from polykeras.losses.loss import LossFunctionWrapper, aligned, float_target

_SUM = "sum_over_batch_size"


def _check_axis(axis: Any) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be an int, received axis={axis!r} of type "
                         f"{type(axis).__name__}.")


def _smooth(y_true: Any, label_smoothing: float, num_classes: int | None) -> Any:
    """Labels moved towards uniform: 1/num_classes, or 0.5 for binary (None)."""
    if not label_smoothing:
        return y_true
    target = 0.5 if num_classes is None else 1.0 / num_classes
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing * target)


# ------------------------------------------------------------------ functions
def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Any:
    """Crossentropy between one-hot (or soft) targets and probabilities or logits.

    Example:
        >>> round(float(categorical_crossentropy([[0, 1]], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    _check_axis(axis)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _smooth(float_target(y_true, y_pred), label_smoothing, ops.shape(y_pred)[axis])
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def _sparse_targets(y_true: Any, y_pred: Any, axis: int) -> Any:
    y_true = ops.convert_to_tensor(y_true)
    if len(ops.shape(y_true)) == len(ops.shape(y_pred)) and ops.shape(y_true)[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    return y_true


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Any:
    """Crossentropy between integer labels and probabilities or logits; entries labelled
    ``ignore_class`` give 0 (and are left out of the class form's mean).

    Example:
        >>> ops.convert_to_numpy(sparse_categorical_crossentropy(
        ...     [1, -1], [[0.5, 0.5], [0.5, 0.5]], ignore_class=-1)).round(4)
        array([0.6931, 0.    ], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _sparse_targets(y_true, y_pred, axis)
    if "int" not in ops.dtype(y_true):
        y_true = ops.cast(y_true, "int32")
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                   axis=axis)
    valid = ops.not_equal(y_true, ignore_class)
    y_true = ops.where(valid, y_true, ops.zeros_like(y_true))
    values = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                 axis=axis)
    return ops.where(valid, values, ops.zeros_like(values))


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Any:
    """Mean over ``axis`` of the elementwise binary crossentropy.

    Example:
        >>> ops.convert_to_numpy(binary_crossentropy([[0, 1], [0, 0]],
        ...                                          [[0.6, 0.4], [0.4, 0.6]])).round(3)
        array([0.916, 0.714], dtype=float32)
    """
    y_true, y_pred = aligned(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, None)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0,
                              from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> Any:
    """Binary crossentropy scaled by ``(1 - p_t) ** gamma`` (and by ``alpha``/``1 - alpha``
    for classes 1/0 with ``apply_class_balancing``).

    Example:
        >>> ops.convert_to_numpy(binary_focal_crossentropy(
        ...     [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], gamma=2.0)).round(3)
        array([0.33 , 0.206], dtype=float32)
    """
    y_true, y_pred = aligned(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, None)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = ops.add(ops.multiply(y_true, y_pred),
                  ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha),
                         ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: float = 0.25,
                                   gamma: float = 2.0, from_logits: bool = False,
                                   label_smoothing: float = 0.0, axis: int = -1) -> Any:
    """Categorical crossentropy with each class term scaled by ``alpha * (1 - p) ** gamma``.

    Example:
        >>> ops.convert_to_numpy(categorical_focal_crossentropy(
        ...     [[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])).round(4)
        array([3.000e-04, 6.759e-01], dtype=float32)
    """
    _check_axis(axis)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _smooth(float_target(y_true, y_pred), label_smoothing, ops.shape(y_pred)[axis])
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    output = ops.clip(output, epsilon(), 1.0 - epsilon())
    cce = ops.negative(ops.multiply(y_true, ops.log(output)))
    factor = ops.multiply(ops.power(ops.subtract(1.0, output), gamma), alpha)
    return ops.sum(ops.multiply(factor, cce), axis=axis)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Any:
    """Generalized crossentropy ``(1 - p ** q) / q`` of the true class's probability ``p``
    (integer labels), robust to noisy labels.

    Example:
        >>> ops.convert_to_numpy(categorical_generalized_cross_entropy(
        ...     [1], [[0.75, 0.25]], q=0.5))
        array([1.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    while len(ops.shape(y_true)) >= len(ops.shape(y_pred)) and ops.shape(y_true)[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    one_hot = ops.one_hot(ops.cast(y_true, "int32"), ops.shape(y_pred)[-1],
                          dtype=ops.dtype(y_pred))
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, q)), q)


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[epsilon, 1]``."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.clip(float_target(y_true, y_pred), epsilon(), 1.0)
    y_pred = ops.clip(y_pred, epsilon(), 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Any:
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``.

    Example:
        >>> round(float(poisson([[1.0]], [[1.0]])[0]), 4)
        1.0
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = float_target(y_true, y_pred)
    log_pred = ops.log(ops.add(y_pred, epsilon()))
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, log_pred)), axis=-1)


def ctc(y_true: Any, y_pred: Any) -> Any:
    """Connectionist temporal classification loss per sample.

    ``y_true`` holds integer labels of shape ``(batch, max_label_length)`` padded with 0
    (the blank index, never a class); ``y_pred`` holds logits of shape
    ``(batch, time, num_classes)``. Needs ``polykeras.ops.ctc_loss``.
    """
    y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    if len(ops.shape(y_true)) != 2:
        raise ValueError("CTC expects integer targets of shape (batch_size, max_length), "
                         f"received y_true.shape={tuple(ops.shape(y_true))}.")
    if len(ops.shape(y_pred)) != 3:
        raise ValueError("CTC expects logits of shape (batch_size, max_length, num_classes),"
                         f" received y_pred.shape={tuple(ops.shape(y_pred))}.")
    ctc_loss = getattr(ops, "ctc_loss", None)
    if ctc_loss is None:
        raise NotImplementedError("The CTC loss needs polykeras.ops.ctc_loss, which this "
                                  "version of polykeras does not provide.")
    batch, steps = ops.shape(y_pred)[0], ops.shape(y_pred)[1]
    input_length = ops.full((batch,), steps, dtype="int32")
    label_length = ops.cast(ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1),
                            "int32")
    return ctc_loss(y_true, y_pred, label_length, input_length, mask_index=0)


# ------------------------------------------------------------------ classes
class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between one-hot (or soft) targets and predicted probabilities/logits."""

    logits_activation = "softmax"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = _SUM, name: str = "categorical_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(LossFunctionWrapper):
    """Crossentropy between 0/1 targets and predicted probabilities/logits."""

    logits_activation = "sigmoid"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = _SUM, name: str = "binary_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(binary_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer class labels and predicted probabilities/logits;
    labels equal to ``ignore_class`` are left out of the mean."""

    logits_activation = "softmax"

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = _SUM, axis: int = -1,
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def mask(self, y_true, y_pred, values):
        if self.ignore_class is None:
            return None
        y_true = _sparse_targets(y_true, ops.convert_to_tensor(y_pred), self.axis)
        return ops.reshape(ops.not_equal(y_true, self.ignore_class), ops.shape(values))


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary crossentropy that down-weights easy examples (focal loss)."""

    logits_activation = "sigmoid"

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str | None = _SUM,
                 name: str = "binary_focal_crossentropy", dtype: Any = None) -> None:
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy that down-weights easy examples (focal loss)."""

    logits_activation = "softmax"

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction: str | None = _SUM,
                 name: str = "categorical_focal_crossentropy", dtype: Any = None) -> None:
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized crossentropy ``(1 - p ** q) / q`` for integer labels."""

    def __init__(self, q: float = 0.5, reduction: str | None = _SUM,
                 name: str = "categorical_generalized_cross_entropy",
                 dtype: Any = None) -> None:
        if not 0.0 < q < 1.0:
            raise ValueError(f"q must be in the open interval (0, 1), received q={q}.")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence between target and predicted distributions."""

    def __init__(self, reduction: str | None = _SUM, name: str = "kl_divergence",
                 dtype: Any = None) -> None:
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss ``y_pred - y_true * log(y_pred)``."""

    def __init__(self, reduction: str | None = _SUM, name: str = "poisson",
                 dtype: Any = None) -> None:
        super().__init__(poisson, reduction, name, dtype)


class CTC(LossFunctionWrapper):
    """Connectionist temporal classification loss (see :func:`ctc`)."""

    def __init__(self, reduction: str | None = _SUM, name: str = "ctc",
                 dtype: Any = None) -> None:
        super().__init__(ctc, reduction, name, dtype)
