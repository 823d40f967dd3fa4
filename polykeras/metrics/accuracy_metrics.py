"""Accuracy metrics: exact match, binary, categorical, sparse categorical and top-k.

The function forms return one value per sample (per element for ``accuracy`` and
``binary_accuracy``, as in Keras 3); the classes keep their weighted mean.

Example:
    >>> m = SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]])
    >>> float(m.result())
    0.5
"""

from __future__ import annotations

import numbers
from typing import Any

from polykeras import ops
from polykeras.config import floatx
from polykeras.metrics.samplewise import SampleMeanWrapper
from polykeras.utils.shapes import squeeze_or_expand_to_same_rank


def _as_float(x: Any) -> Any:
    x = ops.convert_to_tensor(x)
    return x if "float" in ops.dtype(x) else ops.cast(x, floatx())


def _matches(a: Any, b: Any) -> Any:
    return ops.cast(ops.equal(a, b), floatx())


# ------------------------------------------------------------------ functions
def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``y_true == y_pred`` elementwise, else 0.0.

    Example:
        >>> ops.convert_to_numpy(accuracy([1, 2, 3], [1, 2, 0]))
        array([1., 1., 0.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, y_pred)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """1.0 where ``(y_pred > threshold)`` equals the 0/1 target, elementwise.

    Example:
        >>> ops.convert_to_numpy(binary_accuracy([[1], [0]], [[0.7], [0.8]]))
        array([[1.],
               [0.]], dtype=float32)
    """
    y_pred = _as_float(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), ops.dtype(y_true))
    return _matches(y_true, predicted)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 per sample where the arg-max of the one-hot target and of ``y_pred`` agree.

    Example:
        >>> ops.convert_to_numpy(categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]))
        array([1., 0.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    return _matches(labels, ops.argmax(y_pred, axis=-1))


def _sparse_labels(y_true: Any, y_pred: Any) -> Any:
    """Labels shaped like ``y_pred`` without its class axis, as a float tensor."""
    y_true = _as_float(y_true)
    ts, ps = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    if len(ts) == len(ps) and ts and ts[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
        ts = ts[:-1]
    if ts != ps[:-1]:
        raise ValueError(
            f"Sparse labels must have shape {ps[:-1]} or {ps[:-1] + (1,)} for predictions "
            f"of shape {ps}; received labels of shape {tuple(ops.shape(y_true))}. Pass one "
            "integer class index per sample (use categorical_accuracy for one-hot labels)."
        )
    return y_true


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 per sample where the integer label equals the arg-max of ``y_pred``.

    Labels may be shaped ``(batch,)`` or ``(batch, 1)``, integer or float.

    Example:
        >>> ops.convert_to_numpy(sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]]))
        array([1., 0.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    predicted = ops.cast(ops.argmax(y_pred, axis=-1), ops.dtype(labels))
    return _matches(labels, predicted)


def _in_top_k(targets: Any, predictions: Any, k: int) -> Any:
    """Whether each target class is among the ``k`` largest predictions; classes tied
    with the k-th largest value count as inside (like ``tf.math.in_top_k``)."""
    predictions = _as_float(predictions)
    n = ops.shape(predictions)[-1]
    flat = ops.reshape(predictions, (-1, n))
    idx = ops.reshape(ops.cast(targets, "int32"), (-1, 1))
    target_value = ops.take_along_axis(flat, idx, axis=-1)
    above = ops.sum(ops.cast(ops.greater(flat, target_value), "int32"), axis=-1)
    finite = ops.reshape(ops.isfinite(target_value), (-1,))
    return ops.logical_and(ops.less(above, k), finite)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1.0 per sample where the one-hot target's class is in the top ``k`` predictions.

    Example:
        >>> ops.convert_to_numpy(top_k_categorical_accuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], k=2))
        array([0.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    hits = _in_top_k(labels, y_pred, int(k))
    return ops.reshape(ops.cast(hits, floatx()), tuple(ops.shape(y_pred))[:-1])


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5,
                                      from_sorted_ids: bool = False) -> Any:
    """1.0 per sample where the integer label is in the top ``k`` predictions.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score (best
    first), e.g. the indices returned by ``ops.top_k``.

    Example:
        >>> ops.convert_to_numpy(sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.2]], k=3))
        array([1.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    out_shape = tuple(ops.shape(y_pred))[:-1]
    if from_sorted_ids:
        n = ops.shape(y_pred)[-1]
        ids = ops.slice(y_pred, (0,) * len(ops.shape(y_pred)),
                        out_shape + (min(int(k), n),))
        same = ops.equal(ops.cast(ids, ops.dtype(labels)), ops.expand_dims(labels, -1))
        return ops.cast(ops.any(same, axis=-1), floatx())
    hits = _in_top_k(labels, y_pred, int(k))
    return ops.reshape(ops.cast(hits, floatx()), out_shape)


# -------------------------------------------------------------------- classes
class Accuracy(SampleMeanWrapper):
    """How often predictions equal labels exactly.

    Example:
        >>> m = Accuracy(); m.update_state([1, 2, 3, 4], [0, 2, 3, 4]); float(m.result())
        0.75
    """

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(SampleMeanWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 labels.

    Example:
        >>> m = BinaryAccuracy(); m.update_state([[1], [0]], [[0.9], [0.6]]); float(m.result())
        0.5
    """

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        if not isinstance(threshold, numbers.Real) or isinstance(threshold, bool):
            raise ValueError(
                f"BinaryAccuracy: `threshold` must be a number, received {threshold!r}."
            )
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=float(threshold))


class CategoricalAccuracy(SampleMeanWrapper):
    """How often the arg-max of the predictions matches the one-hot labels.

    Example:
        >>> m = CategoricalAccuracy()
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(SampleMeanWrapper):
    """How often the arg-max of the predictions matches the integer labels.

    Example:
        >>> m = SparseCategoricalAccuracy()
        >>> m.update_state([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(SampleMeanWrapper):
    """How often the one-hot label's class is among the top ``k`` predictions.

    Example:
        >>> m = TopKCategoricalAccuracy(k=1)
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy",
                 dtype: Any = None) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=_check_k(k))


class SparseTopKCategoricalAccuracy(SampleMeanWrapper):
    """How often the integer label is among the top ``k`` predictions.

    Example:
        >>> m = SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None, from_sorted_ids: bool = False) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k(k), from_sorted_ids=bool(from_sorted_ids))


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"`k` must be a positive integer, received {k!r}.")
    return int(k)
