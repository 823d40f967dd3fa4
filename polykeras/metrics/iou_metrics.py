"""Intersection-over-union metrics for segmentation: IoU, MeanIoU, BinaryIoU, OneHotIoU,
OneHotMeanIoU. They accumulate a ``(num_classes, num_classes)`` confusion matrix (rows:
true class, columns: predicted class) and report ``tp / (tp + fp + fn)`` averaged over the
target classes that occur.

Example:
    >>> m = MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.config import epsilon
from polykeras.metrics.base import Metric


class IoU(Metric):
    """Mean IoU over ``target_class_ids`` of integer (or one-hot, with
    ``sparse_y_true=False``/``sparse_y_pred=False``) labels and predictions; labels equal to
    ``ignore_class`` and out-of-range ids are left out."""

    def __init__(self, num_classes: int, target_class_ids: Any, name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True,
                 axis: int = -1) -> None:
        super().__init__(name=name, dtype=dtype)
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes \
                or min(target_class_ids) < 0:
            raise ValueError(f"target_class_ids {target_class_ids} must be non-empty and in "
                             f"[0, {num_classes}) for num_classes={num_classes}.")
        self.num_classes, self.target_class_ids = int(num_classes), target_class_ids
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_variable((self.num_classes, self.num_classes),
                                          name="total_confusion_matrix")

    def _labels(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        return ops.reshape(y_true, (-1,)), ops.reshape(y_pred, (-1,))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = self._labels(y_true, y_pred)
        dt = self.total_cm.dtype
        y_true, y_pred = ops.cast(y_true, "int32"), ops.cast(y_pred, "int32")
        n = self.num_classes
        valid = ops.logical_and(
            ops.logical_and(ops.greater_equal(y_true, 0), ops.less(y_true, n)),
            ops.logical_and(ops.greater_equal(y_pred, 0), ops.less(y_pred, n)))
        if self.ignore_class is not None:
            valid = ops.logical_and(valid, ops.not_equal(y_true, self.ignore_class))
        weight = ops.cast(valid, dt)
        if sample_weight is not None:
            sw = ops.reshape(ops.cast(ops.convert_to_tensor(sample_weight), dt), (-1,))
            weight = ops.multiply(weight, ops.broadcast_to(sw, ops.shape(weight)))
        true_hot = ops.one_hot(ops.where(valid, y_true, ops.zeros_like(y_true)), n, dtype=dt)
        pred_hot = ops.one_hot(ops.where(valid, y_pred, ops.zeros_like(y_pred)), n, dtype=dt)
        cm = ops.matmul(ops.transpose(ops.multiply(true_hot, ops.expand_dims(weight, -1))),
                        pred_hot)
        self.total_cm.assign(ops.add(self.total_cm.value, cm))

    def result(self) -> Any:
        cm = self.total_cm.value
        tp = ops.sum(ops.multiply(cm, ops.eye(self.num_classes, dtype=ops.dtype(cm))), axis=0)
        denom = ops.subtract(ops.add(ops.sum(cm, axis=0), ops.sum(cm, axis=1)), tp)
        tp, denom = ops.take(tp, self.target_class_ids), ops.take(denom, self.target_class_ids)
        valid = ops.greater(denom, 1e-9)
        iou = ops.where(valid, ops.divide(tp, ops.add(denom, epsilon())), ops.zeros_like(tp))
        count = ops.sum(ops.cast(valid, ops.dtype(iou)))
        return ops.divide(ops.sum(iou), ops.add(count, epsilon()))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes."""

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes, list(range(num_classes)), name, dtype, ignore_class,
                         sparse_y_true, sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("target_class_ids")
        return config


class BinaryIoU(IoU):
    """IoU of 0/1 labels against predictions thresholded at ``threshold`` (``>=``)."""

    def __init__(self, target_class_ids: Any = (0, 1), threshold: float = 0.5,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(2, target_class_ids, name, dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = ops.convert_to_tensor(y_pred)
        predicted = ops.cast(ops.greater_equal(y_pred, self.threshold), "int32")
        super().update_state(y_true, predicted, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class OneHotIoU(IoU):
    """IoU with one-hot labels (and one-hot or score predictions)."""

    def __init__(self, num_classes: int, target_class_ids: Any, name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes, target_class_ids, name, dtype, ignore_class, False,
                         sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("sparse_y_true")
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot labels (and one-hot or score predictions)."""

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("sparse_y_true")
        return config
